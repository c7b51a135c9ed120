"""The analyst views on chDB, against numbers worked out in Python from the same events."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from iprx.kernel.config import load_settings
from iprx.sinks.clickhouse.migrations import migrate
from iprx.sinks.clickhouse.store import Store

from tests.clickhouse_events import (
    Lander,
    case_closed,
    case_opened,
    case_referred,
    inspection,
    seizure,
    signal,
)

pytestmark = pytest.mark.integration
INSPECTION = "iprx.inspection.InspectionCompleted"
SEIZURE = "iprx.seizure.SeizureRecorded"
SIGNAL = "iprx.signal.Signal"


@pytest.fixture
def store(tmp_path):
    with Store(load_settings(env={"IPRX_DATA_DIR": str(tmp_path)}), "test") as s:
        migrate(s.client, s.database)
        yield s


def rows(store: Store, sql: str) -> list[tuple]:
    return store.client.query(sql).result_rows


def at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def test_legitimate_software_rate_by_jurisdiction_and_month_ignores_duplicates(store):
    inspections = [
        inspection("110000", at(2026, 3, 2), [(10, 8), (5, 5)]),
        inspection("110000", at(2026, 3, 20), [(20, 10)]),
        inspection("110000", at(2026, 3, 31), []),  # counts as an inspection, adds no copies
        inspection("110000", at(2026, 4, 1), [(4, 1)]),
        inspection("310000", at(2026, 3, 5), [(0, 0)]),  # nothing installed: no rate
    ]
    lander = Lander(store)
    lander.land(INSPECTION, *inspections)
    lander.land(INSPECTION, inspections[0], inspections[3])  # published again: new offsets, same event ids

    expected: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for i in inspections:
        key = (i["subject"]["jurisdiction"], i["inspected_at"].date().replace(day=1))
        expected[key][0] += 1
        expected[key][1] += sum(f["installed_copies"] for f in i["findings"])
        expected[key][2] += sum(f["licensed_copies"] for f in i["findings"])
    want = sorted((j, m, n, inst, lic, lic / inst if inst else None) for (j, m), (n, inst, lic) in expected.items())

    got = rows(
        store,
        "SELECT jurisdiction, month, inspections, installed_copies, licensed_copies, rate "
        "FROM iprx.legitimate_software_rate ORDER BY jurisdiction, month",
    )
    assert got == want
    assert got[0][5] == pytest.approx(23 / 35)  # and by hand: (8 + 5 + 10) / (10 + 5 + 20)


def test_seizures_by_office_hs_chapter_and_route_per_month_ignores_duplicates(store):
    seizures = [
        seizure("5300", "852349", at(2026, 1, 3), quantity=100, value="1000.50"),
        seizure("5300", "852351", at(2026, 1, 9), quantity=50, value="200.25"),  # same chapter 85
        seizure("5300", "852349", at(2026, 2, 1), quantity=7, value="70.00"),  # next month
        seizure("5300", "640299", at(2026, 1, 4), quantity=30, value="300.00"),  # chapter 64
        seizure("5300", "852349", at(2026, 1, 5), quantity=1, value="1.00", destination="DE"),
        seizure("5300", "852349", at(2026, 1, 6), quantity=2, value="2.00", destination=None),
        seizure("5300", "852349", at(2026, 1, 7), quantity=3, value="3.00", mode="AIR"),
        seizure("5300", "852349", at(2026, 1, 8), quantity=4, value="4.00", direction="IMPORT"),
        seizure("2200", "852349", at(2026, 1, 3), quantity=9, value="9.99"),
    ]
    lander = Lander(store)
    lander.land(SEIZURE, *seizures)
    lander.land(SEIZURE, *seizures[:3])  # duplicates at new offsets

    expected: dict[tuple, list] = defaultdict(lambda: [0, 0, Decimal(0)])
    for s in seizures:
        key = (
            s["seized_at"].date().replace(day=1),
            s["customs_office_code"],
            s["hs_code"][:2],
            s["direction"],
            s["transport_mode"],
            s["destination_country"],
        )
        expected[key][0] += 1
        expected[key][1] += s["quantity"]
        expected[key][2] += s["estimated_value_cny"]
    want = [(*k, *v) for k, v in expected.items()]
    assert len(want) == 8

    got = rows(
        store,
        "SELECT month, customs_office_code, hs_chapter, direction, transport_mode, destination_country, "
        "seizures, quantity, estimated_value_cny FROM iprx.seizures_by_office_and_route",
    )
    assert Counter(got) == Counter(want)
    # by hand: January, Shenzhen, chapter 85, export by sea to the US: 100 + 50 pieces
    assert (at(2026, 1, 1).date(), "5300", "85", "EXPORT", "SEA", "US", 2, 150, Decimal("1200.75")) in got


def test_open_referrals_lists_unreferred_open_cases_with_threshold_and_overdue_from_signals(store):
    now = datetime.now(UTC)
    opened = {
        "C1": now - timedelta(days=10),  # threshold met and overdue
        "C2": now - timedelta(days=5),  # threshold met, not overdue yet
        "C3": now - timedelta(days=8),  # referred: not open
        "C4": now - timedelta(days=9),  # closed: not open
        "C5": now - timedelta(days=2),  # no signal about it as a CASE
    }
    lander = Lander(store)
    cases = {case_id: case_opened(case_id, ms(when), gains="40000.00") for case_id, when in opened.items()}
    lander.land("iprx.case.CaseOpened", *cases.values())
    lander.land("iprx.case.CaseOpened", cases["C1"])  # a duplicate must not double the case
    lander.land("iprx.case.CaseReferred", case_referred("C3", ms(now - timedelta(days=1))))
    lander.land("iprx.case.CaseClosed", case_closed("C4", ms(now - timedelta(days=1))))
    threshold_c1 = ms(now - timedelta(days=9))
    lander.land(
        SIGNAL,
        signal("referral.threshold_met", "HIGH", "C1", threshold_c1, subject_type="CASE"),
        signal("referral.overdue", "HIGH", "C1", ms(now - timedelta(days=5)), subject_type="CASE"),
        signal("referral.threshold_met", "HIGH", "C2", ms(now - timedelta(days=4)), subject_type="CASE"),
        signal("referral.threshold_met", "HIGH", "C3", ms(now - timedelta(days=7)), subject_type="CASE"),
        signal("referral.overdue", "HIGH", "C5", ms(now), subject_type="EXPORTER"),  # not about a case
    )

    got = rows(
        store,
        "SELECT case_id, age_days, threshold_met, threshold_met_at, overdue, illegal_gains_cny "
        "FROM iprx.open_referrals ORDER BY case_id",
    )
    today = datetime.now(UTC).date()
    assert got == [
        ("C1", (today - opened["C1"].date()).days, True, threshold_c1.replace(tzinfo=None), True, Decimal("40000")),
        ("C2", (today - opened["C2"].date()).days, True, ms(now - timedelta(days=4)).replace(tzinfo=None), False,
         Decimal("40000")),
        ("C5", (today - opened["C5"].date()).days, False, None, False, Decimal("40000")),
    ]  # fmt: skip
    assert [r[1] for r in got] == [10, 5, 2]


def ms(when: datetime) -> datetime:
    """``when`` at the millisecond precision of timestamp-millis."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000)
