"""`iprx acl plan|apply`: the broker ACLs the member registry implies (kernel/access.py)."""

from __future__ import annotations

import argparse
import sys

from iprx.kernel.access import grants
from iprx.kernel.config import Settings
from iprx.kernel.members import load_members


def plan(settings: Settings, args: argparse.Namespace) -> int:
    members = load_members(settings.members.file or None)
    wanted = grants(settings, members, settings.sink.principal)
    for grant in wanted:
        print(grant)
    print(f"{len(wanted)} grants from member registry {members.version}")
    return 0


def apply(settings: Settings, args: argparse.Namespace) -> int:
    """Create the ACLs (as an admin principal); exit 1 if the broker refused any."""
    from iprx.kernel.kafka_admin import apply_grants

    members = load_members(settings.members.file or None)
    wanted = grants(settings, members, settings.sink.principal)
    failed = apply_grants(settings, wanted)
    for failure in failed:
        print(f"error: {failure}", file=sys.stderr)
    print(f"{len(wanted) - len(failed)} of {len(wanted)} grants in place (member registry {members.version})")
    return 1 if failed else 0
