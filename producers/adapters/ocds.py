"""OCDS procurement data in the standard's own formats: release packages, record packages, JSON Lines.

The format is told from the content: a JSON object with a ``records`` array is a record package,
one with a ``releases`` array a release package (unless ``compiledRelease``/``versionedRelease``
or ``ocid`` come first: then it is a single record); any other object is a release, the first of
JSON Lines. Packages are streamed one release (or record) at a time; each release becomes one
:class:`ParsedUnit` whose ``line`` is where the release starts. Mapping: ocds_mapping.py.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from iprx.kernel import codes
from iprx.kernel.checks import FieldError
from iprx.kernel.limits import MAX_EVENT_BYTES
from iprx.producers.adapters.base import ParsedUnit
from iprx.producers.adapters.json_stream import JsonSyntaxError, Scanner, TooLarge
from iprx.producers.adapters.ocds_mapping import map_release

RECORD_KEYS = frozenset({"compiledRelease", "versionedRelease", "ocid"})
_RECORD_MEMBER = re.compile(rb'"(?:compiledRelease|versionedRelease)"\s*:')
FORMATS = "an OCDS release package, record package or JSON Lines of releases"
# The longest release (or record) read: its event could not be under MAX_EVENT_BYTES anyway, and
# parsing it would take about ten times its size in memory.
MAX_UNIT_CHARS = 8 * MAX_EVENT_BYTES
# A \uXXXX escape of a UTF-16 surrogate: valid JSON, but alone it is no character UTF-8 can encode.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")

UnitMaker = Callable[[int, str, str], Iterator[ParsedUnit]]


class _Stop(Exception):
    """The rest of the file cannot be read (the error is already reported)."""


def publisher_jurisdiction(publisher: str) -> str | None:
    """The MEMBER part of ``INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`` if it is a division or ministry code."""
    parts = publisher.split("/")
    member = parts[2] if len(parts) >= 3 else ""
    return member if codes.is_jurisdiction(member) else None


class OcdsProcurement:
    family = "procurement"

    def __init__(self, publisher: str) -> None:
        self.publisher = publisher
        self.jurisdiction = publisher_jurisdiction(publisher)

    def read(self, path: Path) -> Iterator[ParsedUnit]:
        # newline="": a unit's text is the file's own bytes, line ends included.
        with open(path, encoding="utf-8-sig", newline="") as handle:
            scanner = Scanner(handle, max_capture=MAX_UNIT_CHARS)
            try:
                yield from self._document(scanner, lambda: _names_a_record(path))
            except _Stop:
                return
            except JsonSyntaxError as exc:
                yield ParsedUnit(exc.line, exc.text, errors=[FieldError("file", exc.message)])
            except TooLarge as exc:  # the whole file is one release or record
                yield _too_large(exc, "")
            except UnicodeDecodeError as exc:
                reason = f"not UTF-8 ({exc.reason}) in the part read after line {scanner.line}"
                yield ParsedUnit(scanner.line, "", errors=[FieldError("file", reason)])

    def _document(self, sc: Scanner, names_a_record: Callable[[], bool]) -> Iterator[ParsedUnit]:
        first = sc.peek()
        if not first:
            yield ParsedUnit(1, "", errors=[FieldError("file", f"empty file: expected {FORMATS}")])
            return
        if first != "{":
            raise JsonSyntaxError(sc.line, f"expected {FORMATS} (a JSON object), found {first!r}")
        line = sc.begin()
        seen: set[str] = set()
        mode = None
        for key in sc.members():
            array = sc.peek() == "["
            if mode is None and array and key == "records":
                mode = "package"
                sc.abandon()
                yield from self._array(sc, "records", self._record)
            elif mode is None and array and key == "releases" and not (seen & RECORD_KEYS or names_a_record()):
                mode = "package"
                sc.abandon()
                yield from self._array(sc, "releases", self._release)
            else:
                if mode is None and (key in RECORD_KEYS - {"ocid"} or (key == "releases" and "ocid" in seen)):
                    mode = "record"
                sc.skip()
            seen.add(key)
        if mode == "package":
            if sc.peek():
                raise JsonSyntaxError(sc.line, "unexpected text after the end of the package")
            return
        text = sc.end()
        if mode == "record":  # a single record, as publishers' APIs return them
            yield from self._record(line, text, "")
            if sc.peek():
                raise JsonSyntaxError(sc.line, "unexpected text after the end of the record")
            return
        yield from self._release(line, text, "")
        while True:  # JSON Lines: one release per line
            try:
                got = sc.rest_of_line()
            except TooLarge as exc:
                yield _too_large(exc, "")
                continue
            if got is None:
                return
            number, text = got
            if text.strip():
                yield from self._release(number, text, "")

    def _array(self, sc: Scanner, name: str, make: UnitMaker) -> Iterator[ParsedUnit]:
        for n in sc.elements():
            where = f"{name}[{n}]"
            try:
                line, text = sc.capture()
            except TooLarge as exc:
                yield _too_large(exc, where)
                continue
            except JsonSyntaxError as exc:
                yield ParsedUnit(exc.line, exc.text, errors=[FieldError(where, exc.message)], unit=where)
                raise _Stop from None
            yield from make(line, text, where)

    def _release(self, line: int, text: str, where: str) -> Iterator[ParsedUnit]:
        parsed = _parse(line, text, where or "release")
        if isinstance(parsed, FieldError):
            yield ParsedUnit(line, text, errors=[parsed], unit=where or None)
            return
        yield self._unit(line, text, parsed, where)

    def _unit(self, line: int, text: str, release: Any, where: str) -> ParsedUnit:
        if isinstance(release, dict) and "url" in release and "ocid" not in release:
            note = f"{where}: a linked release ({release.get('url')}), not embedded; not fetched, not published"
            return ParsedUnit(line, text, notes=[note], unit=where or None)
        mapped = map_release(release, where, self.publisher, self.jurisdiction)
        unit = ParsedUnit(line, text, mapped.records, mapped.errors, mapped.notes, unit=where or None)
        unit.tolerated, unit.unresolved = mapped.tolerated, mapped.unresolved
        return unit

    def _record(self, line: int, text: str, where: str) -> Iterator[ParsedUnit]:
        """A record: its compiledRelease when present, otherwise each release embedded in full."""
        record = _parse(line, text, where or "record")
        if isinstance(record, FieldError) or not isinstance(record, dict):
            error = record if isinstance(record, FieldError) else FieldError(where or "record", "expected an object")
            yield ParsedUnit(line, text, errors=[error], unit=where or None)
            return
        # Scan the record's own text again (it is valid JSON now) for the lines and verbatim texts.
        sub = Scanner(io.StringIO(text), first_line=line)
        compiled: tuple[int, str] | None = None
        releases: list[tuple[int, str]] = []
        for key in sub.members():
            if key == "compiledRelease" and isinstance(record.get(key), dict):
                compiled = sub.capture()
            elif key == "releases" and isinstance(record.get(key), list):
                releases = [sub.capture() for _ in sub.elements()]
            else:
                sub.skip()
        prefix = f"{where}." if where else ""
        if compiled is not None:
            yield self._unit(*compiled, record["compiledRelease"], f"{prefix}compiledRelease")
            return
        if not releases:
            reason = "a record needs a compiledRelease or releases"
            yield ParsedUnit(line, text, errors=[FieldError(where or "record", reason)], unit=where or None)
            return
        for n, ((release_line, release_text), release) in enumerate(zip(releases, record["releases"], strict=True)):
            yield self._unit(release_line, release_text, release, f"{prefix}releases[{n}]")


def _names_a_record(path: Path) -> bool:
    """Whether the file has a ``compiledRelease`` or ``versionedRelease`` member anywhere.

    Asked only when a top-level ``releases`` array comes before any member that says "record": a
    release package never has these members, a single record (as publishers' APIs return them) may
    list them after its releases. A byte search, far faster than scanning the JSON.
    """
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            # A member name cut by the chunk boundary is found in the tail plus the chunk's start.
            if _RECORD_MEMBER.search(chunk) or _RECORD_MEMBER.search(tail + chunk[:64]):
                return True
            tail = chunk[-64:]
    return False


def _parse(line: int, text: str, where: str) -> Any:
    """The JSON value of ``text``, or a :class:`FieldError` saying why it cannot be read."""
    try:
        value = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        return FieldError(where, f"invalid JSON at line {line + exc.lineno - 1}, column {exc.colno}: {exc.msg}")
    except RecursionError:
        return FieldError(where, "JSON nested too deeply to read (about 1,000 levels or more)")
    if _SURROGATE_ESCAPE.search(text):  # rare: only then walk the value for the string
        found = _lone_surrogate(value, where)
        if found is not None:
            return found
    return value


def _lone_surrogate(value: Any, where: str) -> FieldError | None:
    """The first string (or key) of ``value`` holding a lone UTF-16 surrogate, as a field error."""
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:  # iterative: the value may be nested up to the parser's own limit
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, child in reversed(item.items()):
                stack.append((f"{path}.{key}", child))
                stack.append((f"{path} (a key)", key))
        elif isinstance(item, list):
            stack.extend((f"{path}[{n}]", child) for n, child in reversed(list(enumerate(item))))
        elif isinstance(item, str):
            bad = next((c for c in item if "\ud800" <= c <= "\udfff"), None)
            if bad is not None:
                return FieldError(path, f"lone surrogate \\u{ord(bad):04x} in a string: not a character, not UTF-8")
    return None


def _too_large(exc: TooLarge, where: str) -> ParsedUnit:
    """Rejects a release (or record) too long to read; the unit's text is its excerpt."""
    reason = f"{exc.size:,} characters of JSON, over the limit of {MAX_UNIT_CHARS:,} for one release or record"
    return ParsedUnit(exc.line, exc.excerpt, errors=[FieldError(where or "release", reason)], unit=where or None)
