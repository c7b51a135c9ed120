"""Where a simulation goes: published through the Publisher phase by phase, or written to files.

Files are in the formats `iprx produce` reads, one set per phase (``1-seizures.csv``, ...,
``2-inspections.jsonl``): produce every phase-1 file, let the worker catch up, then the phase-2 files.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from iprx.config import Settings
from producers.adapters.seizure_csv import write_csv
from producers.simulate import Planned, Simulation

# family -> (file stem, format) of the adapter that reads it back
FILES = {
    "procurement": ("procurement", "jsonl"),
    "inspection": ("inspections", "jsonl"),
    "case": ("inspections", "jsonl"),
    "seizure": ("seizures", "csv"),
    "cooperation": ("cooperation", "jsonl"),
}


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
    from producers import Publisher

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


def write_files(simulation: Simulation, out: Path) -> list[tuple[Path, int]]:
    """Write each phase's records in the adapters' formats; return (file, records) per file written."""
    from producers.adapters.event_jsonl import encode_line

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for n, phase in enumerate(simulation.phases(), 1):
        by_file: dict[tuple[str, str], list[Planned]] = {}
        for planned in phase:
            by_file.setdefault(FILES[planned.family], []).append(planned)
        for (stem, fmt), planned in sorted(by_file.items()):
            path = out / f"{n}-{stem}.{fmt}"
            with open(path, "w", encoding="utf-8", newline="") as handle:
                if fmt == "csv":
                    write_csv((p.record for p in planned), handle)
                else:
                    for p in planned:
                        handle.write(encode_line(p.family, p.record) + "\n")
            written.append((path, len(planned)))
    return written
