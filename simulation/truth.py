"""The ground-truth file: one JSON object per signal the planted patterns must produce.

Fields: ``rule_id``, ``subject_type``, ``subject_id``, ``evidence`` (event ids, sorted, of the latest
revision), ``severity``, ``signal_id`` (the deterministic id the pipeline gives that signal, so the
file joins ClickHouse's ``signals`` table directly), ``revision`` (of the latest revision: 0 unless
the signal is an episode that was revised), ``opened_by`` (the event ids that opened such an
episode, whose id they make; empty otherwise) and ``pattern`` (which planted pattern it comes from).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from iprx.simulation.scene import ExpectedSignal


def truth_record(signal: ExpectedSignal) -> dict[str, Any]:
    return {
        "rule_id": signal.rule_id,
        "subject_type": signal.subject_type,
        "subject_id": signal.subject_id,
        "evidence": list(signal.evidence),
        "severity": signal.severity,
        "signal_id": str(signal.signal_id),
        "revision": signal.revision,
        "opened_by": list(signal.opened_by),
        "pattern": signal.pattern,
    }


def write_truth(path: Path, expected: Iterable[ExpectedSignal]) -> int:
    """Write the ground truth (sorted, so a seed gives the same bytes); return the lines written."""
    records = sorted((truth_record(s) for s in expected), key=lambda r: (r["rule_id"], r["subject_id"], r["evidence"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(records)


def read_truth(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def expected_signal(record: dict[str, Any]) -> ExpectedSignal:
    """The expected signal of one ground-truth line (as :func:`read_truth` returns it)."""
    return ExpectedSignal(
        record["rule_id"],
        record["subject_type"],
        record["subject_id"],
        tuple(record["evidence"]),
        record["severity"],
        record["pattern"],
        tuple(record["opened_by"]),
        record["revision"],
    )
