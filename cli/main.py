"""`iprx`: the command line of ipr-exchange."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from iprx.cli.checkout import REPO_ROOT, not_a_checkout, source_checkout
from iprx.kernel import log_limit
from iprx.kernel.config import ConfigError, Settings, describe, load_settings
from iprx.schemas.errors import SchemaError
from iprx.schemas.evolution import MODES, PROJECT_MODE

log = logging.getLogger("iprx")
# Generated references live with the code they document (only in a source checkout).
DOCS_DIR = REPO_ROOT / "docs"


def _config_show(settings: Settings, args: argparse.Namespace) -> int:
    info = describe(settings)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"# source: {info.pop('source')}")
    print(f"data_dir = {info.pop('data_dir')!r}")
    for section, values in info.items():
        print(f"\n[{section}]")
        for key, value in values.items():  # type: ignore[union-attr]
            print(f"{key} = {json.dumps(value)}")
    return 0


def _kafka(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.pipeline import local_kafka

    if not local_kafka.is_local(settings):
        print(
            f"note: the configured bootstrap servers ({settings.kafka.bootstrap_servers}) are not the local broker "
            f"(127.0.0.1:{settings.kafka.local_port}); `iprx kafka {args.action}` only manages the local one",
            file=sys.stderr,
        )
    if not args.secure:
        return local_kafka.run(settings, args.action, check=False)
    if args.action != "up":
        print("error: --secure goes with `iprx kafka up`", file=sys.stderr)
        return 2
    from iprx.cli.secure_kafka import up_secure

    return up_secure(settings)


def _topics_create(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.kernel.kafka_admin import create_topics

    for result in create_topics(settings):
        print(f"{result.name}: {'created' if result.created else 'exists'}")
    return 0


def _lazy(module: str, name: str) -> Callable[[Settings, argparse.Namespace], int]:
    """The handler ``name`` of ``iprx.cli.<module>``, imported only when the command runs."""

    def handler(settings: Settings, args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(f"iprx.cli.{module}"), name)(settings, args)

    return handler


def _topics_list(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.kernel import topics

    for t in topics.ALL:
        partitions = t.partitions or settings.kafka.partitions
        read_by = ", worker input" if t.worker_input else ""
        print(f"{settings.topic(t.name)}  ({partitions} partitions, {t.retention}{read_by})")
        print(f"    {t.doc}")
        for schema, table in t.lands.items():
            print(f"    carries {schema} -> table {table}")
        for f in t.families:
            print(f"    family {f.name}: {', '.join(f.events)}; key {f.key_doc}")
    return 0


def _topics_docs(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.kernel.topics import describe_markdown

    return _generated_docs(describe_markdown(), args, "iprx topics docs", "topics.md")


def _db_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.sinks.clickhouse.migrations import migrate, plan
    from iprx.sinks.clickhouse.store import Store

    if args.print:
        for statement in plan(settings.clickhouse.database, settings.clickhouse.cluster or None):
            print(f"{statement};\n")
        return 0
    with Store(settings, "iprx db migrate") as store:
        applied = migrate(store.client, store.database, cluster=store.cluster)
    for m in applied:
        print(f"applied {m.version:04d}_{m.name}")
    print(f"database {settings.clickhouse.database}: up to date ({len(applied)} migration(s) applied now)")
    return 0


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.pipeline.services import run_worker

    run_worker(settings)
    return 0


def _sink(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.pipeline.services import run_sink

    return run_sink(settings)


def _simulate(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.simulation import default_anchor
    from iprx.simulation.command import run

    out = Path(args.out) if args.out else None
    truth = Path(args.truth) if args.truth else None
    wait = None if args.no_wait else args.wait_timeout
    return run(settings, args.seed, args.count, args.anchor or default_anchor(), out, truth, wait)


def _watermark(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.kernel.kafka_admin import wait_for_broker
    from iprx.pipeline.watermark import settle

    wait_for_broker(settings, timeout_s=5)  # no broker: one line now, not retries until --timeout
    settle(settings, args.at, timeout_s=args.timeout, landed=not args.no_sink)
    return 0


def _anchor(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _produce(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.producers import Publisher
    from iprx.producers.adapters.registry import adapter_for
    from iprx.producers.ingest import Progress, ingest

    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path} is not a file", file=sys.stderr)
        return 2
    adapter = adapter_for(args.format, settings)
    if settings.publisher.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.publisher.metrics_port, addr=settings.monitoring.metrics_host)
    rejects_path = Path(args.rejects or f"{path}.rejects.jsonl")
    progress = Progress(path.stat().st_size)
    with open(rejects_path, "w", encoding="utf-8") as rejects:
        if args.dry_run:
            summary = ingest(adapter, path, None, rejects, progress)
        else:
            with Publisher(settings) as publisher:
                summary = ingest(adapter, path, publisher, rejects, progress)
    print("\n".join(summary.lines()))
    if summary.rejected:
        print(f"rejected records and reasons: {rejects_path}")
        return 1
    rejects_path.unlink()
    return 0


def _summary(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.cli.summary import format_summary, summarize
    from iprx.sinks.clickhouse.store import Store

    with Store(settings, "iprx summary") as store:
        print(format_summary(summarize(store.client, store.database)))
    return 0


def _status(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.cli.status import run
    from iprx.pipeline.status import Bounds

    bounds = Bounds(silent_after=args.silent_after, dead_letter_cap=args.dead_letter_cap)
    return run(settings, bounds, args.json, args.watch)


def _duration(text: str) -> timedelta:
    from iprx.cli.status import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _report(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.cli.report import SECTIONS, build_report, render
    from iprx.sinks.clickhouse.store import Store

    with Store(settings, "iprx report") as store:
        if args.format == "html":
            from iprx.cli.report_html import build_html

            print(build_html(store.client, store.database, args.since, args.limit), end="")
            return 0
        report = build_report(store.client, store.database, args.since, args.limit, tuple(args.section or SECTIONS))
    print(render(report, args.format))
    return 0


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.cli.demo import run_demo

    run_demo(settings, args.seed, args.count, args.timeout)
    return 0


def _bench(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.bench.run import main as run_bench

    return run_bench(settings, args)


def _schemas_check(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.schemas import default_catalog
    from iprx.schemas.evolution import check
    from iprx.schemas.revisions import from_directory, from_git, is_shallow

    transitive = args.mode.endswith("_TRANSITIVE")
    if Path(args.against).is_dir():
        earlier = from_directory(Path(args.against))
    else:
        if transitive and is_shallow():
            print("note: shallow clone: only the fetched part of the history is checked", file=sys.stderr)
        earlier = from_git(args.against, transitive)
    current = {s.name: s.expanded for s in default_catalog()}
    problems = check(current, earlier, args.mode)
    for problem in problems:
        print(problem)
    labels = ", ".join(s.label for s in earlier) or "nothing (no earlier schemas)"
    if problems:
        print(f"{len(problems)} incompatible change(s) under {args.mode} against {labels}", file=sys.stderr)
        return 1
    print(f"{len(current)} schemas are {args.mode} compatible with {labels}")
    return 0


def _schemas_show(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.schemas import default_catalog

    catalog = default_catalog()
    try:
        schema = catalog.get(args.name)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    print(json.dumps(schema.expanded, indent=2, ensure_ascii=False))
    version = f"version {schema.version}" if schema.version is not None else "not yet published (iprx schemas snapshot)"
    print(f"# {schema.name}: CRC-64-AVRO fingerprint {schema.fingerprint.hex()}, {version}")
    for old in catalog.versions(schema.name):
        if old.fingerprint != schema.fingerprint:
            print(f"# earlier version {old.version}: fingerprint {old.fingerprint.hex()}")
    return 0


def _schemas_verify(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.cli.samples import file_sample, find_topic, topic_samples
    from iprx.cli.verify import verify
    from kafka.errors import KafkaError

    try:
        if args.file:
            path = Path(args.file)
            if not path.is_file():
                print(f"error: {path} is not a file", file=sys.stderr)
                return 2
            samples = iter([file_sample(path)])
        else:
            samples = topic_samples(settings, find_topic(settings, args.topic), args.last)
        verdicts = []
        for verdict in verify(samples, settings):
            print("\n".join(verdict.lines()))
            verdicts.append(verdict)
    except LookupError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 2
    except KafkaError as exc:
        print(f"error: could not read {args.topic} from {settings.kafka.bootstrap_servers}: {exc!r}", file=sys.stderr)
        return 2
    if not verdicts:
        print(f"error: topic {args.topic} holds no record to verify", file=sys.stderr)
        return 2
    failed = sum(not v.ok for v in verdicts)
    print(f"{len(verdicts) - failed} accepted, {failed} rejected ({settings.schemas.wire_format} wire format)")
    return 1 if failed else 0


def _schemas_docs(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.schemas import default_catalog
    from iprx.schemas.docs import render

    return _generated_docs(render(default_catalog()), args, "iprx schemas docs", "schemas.md")


def _generated_docs(text: str, args: argparse.Namespace, command: str, name: str) -> int:
    """Write a generated document to ``args.output`` (``-``: stdout), or with ``--check`` compare it."""
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    if args.output is None and source_checkout() is None:
        print(not_a_checkout(command) + "; or pass --output FILE, or - for stdout", file=sys.stderr)
        return 2
    target = Path(args.output) if args.output is not None else DOCS_DIR / name
    if args.check:
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            print(f"error: {target} is out of date; run `{command}`", file=sys.stderr)
            return 1
        print(f"{target} is up to date")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


def _schemas_snapshot(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.schemas.history import snapshot

    if source_checkout() is None:
        print(not_a_checkout("iprx schemas snapshot"), file=sys.stderr)
        return 2
    written = snapshot()
    for name, version in written:
        print(f"published {name} v{version}")
    if not written:
        print("every schema is already published")
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return value


def _docs_arguments(parser: argparse.ArgumentParser, name: str, handler: Callable[..., int]) -> None:
    parser.add_argument("--output", help=f"file to write, - for stdout (default docs/{name} of the source checkout)")
    parser.add_argument("--check", action="store_true", help="only verify that the file is up to date")
    parser.set_defaults(handler=handler)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="iprx", description=__doc__)
    parser.add_argument("--config", help="TOML configuration file (default: $IPRX_CONFIG or ./iprx.toml if present)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, handler: Callable[[Settings, argparse.Namespace], int], help: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    config = sub.add_parser("config", help="configuration").add_subparsers(dest="action", required=True)
    show = config.add_parser("show", help="print the effective settings (secrets masked)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_config_show)

    kafka = command("kafka", _kafka, "run the local Apache Kafka broker (KRaft, no Docker)")
    kafka.add_argument("action", choices=["up", "down", "status", "reset"])
    kafka.add_argument(
        "--secure", action="store_true", help="up with TLS (local CA), SCRAM users and ACLs from the member registry"
    )

    members = sub.add_parser("members", help="the member registry: who may publish what").add_subparsers(
        dest="action", required=True
    )
    members_list = members.add_parser("list", help="every member, its families, cadence, keys and principals")
    members_list.add_argument("--json", action="store_true")
    members_list.set_defaults(handler=_lazy("members", "list_members"))
    members_show = members.add_parser("show", help="one member in full (JSON)")
    members_show.add_argument("publisher_id")
    members_show.set_defaults(handler=_lazy("members", "show_member"))
    members_check = members.add_parser("check", help="validate a registry file (default: the configured one)")
    members_check.add_argument("file", nargs="?")
    members_check.set_defaults(handler=_lazy("members", "check_members"))
    members_keygen = members.add_parser("keygen", help="write a new Ed25519 signing key; print its registry entry")
    members_keygen.add_argument("key_id")
    members_keygen.add_argument("--out", required=True, help="file for the private key (must not exist)")
    members_keygen.set_defaults(handler=_lazy("members", "keygen"))

    evidence = sub.add_parser("evidence", help="a signal's evidence, checkable offline").add_subparsers(
        dest="action", required=True
    )
    evidence_export = evidence.add_parser("export", help="the signal and its source records, byte for byte")
    evidence_export.add_argument("signal_id")
    evidence_export.add_argument("--out", help="bundle file (default: stdout)")
    evidence_export.set_defaults(handler=_lazy("evidence", "export"))
    evidence_verify = evidence.add_parser("verify", help="check a bundle against the member registry, offline")
    evidence_verify.add_argument("bundle")
    evidence_verify.add_argument("--allow-unsigned", action="store_true", help="accept events without signatures")
    evidence_verify.set_defaults(handler=_lazy("evidence", "verify"))

    acl = sub.add_parser("acl", help="broker ACLs from the member registry").add_subparsers(
        dest="action", required=True
    )
    acl.add_parser("plan", help="print every grant the registry implies").set_defaults(handler=_lazy("acl", "plan"))
    acl.add_parser("apply", help="create them on the broker (as an admin)").set_defaults(handler=_lazy("acl", "apply"))

    topics_ = sub.add_parser("topics", help="Kafka topics").add_subparsers(dest="action", required=True)
    topics_.add_parser("create", help="create every topic (idempotent)").set_defaults(handler=_topics_create)
    topics_.add_parser("list", help="print the topic catalogue").set_defaults(handler=_topics_list)
    _docs_arguments(topics_.add_parser("docs", help="write the topic reference"), "topics.md", _topics_docs)

    db = sub.add_parser("db", help="ClickHouse schema").add_subparsers(dest="action", required=True)
    db_migrate = db.add_parser("migrate", help="apply pending DDL migrations")
    db_migrate.add_argument("--print", action="store_true", help="print every statement (for review) instead")
    db_migrate.set_defaults(handler=_db_migrate)

    schemas_ = sub.add_parser("schemas", help="Avro schemas").add_subparsers(dest="action", required=True)
    check = schemas_.add_parser(
        "check", help="check the schemas against an earlier version (a git revision or a directory)"
    )
    check.add_argument(
        "--against", default="HEAD", help="git revision or directory (default HEAD; transitive modes: its history)"
    )
    check.add_argument(
        "--mode", default=PROJECT_MODE, choices=MODES, help=f"compatibility mode (default {PROJECT_MODE})"
    )
    check.set_defaults(handler=_schemas_check)
    show_schema = schemas_.add_parser("show", help="print one schema (expanded) and its fingerprint")
    show_schema.add_argument("name", help="full name, e.g. iprx.seizure.SeizureRecorded")
    show_schema.set_defaults(handler=_schemas_show)
    verify_ = schemas_.add_parser(
        "verify", help="check that a message (a file holding one value, or a topic's last records) would be accepted"
    )
    source = verify_.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", help="file holding exactly one message value, as sent")
    source.add_argument("--topic", help="read the last records of this topic (logical or full name)")
    verify_.add_argument("--last", type=_positive_int, default=20, help="records per partition (default 20)")
    verify_.set_defaults(handler=_schemas_verify)
    docs = schemas_.add_parser("docs", help="write the Markdown reference of every event type and field")
    _docs_arguments(docs, "schemas.md", _schemas_docs)
    schemas_.add_parser(
        "snapshot", help="publish changed schemas into schemas/history so their messages stay decodable"
    ).set_defaults(handler=_schemas_snapshot)

    command("worker", _worker, "run a Faust stream-processing worker")
    command("sink", _sink, "land Kafka records in ClickHouse")

    produce = command("produce", _produce, "validate and publish an input file (rejects go to a file and the DLQ)")
    produce.add_argument(
        "format",
        choices=["seizures", "procurement", "inspections", "cooperation"],
        help="seizures: CSV; procurement: OCDS release/record packages or JSON Lines; "
        "inspections, cooperation: JSON Lines; see docs/input-formats.md",
    )
    produce.add_argument("file")
    produce.add_argument("--rejects", help="where rejected records go (default FILE.rejects.jsonl)")
    produce.add_argument("--dry-run", action="store_true", help="validate only; publish nothing")

    simulate = command(
        "simulate", _simulate, "seeded synthetic events of every family, planted patterns and their ground truth"
    )
    simulate.add_argument("--seed", type=int, default=42)
    simulate.add_argument("--count", type=_positive_int, default=2000, help="events in all (default 2000)")
    simulate.add_argument(
        "--anchor", type=_anchor, help="ISO date-time every event time is relative to (default: today 00:00 UTC)"
    )
    where = simulate.add_mutually_exclusive_group()
    where.add_argument("--publish", action="store_true", help="publish through the Publisher (the default)")
    where.add_argument(
        "--out",
        metavar="DIR",
        help="write files in the `iprx produce` formats instead, and DIR/produce.sh: their commands in phase order",
    )
    simulate.add_argument(
        "--truth", metavar="PATH", help="ground truth (default DIR/truth.jsonl or ./simulate-truth.jsonl)"
    )
    simulate.add_argument(
        "--no-wait", action="store_true", help="do not wait for the worker between the phases, nor settle at the end"
    )
    simulate.add_argument("--wait-timeout", type=float, default=300.0, help="seconds to wait for the worker (300)")

    watermark = command(
        "watermark",
        _watermark,
        "close event time at an instant (a backfill's end): wait for the worker, send a watermark, wait until settled",
    )
    watermark.add_argument(
        "--at", type=_anchor, help="ISO date-time: no event older than this will be published (default: now)"
    )
    watermark.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the pipeline (300)")
    watermark.add_argument("--no-sink", action="store_true", help="settled once the worker is, without the sink")

    from iprx.cli import monitoring

    monitoring.add_arguments(
        command("monitoring", monitoring.run, "run Prometheus on this machine with the scrape jobs and alert rules")
    )

    command("summary", _summary, "print what has landed in ClickHouse")

    status = command(
        "status", _status, "the pipeline on one screen, from Kafka alone: topics, lag, rates, dead letters, signals"
    )
    shown = status.add_mutually_exclusive_group()
    shown.add_argument("--json", action="store_true", help="print one JSON document instead (for scripts)")
    shown.add_argument(
        "--watch", type=float, nargs="?", const=5.0, metavar="SECONDS", help="refresh every SECONDS (5) until Ctrl-C"
    )
    status.add_argument(
        "--silent-after",
        type=_duration,
        default=timedelta(hours=24),
        help="flag a publisher silent when its newest record is older than this (90s, 30m, 24h, 2d; default 24h)",
    )
    status.add_argument(
        "--dead-letter-cap",
        type=_positive_int,
        default=100_000,
        help="read at most this many dead letters of the last 24 h, the newest (default 100000)",
    )

    from iprx.cli.report import FORMATS, SECTIONS

    report = command("report", _report, "signals, top subjects, legitimate-software rate and overdue referrals")
    report.add_argument(
        "--since", type=date.fromisoformat, help="YYYY-MM-DD: only signals and months from this date (default: all)"
    )
    report.add_argument("--limit", type=_positive_int, default=10, help="rows per section (default 10)")
    report.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table (default), json or csv, to stdout; html: one self-contained page of charts (no --section)",
    )
    report.add_argument("--section", action="append", choices=SECTIONS, help="only this section (repeatable)")

    demo = command("demo", _demo, "run the whole pipeline end to end and print the result")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--count", type=int, default=2000)
    demo.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the pipeline to catch up")

    from iprx.bench.run import add_arguments as bench_arguments

    bench_arguments(command("bench", _bench, "measure every stage against its raw baseline (DESIGN.md §6)"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("kafka").setLevel(logging.WARNING)
    log_limit.install()  # an outage makes the client libraries repeat one line many times a second
    from iprx.kernel.kafka_admin import KafkaUnavailable
    from iprx.kernel.members import MemberRegistryError
    from iprx.pipeline.local_kafka import LocalKafkaError
    from iprx.pipeline.prometheus import PrometheusError
    from iprx.pipeline.supervise import PipelineError
    from iprx.producers.publisher import PublishError
    from iprx.sinks.clickhouse.migrations import MigrationError
    from iprx.sinks.clickhouse.store import StoreInUse
    from iprx.stream_processors.ruleset import RuleSetError

    try:
        settings = load_settings(args.config)
        return args.handler(settings, args)
    except (
        ConfigError,
        PipelineError,
        PrometheusError,
        KafkaUnavailable,
        LocalKafkaError,
        MigrationError,
        PublishError,
        RuleSetError,
        MemberRegistryError,
        SchemaError,
        StoreInUse,
        ConnectionError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
