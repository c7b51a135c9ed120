"""The sink's consume loop: poll, batch per partition, land, and only then commit."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from collections import defaultdict
from typing import Any

from iprx.kernel import topics
from iprx.kernel.config import Settings
from iprx.sinks import metrics
from iprx.sinks.base import Batch, Progress, Sink, SourceRecord
from iprx.sinks.clickhouse.errors import ClickHouseUnavailable
from iprx.sinks.consumer import SinkConsumer, kafka_consumer, unreadable_batch
from kafka import ConsumerRebalanceListener, TopicPartition
from kafka.errors import CommitFailedError
from kafka.structs import OffsetAndMetadata

log = logging.getLogger(__name__)

LANDED_TOPICS = topics.ALL  # every topic of the catalogue lands in its tables


class SinkRunner(ConsumerRebalanceListener):
    """Runs one sink instance of the consumer group until :meth:`stop` (or SIGTERM/SIGINT)."""

    def __init__(self, settings: Settings, sink: Sink, consumer: SinkConsumer | None = None) -> None:
        """``consumer`` defaults to the sink group's real Kafka consumer; tests pass an in-memory one."""
        self.settings = settings
        self.sink = sink
        self.batch_size = settings.sink.batch_size
        self.batch_timeout = settings.sink.batch_timeout_ms / 1000
        self._stopping = False
        self._buffers: dict[TopicPartition, list[SourceRecord]] = defaultdict(list)
        self._first_seen: dict[TopicPartition, float] = {}
        # The sink's progress record per partition (last batch, complete or not), read once after
        # each assignment and then kept up to date by this runner's own writes.
        self._progress: dict[TopicPartition, Progress | None] = {}
        self.consumer = consumer if consumer is not None else kafka_consumer(settings)
        self.consumer.subscribe([settings.topic(t.name) for t in LANDED_TOPICS], listener=self)
        self._committed: dict[TopicPartition, int] = {}
        self._lag_reported_at = 0.0
        self._batches_landed = 0
        # Crash-test hook: SIGKILL this process after the Nth landed batch, before its commit,
        # the one moment where a naive sink would duplicate rows on restart.
        self._kill_after = int(os.environ.get("IPRX_SINK_KILL_AFTER_BATCHES", "0"))

    # ConsumerRebalanceListener
    def on_partitions_revoked(self, revoked: Any) -> None:
        # Uncommitted records of a revoked partition are re-read by its next owner.
        for tp in revoked:
            self._committed.pop(tp, None)
            with contextlib.suppress(KeyError):
                metrics.LAG.remove(tp.topic, str(tp.partition))
            self._buffers.pop(tp, None)
            self._first_seen.pop(tp, None)
            self._progress.pop(tp, None)
        if revoked:
            log.info("partitions revoked: %s", sorted(f"{tp.topic}:{tp.partition}" for tp in revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        if assigned:
            log.info("partitions assigned: %s", sorted(f"{tp.topic}:{tp.partition}" for tp in assigned))

    def stop(self, *_: object) -> None:
        self._stopping = True

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        log.info("sink started: group %s, topics %s", self.settings.sink.group_id, self.consumer.subscription())
        try:
            while not self._stopping:
                self._poll(timeout_ms=min(100, int(self.batch_timeout * 1000)))
                now = time.monotonic()
                for tp in list(self._buffers):
                    if len(self._buffers[tp]) >= self.batch_size or now - self._first_seen[tp] >= self.batch_timeout:
                        self._flush(tp)
                if now - self._lag_reported_at >= 1.0:
                    self._report_lag()
                    self._lag_reported_at = now
            for tp in list(self._buffers):
                self._flush(tp)
        finally:
            self.consumer.close(autocommit=False)
            self.sink.close()
            log.info("sink stopped")

    def _report_lag(self) -> None:
        for tp in self.consumer.assignment():
            highwater = self.consumer.highwater(tp)
            if highwater is None:
                continue  # no fetch response yet
            done = self._committed.get(tp)
            if done is None:
                done = self.consumer.position(tp) - len(self._buffers.get(tp, ()))
            metrics.LAG.labels(tp.topic, str(tp.partition)).set(max(highwater - done, 0))

    def _poll(self, timeout_ms: int) -> None:
        try:
            polled = self.consumer.poll(timeout_ms=timeout_ms)
        except Exception as exc:
            where = unreadable_batch(exc)
            if where is None or where[0] not in self.consumer.assignment():
                raise
            self._skip_unreadable(*where, exc)
            return
        now = time.monotonic()
        for tp, records in polled.items():
            self._first_seen.setdefault(tp, now)
            self._buffers[tp].extend(SourceRecord(r.offset, r.value, r.timestamp, r.headers) for r in records)

    def _skip_unreadable(self, tp: TopicPartition, offset: int, exc: Exception) -> None:
        """Dead-letter ``offset`` of a batch the consumer cannot read and move past it, instead of failing
        on it at every start. The next poll fetches from ``offset + 1``: if that is still in the batch,
        it fails again and the next offset is dead-lettered too, so each offset of the batch gets its own
        dead letter; after the batch, polling goes on as usual."""
        log.error("%s:%s@%d: record batch unreadable (%r); dead-lettering it", tp.topic, tp.partition, offset, exc)
        self._first_seen.setdefault(tp, time.monotonic())
        reason = str(exc) if type(exc).__name__ in str(exc) else f"{type(exc).__name__}: {exc}"
        self._buffers[tp].append(SourceRecord(offset, None, -1, unreadable=reason))
        self.consumer.seek(tp, offset + 1)

    def _flush(self, tp: TopicPartition) -> None:
        records = self._buffers.pop(tp, [])
        first_seen = self._first_seen.pop(tp, time.monotonic())
        if not records:
            return
        if tp not in self._progress:
            progress = self._retrying(lambda: self.sink.progress(tp.topic, tp.partition), tp)
            if progress is _REVOKED:
                return
            self._progress[tp] = progress
        progress = self._progress[tp]
        if progress is not None and not progress.complete:
            records = self._replay_range(tp, records, progress, first_seen)
            if records is None:
                return  # the partly landed batch is not all read yet
        elif progress is not None:
            records = self._skip_landed(tp, records, progress.last_offset)
        if records:
            batch = Batch(tp.topic, tp.partition, records)
            started = time.monotonic()
            if self._retrying(lambda: self.sink.write(batch), tp) is _REVOKED:
                return
            metrics.INSERT_SECONDS.observe(time.monotonic() - started)
            metrics.BATCH_ROWS.observe(len(records))
            self._progress[tp] = Progress(batch.first_offset, batch.last_offset, complete=True)
            next_offset = batch.last_offset + 1
            self._batches_landed += 1
            if self._batches_landed == self._kill_after:
                log.warning("IPRX_SINK_KILL_AFTER_BATCHES=%d reached: SIGKILL before commit", self._kill_after)
                os.kill(os.getpid(), signal.SIGKILL)
        else:
            next_offset = progress.last_offset + 1 if progress is not None else 0
        try:
            self.consumer.commit({tp: OffsetAndMetadata(next_offset, "", -1)})
            self._committed[tp] = next_offset
        except CommitFailedError as exc:
            # The group rebalanced: the new owner re-reads and skips what has landed.
            log.warning("commit of %s:%s failed (%s); the next owner will resume", tp.topic, tp.partition, exc)

    def _skip_landed(self, tp: TopicPartition, records: list[SourceRecord], landed: int) -> list[SourceRecord]:
        """``records`` without those at or below ``landed`` (re-read after a crash before the commit)."""
        fresh = [r for r in records if r.offset > landed]
        if len(fresh) < len(records):
            metrics.SKIPPED.inc(len(records) - len(fresh))
            log.info(
                "%s:%s: %d record(s) up to offset %d had already landed; skipping them",
                tp.topic,
                tp.partition,
                len(records) - len(fresh),
                landed,
            )
        return fresh

    def _replay_range(
        self, tp: TopicPartition, records: list[SourceRecord], partial: Progress, first_seen: float
    ) -> list[SourceRecord] | None:
        """The records of the partly landed batch ``partial``, exactly its range, once all are read.

        Records after the range stay buffered for the next batch; None while the range is incomplete
        (they stay buffered too).
        """
        if records[0].offset > partial.first_offset:
            # Only if the offsets were moved past the batch's start by hand, or its start left the log
            # (commits follow 'after'); seeking back would undo the one and loop on the other.
            log.warning(
                "%s:%s: reading starts at %d, inside the partly landed batch %d-%d, which cannot be replayed "
                "exactly; landing from %d (rows it landed twice collapse by key in ReplacingMergeTree)",
                tp.topic,
                tp.partition,
                records[0].offset,
                partial.first_offset,
                partial.last_offset,
                records[0].offset,
            )
            return records
        records = self._skip_landed(tp, records, partial.first_offset - 1)
        read_through = records[-1].offset if records else partial.first_offset - 1
        if read_through < partial.last_offset and self.consumer.position(tp) <= partial.last_offset:
            self._rebuffer(tp, records, first_seen)
            return None
        self._rebuffer(tp, [r for r in records if r.offset > partial.last_offset], first_seen)
        log.info(
            "%s:%s: replaying the partly landed batch %d-%d under its deduplication tokens",
            tp.topic,
            tp.partition,
            partial.first_offset,
            partial.last_offset,
        )
        return [r for r in records if r.offset <= partial.last_offset]

    def _rebuffer(self, tp: TopicPartition, records: list[SourceRecord], first_seen: float) -> None:
        """Put records taken out for a flush back, ahead of whatever the next poll adds."""
        if records:
            self._buffers[tp][:0] = records
            self._first_seen[tp] = first_seen

    def _retrying(self, action: Any, tp: TopicPartition) -> Any:
        """Run ``action`` until it succeeds, backing off while ClickHouse is unavailable."""
        delay = 0.5
        while True:
            try:
                return action()
            except ClickHouseUnavailable as exc:
                metrics.RETRIES.inc()
                log.error("ClickHouse unavailable (%s); retrying %s:%s in %.1fs", exc, tp.topic, tp.partition, delay)
                self.consumer.pause(*self.consumer.assignment())
                deadline = time.monotonic() + delay
                while time.monotonic() < deadline:
                    # Keep polling to stay in the group; paused partitions fetch nothing, and whatever
                    # a partition assigned meanwhile returns is buffered, not lost.
                    self._poll(timeout_ms=100)
                    if self._stopping or tp not in self.consumer.assignment():
                        self.consumer.resume(*self.consumer.paused())
                        return _REVOKED
                self.consumer.resume(*self.consumer.paused())
                delay = min(delay * 2, self.settings.sink.retry_backoff_max_s)


_REVOKED = object()
