"""`iprx produce inspections|cooperation FILE` against the real broker: good lines published, bad ones rejected."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest
from iprx.producers.adapters import event_lines
from iprx.schemas import SingleObjectCodec

from tests.event_samples import SAMPLES, line
from tests.integration.test_publish_families import read_all

pytestmark = pytest.mark.integration
PUBLISHER = "CN/GOV/NCAC/inspections"


def produce(pipeline_env, fmt, path):
    return subprocess.run(
        [sys.executable, "-m", "iprx", "produce", fmt, str(path)],
        env=pipeline_env.process_env(IPRX_PUBLISHER_PUBLISHER_ID=PUBLISHER),
        capture_output=True,
        text=True,
        timeout=120,
    )


def published(settings, topic):
    codec = SingleObjectCodec()
    return [(key.decode(), *codec.decode(value)) for key, value in read_all(settings.kafka.bootstrap_servers, topic)]


def dead_letters(settings, path):
    codec = SingleObjectCodec()
    records = [codec.decode(v)[1] for _, v in read_all(settings.kafka.bootstrap_servers, settings.topic("deadletter"))]
    return sorted((d["source_line"], d["stage"], d["reason"]) for d in records if d["source_file"] == str(path))


def test_produce_inspections_publishes_good_lines_and_rejects_bad_ones(pipeline_env, tmp_path):
    settings = pipeline_env.settings()
    good = [line(t) for t in SAMPLES if t != "cooperation.notice_received"]
    given_id = "5e0d3b8e-0b0c-4c55-9d43-8a4e0f6c2a71"
    good.append(line("case.opened", case_id="SZ-COPY-2026-018", header__event_id=given_id))
    bad = {
        3: line("case.opened")[:80],
        5: line("inspection.completed", devices_inspected="many"),
        6: line("case.opened", subject__id="914403001922038217"),
        8: line("cooperation.notice_received"),
        11: line("case.closed", closed_at="2999-12-31T00:00:00Z"),
    }
    lines, pending = [], list(good)
    for number in range(1, len(good) + len(bad) + 1):
        lines.append(bad[number] if number in bad else pending.pop(0))
    path = tmp_path / "inspections.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = produce(pipeline_env, "inspections", path)
    assert result.returncode == 1, result.stderr
    assert f"published: {len(good)}" in result.stdout and f"rejected: {len(bad)}" in result.stdout

    rejects = [json.loads(x) for x in (tmp_path / "inspections.jsonl.rejects.jsonl").read_text().splitlines()]
    assert [(r["line"], [e["field"] for e in r["errors"]]) for r in rejects] == [
        (3, ["line"]),
        (5, ["devices_inspected"]),
        (6, ["subject.id"]),
        (8, ["header.event_type"]),
        (11, ["closed_at"]),
    ]
    assert [r["text"] for r in rejects] == [bad[n] + "\n" for n in sorted(bad)]

    # What was read from the file is what arrives, on the shared topic, keyed by subject or case.
    expected = [u.records[0] for u in event_lines.inspections(PUBLISHER).read(path) if u.records]
    arrived = published(settings, settings.topic("inspection"))
    assert len(arrived) == len(good)
    by_id = {str(r["header"]["event_id"]): (key, schema, r) for key, schema, r in arrived}
    assert set(by_id) == {r["header"]["event_id"] for r in expected}
    for record in expected:
        key, _, got = by_id[record["header"]["event_id"]]
        got["header"]["event_id"] = str(got["header"]["event_id"])
        assert got["header"].pop("published_at") is not None
        assert got == record | {"header": {k: v for k, v in record["header"].items() if k != "published_at"}}
        assert got["header"]["publisher"] == PUBLISHER
        assert key == (record["subject"]["id"] if "findings" in record else record["case_id"])
    schemas = {schema for _, schema, _ in arrived}
    assert schemas == {
        "iprx.inspection.InspectionCompleted",
        "iprx.case.CaseOpened",
        "iprx.case.CaseReferred",
        "iprx.case.CaseReferralDecided",
        "iprx.case.CaseClosed",
    }
    opened = [r for _, s, r in arrived if s == "iprx.case.CaseOpened"]
    assert {r["metrics"]["illegal_gains_cny"] for r in opened} == {Decimal("18500.50")}
    assert given_id in by_id

    letters = dead_letters(settings, path)
    assert [(n, stage) for n, stage, _ in letters] == [(n, "producer.validate") for n in sorted(bad)]
    assert "not a valid unified social credit code" in letters[2][2]
    assert "is in the future" in letters[4][2]


def test_produce_cooperation_publishes_good_notices_and_rejects_bad_ones(pipeline_env, tmp_path):
    settings = pipeline_env.settings()
    lines = [
        line("cooperation.notice_received"),
        line("cooperation.notice_received", notice_id="CBP-IPR-2026-000312", seizure__origin_country="XX"),
        line("cooperation.notice_received", notice_id="CBP-IPR-2026-000313", kind="INFORMATION_REQUEST", seizure=None),
        '{"header": {"event_type": "cooperation.notice_received"}, "notice_id": ',
        line("case.opened"),
        line("cooperation.notice_received", notice_id="CBP-IPR-2026-000314", seizure__quantity=-1),
        line("cooperation.notice_received", notice_id="CBP-IPR-2026-000315", handling="GREEN"),
    ]
    path = tmp_path / "notices.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = produce(pipeline_env, "cooperation", path)
    assert result.returncode == 1, result.stderr
    assert "published: 3" in result.stdout and "rejected: 4" in result.stdout

    rejects = [json.loads(x) for x in (tmp_path / "notices.jsonl.rejects.jsonl").read_text().splitlines()]
    assert [(r["line"], r["errors"][0]["field"]) for r in rejects] == [
        (2, "seizure.origin_country"),
        (4, "line"),
        (5, "header.event_type"),
        (6, "seizure.quantity"),
    ]

    arrived = published(settings, settings.topic("cooperation.inbound"))
    assert sorted((key, r["notice_id"]) for key, _, r in arrived) == [
        ("CBP-IPR-2026-000311", "CBP-IPR-2026-000311"),
        ("CBP-IPR-2026-000313", "CBP-IPR-2026-000313"),
        ("CBP-IPR-2026-000315", "CBP-IPR-2026-000315"),
    ]
    first = next(r for _, _, r in arrived if r["notice_id"] == "CBP-IPR-2026-000311")
    sample = SAMPLES["cooperation.notice_received"]["seizure"]
    assert first["seizure"]["container_no"] == sample["container_no"]
    amount = Decimal(sample["estimated_value"]["amount"])
    assert first["seizure"]["estimated_value"] == {"amount": amount, "currency": "USD"}
    assert first["seizure"]["seized_at"].isoformat() == "2026-02-28T05:10:00+00:00"
    assert first["handling"] == "AMBER" and first["header"]["publisher"] == PUBLISHER
    assert [(n, stage) for n, stage, _ in dead_letters(settings, path)] == [
        (2, "producer.validate"),
        (4, "producer.validate"),
        (5, "producer.validate"),
        (6, "producer.validate"),
    ]
