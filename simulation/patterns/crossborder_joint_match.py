"""Planted patterns of crossborder.joint_match: partner notices matching domestic seizures, and near misses.

One of them is also a significant seizure (with a natural person to redact in the partner notice).
"""

from __future__ import annotations

from typing import Any

from iprx.simulation.entities import HTS, PARTNER_CONTAINER_OWNERS
from iprx.simulation.patterns._shared import GOODS_BY_HS, OFFICES, exporter_at, seize
from iprx.simulation.records import company, notice, notice_subject
from iprx.simulation.scene import Scene

RULES = ("crossborder.joint_match",)
ORDER = 70  # planting order: every pattern draws from the scene's one seeded generator
ASSUMED: dict[tuple[str, ...], Any] = {
    ("crossborder.joint_match", "window_days"): 30,
    ("crossborder.joint_match", "hs_heading_digits"): 4,
    ("crossborder.joint_match", "grace_hours"): 6,
}


def plant(scene: Scene) -> None:
    rule = "crossborder.joint_match"

    def notify(pattern: str, days: float, hs: str | None, seconds: float = 0, **fields: Any) -> dict[str, Any]:
        record = notice(
            scene,
            scene.ago(days=days, seconds=seconds),
            hs_code=hs and HTS[hs],
            goods=(hs and GOODS_BY_HS[hs][1]) or "",
            **fields,
        )
        scene.add("cooperation", record, pattern)
        return record

    def expect(pattern: str, n: dict[str, Any], s: dict[str, Any]) -> None:
        scene.expect(
            rule,
            "PARTNER_NOTICE",
            notice_subject(n),
            [n["header"]["event_id"], s["header"]["event_id"]],
            "HIGH",
            pattern,
        )

    def spelled(container: str) -> str:
        return f"{container[:4].lower()} {container[4:10]}-{container[10:]}"

    # Container (spelled differently) and exporter + HS heading: one pair under two keys, one signal.
    # Worth 1.5 M CNY with a natural person as consignee: also significant (and redacted for partners).
    p = f"{rule}/container-and-exporter"
    ex = exporter_at(scene, OFFICES["2200"])
    person = company(None, "Wang Wei", "US", natural_person=True)
    s = seize(scene, p, 12, "2200", ex, value="1500000", consignee=person)
    n = notify(p, 9, "852349", container_no=spelled(s["container_no"]), exporter=ex)
    expect(p, n, s)
    scene.expect("seizure.significant", "SEIZURE", s["seizure_id"], [s["header"]["event_id"]], "MEDIUM", p)
    p = f"{rule}/bill-of-lading"
    s = seize(scene, p, 15, "5300", exporter_at(scene, OFFICES["5300"]), hs="851762")
    n = notify(
        p,
        3,
        "851762",
        kind="INFORMATION_REQUEST",
        bill_of_lading=s["bill_of_lading"],
        container_no=scene.ids.container(PARTNER_CONTAINER_OWNERS),
    )
    expect(p, n, s)
    p = f"{rule}/exporter-and-hs-heading"
    ex = exporter_at(scene, OFFICES["3100"])
    s = seize(scene, p, 20, "3100", ex, hs="950450")
    n = notify(p, 1, "950450", exporter=ex, handling="GREEN")
    expect(p, n, s)
    p = f"{rule}/notice-exactly-30-days-before"
    s = seize(scene, p, 12, "4200", exporter_at(scene, OFFICES["4200"]), hs="640299")
    n = notify(p, 42, "640299", container_no=s["container_no"])
    expect(p, n, s)
    p = f"{rule}/one-notice-two-seizures"
    ex = exporter_at(scene, OFFICES["3700"])
    s1, s2 = seize(scene, p, 24, "3700", ex, hs="847130"), seize(scene, p, 14, "3700", ex, hs="847130")
    n = notify(p, 10, "847130", exporter=ex)
    expect(p, n, s1)
    expect(p, n, s2)

    p = f"{rule}/notice-30-days-and-a-second-before"
    s = seize(scene, p, 10, "5100", exporter_at(scene, OFFICES["5100"]), hs="420221")
    n = notify(p, 40, "420221", seconds=1, container_no=s["container_no"])
    scene.near_miss(
        rule, p, "same container, 30 days and 1 second apart", n["header"]["event_id"], s["header"]["event_id"]
    )
    p = f"{rule}/other-hs-heading"
    ex = exporter_at(scene, OFFICES["0100"])
    s = seize(scene, p, 8, "0100", ex, hs="852349")
    n = notify(p, 4, "847130", exporter=ex)
    scene.near_miss(rule, p, "same exporter, HS heading 8471 vs 8523", n["header"]["event_id"], s["header"]["event_id"])
