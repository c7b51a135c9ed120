"""hardware.os_not_preloaded: computers bought without an OS and without enough OS licences.

State is per buyer (key: ``buyer_id``). Computer items stated as ``os_preloaded = False`` (items
that do not say are not judged) need as many operating-system licences — software items classified
as operating systems, or flagged so by the publisher — awarded to the same buyer at most
``window_days`` before or after the computers (inclusive).

Deadline: a computer purchase is judged once the watermark is strictly past ``awarded_at +
window_days``, i.e. when no on-time OS licence inside its window can still arrive. Purchases are
judged in event-time order and each takes OS licences from the earliest with some left, so one
licence never covers two computers, and the outcome does not depend on arrival order within grace.
A purchase short of licences signals (MEDIUM) with the OS awards it did get as evidence.

A procurement process (ocid) counts once, from the first of its releases to arrive: the contract
that follows an award, an amendment or a redelivered event would otherwise count the same computers
twice or judge them again. The state remembers the buyer's last ``SEEN_LIMIT`` processes, so a
buyer's key is kept once created.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from iprx.stream_processors.events import ProcurementAward, ProcurementItem
from iprx.stream_processors.eventtime import is_closed, watermark
from iprx.stream_processors.metrics import RULE_SKIPS
from iprx.stream_processors.rules.identity import RuleIdentity
from iprx.stream_processors.rules.params import ParamReader, StatefulParams
from iprx.stream_processors.ruleset import RuleSet
from iprx.stream_processors.signals import Evidence, Signal

RULE = RuleIdentity("hardware.os_not_preloaded", version=1, category="COMPLIANCE")
EVENT_TYPES = (ProcurementAward,)
# Per buyer; a release of a process counted longer ago than this many processes counts again.
SEEN_LIMIT = 256


@dataclass(frozen=True, kw_only=True)
class Params(StatefulParams):
    window: timedelta
    computer_classifications: tuple[str, ...]
    os_classifications: tuple[str, ...]

    @classmethod
    def from_ruleset(cls, ruleset: RuleSet) -> Params:
        p = ParamReader(ruleset, RULE.rule_id)
        return cls(
            **p.common(cls),
            window=p.days("window_days"),
            computer_classifications=_prefixes(p, "computer_classifications"),
            os_classifications=_prefixes(p, "os_classifications"),
        )


def _prefixes(p: ParamReader, key: str) -> tuple[str, ...]:
    values = p.strings(key)
    if not all(":" in v and v.split(":", 1)[0] in ("CPV", "UNSPSC") and v.split(":", 1)[1] for v in values):
        raise p.error(key, 'a list of classification prefixes like "CPV:302" or "UNSPSC:4321"')
    return values


@dataclass(frozen=True)
class Computers:
    """Computers of one award bought without a preloaded OS, waiting for their deadline."""

    event_id: str
    awarded_at: datetime
    jurisdiction: str
    ocid: str
    quantity: int
    source: Evidence


@dataclass(frozen=True)
class OsLicences:
    """OS licences of one award, and how many are not yet taken by computers."""

    event_id: str
    awarded_at: datetime
    ocid: str
    remaining: int
    source: Evidence


@dataclass(frozen=True)
class State:
    buyer_id: str = ""
    computers: tuple[Computers, ...] = ()
    os_licences: tuple[OsLicences, ...] = ()
    counted: tuple[str, ...] = ()  # the last SEEN_LIMIT procurement processes (ocids) taken into account


def is_computer_without_os(item: ProcurementItem, params: Params) -> bool:
    return item.os_preloaded is False and item.classification.startswith(params.computer_classifications)


def is_os_licence(item: ProcurementItem, params: Params) -> bool:
    return (item.is_operating_system or item.classification.startswith(params.os_classifications)) and not (
        item.classification.startswith(params.computer_classifications)
    )


def keys(event: object, params: Params) -> tuple[str, ...]:
    if isinstance(event, ProcurementAward) and any(
        is_computer_without_os(i, params) or is_os_licence(i, params) for i in event.items
    ):
        if not event.buyer_id:  # published with the buyer unresolved: no state to key it by
            RULE_SKIPS.labels(RULE.rule_id, "buyer_unresolved").inc()
            return ()
        return (event.buyer_id,)
    return ()


def apply(state: State, event: ProcurementAward, params: Params) -> tuple[State, list[Signal]]:
    """Record an award's computers without OS and its OS licences; judging is by :func:`due`."""
    process = event.ocid or event.event_id
    if process in state.counted:
        return state, []  # redelivered, or a later release (the contract of an award) of a counted process
    state = replace(state, counted=(*state.counted, process)[-SEEN_LIMIT:])
    computers = sum(i.quantity for i in event.items if is_computer_without_os(i, params))
    licences = sum(i.quantity for i in event.items if is_os_licence(i, params))
    if computers > 0:
        new = Computers(event.event_id, event.occurred_at, event.jurisdiction, event.ocid, computers, event.source)
        state = replace(state, computers=(*state.computers, new))
    if licences > 0:
        new_os = OsLicences(event.event_id, event.occurred_at, event.ocid, licences, event.source)
        state = replace(state, os_licences=(*state.os_licences, new_os))
    return replace(state, buyer_id=event.buyer_id), []


def due(state: State, clock: datetime, params: Params) -> tuple[State | None, list[Signal]]:
    """Judge computer purchases whose deadline the watermark has passed, in event-time order."""
    ready = sorted(
        (c for c in state.computers if is_closed(c.awarded_at + params.window, clock, params.grace)),
        key=lambda c: (c.awarded_at, c.event_id),
    )
    pool = {o.event_id: o for o in sorted(state.os_licences, key=lambda o: (o.awarded_at, o.event_id))}
    signals = []
    for purchase in ready:
        taken: list[tuple[OsLicences, int]] = []
        needed = purchase.quantity
        for lic in pool.values():
            if needed == 0:
                break
            if lic.remaining > 0 and abs(lic.awarded_at - purchase.awarded_at) <= params.window:
                take = min(needed, lic.remaining)
                taken.append((lic, take))
                pool[lic.event_id] = replace(lic, remaining=lic.remaining - take)
                needed -= take
        if needed > 0:
            signals.append(_signal(state.buyer_id, purchase, taken, needed, params))
    ready_ids = {c.event_id for c in ready}
    waiting = tuple(c for c in state.computers if c.event_id not in ready_ids)
    # OS licences are kept as long as a waiting purchase, or an on-time one still to come (at or
    # after the watermark), can reach them.
    earliest = min([watermark(clock, params.grace), *(c.awarded_at for c in waiting)])
    horizon = earliest - params.window
    state = replace(
        state,
        computers=waiting,
        os_licences=tuple(o for o in pool.values() if o.remaining > 0 and o.awarded_at >= horizon),
    )
    return state, signals


def _signal(
    buyer_id: str, purchase: Computers, taken: list[tuple[OsLicences, int]], missing: int, params: Params
) -> Signal:
    deadline = purchase.awarded_at + params.window
    covered = purchase.quantity - missing
    awards = ", ".join(f"{take} from {lic.ocid}" for lic, take in taken) or "none"
    return RULE.signal(
        params,
        subject_type="BUYER",
        subject_id=buyer_id,
        jurisdiction=purchase.jurisdiction,
        occurred_at=deadline,  # the signal is about the window closing
        score=round(missing / purchase.quantity, 4),
        reason=(
            f"buyer {buyer_id} bought {purchase.quantity} computers without a preloaded operating system "
            f"({purchase.ocid}, {purchase.awarded_at.date().isoformat()}) and only {covered} OS licences within "
            f"{params.window.days} days before or after (OS licences taken: {awards}); {missing} short"
        ),
        # an award can carry both the computers and OS licences: cite it once
        evidence=tuple({e.event_id: e for e in (purchase.source, *(lic.source for lic, _ in taken))}.values()),
        metrics={
            "computers_without_os": float(purchase.quantity),
            "os_licences": float(covered),
            "shortfall": float(missing),
        },
    )
