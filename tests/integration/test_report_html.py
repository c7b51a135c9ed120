"""`iprx report --format html` on a chDB store with known rows, rendered by headless Chromium (Debian's
`chromium`): every chart draws, no script error, no request leaves the file, and a screenshot is taken."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from iprx.cli.main import main
from iprx.kernel.config import load_settings
from iprx.sinks.clickhouse.migrations import migrate
from iprx.sinks.clickhouse.store import Store

from tests.clickhouse_events import Lander, case_opened, inspection, seizure, signal

pytestmark = pytest.mark.integration
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHARTS = 4  # rate, offices, routes, signals


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_the_html_report_draws_every_chart_in_a_browser(tmp_path, monkeypatch, capsys):
    assert CHROMIUM, "chromium not found: run tests/tools/install-chromium.sh as root (`make test` does)"
    monkeypatch.setenv("IPRX_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("IPRX_CLICKHOUSE_DSN", raising=False)
    now = datetime.now(UTC).replace(microsecond=0)
    with Store(load_settings(), "test") as store:
        migrate(store.client, store.database)
        lander = Lander(store)
        lander.land(
            "iprx.inspection.InspectionCompleted",
            inspection("110000", datetime(2026, 2, 10, tzinfo=UTC), [(10, 8)]),
            inspection("110000", datetime(2026, 3, 10, tzinfo=UTC), [(10, 9)]),
            inspection("310000", datetime(2026, 3, 1, tzinfo=UTC), [(5, 1)]),
        )
        lander.land(
            "iprx.seizure.SeizureRecorded",
            seizure("5300", "852349", datetime(2026, 2, 3, tzinfo=UTC), quantity=10, value="100.00"),
            seizure("2200", "852349", datetime(2026, 3, 3, tzinfo=UTC), quantity=5, value="50.00", direction="IMPORT"),
        )
        lander.land(
            "iprx.signal.Signal",
            signal("seizure.significant", "MEDIUM", "EXP-1", datetime(2026, 2, 3, tzinfo=UTC)),
            signal("seizure.repeat_offender", "HIGH", "EXP-2", datetime(2026, 3, 3, tzinfo=UTC)),
            signal("referral.overdue", "HIGH", "C1", now - timedelta(days=1), subject_type="CASE"),
        )
        lander.land("iprx.case.CaseOpened", case_opened("C1", now - timedelta(days=12)), case_opened("C2", now))

    capsys.readouterr()
    assert main(["report", "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>") and "</html>" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched at view time
    assert "<td>C1</td>" in page and 'class="overdue"' in page  # the overdue referral, with its age
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")

    dom = chromium("--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0", "--dump-dom", path.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    body = re.search(r"<body([^>]*)>", dom.stdout)
    assert body, dom.stdout[:500]
    attributes = dict(re.findall(r'data-(\w+)="([^"]*)"', body.group(1)))
    assert attributes.get("errors") == "", attributes  # the page's script ran and saw no error
    assert (attributes.get("charts"), attributes.get("drawn")) == (str(CHARTS), str(CHARTS)), attributes
    assert "Uncaught" not in dom.stderr and ":ERROR:CONSOLE" not in dom.stderr

    shot = tmp_path / "report.png"
    taken = chromium("--window-size=1280,2400", f"--screenshot={shot}", path.as_uri())
    assert taken.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", taken.stderr[-2000:]
    assert shot.stat().st_size > 20_000  # charts, not a blank page
