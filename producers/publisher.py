"""The publishing library: validated, Avro-encoded, idempotent and confirmed delivery to Kafka."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from iprx.kernel import topics
from iprx.kernel.checks import FieldError
from iprx.kernel.config import Settings
from iprx.kernel.dead_letters import DEAD_LETTER_SCHEMA, PUBLISHER_HEADER
from iprx.kernel.kafka_clients import connecting, kafka_python_options
from iprx.kernel.limits import MAX_EVENT_BYTES
from iprx.kernel.serialization import serializer_for
from iprx.kernel.signatures import Signer
from iprx.producers import metrics as producer_metrics
from iprx.producers.families import FAMILIES
from iprx.producers.partitioner import KeyedPartitioner
from iprx.schemas import SchemaError, Serializer
from kafka import KafkaProducer
from kafka.producer.future import FutureRecordMetadata

log = logging.getLogger(__name__)
DEAD_LETTER_FAMILY = "deadletter"  # the metrics' family label of dead letters


def producer_options(settings: Settings) -> dict[str, Any]:
    """kafka-python options of the Publisher's delivery: acks=all, idempotence, compression, batching."""
    p = settings.publisher
    return {
        **kafka_python_options(settings.kafka),
        "acks": "all",
        "enable_idempotence": True,
        "compression_type": p.compression or None,
        "linger_ms": p.linger_ms,
        "batch_size": p.batch_bytes,
        "delivery_timeout_ms": p.delivery_timeout_ms,
        "max_in_flight_requests_per_connection": 5,
    }


class PublishError(RuntimeError):
    """A record could not be published; ``reason`` says why (validation or delivery)."""


class RecordRejected(PublishError):
    def __init__(self, family: str, errors: list[FieldError] | list[SchemaError]) -> None:
        super().__init__(f"{family}: " + "; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (event_id, reason)


class Publisher:
    """Publishes records of the registered families; use as a context manager to flush on exit.

    Deliveries are accounted for on the publishing thread, oldest send first, whenever it publishes or
    flushes: a callback per record on kafka-python's I/O thread cost about a tenth of a send.
    """

    def __init__(
        self,
        settings: Settings,
        codec: Serializer | None = None,
        metrics: producer_metrics.ProducerMetrics | None = None,
    ) -> None:
        self.settings = settings
        self.codec = codec or serializer_for(settings)
        self.metrics = metrics or producer_metrics.default()
        p = settings.publisher  # the key first: a bad key file must not leave a producer behind
        self._signer = Signer.from_file(p.signing_key_id, p.signing_key_file) if p.signing_key_file else None
        with connecting(settings.kafka):  # a refused password is reported as such, not as "no broker"
            self._producer = KafkaProducer(
                **producer_options(settings),
                partitioner=KeyedPartitioner(),
                client_id=f"iprx-publisher-{settings.publisher.publisher_id}",
            )
        self._lock = threading.Lock()
        # Sends not yet accounted for: (future, family, event id, sent at), in the order they were sent.
        self._pending: deque[tuple[FutureRecordMetadata, str, str, float]] = deque()
        self.report = DeliveryReport()

    def publish(self, family: str, record: dict[str, Any]) -> None:
        """Validate, encode and send one record; raise :class:`RecordRejected` if it is invalid.

        Delivery is asynchronous: :meth:`flush` waits for it and reports failures.
        """
        spec = FAMILIES[family]
        header = record["header"]
        if header.get("publisher") is None:  # missing or left empty by an adapter: this installation's id
            header["publisher"] = self.settings.publisher.publisher_id
        if header.get("published_at") is None:
            header["published_at"] = datetime.now(UTC)
        schema = spec.schema_for(record)
        if isinstance(schema, FieldError):
            self.metrics.reject(family, schema)
            raise RecordRejected(family, [schema])
        errors = spec.check(record, skew=self.settings.checks.clock_skew)
        if errors:
            self.metrics.reject(family, errors[0])
            raise RecordRejected(family, errors)
        try:
            value = self.codec.encode(schema, record)
        except SchemaError as exc:
            self.metrics.reject(family, FieldError(exc.field or "record", exc.code))
            raise RecordRejected(family, [exc]) from None
        if len(value) > MAX_EVENT_BYTES:
            too_large = FieldError("event", f"{len(value):,} bytes encoded, over the limit of {MAX_EVENT_BYTES:,}")
            self.metrics.reject(family, too_large)
            raise RecordRejected(family, [too_large])
        event_id = str(header["event_id"])
        headers = [
            ("iprx-schema", schema.encode()),
            (PUBLISHER_HEADER, str(header["publisher"]).encode()),
            ("iprx-event-type", str(header["event_type"]).encode()),
        ]
        if self._signer is not None:
            headers += self._signer.headers(str(header["publisher"]), value)
        future = self._producer.send(
            self.settings.topic(spec.topic.name), value=value, key=spec.key(record).encode(), headers=headers
        )
        self._track(future, family, event_id)

    def publish_dead_letter(self, record: dict[str, Any]) -> None:
        """Send a dead-letter record (built by ``iprx.kernel.dead_letters``) to the dead-letter topic."""
        value = self.codec.encode(DEAD_LETTER_SCHEMA, record)
        headers = [(PUBLISHER_HEADER, str(record["publisher"]).encode())] if record.get("publisher") else []
        future = self._producer.send(
            self.settings.topic(topics.DEAD_LETTER.name),
            value=value,
            key=str(record["dead_letter_id"]).encode(),
            headers=headers,
        )
        self._track(future, DEAD_LETTER_FAMILY, str(record["dead_letter_id"]))

    def _track(self, future: FutureRecordMetadata, family: str, event_id: str) -> None:
        """Remember a send for :meth:`_account`, and account for the oldest ones if they are answered."""
        self._pending.append((future, family, event_id, time.perf_counter()))
        if self._pending[0][0].is_done:
            self._account()

    def _account(self) -> None:
        """Count the sends the broker has answered (acks=all), oldest first, up to the first still open."""
        with self._lock:
            pending, now = self._pending, time.perf_counter()
            delivered: dict[str, int] = {}
            send_seconds: dict[str, Any] = {}  # each family's histogram child, looked up once per call
            while pending and pending[0][0].is_done:
                future, family, event_id, started = pending.popleft()
                if future.exception is None:
                    delivered[family] = delivered.get(family, 0) + 1
                    if family not in send_seconds:
                        send_seconds[family] = self.metrics.send_seconds.labels(family)
                    send_seconds[family].observe(now - started)
                else:
                    log.error("delivery of event %s failed: %s", event_id, future.exception)
                    self.metrics.delivery_failures.labels(family).inc()
                    self.report.failed.append((event_id, str(future.exception)))
            for family, count in delivered.items():
                self.metrics.published.labels(family).inc(count)
                self.report.delivered += count

    def flush(self, timeout: float | None = None) -> DeliveryReport:
        """Wait until every sent record is acknowledged or failed; raise if any failed."""
        self._producer.flush(timeout)
        self._account()
        if self.report.failed:
            first = self.report.failed[0]
            raise PublishError(f"{len(self.report.failed)} record(s) not delivered; first: {first[0]}: {first[1]}")
        return self.report

    def close(self) -> None:
        self._producer.close()

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self.flush()
        finally:
            self.close()
