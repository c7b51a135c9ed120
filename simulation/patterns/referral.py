"""Planted patterns of referral.threshold_met and referral.overdue: one case per row of ``CASES``.

The two rules share their cases: whether a case is overdue depends on whether it met the threshold.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from iprx.simulation.entities import REGIONS
from iprx.simulation.ids import ENTERPRISE
from iprx.simulation.records import case_closed, case_decided, case_opened, case_referred, metrics
from iprx.simulation.scene import Scene

RULES = ("referral.threshold_met", "referral.overdue")
ORDER = 40  # planting order: every pattern draws from the scene's one seeded generator
ASSUMED: dict[tuple[str, ...], Any] = {
    ("referral.threshold_met", "print_and_copy", "illegal_gains_cny"): "30000",
    ("referral.threshold_met", "print_and_copy", "business_volume_cny"): "50000",
    ("referral.threshold_met", "print_and_copy", "infringing_copies"): 500,
    ("referral.threshold_met", "online", "business_volume_cny"): "50000",
    ("referral.threshold_met", "online", "works"): 500,
    ("referral.threshold_met", "online", "online_clicks"): 50000,
    ("referral.threshold_met", "online", "registered_members"): 1000,
    ("referral.threshold_met", "online", "half_of_two"): True,
    ("referral.threshold_met", "critical", "illegal_gains_cny"): "150000",
    ("referral.threshold_met", "critical", "business_volume_cny"): "250000",
    ("referral.threshold_met", "critical", "infringing_copies"): 2500,
    ("referral.overdue", "deadline_hours"): 72,
    ("referral.overdue", "retention_days"): 30,
    ("referral.overdue", "grace_hours"): 24,
}


# name, figures, threshold_met severity (None: must not fire), hours to referral (None: never),
# closed without referral, overdue expected
CASES: tuple[tuple[str, dict[str, Any], str | None, float | None, bool, bool], ...] = (
    ("gains-at-threshold", {"gains": "30000"}, "HIGH", 24, False, False),
    ("gains-just-below", {"gains": "29999.99", "volume": "45000"}, None, None, True, False),
    ("volume-at-threshold-referred-at-deadline", {"volume": "50000"}, "HIGH", 72, False, False),
    ("copies-at-threshold-referred-a-second-late", {"copies": 500}, "HIGH", 72 + 1 / 3600, False, True),
    ("everything-just-below", {"volume": "49999.99", "gains": "29999.99", "copies": 499}, None, None, False, False),
    ("critical-gains-never-referred", {"gains": "150000", "volume": "180000"}, "CRITICAL", None, False, True),
    ("critical-volume-closed-without-referral", {"volume": "250000"}, "CRITICAL", None, True, True),
    ("critical-copies", {"copies": 2500, "volume": "60000"}, "CRITICAL", 48, False, False),
    ("gains-just-below-critical", {"gains": "149999.99"}, "HIGH", 12, False, False),
    ("online-works", {"works": 500, "online": True}, "HIGH", 24, False, False),
    ("online-clicks", {"clicks": 50000, "online": True}, "HIGH", 36, False, False),
    ("online-members", {"members": 1000, "online": True}, "HIGH", 60, False, False),
    ("online-two-at-half-never-referred", {"works": 250, "clicks": 25000, "online": True}, "HIGH", None, False, True),
    (
        "online-volume-and-members-at-half",
        {"volume": "25000", "members": 500, "online": True},
        "HIGH",
        24,
        False,
        False,
    ),
    ("online-one-at-half", {"works": 250, "clicks": 24999, "online": True}, None, None, False, False),
    (
        "online-all-just-below-half",
        {"works": 249, "clicks": 24999, "members": 499, "volume": "24999.99", "online": True},
        None,
        None,
        False,
        False,
    ),
    ("offline-works-do-not-count", {"works": 500}, None, None, True, False),
)


def plant(scene: Scene) -> None:
    for n, (name, figures, severity, referral_hours, closed, overdue) in enumerate(CASES):
        pattern = f"referral/{name}"
        region = scene.rng.choice(REGIONS)
        online = figures.get("online", False)
        trade = "Network Technology" if online else "Software Trading"
        subject = {
            "subject_type": "ENTERPRISE",
            "id": scene.ids.uscc(ENTERPRISE, region.city),
            "name": f"{region.city_name} {trade} Co., Ltd.",
            "jurisdiction": region.city,
            "level": None,
        }
        case_id = scene.ids.number(f"{region.province[:2]}-BQ-{scene.anchor:%Y}-", 6)
        opened_at = scene.ago(days=6 + n % 15, hours=n)
        figures_ = metrics(**figures)
        opened = scene.add("case", case_opened(scene, case_id, region, opened_at, subject, figures_), pattern)
        # What the deadline waits for is published first (phase 0), so it is known when the deadline is judged.
        if referral_hours is not None:
            at = opened_at + timedelta(hours=referral_hours)
            scene.add("case", case_referred(scene, case_id, region, at, figures_), pattern, phase=0)
            scene.add("case", case_decided(scene, case_id, region, at + timedelta(days=2), True), pattern, phase=0)
        if closed:
            at = opened_at + timedelta(days=4)
            scene.add("case", case_closed(scene, case_id, region, at, "PENALISED", "20000"), pattern, phase=0)
        if severity:
            scene.expect("referral.threshold_met", "CASE", case_id, [opened], severity, pattern)
        else:
            scene.near_miss("referral.threshold_met", pattern, f"figures just short: {figures}", opened)
        if overdue:
            scene.expect("referral.overdue", "CASE", case_id, [opened], "HIGH", pattern)
        elif severity:
            scene.near_miss("referral.overdue", pattern, f"referred {referral_hours} h after opening", opened)
