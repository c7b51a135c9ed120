"""The simulation under construction: its records in publishing phases, and what they must produce.

What a judgement waits for (phase 0: procurement, seizures, a case's referral) is published and
processed before what is judged (phase 1: inspections, case openings, partner notices). The
engine's signals do not depend on that order (event time per family, closed by a watermark; see
tests/unit/test_event_time_determinism.py, which also publishes the families in reverse), but the
phases keep a worker restart during phase 1 away from phase 0 (below). Within a phase,
records go out in event-time order, so the events of one key (one exporter, one inspected subject)
arrive in the order the windowed rules count them; records marked ``late`` go out after the rest of
their phase (computers after the OS licences bought for them later: same buyer, same partition, so
the licences are recorded first).

Computers that wait for OS licences are in phase 0, not 1: hardware.os_not_preloaded forgets a
purchase once judged, so one redelivered after a worker restart is judged again, without the
licences the first judgement used up. Phase 0 is fully processed before phase 1 is published, so a
restart during phase 1 cannot redeliver them.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from iprx.simulation.ids import Ids
from iprx.stream_processors.signals import signal_id

PHASES = 2
DEFAULT_PHASE = {"procurement": 0, "seizure": 0, "inspection": 1, "case": 1, "cooperation": 1}
NOISE = "noise"


def ms(at: datetime) -> datetime:
    """``at`` at millisecond precision: what Avro timestamp-millis keeps, so records survive a round trip."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class Planned:
    """One record and when it is published."""

    phase: int
    family: str  # a key of producers.FAMILIES
    record: dict[str, Any]
    origin: str  # NOISE or the planted pattern that made it
    late: bool = False  # after the rest of its phase

    @property
    def order(self) -> tuple[int, bool, datetime, str]:
        """Publishing order: phase, late or not, event time, event id."""
        header = self.record["header"]
        return self.phase, self.late, header["occurred_at"], header["event_id"]


@dataclass(frozen=True)
class ExpectedSignal:
    """A signal the planted facts must produce: rule, subject and the events it must cite."""

    rule_id: str
    subject_type: str
    subject_id: str
    evidence: tuple[str, ...]  # event ids, sorted: the episode's latest revision cites these
    severity: str
    pattern: str
    opened_by: tuple[str, ...] = ()  # event ids, sorted, that opened the episode (empty: the evidence)
    revision: int = 0  # of the latest revision

    @property
    def key(self) -> tuple[str, str, str, frozenset[str]]:
        return self.rule_id, self.subject_type, self.subject_id, frozenset(self.evidence)

    @property
    def signal_id(self) -> uuid.UUID:
        """The id the pipeline gives it: from the events that opened the episode."""
        return signal_id(self.rule_id, self.subject_type, self.subject_id, self.opened_by or self.evidence)


@dataclass(frozen=True)
class NearMiss:
    """Planted events that come close to a rule's threshold or window and must not fire it."""

    rule_id: str
    pattern: str
    why: str
    event_ids: tuple[str, ...]


@dataclass
class Scene:
    """Builder state: one random generator for everything, so a seed fixes every byte."""

    seed: int
    anchor: datetime  # "now" of the simulation: every event time is at or before it
    rng: random.Random = field(init=False)
    ids: Ids = field(init=False)
    planned: list[Planned] = field(default_factory=list)
    expected: list[ExpectedSignal] = field(default_factory=list)
    near_misses: list[NearMiss] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.ids = Ids(self.rng)

    def ago(self, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
        """A time before the anchor, at millisecond precision (what Avro timestamp-millis keeps)."""
        return ms(self.anchor - timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds))

    def add(
        self, family: str, record: dict[str, Any], origin: str, phase: int | None = None, late: bool = False
    ) -> str:
        """Plan ``record`` for publishing; return its event id."""
        self.planned.append(Planned(DEFAULT_PHASE[family] if phase is None else phase, family, record, origin, late))
        return record["header"]["event_id"]

    def expect(
        self,
        rule_id: str,
        subject_type: str,
        subject_id: str,
        evidence: list[str],
        severity: str,
        pattern: str,
        revisions: Sequence[list[str]] = (),
    ) -> None:
        """A signal citing ``evidence``; with ``revisions``, an episode opened by ``evidence`` and revised
        to cite each later list in turn (its latest revision is what the signals table shows)."""
        opened_by = tuple(sorted(set(evidence)))
        latest = tuple(sorted(set(revisions[-1]))) if revisions else opened_by
        episode = (opened_by, len(revisions)) if revisions else ((), 0)
        self.expected.append(ExpectedSignal(rule_id, subject_type, subject_id, latest, severity, pattern, *episode))

    def near_miss(self, rule_id: str, pattern: str, why: str, *event_ids: str) -> None:
        self.near_misses.append(NearMiss(rule_id, pattern, why, tuple(event_ids)))
