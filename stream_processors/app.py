"""The Faust application: agents move events between Kafka and the rulebook, nothing more.

Topology (topic names get ``kafka.topic_prefix``; ``G`` is ``worker.group_id``):

* one source agent per input topic (seizure, procurement, inspection = inspections and case
  events, cooperation.inbound): decode, build the event, send the signals of every stateless rule
  that judges it (and the partner notices of those rules that have an ``outbound`` hook), and send
  the event once per state key of every stateful rule that reads it to that rule's re-key topic
  ``G-<rule id>-rekey``, keyed by state key. The rulebook says which rules those are: no rule is
  named here;
* one rule agent per stateful rule on its re-key topic, with a changelog-backed table
  ``<rule id>`` (value: the rule's JSON state): apply, then ``due`` at the partition's event-time
  clock (``stream_processors.eventtime``: per family the latest ``occurred_at`` seen, the smallest
  of the families the rule reads); on a watermark record ``due`` for every key of the partition at
  the watermark, and on a wall-clock tick at the wall clock;
* a timer every ``worker.deadline_sweep_s`` that sends a wall-clock tick to each re-key partition
  this worker owns that is *live* (its newest event time within ``worker.live_within_s`` of now),
  has been idle (no event for a whole interval) and holds a key with something due at now. A
  backfill is never ticked: its deadlines are closed by event time, and what the data never reaches
  by a watermark (``iprx watermark``), so its signals do not depend on when its events arrive.

Every agent takes its events in batches (up to ``worker.batch_max``, waiting at most
``worker.batch_wait_ms``) and waits for deliveries once per batch, before the batch is acknowledged.

Signals go out (and are delivered) before the state that produced them is stored: a rule agent
works out the whole batch first (``stream_processors.rulebatch``), sends its signals, waits until all
are delivered, and only then stores the batch's states. After a crash the events whose offsets were
not committed are processed again and raise the same signal ids, which the sink collapses.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import faust
import faust.streams as faust_streams
from aiokafka.errors import MessageSizeTooLargeError
from iprx.kernel import dead_letters, topics
from iprx.kernel.admission import admit, reference_time
from iprx.kernel.config import Settings
from iprx.kernel.kafka_clients import faust_broker_options
from iprx.kernel.members import FAMILY_OF_SCHEMA, load_members
from iprx.kernel.reasons import Reason, Rejected
from iprx.kernel.serialization import serializer_for
from iprx.kernel.signatures import Signer
from iprx.schemas import DecodeError
from iprx.stream_processors import metrics, rekey
from iprx.stream_processors.events import SCHEMAS
from iprx.stream_processors.eventtime import EventClock, is_live
from iprx.stream_processors.rebalance import hold_streams_until_seeked
from iprx.stream_processors.rulebatch import RuleBatch
from iprx.stream_processors.rulebook import Rulebook, StatefulRule, StatelessRule
from iprx.stream_processors.ruleset import load_ruleset
from iprx.stream_processors.signals import SIGNAL_PUBLISHER, SIGNAL_SCHEMA, Signal, to_record
from iprx.stream_processors.statecache import StateCache
from iprx.stream_processors.unreadable import skip_unreadable_batches
from kafka.admin import NewTopic

log = logging.getLogger(__name__)
NOTICE_SENT_SCHEMA = "iprx.cooperation.PartnerNoticeSent"


def app_options(settings: Settings, datadir: str) -> dict[str, Any]:
    """``faust.App`` options of the worker (also the bench's Faust ceiling, so both run alike)."""
    return {
        **faust_broker_options(settings.kafka),
        "datadir": str(Path(settings.data_dir) / datadir),
        "store": settings.worker.store,
        "key_serializer": "raw",
        "value_serializer": "raw",
        "topic_partitions": settings.kafka.partitions,
        "topic_replication_factor": settings.kafka.replication_factor,
        "processing_guarantee": "at_least_once",
        "producer_acks": -1,
        # Agents wait for deliveries once per batch, so a short linger costs little latency and lets
        # the producer put many records in one request; changelog values and signals are JSON-heavy.
        "producer_linger": settings.worker.producer_linger_ms / 1000,
        "producer_max_batch_size": settings.worker.producer_batch_bytes,
        "producer_compression_type": settings.worker.producer_compression or None,
        "consumer_auto_offset_reset": "earliest",
        "web_enabled": False,
    }


def create_app(settings: Settings, datadir: str = "faust") -> faust.App:
    """Build the worker app for ``settings``; the group id is ``worker.group_id``.

    ``datadir`` (under ``data_dir``) holds the worker's tables with ``worker.store = "rocksdb://"``:
    one per worker process (see ``pipeline.services.claim_datadir``).
    """
    rulebook = Rulebook.from_ruleset(load_ruleset(settings.worker.ruleset_file or None))
    caches = {rule.rule_id: StateCache(rule) for rule in rulebook.stateful}
    batch_max, batch_wait_s = settings.worker.batch_max, settings.worker.batch_wait_ms / 1000
    codec = serializer_for(settings)
    members = load_members(settings.members.file or None)
    enforced = members if settings.members.enforce else None
    require_signatures = settings.members.require_signatures
    metrics.expect_members(members)
    partitions = settings.kafka.partitions
    app = faust.App(settings.worker.group_id, **app_options(settings, datadir))
    hold_streams_until_seeked(app)  # see stream_processors.rebalance: a restart must not stall a partition

    def topic(name: str, **options: Any) -> faust.TopicT:
        return app.topic(name, key_type=bytes, value_type=bytes, **options)

    signals_topic = topic(settings.topic(topics.SIGNALS.name))
    outbound_topic = topic(settings.topic(topics.COOPERATION_OUTBOUND.name))
    dead_letter_topic = topic(settings.topic(topics.DEAD_LETTER.name))
    rekey_topics = {
        rule.rule_id: topic(
            rekey.topic_name(settings, rule.rule_id),
            internal=True,
            partitions=partitions,
            replicas=settings.kafka.replication_factor,
        )
        for rule in rulebook.stateful
    }

    async def reject(event: faust.EventT, exc: Exception, stage: str = "worker.decode") -> list[Any]:
        """Send ``event``'s dead letter; return its delivery future (none if even that send failed)."""
        msg = event.message
        log.warning("dead letter %s:%s@%s: %s", msg.topic, msg.partition, msg.offset, exc)
        headers = msg.headers.items() if isinstance(msg.headers, Mapping) else msg.headers
        return await send_dead_letter(exc, event.value, msg.key, msg.topic, msg.partition, msg.offset, headers, stage)

    async def send_dead_letter(
        exc: Exception,
        value: bytes | None,
        key: bytes | None,
        topic: str,
        partition: int,
        offset: int,
        headers: Any = (),
        stage: str = "worker.decode",
    ) -> list[Any]:
        """Hand a record's dead letter to the producer; return its delivery future (none if that failed)."""
        record = dead_letters.from_kafka(stage, exc, value, topic, partition, offset, headers=headers)
        metrics.DEAD_LETTERS.labels(record["error_type"]).inc()
        try:
            encoded = codec.encode(dead_letters.DEAD_LETTER_SCHEMA, record)
            return [await dead_letter_topic.send(key=key, value=encoded)]
        except Exception as failure:
            log.error("dead letter of %s:%s@%s not sent: %s", topic, partition, offset, failure)
            metrics.SEND_FAILURES.labels(str(send_failure(failure).code)).inc()
            return []

    async def reject_unreadable(topic: str, partition: int, offset: int, error: BaseException) -> None:
        """Dead-letter an offset of a record batch the consumer could not read, once delivered."""
        reason = str(error) if type(error).__name__ in str(error) else f"{type(error).__name__}: {error}"
        exc = Rejected(Reason.UNREADABLE_BATCH, f"the consumer could not read the record batch: {reason}")
        for delivery in await send_dead_letter(exc, None, None, topic, partition, offset):
            await delivery

    skip_unreadable_batches(app, reject_unreadable)

    w = settings.worker
    signer = Signer.from_file(w.signing_key_id, w.signing_key_file) if w.signing_key_file else None

    def signed(value: bytes) -> list[tuple[str, bytes]] | None:
        """The exchange's signature headers for a signal or notice it sends (none without a key)."""
        return signer.headers(SIGNAL_PUBLISHER, value) if signer is not None else None

    async def send_signals(signals: Iterable[Signal]) -> list[Any]:
        """Hand signals to the producer; return their delivery futures."""
        sent = []
        for signal in signals:
            metrics.SIGNALS_OUT.labels(signal.rule_id, signal.severity).inc()
            value = codec.encode(SIGNAL_SCHEMA, to_record(signal, datetime.now(UTC)))
            sent.append(await signals_topic.send(key=signal.subject_id.encode(), value=value, headers=signed(value)))
        return sent

    async def send_notices(rule: StatelessRule, item: Any, signals: list[Signal]) -> list[Any]:
        """Hand the rule's partner notices for ``signals`` to the producer; return their delivery futures."""
        sent = []
        for notice in (n for s in signals for n in rule.outbound(item, s)):
            header = {**notice["header"], "published_at": datetime.now(UTC)}
            value = codec.encode(NOTICE_SENT_SCHEMA, {**notice, "header": header})
            key = header["event_id"].encode()
            sent.append(await outbound_topic.send(key=key, value=value, headers=signed(value)))
        return sent

    def decode(event: faust.EventT, spec: topics.TopicSpec) -> Any:
        """The event the rules see, if the record passes :func:`~iprx.kernel.admission.admit` (as in the sink)."""
        msg = event.message
        now = reference_time(msg.timestamp * 1000 if msg.timestamp else None)
        headers = msg.headers.items() if isinstance(msg.headers, Mapping) else msg.headers or ()
        name, record = admit(
            codec, spec, event.value, now, settings.checks.clock_skew, enforced, require_signatures, list(headers)
        )
        metrics.admitted(members, record["header"]["publisher"], FAMILY_OF_SCHEMA.get(name, spec.label))
        return SCHEMAS[name].from_record(record, msg.topic, msg.partition, msg.offset)

    async def judge(item: Any, outbox: rekey.Outbox) -> list[Any]:
        """Hand the event to its rules (stateful ones via ``outbox``); return the delivery futures of what it sent."""
        sent = []
        for stateless in rulebook.stateless_for(item):
            signals = stateless.evaluate(item)
            sent += await send_signals(signals)
            sent += await send_notices(stateless, item, signals)
        payload = None  # the same bytes go to every rule and key: serialise once
        for rule in rulebook.stateful_for(item):
            for key in rule.keys(item):
                payload = payload or rekey.dump_event(item)
                if len(payload) < outbox.limit:
                    outbox.add(rule.rule_id, key, payload)
                else:  # sent alone and now, so that a refusal (too large) dead-letters this event
                    value = rekey.keyed_message([rekey.keyed_part(key, payload)])
                    partition = rekey.partition_for(key, partitions)
                    sent.append(await rekey_topics[rule.rule_id].send(value=value, partition=partition))
        return sent

    async def send_rekeyed(outbox: rekey.Outbox) -> list[Any]:
        """Send a batch's re-key messages; return their delivery futures (a failed send is logged and counted)."""
        sent = []
        for rule_id, partition, value in outbox.drain():
            try:
                sent.append(await rekey_topics[rule_id].send(value=value, partition=partition))
            except Exception as exc:
                log.error("a re-key message of %s (partition %s) was not sent: %s", rule_id, partition, exc)
                metrics.SEND_FAILURES.labels(str(send_failure(exc).code)).inc()
        return sent

    def source_agent(spec: topics.TopicSpec) -> None:
        family = spec.label

        @app.agent(topic(settings.topic(spec.name)), name=family)
        async def process(stream: faust.StreamT) -> None:
            events_in, event_time_lag = metrics.EVENTS_IN.labels(family), metrics.EVENT_TIME_LAG.labels(family)
            outbox = rekey.Outbox(partitions)
            async for events in stream.take_events(batch_max, within=batch_wait_s):
                sent = []  # deliveries awaited once per batch, before the batch is acknowledged
                for event in events:
                    events_in.inc()
                    try:
                        item = decode(event, spec)
                    except (DecodeError, KeyError, TypeError, ValueError) as exc:
                        sent += await reject(event, exc)
                        continue
                    event_time_lag.set((datetime.now(UTC) - item.occurred_at).total_seconds())
                    try:
                        sent += await judge(item, outbox)
                    except Exception as exc:
                        sent += await reject(event, send_failure(exc), stage="worker.publish")
                sent += await send_rekeyed(outbox)
                await delivered(sent)

    last_event: dict[tuple[str, int], float] = {}  # (rule id, re-key partition) -> when it last had an event
    clocks = {rule.rule_id: EventClock() for rule in rulebook.stateful}

    def rule_agent(rule: StatefulRule) -> faust.TableT:
        table = app.Table(
            rule.rule_id,
            default=None,
            partitions=partitions,
            schema=faust.Schema(key_serializer="json", value_serializer="json"),
        )
        clock = clocks[rule.rule_id]
        states = caches[rule.rule_id]

        def store(key: str, state: Any) -> None:
            """Store ``state`` as ``key``'s value (``None``: delete the key); the table's changelog is sent."""
            if state is None:
                states.forget(key)
                if key in table:
                    del table[key]
                return
            value = rule.dump(state)
            hit = states.get(key)
            current = hit[0] if hit is not None else table.get(key)
            if value != current:
                table[key] = value
                current = value
            states.stored(key, current, state)

        def stored_state(key: str) -> Any:
            hit = states.get(key)
            return hit[1] if hit is not None else states.load(key, table.get(key))

        @app.agent(rekey_topics[rule.rule_id], name=f"rule-{rule.rule_id}")
        async def process(stream: faust.StreamT) -> None:
            event_time = metrics.EVENT_TIME.labels(rule.rule_id)
            async for events in stream.take_events(batch_max, within=batch_wait_s):
                batch = RuleBatch(rule, stored_state, partitions, clock)
                for event in events:
                    item, partition = rekey.load(event.value, event.key), event.message.partition
                    if isinstance(item, rekey.Watermark):
                        batch.watermark(item.at, partition, list(table), event)
                    elif isinstance(item, rekey.Tick):
                        batch.tick(item.at, partition, list(table), event)
                    else:
                        last_event[(rule.rule_id, partition)] = time.monotonic()
                        for key, keyed in item:
                            batch.event(key, keyed, partition, event)
                # Every signal of the batch is delivered before any state of the batch is stored.
                await asyncio.gather(*await send_signals(batch.signals))
                for key, (state, event) in batch.pending.items():
                    with processing(event):  # the changelog goes to the partition of the key's event
                        store(key, state)
                if (settled := clock.lowest(rule.families)) is not None:
                    event_time.set(settled.timestamp())

        return table

    @app.on_partitions_revoked.connect
    async def forget_states_on_revoke(sender: Any, revoked: Any, **kwargs: Any) -> None:
        for cache in caches.values():
            cache.clear()

    @app.on_partitions_assigned.connect
    async def forget_states_on_assign(sender: Any, assigned: Any, **kwargs: Any) -> None:
        for cache in caches.values():  # also what a batch still in flight stored for a revoked partition
            cache.clear()

    for spec in topics.WORKER_INPUTS:
        source_agent(spec)
    tables = {rule.rule_id: rule_agent(rule) for rule in rulebook.stateful}

    @app.timer(interval=settings.worker.deadline_sweep_s)
    async def sweep() -> None:
        """Tick every owned, live and idle re-key partition holding a key that the wall clock has made due."""
        now = datetime.now(UTC)
        live_within = timedelta(seconds=settings.worker.live_within_s)
        idle_since = time.monotonic() - settings.worker.deadline_sweep_s
        owned = {(tp.topic, tp.partition) for tp in app.consumer.assignment()}
        for rule in rulebook.stateful:
            channel = rekey_topics[rule.rule_id]
            name = channel.get_topic_name()
            if owned:  # (empty while a rebalance is under way: nothing to learn from it)
                # A partition another worker took over keeps moving there: its clock here only goes stale.
                clocks[rule.rule_id].keep_only({p for topic, p in owned if topic == name})
            idle_live = {
                p
                for topic, p in owned
                if topic == name
                and last_event.get((rule.rule_id, p), 0.0) <= idle_since
                and is_live(clocks[rule.rule_id].newest(p), now, live_within)
            }
            if not idle_live:  # reading every key (a RocksDB scan, a JSON decode each) would find nothing
                continue
            due = {
                p
                for key, value in list(tables[rule.rule_id].items())
                if (p := rekey.partition_for(key, partitions)) in idle_live
                and has_due(rule, caches[rule.rule_id].load(key, value), value, now)
            }
            for p in sorted(due):
                await channel.send(value=rekey.dump_tick(now), partition=p)

    return app


def send_failure(exc: BaseException) -> Rejected:
    """A failed send as a rejection of the vocabulary: too large, or failed for another reason."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, MessageSizeTooLargeError):
            return Rejected(Reason.TOO_LARGE, f"a record it produced is too large for Kafka: {exc}")
        cause = cause.__cause__
    return Rejected(Reason.SEND_FAILED, f"{type(exc).__name__}: {exc}")


async def delivered(sent: list[Any]) -> None:
    """Wait for every delivery of a batch; a failed one is logged and counted, not allowed to stop the agent."""
    for result in await asyncio.gather(*sent, return_exceptions=True):
        if isinstance(result, BaseException):
            log.error("a record was not delivered: %s", result)
            metrics.SEND_FAILURES.labels(str(send_failure(result).code)).inc()


def internal_topics(app: faust.App, settings: Settings) -> list[NewTopic]:
    """The topics Faust would create for ``app`` on its own: re-key topics, changelogs, the assignor's.

    Faust declares them while its consumer is already joining the group; a topic that appears after
    the first assignment is only picked up at the next metadata refresh (minutes), leaving its
    partitions unconsumed. Creating them before the worker starts closes that race.
    """
    replicas = settings.kafka.replication_factor
    wanted = [NewTopic(f"{app.conf.id}-__assignor-__leader", 1, replicas)]
    for agent in app.agents.values():
        channel = agent.channel
        if getattr(channel, "internal", False):
            wanted.append(NewTopic(channel.get_topic_name(), channel.partitions or settings.kafka.partitions, replicas))
    for table in app.tables.values():
        wanted.append(
            NewTopic(
                table.changelog_topic.get_topic_name(),
                table.partitions or settings.kafka.partitions,
                replicas,
                topic_configs={"cleanup.policy": "compact"},
            )
        )
    return wanted


def has_due(rule: StatefulRule, state: Any, value: Any, clock: datetime) -> bool:
    """Whether ``due`` at ``clock`` would signal or change ``state``, stored as ``value``."""
    state, signals = rule.due(state, clock)
    return bool(signals) or state is None or rule.dump(state) != value


@contextmanager
def processing(event: faust.EventT) -> Iterator[None]:
    """Make ``event`` Faust's current event (which a table's changelog partition is taken from).

    ``take_events`` buffers the events in another task, so the agent's own task has none set.
    """
    token = faust_streams._current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        faust_streams._current_event.reset(token)
