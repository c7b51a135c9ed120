"""Avro contracts of every event family and the code that encodes and decodes them."""

from iprx.schemas.catalog import LoadedSchema, SchemaCatalog, default_catalog
from iprx.schemas.confluent import ConfluentCodec
from iprx.schemas.errors import DecodeError, EncodeError, SchemaError
from iprx.schemas.registry import RegistryError, SchemaRegistryClient
from iprx.schemas.serializer import Serializer, create_serializer
from iprx.schemas.single_object import SingleObjectCodec

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
