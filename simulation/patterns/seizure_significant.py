"""Planted patterns of seizure.significant: a seizure at the threshold, and one a cent below."""

from __future__ import annotations

from typing import Any

from iprx.simulation.patterns._shared import OFFICES, exporter_at, seize
from iprx.simulation.scene import Scene

RULES = ("seizure.significant",)
ORDER = 60  # planting order: every pattern draws from the scene's one seeded generator
ASSUMED: dict[tuple[str, ...], Any] = {
    ("seizure.significant", "min_value_cny"): "1000000",
}


def plant(scene: Scene) -> None:
    rule = "seizure.significant"
    p = f"{rule}/at-threshold"
    s = seize(scene, p, 33, "5100", exporter_at(scene, OFFICES["5100"]), value="1000000", hs="847130")
    scene.expect(rule, "SEIZURE", s["seizure_id"], [s["header"]["event_id"]], "MEDIUM", p)
    p = f"{rule}/a-cent-below"
    s = seize(scene, p, 31, "0200", exporter_at(scene, OFFICES["0200"]), value="999999.99", hs="910211")
    scene.near_miss(rule, p, "999,999.99 CNY", s["header"]["event_id"])
