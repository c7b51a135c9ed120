"""Avro contracts of every event family and the code that encodes and decodes them."""

from schemas.catalog import LoadedSchema, SchemaCatalog, default_catalog
from schemas.confluent import ConfluentCodec
from schemas.errors import DecodeError, EncodeError, SchemaError
from schemas.registry import RegistryError, SchemaRegistryClient
from schemas.serializer import Serializer, create_serializer
from schemas.single_object import SingleObjectCodec

__all__ = [
    "ConfluentCodec",
    "DecodeError",
    "EncodeError",
    "LoadedSchema",
    "RegistryError",
    "SchemaCatalog",
    "SchemaError",
    "SchemaRegistryClient",
    "Serializer",
    "SingleObjectCodec",
    "create_serializer",
    "default_catalog",
]
