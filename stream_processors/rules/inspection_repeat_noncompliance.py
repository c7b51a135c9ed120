"""inspection.repeat_noncompliance: the same subject found non-compliant twice within 365 days.

State is per inspected subject (key: ``subject_id``). Each non-compliant inspection is judged on the
window of ``window_days`` that ends at it (see ``stream_processors.rules.occurrences``) once the
watermark has passed it; it signals when that window holds at least ``min_findings`` non-compliant
inspections. The subject's qualifying windows are one signal, an episode (``occurrences.Episode``):
a third finding within the year revises it (same signal id, revision 1), with all three as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from iprx.stream_processors.events import Inspection
from iprx.stream_processors.rules import occurrences
from iprx.stream_processors.rules.identity import RuleIdentity
from iprx.stream_processors.rules.occurrences import Episode, Occurrence
from iprx.stream_processors.rules.params import ParamReader, StatefulParams
from iprx.stream_processors.ruleset import RuleSet
from iprx.stream_processors.signals import Signal

RULE = RuleIdentity("inspection.repeat_noncompliance", version=2, category="COMPLIANCE")
OUTCOMES = ("COMPLIANT", "NONCOMPLIANT", "RECTIFICATION_ORDERED")
EVENT_TYPES = (Inspection,)


@dataclass(frozen=True, kw_only=True)
class Params(StatefulParams):
    window: timedelta
    min_findings: int
    outcomes: tuple[str, ...]

    @classmethod
    def from_ruleset(cls, ruleset: RuleSet) -> Params:
        p = ParamReader(ruleset, RULE.rule_id)
        return cls(
            **p.common(cls),
            window=p.days("window_days"),
            min_findings=p.integer("min_findings", minimum=2),
            outcomes=p.strings("outcomes", allowed=OUTCOMES),
        )


@dataclass(frozen=True)
class State:
    """One inspected subject's non-compliant inspections still inside the window."""

    subject_id: str = ""
    subject_type: str = ""
    findings: tuple[Occurrence, ...] = ()
    episode: Episode | None = None


def keys(event: object, params: Params) -> tuple[str, ...]:
    return (event.subject_id,) if isinstance(event, Inspection) and event.subject_id else ()


def apply(state: State, event: Inspection, params: Params) -> tuple[State, list[Signal]]:
    """Record a non-compliant inspection; judging waits for the watermark (:func:`due`)."""
    if event.outcome not in params.outcomes:
        return state, []
    finding = Occurrence(
        event.event_id, event.occurred_at, event.subject_jurisdiction, event.inspection_id, "", event.source
    )
    return replace(
        state,
        subject_id=event.subject_id,
        subject_type=event.subject_type,
        findings=occurrences.add(state.findings, finding),
    ), []


def due(state: State, clock: datetime, params: Params) -> tuple[State | None, list[Signal]]:
    """Judge the findings the watermark has passed; ``None`` when nothing is left to keep."""
    findings, ready = occurrences.judge_ready(state.findings, clock, params.grace)
    episode, signals = state.episode, []
    for finding in ready:
        window = occurrences.window_ending_at(findings, finding, params.window)
        if len(window) >= params.min_findings:
            episode = occurrences.revise(episode, window, params.window)
            signals.append(_signal(state, episode, params))
    findings = occurrences.prune(findings, clock, params.grace, params.window)
    episode = occurrences.close(episode, clock, params.grace)
    return (replace(state, findings=findings, episode=episode) if findings or episode else None), signals


def _signal(state: State, episode: Episode, params: Params) -> Signal:
    cited = episode.evidence
    last = cited[-1]
    days = params.window.days
    listed = occurrences.listed(cited, lambda o: f"{o.label} on {o.occurred_at.date().isoformat()}")
    return RULE.signal(
        params,
        subject_type=state.subject_type,
        subject_id=state.subject_id,
        jurisdiction=last.jurisdiction,
        occurred_at=episode.opened_at,  # one per episode: its revisions share a month partition
        score=round(len(cited) / params.min_findings, 4),
        reason=(
            f"{state.subject_type} {state.subject_id} found {'/'.join(params.outcomes)} {len(cited)} times, each "
            f"within {days} days of the ones before (threshold {params.min_findings}): {listed}"
        ),
        evidence=tuple(o.source for o in cited),
        metrics={"findings": float(len(cited)), "window_days": float(days)},
        revision=episode.revision,
        opened_by=episode.opened_by,
    )
