"""The Avro binary body shared by both wire formats, with every failure turned into a typed error."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from fastavro import schemaless_reader, schemaless_writer
from fastavro.validation import ValidationError, validate
from iprx.schemas.catalog import LoadedSchema
from iprx.schemas.errors import DecodeError, EncodeError


def write_body(buf: io.BytesIO, schema: LoadedSchema, record: Mapping[str, Any]) -> None:
    """Append the Avro binary encoding of ``record``; :class:`EncodeError` if it does not match."""
    encoder = schema.encoder
    if encoder is not None:
        try:
            buf.write(encoder(record))
            return
        except Exception:  # not an error: fastavro decides on what the generated code does not take
            pass
    try:
        schemaless_writer(buf, schema.parsed, record)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as exc:
        # The fast writer's messages do not name the field; the validator does.
        raise explain_encode_failure(schema, record, exc) from None


def read_body(data: bytes, offset: int, writer: LoadedSchema, reader: LoadedSchema) -> dict[str, Any]:
    """Decode the body at ``data[offset:]`` written with ``writer`` into the shape of ``reader``."""
    same = writer.fingerprint == reader.fingerprint
    if same and writer.decoder is not None:
        try:
            record, end = writer.decoder(data, offset)
            if end == len(data):
                return record
        except Exception:  # fastavro reads it again below and reports what is wrong
            pass
    body = io.BytesIO(data)
    body.seek(offset)
    try:
        # Same fingerprint: no resolution needed, the fast path.
        resolve = None if same else reader.parsed
        record = schemaless_reader(body, writer.parsed, resolve)
    except EOFError:
        raise DecodeError("decode.truncated", f"body ends early for {_label(writer)}") from None
    except Exception as exc:  # fastavro raises many types on garbage (ValueError, UnicodeDecodeError, ...)
        code = "decode.unresolvable" if type(exc).__name__ == "SchemaResolutionError" else "decode.malformed"
        raise DecodeError(code, f"body is not a valid {_label(writer)}: {type(exc).__name__}: {exc}") from None
    if body.tell() != len(data):
        raise DecodeError(
            "decode.trailing_bytes", f"{len(data) - body.tell()} unexpected bytes after a complete {_label(writer)}"
        )
    if not isinstance(record, dict):
        raise DecodeError("decode.malformed", f"{_label(writer)} decoded to {type(record).__name__}, not a record")
    return record


def _label(schema: LoadedSchema) -> str:
    return schema.name if schema.version is None else f"{schema.name} v{schema.version}"


def explain_encode_failure(schema: LoadedSchema, record: Any, exc: Exception) -> EncodeError:
    """The validator's account of why ``record`` does not match, naming the field when it can."""
    try:
        validate(record, schema.parsed, raise_errors=True)
    except ValidationError as err:
        detail = err.errors[0] if err.errors else None
        field = getattr(detail, "field", None)
        reason = f"{schema.name}: {detail}" if detail else f"{schema.name}: {err}"
        return EncodeError("encode.invalid", reason, field)
    except Exception as other:  # the validator itself can trip over values the writer rejected
        return EncodeError("encode.invalid", f"{schema.name}: {type(other).__name__}: {other}")
    return EncodeError("encode.invalid", f"{schema.name}: {type(exc).__name__}: {exc}")
