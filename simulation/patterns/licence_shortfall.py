"""Planted patterns of licence.shortfall: shortfalls at each severity bound, and near misses."""

from __future__ import annotations

from typing import Any

from iprx.simulation.entities import REGIONS, Organisation, organisation, region_of
from iprx.simulation.patterns._shared import AUTOCAD, DAMENG, FOXIT, MS_OFFICE, TIANQING, WPS, YONYOU
from iprx.simulation.records import award, finding, inspection, licence_item, subscription
from iprx.simulation.scene import Scene

RULES = ("licence.shortfall",)
ORDER = 10  # planting order: every pattern draws from the scene's one seeded generator
ASSUMED: dict[tuple[str, ...], Any] = {
    ("licence.shortfall", "high_ratio"): 0.5,
    ("licence.shortfall", "medium_ratio"): 0.2,
    ("licence.shortfall", "counted_metrics"): ["DEVICE", "USER"],
    ("licence.shortfall", "unlimited_metrics"): ["SITE"],
    ("licence.shortfall", "match_edition"): False,
    ("licence.shortfall", "grace_hours"): 24,
}


def plant(scene: Scene) -> None:
    rule = "licence.shortfall"

    def case(name: str, buyer: Organisation, awards: list[tuple[float, list]], inspected: float, found: list):
        """Awards (days ago, items) in phase 0, then one inspection; return (inspection id, award ids)."""
        pattern = f"{rule}/{name}"
        award_ids = [
            scene.add("procurement", award(scene, buyer, scene.ago(days=d), items), pattern) for d, items in awards
        ]
        outcome = (
            "COMPLIANT"
            if all(f["installed_copies"] == f["licensed_copies"] for f in found)
            else "RECTIFICATION_ORDERED"
        )
        record = inspection(
            scene, buyer.subject, region_of(buyer.jurisdiction), scene.ago(days=inspected), found, outcome
        )
        return scene.add("inspection", record, pattern), award_ids, pattern

    def org(level: str, kind: str = "AGENCY") -> Organisation:
        return organisation(scene.rng, scene.ids, level, kind)

    # Ratio (20 - 10) / 20 = 0.5: exactly the HIGH bound.
    b = org("PROVINCIAL")
    i, (a,), p = case("high-at-bound", b, [(120, [licence_item(WPS, 10)])], 30, [finding(WPS, 20, 10)])
    scene.expect(rule, "AGENCY", b.id, [i, a], "HIGH", p)
    # Ratio (50 - 40) / 50 = 0.2: exactly the MEDIUM bound.
    b = org("COUNTY")
    i, (a,), p = case("medium-at-bound", b, [(150, [licence_item(FOXIT, 40)])], 15, [finding(FOXIT, 50, 40)])
    scene.expect(rule, "AGENCY", b.id, [i, a], "MEDIUM", p)
    # Two awards (DEVICE and USER licences) add up to 70 for 71 copies: LOW; the other product is fine
    # and its award is not cited.
    b = org("MUNICIPAL")
    awards = [
        (200, [licence_item(MS_OFFICE, 40)]),
        (100, [licence_item(MS_OFFICE, 30, metric="USER")]),
        (90, [licence_item(WPS, 5)]),
    ]
    i, (a1, a2, _), p = case("one-short-low", b, awards, 20, [finding(MS_OFFICE, 71, 70), finding(WPS, 5, 5)])
    scene.expect(rule, "AGENCY", b.id, [i, a1, a2], "LOW", p)
    # A one-year subscription that ended 15 days before the inspection entitles to nothing.
    b = org("CENTRAL")
    i, _, p = case(
        "expired-subscription",
        b,
        [(400, [subscription(TIANQING, 60, scene.ago(days=400))])],
        20,
        [finding(TIANQING, 45, 0)],
    )
    scene.expect(rule, "AGENCY", b.id, [i], "HIGH", p)
    # Licences bought after the inspection do not excuse what it found.
    b = org("PROVINCIAL")
    i, _, p = case("bought-after-inspection", b, [(10, [licence_item(WPS, 100)])], 40, [finding(WPS, 30, 0)])
    scene.expect(rule, "AGENCY", b.id, [i], "HIGH", p)
    # CORE licences count processor cores, not installations: they entitle to no copies.
    b = org("CENTRAL", "SOE")
    i, _, p = case("core-licences-not-counted", b, [(300, [licence_item(DAMENG, 64)])], 25, [finding(DAMENG, 4, 0)])
    scene.expect(rule, "SOE", b.id, [i], "HIGH", p)

    # Near misses.
    b = org("MUNICIPAL")
    i, a, p = case("exactly-enough", b, [(100, [licence_item(WPS, 30)])], 10, [finding(WPS, 30, 30)])
    scene.near_miss(rule, p, "30 copies installed, 30 licences", i, *a)
    b = org("PROVINCIAL")
    i, a, p = case("site-licence", b, [(200, [licence_item(YONYOU, 1)])], 12, [finding(YONYOU, 800, 800)])
    scene.near_miss(rule, p, "a SITE licence covers any number of copies", i, *a)
    b = org("COUNTY")
    i, a, p = case(
        "running-subscription",
        b,
        [(100, [subscription(AUTOCAD, 12, scene.ago(days=100))])],
        10,
        [finding(AUTOCAD, 12, 12)],
    )
    scene.near_miss(rule, p, "a subscription still running covers its copies", i, *a)
    b = org("MUNICIPAL")
    spelled = {**finding(WPS, 25, 25), "vendor": "KINGSOFT", "product": "wps  office"}
    i, a, p = case("spelled-differently", b, [(60, [licence_item(WPS, 25)])], 5, [spelled])
    scene.near_miss(rule, p, "products match ignoring case and spacing", i, *a)
    region = scene.rng.choice(REGIONS)
    person = {
        "subject_type": "INDIVIDUAL",
        "id": None,
        "name": "Individual trader",
        "jurisdiction": region.district,
        "level": None,
    }
    p = f"{rule}/individual-without-id"
    i = scene.add(
        "inspection", inspection(scene, person, region, scene.ago(days=3), [finding(WPS, 3, 0)], "NONCOMPLIANT"), p
    )
    scene.near_miss(rule, p, "a subject without a credit code is not judged", i)
