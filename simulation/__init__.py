"""`iprx simulate`: a seeded synthetic mix of every family with planted patterns and their ground truth.

``simulate(seed, count, anchor)`` returns the records in publishing phases and the signals the
planted patterns must produce. Modules: ``entities`` (regions, organisations, products, offices),
``ids`` (unique seeded identifiers), ``records`` (record builders), ``patterns`` (one module of
planted patterns and near misses per rule), ``noise`` (background that fires nothing), ``scene`` (phases and
expectations), ``truth`` (the ground-truth file), ``output`` (publishing and files).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from iprx.simulation.noise import add_noise
from iprx.simulation.patterns import plant
from iprx.simulation.scene import PHASES, ExpectedSignal, NearMiss, Planned, Scene

__all__ = ["ExpectedSignal", "NearMiss", "Planned", "Simulation", "default_anchor", "minimum_count", "simulate"]
# One copy of the planted patterns per this many events (at least one copy).
EVENTS_PER_COPY = 2000


@dataclass(frozen=True)
class Simulation:
    seed: int
    count: int
    anchor: datetime
    planned: tuple[Planned, ...]  # in publishing order (Planned.order)
    expected: tuple[ExpectedSignal, ...]
    near_misses: tuple[NearMiss, ...]

    def phases(self) -> list[list[Planned]]:
        return [[p for p in self.planned if p.phase == phase] for phase in range(PHASES)]

    def per_family(self) -> Counter[str]:
        return Counter(p.family for p in self.planned)

    def signals_per_rule(self) -> Counter[str]:
        return Counter(s.rule_id for s in self.expected)

    def near_misses_per_rule(self) -> Counter[str]:
        return Counter(n.rule_id for n in self.near_misses)


def default_anchor(now: datetime | None = None) -> datetime:
    """Today at 00:00 UTC: the same seed gives the same data all day."""
    now = now or datetime.now(UTC)
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def minimum_count() -> int:
    """Events in one copy of the planted patterns: the smallest ``count`` there can be."""
    scene = Scene(0, default_anchor())
    plant(scene)
    return len(scene.planned)


def simulate(seed: int, count: int, anchor: datetime) -> Simulation:
    """``count`` events: planted patterns (one copy per EVENTS_PER_COPY events) plus silent noise."""
    anchor = anchor.astimezone(UTC)
    scene = Scene(seed, anchor.replace(microsecond=anchor.microsecond // 1000 * 1000))
    for _ in range(max(1, count // EVENTS_PER_COPY)):
        plant(scene)
    if len(scene.planned) > count:
        raise ValueError(f"count must be at least {len(scene.planned)} (the planted patterns alone), got {count}")
    add_noise(scene, count - len(scene.planned))
    planned = sorted(scene.planned, key=lambda p: p.order)
    return Simulation(seed, count, scene.anchor, tuple(planned), tuple(scene.expected), tuple(scene.near_misses))
