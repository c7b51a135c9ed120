"""The Grafana dashboards: the provisioned JSON is what pipeline/dashboards.py generates, and every
panel reads a series or recording rule the pipeline really has (the integration test runs each query)."""

from __future__ import annotations

import json
import re

from iprx.pipeline import dashboards

from tests.unit.test_monitoring_rules import RULE_FILES


def test_the_provisioned_dashboards_are_the_generated_ones():
    for uid in dashboards.DASHBOARDS:
        committed = (dashboards.DASHBOARDS_DIR / f"{uid}.json").read_text(encoding="utf-8")
        assert committed == dashboards.render(uid), f"run `iprx monitoring dashboards`: {uid}.json is stale"
        parsed = json.loads(committed)
        assert parsed["uid"] == f"iprx-{uid}" and parsed["panels"]
        assert all(p["datasource"] == dashboards.DATASOURCE and p["targets"] for p in parsed["panels"])


def test_every_recording_rule_a_panel_reads_is_defined():
    recorded = set(re.findall(r"^\s*- record: (\S+)", "".join(p.read_text() for p in RULE_FILES), re.M))
    used = {name for q in dashboards.queries() for name in re.findall(r"\b\w+:\w+:\w+\b", q)}
    assert used and used <= recorded, used - recorded
