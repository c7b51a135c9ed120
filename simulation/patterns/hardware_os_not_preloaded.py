"""Planted patterns of hardware.os_not_preloaded: computers short of OS licences, and near misses."""

from __future__ import annotations

from typing import Any

from iprx.simulation.entities import COMPUTERS, Organisation, organisation
from iprx.simulation.patterns._shared import KYLIN, KYLIN_FLAGGED, UOS
from iprx.simulation.records import award, computer_item, licence_item
from iprx.simulation.scene import Scene

RULES = ("hardware.os_not_preloaded",)
ORDER = 20  # planting order: every pattern draws from the scene's one seeded generator
ASSUMED: dict[tuple[str, ...], Any] = {
    ("hardware.os_not_preloaded", "window_days"): 30,
    ("hardware.os_not_preloaded", "grace_hours"): 24,
    ("hardware.os_not_preloaded", "os_classifications"): ["CPV:48620000", "UNSPSC:432330"],
}


def plant(scene: Scene) -> None:
    rule = "hardware.os_not_preloaded"

    def buy(pattern: str, buyer: Organisation, days: float, items: list, late: bool = False, seconds: float = 0):
        """An award; ``late``: published after the phase's other awards (computers after their OS licences)."""
        record = award(scene, buyer, scene.ago(days=days, seconds=seconds), items)
        return scene.add("procurement", record, pattern, 0, late)

    def buyer() -> Organisation:
        return organisation(scene.rng, scene.ids)

    desktop, laptop = COMPUTERS[0], COMPUTERS[1]
    # OS licences are published before the computers waiting for them (late).
    p, b = f"{rule}/five-of-twenty", buyer()
    os_ = buy(p, b, 20, [licence_item(KYLIN, 5)])
    pcs = buy(p, b, 45, [computer_item(desktop, 20, None)], late=True)
    scene.expect(rule, "BUYER", b.id, [pcs, os_], "MEDIUM", p)
    p, b = f"{rule}/os-a-second-outside-window", buyer()
    os_ = buy(p, b, 20, [licence_item(UOS, 10)])
    pcs = buy(p, b, 50, [computer_item(laptop, 10, None)], late=True, seconds=1)
    scene.expect(rule, "BUYER", b.id, [pcs], "MEDIUM", p)
    scene.near_miss(rule, p, "OS licences 30 days and 1 second after the computers are not counted", os_)
    p, b = f"{rule}/bundle-short", buyer()
    both = buy(p, b, 40, [computer_item(desktop, 10, None), licence_item(KYLIN_FLAGGED, 4)], late=True)
    scene.expect(rule, "BUYER", b.id, [both], "MEDIUM", p)
    p, b = f"{rule}/generic-software-is-not-an-os", buyer()
    buy(p, b, 22, [licence_item(KYLIN, 10, code="48000000", operating_system=False)])
    pcs = buy(p, b, 40, [computer_item(desktop, 10, None)], late=True)
    scene.expect(rule, "BUYER", b.id, [pcs], "MEDIUM", p)
    # One OS award shared by two purchases: the earlier takes 10, the later gets the remaining 5.
    p, b = f"{rule}/one-award-two-purchases", buyer()
    os_ = buy(p, b, 22, [licence_item(UOS, 15)])
    buy(p, b, 50, [computer_item(laptop, 10, None)], late=True)
    pcs = buy(p, b, 40, [computer_item(laptop, 10, None)], late=True)
    scene.expect(rule, "BUYER", b.id, [pcs, os_], "MEDIUM", p)

    # Near misses.
    p, b = f"{rule}/os-exactly-30-days-after", buyer()
    os_ = buy(p, b, 20, [licence_item(UOS, 30)])
    pcs = buy(p, b, 50, [computer_item(laptop, 30, None)], late=True)
    scene.near_miss(rule, p, "30 OS licences exactly 30 days after 30 computers", pcs, os_)
    p, b = f"{rule}/os-preloaded", buyer()
    pcs = buy(p, b, 45, [computer_item(desktop, 50, "Kylin OS Desktop V10")], late=True)
    scene.near_miss(rule, p, "computers with a preloaded licensed OS", pcs)
    p, b = f"{rule}/bundle-enough", buyer()
    both = buy(p, b, 60, [computer_item(desktop, 10, None), licence_item(UOS, 10)], late=True)
    scene.near_miss(rule, p, "10 computers and 10 OS licences in one award", both)
