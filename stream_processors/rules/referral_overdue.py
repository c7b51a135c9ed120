"""referral.overdue: a case over the criminal threshold not referred to public security in time.

State is per case (key: ``case_id``). The deadline is ``deadline_hours`` (72, State Council Order 310)
after the event time of the ``CaseOpened`` that reached the threshold. Only a ``CaseReferred`` whose
event time is at or before the deadline stops it; closing the case does not (closing a criminal-grade
case administratively is what the rule is there to catch), and a referral after the deadline does
not either (the case was referred late).

When it fires (see ``stream_processors.eventtime``): at the first ``due`` call whose watermark
(``clock - grace``) is strictly after the deadline, if no on-time referral was recorded by then. A
referral that arrives later than that — beyond grace — is recorded but cannot withdraw the signal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from iprx.stream_processors.events import CaseClosed, CaseOpened, CaseReferralDecided, CaseReferred
from iprx.stream_processors.eventtime import is_closed, watermark
from iprx.stream_processors.rules import referral_threshold_met
from iprx.stream_processors.rules.identity import RuleIdentity
from iprx.stream_processors.rules.params import ParamReader, StatefulParams
from iprx.stream_processors.ruleset import RuleSet
from iprx.stream_processors.signals import Evidence, Signal

RULE = RuleIdentity("referral.overdue", version=1, category="ENFORCEMENT")
EVENT_TYPES = (CaseOpened, CaseReferred, CaseReferralDecided, CaseClosed)


@dataclass(frozen=True, kw_only=True)
class Params(StatefulParams):
    deadline: timedelta
    retention: timedelta
    threshold: referral_threshold_met.Params

    @classmethod
    def from_ruleset(cls, ruleset: RuleSet) -> Params:
        p = ParamReader(ruleset, RULE.rule_id)
        return cls(
            **p.common(cls),
            deadline=p.hours("deadline_hours", minimum=1),
            retention=p.days("retention_days"),
            threshold=referral_threshold_met.Params.from_ruleset(ruleset),
        )


@dataclass(frozen=True)
class Opened:
    """The CaseOpened that reached the threshold: what the deadline runs from."""

    event_id: str
    occurred_at: datetime
    jurisdiction: str
    subject: str
    grounds: tuple[str, ...]
    source: Evidence


@dataclass(frozen=True)
class State:
    """One case. JSON form via ``stream_processors.statecodec``."""

    case_id: str = ""
    opened: Opened | None = None
    referred_at: datetime | None = None  # earliest referral, in event time
    closed_at: datetime | None = None
    fired: bool = False

    @property
    def is_empty(self) -> bool:
        return self.opened is None and self.referred_at is None and self.closed_at is None

    def deadline(self, params: Params) -> datetime | None:
        return self.opened.occurred_at + params.deadline if self.opened else None


def keys(event: object, params: Params) -> tuple[str, ...]:
    """The state key: every case event goes to its case."""
    return (event.case_id,) if isinstance(event, EVENT_TYPES) else ()


def apply(state: State, event: object, params: Params) -> tuple[State, list[Signal]]:
    """Record a case event. Never signals by itself: the deadline is decided by :func:`due`."""
    state = replace(state, case_id=event.case_id)
    if isinstance(event, CaseOpened):
        result = referral_threshold_met.assess(event, params.threshold)
        if not result.met:
            return state, []
        candidate = Opened(
            event.event_id,
            event.occurred_at,
            event.jurisdiction,
            f"{event.subject_type} {event.subject_id or '(unidentified)'}",
            result.grounds,
            event.source,
        )
        # Redelivered or several openings: the earliest (then lowest event id) decides, whatever the order.
        if state.opened is None or (candidate.occurred_at, candidate.event_id) < (
            state.opened.occurred_at,
            state.opened.event_id,
        ):
            state = replace(state, opened=candidate)
    elif isinstance(event, CaseReferred):
        if state.referred_at is None or event.occurred_at < state.referred_at:
            state = replace(state, referred_at=event.occurred_at)
    elif isinstance(event, CaseClosed):
        state = replace(state, closed_at=event.occurred_at)
    return state, []


def due(state: State, clock: datetime, params: Params) -> tuple[State | None, list[Signal]]:
    """Fire the overdue signal if the deadline has closed without a referral.

    Returns ``None`` as the state once the case is settled and older than the retention: the caller
    deletes the key.
    """
    if state.is_empty:
        return None, []
    deadline = state.deadline(params)
    signals: list[Signal] = []
    referred_in_time = deadline is not None and state.referred_at is not None and state.referred_at <= deadline
    if deadline is not None and not state.fired and not referred_in_time and is_closed(deadline, clock, params.grace):
        signals.append(_signal(state, deadline, params))
        state = replace(state, fired=True)
    settled_at = _settled_at(state, deadline, referred_in_time)
    if settled_at is not None and settled_at + params.retention < watermark(clock, params.grace):
        return None, signals
    return state, signals


def _settled_at(state: State, deadline: datetime | None, referred_in_time: bool) -> datetime | None:
    """From when nothing more can happen to this case (in event time), or None while it is open."""
    if deadline is not None:
        return deadline if state.fired or referred_in_time else None
    # Not (yet) over the threshold: forget it some time after its last event.
    times = [t for t in (state.referred_at, state.closed_at) if t is not None]
    return max(times) if times else None


def _signal(state: State, deadline: datetime, params: Params) -> Signal:
    opened = state.opened
    hours = params.deadline / timedelta(hours=1)
    return RULE.signal(
        params,
        subject_type="CASE",
        subject_id=state.case_id,
        jurisdiction=opened.jurisdiction,
        occurred_at=deadline,  # the signal is about the deadline passing, not about the opening
        score=1.0,
        reason=(
            f"case {state.case_id} against {opened.subject} reached the criminal threshold when opened on "
            f"{opened.occurred_at.isoformat()} ({'; '.join(opened.grounds)}) and was not referred to public "
            f"security within {hours:g} hours: no referral with an event time at or before {deadline.isoformat()}"
        ),
        evidence=(opened.source,),
        metrics={"deadline_hours": hours},
    )
