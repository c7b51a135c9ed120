"""The typed errors of the schema layer: one class per direction, each with a precise reason."""

from __future__ import annotations


class SchemaError(Exception):
    """Base class. ``code`` is a stable machine-readable class, ``field`` the offending path if known."""

    def __init__(self, code: str, reason: str, field: str | None = None) -> None:
        super().__init__(f"{reason} (field {field})" if field else reason)
        self.code = code
        self.reason = reason
        self.field = field


class EncodeError(SchemaError):
    """A record does not match the schema it is being encoded with."""


class DecodeError(SchemaError):
    """Bytes are not a valid message of any known schema."""
