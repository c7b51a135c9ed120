"""A record batch the worker's consumer cannot read becomes dead letters, and its partition moves on.

aiokafka raises a batch's parse error (bad CRC, corrupt bytes, a codec it cannot decompress) out of
``Fetcher.fetched_records`` without saying where, and Faust lets it stop the worker; it is raised
again after every restart, since the committed offset never passes the batch. Worse, the error
throws away the records already taken in the same call: those before the batch in its partition
(whose position has not moved) and those of partitions read earlier in the call (whose positions
have). So here, in the consumer's thread, the fetch is wrapped: on a parse error the records taken
are recovered from the error's traceback and returned, the partition is sought one offset past the
one it could not read, and that offset is reported. On the next fetch, in Faust's thread, unless
a rebalance came in between (then Faust seeks back to the committed offsets and the batch is read
again), each reported offset is dead-lettered (delivery awaited), acknowledged so that Faust's commits pass it,
and made the partition's read offset, so that Faust does not take the skip for a gap. A batch of
several records fails again from the next offset, so each of its offsets gets its own dead letter.

Private API of aiokafka (0.14: ``FetchResult.getall``, ``Fetcher.fetched_records``,
``PartitionRecords._unpack_records`` and their locals) and of faust-streaming (0.15: the consumer's
``_getmany``, ``_thread._fetch_records`` and ``_read_offset``), all in this module; if it moves,
tests/unit/test_unreadable_records.py fails.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import faust
from aiokafka.consumer.fetcher import Fetcher, FetchResult, PartitionRecords
from faust.types import TP, Message

log = logging.getLogger(__name__)

_PARSE = PartitionRecords._unpack_records.__code__  # where a batch's bytes are checked and decoded
_GETALL = FetchResult.getall.__code__  # holds the partition's records taken before the error
_FETCHED = Fetcher.fetched_records.__code__  # holds the records of partitions taken before it

# Called with the partition, the offset and the error; returns once the dead letter is delivered.
DeadLetterSender = Callable[[str, int, int, BaseException], Awaitable[None]]


@dataclass
class Unreadable:
    """Where a fetch failed to parse records, and what it had taken before failing."""

    tp: TP
    offset: int
    error: BaseException
    taken: dict[TP, list[Any]] = field(default_factory=dict)


def locate(error: BaseException) -> Unreadable | None:
    """The partition and first offset ``fetched_records`` could not parse, with the records it had taken.

    ``None`` if ``error`` was not raised while parsing fetched records (then it is not ours to handle).
    """
    frames: dict[Any, dict[str, Any]] = {}
    tb = error.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code in (_PARSE, _GETALL, _FETCHED):
            frames[code] = tb.tb_frame.f_locals
        tb = tb.tb_next
    if _PARSE not in frames or _GETALL not in frames:
        return None
    records = frames[_PARSE]["self"]
    taken = {tp: list(batch) for tp, batch in frames.get(_FETCHED, {}).get("drained", {}).items()}
    if frames[_GETALL]["ret_list"]:
        taken[records._tp] = list(frames[_GETALL]["ret_list"])
    return Unreadable(records._tp, records.next_fetch_offset, error, taken)


def skip_unreadable_batches(app: faust.App, dead_letter: DeadLetterSender) -> None:
    """Make ``app``'s consumer dead-letter (with ``dead_letter``) every offset it cannot read, and go on."""
    consumer = app.consumer
    thread = consumer._thread
    fetch_records = thread._fetch_records
    getmany = consumer._getmany
    reported: list[Unreadable] = []  # appended in the consumer's thread during a fetch

    async def fetch_records_past_unreadable(aiokafka_consumer: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await fetch_records(aiokafka_consumer, *args, **kwargs)
        except Exception as exc:
            where = locate(exc)
            if where is None:
                raise
        # The records taken before the failure are returned now; the failed offset is passed.
        aiokafka_consumer.seek(where.tp, where.offset + 1)
        reported.append(where)
        return where.taken

    pending: list[Unreadable] = []  # reported by the previous fetch, in generation ``pending_in``
    pending_in = 0

    async def getmany_after_dead_letters(*args: Any, **kwargs: Any) -> Any:
        nonlocal pending_in
        # The records of the previous fetch, before the offsets it reported, have gone to the streams
        # by now. After a rebalance Faust seeks back to the committed offsets: the batch is read again.
        if app.consumer_generation_id == pending_in:
            for where in pending:
                await _dead_letter(consumer, where, dead_letter)
        pending.clear()
        pending_in = app.consumer_generation_id
        records = await getmany(*args, **kwargs)
        pending.extend(reported)
        reported.clear()
        return records

    thread._fetch_records = fetch_records_past_unreadable
    consumer._getmany = getmany_after_dead_letters


async def _dead_letter(consumer: Any, where: Unreadable, dead_letter: DeadLetterSender) -> None:
    tp, offset = TP(where.tp.topic, where.tp.partition), where.offset
    if tp not in consumer.assignment():
        return  # revoked: its next owner reads the batch again from the committed offset
    log.error("%s:%s@%d: record unreadable (%r); dead-lettering it", tp.topic, tp.partition, offset, where.error)
    await dead_letter(tp.topic, tp.partition, offset, where.error)
    read = consumer._read_offset[tp]
    if read is None or read < offset:
        consumer._read_offset[tp] = offset  # read, so the next record is not preceded by a gap
    consumer.ack(Message(tp.topic, tp.partition, offset, 0.0, 0, None, None, None, None))
