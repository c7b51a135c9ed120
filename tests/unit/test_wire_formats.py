"""Choosing the wire format from configuration, and the Confluent framing's offline behaviour.

The round trips through a real registry are in tests/integration/test_schema_registry.py.
"""

import socket

import pytest
from iprx.kernel.config import load_settings
from iprx.kernel.serialization import serializer_for
from iprx.schemas import (
    ConfluentCodec,
    DecodeError,
    RegistryError,
    SchemaRegistryClient,
    Serializer,
    SingleObjectCodec,
    create_serializer,
)


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_single_object_is_the_default():
    serializer = serializer_for(load_settings(env={}))
    assert isinstance(serializer, SingleObjectCodec) and isinstance(serializer, Serializer)
    assert serializer.wire_format == "single-object"


def test_confluent_is_chosen_by_configuration():
    settings = load_settings(
        env={
            "IPRX_SCHEMAS_WIRE_FORMAT": "confluent",
            "IPRX_SCHEMAS_REGISTRY_URL": "https://reader:s3cret@sr.example:8081/base/",
        }
    )
    serializer = serializer_for(settings)
    assert isinstance(serializer, ConfluentCodec) and isinstance(serializer, Serializer)
    assert serializer.registry.url == "https://sr.example:8081/base"  # credentials go in a header, not the URL
    assert "s3cret" not in repr(vars(serializer.registry))


def test_unknown_wire_format_or_missing_registry_is_refused():
    with pytest.raises(ValueError, match="unknown wire format"):
        create_serializer("protobuf")
    with pytest.raises(ValueError, match="needs a schema registry"):
        create_serializer("confluent")


@pytest.fixture
def offline_codec() -> ConfluentCodec:
    return ConfluentCodec(SchemaRegistryClient(f"http://127.0.0.1:{closed_port()}", timeout_s=2))


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "decode.truncated"),
        (b"\x00\x00\x00\x01", "decode.truncated"),
        (b"\xc3\x01" + b"\x00" * 12, "decode.bad_magic"),
        (b"\x01\x00\x00\x00\x01\x02", "decode.bad_magic"),
    ],
)
def test_confluent_framing_errors_are_typed_before_any_registry_call(offline_codec, data, code):
    with pytest.raises(DecodeError) as err:
        offline_codec.decode(data)
    assert err.value.code == code


def test_an_unreachable_registry_is_not_mistaken_for_a_bad_message(offline_codec):
    with pytest.raises(RegistryError) as err:
        offline_codec.decode(b"\x00\x00\x00\x00\x07\x02")
    assert err.value.code == "registry.unavailable"
    assert not isinstance(err.value, DecodeError)  # retried by processors, not dead-lettered
    with pytest.raises(RegistryError):
        offline_codec.encode("iprx.common.Party", {"name": "x"})
