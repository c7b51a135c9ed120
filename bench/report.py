"""The bench's output: machine facts, a readable table with targets from DESIGN.md §6, and JSON."""

from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from typing import Any

POM = Path(str(files("iprx.deploy"))) / "kafka" / "pom.xml"
PACKAGES = ("kafka-python", "aiokafka", "faust-streaming", "fastavro", "chdb", "clickhouse-connect", "pyinstrument")


def machine() -> dict[str, Any]:
    """Core count, CPU model and the versions of everything measured."""
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    match = re.search(r"<kafka\.version>\s*([^<\s]+)\s*</kafka\.version>", POM.read_text()) if POM.is_file() else None
    versions["kafka"] = match.group(1) if match else None
    return {"nproc": os.cpu_count(), "cpu_model": cpu, "platform": platform.platform(), "versions": versions}


@dataclass(frozen=True)
class Row:
    stage: str
    figure: str
    measured: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    verdict: str = ""


def _rate(value: float) -> str:
    return f"{value:,.0f}/s"


def _ratio(value: float) -> str:
    """A percentage; a small one keeps a significant digit (0.4%, not 0%)."""
    return f"{value:.0%}" if value >= 0.095 else f"{value * 100:.1g}%"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def rows(result: dict[str, Any]) -> list[Row]:
    """Table rows for every measured figure, with its baseline, ratio and DESIGN.md §6 target."""
    out: list[Row] = []
    stages = result["stages"]
    if p := stages.get("producer"):
        ok = p["ratio"] >= 0.8
        out.append(
            Row(
                "producer",
                "events/s, Avro via Publisher vs raw kafka-python (seizures)",
                _rate(p["measured_events_per_s"]),
                _rate(p["baseline_events_per_s"]),
                _ratio(p["ratio"]),
                ">= 80% of raw",
                _verdict(ok),
            )
        )
    if p := stages.get("processor"):
        ok = p["measured_events_per_s"] >= 20_000 and p["ratio"] >= 0.5
        out.append(
            Row(
                "processor",
                "events/s, Faust worker vs aiokafka+fastavro (mixed)",
                _rate(p["measured_events_per_s"]),
                _rate(p["baseline_events_per_s"]),
                _ratio(p["ratio"]),
                ">= 20,000/s and >= 50%",
                _verdict(ok),
            )
        )
        if "faust_ceiling_events_per_s" in p:
            ok = p["measured_events_per_s"] >= 4_000 and p["ratio_to_faust_ceiling"] >= 0.6
            out.append(
                Row(
                    "processor",
                    "events/s, Faust worker vs the Faust ceiling (one re-key + table update)",
                    _rate(p["measured_events_per_s"]),
                    _rate(p["faust_ceiling_events_per_s"]),
                    _ratio(p["ratio_to_faust_ceiling"]),
                    ">= 4,000/s and >= 60% (issue 12)",
                    _verdict(ok),
                )
            )
        if "two_workers_events_per_s" in p:
            two, one = p["two_workers_events_per_s"], p["measured_events_per_s"]
            out.append(
                Row(
                    "processor",
                    "events/s, two workers in one group vs one worker",
                    _rate(two),
                    _rate(one),
                    _ratio(two / one),
                    ">= 100% (issue 12)",
                    _verdict(two >= one),
                )
            )
    if p := stages.get("sink"):
        ok = p["measured_rows_per_s"] >= 100_000
        out.append(
            Row(
                "sink",
                "rows/s into chDB, iprx sink vs one bulk insert (seizures)",
                _rate(p["measured_rows_per_s"]),
                _rate(p["baseline_rows_per_s"]),
                _ratio(p["ratio"]),
                ">= 100,000/s",
                _verdict(ok),
            )
        )
    if p := stages.get("e2e"):
        for kind in ("seizure", "signal"):
            lat = p[f"{kind}_latency_ms"]
            ok = lat["p99"] < 2000 and p["achieved_events_per_s"] >= 0.9 * p["offered_events_per_s"]
            out.append(
                Row(
                    "e2e",
                    f"publish -> {kind} row inserted, p50/p95/p99 ms at {p['offered_events_per_s']:,.0f}/s offered",
                    f"{lat['p50']:,.0f} / {lat['p95']:,.0f} / {lat['p99']:,.0f}",
                    "",
                    "",
                    "p99 < 2,000 ms at 5,000/s",
                    _verdict(ok),
                )
            )
        out.append(
            Row(
                "e2e",
                "offered rate achieved by the Publisher",
                _rate(p["achieved_events_per_s"]),
                _rate(p["offered_events_per_s"]),
                _ratio(p["achieved_events_per_s"] / p["offered_events_per_s"]),
            )
        )
        best = p["max_sustainable_events_per_s"]
        relation = {"=": "", ">=": ">= ", "<": "< "}[p.get("max_sustainable_relation", "=")]
        out.append(
            Row(
                "e2e",
                "maximum sustainable rate (ramp)",
                relation + _rate(best),
                "",
                "",
                ">= 5,000/s",
                _verdict(best >= 5000 and relation != "< "),
            )
        )
    if p := stages.get("restart"):
        keys = f"{p['keys']:,} keys in a rule table"
        for label, key in (("memory", "memory_start_s"), ("RocksDB first", "rocksdb_first_start_s")):
            out.append(
                Row("restart", f"s from worker start to first input consumed, {label}, {keys}", f"{p[key]:,.1f} s")
            )
        ok = p["rocksdb_restart_s"] < 60 and p["keys"] >= 1_000_000
        out.append(
            Row(
                "restart",
                f"s from worker restart to first input consumed, RocksDB, {keys}",
                f"{p['rocksdb_restart_s']:,.1f} s",
                f"{p['memory_start_s']:,.1f} s",
                _ratio(p["rocksdb_restart_s"] / p["memory_start_s"]),
                "< 60 s with 1,000,000 keys (issue 12)",
                _verdict(ok),
            )
        )
    for name, mb in result.get("peak_rss_mb", {}).items():
        out.append(Row("memory", f"peak RSS {name}", f"{mb:,.0f} MiB"))
    return out


def table(result: dict[str, Any]) -> str:
    """The readable report: header facts, then one aligned line per figure."""
    m, w = result["machine"], result["workload"]
    v = m["versions"]
    head = [
        f"ipr-exchange bench  run {result['run_id']}  {result['started_at']}",
        f"machine: {m['nproc']} cores, {m['cpu_model']}",
        "versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if val),
        f"workload (seed {w['seed']}): producer and sink {w['events']:,} synthetic seizures, "
        f"~{w['mean_message_bytes']:.0f} B/event; e2e seizures at {w['rate']:,.0f}/s for {w['e2e_seconds']:.0f}s",
    ]
    if p := result["stages"].get("processor"):
        mix = ", ".join(f"{topic} {n:,}" for topic, n in sorted(p.get("events_per_topic", {}).items()))
        head.append(
            f"workload: processor {p['events']:,} mixed events of every family from `iprx simulate` "
            f"(anchor {p.get('anchor', '?')}, ~{p.get('mean_message_bytes', 0):.0f} B/event: {mix})"
        )
        if "records_written_per_event" in p:
            kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(p["records_written"].items()))
            head.append(f"processor wrote {p['records_written_per_event']:.2f} Kafka records per input event ({kinds})")
    head.append("")
    titles = Row("stage", "figure", "measured", "baseline", "ratio", "target (DESIGN §6)", "verdict")
    body = [titles, *rows(result)]
    widths = [max(len(getattr(r, f)) for r in body) for f in Row.__dataclass_fields__]
    lines = []
    for n, r in enumerate(body):
        cells = [getattr(r, f).ljust(width) for f, width in zip(Row.__dataclass_fields__, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(head + lines)
