"""The sink watchdog's judgement (fake clock), what it does when it trips (log, metrics, stop), and the
consumer's rejoin when it polls too long without being a stable group member."""

from __future__ import annotations

import logging
import threading
from types import SimpleNamespace

import pytest
from iprx.sinks.watchdog import Health, Watchdog, WatchedConsumer
from kafka import ConsumerRebalanceListener, TopicPartition
from kafka.structs import MemberState
from prometheus_client import REGISTRY


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_stable_member_that_keeps_polling_never_stalls():
    clock = Clock()
    health = Health(30.0, clock)
    for _ in range(600):
        clock.now += 0.5
        health.polled("stable", True, 0)  # a spare member with no partitions is still healthy
        assert health.stall() is None
    assert health.unhealthy_seconds() == 0


def test_poll_that_does_not_return_is_a_stall():
    clock = Clock()
    health = Health(30.0, clock)
    health.polled("stable", True, 3)
    clock.now += 29.9
    assert health.stall() is None
    clock.now += 0.2
    assert health.stall() == "poll() has not returned for 30 s (member state stable)"


def test_polling_without_ever_becoming_stable_is_a_stall():
    clock = Clock()
    health = Health(30.0, clock)
    for _ in range(59):
        clock.now += 0.5
        health.polled("rebalancing", False, 0)
        assert health.stall() is None
    clock.now += 0.5
    health.polled("rebalancing", False, 0)
    assert health.stall() == "not a stable group member for 30 s (member state rebalancing, 0 partition(s) assigned)"
    assert health.unhealthy_seconds() == 30


def sample(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def test_a_trip_logs_once_sets_the_metrics_and_stops_the_runner(caplog):
    clock = Clock()
    health = Health(5.0, clock)
    stopped = threading.Event()
    calls = []

    def stop() -> None:
        calls.append(1)
        stopped.set()

    stalls_before = sample("iprx_sink_stalls_total")
    watchdog = Watchdog(health, stop, "g1", grace_s=30.0, interval_s=0.01)
    with caplog.at_level(logging.ERROR, logger="iprx.sinks.watchdog"):
        watchdog.start()
        clock.now += 6
        assert stopped.wait(5)
        watchdog.close()  # the runner stopped within the grace period: no hard exit
        watchdog.join(5)
    assert calls == [1]
    assert watchdog.tripped == "poll() has not returned for 6 s (member state not joined yet)"
    assert sample("iprx_sink_stalled") == 1
    assert sample("iprx_sink_stalls_total") == stalls_before + 1
    lines = [r.getMessage() for r in caplog.records if r.name == "iprx.sinks.watchdog"]
    assert lines == [
        "sink consumer of group g1 stalled: poll() has not returned for 6 s (member state not joined yet); "
        "stopping so that the supervisor restarts it (exit 3)"
    ]


class StuckClient:
    """A kafka-python client in the member state the test sets; each poll takes its timeout on ``clock``."""

    def __init__(self, clock: Clock, state: MemberState, held: set[TopicPartition] | None = None) -> None:
        self.clock, self.state, self.held = clock, state, held or set()
        self.subscribed: tuple[list[str], object] | None = None
        self.closed_with: dict[str, object] | None = None

    def subscribe(self, topics, listener) -> None:
        self.subscribed = (list(topics), listener)

    def poll(self, timeout_ms: int) -> dict:
        self.clock.now += timeout_ms / 1000
        return {}

    def group_metadata(self) -> SimpleNamespace:
        return SimpleNamespace(state=self.state)

    def assignment(self) -> set[TopicPartition]:
        return self.held

    def close(self, autocommit: bool, timeout_ms: int) -> None:
        self.closed_with = {"autocommit": autocommit, "timeout_ms": timeout_ms}
        if self.state is MemberState.REBALANCING and self.held:
            raise RuntimeError("stuck in the coordinator")


class Listener(ConsumerRebalanceListener):
    def __init__(self) -> None:
        self.revoked: list[set[TopicPartition]] = []

    def on_partitions_revoked(self, revoked) -> None:
        self.revoked.append(set(revoked))

    def on_partitions_assigned(self, assigned) -> None:
        pass


def watched(clock: Clock, first: StuckClient, later: MemberState) -> tuple[WatchedConsumer, list[StuckClient]]:
    clients: list[StuckClient] = []

    def new_client() -> StuckClient:
        clients.append(first if not clients else StuckClient(clock, later))
        return clients[-1]

    return WatchedConsumer(new_client, Health(120.0, clock), rejoin_after_s=30.0, clock=clock), clients


def test_a_member_stuck_in_a_rebalance_rejoins_through_a_new_client_every_30_s(caplog):
    clock = Clock()
    consumer, clients = watched(clock, StuckClient(clock, MemberState.REBALANCING), MemberState.REBALANCING)
    listener = Listener()
    consumer.subscribe(["t1", "t2"], listener)
    rejoins_before = sample("iprx_sink_rejoins_total")
    with caplog.at_level(logging.WARNING, logger="iprx.sinks.watchdog"):
        for _ in range(59):  # 29.5 s (polls of 0.5 s keep the float clock exact)
            consumer.poll(500)
        assert len(clients) == 1
        consumer.poll(500)
        assert len(clients) == 2
        for _ in range(59):
            consumer.poll(500)
        assert len(clients) == 2  # not on every poll: once per rejoin_after_s
        consumer.poll(500)
    assert len(clients) == 3
    assert clients[0].closed_with == {"autocommit": False, "timeout_ms": 5000}
    assert clients[1].closed_with == {"autocommit": False, "timeout_ms": 5000}
    assert clients[1].subscribed == (["t1", "t2"], listener) == clients[2].subscribed
    assert listener.revoked == []  # nothing was held
    assert sample("iprx_sink_rejoins_total") == rejoins_before + 2
    assert [r.getMessage() for r in caplog.records] == [
        "sink consumer not a stable group member for 30 s (member state rebalancing); "
        "leaving the group and joining it again as a new member",
        "sink consumer not a stable group member for 60 s (member state rebalancing); "
        "leaving the group and joining it again as a new member",
    ]


def test_a_rejoined_member_that_becomes_stable_stays_with_its_client():
    clock = Clock()
    consumer, clients = watched(clock, StuckClient(clock, MemberState.REBALANCING), MemberState.STABLE)
    consumer.subscribe(["t1"], Listener())
    for _ in range(600):  # 5 minutes
        consumer.poll(500)
    assert len(clients) == 2
    assert consumer.group_metadata().state is MemberState.STABLE


@pytest.mark.parametrize("state", [MemberState.STABLE, MemberState.REBALANCING])
def test_a_member_that_is_stable_in_time_never_rejoins(state):
    clock = Clock()
    first = StuckClient(clock, state)
    consumer, clients = watched(clock, first, MemberState.STABLE)
    consumer.subscribe(["t1"], Listener())
    for _ in range(600):
        consumer.poll(500)
        if clock.now >= 129.5:  # a slow first join (a dead member's session expiring) that ends at 29 s
            first.state = MemberState.STABLE
    assert len(clients) == 1


def test_partitions_still_held_are_revoked_before_the_rejoin_even_if_the_old_client_cannot_leave():
    clock = Clock()
    held = {TopicPartition("t1", 0)}
    consumer, clients = watched(clock, StuckClient(clock, MemberState.REBALANCING, held), MemberState.STABLE)
    listener = Listener()
    consumer.subscribe(["t1"], listener)
    for _ in range(60):
        consumer.poll(500)
    assert listener.revoked == [held]
    assert len(clients) == 2 and clients[1].subscribed == (["t1"], listener)
