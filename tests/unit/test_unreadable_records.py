"""The private aiokafka and Faust API that stream_processors.unreadable relies on, with real record bytes."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import faust
import pytest
from aiokafka.consumer.fetcher import READ_UNCOMMITTED, Fetcher, FetchResult, PartitionRecords
from aiokafka.consumer.subscription_state import SubscriptionState
from aiokafka.errors import CorruptRecordException
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.structs import TopicPartition
from iprx.stream_processors.unreadable import Unreadable, locate, skip_unreadable_batches

from tests.record_batches import batch, corrupt

GOOD, BAD = TopicPartition("t.seizure", 0), TopicPartition("t.seizure", 1)


async def fetch(fetched: dict[TopicPartition, bytes]) -> Unreadable | None:
    """Hand ``fetched`` to a real aiokafka fetcher as if the broker had returned it, and take its records."""
    subscriptions = SubscriptionState()
    subscriptions.assign_from_user(set(fetched))
    client = SimpleNamespace(_loop=asyncio.get_running_loop(), _metadata_max_age_ms=300_000)
    fetcher = Fetcher(client, subscriptions)
    await fetcher.close()  # no background fetching: the records are handed over below
    assignment = subscriptions.subscription.assignment
    for tp, data in fetched.items():
        subscriptions.seek(tp, 0)
        records = PartitionRecords(tp, MemoryRecords(data), [], 0, None, None, True, READ_UNCOMMITTED)
        fetcher._records[tp] = FetchResult(tp, assignment=assignment, partition_records=records, backoff=0)
    with pytest.raises(CorruptRecordException) as failure:
        await fetcher.fetched_records(set(fetched), timeout=0, max_records=500)
    return locate(failure.value)


def test_a_corrupt_batch_is_located_and_the_records_taken_before_it_are_recovered():
    where = asyncio.run(fetch({GOOD: batch(0, 2), BAD: batch(0, 3) + corrupt(batch(3, 4)) + batch(7, 2)}))
    assert where is not None
    assert (where.tp, where.offset) == (BAD, 3)
    # aiokafka drops both with the error: the other partition's (its position already moved) and the
    # failing partition's records before the corrupt batch.
    assert {tp: [r.offset for r in records] for tp, records in where.taken.items()} == {GOOD: [0, 1], BAD: [0, 1, 2]}


def test_a_corrupt_batch_at_the_fetch_offset_takes_nothing():
    where = asyncio.run(fetch({BAD: corrupt(batch(0, 4))}))
    assert where is not None
    assert (where.tp, where.offset, where.taken) == (BAD, 0, {})


def test_other_errors_are_not_taken_for_an_unreadable_batch():
    try:
        raise CorruptRecordException("raised by something else than the fetcher's parsing")
    except CorruptRecordException as exc:
        assert locate(exc) is None


def test_the_faust_consumer_hooks_exist_and_are_replaced():
    async def install() -> tuple[object, object, object]:
        app = faust.App("unreadable-test", broker="kafka://127.0.0.1:1", web_enabled=False)
        consumer = app.consumer
        before = (consumer._getmany, consumer._thread._fetch_records)

        async def dead_letter(topic: str, partition: int, offset: int, error: BaseException) -> None:
            pass

        skip_unreadable_batches(app, dead_letter)
        assert (consumer._getmany, consumer._thread._fetch_records) != before
        return consumer._read_offset, consumer.ack, consumer.assignment

    read_offset, *_ = asyncio.run(install())
    assert read_offset[TopicPartition("t", 0)] is None  # Faust's read offsets: a defaultdict of None


class Unparsable(Exception):
    """Stands in for a parse error raised by aiokafka's fetcher (``locate`` is replaced to find it)."""


class FakeConsumer:
    """The parts of Faust's consumer that ``skip_unreadable_batches`` wraps and calls."""

    def __init__(self, fail_at: int) -> None:
        self.fail_at = fail_at
        self.assigned = {BAD}
        self.sought: list[tuple[TopicPartition, int]] = []
        self.acked: list[tuple[str, int, int]] = []
        self._read_offset: dict = {BAD: 2}
        self._thread = SimpleNamespace(_fetch_records=self._fetch_records)

    async def _fetch_records(self, aiokafka_consumer, *args, **kwargs):
        if self.fail_at is not None:
            fail_at, self.fail_at = self.fail_at, None
            raise Unparsable(fail_at)
        return {}

    async def _getmany(self, *args, **kwargs):
        return await self._thread._fetch_records(SimpleNamespace(seek=lambda tp, o: self.sought.append((tp, o))))

    def assignment(self):
        return self.assigned

    def ack(self, message) -> bool:
        self.acked.append((message.topic, message.partition, message.offset))
        return True


def guarded_fetches(monkeypatch, between) -> tuple[FakeConsumer, list[tuple[str, int, int]]]:
    """Two fetches, the first failing at offset 3 of BAD, with ``between(app)`` run between them."""
    from iprx.stream_processors import unreadable

    monkeypatch.setattr(
        unreadable, "locate", lambda exc: Unreadable(BAD, exc.args[0], exc) if isinstance(exc, Unparsable) else None
    )
    consumer = FakeConsumer(fail_at=3)
    app = SimpleNamespace(consumer=consumer, consumer_generation_id=1)
    sent: list[tuple[str, int, int]] = []

    async def dead_letter(topic: str, partition: int, offset: int, error: BaseException) -> None:
        sent.append((topic, partition, offset))

    async def run() -> None:
        skip_unreadable_batches(app, dead_letter)
        assert await consumer._getmany() == {}  # the records taken before the failure: none here
        between(app)
        await consumer._getmany()

    asyncio.run(run())
    assert consumer.sought == [(BAD, 4)]  # past the unreadable offset, in any case
    return consumer, sent


def test_an_unreadable_offset_is_dead_lettered_acknowledged_and_read_on_the_next_fetch(monkeypatch):
    consumer, sent = guarded_fetches(monkeypatch, lambda app: None)
    assert sent == [(BAD.topic, BAD.partition, 3)]
    assert consumer.acked == [(BAD.topic, BAD.partition, 3)]
    assert consumer._read_offset[BAD] == 3


def test_after_a_rebalance_between_the_fetches_nothing_is_dead_lettered(monkeypatch):
    # Faust has sought back to the committed offsets: the batch is read again, by whoever owns it now.
    def rebalance(app) -> None:
        app.consumer_generation_id += 1

    consumer, sent = guarded_fetches(monkeypatch, rebalance)
    assert (sent, consumer.acked, consumer._read_offset[BAD]) == ([], [], 2)


def test_a_partition_revoked_between_the_fetches_is_left_to_its_next_owner(monkeypatch):
    def revoke(app) -> None:
        app.consumer.assigned = set()

    consumer, sent = guarded_fetches(monkeypatch, revoke)
    assert (sent, consumer.acked, consumer._read_offset[BAD]) == ([], [], 2)
