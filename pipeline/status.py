"""What `iprx status` shows, gathered from Kafka: offsets, group commits and bounded tails of topics; and
each rule's event time from the worker's own metrics endpoint, when it answers.

Nothing here opens the ClickHouse store, so the status works while the sink holds chDB's lock. Every
topic read is a window bounded in records and in time (:class:`Bounds`), so gathering takes a few
seconds however large the topics are; what was cut short is said (``capped``, ``incomplete``).
"""

from __future__ import annotations

import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from iprx.kernel import topics
from iprx.kernel.config import Settings
from iprx.kernel.dead_letters import DEAD_LETTER_SCHEMA, PUBLISHER_HEADER
from iprx.kernel.kafka_admin import admin_client, lag_of
from iprx.kernel.kafka_clients import KafkaUnavailable, connecting, kafka_python_options
from iprx.kernel.members import MemberRegistryError, load_members
from iprx.kernel.serialization import serializer_for
from iprx.pipeline.prometheus_config import DEFAULT_METRICS_PORTS
from iprx.schemas.errors import SchemaError
from iprx.schemas.serializer import Serializer
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError
from prometheus_client.parser import text_string_to_metric_families

SIGNAL_SCHEMA = "iprx.signal.Signal"
RATE_WINDOW = timedelta(minutes=1)
DEAD_LETTER_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Bounds:
    """How much `iprx status` reads: the windows over topics and how long each read may take."""

    input_tail: int = 1_000  # last records per input partition: latest event time and publishers
    signal_tail: int = 10_000  # last records per signals partition
    dead_letter_cap: int = 100_000  # at most this many dead letters of the last 24 h, the newest
    silent_after: timedelta = timedelta(hours=24)  # a publisher with nothing newer is flagged silent
    read_timeout_s: float = 3.0  # per window read; a window not read to its end is reported incomplete


@dataclass(frozen=True)
class TopicStatus:
    """One catalogue topic: whether it exists, its end offset per partition, and for worker inputs
    what arrived in the last minute and the newest event time seen in its tail."""

    name: str
    logical: str
    exists: bool
    worker_input: bool
    end_offsets: tuple[int, ...] = ()  # per partition, in partition order
    appended_last_minute: int | None = None  # worker inputs only
    latest_event_time: datetime | None = None  # worker inputs only: newest header.occurred_at in the tail

    @property
    def partitions(self) -> int:
        return len(self.end_offsets)

    @property
    def end_offset(self) -> int:
        return sum(self.end_offsets)

    @property
    def rate_per_s(self) -> float | None:
        if self.appended_last_minute is None:
            return None
        return self.appended_last_minute / RATE_WINDOW.total_seconds()


@dataclass(frozen=True)
class GroupLag:
    """A consumer group of the pipeline: records behind per partition of each existing topic it reads."""

    group: str
    lag: dict[str, tuple[int, ...]]
    committed: bool  # whether the group has committed anything at all
    error: str | None = None  # the broker could not say (e.g. no group coordinator yet on a new cluster)

    @property
    def total(self) -> int:
        return sum(sum(parts) for parts in self.lag.values())


@dataclass(frozen=True)
class DeadLetters:
    """Dead letters since ``since`` counted by reason code (``error_type``)."""

    since: datetime
    by_reason: dict[str, int]
    read: int
    capped: bool  # more arrived since ``since`` than Bounds.dead_letter_cap: only the newest were read
    undecodable: int = 0
    complete: bool = True  # read to the end within Bounds.read_timeout_s


@dataclass(frozen=True)
class LastSignal:
    """The newest signal of one rule in the tail of the signals topic."""

    rule_id: str
    raised_at: datetime  # Kafka record time: when the worker published it
    occurred_at: datetime  # event time of the latest contributing event
    severity: str
    subject_type: str
    subject_id: str


@dataclass(frozen=True)
class PublisherActivity:
    """A publisher seen in the tails of the input topics, by the ``iprx-publisher`` header."""

    publisher: str
    last_record_at: datetime  # Kafka record time of its newest record
    topics: tuple[str, ...]
    silent: bool  # nothing newer than ``silent_after``
    silent_after: timedelta  # the member's expected cadence (member registry), else Bounds.silent_after


@dataclass(frozen=True)
class Status:
    """Everything `iprx status` shows, at ``taken_at``."""

    taken_at: datetime
    bootstrap: str
    answer_ms: float  # one metadata round trip to the broker
    bounds: Bounds
    topics: tuple[TopicStatus, ...]
    groups: tuple[GroupLag, ...]
    dead_letters: DeadLetters
    signals: tuple[LastSignal, ...]
    signals_read: int
    publishers: tuple[PublisherActivity, ...]
    incomplete: tuple[str, ...] = field(default=())  # windows not read to their end in time
    event_time: Mapping[str, datetime] = field(default_factory=dict)  # rule -> its event-time clock
    event_time_source: str = ""  # the worker's metrics URL read, or why there is no event time

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.topics if not t.exists)


def publisher_activity(
    seen: Mapping[str, tuple[datetime, Iterable[str]]],
    now: datetime,
    silent_after: timedelta,
    cadences: Mapping[str, timedelta] | None = None,
) -> tuple[PublisherActivity, ...]:
    """Each publisher's newest record time and topics, flagged silent when older than its expected cadence
    (``cadences``, from the member registry) or else ``silent_after``; silent ones first, then by name."""
    cadences = cadences or {}
    activity = []
    for name, (last, names) in seen.items():
        limit = cadences.get(name, silent_after)
        activity.append(PublisherActivity(name, last, tuple(sorted(set(names))), now - last > limit, limit))
    return tuple(sorted(activity, key=lambda a: (not a.silent, a.publisher)))


def member_cadences(settings: Settings) -> dict[str, timedelta]:
    """Each member's expected cadence from the registry (none if the registry cannot be read: status still runs)."""
    try:
        members = load_members(settings.members.file or None)
    except MemberRegistryError:
        return {}
    return {m.publisher_id: m.cadence for m in members if m.cadence is not None}


def newest_per_rule(signals: Iterable[LastSignal]) -> tuple[LastSignal, ...]:
    """The newest signal (by ``raised_at``) of each rule, ordered by rule id."""
    newest: dict[str, LastSignal] = {}
    for s in signals:
        if s.rule_id not in newest or s.raised_at >= newest[s.rule_id].raised_at:
            newest[s.rule_id] = s
    return tuple(newest[r] for r in sorted(newest))


def capped_starts(
    since: Mapping[TopicPartition, int], ends: Mapping[TopicPartition, int], cap: int
) -> tuple[dict[TopicPartition, int], bool]:
    """Where to start reading each partition to get at most ``cap`` records, the newest; whether it cut.

    The cap is shared equally by the partitions (the first ones get the remainder), so one busy partition
    cannot hide the others.
    """
    share, extra = divmod(cap, max(len(ends), 1))
    ordered = sorted(ends, key=lambda tp: (tp.topic, tp.partition))
    starts = {tp: max(since[tp], ends[tp] - share - (n < extra)) for n, tp in enumerate(ordered)}
    return starts, any(starts[tp] > since[tp] for tp in ends)


def gather(settings: Settings, bounds: Bounds = Bounds(), now: datetime | None = None) -> Status:
    """Read the pipeline's state from the configured Kafka cluster (raises ``KafkaUnavailable`` if none answers)."""
    with connecting(settings.kafka):
        consumer = KafkaConsumer(
            **kafka_python_options(settings.kafka),
            client_id="iprx-status",
            group_id=None,
            enable_auto_commit=False,
            request_timeout_ms=int(bounds.read_timeout_s * 2000),
            bootstrap_timeout_ms=int(bounds.read_timeout_s * 1000),  # no broker: say so in seconds, not 30
        )
    try:
        status = _Gathering(settings, bounds, consumer, now or datetime.now(UTC)).run()
    except KafkaError as exc:  # it answered the bootstrap, then stopped (or timed out) midway
        raise KafkaUnavailable(
            f"the Kafka broker at {settings.kafka.bootstrap_servers} stopped answering: {type(exc).__name__}: {exc}"
        ) from None
    finally:
        consumer.close()
    clocks, source = worker_event_time(settings, bounds.read_timeout_s)
    return replace(status, event_time=clocks, event_time_source=source)


def worker_event_time(settings: Settings, timeout_s: float) -> tuple[dict[str, datetime], str]:
    """Each rule's event-time clock (``iprx_worker_event_time_seconds``) from the worker's /metrics, and the
    URL read; or no clocks and why, when the worker does not serve metrics there."""
    host = settings.monitoring.metrics_host
    host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    url = f"http://{host}:{settings.worker.metrics_port or DEFAULT_METRICS_PORTS['worker']}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            text = response.read().decode()
    except (OSError, ValueError) as exc:
        return {}, f"no worker metrics at {url} ({getattr(exc, 'reason', exc)}): set worker.metrics_port"
    clocks = {
        sample.labels["rule"]: datetime.fromtimestamp(sample.value, UTC)
        for family in text_string_to_metric_families(text)
        if family.name == "iprx_worker_event_time_seconds"
        for sample in family.samples
    }
    return clocks, url


class _Gathering:
    """One status: a single consumer (no group, no commits) reads offsets and windows."""

    def __init__(self, settings: Settings, bounds: Bounds, consumer: KafkaConsumer, now: datetime) -> None:
        self.settings, self.bounds, self.consumer, self.now = settings, bounds, consumer, now
        self.codec: Serializer = serializer_for(settings)
        self.incomplete: list[str] = []

    def run(self) -> Status:
        asked = time.monotonic()
        existing = self.consumer.topics()  # always a metadata request: the broker's answer time
        answer_ms = (time.monotonic() - asked) * 1000
        from iprx.pipeline.supervise import pipeline_groups  # pulls in the rules (for the re-key topics)

        groups = pipeline_groups(self.settings)
        names = {name for _, read in groups for name in read} | {self.settings.topic(t.name) for t in topics.ALL}
        self.parts = {
            name: [TopicPartition(name, p) for p in sorted(self.consumer.partitions_for_topic(name) or ())]
            for name in sorted(names & existing)
        }
        every = [tp for tps in self.parts.values() for tp in tps]
        self.ends = self.consumer.end_offsets(every) if every else {}
        self.starts = self.consumer.beginning_offsets(every) if every else {}
        inputs = self._inputs()
        dead_letters = self._dead_letters()
        signals, signals_read = self._signals()
        return Status(
            taken_at=self.now,
            bootstrap=self.settings.kafka.bootstrap_servers,
            answer_ms=answer_ms,
            bounds=self.bounds,
            topics=tuple(self._topic(spec, inputs[0]) for spec in topics.ALL),
            groups=tuple(self._lag(group, names) for group, names in groups),
            dead_letters=dead_letters,
            signals=signals,
            signals_read=signals_read,
            publishers=publisher_activity(
                inputs[1], self.now, self.bounds.silent_after, member_cadences(self.settings)
            ),
            incomplete=tuple(self.incomplete),
        )

    def _topic(self, spec: topics.TopicSpec, latest: Mapping[str, datetime]) -> TopicStatus:
        name = self.settings.topic(spec.name)
        if name not in self.parts:
            return TopicStatus(name, spec.name, False, spec.worker_input)
        tps = self.parts[name]
        appended = None
        if spec.worker_input:
            since = self._offsets_since(tps, self.now - RATE_WINDOW)
            appended = sum(self.ends[tp] - since[tp] for tp in tps)
        ends = tuple(self.ends[tp] for tp in tps)
        return TopicStatus(name, spec.name, True, spec.worker_input, ends, appended, latest.get(name))

    def _lag(self, group: str, names: list[str]) -> GroupLag:
        admin = admin_client(self.settings, timeout_s=self.bounds.read_timeout_s)
        try:
            committed = admin.list_group_offsets(group).get(group, {})
        except KafkaError as exc:  # a new cluster has no coordinator until __consumer_offsets exists
            return GroupLag(group, {}, False, f"{type(exc).__name__}: {exc}")
        finally:
            admin.close()
        lag: dict[str, tuple[int, ...]] = {}
        for name in names:
            tps = self.parts.get(name)
            if tps:
                behind = lag_of(committed, self.starts, {tp: self.ends[tp] for tp in tps})
                lag[name] = tuple(behind[tp] for tp in tps)
        return GroupLag(group, lag, bool(committed))

    def _offsets_since(self, tps: list[TopicPartition], since: datetime) -> dict[TopicPartition, int]:
        """First offset of each partition with a record time at or after ``since`` (its end if none)."""
        found = self.consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in tps})
        return {tp: found[tp].offset if found.get(tp) is not None else self.ends[tp] for tp in tps}

    def _tail(self, tps: list[TopicPartition], last: int) -> dict[TopicPartition, int]:
        return {tp: max(self.starts[tp], self.ends[tp] - last) for tp in tps}

    def _inputs(self) -> tuple[dict[str, datetime], dict[str, tuple[datetime, set[str]]]]:
        """From the tails of the worker inputs: newest event time per topic, newest record time per publisher."""
        latest: dict[str, datetime] = {}
        seen: dict[str, tuple[datetime, set[str]]] = {}

        def visit(record: ConsumerRecord) -> None:
            at = _record_time(record)
            for key, value in record.headers or ():
                if key == PUBLISHER_HEADER and value:
                    publisher = value.decode(errors="replace")
                    last, names = seen.get(publisher, (at, set()))
                    seen[publisher] = (max(last, at), names | {record.topic})
            decoded = self._decode(record.value)
            occurred = decoded and decoded[1].get("header", {}).get("occurred_at")
            if isinstance(occurred, datetime) and (record.topic not in latest or occurred > latest[record.topic]):
                latest[record.topic] = occurred

        tps = [tp for t in topics.WORKER_INPUTS for tp in self.parts.get(self.settings.topic(t.name), ())]
        self._scan("input tails", self._tail(tps, self.bounds.input_tail), visit)
        return latest, seen

    def _dead_letters(self) -> DeadLetters:
        since = self.now - DEAD_LETTER_WINDOW
        tps = self.parts.get(self.settings.topic(topics.DEAD_LETTER.name), [])
        starts, capped = capped_starts(
            self._offsets_since(tps, since), {tp: self.ends[tp] for tp in tps}, self.bounds.dead_letter_cap
        )
        reasons: Counter[str] = Counter()
        undecodable = 0

        def visit(record: ConsumerRecord) -> None:
            nonlocal undecodable
            decoded = self._decode(record.value, DEAD_LETTER_SCHEMA)
            if decoded is None:
                undecodable += 1
            else:
                reasons[decoded[1]["error_type"]] += 1

        complete = self._scan("dead letters", starts, visit)
        by_reason = dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
        return DeadLetters(since, by_reason, reasons.total() + undecodable, capped, undecodable, complete)

    def _signals(self) -> tuple[tuple[LastSignal, ...], int]:
        tps = self.parts.get(self.settings.topic(topics.SIGNALS.name), [])
        found: list[LastSignal] = []
        read = 0

        def visit(record: ConsumerRecord) -> None:
            nonlocal read
            read += 1
            decoded = self._decode(record.value, SIGNAL_SCHEMA)
            if decoded is not None:
                s = decoded[1]
                found.append(
                    LastSignal(
                        s["rule_id"],
                        _record_time(record),
                        s["header"]["occurred_at"],
                        s["severity"],
                        s["subject_type"],
                        s["subject_id"],
                    )
                )

        self._scan("signals", self._tail(tps, self.bounds.signal_tail), visit)
        return newest_per_rule(found), read

    def _decode(self, value: bytes | None, expect: str | None = None) -> tuple[str, dict[str, Any]] | None:
        if value is None:
            return None
        try:
            return self.codec.decode(value, expect)
        except SchemaError:  # foreign or damaged bytes: the worker dead-letters those, the status skips them
            return None

    def _scan(self, what: str, starts: Mapping[TopicPartition, int], visit: Callable[[ConsumerRecord], None]) -> bool:
        """Hand ``visit`` every record from ``starts`` to the end offsets taken at the start; False if time ran out."""
        pending = {tp for tp, offset in starts.items() if offset < self.ends[tp]}
        if not pending:
            return True
        self.consumer.assign(sorted(pending))
        for tp in pending:
            self.consumer.seek(tp, starts[tp])
        deadline = time.monotonic() + self.bounds.read_timeout_s
        while pending and time.monotonic() < deadline:
            for tp, records in self.consumer.poll(timeout_ms=100).items():
                for record in records:
                    if record.offset < self.ends[tp]:
                        visit(record)
            # by position, not by the last record seen: control records and compaction leave gaps
            for tp in [tp for tp in pending if self.consumer.position(tp) >= self.ends[tp]]:
                pending.discard(tp)
                self.consumer.pause(tp)
        self.consumer.assign([])
        if pending:
            self.incomplete.append(what)
        return not pending


def _record_time(record: ConsumerRecord) -> datetime:
    return datetime.fromtimestamp(record.timestamp / 1000, UTC)
