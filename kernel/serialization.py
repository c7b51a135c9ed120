"""Builds the configured serializer (wire format and schema registry) from the settings."""

from __future__ import annotations

from iprx.kernel.config import SchemaSettings, Settings
from iprx.kernel.urls import split_credentials
from iprx.schemas.registry import SchemaRegistryClient
from iprx.schemas.serializer import Serializer, create_serializer


def registry_client(settings: SchemaSettings) -> SchemaRegistryClient:
    """A client for the configured Confluent-compatible schema registry.

    Credentials in the URL are taken out here (whatever characters the password holds, see
    ``kernel.urls``); ``registry_username``/``registry_password`` win over them.
    """
    url, username, password = settings.registry_url, settings.registry_username, settings.registry_password
    credentials = split_credentials(url)
    if credentials is not None:
        url = credentials.bare
        if credentials.username and not username:
            username, password = credentials.username, credentials.password or ""
    return SchemaRegistryClient(
        url,
        username=username,
        password=password,
        timeout_s=settings.registry_timeout_s,
        cafile=settings.registry_cafile,
    )


def serializer_for(settings: Settings) -> Serializer:
    """Single-object framing, or the Confluent wire format against the configured registry."""
    s = settings.schemas
    registry = registry_client(s) if s.wire_format == "confluent" else None
    return create_serializer(s.wire_format, registry)
