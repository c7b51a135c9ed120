"""Cluster-level Kafka operations: reachability, topic creation and consumer-group lag."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from iprx.kernel import topics
from iprx.kernel.access import Grant
from iprx.kernel.config import Settings
from iprx.kernel.kafka_clients import KafkaUnavailable, connecting, kafka_python_options
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import (
    ACL,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    NewTopic,
    ResourcePattern,
    ResourceType,
)
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata


def admin_client(settings: Settings, timeout_s: float = 10.0) -> KafkaAdminClient:
    """Raises :class:`KafkaUnavailable` or :class:`KafkaAuthenticationFailed` if it cannot connect."""
    with connecting(settings.kafka):
        return KafkaAdminClient(
            **kafka_python_options(settings.kafka),
            client_id="iprx-admin",
            request_timeout_ms=int(timeout_s * 1000),
            bootstrap_timeout_ms=int(timeout_s * 1000),
        )


def wait_for_broker(settings: Settings, timeout_s: float = 60.0) -> str:
    """Block until a metadata request succeeds; return the cluster id."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin = admin_client(settings, timeout_s=min(5.0, timeout_s))
            try:
                return str(admin.describe_cluster()["cluster_id"])
            finally:
                admin.close()
        except (KafkaUnavailable, KafkaError):
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)


@dataclass(frozen=True)
class TopicResult:
    name: str
    created: bool


def public_topics(settings: Settings) -> list[NewTopic]:
    """Every topic of ``iprx.kernel.topics``, as configured (prefix, partitions, replication, retention)."""
    return [
        NewTopic(
            settings.topic(spec.name),
            num_partitions=spec.partitions or settings.kafka.partitions,
            replication_factor=settings.kafka.replication_factor,
            topic_configs={
                "cleanup.policy": "compact" if spec.compacted else "delete",
                "retention.ms": str(spec.retention_ms),
                "min.insync.replicas": str(min(2, settings.kafka.replication_factor)),
            },
        )
        for spec in topics.ALL
    ]


def create_topics(settings: Settings) -> list[TopicResult]:
    """Create every topic of ``iprx.kernel.topics`` that does not exist yet (idempotent)."""
    return ensure_topics(settings, public_topics(settings))


def ensure_topics(settings: Settings, wanted: list[NewTopic]) -> list[TopicResult]:
    """Create each of ``wanted`` that does not exist yet; existing ones are left as they are."""
    admin = admin_client(settings)
    try:
        existing = set(admin.list_topics())
        results = []
        for new in wanted:
            if new.name in existing:
                results.append(TopicResult(new.name, False))
                continue
            try:
                admin.create_topics([new])
                results.append(TopicResult(new.name, True))
            except TopicAlreadyExistsError:  # created concurrently by another process
                results.append(TopicResult(new.name, False))
        _wait_for_leaders(admin, [r.name for r in results if r.created])
        return results
    finally:
        admin.close()


def _wait_for_leaders(admin: KafkaAdminClient, names: list[str], timeout_s: float = 30.0) -> None:
    # A topic is created before its metadata reaches every broker; a client sending to it right
    # away gets UNKNOWN_TOPIC or NOT_LEADER (Faust's producer gives up on the latter).
    deadline = time.monotonic() + timeout_s
    pending = list(names)
    while pending:  # never describe_topics([]): that describes every topic
        pending = [
            t["name"]
            for t in admin.describe_topics(pending)
            if t["error_code"]
            or not t["partitions"]
            or any(p["error_code"] or p["leader_id"] < 0 for p in t["partitions"])
        ]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise KafkaUnavailable(f"topics created but without a leader after {timeout_s:.0f}s: {pending}")
        time.sleep(0.2)


def group_lag(settings: Settings, group_id: str, topic_names: list[str]) -> dict[TopicPartition, int]:
    """Records each partition of ``topic_names`` holds beyond ``group_id``'s committed offset."""
    admin = admin_client(settings)
    with connecting(settings.kafka):
        consumer = KafkaConsumer(
            **kafka_python_options(settings.kafka), client_id="iprx-lag", group_id=None, enable_auto_commit=False
        )
    try:
        committed = admin.list_group_offsets(group_id).get(group_id, {})
        partitions = [
            TopicPartition(name, p) for name in topic_names for p in sorted(consumer.partitions_for_topic(name) or ())
        ]
        return lag_of(committed, consumer.beginning_offsets(partitions), consumer.end_offsets(partitions))
    finally:
        consumer.close()
        admin.close()


def apply_grants(settings: Settings, wanted: list[Grant]) -> list[str]:
    """Create the ACLs of ``wanted`` on the broker (existing ones are left as they are); return failures."""
    acls = [
        ACL(
            principal=g.principal,
            host="*",
            operation=ACLOperation[g.operation],
            permission_type=ACLPermissionType.ALLOW,
            resource_pattern=ResourcePattern(
                ResourceType[g.resource],
                g.name,
                ACLResourcePatternType.PREFIXED if g.prefixed else ACLResourcePatternType.LITERAL,
            ),
        )
        for g in wanted
    ]
    admin = admin_client(settings)
    try:
        result = admin.create_acls(acls)
    finally:
        admin.close()
    return [f"{acl}: {error}" for acl, error in result.get("failed", [])]


def lag_of(
    committed: Mapping[TopicPartition, OffsetAndMetadata],
    starts: Mapping[TopicPartition, int],
    ends: Mapping[TopicPartition, int],
) -> dict[TopicPartition, int]:
    """Records each partition of ``ends`` holds beyond the committed offset (all it keeps if none was committed)."""
    lag = {}
    for tp, end in ends.items():
        done = committed[tp].offset if tp in committed and committed[tp].offset >= 0 else starts[tp]
        lag[tp] = max(end - done, 0)
    return lag
