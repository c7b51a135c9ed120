"""The one interface processors use to turn records into message bytes and back, whatever the framing."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Protocol, runtime_checkable

from iprx.schemas.catalog import SchemaCatalog
from iprx.schemas.confluent import ConfluentCodec, SchemaRegistry
from iprx.schemas.single_object import SingleObjectCodec

WIRE_FORMATS = ("single-object", "confluent")


@runtime_checkable
class Serializer(Protocol):
    """Encodes records of named schemas and decodes messages; errors are typed (see schemas.errors)."""

    wire_format: str

    def encode(self, schema_name: str, record: Mapping[str, Any]) -> bytes: ...

    def decode(self, data: bytes, expect: str | Collection[str] | None = None) -> tuple[str, dict[str, Any]]: ...


def create_serializer(
    wire_format: str, registry: SchemaRegistry | None = None, catalog: SchemaCatalog | None = None
) -> Serializer:
    """The serializer for ``wire_format``; ``confluent`` needs a ``registry``."""
    if wire_format == "single-object":
        return SingleObjectCodec(catalog)
    if wire_format == "confluent":
        if registry is None:
            raise ValueError("the confluent wire format needs a schema registry client")
        return ConfluentCodec(registry, catalog)
    raise ValueError(f"unknown wire format {wire_format!r}; choose one of {', '.join(WIRE_FORMATS)}")
