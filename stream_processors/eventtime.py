"""Event-time progress: when a window or a deadline may be closed.

Rules reason in event time (``occurred_at``), never in arrival order or on the wall clock. The caller
drives progress by calling a rule's ``due(state, clock, params)`` with ``clock`` from an
:class:`EventClock`: per re-key partition, the largest ``occurred_at`` seen of each event family the
rule reads, and the rule's clock is the *smallest* of those. A family the partition has not seen yet
holds the clock back, so a rule that reads two families (seizures and partner notices, say) closes
nothing on the word of one family while the other is still being published, whatever order the
families arrive in. Two more inputs move the clock:

* a **watermark** (``iprx watermark``): "every event older than T has been published", for every
  family at once. It is how a backfill is closed: the deadlines and windows the data itself never
  reaches are closed at T, identically however the data arrived;
* the **wall clock**, for live data only: a partition whose newest event (or watermark) is within
  ``worker.live_within_s`` of now is ticked with now when it has been idle, so deadlines of a quiet
  live stream still fire, and a family that never reaches the partition does not hold its state
  forever. Inside a backfill (every event far behind now) it never is.

A rule subtracts its own ``grace`` from ``clock`` to get the **watermark**. Events with
``occurred_at >= watermark`` are on time and are still waited for; an event older than the watermark
is *late beyond grace*: it is still recorded, but decisions already taken are not revisited.

An instant ``t`` (a deadline, or the end of an evaluation window) is **closed** once
``watermark > t`` — strictly: at ``watermark == t`` an event with ``occurred_at == t`` can still
arrive on time, and such an event counts as inside the window ("within 3 days" includes the last
millisecond of the third day).
"""

from __future__ import annotations

from collections.abc import Iterable
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


def is_live(clock: datetime | None, now: datetime, live_within: timedelta) -> bool:
    """Whether the wall clock may close a partition's deadlines: its event time is within reach of now."""
    return clock is not None and live_within > timedelta(0) and clock >= now - live_within


class EventClock:
    """Event-time progress of a rule agent's partitions: per partition, the latest time of each family."""

    def __init__(self) -> None:
        self._latest: dict[int, dict[str, datetime]] = {}
        self._watermark: dict[int, datetime] = {}

    def saw(self, partition: int, family: str, occurred_at: datetime) -> None:
        """An event of ``family`` on ``partition``."""
        latest = self._latest.setdefault(partition, {})
        if family not in latest or occurred_at > latest[family]:
            latest[family] = occurred_at

    def lift(self, partition: int, at: datetime) -> None:
        """A watermark: no event older than ``at`` will arrive on ``partition``, whatever its family."""
        if partition not in self._watermark or at > self._watermark[partition]:
            self._watermark[partition] = at

    def clock(self, partition: int, families: Iterable[str]) -> datetime | None:
        """The clock of a rule reading ``families`` (None: some family not seen and no watermark yet)."""
        latest, mark = self._latest.get(partition, {}), self._watermark.get(partition)
        times = []
        for family in families:
            seen = latest.get(family)
            best = seen if mark is None or (seen is not None and seen > mark) else mark
            if best is None:
                return None
            times.append(best)
        return min(times)

    def keep_only(self, partitions: set[int]) -> None:
        """Forget the partitions this worker no longer holds (after a rebalance)."""
        for held in (self._latest, self._watermark):
            for partition in [p for p in held if p not in partitions]:
                del held[partition]

    def newest(self, partition: int) -> datetime | None:
        """The latest event time or watermark seen on ``partition``, whatever the family."""
        seen = [*self._latest.get(partition, {}).values(), *filter(None, [self._watermark.get(partition)])]
        return max(seen, default=None)

    def lowest(self, families: Iterable[str]) -> datetime | None:
        """The smallest clock over the partitions that have one: how far the rule has settled."""
        clocks = [c for p in {*self._latest, *self._watermark} if (c := self.clock(p, families)) is not None]
        return min(clocks, default=None)
