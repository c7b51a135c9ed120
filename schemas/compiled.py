"""Avro binary encoders and decoders generated per schema: the fast path under both wire formats.

fastavro's ``schemaless_writer`` picks each union branch by validating the value against the branches,
which is most of the cost of encoding an event (callgrind: about 80% of 341k instructions per seizure),
and its reader walks the schema for every value. Here each schema is turned once into Python source,
one function per record type with every field's code written out, and compiled.

The generated code is strict: a value of a Python type it does not expect (a tuple for an array, an int
for a double, a naive datetime, a missing record without a default...) or a byte it does not expect
(a boolean of 2, an enum or union index out of range, a truncated body, bad UTF-8) raises, and
``iprx.schemas.avro_body`` then runs fastavro on the same input, which writes, reads or refuses it as
it always did. Where the generated code succeeds, its bytes and values are fastavro's; the property
tests of tests/unit/test_compiled_avro.py check that for every schema and version of the catalogue.
Schemas with features outside what it generates (unions of several non-null types, logical types other
than decimal on bytes, timestamp-millis/-micros and uuid) get no compiled form and always use fastavro.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Context, Decimal
from typing import Any
from uuid import UUID

Encoder = Callable[[Mapping[str, Any]], bytes]
Decoder = Callable[[bytes, int], tuple[dict[str, Any], int]]


class NotCompilable(Exception):
    """The schema uses something the generator does not write code for; fastavro handles it."""


class Unexpected(Exception):
    """A value or byte the generated code does not handle; the caller falls back to fastavro."""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}


def _zigzag(n: int) -> bytes:
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_SMALL = [_zigzag(n) for n in range(-1024, 1024)]


def _long(n: int) -> bytes:
    """The zig-zag varint of a long (the caller has checked the range)."""
    if -1024 <= n < 1024:
        return _SMALL[n + 1024]
    return _zigzag(n)


def _read_long(data: bytes, pos: int) -> tuple[int, int]:
    """A zig-zag varint at ``pos`` of at most 10 bytes and 64 bits; the value and the position after it."""
    n = shift = 0
    while True:
        b = data[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        if b < 0x80:
            break
        shift += 7
        if shift > 63:
            raise Unexpected("varint longer than 10 bytes")
    if n >> 64:
        raise Unexpected("varint over 64 bits")
    return (n >> 1) ^ -(n & 1), pos


def _decimal_bytes(value: Decimal, precision: int, scale: int) -> bytes:
    """fastavro's prepare_bytes_decimal: the unscaled value, big-endian two's complement, fewest bytes."""
    sign, digits, exp = value.as_tuple()
    if not isinstance(exp, int) or len(digits) > precision or exp + scale < 0:
        raise Unexpected("decimal not representable at the schema's precision and scale")
    unscaled = 0
    for digit in digits:
        unscaled = unscaled * 10 + digit
    unscaled *= 10 ** (exp + scale)
    size = (unscaled.bit_length() + 8) // 8
    return (-unscaled if sign else unscaled).to_bytes(size, "big", signed=True)


def _millis(value: datetime) -> int:
    delta = value - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + int(delta.microseconds / 1000)


def _micros(value: datetime) -> int:
    delta = value - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


_NAMESPACE: dict[str, Any] = {
    "Unexpected": Unexpected,
    "_long": _long,
    "_SMALL": _SMALL,
    "_read_long": _read_long,
    "_decimal_bytes": _decimal_bytes,
    "_millis": _millis,
    "_micros": _micros,
    "_EPOCH": _EPOCH,
    "_timedelta": timedelta,
    "_datetime": datetime,
    "_Decimal": Decimal,
    "_UUID": UUID,
    "_pack_d": struct.Struct("<d").pack,
    "_pack_f": struct.Struct("<f").pack,
    "_unpack_d": struct.Struct("<d").unpack_from,
    "_unpack_f": struct.Struct("<f").unpack_from,
    "_from_bytes": int.from_bytes,
}


class _Source:
    """Python source being written: indented lines, fresh local names and constants."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self._count = 0

    def name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def constant(self, value: Any) -> str:
        name = self.name("_c")
        self.constants[name] = value
        return name

    def add(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


def _kind(schema: str | Mapping[str, Any]) -> tuple[Any, str | None]:
    """A (resolved, non-union) schema's type and logical type."""
    if isinstance(schema, str):
        return schema, None
    return schema["type"], schema.get("logicalType")


def _full_name(name: str, namespace: str | None) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"


class _Generator:
    """Walks an expanded schema and writes one function per record type, writer or reader."""

    def __init__(self, writing: bool) -> None:
        self.writing = writing
        self.src = _Source()
        self.named: dict[str, tuple[str, Mapping[str, Any]]] = {}  # full name -> (namespace, schema)
        self.functions: dict[str, str] = {}  # record full name -> function name
        self.pending: list[tuple[str, str, Mapping[str, Any]]] = []

    def build(self, schema: Mapping[str, Any]) -> Callable[..., Any]:
        if not isinstance(schema, Mapping) or schema.get("type") != "record":
            raise NotCompilable("only record schemas are compiled")
        top = self._record_function(schema, None)
        while self.pending:
            function, namespace, record = self.pending.pop()
            self._write_record_function(function, namespace, record)
        namespace = dict(_NAMESPACE) | self.src.constants
        exec(compile("\n".join(self.src.lines), f"<avro {'writer' if self.writing else 'reader'}>", "exec"), namespace)
        return namespace[top]

    # Named types
    def _resolve(self, schema: Any, namespace: str | None) -> tuple[Any, str | None]:
        """A named-type reference replaced by its definition (and that definition's namespace)."""
        if isinstance(schema, str) and schema not in _PRIMITIVES:
            full = _full_name(schema, namespace)
            if full not in self.named:
                raise NotCompilable(f"unknown named type {schema}")
            return self.named[full][1], self.named[full][0]
        if isinstance(schema, Mapping) and schema.get("type") in ("record", "enum", "fixed"):
            full = _full_name(schema["name"], schema.get("namespace", namespace))
            inner = full.rpartition(".")[0] or None
            self.named.setdefault(full, (inner, schema))
            return schema, inner
        return schema, namespace

    def _record_function(self, schema: Mapping[str, Any], namespace: str | None) -> str:
        schema, inner = self._resolve(schema, namespace)
        full = _full_name(schema["name"], schema.get("namespace", namespace))
        if full not in self.functions:
            self.functions[full] = self.src.name("_w" if self.writing else "_r")
            self.pending.append((self.functions[full], inner or "", schema))
        return self.functions[full]

    def _write_record_function(self, function: str, namespace: str, schema: Mapping[str, Any]) -> None:
        src, ns = self.src, namespace or None
        if self.writing:
            src.add(0, f"def {function}(out, r):")
            src.add(1, "if type(r) is not dict: raise Unexpected('record')")
            for f in schema["fields"]:
                value = src.name("v")
                # fastavro writes datum.get(name, default): a missing field takes its default, or null.
                default = src.constant(f.get("default"))
                src.add(1, f"{value} = r.get({f['name']!r}, {default})")
                self._write(f["type"], value, 1, ns)
            src.add(1, "return out")
        else:
            src.add(0, f"def {function}(data, pos):")
            src.add(1, "end = len(data)")
            values = []
            for f in schema["fields"]:
                value = src.name("v")
                self._read(f["type"], value, 1, ns)
                values.append(f"{f['name']!r}: {value}")
            src.add(1, "return {" + ", ".join(values) + "}, pos")
        src.add(0, "")

    # Writing: code that appends the encoding of local `v` to bytearray `out`, or raises Unexpected.
    def _write(self, schema: Any, v: str, i: int, ns: str | None) -> None:
        src = self.src
        schema, ns = self._resolve(schema, ns)
        if isinstance(schema, list):
            self._write_union(schema, v, i, ns)
            return
        kind, logical = _kind(schema)
        if logical is not None:
            self._write_logical(schema, kind, logical, v, i)
            return
        if isinstance(kind, (list, Mapping)):  # {"type": {...}} or {"type": [...]}
            self._write(kind, v, i, ns)
            return
        if kind == "null":
            src.add(i, f"if {v} is not None: raise Unexpected('null')")
        elif kind == "boolean":
            src.add(i, f"if {v} is True: out.append(1)")
            src.add(i, f"elif {v} is False: out.append(0)")
            src.add(i, "else: raise Unexpected('boolean')")
        elif kind in ("int", "long"):
            low, high = (_INT_MIN, _INT_MAX) if kind == "int" else (_LONG_MIN, _LONG_MAX)
            src.add(i, f"if type({v}) is not int or not {low} <= {v} <= {high}: raise Unexpected({kind!r})")
            src.add(i, f"out += _SMALL[{v} + 1024] if -1024 <= {v} < 1024 else _long({v})")
        elif kind in ("float", "double"):
            src.add(i, f"if type({v}) is not float: raise Unexpected({kind!r})")
            src.add(i, f"out += {'_pack_d' if kind == 'double' else '_pack_f'}({v})")
        elif kind == "bytes":
            src.add(i, f"if type({v}) is not bytes: raise Unexpected('bytes')")
            src.add(i, f"out += _long(len({v})); out += {v}")
        elif kind == "string":
            self._write_string(v, i)
        elif kind == "enum":
            index = src.constant({s: _long(n) for n, s in enumerate(schema["symbols"])})
            b = src.name("b")
            src.add(i, f"{b} = {index}.get({v}) if type({v}) is str else None")
            src.add(i, f"if {b} is None: raise Unexpected('enum')")
            src.add(i, f"out += {b}")
        elif kind == "fixed":
            src.add(i, f"if type({v}) is not bytes or len({v}) != {int(schema['size'])}: raise Unexpected('fixed')")
            src.add(i, f"out += {v}")
        elif kind == "array":
            item = src.name("v")
            src.add(i, f"if type({v}) is not list: raise Unexpected('array')")
            src.add(i, f"if {v}:")
            src.add(i + 1, f"out += _long(len({v}))")
            src.add(i + 1, f"for {item} in {v}:")
            self._write(schema["items"], item, i + 2, ns)
            src.add(i, "out.append(0)")
        elif kind == "map":
            key, value = src.name("k"), src.name("v")
            src.add(i, f"if type({v}) is not dict: raise Unexpected('map')")
            src.add(i, f"if {v}:")
            src.add(i + 1, f"out += _long(len({v}))")
            src.add(i + 1, f"for {key}, {value} in {v}.items():")
            self._write_string(key, i + 2)
            self._write(schema["values"], value, i + 2, ns)
            src.add(i, "out.append(0)")
        elif kind == "record":
            src.add(i, f"{self._record_function(schema, ns)}(out, {v})")
        else:
            raise NotCompilable(f"type {kind!r}")

    def _write_string(self, v: str, i: int) -> None:
        b = self.src.name("b")
        self.src.add(i, f"if type({v}) is not str: raise Unexpected('string')")
        self.src.add(i, f"{b} = {v}.encode()")
        self.src.add(i, f"out += _SMALL[len({b}) + 1024] if len({b}) < 1024 else _long(len({b})); out += {b}")

    def _write_union(self, branches: list[Any], v: str, i: int, ns: str | None) -> None:
        others = [n for n, b in enumerate(branches) if b != "null"]
        if len(branches) > 2 or len(others) != 1:
            # fastavro picks among several non-null branches by validation; not generated.
            raise NotCompilable("union of several non-null types")
        (other,) = others
        if len(branches) == 2:
            src = self.src
            src.add(i, f"if {v} is None: out.append({2 * (1 - other)})")  # zig-zag of the null's index
            src.add(i, "else:")
            src.add(i + 1, f"out.append({2 * other})")
            self._write(branches[other], v, i + 1, ns)
        else:
            self.src.add(i, "out.append(0)")
            self._write(branches[0], v, i, ns)

    def _write_logical(self, schema: Mapping[str, Any], kind: str, logical: str, v: str, i: int) -> None:
        src = self.src
        if logical == "decimal" and kind == "bytes":
            precision, scale = int(schema["precision"]), int(schema.get("scale", 0))
            src.add(i, f"if type({v}) is not _Decimal: raise Unexpected('decimal')")
            src.add(i, f"{v} = _decimal_bytes({v}, {precision}, {scale})")
            src.add(i, f"out += _long(len({v})); out += {v}")
        elif logical in ("timestamp-millis", "timestamp-micros") and kind == "long":
            convert = "_millis" if logical == "timestamp-millis" else "_micros"
            src.add(i, f"if type({v}) is _datetime and {v}.tzinfo is not None: {v} = {convert}({v})")
            self._write("long", v, i, None)
        elif logical == "uuid" and kind == "string":
            src.add(i, f"if type({v}) is _UUID: {v} = str({v})")
            self._write_string(v, i)
        else:
            raise NotCompilable(f"logical type {logical} on {kind}")

    # Reading: code that reads one value at `pos` of `data` into local `t` (advancing pos), or raises.
    def _read(self, schema: Any, t: str, i: int, ns: str | None) -> None:
        src = self.src
        schema, ns = self._resolve(schema, ns)
        if isinstance(schema, list):
            # A union index below 64 is one byte, the zig-zag of n being 2n: no varint to decode.
            index = src.name("u")
            src.add(i, f"{index} = data[pos]; pos += 1")
            for n, branch in enumerate(schema):
                src.add(i, f"{'if' if n == 0 else 'elif'} {index} == {2 * n}:")
                self._read(branch, t, i + 1, ns)
            src.add(i, "else: raise Unexpected('union index')")
            return
        kind, logical = _kind(schema)
        if logical is not None:
            self._read_logical(schema, kind, logical, t, i)
            return
        if isinstance(kind, (list, Mapping)):
            self._read(kind, t, i, ns)
            return
        if kind == "null":
            src.add(i, f"{t} = None")
        elif kind == "boolean":
            b = src.name("b")
            src.add(i, f"{b} = data[pos]; pos += 1")
            src.add(i, f"if {b} > 1: raise Unexpected('boolean')")
            src.add(i, f"{t} = {b} == 1")
        elif kind in ("int", "long"):
            self._read_long(t, i)
            if kind == "int":
                src.add(i, f"if not {_INT_MIN} <= {t} <= {_INT_MAX}: raise Unexpected('int')")
        elif kind in ("float", "double"):
            width, unpack = (8, "_unpack_d") if kind == "double" else (4, "_unpack_f")
            src.add(i, f"if pos + {width} > end: raise Unexpected({kind!r})")
            src.add(i, f"{t} = {unpack}(data, pos)[0]; pos += {width}")
        elif kind in ("bytes", "string"):
            self._read_bytes(t, i)
            if kind == "string":
                src.add(i, f"{t} = {t}.decode()")
        elif kind == "enum":
            symbols = src.constant(tuple(schema["symbols"]))
            self._read_long(t, i)
            src.add(i, f"if not 0 <= {t} < {len(schema['symbols'])}: raise Unexpected('enum index')")
            src.add(i, f"{t} = {symbols}[{t}]")
        elif kind == "fixed":
            size = int(schema["size"])
            src.add(i, f"if pos + {size} > end: raise Unexpected('fixed')")
            src.add(i, f"{t} = data[pos:pos + {size}]; pos += {size}")
        elif kind in ("array", "map"):
            self._read_blocks(schema, kind, t, i, ns)
        elif kind == "record":
            src.add(i, f"{t}, pos = {self._record_function(schema, ns)}(data, pos)")
        else:
            raise NotCompilable(f"type {kind!r}")

    def _read_long(self, t: str, i: int) -> None:
        src = self.src
        src.add(i, f"{t} = data[pos]")
        src.add(i, f"if {t} < 128: {t} = ({t} >> 1) ^ -({t} & 1); pos += 1")
        src.add(i, f"else: {t}, pos = _read_long(data, pos)")

    def _read_bytes(self, t: str, i: int) -> None:
        n = self.src.name("n")
        self._read_long(n, i)
        self.src.add(i, f"if {n} < 0 or pos + {n} > end: raise Unexpected('length')")
        self.src.add(i, f"{t} = data[pos:pos + {n}]; pos += {n}")

    def _read_blocks(self, schema: Mapping[str, Any], kind: str, t: str, i: int, ns: str | None) -> None:
        src = self.src
        count, item, key = src.name("c"), src.name("v"), src.name("k")
        src.add(i, f"{t} = {'[]' if kind == 'array' else '{}'}")
        src.add(i, "while True:")
        self._read_long(count, i + 1)
        src.add(i + 1, f"if {count} == 0: break")
        src.add(i + 1, f"if {count} < 0:")  # a block with its byte size, which the reader does not need
        src.add(i + 2, f"{count} = -{count}")
        self._read_long(src.name("s"), i + 2)
        src.add(i + 1, f"for _ in range({count}):")
        if kind == "array":
            self._read(schema["items"], item, i + 2, ns)
            src.add(i + 2, f"{t}.append({item})")
        else:
            self._read("string", key, i + 2, ns)
            self._read(schema["values"], item, i + 2, ns)
            src.add(i + 2, f"{t}[{key}] = {item}")

    def _read_logical(self, schema: Mapping[str, Any], kind: str, logical: str, t: str, i: int) -> None:
        src = self.src
        if logical == "decimal" and kind == "bytes":
            precision, scale = int(schema["precision"]), int(schema.get("scale", 0))
            context = src.constant(Context(prec=precision))
            self._read_bytes(t, i)
            src.add(i, f"{t} = _from_bytes({t}, 'big', signed=True)")
            # More digits than the precision would be rounded by fastavro's context: leave that to it.
            src.add(i, f"if not -{10**precision} < {t} < {10**precision}: raise Unexpected('decimal')")
            src.add(i, f"{t} = _Decimal({t}).scaleb({-scale}, {context})")
        elif logical in ("timestamp-millis", "timestamp-micros") and kind == "long":
            self._read_long(t, i)
            # timedelta(days, seconds, microseconds, milliseconds): positional is the cheaper call.
            place = "0, 0, 0, " if logical == "timestamp-millis" else "0, 0, "
            src.add(i, f"{t} = _EPOCH + _timedelta({place}{t})")
        elif logical == "uuid" and kind == "string":
            self._read_bytes(t, i)
            src.add(i, f"{t} = _UUID({t}.decode())")
        else:
            raise NotCompilable(f"logical type {logical} on {kind}")


def compile_encoder(schema: Mapping[str, Any]) -> Encoder | None:
    """A function from record to Avro body bytes for the expanded ``schema``, or None if not generated.

    It raises (any exception) where fastavro might behave differently; then use fastavro.
    """
    try:
        write = _Generator(writing=True).build(schema)
    except NotCompilable:
        return None

    def encode(record: Mapping[str, Any]) -> bytes:
        return bytes(write(bytearray(), record))

    return encode


def compile_decoder(schema: Mapping[str, Any]) -> Decoder | None:
    """A function ``(data, pos) -> (record, end)`` reading a body written with the expanded ``schema``.

    None if not generated; it raises (any exception) on bytes where fastavro might behave differently.
    """
    try:
        return _Generator(writing=False).build(schema)
    except NotCompilable:
        return None
