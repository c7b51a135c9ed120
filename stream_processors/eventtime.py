"""Event-time progress: when a window or a deadline may be closed.

Rules reason in event time (``occurred_at``), never in arrival order. The caller drives progress by
calling a rule's ``due(state, clock, params)`` with ``clock`` being either

* the stream's event-time progress: the largest ``occurred_at`` seen so far, or
* the wall clock (a timer), so deadlines still fire when the stream is idle.

A rule subtracts its own ``grace`` from ``clock`` to get the **watermark**. Events with
``occurred_at >= watermark`` are on time and are still waited for; an event older than the watermark
is *late beyond grace*: it is still recorded, but decisions already taken are not revisited.

An instant ``t`` (a deadline, or the end of an evaluation window) is **closed** once
``watermark > t`` — strictly: at ``watermark == t`` an event with ``occurred_at == t`` can still
arrive on time, and such an event counts as inside the window ("within 3 days" includes the last
millisecond of the third day).
"""

from __future__ import annotations

from datetime import datetime, timedelta


def watermark(clock: datetime, grace: timedelta) -> datetime:
    """Every on-time event from now on has ``occurred_at >= watermark(clock, grace)``."""
    return clock - grace


def is_closed(instant: datetime, clock: datetime, grace: timedelta) -> bool:
    """No on-time event at or before ``instant`` can still arrive."""
    return watermark(clock, grace) > instant


def require_utc(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be a tz-aware UTC datetime, got naive {value!r}")
