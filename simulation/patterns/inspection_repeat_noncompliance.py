"""Planted patterns of inspection.repeat_noncompliance: repeat findings within the year, and near misses."""

from __future__ import annotations

from typing import Any

from iprx.simulation.entities import Organisation, organisation, region_of
from iprx.simulation.patterns._shared import MS_OFFICE
from iprx.simulation.records import award, finding, inspection, licence_item
from iprx.simulation.scene import Scene

RULES = ("inspection.repeat_noncompliance",)
ORDER = 30  # planting order: every pattern draws from the scene's one seeded generator
ASSUMED: dict[tuple[str, ...], Any] = {
    ("inspection.repeat_noncompliance", "window_days"): 365,
    ("inspection.repeat_noncompliance", "min_findings"): 2,
    ("inspection.repeat_noncompliance", "outcomes"): ["NONCOMPLIANT"],
    ("inspection.repeat_noncompliance", "grace_hours"): 24,
}


def plant(scene: Scene) -> None:
    rule = "inspection.repeat_noncompliance"

    def subject(pattern: str, kind: str = "AGENCY") -> Organisation:
        """An organisation with enough licences, so no inspection of it is a licence shortfall."""
        org = organisation(scene.rng, scene.ids, None, kind)
        scene.add("procurement", award(scene, org, scene.ago(days=500), [licence_item(MS_OFFICE, 100)]), pattern)
        return org

    def inspected(pattern: str, org: Organisation, days: float, outcome: str, seconds: float = 0) -> str:
        found = [finding(MS_OFFICE, 60, 45 if outcome != "COMPLIANT" else 60)]
        at = scene.ago(days=days, seconds=seconds)
        return scene.add(
            "inspection", inspection(scene, org.subject, region_of(org.jurisdiction), at, found, outcome), pattern
        )

    p = f"{rule}/twice"
    org = subject(p)
    r1, r2 = inspected(p, org, 300, "NONCOMPLIANT"), inspected(p, org, 40, "NONCOMPLIANT")
    scene.expect(rule, "AGENCY", org.id, [r1, r2], "HIGH", p)
    # A third finding within the year revises the signal (one episode), citing all three.
    p = f"{rule}/three-times"
    org = subject(p, "SOE")
    r1, r2, r3 = (inspected(p, org, d, "NONCOMPLIANT") for d in (250, 150, 45))
    scene.expect(rule, "SOE", org.id, [r1, r2], "HIGH", p, revisions=[[r1, r2, r3]])

    p = f"{rule}/a-year-and-a-second-apart"
    org = subject(p)
    r1, r2 = inspected(p, org, 14 + 365, "NONCOMPLIANT", seconds=1), inspected(p, org, 14, "NONCOMPLIANT")
    scene.near_miss(rule, p, "two NONCOMPLIANT findings 365 days and 1 second apart", r1, r2)
    p = f"{rule}/rectification-is-not-noncompliance"
    org = subject(p)
    r1, r2 = inspected(p, org, 200, "NONCOMPLIANT"), inspected(p, org, 20, "RECTIFICATION_ORDERED")
    scene.near_miss(rule, p, "NONCOMPLIANT once, then RECTIFICATION_ORDERED", r1, r2)
