"""Case events for integration tests, written as documented JSON Lines and read by the real adapter."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from iprx.producers import Publisher
from iprx.producers.adapters.event_lines import inspections

from tests.event_samples import sample

OVER = {"illegal_business_volume_cny": "61000.00", "illegal_gains_cny": "18500.50", "infringing_copies": 640}
UNDER = {"illegal_business_volume_cny": "1000.00", "illegal_gains_cny": "100.00", "infringing_copies": 5}


def iso(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds")


def _case_event(event_type: str, time_field: str, case_id: str, at: datetime, metrics: dict[str, Any]) -> dict:
    return sample(
        event_type,
        case_id=case_id,
        metrics=metrics,
        header__occurred_at=iso(at),
        header__correlation_id=case_id,
        **{time_field: iso(at)},
    )


def opened(case_id: str, at: datetime, metrics: dict[str, Any]) -> dict[str, Any]:
    return _case_event("case.opened", "opened_at", case_id, at, metrics)


def referred(case_id: str, at: datetime) -> dict[str, Any]:
    return _case_event("case.referred", "referred_at", case_id, at, OVER)


def records(tmp_path, events: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(family, Avro record) of each event, read by the documented JSON Lines adapter."""
    path = tmp_path / f"events-{time.monotonic_ns()}.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    units = list(inspections("CN/GOV/NCAC/cases").read(path))
    assert not [u.errors for u in units if u.errors]
    return [(u.family, r) for u in units for r in u.records]


def publish(settings, published: list[tuple[str, dict[str, Any]]]) -> None:
    with Publisher(settings) as publisher:
        for family, record in published:
            publisher.publish(family, {**record, "header": dict(record["header"])})
