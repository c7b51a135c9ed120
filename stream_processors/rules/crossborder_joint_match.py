"""crossborder.joint_match: an inbound partner notice matches a domestic seizure.

They match by container number, by bill of lading, or by exporter id together with HS heading, when
their event times are at most ``window_days`` apart (the window applies to all three: containers are
reused, so an old container number alone is not a match).

State is per match key, and one event can have up to three keys (see :func:`keys`): the caller
re-keys seizures and notices to ``container:<no>``, ``bl:<no>`` and ``exporter-hs:<id>/<heading>``.
A pair is signalled as soon as its second event arrives, in either order. The signal is computed
from the pair alone (every criterion the two share is named), so a pair found under two keys
yields two identical signals with one id, which the sink's deduplication collapses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from iprx.stream_processors.events import PartnerNotice, Seizure
from iprx.stream_processors.eventtime import watermark
from iprx.stream_processors.rules.identity import RuleIdentity
from iprx.stream_processors.rules.params import ParamReader, StatefulParams
from iprx.stream_processors.ruleset import RuleSet
from iprx.stream_processors.signals import Evidence, Signal

RULE = RuleIdentity("crossborder.joint_match", version=1, category="ENFORCEMENT")
NOTICE_KINDS = ("SEIZURE_NOTICE", "INFORMATION_REQUEST", "CASE_UPDATE", "OTHER")
EVENT_TYPES = (Seizure, PartnerNotice)


@dataclass(frozen=True, kw_only=True)
class Params(StatefulParams):
    window: timedelta
    hs_heading_digits: int
    notice_kinds: tuple[str, ...]

    @classmethod
    def from_ruleset(cls, ruleset: RuleSet) -> Params:
        p = ParamReader(ruleset, RULE.rule_id)
        return cls(
            **p.common(cls),
            window=p.days("window_days"),
            hs_heading_digits=p.integer("hs_heading_digits", minimum=2),
            notice_kinds=p.strings("notice_kinds", allowed=NOTICE_KINDS),
        )


@dataclass(frozen=True)
class Shipment:
    """What a seizure or a notice says about the goods, as far as matching needs it."""

    event_id: str
    occurred_at: datetime
    jurisdiction: str
    ref: str  # seizure id, or partner agency / notice id
    label: str  # what it is to a reader, with office or partner, kind and handling mark
    container_no: str | None
    bill_of_lading: str | None
    exporter_id: str | None
    hs_heading: str | None
    source: Evidence


@dataclass(frozen=True)
class State:
    """Seizures and notices sharing one match key, within the window."""

    seizures: tuple[Shipment, ...] = ()
    notices: tuple[Shipment, ...] = ()
    latest: datetime | None = None  # the largest event time recorded under this key


def _norm(identifier: str | None) -> str | None:
    """Container and bill numbers compared without case or spacing ("MSKU 123456-7" == "msku1234567")."""
    if not identifier:
        return None
    cleaned = "".join(ch for ch in identifier.upper() if ch.isalnum())
    return cleaned or None


def _heading(hs_code: str | None, params: Params) -> str | None:
    digits = "".join(ch for ch in hs_code or "" if ch.isdigit())
    return digits[: params.hs_heading_digits] if len(digits) >= params.hs_heading_digits else None


def shipment(event: Seizure | PartnerNotice, params: Params) -> Shipment:
    if isinstance(event, Seizure):
        ref = event.seizure_id
        label = f"domestic seizure {event.seizure_id} at customs office {event.customs_office_code}"
    else:
        ref = f"{event.partner_agency}/{event.notice_id}"
        label = f"partner notice {event.notice_id} from {event.partner_agency} ({event.kind}, TLP:{event.handling})"
    return Shipment(
        event.event_id,
        event.occurred_at,
        event.jurisdiction,
        ref,
        label,
        _norm(event.container_no),
        _norm(event.bill_of_lading),
        event.exporter_id or None,
        _heading(event.hs_code, params),
        event.source,
    )


def keys(event: object, params: Params) -> tuple[str, ...]:
    """The state keys of a seizure or partner notice: one per identifier it carries."""
    if isinstance(event, PartnerNotice) and event.kind not in params.notice_kinds:
        return ()
    if not isinstance(event, EVENT_TYPES):
        return ()
    s = shipment(event, params)
    found = []
    if s.container_no:
        found.append(f"container:{s.container_no}")
    if s.bill_of_lading:
        found.append(f"bl:{s.bill_of_lading}")
    if s.exporter_id and s.hs_heading:
        found.append(f"exporter-hs:{s.exporter_id}/{s.hs_heading}")
    return tuple(found)


def matches(notice: Shipment, seizure: Shipment, params: Params) -> list[str]:
    """What a notice and a seizure share, or nothing if their event times are too far apart."""
    if abs(notice.occurred_at - seizure.occurred_at) > params.window:
        return []
    shared = []
    if notice.container_no and notice.container_no == seizure.container_no:
        shared.append(f"container {seizure.container_no}")
    if notice.bill_of_lading and notice.bill_of_lading == seizure.bill_of_lading:
        shared.append(f"bill of lading {seizure.bill_of_lading}")
    if (
        notice.exporter_id
        and notice.hs_heading
        and (notice.exporter_id, notice.hs_heading) == (seizure.exporter_id, seizure.hs_heading)
    ):
        shared.append(f"exporter {seizure.exporter_id} with HS heading {seizure.hs_heading}")
    return shared


def apply(state: State, event: Seizure | PartnerNotice, params: Params) -> tuple[State, list[Signal]]:
    """Record the event and signal every pair it completes with what the key already holds."""
    if not keys(event, params):
        return state, []
    new = shipment(event, params)
    is_seizure = isinstance(event, Seizure)
    own, other = (state.seizures, state.notices) if is_seizure else (state.notices, state.seizures)
    if any(s.event_id == new.event_id for s in own):
        return state, []  # redelivered: its pairs were signalled the first time
    signals = []
    for partner in other:
        notice, seizure = (partner, new) if is_seizure else (new, partner)
        shared = matches(notice, seizure, params)
        if shared:
            signals.append(_signal(notice, seizure, shared, params))
    own = (*own, new)
    latest = max(new.occurred_at, state.latest) if state.latest else new.occurred_at
    state = State(own, other, latest) if is_seizure else State(other, own, latest)
    # Safe to forget: the stream's watermark is at least `latest - grace`, so every on-time event from
    # now on is at least that, and its partners at most `window` older.
    return _prune(state, latest - params.grace - params.window), signals


def due(state: State, clock: datetime, params: Params) -> tuple[State | None, list[Signal]]:
    """No deadlines here; only forgets what no on-time event can match any more."""
    state = _prune(state, watermark(clock, params.grace) - params.window)
    return (state if state.seizures or state.notices else None), []


def _prune(state: State, horizon: datetime) -> State:
    return replace(
        state,
        seizures=tuple(s for s in state.seizures if s.occurred_at >= horizon),
        notices=tuple(n for n in state.notices if n.occurred_at >= horizon),
    )


def _signal(notice: Shipment, seizure: Shipment, shared: list[str], params: Params) -> Signal:
    apart = abs(notice.occurred_at - seizure.occurred_at)
    days = apart / timedelta(days=1)
    return RULE.signal(
        params,
        subject_type="PARTNER_NOTICE",
        subject_id=notice.ref,
        jurisdiction=seizure.jurisdiction,
        occurred_at=max(notice.occurred_at, seizure.occurred_at),
        score=float(len(shared)),
        reason=(
            f"{notice.label} matches {seizure.label} by {' and '.join(shared)}; event times {days:.1f} days apart "
            f"(window {params.window.days} days)"
        ),
        evidence=(notice.source, seizure.source),
        metrics={"criteria_matched": float(len(shared)), "days_apart": round(days, 4)},
    )
