"""What every sink is: something that durably writes one batch of records from one partition."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceRecord:
    offset: int
    value: bytes | None
    timestamp_ms: int
    headers: Sequence[tuple[str, bytes | None]] = ()  # kept by the record's dead letter, if it gets one
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


@dataclass(frozen=True)
class Progress:
    """The last batch a sink recorded for a partition: its offset range, and whether all of it landed.

    An incomplete batch may be partly in the target; it must be written again with exactly the same
    range, so that the target recognises what it already holds (deduplication tokens).
    """

    first_offset: int
    last_offset: int
    complete: bool


class Sink(ABC):
    @abstractmethod
    def write(self, batch: Batch) -> None:
        """Land every record of ``batch`` durably (or raise); afterwards its offsets may be committed."""

    def progress(self, topic: str, partition: int) -> Progress | None:
        """The partition's last recorded batch, if the target keeps one (crash recovery); else None."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the target."""
