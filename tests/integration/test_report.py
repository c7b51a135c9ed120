"""`iprx report` on a chDB store with known rows: the JSON numbers match those worked out by hand."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from iprx.cli.main import main
from iprx.kernel.config import load_settings
from iprx.sinks.clickhouse.migrations import migrate
from iprx.sinks.clickhouse.store import Store

from tests.clickhouse_events import Lander, case_opened, inspection, signal

pytestmark = pytest.mark.integration
SIGNAL = "iprx.signal.Signal"


def feb(day: int) -> datetime:
    return datetime(2026, 2, day, 9, tzinfo=UTC)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("IPRX_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("IPRX_CLICKHOUSE_DSN", raising=False)
    return tmp_path


def run_report(capsys, *args: str) -> str:
    capsys.readouterr()
    assert main(["report", *args]) == 0
    return capsys.readouterr().out


def test_report_json_numbers(data_dir, capsys):
    now = datetime.now(UTC).replace(microsecond=0)
    signals = [
        signal("seizure.significant", "MEDIUM", "EXP-1", feb(1), subject_name="Exporter One"),
        signal("seizure.significant", "MEDIUM", "EXP-1", feb(2), subject_name="Exporter One"),
        signal("seizure.significant", "HIGH", "EXP-1", feb(3)),
        signal("seizure.significant", "MEDIUM", "EXP-2", feb(4)),
        signal("seizure.repeat_offender", "HIGH", "EXP-2", feb(5)),
        signal("seizure.repeat_offender", "HIGH", "EXP-3", datetime(2025, 6, 1, tzinfo=UTC)),  # before --since
        signal("referral.overdue", "HIGH", "C1", now - timedelta(days=1), subject_type="CASE"),
    ]
    with Store(load_settings(), "test") as store:
        migrate(store.client, store.database)
        lander = Lander(store)
        lander.land(SIGNAL, *signals)
        lander.land(SIGNAL, signals[0])  # a duplicate counts once
        lander.land(
            "iprx.inspection.InspectionCompleted",
            inspection("110000", feb(10), [(10, 8), (6, 4)]),
            inspection("110000", feb(11), [(4, 3)]),
            inspection("310000", datetime(2026, 3, 1, tzinfo=UTC), [(5, 1)]),
            inspection("440000", datetime(2025, 12, 1, tzinfo=UTC), [(9, 9)]),  # before --since
        )
        lander.land(
            "iprx.case.CaseOpened",
            case_opened("C1", now - timedelta(days=12)),
            case_opened("C2", now - timedelta(days=3)),  # open, but no overdue signal
        )

    report = json.loads(run_report(capsys, "--format", "json", "--since", "2026-01-01", "--limit", "2"))

    recent = [s for s in signals if s["header"]["occurred_at"] >= datetime(2026, 1, 1, tzinfo=UTC)]
    by_rule = Counter((s["rule_id"], s["severity"]) for s in recent)
    assert {(r["rule_id"], r["severity"]): r["signals"] for r in report["signals_by_rule"]} == by_rule
    assert report["signals_by_rule"][0] == {"rule_id": "referral.overdue", "severity": "HIGH", "signals": 1}

    per_subject = Counter(s["subject_id"] for s in recent)  # EXP-1: 3, EXP-2: 2, C1: 1
    top = report["top_subjects"]
    assert [(t["subject_id"], t["signals"]) for t in top] == per_subject.most_common(2)
    assert top[0]["subject_name"] == "Exporter One"
    assert top[0]["rules"] == 1 and top[1]["rules"] == 2

    assert report["legitimate_software_rate"] == [
        {
            "jurisdiction": "310000",
            "month": "2026-03-01",
            "inspections": 1,
            "installed_copies": 5,
            "licensed_copies": 1,
            "rate": 0.2,
        },
        {
            "jurisdiction": "110000",
            "month": "2026-02-01",
            "inspections": 2,
            "installed_copies": 20,
            "licensed_copies": 15,
            "rate": 0.75,
        },
    ]

    [overdue] = report["overdue_referrals"]
    assert (overdue["case_id"], overdue["age_days"]) == ("C1", 12)


def test_report_table_and_csv_are_readable(data_dir, capsys):
    with Store(load_settings(), "test") as store:
        migrate(store.client, store.database)
        Lander(store).land(SIGNAL, signal("seizure.significant", "MEDIUM", "EXP-1", feb(1)))

    table = run_report(capsys).splitlines()
    assert table[:3] == [
        "Signals by rule and severity:",
        "  rule_id              severity  signals",
        "  seizure.significant  MEDIUM          1",
    ]
    assert "  (none)" in table  # no inspections, no cases

    csv_out = run_report(capsys, "--format", "csv", "--section", "signals_by_rule")
    assert csv_out.splitlines() == ["rule_id,severity,signals", "seizure.significant,MEDIUM,1"]
