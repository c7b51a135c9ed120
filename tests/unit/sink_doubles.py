"""In-memory stand-ins for the sink runner's Kafka consumer, its ClickHouse sink and its clock.

Time is simulated: every poll takes its full timeout, so a test of timeouts and backoff runs instantly
and the same way every time. Every write and commit goes into one shared journal, in order.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

from iprx.sinks.base import Batch, Progress, Sink
from iprx.sinks.clickhouse.errors import ClickHouseUnavailable
from kafka import ConsumerRebalanceListener, TopicPartition
from kafka.structs import OffsetAndMetadata


class Clock:
    """Stands in for the runner's ``time`` module: only ``monotonic``, moved on by polls."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@dataclass(frozen=True)
class Message:
    """The fields of kafka-python's ConsumerRecord that the runner reads."""

    offset: int
    value: bytes | None
    timestamp: int
    headers: tuple[tuple[str, bytes | None], ...] = ()


@dataclass
class MemoryConsumer:
    """A group member that owns the partitions a test gives it and returns what the test feeds it.

    ``script`` maps a poll's number (from 1) to what happens during it, e.g. a rebalance; after poll
    ``stop_after`` the runner is asked to stop, as SIGTERM would.
    """

    clock: Clock
    journal: list[tuple[object, ...]]
    stop_after: int = 50
    script: dict[int, Callable[[], None]] = field(default_factory=dict)
    commit_error: Exception | None = None
    topics: list[str] = field(default_factory=list)
    listener: ConsumerRebalanceListener | None = None
    polls: int = 0
    closed_with: dict[str, bool] | None = None
    _assigned: set[TopicPartition] = field(default_factory=set)
    _paused: set[TopicPartition] = field(default_factory=set)
    _pending: dict[TopicPartition, list[Message]] = field(default_factory=dict)
    _position: dict[TopicPartition, int] = field(default_factory=dict)
    _highwater: dict[TopicPartition, int] = field(default_factory=dict)
    paused_during_polls: list[frozenset[TopicPartition]] = field(default_factory=list)

    # What the test does
    def feed(self, tp: TopicPartition, offsets: Iterable[int], highwater: int | None = None) -> None:
        """Make records with these offsets the next ones ``tp`` returns (the log may end further on)."""
        messages = [Message(o, f"{tp.topic}:{tp.partition}:{o}".encode(), 1_700_000_000_000 + o) for o in offsets]
        self._pending.setdefault(tp, []).extend(messages)
        end = highwater if highwater is not None else messages[-1].offset + 1
        self._highwater[tp] = max(self._highwater.get(tp, 0), end)

    def rebalance(self, assigned: Iterable[TopicPartition]) -> None:
        """The group hands this member ``assigned`` instead of what it had (eager protocol: revoke all)."""
        assert self.listener is not None, "the runner did not subscribe with itself as the listener"
        revoked, self._assigned = set(self._assigned), set(assigned)
        self.listener.on_partitions_revoked(revoked)
        for tp in revoked - self._assigned:
            self._pending.pop(tp, None)  # the next owner reads them
        self.listener.on_partitions_assigned(set(self._assigned))

    # What the runner calls
    def subscribe(self, topics: Iterable[str], listener: ConsumerRebalanceListener) -> None:
        self.topics, self.listener = list(topics), listener

    def subscription(self) -> set[str] | None:
        return set(self.topics)

    def poll(self, timeout_ms: int) -> Mapping[TopicPartition, list[Message]]:
        self.polls += 1
        self.clock.now += timeout_ms / 1000
        self.paused_during_polls.append(frozenset(self._paused))
        if action := self.script.get(self.polls):
            action()
        if self.polls >= self.stop_after:
            self.listener.stop()  # type: ignore[union-attr]
        out = {}
        for tp in sorted(self._assigned - self._paused):
            if messages := self._pending.pop(tp, []):
                out[tp] = messages
                self._position[tp] = messages[-1].offset + 1
        return out

    def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        if self.commit_error is not None:
            raise self.commit_error
        for tp, meta in offsets.items():
            self.journal.append(("commit", tp.partition, meta.offset))

    def assignment(self) -> Collection[TopicPartition]:
        return set(self._assigned)

    def highwater(self, partition: TopicPartition) -> int | None:
        return self._highwater.get(partition)

    def position(self, partition: TopicPartition) -> int:
        return self._position.get(partition, 0)

    def pause(self, *partitions: TopicPartition) -> None:
        self._paused.update(partitions)

    def resume(self, *partitions: TopicPartition) -> None:
        self._paused.difference_update(partitions)

    def paused(self) -> Collection[TopicPartition]:
        return set(self._paused)

    def close(self, autocommit: bool) -> None:
        self.closed_with = {"autocommit": autocommit}


class MemorySink(Sink):
    """Lands batches in a list; ``unavailable`` upcoming writes fail as an outage of ClickHouse does.

    ``recorded`` is its progress record per (topic, partition); a test sets it to what a previous run
    left, e.g. an incomplete batch.
    """

    def __init__(self, clock: Clock, journal: list[tuple[object, ...]]) -> None:
        self.clock, self.journal = clock, journal
        self.recorded: dict[tuple[str, int], Progress] = {}
        self.unavailable = 0
        self.attempts: list[float] = []  # clock time of every write attempt
        self.progress_queries = 0
        self.closed = False

    def write(self, batch: Batch) -> None:
        self.attempts.append(self.clock.now)
        if self.unavailable:
            self.unavailable -= 1
            raise ClickHouseUnavailable("connection refused")
        self.journal.append(("write", batch.partition, [r.offset for r in batch.records]))
        self.recorded[(batch.topic, batch.partition)] = Progress(batch.first_offset, batch.last_offset, complete=True)

    def progress(self, topic: str, partition: int) -> Progress | None:
        self.progress_queries += 1
        return self.recorded.get((topic, partition))

    def close(self) -> None:
        self.closed = True
