"""The Prometheus rules and configurations, checked by the real promtool: syntax, and the unit tests of
tests/monitoring that make every alert fire and show it quiet in the healthy case."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from iprx.kernel.config import load_settings
from iprx.pipeline.prometheus import effective_config

REPO = Path(__file__).resolve().parents[2]
MONITORING = REPO / "deploy" / "monitoring"
RULE_FILES = sorted((MONITORING / "rules").glob("*.yml"))
RULE_TESTS = sorted((REPO / "tests" / "monitoring").glob("*.test.yml"))
ALERTS = [name for f in RULE_FILES for name in re.findall(r"^\s*- alert: (\w+)", f.read_text(), re.MULTILINE)]


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        # `make test` installs it (deploy/monitoring/install-prometheus.sh); never skip silently.
        pytest.fail("promtool not found: run deploy/monitoring/install-prometheus.sh as root", pytrace=False)
    return path


def run_promtool(promtool: str, *args: str | Path) -> None:
    done = subprocess.run([promtool, *map(str, args)], capture_output=True, text=True, cwd=REPO, timeout=120)
    if done.returncode != 0:
        pytest.fail(f"promtool {' '.join(map(str, args))} exited {done.returncode}:\n{done.stdout}{done.stderr}")


def test_rule_files_are_valid(promtool):
    assert RULE_FILES
    run_promtool(promtool, "check", "rules", *RULE_FILES)


@pytest.mark.parametrize("name", ["prometheus.yml", "prometheus-compose.yml"])
def test_shipped_configurations_are_valid(promtool, name):
    run_promtool(promtool, "check", "config", MONITORING / name)


def test_the_configuration_up_renders_is_valid(promtool, tmp_path):
    settings = load_settings(env={"IPRX_DATA_DIR": str(tmp_path), "IPRX_SINK_METRICS_PORT": "19555"})
    config = tmp_path / "prometheus.yml"
    config.write_text(effective_config(settings))
    run_promtool(promtool, "check", "config", config)


@pytest.mark.parametrize("test_file", RULE_TESTS, ids=lambda p: p.name)
def test_rule_unit_tests_pass(promtool, test_file):
    run_promtool(promtool, "test", "rules", test_file)


def test_every_alert_is_shown_firing_and_quiet():
    firing, quiet = set(), set()
    for test_file in RULE_TESTS:
        for name, expected in re.findall(r"alertname: (\w+)\n\s+exp_alerts:(.*)", test_file.read_text()):
            (quiet if expected.strip() == "[]" else firing).add(name)
    assert ALERTS
    assert set(ALERTS) - firing == set(), "alerts never shown firing"
    assert set(ALERTS) - quiet == set(), "alerts never shown quiet"


def test_every_alert_is_in_the_readme():
    readme = (REPO / "README.md").read_text()
    assert [a for a in ALERTS if f"`{a}`" not in readme] == []
