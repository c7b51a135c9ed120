"""Streams start only once Faust has sought their partitions to the committed offsets.

When Faust (faust-streaming 0.15) finishes a rebalance it resumes the flow to read the tables'
changelogs, and when the tables are recovered it resumes the stream partitions *before* seeking them
to their committed offsets, with that flow still running (``Recovery.on_recovery_completed``:
``resume_partitions``, then ``perform_seek``, then "resume" the flow that was never stopped). Records
fetched in between reach the agents, and the seek then rewinds the partitions under them: Faust's
read offset, committed offset and ack bookkeeping for a partition are reset while those records are
still being delivered, processed and acknowledged. Seen after a ``SIGKILL`` and restart (worker log
with ``DEVLOG=1``): ``DROPPED MESSAGE ROFF`` for records below a read offset that had already moved
past them, so they were never delivered nor acknowledged, and Faust, which does not commit past a
missing offset, never committed that partition again (constant lag, every partition assigned, no
error); with other interleavings a partition's commits crawled one offset per commit interval.

The fix needs no change to Faust: ``app.on_rebalance_complete`` is sent right before that resume and
seek (in both of Faust's recovery paths), so stopping the flow there, as Faust itself does when a
rebalance starts, holds the stream partitions until the seek is done; Faust then resumes the flow.
One more hole has to be closed with it. Whenever Faust throws fetched records away (with the flow
stopped it drops what a fetch in flight returns: ``getmany called while flow not active``), it
counts on the next seek to the committed offsets to fetch them again; but a partition without a
committed offset (a topic whose first records arrived just before a crash) is not sought at all, so
they were lost to the consumer and its lag never drained. Such partitions are sought to their
beginning instead, where a consumer without a committed offset starts anyway
(``consumer_auto_offset_reset="earliest"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import faust
from faust.types import TP


def hold_streams_until_seeked(app: faust.App) -> None:
    """Stop the flow when recovery completes, so no record is delivered before the seek."""

    @app.on_rebalance_complete.connect
    async def stop_flow_before_seek(sender: Any, **kwargs: Any) -> None:
        app.consumer.stop_flow()
        app.flow_control.suspend()
        rewind_uncommitted_partitions(app)


def rewind_uncommitted_partitions(app: faust.App) -> None:
    """Make the consumer's seeks to committed offsets seek stream partitions without one to their start."""
    consumer = app.consumer
    if getattr(consumer, "rewinds_uncommitted", False):
        return
    seek_to_committed = consumer.seek_to_committed

    async def seek_to_committed_or_start() -> Mapping[TP, int]:
        committed = await seek_to_committed()
        changelogs = app.tables.changelog_topics  # Faust positions those itself
        # aiokafka seeks only to offsets > 0; 0 and None (nothing committed) leave the position as it is.
        unsought = [tp for tp, offset in committed.items() if not offset or offset < 0]
        unsought = [tp for tp in unsought if tp.topic not in changelogs]
        if unsought:
            await consumer.seek_wait(dict(await consumer.earliest_offsets(*unsought)))
        return committed

    consumer.seek_to_committed = seek_to_committed_or_start
    consumer.rewinds_uncommitted = True
