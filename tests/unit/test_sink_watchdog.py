"""The sink watchdog's judgement (fake clock) and what it does when it trips (log, metrics, stop)."""

from __future__ import annotations

import logging
import threading

from iprx.sinks.watchdog import Health, Watchdog
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
