"""Builds the configured serializer (wire format and schema registry) from the settings."""

from __future__ import annotations

from iprx.kernel.config import SchemaSettings, Settings
from iprx.schemas.registry import SchemaRegistryClient
from iprx.schemas.serializer import Serializer, create_serializer


def registry_client(settings: SchemaSettings) -> SchemaRegistryClient:
    """A client for the configured Confluent-compatible schema registry."""
    return SchemaRegistryClient(
        settings.registry_url,
        username=settings.registry_username,
        password=settings.registry_password,
        timeout_s=settings.registry_timeout_s,
        cafile=settings.registry_cafile,
    )


def serializer_for(settings: Settings) -> Serializer:
    """Single-object framing, or the Confluent wire format against the configured registry."""
    s = settings.schemas
    registry = registry_client(s) if s.wire_format == "confluent" else None
    return create_serializer(s.wire_format, registry)
