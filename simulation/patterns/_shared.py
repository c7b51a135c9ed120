"""What several patterns share: named products and operating systems, customs offices and goods by
code, and the exporter and seizure builders of the seizure patterns."""

from __future__ import annotations

from typing import Any

from iprx.simulation.entities import (
    CUSTOMS_OFFICES,
    DOMESTIC_CARRIERS,
    DOMESTIC_CONTAINER_OWNERS,
    GOODS,
    OFFICE,
    OPERATING_SYSTEMS,
)
from iprx.simulation.ids import ENTERPRISE
from iprx.simulation.records import company, seizure
from iprx.simulation.scene import Scene

WPS, MS_OFFICE, FOXIT, AUTOCAD, TIANQING, DAMENG, YONYOU = OFFICE
KYLIN, UOS, KYLIN_FLAGGED = OPERATING_SYSTEMS
OFFICES = {o[0]: o for o in CUSTOMS_OFFICES}
GOODS_BY_HS = {g[0]: g for g in GOODS}


def exporter_at(scene: Scene, office: tuple[str, str, str, str], natural_person: bool = False) -> dict[str, Any]:
    if natural_person:
        return company(None, "Individual exporter", "CN", natural_person=True)
    return company(scene.ids.uscc(ENTERPRISE, office[2]), f"{office[1].split()[0]} Export Trading Co., Ltd.", "CN")


def seize(
    scene: Scene,
    pattern: str,
    days: float,
    office: str,
    exporter: dict[str, Any] | None,
    value: str = "85000",
    hs: str = "852349",
    container: str | None = None,
    seconds: float = 0,
    **extra: Any,
) -> dict[str, Any]:
    record = seizure(
        scene,
        scene.ago(days=days, seconds=seconds),
        OFFICES[office],
        GOODS_BY_HS[hs],
        value,
        exporter,
        container or scene.ids.container(DOMESTIC_CONTAINER_OWNERS),
        scene.ids.bill_of_lading(DOMESTIC_CARRIERS),
        **extra,
    )
    scene.add("seizure", record, pattern)
    return record
