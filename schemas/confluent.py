"""Confluent wire format: ``00`` + 4-byte big-endian schema id + Avro binary body.

Schemas are registered under the record name strategy (subject = the schema's full name), so one
topic can carry several types. A message written with any schema the registry knows decodes into
the current schema of the same name.
"""

from __future__ import annotations

import io
import json
import struct
import threading
from collections.abc import Collection, Mapping
from typing import Any, Protocol

from iprx.schemas.avro_body import read_body, write_body
from iprx.schemas.catalog import LoadedSchema, SchemaCatalog, compile_schema, default_catalog, full_name
from iprx.schemas.errors import DecodeError, SchemaError, check_expected
from iprx.schemas.registry import SchemaNotFound

MAGIC = b"\x00"
HEADER_SIZE = 5


class SchemaRegistry(Protocol):
    """What the codec needs from a registry client (see :class:`schemas.registry.SchemaRegistryClient`)."""

    def register(self, subject: str, schema: str) -> int: ...

    def schema(self, schema_id: int) -> str: ...


class ConfluentCodec:
    """Encodes with ids from a Confluent-compatible registry and decodes any id the registry knows."""

    wire_format = "confluent"

    def __init__(self, registry: SchemaRegistry, catalog: SchemaCatalog | None = None) -> None:
        self.registry = registry
        self.catalog = catalog or default_catalog()
        self._ids: dict[str, int] = {}
        self._writers: dict[int, tuple[LoadedSchema, LoadedSchema]] = {}
        self._lock = threading.Lock()

    def schema_id(self, schema_name: str) -> int:
        """The registry id of the current schema ``schema_name``, registered on first use."""
        schema_id = self._ids.get(schema_name)
        if schema_id is None:
            schema_id = self.registry.register(schema_name, self.catalog.get(schema_name).json)
            with self._lock:
                self._ids[schema_name] = schema_id
        return schema_id

    def encode(self, schema_name: str, record: Mapping[str, Any]) -> bytes:
        """Frame ``record`` with the registry id of the current schema ``schema_name``."""
        schema = self.catalog.get(schema_name)
        buf = io.BytesIO()
        buf.write(MAGIC)
        buf.write(struct.pack(">I", self.schema_id(schema_name)))
        write_body(buf, schema, record)
        return buf.getvalue()

    def decode(self, data: bytes, expect: str | Collection[str] | None = None) -> tuple[str, dict[str, Any]]:
        """Return ``(schema name, record)`` in the current schema's shape; :class:`DecodeError` otherwise.

        Raises :class:`~schemas.registry.RegistryError` (not a DecodeError) when the registry cannot be
        asked: the message may well be fine.
        """
        if len(data) < HEADER_SIZE:
            raise DecodeError("decode.truncated", f"message of {len(data)} bytes is shorter than the 5-byte header")
        if data[:1] != MAGIC:
            raise DecodeError(
                "decode.bad_magic", f"message starts with {bytes(data[:1]).hex()}, not the Confluent magic byte 00"
            )
        (schema_id,) = struct.unpack(">I", data[1:HEADER_SIZE])
        writer, reader = self._resolve(schema_id)
        check_expected(writer.name, expect)
        return writer.name, read_body(bytes(data), HEADER_SIZE, writer, reader)

    def _resolve(self, schema_id: int) -> tuple[LoadedSchema, LoadedSchema]:
        cached = self._writers.get(schema_id)
        if cached is not None:
            return cached
        try:
            text = self.registry.schema(schema_id)
        except SchemaNotFound:
            raise DecodeError(
                "decode.unknown_schema_id", f"the schema registry has no schema with id {schema_id}"
            ) from None
        try:
            expanded = json.loads(text)
            name = full_name(expanded) if isinstance(expanded, dict) else ""
            writer = compile_schema(name, expanded)
        except (ValueError, TypeError, KeyError, SchemaError) as exc:
            raise DecodeError(
                "decode.bad_writer_schema", f"registry schema {schema_id} does not parse: {exc}"
            ) from None
        try:
            reader = self.catalog.get(name)
        except KeyError:
            raise DecodeError(
                "decode.unknown_schema", f"registry schema {schema_id} is {name or 'unnamed'}, which this catalog lacks"
            ) from None
        # Reuse the catalog's parsed form when the registry holds one of our own versions.
        writer = self.catalog.by_fingerprint(writer.fingerprint) or writer
        with self._lock:
            self._writers[schema_id] = (writer, reader)
        return writer, reader
