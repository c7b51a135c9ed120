"""referral.threshold_met: an administrative case whose figures reach the criminal threshold.

Two sets of criteria, either suffices (DESIGN.md §4):

* print and copy (2004 Judicial Interpretation as amended 2007): illegal gains, or illegal business
  volume, or infringing copies at or above their thresholds;
* online (2011 Opinions, Art. 13): business volume, or works disseminated, or clicks, or registered
  members at or above their thresholds, or two of those four each at or above half of theirs.

The online criteria apply only to cases flagged ``online`` (dissemination over information
networks): an offline case's count of works is not a 2004 criterion, so it must not reach the
threshold through "two at half". A case that reaches a ``critical`` threshold (gains, volume or
copies) is CRITICAL.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from iprx.stream_processors.events import CaseOpened
from iprx.stream_processors.rules.identity import RuleIdentity
from iprx.stream_processors.rules.params import ParamReader, RuleParams
from iprx.stream_processors.ruleset import RuleSet
from iprx.stream_processors.signals import Signal

RULE = RuleIdentity("referral.threshold_met", version=1, category="ENFORCEMENT")
EVENT_TYPES = (CaseOpened,)


@dataclass(frozen=True, kw_only=True)
class Params(RuleParams):
    gains_cny: Decimal
    volume_cny: Decimal
    copies: int
    online_volume_cny: Decimal
    online_works: int
    online_clicks: int
    online_members: int
    online_half_of_two: bool
    critical_severity: str
    critical_gains_cny: Decimal
    critical_volume_cny: Decimal
    critical_copies: int

    @classmethod
    def from_ruleset(cls, ruleset: RuleSet) -> Params:
        p = ParamReader(ruleset, RULE.rule_id)
        basic, online, critical = p.table("print_and_copy"), p.table("online"), p.table("critical")
        return cls(
            **p.common(cls, severity="HIGH"),
            gains_cny=basic.decimal("illegal_gains_cny"),
            volume_cny=basic.decimal("business_volume_cny"),
            copies=basic.integer("infringing_copies"),
            online_volume_cny=online.decimal("business_volume_cny"),
            online_works=online.integer("works"),
            online_clicks=online.integer("online_clicks"),
            online_members=online.integer("registered_members"),
            online_half_of_two=online.boolean("half_of_two", default=True),
            critical_severity=critical.severity(default="CRITICAL"),
            critical_gains_cny=critical.decimal("illegal_gains_cny"),
            critical_volume_cny=critical.decimal("business_volume_cny"),
            critical_copies=critical.integer("infringing_copies"),
        )


@dataclass(frozen=True)
class Criterion:
    """One figure of the case measured against one threshold."""

    name: str
    value: Decimal
    threshold: Decimal

    @property
    def met(self) -> bool:
        return self.value >= self.threshold

    @property
    def half_met(self) -> bool:
        # value >= threshold / 2 without dividing, so odd thresholds are not rounded
        return self.value * 2 >= self.threshold

    @property
    def ratio(self) -> float:
        return float(self.value / self.threshold)

    def describe(self) -> str:
        return f"{self.name} {self.value:,} >= {self.threshold:,}"


@dataclass(frozen=True)
class Assessment:
    """Whether a case reaches the criminal threshold, and on which criteria."""

    met: bool
    critical: bool
    grounds: tuple[str, ...]  # human-readable, with the numbers
    score: float  # the largest figure/threshold ratio among the criteria


def assess(case: CaseOpened, params: Params) -> Assessment:
    """Measure a case's figures against the print-and-copy, online and critical thresholds."""
    volume, gains = case.illegal_business_volume_cny, case.illegal_gains_cny
    basic = [
        Criterion("illegal gains CNY", gains, params.gains_cny),
        Criterion("illegal business volume CNY", volume, params.volume_cny),
        Criterion("infringing copies", Decimal(case.infringing_copies), Decimal(params.copies)),
    ]
    online = (
        []
        if not case.online
        else [
            Criterion("online business volume CNY", volume, params.online_volume_cny),
            Criterion("works disseminated", Decimal(case.works), Decimal(params.online_works)),
            Criterion("online clicks", Decimal(case.online_clicks), Decimal(params.online_clicks)),
            Criterion("registered members", Decimal(case.registered_members), Decimal(params.online_members)),
        ]
    )
    critical = [
        Criterion("illegal gains CNY", gains, params.critical_gains_cny),
        Criterion("illegal business volume CNY", volume, params.critical_volume_cny),
        Criterion("infringing copies", Decimal(case.infringing_copies), Decimal(params.critical_copies)),
    ]
    grounds = [f"print/copy criterion {c.describe()}" for c in basic if c.met]
    grounds += [f"online criterion {c.describe()}" for c in online if c.met]
    halves = [c for c in online if c.half_met]
    if params.online_half_of_two and len(halves) >= 2 and not any(c.met for c in online):
        parts = ", ".join(f"{c.name} {c.value:,} >= half of {c.threshold:,}" for c in halves)
        grounds.append(f"online criteria two at half: {parts}")
    critical_grounds = [f"critical criterion {c.describe()}" for c in critical if c.met]
    return Assessment(
        met=bool(grounds),
        critical=bool(critical_grounds),
        grounds=tuple(critical_grounds + grounds),
        score=round(max(c.ratio for c in basic + online), 4),
    )


def evaluate(case: CaseOpened, params: Params) -> list[Signal]:
    """A signal if the opened case reaches the criminal threshold."""
    result = assess(case, params)
    if not result.met:
        return []
    return [
        RULE.signal(
            params,
            severity=params.critical_severity if result.critical else None,
            subject_type="CASE",
            subject_id=case.case_id,
            jurisdiction=case.jurisdiction,
            occurred_at=case.occurred_at,
            score=result.score,
            reason=(
                f"case {case.case_id} against {case.subject_type} {case.subject_id or '(unidentified)'} reaches the "
                f"criminal threshold: {'; '.join(result.grounds)}"
            ),
            evidence=(case.source,),
            metrics={
                "illegal_business_volume_cny": float(case.illegal_business_volume_cny),
                "illegal_gains_cny": float(case.illegal_gains_cny),
                "infringing_copies": float(case.infringing_copies),
                "works": float(case.works),
                "online_clicks": float(case.online_clicks),
                "registered_members": float(case.registered_members),
            },
        )
    ]
