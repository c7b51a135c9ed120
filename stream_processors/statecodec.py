"""JSON-compatible form of rule state, so it can live in a changelog-backed table.

State classes are frozen dataclasses of str/int/float/bool/Decimal/datetime/Evidence, nested
dataclasses, tuples and str-keyed dicts; the codec walks their type hints, so a state class needs no
serialisation code of its own. Decimals become strings (no float rounding of money) and datetimes
ISO 8601 strings with their UTC offset.

Every event of a stateful rule loads and stores its key's state, so the walk is done once per type:
``to_json`` keeps one encoder per runtime type and ``from_json`` one decoder per type hint, each a
closure over the field names and the fields' own coders (walking the hints for every value was most
of the worker's time).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")
Coder = Callable[[Any], Any]
# Values that are their own JSON form; their coder is skipped rather than called.
_PLAIN: frozenset[type] = frozenset({str, int, float, bool, type(None)})


def to_json(value: Any) -> Any:
    """``value`` as JSON-compatible data (dicts, lists, str, int, float, bool, None)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    return _encoder(kind)(value)


def from_json(cls: type[T], data: Any) -> T:
    """Rebuild an instance of dataclass ``cls`` from what :func:`to_json` produced."""
    return _decoder(cls)(data)


def _identity(value: Any) -> Any:
    return value


def _datetime_to_json(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} in rule state; event times must be tz-aware UTC")
    return value.isoformat()


def _sequence_to_json(value: tuple[Any, ...] | list[Any]) -> list[Any]:
    return [to_json(v) for v in value]


def _dict_to_json(value: dict[Any, Any]) -> dict[str, Any]:
    return {str(k): to_json(v) for k, v in value.items()}


@cache
def _encoder(kind: type) -> Coder:
    """How to encode a value of runtime type ``kind`` (decided as ``isinstance`` checks would)."""
    if dataclasses.is_dataclass(kind):
        names = tuple(f.name for f in dataclasses.fields(kind))

        def dataclass_to_json(value: Any) -> dict[str, Any]:
            out = {}
            for name in names:
                v = getattr(value, name)
                out[name] = v if type(v) in _PLAIN else to_json(v)
            return out

        return dataclass_to_json
    if issubclass(kind, datetime):
        return _datetime_to_json
    if issubclass(kind, Decimal):
        return str
    if issubclass(kind, tuple | list):
        return _sequence_to_json
    if issubclass(kind, dict):
        return _dict_to_json
    return _identity


@cache
def _decoder(tp: Any) -> Coder:
    """How to rebuild a value of type hint ``tp`` from its JSON form."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        decode_inner = _decoder(inner)
        return lambda data: None if data is None else decode_inner(data)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            decode_item = _decoder(args[0])
            return lambda data: tuple(map(decode_item, data))
        decoders = tuple(_decoder(a) for a in args)
        return lambda data: tuple(d(v) for d, v in zip(decoders, data, strict=True))
    if origin is dict:
        _, value_type = typing.get_args(tp)
        decode_value = _decoder(value_type)
        return lambda data: {k: decode_value(v) for k, v in data.items()}
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        plan = tuple((f.name, _decoder(hints[f.name])) for f in dataclasses.fields(tp))
        plan = tuple((name, None if d is _identity else d) for name, d in plan)

        def dataclass_from_json(data: dict[str, Any]) -> Any:
            kwargs = {}
            for name, decode in plan:
                if name in data:
                    v = data[name]
                    kwargs[name] = v if decode is None else decode(v)
            return tp(**kwargs)

        return dataclass_from_json
    if tp is datetime:
        return datetime.fromisoformat
    if tp is Decimal:
        return Decimal
    if tp is float:
        return float
    return _identity
