"""The contract every input adapter follows, so that `iprx produce` can stream any of them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from iprx.kernel.checks import FieldError


@dataclass
class ParsedUnit:
    """What one input unit (a CSV row, a JSON line, an OCDS release) became.

    ``records`` are ready to publish; ``errors`` reject the unit as a whole (nothing of it is
    published); ``notes`` report what was left out without rejecting the rest (e.g. an OCDS item
    whose classification says neither software nor computer) and how deviations were read;
    ``tolerated`` names those deviations and ``unresolved`` the parties published unidentified,
    for the summary's counts.
    """

    line: int  # 1-based line (CSV row, JSON line) where the unit starts
    text: str  # the original text, for the rejects file and the dead-letter payload
    records: list[dict[str, Any]] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    family: str | None = None  # the unit's family when an adapter reads several; None: the adapter's
    tolerated: list[str] = field(default_factory=list)  # deviations read anyway (kinds), counted per unit
    unresolved: list[str] = field(default_factory=list)  # roles published unresolved, e.g. "BUYER"
    unit: str | None = None  # which unit of its line, when a line can hold several (``releases[3]``)


class Adapter(Protocol):
    family: str  # the publisher family its records belong to

    def read(self, path: Path) -> Iterator[ParsedUnit]:
        """Yield the file's units in order, streaming: memory must not grow with the file."""
        ...
