"""What every sink is: something that durably writes one batch of records from one partition."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceRecord:
    offset: int
    value: bytes | None
    timestamp_ms: int
    # Set when the consumer could not read the record batch holding this offset (unsupported codec,
    # bad CRC, corrupt bytes): the record has no value, only this reason, and becomes a dead letter.
    unreadable: str | None = None


@dataclass(frozen=True)
class Batch:
    """Consecutive records of one topic partition, in offset order."""

    topic: str
    partition: int
    records: list[SourceRecord]

    @property
    def first_offset(self) -> int:
        return self.records[0].offset

    @property
    def last_offset(self) -> int:
        return self.records[-1].offset

    def dedup_token(self) -> str:
        """Identifies the batch by its offset range, so re-inserting the same range is a no-op."""
        return f"{self.topic}:{self.partition}:{self.first_offset}-{self.last_offset}"


class Sink(ABC):
    @abstractmethod
    def write(self, batch: Batch) -> None:
        """Land every record of ``batch`` durably (or raise); afterwards its offsets may be committed."""

    def landed_offset(self, topic: str, partition: int) -> int | None:
        """Highest offset of the partition already landed, if the target can tell (crash recovery)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the target."""
