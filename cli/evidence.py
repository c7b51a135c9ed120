"""`iprx evidence export|verify`: a signal's evidence as a bundle that anyone can check offline."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from iprx.kernel.config import Settings
from iprx.kernel.members import load_members
from iprx.kernel.serialization import serializer_for
from iprx.pipeline.evidence import EvidenceError, dumps, export_bundle, verify_bundle


def export(settings: Settings, args: argparse.Namespace) -> int:
    from iprx.sinks.clickhouse.store import Store

    with Store(settings, "iprx evidence export") as store:
        try:
            bundle = export_bundle(settings, store.client, store.database, args.signal_id)
        except EvidenceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    text = dumps(bundle)
    if args.out in (None, "-"):
        print(text)
    else:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"wrote the evidence of signal {args.signal_id} ({len(bundle['events'])} event(s)) to {args.out}")
    return 0


def verify(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 if every check of the bundle holds, else 1; one line per check."""
    try:
        bundle = json.loads(Path(args.bundle).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"error: cannot read the bundle {args.bundle}: {exc}", file=sys.stderr)
        return 2
    members = load_members(settings.members.file or None)
    findings = verify_bundle(bundle, members, serializer_for(settings), allow_unsigned=args.allow_unsigned)
    for f in findings:
        print(f"{'ok  ' if f.ok else 'FAIL'} {f.subject}: {f.detail}")
    failed = sum(not f.ok for f in findings)
    print(f"{len(findings) - failed} of {len(findings)} checks hold (member registry {members.version})")
    return 1 if failed else 0
