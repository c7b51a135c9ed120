"""The topic catalogue: the one place that defines every Kafka topic of the exchange.

Each topic is defined once, with what it carries (Avro schema full names), the ClickHouse table each
schema lands in, the event families publishers send to it (event types, schema per type, record
key), its partitions and its retention. The publisher, the worker, the sink, ``iprx topics`` and
``docs/topics.md`` (generated from here by ``iprx topics docs``) all read it.

Logical names are prefixed with ``kafka.topic_prefix`` (default ``iprx.``) to get the real topic
name, so several pipelines (or test runs) can share one cluster.

Keys decide co-partitioning, so they follow what the stream processors correlate: procurement by
buyer and inspections by subject (the same organisation id; licence.shortfall joins them), case
events by case id (the referral rules follow one case), seizures by exporter (repeat offenders).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]


# eq=False: catalogue entries are singletons, hashed and compared by identity (their mappings are not hashable).
@dataclass(frozen=True, eq=False)
class Family:
    """An event family as publishers see it: its event types, the schema of each, and the record key."""

    name: str
    events: Mapping[str, str]  # header.event_type -> Avro schema full name
    key: Callable[[Record], str]
    key_doc: str

    @property
    def schemas(self) -> frozenset[str]:
        return frozenset(self.events.values())


@dataclass(frozen=True, eq=False)
class TopicSpec:
    """One Kafka topic: what it carries, where that lands, who publishes to it, how it is kept."""

    name: str
    doc: str
    lands: Mapping[str, str]  # Avro schema full name -> ClickHouse table; the schemas the topic carries
    families: tuple[Family, ...] = ()  # what members publish here; none: only the pipeline writes it
    worker_input: bool = False  # read by the stream processors
    partitions: int | None = None  # None: the configured kafka.partitions
    # -1 keeps records forever: the topics are the system of record that a replay starts from.
    retention_ms: int = -1
    compacted: bool = False

    def __post_init__(self) -> None:
        for family in self.families:
            unknown = family.schemas - set(self.lands)
            if unknown:
                raise ValueError(f"topic {self.name}: family {family.name} publishes {sorted(unknown)}, not carried")

    @property
    def schemas(self) -> frozenset[str]:
        return frozenset(self.lands)

    @property
    def label(self) -> str:
        """Metrics label of the topic's events: its first family's name (its name if none)."""
        return self.families[0].name if self.families else self.name

    @property
    def retention(self) -> str:
        if self.compacted:
            return "compacted"
        return "kept forever" if self.retention_ms < 0 else f"retention {self.retention_ms} ms"


def _seizure_key(record: Record) -> str:
    exporter = record.get("exporter") or {}
    return exporter.get("id") or record["seizure_id"]


def _buyer_key(record: Record) -> str:
    return (record.get("buyer") or {}).get("id") or record["ocid"]


def _subject_key(record: Record) -> str:
    return record["subject"].get("id") or record["inspection_id"]


PROCUREMENT = TopicSpec(
    "procurement",
    "OCDS-aligned software and hardware procurement",
    lands={"iprx.procurement.ProcurementRelease": "procurement_releases"},
    families=(
        Family(
            "procurement",
            {t: "iprx.procurement.ProcurementRelease" for t in ("procurement.award", "procurement.contract")},
            _buyer_key,
            "buyer.id, else ocid",
        ),
    ),
    worker_input=True,
)
INSPECTION = TopicSpec(
    "inspection",
    "licence inspections and enforcement cases",
    lands={
        "iprx.inspection.InspectionCompleted": "inspections",
        "iprx.case.CaseOpened": "cases",
        "iprx.case.CaseReferred": "cases",
        "iprx.case.CaseReferralDecided": "cases",
        "iprx.case.CaseClosed": "cases",
    },
    families=(
        Family(
            "inspection",
            {"inspection.completed": "iprx.inspection.InspectionCompleted"},
            _subject_key,
            "subject.id, else inspection_id",
        ),
        Family(
            "case",
            {
                "case.opened": "iprx.case.CaseOpened",
                "case.referred": "iprx.case.CaseReferred",
                "case.accepted": "iprx.case.CaseReferralDecided",
                "case.declined": "iprx.case.CaseReferralDecided",
                "case.closed": "iprx.case.CaseClosed",
            },
            lambda r: r["case_id"],
            "case_id",
        ),
    ),
    worker_input=True,
)
SEIZURE = TopicSpec(
    "seizure",
    "customs seizures of infringing goods",
    lands={"iprx.seizure.SeizureRecorded": "seizures"},
    families=(
        Family(
            "seizure",
            {"seizure.recorded": "iprx.seizure.SeizureRecorded"},
            _seizure_key,
            "exporter.id, else seizure_id",
        ),
    ),
    worker_input=True,
)
COOPERATION_INBOUND = TopicSpec(
    "cooperation.inbound",
    "notices received from partner agencies",
    lands={"iprx.cooperation.PartnerNoticeReceived": "partner_notices_received"},
    families=(
        Family(
            "cooperation",
            {"cooperation.notice_received": "iprx.cooperation.PartnerNoticeReceived"},
            lambda r: r["notice_id"],
            "notice_id",
        ),
    ),
    worker_input=True,
)
COOPERATION_OUTBOUND = TopicSpec(
    "cooperation.outbound",
    "redacted notices sent to partner agencies (written by the worker)",
    lands={"iprx.cooperation.PartnerNoticeSent": "partner_notices_sent"},
)
SIGNALS = TopicSpec(
    "signals",
    "compliance and enforcement signals raised by the stream processors",
    lands={"iprx.signal.Signal": "signals"},
)
DEAD_LETTER = TopicSpec(
    "deadletter",
    "rejected input with the stage and reason, never dropped silently (written by every stage)",
    lands={"iprx.deadletter.DeadLetter": "dead_letters"},
)

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
WORKER_INPUTS: tuple[TopicSpec, ...] = tuple(t for t in ALL if t.worker_input)
# The publishers' families by name, and the topic each is published to.
FAMILIES: dict[str, Family] = {f.name: f for t in ALL for f in t.families}
FAMILY_TOPIC: dict[str, TopicSpec] = {f.name: t for t in ALL for f in t.families}
# Every landed schema and its table (a schema is carried by one topic only).
TABLES: dict[str, str] = {schema: table for t in ALL for schema, table in t.lands.items()}
DEAD_LETTER_TABLE = DEAD_LETTER.lands["iprx.deadletter.DeadLetter"]


def spec_for(topic: str) -> TopicSpec | None:
    """The catalogue entry of a real topic name (any ``kafka.topic_prefix``), ``None`` if it has none.

    The prefix ends where a logical name begins; the longest logical name that ends ``topic`` wins,
    so ``x.cooperation.inbound`` is ``cooperation.inbound``, not some ``inbound``.
    """
    matches = [t for t in ALL if topic == t.name or topic.endswith("." + t.name) or topic.endswith(t.name)]
    return max(matches, key=lambda t: len(t.name), default=None)


def describe_markdown() -> str:
    """The catalogue as the Markdown of ``docs/topics.md``."""
    lines = [
        "# Topics",
        "",
        "Generated from [`kernel/topics.py`](../kernel/topics.py) by `iprx topics docs`; do not edit by hand.",
        "Real names carry the `kafka.topic_prefix` (default `iprx.`). Partitions: the configured",
        "`kafka.partitions` unless stated.",
        "",
        "| topic | carries → table | published by (family: event types; key) | read by worker | retention |",
        "|---|---|---|---|---|",
    ]
    for t in ALL:
        lands = "<br>".join(f"`{schema}` → `{table}`" for schema, table in t.lands.items())
        families = "<br>".join(
            f"{f.name}: {', '.join(f'`{e}`' for e in f.events)}; key `{f.key_doc}`" for f in t.families
        )
        retention = t.retention + (f", {t.partitions} partitions" if t.partitions else "")
        lines.append(
            f"| `{t.name}` — {t.doc} | {lands} | {families or 'the pipeline'} | {'yes' if t.worker_input else 'no'} "
            f"| {retention} |"
        )
    return "\n".join(lines) + "\n"
