"""licence.shortfall: an inspection finds more installed copies than the buyer's active licences.

Only subjects that procure are judged (``subject_types``: agencies, state-owned enterprises and
financial institutions publish procurement; a private enterprise does not, so its findings say
nothing about its licences and are left to the other rules). State is per agency (key: the
inspection's ``subject_id`` = the procurement's ``buyer_id``, the unified social credit code; both
topics must be re-keyed to it). For each product found, the entitlement is the sum of licences
bought by that buyer that were active at the inspection's event time: awarded at or before it (a
purchase made after the inspection does not excuse what was found), term started at or before it,
and not yet ended (no end: perpetual). Licences with an ``unlimited`` metric (SITE) cover any number
of copies; metrics not ``counted`` (CORE: processor cores, not installations) are not compared.
Products match on vendor and product name, ignoring case and spacing, and on edition too when
``match_edition`` is set. A purchase line is (ocid, item id): the award and the contract of one
process, or an amendment, restate it rather than add to it.

An inspection is judged once the watermark has passed its event time, so a procurement that
arrives after it but within grace is still counted. One signal per inspection names every product
short of licences; its severity follows the largest shortfall ratio (installed - entitled) / installed.
The state remembers the last ``JUDGED_LIMIT`` inspections judged, so a redelivered one (after a
crash) is not judged a second time against licences that changed meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

from iprx.stream_processors.events import Finding, Inspection, ProcurementAward, ProcurementItem
from iprx.stream_processors.eventtime import is_closed, watermark
from iprx.stream_processors.metrics import RULE_SKIPS
from iprx.stream_processors.rules.identity import RuleIdentity
from iprx.stream_processors.rules.params import ParamReader, StatefulParams
from iprx.stream_processors.ruleset import RuleSet, RuleSetError
from iprx.stream_processors.signals import Evidence, Signal

RULE = RuleIdentity("licence.shortfall", version=1, category="COMPLIANCE")
METRICS = ("DEVICE", "USER", "CORE", "SITE")
# iprx.common.SubjectType symbols.
SUBJECT_TYPES = ("AGENCY", "SOE", "ENTERPRISE", "FINANCIAL", "INDIVIDUAL", "OTHER")
EVENT_TYPES = (ProcurementAward, Inspection)
# Per agency: an inspection redelivered after this many later judgements would be judged again.
JUDGED_LIMIT = 256


@dataclass(frozen=True, kw_only=True)
class Params(StatefulParams):
    """``severity`` (default LOW) is for a shortfall ratio below ``medium_ratio``; see :meth:`grade`."""

    high_ratio: float
    medium_ratio: float
    counted_metrics: tuple[str, ...]
    unlimited_metrics: tuple[str, ...]
    match_edition: bool
    subject_types: tuple[str, ...]

    @classmethod
    def from_ruleset(cls, ruleset: RuleSet) -> Params:
        p = ParamReader(ruleset, RULE.rule_id)
        params = cls(
            **p.common(cls, severity="LOW"),
            high_ratio=p.fraction("high_ratio"),
            medium_ratio=p.fraction("medium_ratio"),
            counted_metrics=p.strings("counted_metrics", allowed=METRICS),
            unlimited_metrics=p.strings("unlimited_metrics", allowed=METRICS),
            match_edition=p.boolean("match_edition", default=False),
            subject_types=p.strings("subject_types", allowed=SUBJECT_TYPES),
        )
        if params.medium_ratio >= params.high_ratio:
            raise RuleSetError(
                f"{p.where} needs medium_ratio < high_ratio, got {params.medium_ratio} >= {params.high_ratio}"
            )
        if set(params.counted_metrics) & set(params.unlimited_metrics):
            raise RuleSetError(f"{p.where}: a metric cannot be both counted_metrics and unlimited_metrics")
        return params

    def grade(self, ratio: float) -> str:
        """The severity of a shortfall of ``ratio`` (installed - entitled) / installed."""
        return "HIGH" if ratio >= self.high_ratio else "MEDIUM" if ratio >= self.medium_ratio else self.severity


@dataclass(frozen=True)
class Licence:
    """One licence line of an award."""

    event_id: str
    item_id: str
    awarded_at: datetime
    product: str  # the matching key, see product_key()
    metric: str
    quantity: int
    starts: datetime | None
    ends: datetime | None
    source: Evidence
    ocid: str = ""  # the contracting process; with item_id it names the purchase line
    released_at: datetime | None = None  # when the release carrying this version of the line occurred

    @property
    def line(self) -> tuple[str, str]:
        """A purchase line across releases: an award and its contract repeat the same items."""
        return (self.ocid, self.item_id) if self.ocid else (self.event_id, self.item_id)

    def active_at(self, instant: datetime) -> bool:
        return (
            self.awarded_at <= instant
            and (self.starts is None or self.starts <= instant)
            and (self.ends is None or instant <= self.ends)
        )


@dataclass(frozen=True)
class PendingInspection:
    event_id: str
    occurred_at: datetime
    jurisdiction: str
    inspection_id: str
    subject_type: str
    findings: tuple[Finding, ...]
    source: Evidence


@dataclass(frozen=True)
class State:
    """One agency: its licences that may still be active, and inspections waiting for the watermark."""

    subject_id: str = ""
    licences: tuple[Licence, ...] = ()
    inspections: tuple[PendingInspection, ...] = ()
    judged: tuple[str, ...] = ()  # event ids of the last JUDGED_LIMIT inspections judged


def product_key(vendor: str | None, product: str | None, edition: str | None, params: Params) -> str:
    def norm(text: str | None) -> str:
        return " ".join((text or "").casefold().split())

    parts = [norm(vendor), norm(product)] + ([norm(edition)] if params.match_edition else [])
    return "|".join(parts)


def _is_licence(item: ProcurementItem) -> bool:
    return bool(item.vendor and item.product and item.licence_metric) and item.quantity > 0


def procures(subject_type: str, params: Params) -> bool:
    """Whether subjects of this type publish procurement, so their licences can be known."""
    return subject_type in params.subject_types


def keys(event: object, params: Params) -> tuple[str, ...]:
    if isinstance(event, Inspection):
        # Not judged (so never stored): a subject without an id, or of a type that publishes no procurement.
        return (event.subject_id,) if event.subject_id and procures(event.subject_type, params) else ()
    if isinstance(event, ProcurementAward) and any(_is_licence(i) for i in event.items):
        if not event.buyer_id:  # published with the buyer unresolved: no state to key it by
            RULE_SKIPS.labels(RULE.rule_id, "buyer_unresolved").inc()
            return ()
        return (event.buyer_id,)
    return ()


def apply(state: State, event: ProcurementAward | Inspection, params: Params) -> tuple[State, list[Signal]]:
    """Record licences or an inspection; inspections are judged by :func:`due`."""
    if isinstance(event, Inspection):
        if event.event_id in state.judged or any(i.event_id == event.event_id for i in state.inspections):
            return state, []  # redelivered: judged once, with the licences known then
        pending = PendingInspection(
            event.event_id,
            event.occurred_at,
            event.subject_jurisdiction,
            event.inspection_id,
            event.subject_type,
            event.findings,
            event.source,
        )
        return replace(state, subject_id=event.subject_id, inspections=(*state.inspections, pending)), []
    licences = {lic.line: lic for lic in state.licences}
    for item in event.items:
        if not _is_licence(item):
            continue
        line = Licence(
            event.event_id,
            item.item_id,
            event.occurred_at,
            product_key(item.vendor, item.product, item.edition, params),
            item.licence_metric,
            item.quantity,
            item.licence_start,
            item.licence_end,
            event.source,
            ocid=event.ocid,
            released_at=event.occurred_at,
        )
        licences[line.line] = supersede(licences.get(line.line), line)
    return replace(state, subject_id=event.buyer_id, licences=tuple(licences.values())), []


def supersede(old: Licence | None, new: Licence) -> Licence:
    """One purchase line seen again (the award, then its contract; an amendment; a redelivery).

    The latest release states the quantity and terms and is the evidence; the line counts from the
    first time it was awarded, so a contract signed after an inspection does not undo an award
    made before it.
    """
    if old is None:
        return new

    def version(lic: Licence) -> tuple[datetime, str]:
        return (lic.released_at or lic.awarded_at, lic.event_id)

    latest = new if version(new) >= version(old) else old
    return replace(latest, awarded_at=min(old.awarded_at, new.awarded_at))


def due(state: State, clock: datetime, params: Params) -> tuple[State | None, list[Signal]]:
    """Judge the inspections the watermark has passed; forget licences that ended before it."""
    ready = sorted(
        (i for i in state.inspections if is_closed(i.occurred_at, clock, params.grace)),
        key=lambda i: (i.occurred_at, i.event_id),
    )
    signals = [s for s in (judge(state, i, params) for i in ready) if s is not None]
    ready_ids = {i.event_id for i in ready}
    mark = watermark(clock, params.grace)
    state = replace(
        state,
        inspections=tuple(i for i in state.inspections if i.event_id not in ready_ids),
        judged=(*state.judged, *(i.event_id for i in ready))[-JUDGED_LIMIT:],
        # An on-time inspection from now on is at or after the watermark; a licence ended before it
        # can no longer be active for one.
        licences=tuple(lic for lic in state.licences if lic.ends is None or lic.ends >= mark),
    )
    return (state if state.inspections or state.licences or state.judged else None), signals


@dataclass(frozen=True)
class Shortfall:
    product: str  # as the inspector wrote it
    installed: int
    entitled: int
    licences: tuple[Licence, ...]

    @property
    def ratio(self) -> float:
        return (self.installed - self.entitled) / self.installed


def shortfalls(state: State, inspection: PendingInspection, params: Params) -> list[Shortfall]:
    """The products of one inspection with more installed copies than active licences."""
    installed: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for f in inspection.findings:
        key = product_key(f.vendor, f.product, f.edition, params)
        installed[key] += f.installed_copies
        names.setdefault(key, " ".join(p for p in (f.vendor, f.product, f.edition) if p))
    found = []
    for key, copies in installed.items():
        active = [lic for lic in state.licences if lic.product == key and lic.active_at(inspection.occurred_at)]
        if copies <= 0 or any(lic.metric in params.unlimited_metrics for lic in active):
            continue
        counted = tuple(lic for lic in active if lic.metric in params.counted_metrics)
        entitled = sum(lic.quantity for lic in counted)
        if copies > entitled:
            found.append(Shortfall(names[key], copies, entitled, counted))
    return found


def judge(state: State, inspection: PendingInspection, params: Params) -> Signal | None:
    if not procures(inspection.subject_type, params):  # stored under a rule set that judged it
        return None
    short = shortfalls(state, inspection, params)
    if not short:
        return None
    worst = max(s.ratio for s in short)
    evidence = {inspection.source.event_id: inspection.source}
    for s in short:
        for lic in s.licences:
            evidence.setdefault(lic.source.event_id, lic.source)
    listed = "; ".join(
        f"{s.product}: {s.installed} installed, {s.entitled} licensed (shortfall {s.installed - s.entitled}, "
        f"ratio {s.ratio:.2f})"
        for s in short
    )
    installed, entitled = sum(s.installed for s in short), sum(s.entitled for s in short)
    return RULE.signal(
        params,
        severity=params.grade(worst),
        subject_type=inspection.subject_type,
        subject_id=state.subject_id,
        jurisdiction=inspection.jurisdiction,
        occurred_at=inspection.occurred_at,
        score=round(worst, 4),
        reason=(
            f"inspection {inspection.inspection_id} of {inspection.subject_type} {state.subject_id} on "
            f"{inspection.occurred_at.date().isoformat()} found more installed copies than licences active at "
            f"that time: {listed}"
        ),
        evidence=tuple(evidence.values()),
        metrics={
            "installed_copies": float(installed),
            "entitled_copies": float(entitled),
            "shortfall_copies": float(installed - entitled),
            "shortfall_ratio": round(worst, 4),
            "products_short": float(len(short)),
        },
    )
