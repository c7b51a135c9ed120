"""`iprx members list|show|check`: the member registry (kernel/members.py) as operators read it."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any

from iprx.kernel.config import Settings
from iprx.kernel.members import Member, MemberRegistryError, load_members


def as_dict(member: Member) -> dict[str, Any]:
    return {
        "publisher_id": member.publisher_id,
        "name": member.name,
        "principals": list(member.principals),
        "families": list(member.families),
        "cadence_hours": member.cadence.total_seconds() / 3600 if member.cadence else None,
        "keys": [
            {
                "key_id": k.key_id,
                "valid_from": k.valid_from.isoformat(),
                "valid_until": k.valid_until.isoformat() if k.valid_until else None,
            }
            for k in member.keys
        ],
    }


def list_members(settings: Settings, args: argparse.Namespace) -> int:
    registry = load_members(settings.members.file or None)
    if args.json:
        print(json.dumps({"version": registry.version, "members": [as_dict(m) for m in registry]}, indent=2))
        return 0
    print(f"member registry {registry.source}, version {registry.version}: {len(registry)} members")
    width = max((len(m.publisher_id) for m in registry), default=0)
    for m in registry:
        cadence = f"every {m.cadence.total_seconds() / 3600:g} h" if m.cadence else "no cadence"
        keys = f"{len(m.keys)} key(s)" if m.keys else "no keys"
        families, principals = ",".join(m.families), " ".join(m.principals)
        print(f"  {m.publisher_id:<{width}}  {families:<16} {cadence:<14} {keys:<10} {principals}")
    return 0


def show_member(settings: Settings, args: argparse.Namespace) -> int:
    registry = load_members(settings.members.file or None)
    member = registry.get(args.publisher_id)
    if member is None:
        print(f"error: {args.publisher_id} is not a member (registry {registry.source})", file=sys.stderr)
        return 1
    print(json.dumps(as_dict(member), indent=2, ensure_ascii=False))
    return 0


def check_members(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 if the registry file is valid, else 1 with every problem on its own line."""
    try:
        registry = load_members(args.file or settings.members.file or None)
    except MemberRegistryError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{registry.source}: version {registry.version}, {len(registry)} members, valid")
    return 0


def keygen(settings: Settings, args: argparse.Namespace) -> int:
    """Write a new Ed25519 signing key and print the registry entry of its public half."""
    from iprx.kernel.signatures import generate_key

    try:
        public = generate_key(args.out)
    except FileExistsError:
        print(f"error: {args.out} exists; a signing key is never overwritten", file=sys.stderr)
        return 1
    since = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    print(f"# private key written to {args.out} (mode 0600); add this to the member's entry in the registry:")
    print(f'[[member.keys]]\nkey_id = "{args.key_id}"\npublic_key = "{public}"\nvalid_from = {since}')
    print(f"# and publish with publisher.signing_key_id = {args.key_id!r}, publisher.signing_key_file = {args.out!r}")
    return 0
