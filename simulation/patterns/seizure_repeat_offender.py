"""Planted patterns of seizure.repeat_offender: repeat exporters within 90 days, and near misses."""

from __future__ import annotations

from typing import Any

from iprx.simulation.patterns._shared import OFFICES, exporter_at, seize
from iprx.simulation.scene import Scene

RULES = ("seizure.repeat_offender",)
ORDER = 50  # planting order: every pattern draws from the scene's one seeded generator
ASSUMED: dict[tuple[str, ...], Any] = {
    ("seizure.repeat_offender", "window_days"): 90,
    ("seizure.repeat_offender", "min_offices"): 2,
    ("seizure.repeat_offender", "min_seizures"): 3,
    ("seizure.repeat_offender", "grace_hours"): 6,
}


def plant(scene: Scene) -> None:
    rule = "seizure.repeat_offender"

    def ids(*records: dict[str, Any]) -> list[str]:
        return [r["header"]["event_id"] for r in records]

    p = f"{rule}/two-offices"
    ex = exporter_at(scene, OFFICES["5300"])
    s1, s2 = seize(scene, p, 60, "5300", ex), seize(scene, p, 30, "4200", ex)
    scene.expect(rule, "EXPORTER", ex["id"], ids(s1, s2), "HIGH", p)
    p = f"{rule}/three-seizures-one-office"
    ex = exporter_at(scene, OFFICES["2200"])
    s1, s2, s3 = (seize(scene, p, d, "2200", ex) for d in (80, 50, 20))
    scene.expect(rule, "EXPORTER", ex["id"], ids(s1, s2, s3), "HIGH", p)
    # A later seizure of a repeat offender revises its signal (one episode), citing every seizure so far.
    p = f"{rule}/again-within-window"
    ex = exporter_at(scene, OFFICES["5100"])
    s1, s2, s3 = seize(scene, p, 70, "5100", ex), seize(scene, p, 40, "3100", ex), seize(scene, p, 10, "5100", ex)
    scene.expect(rule, "EXPORTER", ex["id"], ids(s1, s2), "HIGH", p, revisions=[ids(s1, s2, s3)])

    p = f"{rule}/twice-at-one-office"
    ex = exporter_at(scene, OFFICES["0200"])
    s1, s2 = seize(scene, p, 70, "0200", ex), seize(scene, p, 10, "0200", ex)
    scene.near_miss(rule, p, "two seizures at one office", *ids(s1, s2))
    p = f"{rule}/90-days-and-a-second-apart"
    ex = exporter_at(scene, OFFICES["3700"])
    s1, s2 = seize(scene, p, 95, "3700", ex, seconds=1), seize(scene, p, 5, "0100", ex)
    scene.near_miss(rule, p, "two offices 90 days and 1 second apart", *ids(s1, s2))
    p = f"{rule}/natural-person-without-id"
    person = exporter_at(scene, OFFICES["5300"], natural_person=True)
    s1, s2 = seize(scene, p, 50, "5300", person), seize(scene, p, 25, "5100", person)
    scene.near_miss(rule, p, "an exporter without an id is not followed", *ids(s1, s2))
