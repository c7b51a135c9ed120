"""Credentials inside service URLs (ClickHouse DSN, schema registry): found whatever characters they hold.

``urllib.parse.urlsplit`` ends the authority at the first ``/``, ``?`` or ``#``, so a password holding one
of them unencoded (``https://admin:p#ss@host/db``) is not seen as a password at all: it was printed in
full by ``iprx config show``. Here the user information is everything between ``://`` and the **last**
``@``; the password is what follows the first ``:`` in it, percent-decoded. So a password may contain
any character (``%`` itself as ``%25``); the host, path and query must not contain ``@``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

MASK = "****"


@dataclass(frozen=True)
class Credentials:
    """A URL taken apart at its user information."""

    scheme: str
    user_as_written: str | None  # None if the URL has no user information
    password: str | None  # percent-decoded; None if the URL has none (an empty one is "")
    location: str  # what follows the user information: host[:port][/path][?query][#fragment], as written

    @property
    def username(self) -> str | None:
        return None if self.user_as_written is None else unquote(self.user_as_written)

    @property
    def bare(self) -> str:
        """The URL without user information."""
        return f"{self.scheme}://{self.location}"

    @property
    def hostname(self) -> str:
        return urlsplit(self.bare).hostname or ""

    def url(self, password: str | None = None) -> str:
        """The URL again with ``password`` (default: none) in place of its own, the user name as written."""
        if self.user_as_written is None:
            return self.bare
        secret = "" if password is None else f":{password}"
        return f"{self.scheme}://{self.user_as_written}{secret}@{self.location}"


def split_credentials(url: str) -> Credentials | None:
    """``url`` taken apart at its user information, or None if it is not of the form ``scheme://...``."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme:
        return None
    at = rest.rfind("@")
    if at < 0:
        return Credentials(scheme, None, None, rest)
    user, colon, password = rest[:at].partition(":")
    return Credentials(scheme, user, unquote(password) if colon else None, rest[at + 1 :])


def mask_url(url: str) -> str:
    """``url`` with its password, whatever characters it holds, replaced by ``****``."""
    parts = split_credentials(url)
    if parts is None or parts.password is None:
        return url
    return parts.url(MASK)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine (traffic to it does not leave it)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
