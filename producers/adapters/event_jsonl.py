"""Events as JSON Lines: one JSON object per line, shaped exactly like the event's Avro schema.

The shape (docs/input-formats.md): field names as in the .avsc, ``header.event_type`` selects the
schema; timestamp-millis fields are ISO 8601 strings with an offset, decimals are JSON strings
("1234.50", integer JSON numbers accepted too), enums are their symbol, a union is its plain value
or null (not Avro's ``{"type": value}`` JSON wrapping), and a missing field takes its default.
"""

from __future__ import annotations

import copy
import functools
import json
import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from iprx.kernel.checks import FieldError
from iprx.producers.adapters import values
from iprx.producers.families import FAMILIES
from iprx.schemas import default_catalog

Record = dict[str, Any]
_BAD = object()  # a value that failed to decode (its error is already recorded)
_INT_RANGE = {"int": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}


@dataclass
class Decoded:
    """A JSON line turned into a record of ``family``, or the errors that stop it."""

    family: str | None = None
    record: Record | None = None
    errors: list[FieldError] = field(default_factory=list)


@functools.cache
def _schema(name: str) -> tuple[Any, dict[str, Any]]:
    """The expanded schema and its named types: a branch the data skips may define one used later."""
    expanded = default_catalog().get(name).expanded
    named: dict[str, Any] = {}

    def index(schema: Any, namespace: str) -> None:
        if isinstance(schema, list):
            for branch in schema:
                index(branch, namespace)
        elif isinstance(schema, dict):
            kind = schema.get("type")
            if kind in ("record", "enum", "fixed"):
                full = _full(schema["name"], schema.get("namespace", namespace))
                named[full] = schema
                namespace = full.rpartition(".")[0]
            for f in schema.get("fields", []) if kind == "record" else []:
                index(f["type"], namespace)
            if kind == "array":
                index(schema["items"], namespace)
            elif kind == "map":
                index(schema["values"], namespace)
            elif isinstance(kind, (dict, list)):
                index(kind, namespace)

    index(expanded, "")
    return expanded, named


def _full(name: str, namespace: str | None) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


def schema_name(family: str, record: Mapping[str, Any]) -> str:
    """The Avro schema of ``record`` in ``family`` by its ``header.event_type``; FieldError otherwise."""
    chosen = FAMILIES[family].schema_for(dict(record))
    if isinstance(chosen, FieldError):
        raise chosen
    return chosen


# --- encoding: record -> line ------------------------------------------------------------------


def encode_line(family: str, record: Mapping[str, Any]) -> str:
    """The JSON line (without its newline) of ``record``, an event of ``family``.

    The inverse of :func:`decode_line`. A ``None`` where the schema does not allow null is left out
    (e.g. ``header.published_at`` before publishing), so the reader applies its default or rule.
    """
    schema, named = _schema(schema_name(family, record))
    return json.dumps(_to_json(schema, record, named), ensure_ascii=False, separators=(",", ":"))


def _to_json(schema: Any, value: Any, named: dict[str, Any]) -> Any:
    if isinstance(schema, str):
        schema = named.get(schema, {"type": schema})
    if isinstance(schema, list):
        if value is None:
            return None
        branch = next((b for b in schema if b != "null" and _fits(b, value, named)), None)
        if branch is None:
            raise TypeError(f"{value!r} matches no branch of {schema}")
        return _to_json(branch, value, named)
    kind, logical = schema["type"], schema.get("logicalType")
    if isinstance(kind, (dict, list)):
        return _to_json(kind, value, named)
    if logical == "timestamp-millis":
        return _iso(value)
    if logical == "decimal":
        return f"{Decimal(value).quantize(Decimal(1).scaleb(-schema.get('scale', 0))):f}"
    if logical == "uuid":
        return str(value)
    if kind == "record":
        out = {}
        for f in schema["fields"]:
            v = value.get(f["name"])
            if v is None and not _nullable(f["type"]):
                continue
            out[f["name"]] = _to_json(f["type"], v, named)
        return out
    if kind == "array":
        return [_to_json(schema["items"], v, named) for v in value]
    if kind == "map":
        return {k: _to_json(schema["values"], v, named) for k, v in value.items()}
    if kind in ("bytes", "fixed"):
        return bytes(value).decode("latin-1")  # Avro's JSON encoding of bytes: one code point per byte
    return value


def _iso(value: datetime) -> str:
    """UTC, milliseconds only when there are any: ``2026-03-01T00:30:00Z``, ``...00:30:00.250Z``."""
    utc = value.astimezone(UTC)
    text = utc.isoformat(timespec="milliseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def _nullable(schema: Any) -> bool:
    return schema == "null" or (isinstance(schema, list) and "null" in schema)


def _fits(schema: Any, value: Any, named: dict[str, Any]) -> bool:
    """Whether a Python value belongs to a union branch (to pick the branch when encoding)."""
    if isinstance(schema, str):
        schema = named.get(schema, {"type": schema})
    kind, logical = schema["type"], schema.get("logicalType")
    if isinstance(kind, (dict, list)):
        return _fits(kind, value, named)
    if logical == "timestamp-millis":
        return isinstance(value, datetime)
    if logical == "decimal":
        return isinstance(value, Decimal)
    if logical == "uuid":
        return isinstance(value, (uuid.UUID, str))
    if kind == "record":
        return isinstance(value, Mapping) and set(value) <= {f["name"] for f in schema["fields"]}
    checks: dict[str, Any] = {
        "boolean": lambda v: isinstance(v, bool),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "double": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "string": lambda v: isinstance(v, str),
        "enum": lambda v: isinstance(v, str) and v in schema["symbols"],
        "bytes": lambda v: isinstance(v, (bytes, bytearray)),
        "fixed": lambda v: isinstance(v, (bytes, bytearray)) and len(v) == schema["size"],
        "array": lambda v: isinstance(v, list),
        "map": lambda v: isinstance(v, Mapping),
    }
    return checks.get(kind, lambda v: False)(value)


# --- decoding: line -> record ------------------------------------------------------------------


class _Duplicate(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(f"key {key!r} appears twice in one object")
        out[key] = value
    return out


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(text: str) -> Any:
    """Parse one line; numbers with a fraction or exponent stay exact (Decimal) so they can be refused."""
    return json.loads(text, parse_float=Decimal, parse_constant=_no_constants, object_pairs_hook=_no_duplicates)


def decode_line(text: str, families: Iterable[str], optional: Collection[str] = ()) -> Decoded:
    """Parse a JSON line into a record of whichever of ``families`` its ``header.event_type`` names.

    ``optional`` lists field paths (e.g. ``header.event_id``) that may be missing although the
    schema requires them: they come back as ``None`` for the caller to fill in.
    """
    try:
        obj = parse_json(text)
    except _Duplicate as exc:
        return Decoded(errors=[FieldError("line", str(exc))])
    except json.JSONDecodeError as exc:
        return Decoded(errors=[FieldError("line", f"not valid JSON: {exc.msg} (column {exc.colno})")])
    except (ValueError, RecursionError) as exc:
        return Decoded(errors=[FieldError("line", f"not valid JSON: {exc}")])
    return decode_object(obj, families, optional)


def decode_object(obj: Any, families: Iterable[str], optional: Collection[str] = ()) -> Decoded:
    """Like :func:`decode_line`, for an already parsed JSON value."""
    if not isinstance(obj, dict):
        return Decoded(errors=[FieldError("line", f"expected a JSON object, got {_json_type(obj)}")])
    header = obj.get("header")
    if not isinstance(header, dict):
        reason = "is required" if header is None else f"expected an object, got {_json_type(header)}"
        return Decoded(errors=[FieldError("header", reason)])
    event_type = header.get("event_type")
    if not isinstance(event_type, str):
        reason = "is required" if event_type is None else f"expected a string, got {_json_type(event_type)}"
        return Decoded(errors=[FieldError("header.event_type", reason)])
    families = list(families)
    family = next((f for f in families if event_type in FAMILIES[f].schemas), None)
    if family is None:
        known = sorted(t for f in families for t in FAMILIES[f].schemas)
        reason = f"unknown event type {event_type!r}; expected one of {known}"
        return Decoded(errors=[FieldError("header.event_type", reason)])
    schema, named = _schema(FAMILIES[family].schemas[event_type])
    errors: list[FieldError] = []
    record = _decode(schema, obj, "", named, errors, frozenset(optional))
    if errors:
        return Decoded(family, None, errors)
    return Decoded(family, record, [])


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return f"the number {value}"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _path(parent: str, name: str) -> str:
    return f"{parent}.{name}" if parent else name


def _decode(
    schema: Any, value: Any, path: str, named: dict[str, Any], errors: list[FieldError], optional: frozenset[str]
) -> Any:
    where = path or "line"

    def bad(reason: str) -> Any:
        errors.append(FieldError(where, reason))
        return _BAD

    if isinstance(schema, str):
        schema = named.get(schema, {"type": schema})
    if isinstance(schema, list):
        return _decode_union(schema, value, path, named, errors, optional)
    kind, logical = schema["type"], schema.get("logicalType")
    if isinstance(kind, (dict, list)):
        return _decode(kind, value, path, named, errors, optional)
    if value is None and kind != "null":
        return bad("must not be null")
    if logical == "timestamp-millis":
        if not isinstance(value, str):
            return bad(f"expected an ISO 8601 date-time string, got {_json_type(value)}")
        try:
            return values.timestamp(where, value)
        except FieldError as exc:
            return bad(exc.reason)
    if logical == "decimal":
        return _decode_decimal(schema, value, bad)
    if logical == "uuid":
        if not isinstance(value, str):
            return bad(f"expected a UUID string, got {_json_type(value)}")
        try:
            return str(uuid.UUID(value))
        except ValueError:
            return bad(f"{value!r} is not a UUID")
    if kind == "record":
        return _decode_record(schema, value, path, named, errors, optional, bad)
    if kind == "enum":
        if not isinstance(value, str) or value not in schema["symbols"]:
            shown = repr(value) if isinstance(value, str) else _json_type(value)
            return bad(f"{shown} is not one of {', '.join(schema['symbols'])}")
        return value
    if kind == "array":
        if not isinstance(value, list):
            return bad(f"expected an array, got {_json_type(value)}")
        items = [_decode(schema["items"], v, f"{where}[{i}]", named, errors, optional) for i, v in enumerate(value)]
        return _BAD if any(v is _BAD for v in items) else items
    if kind == "map":
        if not isinstance(value, dict):
            return bad(f"expected an object, got {_json_type(value)}")
        entries = {k: _decode(schema["values"], v, _path(path, k), named, errors, optional) for k, v in value.items()}
        return _BAD if any(v is _BAD for v in entries.values()) else entries
    if kind in _INT_RANGE:
        if not isinstance(value, int) or isinstance(value, bool):
            return bad(f"expected a whole number, got {_json_type(value)}")
        low, high = _INT_RANGE[kind]
        return value if low <= value <= high else bad(f"{value} is out of range for an Avro {kind}")
    if kind in ("float", "double"):
        if not isinstance(value, (int, Decimal)) or isinstance(value, bool):
            return bad(f"expected a number, got {_json_type(value)}")
        return float(value)
    if kind == "boolean":
        return value if isinstance(value, bool) else bad(f"expected true or false, got {_json_type(value)}")
    if kind == "string":
        return value if isinstance(value, str) else bad(f"expected a string, got {_json_type(value)}")
    if kind in ("bytes", "fixed"):
        if not isinstance(value, str):
            return bad(f"expected a string, got {_json_type(value)}")
        try:
            data = value.encode("latin-1")
        except UnicodeEncodeError:
            return bad("bytes are written one character per byte (U+0000 to U+00FF)")
        if kind == "fixed" and len(data) != schema["size"]:
            return bad(f"expected {schema['size']} bytes, got {len(data)}")
        return data
    if kind == "null":
        return None if value is None else bad(f"expected null, got {_json_type(value)}")
    return bad(f"unsupported schema type {kind!r}")


def _decode_decimal(schema: dict[str, Any], value: Any, bad: Any) -> Any:
    scale, precision = schema.get("scale", 0), schema["precision"]
    if isinstance(value, str):
        try:
            amount = Decimal(value)
        except InvalidOperation:
            return bad(f"{value!r} is not a decimal number")
        if not amount.is_finite():
            return bad(f"{value!r} is not a decimal number")
    elif isinstance(value, int) and not isinstance(value, bool):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        # A JSON number with a fraction went through binary floating point in most writers.
        return bad(f'write decimal amounts as JSON strings, e.g. "{value}", not as the number {value}')
    else:
        return bad(f"expected a decimal amount as a string, got {_json_type(value)}")
    if amount.as_tuple().exponent < -scale:  # type: ignore[operator]
        return bad(f"{value!r} has more than {scale} decimal places")
    quantized = amount.quantize(Decimal(1).scaleb(-scale))
    if len(quantized.as_tuple().digits) > precision:
        return bad(f"{value!r} is too large for decimal({precision},{scale})")
    return quantized


def _decode_record(
    schema: dict[str, Any],
    value: Any,
    path: str,
    named: dict[str, Any],
    errors: list[FieldError],
    optional: frozenset[str],
    bad: Any,
) -> Any:
    if not isinstance(value, dict):
        return bad(f"expected an object, got {_json_type(value)}")
    names = [f["name"] for f in schema["fields"]]
    failed = False
    for key in value:
        if key not in names:  # most likely a misspelt field, whose value would otherwise be lost
            errors.append(FieldError(_path(path, key), f"unknown field; {schema['name']} has {', '.join(names)}"))
            failed = True
    out: Record = {}
    for f in schema["fields"]:
        here = _path(path, f["name"])
        if here in optional and value.get(f["name"]) is None:
            out[f["name"]] = None  # not given (missing or null): the caller fills it in
        elif f["name"] in value:
            out[f["name"]] = _decode(f["type"], value[f["name"]], here, named, errors, optional)
            failed = failed or out[f["name"]] is _BAD
        elif "default" in f:
            # Defaults in these schemas are JSON literals in the record's own shape (null, 0, false, [], symbols).
            out[f["name"]] = copy.deepcopy(f["default"])
        else:
            errors.append(FieldError(here, "is required"))
            failed = True
    return _BAD if failed else out


def _decode_union(
    schema: list[Any], value: Any, path: str, named: dict[str, Any], errors: list[FieldError], optional: frozenset[str]
) -> Any:
    if value is None and "null" in schema:
        return None
    branches = [b for b in schema if b != "null"]
    if len(branches) == 1:  # the usual optional field: its errors are the branch's own
        return _decode(branches[0], value, path, named, errors, optional)
    for branch in branches:
        attempt: list[FieldError] = []
        decoded = _decode(branch, value, path, named, attempt, optional)
        if not attempt:
            return decoded
    errors.append(FieldError(path or "line", f"{_json_type(value)} matches none of the types {branches}"))
    return _BAD
