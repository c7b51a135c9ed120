"""Hypothesis strategies that generate valid records for any Avro schema of the catalog.

Values are generated in the shape fastavro returns when decoding (UUID objects, aware datetimes
with millisecond precision, Decimals at the schema's scale), so a round trip must return them equal.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_PRIMITIVES = {
    "null": st.none(),
    "boolean": st.booleans(),
    "int": st.integers(-(2**31), 2**31 - 1),
    "long": st.integers(-(2**63), 2**63 - 1),
    "float": st.floats(width=32, allow_nan=False),
    "double": st.floats(allow_nan=False),
    "bytes": st.binary(max_size=32),
    "string": st.text(max_size=24),
}


def records(schema: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Records valid for ``schema`` (an expanded or fastavro-parsed schema)."""
    return _strategy(schema, {}, None)


def _full(name: str, namespace: str | None) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


def _strategy(schema: Any, named: dict[str, st.SearchStrategy[Any]], namespace: str | None) -> st.SearchStrategy:
    if isinstance(schema, list):
        return st.one_of([_strategy(branch, named, namespace) for branch in schema])
    if isinstance(schema, str):
        if schema in _PRIMITIVES:
            return _PRIMITIVES[schema]
        return named[_full(schema, namespace)]
    kind = schema["type"]
    logical = schema.get("logicalType")
    if logical == "uuid":
        return st.uuids()
    if logical == "timestamp-millis":
        # Milliseconds within years 1900-2100: the range publishers use and datetime can represent.
        return st.integers(-2_208_988_800_000, 4_102_444_800_000).map(lambda ms: EPOCH + timedelta(milliseconds=ms))
    if logical == "decimal":
        digits, scale = schema["precision"], schema.get("scale", 0)
        bound = 10**digits - 1
        return st.integers(-bound, bound).map(lambda n: Decimal(n).scaleb(-scale))
    if kind == "record":
        name = _full(schema["name"], schema.get("namespace", namespace))
        inner = schema.get("namespace", name.rpartition(".")[0])
        named[name] = st.deferred(lambda: built)
        built = st.fixed_dictionaries({f["name"]: _strategy(f["type"], named, inner) for f in schema["fields"]})
        named[name] = built
        return built
    if kind == "enum":
        built = st.sampled_from(schema["symbols"])
        named[_full(schema["name"], schema.get("namespace", namespace))] = built
        return built
    if kind == "fixed":
        built = st.binary(min_size=schema["size"], max_size=schema["size"])
        named[_full(schema["name"], schema.get("namespace", namespace))] = built
        return built
    if kind == "array":
        return st.lists(_strategy(schema["items"], named, namespace), max_size=3)
    if kind == "map":
        return st.dictionaries(st.text(max_size=8), _strategy(schema["values"], named, namespace), max_size=3)
    return _strategy(kind, named, namespace)


def uuids_as_text(value: Any) -> Any:
    """``value`` with UUID objects as text: the avro library takes uuid-typed values as strings."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: uuids_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [uuids_as_text(v) for v in value]
    return value
