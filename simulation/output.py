"""Where a simulation goes: published through the Publisher phase by phase, or written to files.

Files are in the formats `iprx produce` reads, one set per phase: procurement as OCDS release
packages, one per publisher (``1-procurement-CN-PROV-440000-procurement.json``), seizures as CSV (one
per publisher), inspections and cases, and partner notices, as JSON Lines (their lines carry their
own publisher). OCDS and CSV carry no publisher per record: `iprx produce` takes it from
``IPRX_PUBLISHER_PUBLISHER_ID``, so each such file is produced with its own publisher's id. The
commands, in phase order, are in ``produce.sh`` (``sh produce.sh 1``, let the worker catch up, then
``sh produce.sh 2``); publishing the files gives exactly the events published directly.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from iprx.kernel.config import Settings
from iprx.producers.adapters.ocds_writer import write_package
from iprx.producers.adapters.seizure_csv import write_csv
from iprx.simulation import Planned, Simulation

# family -> (`iprx produce` format, file extension, whether the file is read with the configured publisher id)
FILES = {
    "procurement": ("procurement", "json", True),
    "inspection": ("inspections", "jsonl", False),
    "case": ("inspections", "jsonl", False),
    "seizure": ("seizures", "csv", True),
    "cooperation": ("cooperation", "jsonl", False),
}
SCRIPT = "produce.sh"


@dataclass(frozen=True)
class OutputFile:
    """A written file and how `iprx produce` publishes it."""

    phase: int  # 1-based
    format: str  # the `iprx produce` format
    path: Path
    records: int
    publisher: str | None  # the IPRX_PUBLISHER_PUBLISHER_ID to produce it with; None: its lines name theirs

    def command(self) -> str:
        """The shell command, run in the file's directory."""
        env = f"IPRX_PUBLISHER_PUBLISHER_ID={shlex.quote(self.publisher)} " if self.publisher else ""
        return f"{env}iprx produce {self.format} {shlex.quote(self.path.name)}"


class Progress:
    """A line per 10% of the events (and at the end of each phase)."""

    def __init__(self, total: int, stream: IO[str] = sys.stderr) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream
        self._decile = 0

    def step(self, phase: int, published: int, of: int) -> None:
        self.done += 1
        decile = self.done * 10 // self.total
        if decile > self._decile or published == of:
            self._decile = decile
            self.stream.write(
                f"[simulate] phase {phase + 1}: {published:,}/{of:,} published ({self.done / self.total:.0%})\n"
            )
            self.stream.flush()


def _copy(record: dict[str, Any]) -> dict[str, Any]:
    # the publisher stamps published_at into the header it is given; keep the simulation's own untouched
    return {**record, "header": dict(record["header"])}


def publish(
    simulation: Simulation, settings: Settings, between_phases: Callable[[], None] | None, progress: Progress | None
) -> int:
    """Publish every phase, flushed (delivery confirmed) before ``between_phases`` runs; return events sent."""
    from iprx.producers import Publisher

    sent = 0
    phases = simulation.phases()
    with Publisher(settings) as publisher:
        for n, phase in enumerate(phases):
            for i, planned in enumerate(phase, 1):
                publisher.publish(planned.family, _copy(planned.record))
                sent += 1
                if progress:
                    progress.step(n, i, len(phase))
            publisher.flush()
            if between_phases and n + 1 < len(phases) and phase:
                between_phases()
    return sent


def write_files(simulation: Simulation, out: Path) -> list[OutputFile]:
    """Write each phase's records in the adapters' formats, and ``produce.sh``; return the files in order."""
    from iprx.producers.adapters.event_jsonl import encode_line

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for n, phase in enumerate(simulation.phases(), 1):
        by_file: dict[tuple[str, str, str | None], list[Planned]] = {}
        for planned in phase:
            fmt, ext, configured = FILES[planned.family]
            publisher = planned.record["header"]["publisher"] if configured else None
            by_file.setdefault((fmt, ext, publisher), []).append(planned)
        for (fmt, ext, publisher), planned in sorted(by_file.items(), key=lambda f: (f[0][0], f[0][2] or "")):
            slug = f"-{publisher.replace('/', '-')}" if publisher else ""
            path = out / f"{n}-{fmt}{slug}.{ext}"
            records = (p.record for p in planned)
            with open(path, "w", encoding="utf-8", newline="") as handle:
                if fmt == "procurement":
                    uri = f"urn:iprx:simulate:seed-{simulation.seed}:{path.name}"
                    write_package(records, handle, uri=uri, published=simulation.anchor, publisher_name=publisher)
                elif fmt == "seizures":
                    write_csv(records, handle)
                else:
                    for p in planned:
                        handle.write(encode_line(p.family, p.record) + "\n")
            written.append(OutputFile(n, fmt, path, len(planned), publisher))
    write_script(simulation, written, out / SCRIPT)
    return written


def write_script(simulation: Simulation, files: list[OutputFile], path: Path) -> None:
    """``produce.sh PHASE``: the `iprx produce` commands of one phase, in order."""
    lines = [
        "#!/bin/sh",
        f"# iprx simulate --seed {simulation.seed} --count {simulation.count} --anchor {simulation.anchor.isoformat()}",
        "# Publish with `iprx produce`, phase by phase: sh produce.sh 1; wait until the worker has",
        "# processed phase 1 (its consumer group has no lag); then sh produce.sh 2; then `iprx watermark`",
        "# closes event time, so the deadlines after the last event fire.",
        "set -e",
        'cd "$(dirname "$0")"',
        'case "$1" in',
    ]
    for phase in sorted({f.phase for f in files}):
        lines.append(f"{phase})")
        lines += [f"  {f.command()}" for f in files if f.phase == phase]
        lines.append("  ;;")
    lines += [
        '*) echo "usage: sh produce.sh 1|2 (phase 2 once the worker has processed phase 1)" >&2; exit 2;;',
        "esac",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
