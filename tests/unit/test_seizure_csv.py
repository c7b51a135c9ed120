import csv
import io
import json
import resource
from decimal import Decimal
from pathlib import Path

import pytest
from iprx.kernel.checks import check_seizure
from iprx.producers.adapters.seizure_csv import COLUMNS, SeizureCsv, write_csv
from iprx.producers.ingest import ingest
from iprx.simulation.synthetic import seizures

PUBLISHER = "CN/GOV/GACC/seizures"


def csv_file(tmp_path, records, name="in.csv"):
    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline="") as f:
        write_csv(records, f)
    return path


def read(path):
    return list(SeizureCsv(PUBLISHER).read(path))


def test_written_rows_read_back_as_the_same_records(tmp_path):
    originals = list(seizures(8, 50))
    units = read(csv_file(tmp_path, originals))
    assert [u.line for u in units] == list(range(2, 52))
    for unit, original in zip(units, originals, strict=True):
        assert unit.errors == []
        [record] = unit.records
        assert record["header"]["event_id"] == original["header"]["event_id"]
        for key in ("seizure_id", "seized_at", "hs_code", "quantity", "estimated_value_cny", "exporter", "route"):
            assert record[key] == original[key], key
        assert check_seizure(record) == []


def test_each_bad_row_is_rejected_with_its_line_field_and_reason_and_the_rest_goes_through(tmp_path):
    good = list(seizures(9, 4))
    path = csv_file(tmp_path, good)
    lines = path.read_text().splitlines()
    header = lines[0].split(",")

    def edit(line: str, column: str, value: str) -> str:
        cells = next(csv.reader([line]))
        cells[header.index(column)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(cells)
        return out.getvalue()

    bad = [
        edit(lines[1], "quantity", "ten"),
        edit(lines[1], "seized_at", "2026-02-30T10:00:00Z"),
        edit(lines[1], "estimated_value_cny", "-5"),
        edit(lines[1], "direction", "SIDEWAYS"),
        edit(lines[1], "seized_at", "2026-03-01T10:00:00"),
        lines[1] + ",one too many",
    ]
    path.write_text("\n".join([lines[0], lines[1], *bad, lines[2], lines[3], lines[4]]) + "\n")
    units = read(path)
    verdicts = [(u.line, [(e.field, e.reason) for e in u.errors]) for u in units]
    assert verdicts[0] == (2, [])
    assert verdicts[1] == (3, [("quantity", "'ten' is not a whole number")])
    assert verdicts[2] == (4, [("seized_at", "'2026-02-30T10:00:00Z' is not an ISO 8601 date-time")])
    assert verdicts[3] == (5, [("estimated_value_cny", "must be a non-negative amount, got '-5'")])
    assert verdicts[4] == (6, [("direction", "'SIDEWAYS' is not one of IMPORT, EXPORT, TRANSIT")])
    assert verdicts[5] == (7, [("seized_at", "'2026-03-01T10:00:00' has no time zone offset (add Z or +08:00)")])
    assert verdicts[6][0] == 8 and verdicts[6][1][0][0] == "row"
    assert [v[1] for v in verdicts[7:]] == [[], [], []]
    assert [u.text for u in units[1:7]] == [line + "\n" for line in bad]


def test_an_unclosed_quote_is_reported_and_the_reader_carries_on(tmp_path):
    good = list(seizures(10, 3))
    path = csv_file(tmp_path, good)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1], lines[2].replace(",", ',"', 1)]) + "\n")
    units = read(path)
    assert units[0].errors == []
    assert units[1].line == 3
    assert units[1].errors and units[1].errors[0].field in {"row"}


def test_empty_file_and_bad_header(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    [unit] = read(empty)
    assert (unit.line, unit.errors[0].field, unit.errors[0].reason) == (1, "file", "empty file: expected a header row")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("seizure_id,colour\nA,red\n")
    [unit] = read(wrong)
    reasons = {e.reason for e in unit.errors}
    assert "missing required column 'hs_code'" in reasons and "unknown column 'colour'" in reasons


def test_invalid_codes_are_caught_by_the_publisher_checks(tmp_path):
    record = next(seizures(11, 1))
    record["hs_code"] = "99"
    record["destination_country"] = "XX"
    record["header"]["jurisdiction"] = "990000"
    record["exporter"] = dict(record["exporter"], id="914403001922038217")  # wrong check character
    [unit] = read(csv_file(tmp_path, [record]))
    fields = {e.field for e in check_seizure(unit.records[0])}
    assert fields == {"hs_code", "destination_country", "header.jurisdiction", "exporter.id"}


def test_dry_run_writes_rejects_file_lines(tmp_path):
    records = list(seizures(12, 3))
    records[1]["quantity"] = -3
    rejects = io.StringIO()
    summary = ingest(SeizureCsv(PUBLISHER), csv_file(tmp_path, records), None, rejects)
    assert (summary.units, summary.rejected) == (3, 1)
    [line] = rejects.getvalue().splitlines()
    reject = json.loads(line)
    assert reject["line"] == 3 and reject["errors"] == [{"field": "quantity", "reason": "must be >= 0, got -3"}]
    assert reject["text"].startswith(records[1]["header"]["event_id"]) or records[1]["seizure_id"] in reject["text"]


@pytest.mark.integration  # slow, not Kafka: a million rows as the issue asks
@pytest.mark.parametrize("rows", [1_000_000])
def test_a_large_file_streams_in_bounded_memory(tmp_path, rows):
    template = next(seizures(13, 1))
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        write_csv(({**template, "seizure_id": f"S{n}"} for n in range(rows)), f)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    count = 0
    total = Decimal(0)
    for unit in SeizureCsv(PUBLISHER).read(path):
        count += 1
        total += unit.records[0]["estimated_value_cny"]
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert count == rows
    assert total == template["estimated_value_cny"] * rows
    size_kib = path.stat().st_size // 1024
    assert grown_kib < size_kib / 10, f"peak RSS grew {grown_kib} KiB reading a {size_kib} KiB file"


def test_columns_are_documented():
    doc = (Path(__file__).parents[2] / "docs" / "input-formats.md").read_text(encoding="utf-8")
    assert all(f"`{c}`" in doc for c in COLUMNS)
