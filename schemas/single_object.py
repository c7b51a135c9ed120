"""Avro single-object encoding: ``C3 01`` + 8-byte CRC-64-AVRO fingerprint + Avro binary body.

The framing needs no registry: a reader finds the writer's schema by its fingerprint, among the
current schemas and every published version, and resolves it to the current schema of that name.
"""

from __future__ import annotations

import io
from collections.abc import Collection, Mapping
from typing import Any

from iprx.schemas.avro_body import read_body, write_body
from iprx.schemas.catalog import SchemaCatalog, default_catalog
from iprx.schemas.errors import DecodeError, check_expected

MAGIC = b"\xc3\x01"
HEADER_SIZE = len(MAGIC) + 8


class SingleObjectCodec:
    """Encodes records of named schemas and decodes any message whose fingerprint is known."""

    wire_format = "single-object"

    def __init__(self, catalog: SchemaCatalog | None = None) -> None:
        self.catalog = catalog or default_catalog()

    def encode(self, schema_name: str, record: Mapping[str, Any]) -> bytes:
        """Frame ``record`` with the fingerprint of the current schema ``schema_name``."""
        schema = self.catalog.get(schema_name)
        buf = io.BytesIO()
        buf.write(MAGIC)
        buf.write(schema.fingerprint)
        write_body(buf, schema, record)
        return buf.getvalue()

    def decode(self, data: bytes, expect: str | Collection[str] | None = None) -> tuple[str, dict[str, Any]]:
        """Return ``(schema name, record)`` in the current schema's shape; :class:`DecodeError` otherwise."""
        if len(data) < HEADER_SIZE:
            raise DecodeError("decode.truncated", f"message of {len(data)} bytes is shorter than the 10-byte header")
        if data[:2] != MAGIC:
            raise DecodeError(
                "decode.bad_magic", f"message starts with {bytes(data[:2]).hex()}, not the single-object marker c301"
            )
        fp = bytes(data[2:HEADER_SIZE])
        writer = self.catalog.by_fingerprint(fp)
        if writer is None:
            raise DecodeError("decode.unknown_fingerprint", f"no known schema has fingerprint {fp.hex()}")
        check_expected(writer.name, expect)
        try:
            reader = self.catalog.get(writer.name)
        except KeyError:
            raise DecodeError(
                "decode.retired_schema", f"{writer.name} v{writer.version} is published but no longer current"
            ) from None
        return writer.name, read_body(bytes(data), HEADER_SIZE, writer, reader)
