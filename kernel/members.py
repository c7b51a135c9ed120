"""The exchange's members as data: who may publish which families, as which Kafka principals, how often.

A member is a publisher id (X-Road style, ``CN/GOV/GACC/seizures``) with the families it may publish
(``kernel.topics.FAMILIES``; none for the exchange itself, which signs the signals and partner notices
it sends), the Kafka principals it authenticates as, its expected cadence (the
longest normal gap between its events: the silent-member alert fires after it) and its Ed25519
signing public keys with their validity periods. The registry is a versioned TOML file, like the
rule set: ``kernel/registry/members.toml`` by default, ``members.file`` to use another. Every
problem in the file is reported at once, each as ``file: member N (publisher id): field: reason``.
"""

from __future__ import annotations

import base64
import binascii
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from iprx.kernel import topics
from iprx.kernel.reasons import Reason, Rejected

DEFAULT_REGISTRY = Path(__file__).parent / "registry" / "members.toml"
_PUBLISHER_ID = re.compile(r"[A-Z]{2}/[A-Z]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_PRINCIPAL = re.compile(r"User:[A-Za-z0-9_.@-]+")
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]+")
_MEMBER_KEYS = {"publisher_id", "name", "principals", "families", "cadence_hours", "keys"}
_SIGNING_KEY_KEYS = {"key_id", "public_key", "valid_from", "valid_until"}


class MemberRegistryError(ValueError):
    """The member registry file is missing, malformed or inconsistent; the message lists every problem."""


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 public key a member signs its events with, valid from ``valid_from`` until ``valid_until``."""

    key_id: str
    public_key: bytes  # the 32 raw bytes
    valid_from: datetime
    valid_until: datetime | None = None

    def valid_at(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)


@dataclass(frozen=True)
class Member:
    publisher_id: str
    name: str
    principals: tuple[str, ...]
    families: tuple[str, ...]
    cadence: timedelta | None  # None: no expected rhythm (no silent-member alert)
    keys: tuple[SigningKey, ...] = ()

    def may_publish(self, family: str) -> bool:
        return family in self.families

    def key(self, key_id: str, at: datetime) -> SigningKey | None:
        """The member's key ``key_id`` if it was valid at ``at`` (when the event was published)."""
        return next((k for k in self.keys if k.key_id == key_id and k.valid_at(at)), None)


@dataclass(frozen=True)
class MemberRegistry:
    version: str
    members: tuple[Member, ...]
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {m.publisher_id: m for m in self.members})

    def get(self, publisher_id: str | None) -> Member | None:
        return self._by_id.get(publisher_id) if publisher_id else None  # type: ignore[attr-defined]

    def __iter__(self) -> Iterator[Member]:
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)


# Which family each event schema belongs to (the registry allows families, events carry schemas).
FAMILY_OF_SCHEMA: dict[str, str] = {
    schema: name for name, family in topics.FAMILIES.items() for schema in family.events.values()
}


def authorize(registry: MemberRegistry, schema_name: str, publisher_id: str | None) -> Rejected | None:
    """Why ``publisher_id`` may not publish an event of ``schema_name`` (None if it may, or if the schema
    is not a publisher family's, such as signals and dead letters, which the pipeline writes itself)."""
    family = FAMILY_OF_SCHEMA.get(schema_name)
    if family is None:
        return None
    member = registry.get(publisher_id)
    if member is None:
        reason = f"publisher {publisher_id!r} is not a member of the exchange (registry {registry.version})"
        return Rejected(Reason.NOT_A_MEMBER, reason, "header.publisher")
    if not member.may_publish(family):
        reason = f"member {publisher_id} may publish {', '.join(member.families)}, not {family} events"
        return Rejected(Reason.FAMILY_NOT_ALLOWED, reason, "header.publisher")
    return None


def load_members(path: str | Path | None = None) -> MemberRegistry:
    """Read and check a member registry file; ``None`` or empty means the one shipped with the project."""
    path = Path(path) if path else DEFAULT_REGISTRY
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MemberRegistryError(f"member registry {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise MemberRegistryError(f"{path}: invalid TOML: {exc}") from None
    problems: list[str] = []
    version = doc.get("version")
    if not isinstance(version, str) or not version:
        problems.append(f"{path}: version: a non-empty string is required")
    unknown = set(doc) - {"version", "member"}
    if unknown:
        problems.append(f"{path}: unknown entries {sorted(unknown)}; expected version and [[member]] tables")
    members: list[Member] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(doc.get("member", []), start=1):
        where = f"{path}: member {n} ({raw.get('publisher_id', '?')})"
        member = _member(raw, where, problems)
        if member is None:
            continue
        if member.publisher_id in seen:
            problems.append(f"{where}: publisher_id: also member {seen[member.publisher_id]}")
        seen.setdefault(member.publisher_id, n)
        members.append(member)
    if problems:
        raise MemberRegistryError("\n".join(problems))
    return MemberRegistry(str(version), tuple(members), str(path))


def _table(raw: Any, allowed: set[str], where: str, problems: list[str]) -> bool:
    """Whether ``raw`` is a table; its keys outside ``allowed`` are problems."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: a table is required")
        return False
    unknown = set(raw) - allowed
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    return True


def _member(raw: Any, where: str, problems: list[str]) -> Member | None:
    before = len(problems)
    if not _table(raw, _MEMBER_KEYS, where, problems):
        return None
    publisher_id = raw.get("publisher_id")
    if not isinstance(publisher_id, str) or not _PUBLISHER_ID.fullmatch(publisher_id):
        problems.append(f"{where}: publisher_id: {publisher_id!r} is not of the form CC/CLASS/MEMBER/SUBSYSTEM")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"{where}: name: a non-empty string is required")
    principals = _strings(raw, "principals", where, problems)
    for p in principals:
        if not _PRINCIPAL.fullmatch(p):
            problems.append(f"{where}: principals: {p!r} is not a Kafka principal like User:gacc")
    families = _strings(raw, "families", where, problems)
    for f in families:
        if f not in topics.FAMILIES:
            problems.append(f"{where}: families: {f!r} is not a family; expected some of {sorted(topics.FAMILIES)}")
    cadence = None
    if "cadence_hours" in raw:
        hours = raw["cadence_hours"]
        if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
            problems.append(f"{where}: cadence_hours: {hours!r} is not a positive number of hours")
        else:
            cadence = timedelta(hours=hours)
    keys = tuple(k for k in (_key(k, f"{where}: keys[{i}]", problems) for i, k in enumerate(raw.get("keys", []))) if k)
    ids = [k.key_id for k in keys]
    if len(set(ids)) != len(ids):
        problems.append(f"{where}: keys: key ids must be unique, got {ids}")
    if len(problems) > before:
        return None
    return Member(publisher_id, name.strip(), tuple(principals), tuple(families), cadence, keys)


def _strings(raw: dict[str, Any], key: str, where: str, problems: list[str]) -> list[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: {key}: a list of strings is required")
        return []
    return value


def _key(raw: Any, where: str, problems: list[str]) -> SigningKey | None:
    before = len(problems)
    if not _table(raw, _SIGNING_KEY_KEYS, where, problems):
        return None
    key_id = raw.get("key_id")
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        problems.append(f"{where}: key_id: {key_id!r} is not a plain identifier")
    try:
        public_key = base64.b64decode(str(raw.get("public_key", "")), validate=True)
    except (binascii.Error, ValueError):
        public_key = b""
    if len(public_key) != 32:
        problems.append(f"{where}: public_key: not the base64 of a 32-byte Ed25519 public key")
    valid_from, valid_until = raw.get("valid_from"), raw.get("valid_until")
    for name, value in (("valid_from", valid_from), ("valid_until", valid_until)):
        if (value is not None or name == "valid_from") and not (isinstance(value, datetime) and value.tzinfo):
            problems.append(f"{where}: {name}: an offset date-time like 2026-01-01T00:00:00Z is required")
    if len(problems) > before:
        return None
    if valid_until is not None and valid_until <= valid_from:
        problems.append(f"{where}: valid_until: not after valid_from")
        return None
    return SigningKey(key_id, public_key, valid_from.astimezone(UTC), valid_until and valid_until.astimezone(UTC))
