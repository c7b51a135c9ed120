"""Inputs that used to end `iprx produce` with a traceback: each is one precise rejection, and the file goes on."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from iprx.kernel import dead_letters
from iprx.kernel.checks import FieldError
from iprx.producers.adapters import ocds
from iprx.producers.adapters.json_stream import EXCERPT_CHARS, Scanner, TooLarge
from iprx.producers.adapters.ocds import OcdsProcurement
from iprx.producers.adapters.seizure_csv import SeizureCsv, write_csv
from iprx.simulation.synthetic import seizures

from tests.unit.test_ocds_adapter import PUBLISHER, a_release, jsonl_file, package_file


def csv_bytes(records: list[dict]) -> bytes:
    for record in records:  # in the past, whatever the synthetic dates and today's date
        record["seized_at"] = record["header"]["occurred_at"] = datetime(2026, 3, 1, tzinfo=UTC)
    text = io.StringIO()
    write_csv(records, text)
    return text.getvalue().encode()


# --- CSV ------------------------------------------------------------------------------------------


def test_a_non_utf8_byte_rejects_its_row_at_its_column_and_the_rows_after_are_read(tmp_path):
    records = list(seizures(3, 3))
    middle = records[1]["seizure_id"]
    data = csv_bytes(records).replace(middle.encode(), middle[:4].encode() + b"\xff" + middle[5:].encode())
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    units = list(SeizureCsv("CN/GOV/GACC/seizures").read(path))
    assert [len(u.records) for u in units] == [1, 0, 1]
    [error] = units[1].errors
    byte = data.split(b"\n")[2].index(b"\xff") + 1
    assert (units[1].line, error.field) == (3, "seizure_id")
    assert error.reason == f"not UTF-8: byte(s) ff at line 3, byte {byte}"
    assert units[2].records[0]["seizure_id"] == records[2]["seizure_id"]


def test_a_non_utf8_header_is_a_header_error(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(b"seizure_id,\xe9t\xe9\n")
    [unit] = SeizureCsv("CN/GOV/GACC/seizures").read(path)
    assert unit.errors == [FieldError("header", "unreadable CSV: not UTF-8: byte(s) e9 at line 1, byte 12")]


def test_a_byte_order_mark_is_still_skipped(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_bytes(list(seizures(4, 1))))
    [unit] = SeizureCsv("CN/GOV/GACC/seizures").read(path)
    assert unit.errors == [] and len(unit.records) == 1


# --- OCDS -----------------------------------------------------------------------------------------


def read(path):
    return list(OcdsProcurement(PUBLISHER).read(path))


def test_a_lone_surrogate_in_an_id_rejects_that_release_at_its_field(tmp_path):
    units = read(jsonl_file(tmp_path, [a_release(1), a_release(2, id="ocds-\udc00-award"), a_release(3)]))
    assert [len(u.records) for u in units] == [1, 0, 1]
    assert units[1].errors == [
        FieldError("release.id", "lone surrogate \\udc00 in a string: not a character, not UTF-8")
    ]


def test_a_valid_surrogate_pair_is_a_character(tmp_path):
    [unit] = read(jsonl_file(tmp_path, ['{"x": "\\ud83d\\ude00", ' + json.dumps(a_release(1))[1:]]))
    assert unit.errors == [] and len(unit.records) == 1


def test_deeply_nested_json_rejects_that_release_and_the_next_is_read(tmp_path):
    deep = '{"ocid": "ocds-deep", "ext": ' + "[" * 5000 + "]" * 5000 + "}"
    units = read(jsonl_file(tmp_path, [a_release(1), deep, a_release(3)]))
    assert [(u.line, len(u.records)) for u in units] == [(1, 1), (2, 0), (3, 1)]
    assert units[1].errors == [FieldError("release", "JSON nested too deeply to read (about 1,000 levels or more)")]


def test_a_release_line_over_the_limit_is_rejected_unparsed_with_an_excerpt(tmp_path):
    huge = a_release(2)
    huge["padding"] = "x" * ocds.MAX_UNIT_CHARS  # the real limit, 8,000,000 characters
    units = read(jsonl_file(tmp_path, [a_release(1), huge, a_release(3)]))
    assert [len(u.records) for u in units] == [1, 0, 1]
    size = len(json.dumps(huge)) + 1  # with its newline
    reason = f"{size:,} characters of JSON, over the limit of {ocds.MAX_UNIT_CHARS:,} for one release or record"
    assert units[1].errors == [FieldError("release", reason)]
    assert units[1].text == json.dumps(huge)[:EXCERPT_CHARS]


def test_a_release_of_a_package_over_the_limit_is_rejected_by_its_index(tmp_path, monkeypatch):
    monkeypatch.setattr(ocds, "MAX_UNIT_CHARS", 5_000)
    big = a_release(2)
    big["awards"][0]["items"] *= 40
    path, starts, texts = package_file(tmp_path, [a_release(1), big, a_release(3)])
    assert len(texts[0]) < 5_000 < len(texts[1])
    units = read(path)
    assert [(u.line, u.unit, len(u.records)) for u in units] == [
        (starts[0], "releases[0]", 1),
        (starts[1], "releases[1]", 0),
        (starts[2], "releases[2]", 1),
    ]
    [error] = units[1].errors
    assert error.field == "releases[1]" and error.reason.startswith(f"{len(texts[1]):,} characters of JSON")


@pytest.mark.parametrize("size", [99, 100, 101, 2_500])
def test_the_scanner_keeps_a_value_up_to_its_limit_and_measures_a_longer_one(size):
    value = json.dumps("y" * (size - 2))  # a JSON string of exactly `size` characters
    sc = Scanner(io.StringIO(f"[{value}, 1]"), chunk_size=16, max_capture=100)
    elements = sc.elements()
    assert next(elements) == 0
    if size <= 100:
        assert sc.capture() == (1, value)
    else:
        with pytest.raises(TooLarge) as cut:
            sc.capture()
        assert (cut.value.size, cut.value.excerpt) == (size, value[:EXCERPT_CHARS])
    assert next(elements) == 1  # the cursor is past the long value: the next one is read
    assert sc.capture() == (1, "1")


def test_each_unit_of_a_line_has_its_own_dead_letter_id():
    error = FieldError("x", "y")
    letters = [dead_letters.from_file("s", error, b"", "f.json", 1, unit=f"releases[{n}]") for n in range(5)]
    ids = {letter["dead_letter_id"] for letter in letters}
    assert len(ids) == 5
    # without a unit, the id stays what it was: a rejected line is one dead letter, however often rejected
    assert dead_letters.from_file("s", error, b"", "f.json", 1)["dead_letter_id"] == dead_letters.dead_letter_id(
        "f.json", 1
    )
