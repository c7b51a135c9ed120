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
"""

from __future__ import annotations

from typing import Any

import faust


def hold_streams_until_seeked(app: faust.App) -> None:
    """Stop the flow when recovery completes, so no record is delivered before the seek."""

    @app.on_rebalance_complete.connect
    async def stop_flow_before_seek(sender: Any, **kwargs: Any) -> None:
        app.consumer.stop_flow()
        app.flow_control.suspend()
