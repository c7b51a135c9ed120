"""Occurrences of something per key (a finding, a seizure) counted over a sliding event-time window.

Shared by the "N times within D days" rules. Each occurrence is judged once, on the window that
ends at it: every occurrence of the key with event time in ``[at - window, at]`` ordered at or before
it (by event time, then event id, so ties are ordered the same in every run). It is judged only when
the watermark has passed its event time, so every on-time occurrence before it is known and
out-of-order arrival within grace gives the same windows — and the same signal ids — as in-order
arrival. An occurrence that arrives beyond grace is judged on the next ``due`` with what is still
kept; occurrences already judged are not judged again.

A key's qualifying windows make one signal, an :class:`Episode`: the first window that qualifies
opens it (and names it: the signal id comes from its events), each later qualifying window within
the window length of the last revises it with the evidence grown, and it closes once the watermark
is a window past its last qualifying occurrence. One repeat offender is one signal in revisions,
not one new signal per seizure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from iprx.stream_processors.eventtime import is_closed, watermark
from iprx.stream_processors.signals import Evidence


@dataclass(frozen=True)
class Occurrence:
    event_id: str
    occurred_at: datetime
    jurisdiction: str
    label: str  # what it is to a reader, e.g. an inspection or seizure id
    place: str  # where it happened, e.g. a customs office; "" when the rule does not care
    source: Evidence
    judged: bool = False

    @property
    def order(self) -> tuple[datetime, str]:
        return (self.occurred_at, self.event_id)


def add(occurrences: tuple[Occurrence, ...], new: Occurrence) -> tuple[Occurrence, ...]:
    """``occurrences`` with ``new`` in event-time order; a redelivered event is kept once."""
    if any(o.event_id == new.event_id for o in occurrences):
        return occurrences
    return tuple(sorted((*occurrences, new), key=lambda o: o.order))


def window_ending_at(occurrences: Iterable[Occurrence], last: Occurrence, window: timedelta) -> list[Occurrence]:
    """The occurrences ``last`` is judged with: at most ``window`` before it (inclusive), up to itself."""
    start = last.occurred_at - window
    return [o for o in occurrences if start <= o.occurred_at and o.order <= last.order]


def judge_ready(
    occurrences: tuple[Occurrence, ...], clock: datetime, grace: timedelta
) -> tuple[tuple[Occurrence, ...], list[Occurrence]]:
    """Mark the occurrences whose event time the watermark has passed as judged; return them too."""
    ready = [o for o in occurrences if not o.judged and is_closed(o.occurred_at, clock, grace)]
    ready_ids = {o.event_id for o in ready}
    marked = tuple(replace(o, judged=True) if o.event_id in ready_ids else o for o in occurrences)
    return marked, ready


def prune(
    occurrences: tuple[Occurrence, ...], clock: datetime, grace: timedelta, window: timedelta
) -> tuple[Occurrence, ...]:
    """Drop judged occurrences that no on-time occurrence can have in its window any more."""
    horizon = watermark(clock, grace) - window
    return tuple(o for o in occurrences if not o.judged or o.occurred_at >= horizon)


@dataclass(frozen=True)
class Episode:
    """A key's open signal: opened by the first window that qualified, grown by each later one."""

    opened_by: tuple[str, ...]  # event ids of the opening window: the signal's id
    opened_at: datetime  # event time of the occurrence that opened it: every revision's occurred_at
    evidence: tuple[Occurrence, ...]  # every occurrence cited so far, in event-time order
    revision: int
    ends_at: datetime  # the last qualifying occurrence's time plus the window


def revise(episode: Episode | None, window: list[Occurrence], span: timedelta) -> Episode:
    """The episode after ``window`` (ending at its last occurrence) qualified: opened, or grown."""
    last = window[-1]
    if episode is None or last.occurred_at > episode.ends_at:
        return Episode(tuple(o.event_id for o in window), last.occurred_at, tuple(window), 0, last.occurred_at + span)
    cited = {o.event_id: o for o in (*episode.evidence, *window)}
    grown = tuple(sorted(cited.values(), key=lambda o: o.order))
    return replace(episode, evidence=grown, revision=episode.revision + 1, ends_at=last.occurred_at + span)


def close(episode: Episode | None, clock: datetime, grace: timedelta) -> Episode | None:
    """``None`` once the watermark has passed the episode's end: the next qualifying window opens a new one."""
    return None if episode is None or is_closed(episode.ends_at, clock, grace) else episode


def listed(cited: tuple[Occurrence, ...], describe: Callable[[Occurrence], str], limit: int = 10) -> str:
    """The cited occurrences for a signal's reason: all of them, or past ``limit`` the latest ``limit``
    (an episode's evidence keeps growing; the evidence field lists every one)."""
    text = ", ".join(describe(o) for o in cited[-limit:])
    return text if len(cited) <= limit else f"{len(cited) - limit} earlier, then {text}"
