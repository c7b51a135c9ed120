"""Avro single-object encoding: ``C3 01`` + 8-byte CRC-64-AVRO fingerprint + Avro binary body.

The framing needs no registry: a reader finds the writer's schema by its fingerprint.
"""

from __future__ import annotations

import io
from typing import Any

from fastavro import schemaless_reader, schemaless_writer
from fastavro.validation import ValidationError, validate

from schemas.catalog import SchemaCatalog, default_catalog
from schemas.errors import DecodeError, EncodeError

MAGIC = b"\xc3\x01"
HEADER_SIZE = len(MAGIC) + 8


class SingleObjectCodec:
    """Encodes records of named schemas and decodes any message whose fingerprint is known."""

    def __init__(self, catalog: SchemaCatalog | None = None) -> None:
        self.catalog = catalog or default_catalog()

    def encode(self, schema_name: str, record: dict[str, Any]) -> bytes:
        schema = self.catalog.get(schema_name)
        buf = io.BytesIO()
        buf.write(MAGIC)
        buf.write(schema.fingerprint)
        try:
            schemaless_writer(buf, schema.parsed, record)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # The fast writer's messages do not name the field; the validator does.
            raise _explain(schema.parsed, record, schema_name, exc) from None
        return buf.getvalue()

    def decode(self, data: bytes, expect: str | None = None) -> tuple[str, dict[str, Any]]:
        """Return ``(schema name, record)``; raise :class:`DecodeError` on anything malformed."""
        if len(data) < HEADER_SIZE:
            raise DecodeError("decode.truncated", f"message of {len(data)} bytes is shorter than the 10-byte header")
        if data[:2] != MAGIC:
            raise DecodeError(
                "decode.bad_magic", f"message starts with {data[:2].hex()}, not the single-object marker c301"
            )
        fp = bytes(data[2:HEADER_SIZE])
        schema = self.catalog.by_fingerprint(fp)
        if schema is None:
            raise DecodeError("decode.unknown_fingerprint", f"no known schema has fingerprint {fp.hex()}")
        if expect is not None and schema.name != expect:
            raise DecodeError("decode.unexpected_schema", f"expected {expect} but the message is {schema.name}")
        body = io.BytesIO(data)
        body.seek(HEADER_SIZE)
        try:
            record = schemaless_reader(body, schema.parsed, None)
        except EOFError:
            raise DecodeError("decode.truncated", f"body ends early for {schema.name}") from None
        except Exception as exc:  # fastavro raises many types on garbage (ValueError, UnicodeDecodeError, ...)
            raise DecodeError("decode.malformed", f"body is not a valid {schema.name}: {exc}") from None
        if body.tell() != len(data):
            raise DecodeError(
                "decode.trailing_bytes",
                f"{len(data) - body.tell()} unexpected bytes after a complete {schema.name}",
            )
        return schema.name, record


def _explain(parsed: Any, record: Any, schema_name: str, exc: Exception) -> EncodeError:
    try:
        validate(record, parsed, raise_errors=True)
    except ValidationError as err:
        detail = err.errors[0] if err.errors else None
        field = getattr(detail, "field", None)
        reason = f"{schema_name}: {detail}" if detail else f"{schema_name}: {err}"
        return EncodeError("encode.invalid", reason, field)
    return EncodeError("encode.invalid", f"{schema_name}: {exc}")
