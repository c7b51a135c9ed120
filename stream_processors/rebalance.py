"""Streams start only once Faust has sought their partitions to the committed offsets.

When Faust (faust-streaming 0.15) finishes a rebalance it resumes the flow to read the tables'
changelogs, and when the tables are recovered it resumes the stream partitions *before* seeking them
to their committed offsets, with that flow still running (``Recovery.on_recovery_completed``:
``resume_partitions``, then ``perform_seek``, then "resume" the flow that was never stopped). Records
fetched in between reach the agents, and the seek then rewinds the partitions under them: Faust's
read offset, committed offset and gap bookkeeping for a partition are reset while those records are
still being delivered, processed and acknowledged. The worker log shows ``DROPPED MESSAGE ROFF``
(with ``DEVLOG=1``), and depending on the interleaving a partition's commits crawl one offset per
commit interval (an acked offset listed twice splits every run of consecutive offsets) or stop for
good (the acked offsets start more than one past the committed one): a lag that never drains after
a worker restart, with every partition assigned and no error.

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
