"""Streams an input file through its adapter into the publisher: rejects to a file and the DLQ, a summary."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from iprx.kernel import dead_letters
from iprx.kernel.checks import FieldError
from iprx.producers import metrics as producer_metrics
from iprx.producers.adapters.base import Adapter, ParsedUnit
from iprx.producers.publisher import Publisher, RecordRejected

# What is kept of a rejected unit's text in the rejects file and its dead letter: an oversized unit
# (an event over MAX_EVENT_BYTES) is quoted by its start, and its full length is given.
MAX_REJECT_CHARS = 64 * 1024


@dataclass
class IngestSummary:
    units: int = 0
    published: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    unresolved: Counter[str] = field(default_factory=Counter)  # records published per unresolved role
    tolerated: Counter[str] = field(default_factory=Counter)  # units read with each deviation

    def lines(self) -> list[str]:
        out = [f"units read: {self.units:,}", f"published: {self.published:,}"]
        # accepted, not rejected: the record lands and rules keyed by that party skip it (counted)
        out += [f"  {n:>8,}  accepted, {role.lower()} unresolved" for role, n in sorted(self.unresolved.items())]
        out.append(f"rejected: {self.rejected:,}")
        out += [f"  {n:>8,}  {reason}" for reason, n in self.reasons.most_common()]
        if self.tolerated:
            out.append(f"tolerated deviations (units read with each; see the notes): {self.tolerated.total():,}")
            out += [f"  {n:>8,}  {kind}" for kind, n in self.tolerated.most_common()]
        if self.notes:
            out.append(f"notes (published, with parts left out): {sum(self.notes.values()):,}")
            out += [f"  {n:>8,}  {note}" for note, n in self.notes.most_common(10)]
        return out


class Progress:
    """One status line on a terminal (refreshed), or a line per 10% elsewhere (CI logs)."""

    def __init__(self, total_bytes: int, stream: IO[str] = sys.stderr) -> None:
        self.total = max(total_bytes, 1)
        self.stream = stream
        self.tty = stream.isatty()
        self.done = 0
        self._last = 0.0
        self._decile = 0

    def update(self, consumed: int, summary: IngestSummary) -> None:
        self.done += consumed
        share = min(self.done / self.total, 1.0)
        text = f"[produce] {share:6.1%}  {summary.published:,} published, {summary.rejected:,} rejected"
        now = time.monotonic()
        if self.tty and now - self._last >= 0.2:
            self.stream.write("\r" + text)
            self.stream.flush()
            self._last = now
        elif not self.tty and int(share * 10) > self._decile:
            self._decile = int(share * 10)
            self.stream.write(text + "\n")

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")


def ingest(
    adapter: Adapter,
    path: Path,
    publisher: Publisher | None,
    rejects: IO[str],
    progress: Progress | None = None,
    metrics: producer_metrics.ProducerMetrics | None = None,
) -> IngestSummary:
    """Publish every good unit of ``path``; write every bad one to ``rejects`` and (with a publisher) the DLQ.

    With ``publisher=None`` the file is only validated (a dry run).
    """
    metrics = metrics or (publisher.metrics if publisher is not None else producer_metrics.default())
    summary = IngestSummary()
    for unit in adapter.read(path):
        summary.units += 1
        errors = list(unit.errors)
        if not errors and publisher is not None:
            for record in unit.records:
                try:
                    publisher.publish(unit.family or adapter.family, record)
                except RecordRejected as exc:
                    errors.extend(e if isinstance(e, FieldError) else FieldError("record", str(e)) for e in exc.errors)
                    break
        if errors:
            if unit.errors:  # a rejection by the publisher's own checks is counted by the publisher
                metrics.reject(unit.family or adapter.family, unit.errors[0])
            _reject(unit, errors, path, rejects, publisher, summary)
        else:
            summary.published += len(unit.records)
            summary.notes.update(unit.notes)
            summary.tolerated.update(unit.tolerated)
            for role in unit.unresolved:
                summary.unresolved[role] += len(unit.records)
        if progress:
            progress.update(len(unit.text.encode()), summary)
    if progress:
        progress.finish()
    return summary


def _reject(
    unit: ParsedUnit,
    errors: list[FieldError],
    path: Path,
    rejects: IO[str],
    publisher: Publisher | None,
    summary: IngestSummary,
) -> None:
    summary.rejected += 1
    for error in errors:
        summary.reasons[f"{error.field}: {_kind(error.reason)}"] += 1
    text = unit.text[:MAX_REJECT_CHARS]
    rejects.write(
        json.dumps(
            {
                "file": str(path),
                "line": unit.line,
                **({"unit": unit.unit} if unit.unit else {}),
                "errors": [{"field": e.field, "reason": e.reason} for e in errors],
                "text": text,
                **({"text_chars": len(unit.text)} if len(text) < len(unit.text) else {}),
            },
            ensure_ascii=False,
        )
        + "\n"
    )
    if publisher is not None:
        reason = FieldError(errors[0].field, "; ".join(str(e) for e in errors), errors[0].code)
        publisher.publish_dead_letter(
            dead_letters.from_file("producer.validate", reason, text.encode(), str(path), unit.line, unit=unit.unit)
        )


def _kind(reason: str) -> str:
    # Group "'XX1' is not an ISO 3166-1 alpha-2 code" and "'ZZ' is not ..." under one reason.
    return reason.split("'")[-1].strip() if reason.count("'") >= 2 else reason
