"""The checks every reader runs (kernel/admission.py): the same verdict, field and reason code in the
publisher, the worker and the sink, whatever produced the record."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import fastavro
import pytest
from iprx.kernel import topics
from iprx.kernel.admission import admit, reference_time
from iprx.kernel.reasons import Reason, Rejected
from iprx.kernel.record_checks import CHECKS
from iprx.producers.families import FAMILIES
from iprx.schemas import DecodeError, SingleObjectCodec, default_catalog
from iprx.simulation.synthetic import seizures
from iprx.stream_processors.signals import Evidence, Signal, to_record

REPO = Path(__file__).resolve().parents[2]
SEIZURE = "iprx.seizure.SeizureRecorded"
codec = SingleObjectCodec()
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def seizure(**changes):
    record = next(seizures(31, 1))
    record["header"]["published_at"] = record["header"]["occurred_at"]
    record.update(changes)
    return record


def foreign_encode(schema_name: str, record: dict) -> bytes:
    """Single-object encoding by plain fastavro, as a publisher without our checks would write it."""
    schema = default_catalog().get(schema_name)
    body = io.BytesIO()
    fastavro.schemaless_writer(body, schema.parsed, record)
    return b"\xc3\x01" + schema.fingerprint + body.getvalue()


def rejection(value: bytes | None, topic: topics.TopicSpec | None = topics.SEIZURE) -> Rejected | DecodeError:
    with pytest.raises((Rejected, DecodeError)) as caught:
        admit(codec, topic, value, NOW)
    return caught.value


def test_a_valid_seizure_is_admitted():
    record = seizure()
    name, decoded = admit(codec, topics.SEIZURE, foreign_encode(SEIZURE, record), NOW)
    assert (name, decoded["seizure_id"]) == (SEIZURE, record["seizure_id"])


def test_a_bad_seizure_from_a_foreign_publisher_is_rejected_with_every_field():
    record = seizure(quantity=-5, hs_code="ABC")
    record["header"]["occurred_at"] = NOW + timedelta(days=10)
    error = rejection(foreign_encode(SEIZURE, record))
    assert isinstance(error, Rejected)
    assert (error.field, error.code) == ("header.occurred_at", Reason.CHECK_FUTURE)
    for part in ("quantity: must be >= 0, got -5", "hs_code: 'ABC' is not", "is in the future"):
        assert part in error.reason


def test_event_time_within_the_configured_skew_is_allowed():
    record = seizure()
    record["header"]["occurred_at"] = NOW + timedelta(minutes=4)
    admit(codec, topics.SEIZURE, foreign_encode(SEIZURE, record), NOW, timedelta(minutes=5))
    with pytest.raises(Rejected, match="in the future"):
        admit(codec, topics.SEIZURE, foreign_encode(SEIZURE, record), NOW, timedelta(minutes=3))


@pytest.mark.parametrize("amount", ["1E+30", "1E+16"])
def test_a_value_beyond_decimal_18_2_is_out_of_range(amount):
    error = rejection(foreign_encode(SEIZURE, seizure(estimated_value_cny=Decimal(amount))))
    assert (error.field, error.code) == ("estimated_value_cny", Reason.CHECK_RANGE)


def test_a_null_value_is_a_tombstone():
    assert rejection(None).code == Reason.TOMBSTONE


def test_a_signal_on_the_seizure_topic_is_refused_as_wrong_topic():
    signal = Signal(
        "r", 1, "v", "COMPLIANCE", "LOW", "ENTERPRISE", "s", "110000", NOW, 1.0, "why", (Evidence("e", "t", 0, 1),)
    )
    error = rejection(codec.encode("iprx.signal.Signal", to_record(signal, NOW)))
    assert error.code == Reason.WRONG_TOPIC
    assert "iprx.signal.Signal" in error.reason


def test_another_family_on_the_inspection_topic_is_refused_but_any_topic_of_the_catalogue_takes_its_own():
    value = foreign_encode(SEIZURE, seizure())
    assert rejection(value, topics.INSPECTION).code == Reason.WRONG_TOPIC
    assert admit(codec, None, value, NOW)[0] == SEIZURE  # no catalogue entry: no topic restriction


@pytest.mark.parametrize(
    ("real", "logical"),
    [("iprx.seizure", "seizure"), ("test-1a.cooperation.inbound", "cooperation.inbound"), ("x.signals", "signals")],
)
def test_real_topic_names_map_to_their_catalogue_entry(real, logical):
    assert topics.spec_for(real).name == logical


def test_an_unknown_topic_has_no_catalogue_entry():
    assert topics.spec_for("something.else") is None


def test_event_times_are_judged_against_the_record_timestamp_when_it_is_in_the_past():
    past = datetime(2026, 1, 1, tzinfo=UTC)
    assert reference_time(past.timestamp() * 1000) == past
    for missing_or_future in (None, 0, (datetime.now(UTC) + timedelta(days=1)).timestamp() * 1000):
        assert abs(reference_time(missing_or_future) - datetime.now(UTC)) < timedelta(seconds=5)


def test_every_schema_members_publish_has_its_checks_and_the_publisher_uses_them():
    published = {schema for family in FAMILIES.values() for schema in family.schemas.values()}
    assert set(CHECKS) == published
    record = seizure(quantity=-1)
    assert [e.code for e in FAMILIES["seizure"].check(record)] == [Reason.CHECK_NEGATIVE]


def test_every_reason_code_the_schema_layer_raises_is_in_the_vocabulary():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "schemas").glob("*.py"))
    raised = set(re.findall(r'"(decode\.[a-z_]+)"', source))
    assert raised, "the schema layer raises decode.* codes"
    assert raised <= {r.value for r in Reason}
