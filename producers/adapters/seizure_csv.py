"""Customs seizures from CSV, one row per seizure (columns documented in docs/input-formats.md)."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from iprx.kernel.checks import FieldError
from iprx.producers.adapters import values
from iprx.producers.adapters.base import ParsedUnit

REQUIRED = (
    "seizure_id",
    "customs_office_code",
    "jurisdiction",
    "seized_at",
    "direction",
    "transport_mode",
    "hs_code",
    "goods_description",
    "ipr_type",
    "quantity",
    "unit",
    "estimated_value_cny",
)
OPTIONAL = (
    "event_id",
    "declaration_no",
    "bill_of_lading",
    "container_no",
    "right_holder",
    "brand",
    "recordation_no",
    "origin_country",
    "destination_country",
    "route",
    "concealment",
    "disposition",
    *(f"{p}_{f}" for p in ("exporter", "consignee", "declarant") for f in ("id", "name", "country", "natural_person")),
)
COLUMNS = REQUIRED + OPTIONAL
MAX_FIELD = 64 * 1024  # a longer field is a broken file (e.g. an unclosed quote), not a seizure


class _LineTap:
    """Feeds lines to the csv reader and remembers them, so a rejected row can be quoted verbatim.

    Reads bytes and decodes each line itself: a line that is not UTF-8 is passed on with U+FFFD in
    place of its bad bytes, so the row around it is still cut right, and remembered in ``not_utf8``
    so that its row is rejected instead of ending the file with a traceback.
    """

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.lines: list[str] = []
        self.line_no = 0
        self.not_utf8: list[str] = []  # why lines of the current row are not UTF-8

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        raw = next(self.handle)
        self.line_no += 1
        if self.line_no == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.end].hex(" ")
            self.not_utf8.append(f"not UTF-8: byte(s) {bad} at line {self.line_no}, byte {exc.start + 1}")
            line = raw.decode("utf-8", errors="replace")
        self.lines.append(line)
        return line

    def start_row(self) -> None:
        self.lines.clear()
        self.not_utf8.clear()


class SeizureCsv:
    family = "seizure"

    def __init__(self, publisher: str) -> None:
        self.publisher = publisher

    def read(self, path: Path) -> Iterator[ParsedUnit]:
        csv.field_size_limit(MAX_FIELD)
        with open(path, "rb") as handle:
            tap = _LineTap(handle)
            reader = csv.reader(tap, strict=True)
            try:
                header = next(reader)
                if tap.not_utf8:
                    raise csv.Error("; ".join(tap.not_utf8))
            except StopIteration:
                yield ParsedUnit(1, "", errors=[FieldError("file", "empty file: expected a header row")])
                return
            except csv.Error as exc:
                yield ParsedUnit(1, "".join(tap.lines), errors=[FieldError("header", f"unreadable CSV: {exc}")])
                return
            missing = [c for c in REQUIRED if c not in header]
            unknown = [c for c in header if c not in COLUMNS]
            if missing or unknown:
                problems = [FieldError("header", f"missing required column {c!r}") for c in missing]
                problems += [FieldError("header", f"unknown column {c!r}") for c in unknown]
                yield ParsedUnit(1, "".join(tap.lines), errors=problems)
                return
            while True:
                tap.start_row()
                start = tap.line_no + 1
                try:
                    row = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield ParsedUnit(start, "".join(tap.lines), errors=[FieldError("row", f"malformed CSV: {exc}")])
                    continue
                text = "".join(tap.lines)
                if tap.not_utf8:
                    # The column that holds the bad bytes, if the row has the header's shape.
                    cells = [c for c, cell in zip(header, row, strict=False) if "\ufffd" in cell]
                    where = cells[0] if len(cells) == 1 and len(row) == len(header) else "row"
                    yield ParsedUnit(start, text, errors=[FieldError(where, "; ".join(tap.not_utf8))])
                    continue
                if not any(cell.strip() for cell in row):
                    continue  # blank line
                if len(row) != len(header):
                    reason = f"{len(row)} fields, the header has {len(header)}"
                    yield ParsedUnit(start, text, errors=[FieldError("row", reason)])
                    continue
                record, errors = self._record(dict(zip(header, row, strict=True)))
                yield ParsedUnit(start, text, records=[record] if record else [], errors=errors)

    def _record(self, row: dict[str, str]) -> tuple[dict[str, Any] | None, list[FieldError]]:
        errors: list[FieldError] = []

        def get(name: str, parse: Any = None, *args: Any) -> Any:
            text = (row.get(name) or "").strip()
            if not text:
                if name in REQUIRED:
                    errors.append(FieldError(name, "is required"))
                return None
            if parse is None:
                return text
            try:
                return parse(name, text, *args)
            except FieldError as exc:
                errors.append(exc)
                return None

        def party(prefix: str) -> dict[str, Any] | None:
            name = get(f"{prefix}_name")
            if name is None:
                return None
            return {
                "id": get(f"{prefix}_id"),
                "name": name,
                "country": (get(f"{prefix}_country") or "").upper() or None,
                "natural_person": bool(get(f"{prefix}_natural_person", values.flag)),
            }

        seizure_id = get("seizure_id")
        seized_at = get("seized_at", values.timestamp)
        record = {
            "header": {
                "event_id": get("event_id") or values.derived_event_id(self.publisher, "seizure", seizure_id or ""),
                "event_type": "seizure.recorded",
                "occurred_at": seized_at,
                "published_at": None,
                "publisher": self.publisher,
                "jurisdiction": get("jurisdiction"),
                "causation_id": None,
                "correlation_id": None,
            },
            "seizure_id": seizure_id,
            "customs_office_code": get("customs_office_code"),
            "seized_at": seized_at,
            "direction": get("direction", values.choice, ("IMPORT", "EXPORT", "TRANSIT")),
            "transport_mode": get("transport_mode", values.choice, ("SEA", "AIR", "ROAD", "RAIL", "POSTAL", "EXPRESS")),
            "declaration_no": get("declaration_no"),
            "bill_of_lading": get("bill_of_lading"),
            "container_no": get("container_no"),
            "hs_code": get("hs_code"),
            "goods_description": get("goods_description"),
            "ipr_type": get("ipr_type", values.choice, ("TRADEMARK", "COPYRIGHT", "PATENT", "OTHER")),
            "right_holder": get("right_holder"),
            "brand": get("brand"),
            "recordation_no": get("recordation_no"),
            "quantity": get("quantity", values.count),
            "unit": get("unit"),
            "estimated_value_cny": get("estimated_value_cny", values.money),
            "exporter": party("exporter"),
            "consignee": party("consignee"),
            "declarant": party("declarant"),
            "origin_country": (get("origin_country") or "").upper() or None,
            "destination_country": (get("destination_country") or "").upper() or None,
            "route": [p.strip() for p in (get("route") or "").split(";") if p.strip()],
            "concealment": get("concealment"),
            "disposition": get("disposition"),
        }
        if seized_at is not None and seized_at > datetime.now(UTC):
            errors.append(FieldError("seized_at", f"{seized_at.isoformat()} is in the future"))
        return (None, errors) if errors else (record, [])


def write_csv(records: Any, handle: Any) -> int:
    """Write seizure records in this adapter's format (the inverse of reading); return rows written."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = 0
    for r in records:
        cells: dict[str, Any] = {
            "event_id": r["header"]["event_id"],
            "jurisdiction": r["header"]["jurisdiction"],
            "seized_at": r["seized_at"].isoformat().replace("+00:00", "Z"),
            "route": ";".join(r.get("route") or []),
        }
        for key in COLUMNS:
            if key not in cells and key in r:
                cells[key] = r[key]
        for prefix in ("exporter", "consignee", "declarant"):
            for f, value in (r.get(prefix) or {}).items():
                cells[f"{prefix}_{f}"] = value
        writer.writerow(["" if cells.get(c) is None else cells[c] for c in COLUMNS])
        rows += 1
    return rows
