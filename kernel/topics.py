"""The one place that names Kafka topics and says what each carries.

Logical names below are prefixed with ``kafka.topic_prefix`` (default ``iprx.``) to get the real
topic name, so several pipelines (or test runs) can share one cluster.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TopicSpec:
    name: str
    doc: str
    # -1 keeps records forever: the topics are the system of record that a replay starts from.
    retention_ms: int = -1


PROCUREMENT = TopicSpec("procurement", "OCDS-aligned software and hardware procurement")
INSPECTION = TopicSpec("inspection", "licence inspections and enforcement cases")
SEIZURE = TopicSpec("seizure", "customs seizures of infringing goods")
COOPERATION_INBOUND = TopicSpec("cooperation.inbound", "notices received from partner agencies")
COOPERATION_OUTBOUND = TopicSpec("cooperation.outbound", "redacted notices sent to partner agencies")
SIGNALS = TopicSpec("signals", "compliance and enforcement signals raised by the stream processors")
DEAD_LETTER = TopicSpec("deadletter", "rejected input with the stage and reason, never dropped silently")

ALL: tuple[TopicSpec, ...] = (
    PROCUREMENT,
    INSPECTION,
    SEIZURE,
    COOPERATION_INBOUND,
    COOPERATION_OUTBOUND,
    SIGNALS,
    DEAD_LETTER,
)

# What the Faust worker reads (besides its own internal topics, see stream_processors.rekey).
WORKER_INPUTS: tuple[TopicSpec, ...] = (SEIZURE, PROCUREMENT, INSPECTION, COOPERATION_INBOUND)
