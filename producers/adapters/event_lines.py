"""`iprx produce inspections|cooperation`: JSON Lines of events (format in docs/input-formats.md).

One event per line in the shape of its Avro schema (see :mod:`producers.adapters.event_jsonl`);
``header.event_type`` says which event it is. The file is read line by line in bytes, so a broken
line (bad UTF-8, truncated JSON, far too long) rejects that line only and memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from iprx.kernel.checks import FieldError
from iprx.kernel.event_checks import check_event
from iprx.producers.adapters import values
from iprx.producers.adapters.base import ParsedUnit
from iprx.producers.adapters.event_jsonl import decode_line

MAX_LINE = 1024 * 1024  # bytes; a longer line is a broken file (e.g. a missing newline), not an event
QUOTED = 1024  # characters of an overlong line kept for the rejects file
# Header fields the schema requires but a file may leave out: the adapter or the publisher fills them.
FILLED_IN = ("header.event_id", "header.published_at", "header.publisher")
# The fields that identify an event among its publisher's events of the same type, for derived ids.
# A case may be referred again after a decline, so a referral or decision is also known by its time.
NATURAL_KEYS = {
    "inspection.completed": ("inspection_id",),
    "case.opened": ("case_id",),
    "case.referred": ("case_id", "referred_at"),
    "case.accepted": ("case_id", "decided_at"),
    "case.declined": ("case_id", "decided_at"),
    "case.closed": ("case_id",),
    "cooperation.notice_received": ("partner_agency", "notice_id"),
}


class EventLines:
    """Reads JSON Lines whose events belong to ``families`` (the first one names the adapter)."""

    def __init__(self, publisher: str, families: tuple[str, ...]) -> None:
        self.publisher = publisher
        self.families = families
        self.family = families[0]

    def read(self, path: Path) -> Iterator[ParsedUnit]:
        units = 0
        with open(path, "rb") as handle:
            for number, raw, overlong in _lines(handle):
                if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                    raw = raw[3:]  # a UTF-8 byte order mark some editors write
                if overlong:
                    text = raw[:QUOTED].decode("utf-8", errors="replace")
                    units += 1
                    reason = f"line longer than {MAX_LINE:,} bytes (first {QUOTED} characters kept here)"
                    yield ParsedUnit(number, text, errors=[FieldError("line", reason)])
                    continue
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    units += 1
                    reason = f"not valid UTF-8 at byte {exc.start + 1}"
                    yield ParsedUnit(number, raw.decode("utf-8", errors="replace"), errors=[FieldError("line", reason)])
                    continue
                if not text.strip():
                    continue  # blank line
                units += 1
                yield self._unit(number, text)
        if not units:
            yield ParsedUnit(1, "", errors=[FieldError("file", "empty file: expected one JSON object per line")])

    def _unit(self, number: int, text: str) -> ParsedUnit:
        decoded = decode_line(text.rstrip("\r\n"), self.families, FILLED_IN)
        if decoded.errors or decoded.record is None:
            return ParsedUnit(number, text, errors=decoded.errors, family=decoded.family)
        record = decoded.record
        header = record["header"]
        header["publisher"] = header["publisher"] or self.publisher
        if header["event_id"] is None:
            key = "|".join(_key_text(record[f]) for f in NATURAL_KEYS[header["event_type"]])
            header["event_id"] = values.derived_event_id(header["publisher"], header["event_type"], key)
        errors = check_event(record)
        if errors:
            return ParsedUnit(number, text, errors=errors, family=decoded.family)
        return ParsedUnit(number, text, records=[record], family=decoded.family)


def _key_text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _lines(handle: IO[bytes]) -> Iterator[tuple[int, bytes, bool]]:
    """(1-based line number, bytes, whether the line was cut at MAX_LINE) for each line of ``handle``."""
    number = 0
    while True:
        raw = handle.readline(MAX_LINE + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            rest = raw
            while rest and not rest.endswith(b"\n"):  # skip the rest of the line without holding it
                rest = handle.readline(MAX_LINE)
            yield number, raw, True
        else:
            yield number, raw, False


def inspections(publisher: str) -> EventLines:
    """Inspection and case events (`iprx produce inspections`)."""
    return EventLines(publisher, ("inspection", "case"))


def cooperation(publisher: str) -> EventLines:
    """Inbound partner notices (`iprx produce cooperation`)."""
    return EventLines(publisher, ("cooperation",))
