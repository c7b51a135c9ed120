"""Passwords in service URLs: masked whatever characters they hold, sent only over TLS off this machine.

The ClickHouse checks open a real socket on 127.0.0.1 and look at the first bytes the client sends:
a TLS handshake for an ``https`` DSN on any port, never ``Authorization`` in clear.
"""

from __future__ import annotations

import base64
import socket
import threading

import pytest
from iprx.kernel.config import ConfigError, describe, load_settings, mask_dsn
from iprx.kernel.serialization import registry_client
from iprx.kernel.urls import is_loopback, split_credentials
from iprx.sinks.clickhouse.store import Store, client_args

from tests.local_http import free_low_ports

PASSWORDS = ["p#ss", "a/b", "wh?t", "x@y", "c:o:l", "pässwörd€", "#/?@:ü all of them", "%40"]


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_password_is_masked_and_recovered_whatever_characters_it_holds(password):
    dsn = f"https://analyst:{password}@ch.example:8443/iprx"
    masked = mask_dsn(dsn)
    assert masked == "https://analyst:****@ch.example:8443/iprx"
    settings = load_settings(env={"IPRX_CLICKHOUSE_DSN": dsn, "IPRX_SCHEMAS_REGISTRY_URL": dsn})
    shown = repr(describe(settings)) + repr(settings)
    assert password not in shown
    expected = "@" if password == "%40" else password  # percent-encoding works as well
    parts = split_credentials(dsn)
    assert (parts.username, parts.password, parts.hostname) == ("analyst", expected, "ch.example")
    assert client_args(settings)["password"] == expected
    registry = registry_client(settings.schemas)
    assert registry.url == "https://ch.example:8443/iprx"  # what errors show: no credentials
    assert registry._auth == "Basic " + base64.b64encode(f"analyst:{expected}".encode()).decode()


def test_urls_without_a_password_are_left_alone():
    for url in ("chdb:///var/lib/iprx", "http://u@h:8123", "https://h:8443/db?x=1", "not a url"):
        assert mask_dsn(url) == url


def test_https_means_tls_on_any_port_with_verification_and_the_configured_ca():
    settings = load_settings(
        env={
            "IPRX_CLICKHOUSE_DSN": "https://admin@ch.example:58123/iprx",
            "IPRX_CLICKHOUSE_PASSWORD": "s3cret#1",
            "IPRX_CLICKHOUSE_CA_CERT": "/etc/iprx/ca.pem",
        }
    )
    args = client_args(settings)
    assert args == {
        "dsn": "https://ch.example:58123/iprx",
        "interface": "https",
        "secure": True,
        "username": "admin",
        "password": "s3cret#1",
        "verify": True,
        "ca_cert": "/etc/iprx/ca.pem",
    }
    unverified = load_settings(
        env={"IPRX_CLICKHOUSE_DSN": "https://ch.example:9440", "IPRX_CLICKHOUSE_VERIFY": "false"}
    )
    assert client_args(unverified)["verify"] is False


@pytest.mark.parametrize("host", ["ch.example", "10.1.2.3", "[2001:db8::1]"])
def test_a_password_over_plain_http_to_another_machine_is_refused_unless_allowed(host):
    env = {"IPRX_CLICKHOUSE_DSN": f"http://admin:pw@{host}:8123/iprx"}
    with pytest.raises(ConfigError, match=r"refusing to send the ClickHouse password in clear") as refused:
        client_args(load_settings(env=env))
    assert "pw@" not in str(refused.value)
    allowed = client_args(load_settings(env=env | {"IPRX_CLICKHOUSE_ALLOW_PLAINTEXT_PASSWORD": "true"}))
    assert allowed["password"] == "pw" and allowed["secure"] is False
    no_password = client_args(load_settings(env={"IPRX_CLICKHOUSE_DSN": f"http://{host}:8123"}))
    assert "password" not in no_password


def test_loopback_hosts():
    assert all(map(is_loopback, ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"]))
    assert not any(map(is_loopback, ["ch.example", "10.0.0.1", "2001:db8::1"]))


class FirstBytes(threading.Thread):
    """Accepts one connection on 127.0.0.1 and keeps what the client sends first."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        (self.port,) = free_low_ports(1)
        self.server = socket.create_server(("127.0.0.1", self.port))
        self.server.settimeout(20)
        self.received = b""

    def run(self) -> None:
        with self.server:
            conn, _ = self.server.accept()
            with conn:
                conn.settimeout(5)
                try:
                    while len(self.received) < 4096:
                        chunk = conn.recv(4096)
                        if not chunk:
                            break
                        self.received += chunk
                        if not self.received.startswith(b"\x16") and b"\r\n\r\n" in self.received:
                            break  # a whole plain http request head
                        if self.received.startswith(b"\x16"):
                            break  # a TLS ClientHello: no server will answer it here
                except TimeoutError:
                    pass


def first_bytes(tmp_path, dsn: str, password: str) -> bytes:
    listener = FirstBytes()
    listener.start()
    env = {"IPRX_DATA_DIR": str(tmp_path), "IPRX_CLICKHOUSE_DSN": dsn.format(port=listener.port)}
    with pytest.raises(ConnectionError) as failed:
        Store(load_settings(env=env | {"IPRX_CLICKHOUSE_PASSWORD": password}), "test")
    assert password not in str(failed.value)
    listener.join(30)
    return listener.received


def test_an_https_dsn_on_an_unusual_port_speaks_tls(tmp_path):
    sent = first_bytes(tmp_path, "https://admin@127.0.0.1:{port}/iprx", "s3cret#1")
    assert sent[:2] == b"\x16\x03", sent[:80]  # TLS handshake record, version 3.x
    assert b"Authorization" not in sent and b"s3cret" not in sent


def test_plain_http_to_this_machine_still_works(tmp_path):
    sent = first_bytes(tmp_path, "http://admin@127.0.0.1:{port}/iprx", "s3cret#1")
    assert sent.split(b" ")[0] in (b"GET", b"POST"), sent[:80]
    token = base64.b64encode(b"admin:s3cret#1")
    assert b"Basic " + token in sent or b"X-ClickHouse-Key: s3cret#1" in sent  # the password, decoded once
