"""The typed errors of the schema layer: one class per direction, each with a precise reason."""

from __future__ import annotations

from collections.abc import Collection


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


def check_expected(name: str, expect: str | Collection[str] | None) -> None:
    """Raise ``decode.unexpected_schema`` unless ``name`` is ``expect`` (or one of them); ``None``: any."""
    if expect is None:
        return
    allowed = {expect} if isinstance(expect, str) else set(expect)
    if name not in allowed:
        expected = " or ".join(sorted(allowed))
        raise DecodeError("decode.unexpected_schema", f"expected {expected} but the message is {name}")
