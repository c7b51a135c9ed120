"""Opens the ClickHouse target: chDB on disk (locked by one process) or a server by DSN."""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path
from typing import IO, Any

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from iprx.kernel.config import ConfigError, Settings, mask_dsn
from iprx.kernel.urls import is_loopback, split_credentials


class StoreInUse(RuntimeError):
    """The embedded chDB store is open in another process (only one may open it)."""


def chdb_path(dsn: str) -> Path | None:
    """The directory of a ``chdb://`` DSN, or None for a server DSN."""
    if not dsn.startswith("chdb://"):
        return None
    return Path(dsn.removeprefix("chdb://").split("?", 1)[0])


def client_args(settings: Settings) -> dict[str, Any]:
    """clickhouse-connect's arguments for the configured DSN, with TLS and the password made explicit.

    clickhouse-connect takes an ``https`` DSN on a port other than 443/8443 for plain http, and so sent
    the password in clear; here ``https`` always means TLS (verified, against ``clickhouse.ca_cert`` if
    set). The password (``clickhouse.password``, else the DSN's, whatever characters it holds) is passed
    on its own, and refused over plain http to another machine unless
    ``clickhouse.allow_plaintext_password`` is set.
    """
    dsn, ch = settings.clickhouse_dsn, settings.clickhouse
    url = split_credentials(dsn)
    if url is None or url.scheme not in ("http", "https"):
        return {"dsn": dsn}
    password = str(ch.password) if ch.password else url.password
    secure = url.scheme == "https"
    if password and not secure and not is_loopback(url.hostname) and not ch.allow_plaintext_password:
        raise ConfigError(
            f"refusing to send the ClickHouse password in clear to {url.hostname} over http "
            f"({mask_dsn(dsn)}): use an https:// DSN, or set clickhouse.allow_plaintext_password = true"
        )
    args: dict[str, Any] = {"dsn": url.bare, "interface": url.scheme, "secure": secure}
    if url.username:
        args["username"] = url.username
    if password:
        args["password"] = password
    if secure:
        args["verify"] = ch.verify
        if ch.ca_cert:
            args["ca_cert"] = ch.ca_cert
    return args


class Store:
    """A clickhouse-connect client plus, for chDB, an exclusive lock on the store directory."""

    def __init__(self, settings: Settings, purpose: str) -> None:
        self.dsn = settings.clickhouse_dsn
        self.database = settings.clickhouse.database
        self.cluster = settings.clickhouse.cluster or None
        self._lock_file: IO[str] | None = None
        path = chdb_path(self.dsn)
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
            self._lock(path, purpose)
        try:
            self.client: Client = clickhouse_connect.get_client(**client_args(settings))
        except ConfigError:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise ConnectionError(f"cannot open ClickHouse at {mask_dsn(self.dsn)}: {exc}") from exc

    def _lock(self, path: Path, purpose: str) -> None:
        lock_path = path.parent / f"{path.name}.lock"
        handle = open(lock_path, "a+")  # noqa: SIM115 - held open for the life of the store
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StoreInUse(
                f"the embedded ClickHouse store {path} is in use by {holder}; chDB allows one process "
                f"at a time: stop it first, or set IPRX_CLICKHOUSE_DSN to a ClickHouse server"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} ({purpose}: {' '.join(Path(a).name for a in sys.argv[:3])})")
        handle.flush()
        self._lock_file = handle

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self._lock_file is not None:
            self._lock_file.close()  # closing the descriptor releases the flock
            self._lock_file = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
