"""Notices a sink consumer that has stopped working, heals it by rejoining, and if that fails ends the process.

kafka-python has been seen to sit in its coordinator loop with the group Empty and no log line, and to
stay in a rebalance without ever being assigned partitions (a JoinGroup that the broker never answers
holds it for ``max_poll_interval_ms`` + 5 s). Whatever the cause, the symptom is the same: ``poll``
does not return, or it returns while this member is not a stable member of its group.

* After ``sink.rejoin_after_s`` of polling as an unstable member, :class:`WatchedConsumer` closes the
  client and joins the group again as a new member (and again every ``rejoin_after_s`` while it
  stays unstable), counting ``iprx_sink_rejoins_total``.
* After ``sink.stall_timeout_s`` of either symptom, the :class:`Watchdog` logs the consumer's state,
  sets ``iprx_sink_stalled``, stops the runner and makes ``iprx sink`` exit with :data:`EXIT_STALLED`.

Records are committed only after they land, so a rejoin or a restart (graceful or not) loses nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from iprx.sinks import metrics
from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.structs import MemberState

log = logging.getLogger(__name__)

EXIT_STALLED = 3
"""Exit code of ``iprx sink`` when the watchdog ended it: restart it."""


class Health:
    """When the consumer last returned from ``poll``, and last did so as a stable group member."""

    def __init__(self, stall_after_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.stall_after_s = stall_after_s
        self.clock = clock
        now = clock()
        self.last_poll = now
        self.last_stable = now
        self.state = "not joined yet"
        self.assigned = 0

    def polled(self, state: str, stable: bool, assigned: int) -> None:
        """Called by the consuming thread each time ``poll`` returns."""
        now = self.clock()
        self.last_poll = now
        if stable:
            self.last_stable = now
        self.state, self.assigned = state, assigned

    def unhealthy_seconds(self) -> float:
        """Seconds since ``poll`` last returned as a stable member (0 while healthy)."""
        return max(self.clock() - self.last_stable, 0.0)

    def stall(self) -> str | None:
        """Why the consumer counts as stalled now, or None."""
        now = self.clock()
        since_poll, since_stable = now - self.last_poll, now - self.last_stable
        if since_poll >= self.stall_after_s:
            return f"poll() has not returned for {since_poll:.0f} s (member state {self.state})"
        if since_stable >= self.stall_after_s:
            return (
                f"not a stable group member for {since_stable:.0f} s (member state {self.state}, "
                f"{self.assigned} partition(s) assigned)"
            )
        return None


class WatchedConsumer:
    """The sink's ``KafkaConsumer``, reporting each return of ``poll`` to ``health`` and rejoining when stuck.

    ``new_consumer`` builds the client, at first and again for each rejoin; ``rejoin_after_s`` is how
    long this member may poll without being a stable group member before it leaves and joins anew.
    """

    def __init__(
        self,
        new_consumer: Callable[[], KafkaConsumer],
        health: Health,
        rejoin_after_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._new_consumer = new_consumer
        self._consumer = new_consumer()
        self._health = health
        self._rejoin_after_s = rejoin_after_s
        self._clock = clock
        self._last_rejoin = clock()
        self._topics: list[str] = []
        self._listener: ConsumerRebalanceListener | None = None

    def subscribe(self, topics: Iterable[str], listener: ConsumerRebalanceListener) -> None:
        self._topics, self._listener = list(topics), listener
        self._consumer.subscribe(self._topics, listener=listener)

    def poll(self, timeout_ms: int) -> Mapping[TopicPartition, list[Any]]:
        records = self._consumer.poll(timeout_ms=timeout_ms)
        state = self._consumer.group_metadata().state
        self._health.polled(str(state).strip("<>"), state is MemberState.STABLE, len(self._consumer.assignment()))
        unhealthy = self._health.unhealthy_seconds()
        if unhealthy >= self._rejoin_after_s and self._clock() - self._last_rejoin >= self._rejoin_after_s:
            self._rejoin(f"not a stable group member for {unhealthy:.0f} s (member state {self._health.state})")
        return records

    def _rejoin(self, why: str) -> None:
        """Leave the group (bounded) and subscribe again through a new client, as a new member."""
        log.warning("sink consumer %s; leaving the group and joining it again as a new member", why)
        metrics.REJOINS.inc()
        self._last_rejoin = self._clock()
        # Eager rebalancing revoked the partitions before the join began; if any are still held, the
        # runner drops their unlanded records, which the next owner (maybe this member) reads again.
        held = set(self._consumer.assignment())
        if held and self._listener is not None:
            self._listener.on_partitions_revoked(held)
        with contextlib.suppress(Exception):  # a client stuck in its coordinator may fail to leave cleanly
            self._consumer.close(autocommit=False, timeout_ms=5_000)
        self._consumer = self._new_consumer()
        self._consumer.subscribe(self._topics, listener=self._listener)

    def close(self, autocommit: bool) -> None:
        # Bounded: leaving a group whose rebalance is held open would otherwise wait for the rebalance.
        self._consumer.close(autocommit=autocommit, timeout_ms=5_000)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._consumer, name)


class Watchdog(threading.Thread):
    """Checks ``health`` every ``interval_s``; on a stall calls ``stop`` once, then exits hard after ``grace_s``."""

    def __init__(
        self,
        health: Health,
        stop: Callable[[], None],
        group_id: str,
        grace_s: float = 15.0,
        interval_s: float = 1.0,
    ) -> None:
        super().__init__(name="iprx-sink-watchdog", daemon=True)
        self.health = health
        self._stop_runner = stop
        self.group_id = group_id
        self.grace_s = grace_s
        self.interval_s = interval_s
        self.tripped: str | None = None
        self._done = threading.Event()

    def run(self) -> None:
        metrics.STALLED.set(0)
        while not self._done.wait(self.interval_s):
            metrics.UNHEALTHY_SECONDS.set(round(self.health.unhealthy_seconds(), 1))
            reason = self.health.stall()
            if reason is None:
                continue
            self.tripped = reason
            metrics.STALLED.set(1)
            metrics.STALLS.inc()
            log.error(
                "sink consumer of group %s stalled: %s; stopping so that the supervisor restarts it (exit %d)",
                self.group_id,
                reason,
                EXIT_STALLED,
            )
            self._stop_runner()
            if not self._done.wait(self.grace_s):
                # The consuming thread is stuck inside the client: only a hard exit ends it. Nothing is
                # committed before it lands, so this is as safe as the SIGKILLs of the crash tests.
                log.error("sink did not stop within %.0f s of the stall; exiting now", self.grace_s)
                logging.shutdown()
                os._exit(EXIT_STALLED)
            return

    def close(self) -> None:
        """The runner has stopped: end the watchdog."""
        self._done.set()
