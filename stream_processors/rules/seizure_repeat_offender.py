"""seizure.repeat_offender: the same exporter caught repeatedly within 90 days.

State is per exporter (key: ``exporter_id``; seizures without one are ignored). Each seizure is
judged on the window of ``window_days`` that ends at it (see ``stream_processors.rules.occurrences``)
once the watermark has passed it; it signals when that window holds seizures at ``min_offices`` or
more different customs offices, or ``min_seizures`` or more seizures. A repeat offender is one
signal, an episode (``occurrences.Episode``): every later seizure whose window qualifies revises it
(same signal id, revision + 1) citing every seizure of the episode so far.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from iprx.stream_processors.events import Seizure
from iprx.stream_processors.rules import occurrences
from iprx.stream_processors.rules.identity import RuleIdentity
from iprx.stream_processors.rules.occurrences import Episode, Occurrence
from iprx.stream_processors.rules.params import ParamReader, StatefulParams
from iprx.stream_processors.ruleset import RuleSet
from iprx.stream_processors.signals import Signal

RULE = RuleIdentity("seizure.repeat_offender", version=2, category="ENFORCEMENT")
EVENT_TYPES = (Seizure,)


@dataclass(frozen=True, kw_only=True)
class Params(StatefulParams):
    window: timedelta
    min_offices: int
    min_seizures: int

    @classmethod
    def from_ruleset(cls, ruleset: RuleSet) -> Params:
        p = ParamReader(ruleset, RULE.rule_id)
        return cls(
            **p.common(cls),
            window=p.days("window_days"),
            min_offices=p.integer("min_offices", minimum=2),
            min_seizures=p.integer("min_seizures", minimum=2),
        )


@dataclass(frozen=True)
class State:
    """One exporter's seizures still inside the window."""

    exporter_id: str = ""
    seizures: tuple[Occurrence, ...] = ()
    episode: Episode | None = None


def keys(event: object, params: Params) -> tuple[str, ...]:
    return (event.exporter_id,) if isinstance(event, Seizure) and event.exporter_id else ()


def apply(state: State, event: Seizure, params: Params) -> tuple[State, list[Signal]]:
    """Record a seizure; judging waits for the watermark (:func:`due`)."""
    if not event.exporter_id:
        return state, []
    seizure = Occurrence(
        event.event_id, event.occurred_at, event.jurisdiction, event.seizure_id, event.customs_office_code, event.source
    )
    return replace(state, exporter_id=event.exporter_id, seizures=occurrences.add(state.seizures, seizure)), []


def due(state: State, clock: datetime, params: Params) -> tuple[State | None, list[Signal]]:
    """Judge the seizures the watermark has passed; ``None`` when nothing is left to keep."""
    seizures, ready = occurrences.judge_ready(state.seizures, clock, params.grace)
    episode, signals = state.episode, []
    for seizure in ready:
        window = occurrences.window_ending_at(seizures, seizure, params.window)
        if len({o.place for o in window}) >= params.min_offices or len(window) >= params.min_seizures:
            episode = occurrences.revise(episode, window, params.window)
            signals.append(_signal(state, episode, params))
    seizures = occurrences.prune(seizures, clock, params.grace, params.window)
    episode = occurrences.close(episode, clock, params.grace)
    return (replace(state, seizures=seizures, episode=episode) if seizures or episode else None), signals


def _signal(state: State, episode: Episode, params: Params) -> Signal:
    cited = episode.evidence
    last = cited[-1]
    offices = sorted({o.place for o in cited})
    days = params.window.days
    listed = occurrences.listed(cited, lambda o: f"{o.label} at office {o.place} on {o.occurred_at.date().isoformat()}")
    score = max(len(offices) / params.min_offices, len(cited) / params.min_seizures)
    return RULE.signal(
        params,
        subject_type="EXPORTER",
        subject_id=state.exporter_id,
        jurisdiction=last.jurisdiction,
        occurred_at=episode.opened_at,  # one per episode: its revisions share a month partition
        score=round(score, 4),
        reason=(
            f"exporter {state.exporter_id} in {len(cited)} seizures at {len(offices)} customs offices "
            f"({', '.join(offices)}), each within {days} days of the ones before (thresholds: "
            f"{params.min_offices} offices or {params.min_seizures} seizures): {listed}"
        ),
        evidence=tuple(o.source for o in cited),
        metrics={"seizures": float(len(cited)), "offices": float(len(offices)), "window_days": float(days)},
        revision=episode.revision,
        opened_by=episode.opened_by,
    )
