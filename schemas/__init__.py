"""Avro contracts of every event family and the code that encodes and decodes them."""

from schemas.catalog import LoadedSchema, SchemaCatalog, default_catalog
from schemas.errors import DecodeError, EncodeError, SchemaError
from schemas.single_object import SingleObjectCodec

__all__ = [
    "DecodeError",
    "EncodeError",
    "LoadedSchema",
    "SchemaCatalog",
    "SchemaError",
    "SingleObjectCodec",
    "default_catalog",
]
