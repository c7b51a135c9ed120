"""`iprx produce inspections|cooperation` adapters: good lines become records, each bad line says why."""

from __future__ import annotations

import io
import json
import re
import resource
from pathlib import Path

import pytest
from iprx.producers.adapters import event_lines
from iprx.producers.adapters.event_jsonl import decode_line, encode_line
from iprx.producers.adapters.values import derived_event_id
from iprx.producers.ingest import ingest

from tests.event_samples import AGENCY_USCC, SAMPLES, line, sample

PUBLISHER = "CN/GOV/NCAC/inspections"
INSPECTION_TYPES = [t for t in SAMPLES if not t.startswith("cooperation.")]
DOC = Path(__file__).parents[2] / "docs" / "input-formats.md"


def write(tmp_path, lines, name="in.jsonl"):
    path = tmp_path / name
    path.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines))
    return path


def verdicts(adapter, path):
    return [(u.line, [(e.field, e.reason) for e in u.errors]) for u in adapter.read(path)]


def test_every_inspection_and_case_type_reads_into_its_family(tmp_path):
    path = write(tmp_path, [line(t) for t in INSPECTION_TYPES])
    units = list(event_lines.inspections(PUBLISHER).read(path))
    assert [(u.line, u.errors) for u in units] == [(n, []) for n in range(1, len(INSPECTION_TYPES) + 1)]
    assert [u.family for u in units] == ["inspection"] + ["case"] * (len(INSPECTION_TYPES) - 1)
    for unit, event_type in zip(units, INSPECTION_TYPES, strict=True):
        [record] = unit.records
        assert record["header"]["event_type"] == event_type
        assert record["header"]["publisher"] == PUBLISHER
        assert record["header"]["published_at"] is None  # the publisher stamps it when sending
        # What was read is what the line says: encoding it again gives the same record back.
        again = decode_line(encode_line(unit.family, record), (unit.family,), event_lines.FILLED_IN)
        assert again.record == record


def test_a_partner_notice_reads_with_its_shared_seizure(tmp_path):
    path = write(tmp_path, [line("cooperation.notice_received")])
    [unit] = event_lines.cooperation(PUBLISHER).read(path)
    assert unit.errors == [] and unit.family == "cooperation"
    seizure = unit.records[0]["seizure"]
    assert str(seizure["estimated_value"]["amount"]) == "254000.00"
    assert seizure["seized_at"].isoformat() == "2026-02-28T05:10:00+00:00"
    assert seizure["consignee"] is None and seizure["brand"] is None


def test_event_ids_are_kept_when_given_and_otherwise_derived_from_publisher_type_and_natural_id(tmp_path):
    given = "6b1f0c1e-2f7a-4f0e-9a55-2d8f1b7c3e10"
    path = write(
        tmp_path,
        [
            line("case.opened"),
            line("case.closed"),
            line("case.referred"),
            line("case.opened", header__event_id=given),
            line("case.opened", header__publisher="CN/PROV/440000/cases"),
        ],
    )
    first = [u.records[0]["header"]["event_id"] for u in event_lines.inspections(PUBLISHER).read(path)]
    again = [u.records[0]["header"]["event_id"] for u in event_lines.inspections(PUBLISHER).read(path)]
    assert first == again
    case_id = SAMPLES["case.opened"]["case_id"]
    assert first[0] == derived_event_id(PUBLISHER, "case.opened", case_id)
    assert first[1] == derived_event_id(PUBLISHER, "case.closed", case_id)
    assert first[2] == derived_event_id(PUBLISHER, "case.referred", f"{case_id}|2026-03-06T07:30:00+00:00")
    assert first[3] == given
    assert first[4] == derived_event_id("CN/PROV/440000/cases", "case.opened", case_id)
    assert len(set(first)) == 5


BAD_LINES = [
    (line("case.opened")[:60], "line", "not valid JSON: Unterminated string starting at (column 57)"),
    ('["case.opened"]', "line", "expected a JSON object, got an array"),
    ('"just text"', "line", "expected a JSON object, got a string"),
    (line("case.opened", header__event_type="case.reopened"), "header.event_type", "unknown event type"),
    (line("cooperation.notice_received"), "header.event_type", "unknown event type 'cooperation.notice_received'"),
    (line("inspection.completed", devices_inspected="120"), "devices_inspected", "expected a whole number, got a"),
    (line("inspection.completed", devices_inspected=-1), "devices_inspected", "must be >= 0, got -1"),
    (line("inspection.completed", findings__0__licensed_copies=119), "findings[0].licensed_copies", "exceed the 118"),
    (line("inspection.completed", subject__id=AGENCY_USCC[:-1] + "5"), "subject.id", "not a valid unified social"),
    (line("inspection.completed", subject__jurisdiction="990000"), "subject.jurisdiction", "not a GB/T 2260"),
    (line("inspection.completed", header__jurisdiction="1100"), "header.jurisdiction", "not a GB/T 2260 division"),
    (line("inspection.completed", inspector__country="XX"), "inspector.country", "not an ISO 3166-1 alpha-2"),
    (line("inspection.completed", inspected_at="2999-01-01T00:00:00Z"), "inspected_at", "is in the future"),
    (line("case.opened", header__occurred_at="2999-01-01T00:00:00Z"), "header.occurred_at", "is in the future"),
    (line("case.opened", metrics__illegal_gains_cny="-1.00"), "metrics.illegal_gains_cny", "must be >= 0"),
    (line("case.opened", metrics__illegal_gains_cny=1.5), "metrics.illegal_gains_cny", "write decimal amounts as"),
    (line("case.opened", case_id=" "), "case_id", "must not be empty"),
    (line("case.accepted", decision="DECLINED"), "decision", "'DECLINED' contradicts event type 'case.accepted'"),
    (line("case.closed", outcome="FINED"), "outcome", "'FINED' is not one of PENALISED"),
    (line("case.closed", closed_at="2026-04-20"), "closed_at", "has no time zone offset"),
    (b'{"header": "\xff"}', "line", "not valid UTF-8 at byte 13"),
]


def test_each_bad_line_is_rejected_with_its_line_number_field_and_reason_and_good_lines_go_through(tmp_path):
    good = line("case.opened")
    path = write(tmp_path, [good, *(text for text, _, _ in BAD_LINES), "", "  ", good])
    found = verdicts(event_lines.inspections(PUBLISHER), path)
    assert found[0] == (1, [])
    for (number, errors), (_, field, reason) in zip(found[1:-1], BAD_LINES, strict=True):
        assert [f for f, _ in errors] == [field], (number, errors)
        assert reason in errors[0][1], (number, errors)
    assert [n for n, _ in found[1:-1]] == list(range(2, len(BAD_LINES) + 2))
    assert found[-1] == (len(BAD_LINES) + 4, [])  # blank lines are skipped but counted


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"kind": "SEIZURE_NOTICE", "seizure": None}, "seizure", "is required for a SEIZURE_NOTICE"),
        ({"partner_agency": "CBP"}, "partner_agency", "expected INSTANCE/CLASS/MEMBER"),
        ({"seizure__hs_code": "85"}, "seizure.hs_code", "'85' is not an HS code"),
        ({"seizure__origin_country": "China"}, "seizure.origin_country", "not an ISO 3166-1 alpha-2"),
        ({"seizure__exporter__id": "914403001922038217"}, "seizure.exporter.id", "not a valid unified social"),
        ({"seizure__quantity": -5}, "seizure.quantity", "must be >= 0, got -5"),
        ({"seizure__estimated_value__currency": "usd"}, "seizure.estimated_value.currency", "not an ISO 4217"),
        ({"seizure__seized_at": "2999-01-01T00:00:00Z"}, "seizure.seized_at", "is in the future"),
        ({"handling": "TLP:AMBER"}, "handling", "'TLP:AMBER' is not one of RED, AMBER, GREEN, CLEAR"),
        ({"seizure__container": "MSCU1234567"}, "seizure.container", "unknown field"),
    ],
)
def test_bad_partner_notices(tmp_path, changes, field, reason):
    path = write(tmp_path, [line("cooperation.notice_received", **changes)])
    [(number, errors)] = verdicts(event_lines.cooperation(PUBLISHER), path)
    assert number == 1 and [f for f, _ in errors] == [field], errors
    assert reason in errors[0][1]


def test_a_partner_notice_with_a_4_digit_heading_and_no_seizure_for_a_request_is_fine(tmp_path):
    request = line("cooperation.notice_received", kind="INFORMATION_REQUEST", seizure=None)
    heading = line("cooperation.notice_received", seizure__hs_code="8523")
    assert verdicts(event_lines.cooperation(PUBLISHER), write(tmp_path, [request, heading])) == [(1, []), (2, [])]


def test_empty_and_blank_files_are_rejected_as_a_whole(tmp_path):
    for name, content in (("empty.jsonl", b""), ("blank.jsonl", b"\n  \n\r\n")):
        path = tmp_path / name
        path.write_bytes(content)
        assert verdicts(event_lines.inspections(PUBLISHER), path) == [
            (1, [("file", "empty file: expected one JSON object per line")])
        ]


def test_a_byte_order_mark_and_crlf_line_ends_are_accepted(tmp_path):
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + line("case.opened").encode() + b"\r\n" + line("case.closed").encode() + b"\r\n")
    assert verdicts(event_lines.inspections(PUBLISHER), path) == [(1, []), (2, [])]


def test_an_overlong_line_is_rejected_without_being_held_and_the_next_line_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(event_lines, "MAX_LINE", 4096)
    long = line("case.opened", summary="x" * 20_000)
    path = write(tmp_path, [long, line("case.closed")])
    units = list(event_lines.inspections(PUBLISHER).read(path))
    assert [(u.line, [e.field for e in u.errors]) for u in units] == [(1, ["line"]), (2, [])]
    assert "longer than 4,096 bytes" in units[0].errors[0].reason
    assert len(units[0].text) == event_lines.QUOTED


def test_dry_run_summary_and_rejects_file(tmp_path):
    path = write(tmp_path, [line("case.opened"), "{", line("case.closed", confiscated_copies=-2), line("case.closed")])
    rejects = io.StringIO()
    summary = ingest(event_lines.inspections(PUBLISHER), path, None, rejects)
    assert (summary.units, summary.published, summary.rejected) == (4, 2, 2)
    got = [json.loads(x) for x in rejects.getvalue().splitlines()]
    assert [(r["line"], r["errors"][0]["field"]) for r in got] == [(2, "line"), (3, "confiscated_copies")]
    assert got[1]["text"] == line("case.closed", confiscated_copies=-2) + "\n"
    assert got[1]["errors"][0]["reason"] == "must be >= 0, got -2"


def test_documented_examples_are_valid_lines():
    section = DOC.read_text(encoding="utf-8").split("## `inspections` and `cooperation`")[1].split("\n## ")[0]
    examples = re.findall(r"```json\n(.*?)```", section, re.S)
    lines = [x for block in examples for x in block.splitlines() if x.strip()]
    documented = {json.loads(x)["header"]["event_type"] for x in lines}
    assert documented == set(SAMPLES)
    for text in lines:
        families = ("cooperation",) if "cooperation." in text else ("inspection", "case")
        assert decode_line(text, families, event_lines.FILLED_IN).errors == [], text


@pytest.mark.integration  # slow, not Kafka: a large file as the issue asks
def test_a_large_file_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "big.jsonl"
    rows = 200_000
    with open(path, "w", encoding="utf-8") as f:
        for n in range(rows):
            f.write(json.dumps(sample("case.closed", case_id=f"C{n}")) + "\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    count = 0
    for unit in event_lines.inspections(PUBLISHER).read(path):
        assert unit.errors == [] and unit.records[0]["case_id"] == f"C{count}"
        count += 1
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert count == rows
    size_kib = path.stat().st_size // 1024
    assert grown_kib < size_kib / 10, f"peak RSS grew {grown_kib} KiB reading a {size_kib} KiB file"


def test_every_field_of_every_event_type_is_documented():
    from iprx.producers import FAMILIES
    from iprx.producers.adapters.event_jsonl import _schema

    doc = DOC.read_text(encoding="utf-8")
    names = set()
    for family in ("inspection", "case", "cooperation"):
        for schema in FAMILIES[family].schemas.values():
            names |= {name for name in _schema(schema)[1].values() for name in _field_names(name)}
    undocumented = {n for n in names if not re.search(rf"`[\w.\[\]]*\b{n}\b[\w.\[\]]*`", doc)}
    assert names and not undocumented


def _field_names(schema):
    return [f["name"] for f in schema.get("fields", [])]
