"""The sink runner's consume loop without a broker: batching per partition, landing before committing,
skipping what already landed, replaying a partly landed batch exactly, retrying an outage, and
rebalances (sinks/runner.py)."""

from __future__ import annotations

import signal
from dataclasses import dataclass

import pytest
from iprx.kernel.config import load_settings
from iprx.sinks import runner as runner_module
from iprx.sinks.base import Progress
from iprx.sinks.runner import LANDED_TOPICS, SinkRunner
from kafka import TopicPartition
from kafka.errors import CommitFailedError
from prometheus_client import REGISTRY

from tests.unit.sink_doubles import Clock, MemoryConsumer, MemorySink

TOPIC = "iprx.seizure"
P0, P1 = TopicPartition(TOPIC, 0), TopicPartition(TOPIC, 1)
BATCH_SIZE, BATCH_TIMEOUT_S, BACKOFF_MAX_S = 3, 1.0, 2.0
POLL_S = 0.1  # the runner polls for at most 100 ms at a time


@dataclass
class Harness:
    clock: Clock
    journal: list[tuple[object, ...]]
    consumer: MemoryConsumer
    sink: MemorySink
    runner: SinkRunner

    def writes(self, partition: int | None = None) -> list[list[int]]:
        return [e[2] for e in self.journal if e[0] == "write" and partition in (None, e[1])]

    def commits(self, partition: int) -> list[int]:
        return [e[2] for e in self.journal if e[0] == "commit" and e[1] == partition]


@pytest.fixture
def harness(monkeypatch) -> Harness:
    monkeypatch.delenv("IPRX_SINK_KILL_AFTER_BATCHES", raising=False)
    clock, journal = Clock(), []
    monkeypatch.setattr(runner_module, "time", clock)
    settings = load_settings(
        env={
            "IPRX_SINK_BATCH_SIZE": str(BATCH_SIZE),
            "IPRX_SINK_BATCH_TIMEOUT_MS": str(int(BATCH_TIMEOUT_S * 1000)),
            "IPRX_SINK_RETRY_BACKOFF_MAX_S": str(BACKOFF_MAX_S),
        }
    )
    consumer, sink = MemoryConsumer(clock, journal), MemorySink(clock, journal)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield Harness(clock, journal, consumer, sink, SinkRunner(settings, sink, consumer=consumer))
    for sig, handler in handlers.items():  # run() installs its own; pytest keeps Ctrl-C
        signal.signal(sig, handler)


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_subscribes_to_every_landed_topic_with_itself_as_the_rebalance_listener(harness):
    assert harness.consumer.topics == [harness.runner.settings.topic(t.name) for t in LANDED_TOPICS]
    assert harness.consumer.listener is harness.runner


def test_a_full_batch_lands_at_once_and_is_committed_after_it_landed(harness):
    harness.consumer.rebalance([P0])
    harness.consumer.feed(P0, range(3))
    harness.consumer.stop_after = 20
    harness.runner.run()
    assert harness.journal == [("write", 0, [0, 1, 2]), ("commit", 0, 3)]
    assert harness.sink.attempts == [pytest.approx(1000 + POLL_S)]  # no wait for the batch timeout


def test_a_partial_batch_lands_when_the_timeout_since_its_first_record_has_passed(harness):
    harness.consumer.rebalance([P0])
    harness.consumer.feed(P0, [0])
    harness.consumer.script[4] = lambda: harness.consumer.feed(P0, [1])  # joins the open batch
    harness.consumer.stop_after = 40
    harness.runner.run()
    assert harness.writes() == [[0, 1]]
    assert harness.commits(0) == [2]
    first_record_at = 1000 + POLL_S
    assert first_record_at + BATCH_TIMEOUT_S <= harness.sink.attempts[0] < first_record_at + BATCH_TIMEOUT_S + POLL_S


def test_batches_hold_one_partition_each_and_flush_independently(harness):
    harness.consumer.rebalance([P0, P1])
    harness.consumer.feed(P0, range(5))
    harness.consumer.feed(P1, range(10, 12))
    harness.consumer.stop_after = 40
    harness.runner.run()
    # P0 went over the batch size in one poll and lands whole at once; P1 waits for the timeout.
    assert harness.journal == [
        ("write", 0, [0, 1, 2, 3, 4]),
        ("commit", 0, 5),
        ("write", 1, [10, 11]),
        ("commit", 1, 12),
    ]


def test_stopping_lands_what_is_buffered_then_closes_without_autocommit(harness):
    harness.consumer.rebalance([P0])
    harness.consumer.feed(P0, [0])
    harness.consumer.stop_after = 1
    harness.runner.run()
    assert harness.journal == [("write", 0, [0]), ("commit", 0, 1)]
    assert harness.consumer.closed_with == {"autocommit": False}
    assert harness.sink.closed


def test_after_a_restart_records_that_already_landed_are_skipped(harness):
    # The previous run landed 0..4 and was killed before its commit: Kafka hands them out again.
    harness.sink.recorded[(TOPIC, 0)] = Progress(0, 4, complete=True)
    skipped_before = metric("iprx_sink_records_already_landed_total")
    harness.consumer.rebalance([P0])
    harness.consumer.feed(P0, range(8))
    harness.consumer.stop_after = 20
    harness.runner.run()
    assert harness.journal == [("write", 0, [5, 6, 7]), ("commit", 0, 8)]
    assert metric("iprx_sink_records_already_landed_total") - skipped_before == 5


def test_a_batch_that_had_landed_entirely_is_only_committed(harness):
    harness.sink.recorded[(TOPIC, 0)] = Progress(5, 7, complete=True)
    harness.consumer.rebalance([P0])
    harness.consumer.feed(P0, range(8))
    harness.consumer.stop_after = 20
    harness.runner.run()
    assert harness.journal == [("commit", 0, 8)]


def test_a_partly_landed_batch_is_replayed_with_exactly_its_range_then_batching_goes_on(harness):
    # The previous run wrote 'before' for 3..7 (it batched 5 records) and died amid its inserts; it
    # had committed 3. Whatever the batch size now, 3..7 is written again as one batch, the same
    # range, so that every insert carries the same deduplication token as before.
    harness.sink.recorded[(TOPIC, 0)] = Progress(3, 7, complete=False)
    harness.consumer.rebalance([P0])
    harness.consumer.feed(P0, range(3, 10))
    harness.consumer.stop_after = 40
    harness.runner.run()
    assert harness.journal == [("write", 0, [3, 4, 5, 6, 7]), ("commit", 0, 8), ("write", 0, [8, 9]), ("commit", 0, 10)]


def test_a_partly_landed_batch_waits_until_its_whole_range_has_been_read(harness):
    harness.sink.recorded[(TOPIC, 0)] = Progress(3, 7, complete=False)
    consumer = harness.consumer
    consumer.rebalance([P0])
    consumer.feed(P0, range(0, 5), highwater=12)  # 0..2 landed in an earlier, complete batch
    consumer.script[25] = lambda: consumer.feed(P0, range(5, 9))  # long after the batch timeout
    consumer.stop_after = 50
    harness.runner.run()
    assert harness.journal == [("write", 0, [3, 4, 5, 6, 7]), ("commit", 0, 8), ("write", 0, [8]), ("commit", 0, 9)]


def test_a_stop_before_the_range_is_read_writes_nothing_of_it(harness):
    harness.sink.recorded[(TOPIC, 0)] = Progress(3, 7, complete=False)
    harness.consumer.rebalance([P0])
    harness.consumer.feed(P0, range(3, 6), highwater=12)
    harness.consumer.stop_after = 30
    harness.runner.run()
    assert harness.journal == []  # a shorter range would get other tokens: left for the next run


def test_reading_that_starts_inside_a_partly_landed_batch_lands_from_there(harness):
    # Offsets moved past the batch's start by hand: the operator's choice stands, and nothing read is skipped.
    harness.sink.recorded[(TOPIC, 0)] = Progress(3, 7, complete=False)
    harness.consumer.rebalance([P0])
    harness.consumer.feed(P0, range(5, 10))
    harness.consumer.stop_after = 40
    harness.runner.run()
    assert harness.journal == [("write", 0, [5, 6, 7, 8, 9]), ("commit", 0, 10)]


def test_progress_recorded_by_a_landed_batch_is_used_without_asking_again(harness):
    consumer = harness.consumer
    consumer.rebalance([P0])
    consumer.feed(P0, range(3))
    consumer.script[5] = lambda: consumer.feed(P0, range(1, 6))  # e.g. re-delivered after a failed commit
    consumer.stop_after = 20
    harness.runner.run()
    assert harness.writes() == [[0, 1, 2], [3, 4, 5]]
    assert harness.sink.progress_queries == 1


def test_the_progress_is_asked_once_per_assignment(harness):
    consumer = harness.consumer
    consumer.rebalance([P0])
    consumer.feed(P0, range(3))
    consumer.script[5] = lambda: consumer.feed(P0, range(3, 6))
    consumer.script[10] = lambda: consumer.rebalance([P0])  # same partition again, after a rebalance
    consumer.script[11] = lambda: consumer.feed(P0, range(6, 9))
    consumer.stop_after = 20
    harness.runner.run()
    assert harness.writes() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert harness.sink.progress_queries == 2


def test_an_outage_retries_the_same_batch_with_growing_backoff_and_commits_only_after_it_landed(harness):
    harness.sink.unavailable = 4
    retries_before = metric("iprx_sink_retries_total")
    harness.consumer.rebalance([P0])
    harness.consumer.feed(P0, range(3))
    harness.consumer.stop_after = 120
    harness.runner.run()
    assert harness.journal == [("write", 0, [0, 1, 2]), ("commit", 0, 3)]
    waits = [b - a for a, b in zip(harness.sink.attempts, harness.sink.attempts[1:], strict=False)]
    assert waits == pytest.approx([0.5, 1.0, 2.0, 2.0], abs=POLL_S + 1e-6)  # doubling, capped at the maximum
    assert metric("iprx_sink_retries_total") - retries_before == 4
    # While it waits it keeps polling (to stay in the group) with its partitions paused, then resumes them.
    assert frozenset([P0]) in harness.consumer.paused_during_polls
    assert harness.consumer.paused() == set()


def test_a_partition_revoked_during_an_outage_gives_up_its_batch_uncommitted(harness):
    consumer, sink = harness.consumer, harness.sink
    sink.unavailable = 1_000
    consumer.rebalance([P0])
    consumer.feed(P0, range(3))
    consumer.script[8] = lambda: consumer.rebalance([P1])  # P0 goes to another member mid-retry

    def recover() -> None:
        sink.unavailable = 0
        consumer.feed(P1, range(3))

    consumer.script[30] = recover
    consumer.stop_after = 60
    harness.runner.run()
    assert harness.writes(0) == [] and harness.commits(0) == []  # its next owner lands and commits it
    assert harness.journal == [("write", 1, [0, 1, 2]), ("commit", 1, 3)]
    assert consumer.paused() == set()


def test_a_revoked_partition_drops_its_buffered_records_and_its_lag(harness):
    consumer = harness.consumer
    consumer.rebalance([P0])
    consumer.feed(P0, range(2), highwater=10)
    consumer.script[2] = lambda: consumer.rebalance([P1])
    consumer.stop_after = 30
    harness.runner.run()
    assert harness.journal == []
    assert REGISTRY.get_sample_value("iprx_sink_consumer_lag", {"topic": TOPIC, "partition": "0"}) is None


def test_a_failed_commit_leaves_the_sink_running_and_the_next_batch_commits(harness):
    consumer = harness.consumer
    consumer.commit_error = CommitFailedError("the group rebalanced")
    consumer.rebalance([P0])
    consumer.feed(P0, range(3))

    def group_settled() -> None:
        consumer.commit_error = None
        consumer.feed(P0, range(3, 6))

    consumer.script[3] = group_settled
    consumer.stop_after = 20
    harness.runner.run()
    assert harness.journal == [("write", 0, [0, 1, 2]), ("write", 0, [3, 4, 5]), ("commit", 0, 6)]


def test_lag_is_the_end_of_the_partition_minus_the_committed_offset(harness):
    harness.consumer.rebalance([P0])
    harness.consumer.feed(P0, range(3), highwater=10)
    harness.consumer.stop_after = 20  # two seconds: the lag is reported once a second
    harness.runner.run()
    assert harness.commits(0) == [3]
    assert REGISTRY.get_sample_value("iprx_sink_consumer_lag", {"topic": TOPIC, "partition": "0"}) == 7
