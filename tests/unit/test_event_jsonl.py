"""The JSON Lines event codec: every record round-trips, and every malformed line says where and why."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from iprx.producers import FAMILIES
from iprx.producers.adapters.event_jsonl import decode_line, encode_line
from iprx.schemas import default_catalog

from tests.avro_records import records, uuids_as_text

EVENT_TYPES = [
    (family, event_type, schema)
    for family in ("inspection", "case", "cooperation")
    for event_type, schema in FAMILIES[family].schemas.items()
]


@pytest.mark.parametrize(("family", "event_type", "schema"), EVENT_TYPES)
def test_every_record_round_trips_through_a_line(family, event_type, schema):
    parsed = default_catalog().get(schema).parsed

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def round_trip(data):
        record = data.draw(records(parsed))
        record["header"]["event_type"] = event_type
        line = encode_line(family, record)
        assert "\n" not in line
        decoded = decode_line(line, ("inspection", "case", "cooperation"))
        assert decoded.errors == []
        assert decoded.family == family
        assert decoded.record == uuids_as_text(record)

    round_trip()


def case_opened(**changes):
    line = {
        "header": {
            "event_id": "3f1c0b4e-8a53-4c1e-9d8e-0f6b2f3a9c11",
            "event_type": "case.opened",
            "occurred_at": "2026-03-01T08:30:00+08:00",
            "published_at": "2026-03-02T09:00:00Z",
            "publisher": "CN/GOV/NCAC/cases",
            "jurisdiction": "440300",
        },
        "case_id": "SZ-2026-017",
        "authority": {"name": "Shenzhen copyright administration"},
        "subject": {"subject_type": "ENTERPRISE", "name": "Example Co.", "jurisdiction": "440300"},
        "opened_at": "2026-03-01T08:30:00+08:00",
        "metrics": {"illegal_business_volume_cny": "61000.00", "illegal_gains_cny": 12000, "infringing_copies": 640},
    }
    for path, value in changes.items():
        *parents, leaf = path.split("__")
        target = line
        for p in parents:
            target = target[p]
        if value is ...:
            del target[leaf]
        else:
            target[leaf] = value
    return json.dumps(line)


def errors(text, optional=()):
    return [(e.field, e.reason) for e in decode_line(text, ("inspection", "case"), optional).errors]


def test_the_documented_shape_decodes_with_defaults_filled_in():
    decoded = decode_line(case_opened(), ("inspection", "case"))
    assert decoded.errors == [] and decoded.family == "case"
    record = decoded.record
    assert record["header"]["occurred_at"] == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
    assert record["header"]["causation_id"] is None
    assert record["metrics"]["illegal_business_volume_cny"] == Decimal("61000.00")
    assert record["metrics"]["illegal_gains_cny"] == Decimal("12000.00")
    assert record["metrics"]["works"] == 0 and record["metrics"]["online"] is False
    assert record["authority"] == {"id": None, "name": "Shenzhen copyright administration", "country": None,
                                   "natural_person": False}  # fmt: skip
    assert record["subject"]["level"] is None and record["inspection_id"] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"header": {"event_type": "case.opened"', [("line", "not valid JSON: Expecting ',' delimiter (column 40)")]),
        ("[1, 2]", [("line", "expected a JSON object, got an array")]),
        ('{"case_id": "x"}', [("header", "is required")]),
        ('{"header": {"event_type": 7}}', [("header.event_type", "expected a string, got the number 7")]),
        ('{"a": 1, "a": 2}', [("line", "key 'a' appears twice in one object")]),
        ('{"header": {}, "x": NaN}', [("line", "not valid JSON: NaN is not a JSON number")]),
    ],
)
def test_lines_that_are_not_event_objects(text, expected):
    assert errors(text) == expected


def test_an_unknown_event_type_names_the_known_ones():
    [(field, reason)] = errors(case_opened(header__event_type="seizure.recorded"))
    assert field == "header.event_type"
    assert reason.startswith("unknown event type 'seizure.recorded'; expected one of ['case.accepted'")
    assert "'inspection.completed'" in reason


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"header__occurred_at": "2026-03-01T08:30:00"}, ("header.occurred_at", "has no time zone offset")),
        ({"header__occurred_at": "yesterday"}, ("header.occurred_at", "'yesterday' is not an ISO 8601 date-time")),
        ({"header__occurred_at": 1772325000000}, ("header.occurred_at", "expected an ISO 8601 date-time string")),
        ({"header__event_id": "not-a-uuid"}, ("header.event_id", "'not-a-uuid' is not a UUID")),
        ({"metrics__infringing_copies": "640"}, ("metrics.infringing_copies", "expected a whole number, got a string")),
        ({"metrics__infringing_copies": 2**63}, ("metrics.infringing_copies", "out of range for an Avro long")),
        ({"metrics__illegal_gains_cny": 12000.5}, ("metrics.illegal_gains_cny", "write decimal amounts as JSON")),
        ({"metrics__illegal_gains_cny": "12,000"}, ("metrics.illegal_gains_cny", "'12,000' is not a decimal number")),
        ({"metrics__illegal_gains_cny": "1.005"}, ("metrics.illegal_gains_cny", "more than 2 decimal places")),
        ({"metrics__illegal_gains_cny": "1" * 17 + ".00"}, ("metrics.illegal_gains_cny", "too large for decimal")),
        ({"metrics__online": "yes"}, ("metrics.online", "expected true or false, got a string")),
        ({"subject__subject_type": "COMPANY"}, ("subject.subject_type", "'COMPANY' is not one of AGENCY, SOE")),
        ({"subject__level": {"PROVINCIAL": None}}, ("subject.level", "an object is not one of CENTRAL")),
        ({"case_id": None}, ("case_id", "must not be null")),
        ({"opened_at": ...}, ("opened_at", "is required")),
        ({"metrics__infringing_copie": 3}, ("metrics.infringing_copie", "unknown field; iprx.case.CaseMetrics has")),
        ({"header__published_at": ...}, ("header.published_at", "is required")),
    ],
)
def test_each_wrong_field_is_named_with_its_path_and_reason(change, expected):
    found = errors(case_opened(**change))
    assert len(found) == 1, found
    assert found[0][0] == expected[0]
    assert expected[1] in found[0][1]


def test_paths_the_caller_fills_in_may_be_missing_or_null():
    optional = ("header.event_id", "header.published_at", "header.publisher")
    text = case_opened(header__event_id=..., header__published_at=..., header__publisher=None)
    decoded = decode_line(text, ("case",), optional)
    assert decoded.errors == []
    assert decoded.record["header"]["event_id"] is None and decoded.record["header"]["publisher"] is None
    assert errors(text) == [
        ("header.event_id", "is required"),
        ("header.published_at", "is required"),
        ("header.publisher", "must not be null"),
    ]


def test_every_error_of_a_line_is_reported_at_once():
    text = case_opened(case_id=5, metrics__works=-1.5, subject__jurisdiction=None)
    assert [f for f, _ in errors(text)] == ["case_id", "subject.jurisdiction", "metrics.works"]


def test_array_items_are_named_by_index():
    line = {
        "header": json.loads(case_opened())["header"] | {"event_type": "inspection.completed"},
        "inspection_id": "I-1",
        "inspector": {"name": "Bureau"},
        "inspector_kind": "COPYRIGHT_BUREAU",
        "subject": {"subject_type": "AGENCY", "name": "Agency", "jurisdiction": "110000"},
        "inspected_at": "2026-03-01T00:00:00Z",
        "devices_inspected": 10,
        "findings": [
            {"vendor": "V", "product": "P", "installed_copies": 3, "licensed_copies": 3},
            {"vendor": "V", "product": "Q", "installed_copies": "3", "licensed_copies": 1},
        ],
        "outcome": "NONCOMPLIANT",
    }
    assert errors(json.dumps(line)) == [("findings[1].installed_copies", "expected a whole number, got a string")]


def test_encode_leaves_out_a_none_the_schema_does_not_allow_and_writes_utc_iso_times():
    record = decode_line(case_opened(), ("case",)).record
    record["header"]["published_at"] = None
    record["header"]["occurred_at"] = datetime(2026, 3, 1, 0, 30, 0, 250000, tzinfo=UTC)
    line = json.loads(encode_line("case", record))
    assert "published_at" not in line["header"]
    assert line["header"]["occurred_at"] == "2026-03-01T00:30:00.250Z"
    assert line["opened_at"] == "2026-03-01T00:30:00Z"
    assert line["metrics"]["illegal_gains_cny"] == "12000.00"
    assert line["inspection_id"] is None


def test_encode_refuses_a_record_whose_event_type_is_not_of_the_family():
    record = decode_line(case_opened(), ("case",)).record
    with pytest.raises(ValueError, match=r"header\.event_type"):
        encode_line("inspection", record)
