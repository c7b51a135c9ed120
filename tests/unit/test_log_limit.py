"""The repeat limiter: the first line of a kind passes, repeats are counted, one summary per interval."""

from __future__ import annotations

import logging

from iprx.kernel.log_limit import RepeatLimiter, install


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def record(name: str, msg: str, *args: object, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_first_line_passes_repeats_are_suppressed_then_summarised_once_per_interval():
    clock = Clock()
    limiter = RepeatLimiter(60.0, clock=clock)
    passed = []
    for second in range(0, 185):  # three minutes of one failure, ten lines a second
        clock.now = float(second)
        for attempt in range(10):
            r = record("aiokafka.conn", "Unable connect to node with id %s: [Errno 111] port %d", 1, 9092 + attempt)
            if limiter.filter(r):
                passed.append((second, r.getMessage()))
    assert [s for s, _ in passed] == [0, 60, 120, 180]
    assert passed[0][1] == "Unable connect to node with id 1: [Errno 111] port 9092"
    assert passed[1][1].endswith("[599 similar message(s) suppressed in the last 60 s]")
    assert all("599 similar" in m for _, m in passed[1:])


def test_kinds_are_counted_apart_and_our_own_lines_always_pass():
    clock = Clock()
    limiter = RepeatLimiter(60.0, clock=clock)
    assert limiter.filter(record("kafka.client", "Node %d not ready", 1))
    assert limiter.filter(record("kafka.client", "Node %d not ready", 1, level=logging.WARNING))  # another level
    assert limiter.filter(record("faust.transport", "Heartbeat failed"))  # another message
    assert not limiter.filter(record("kafka.client", "Node %d not ready", 2))
    assert all(limiter.filter(record("iprx.sinks.runner", "ClickHouse unavailable")) for _ in range(5))
    assert all(limiter.filter(record("kafkaesque", "not a client library")) for _ in range(5))


def test_a_kind_quiet_for_an_interval_passes_again_without_a_summary():
    clock = Clock()
    limiter = RepeatLimiter(60.0, clock=clock)
    assert limiter.filter(record("kafka.conn", "connect failed"))
    clock.now = 61.0
    r = record("kafka.conn", "connect failed")
    assert limiter.filter(r) and r.getMessage() == "connect failed"


def test_install_puts_one_limiter_on_the_root_handlers(caplog):
    handler = logging.StreamHandler()
    install(60.0, [handler])
    limiter = install(60.0, [handler])  # again (the worker re-configures logging): still one
    assert [f for f in handler.filters if isinstance(f, RepeatLimiter)] == [limiter]


def test_a_summary_line_formats_under_fausts_formatter_too():
    from mode.utils.logging import ExtensionFormatter

    clock = Clock()
    limiter = RepeatLimiter(60.0, clock=clock)
    for second in (0, 1, 61):
        clock.now = float(second)
        r = record("aiokafka.client", "Unable connect to node with id %s: %s (100%% down)", 1, "refused")
        if limiter.filter(r):
            line = ExtensionFormatter(fmt="%(message)s").format(r)
    summary = "[1 similar message(s) suppressed in the last 61 s]"
    assert line == f"Unable connect to node with id 1: refused (100% down) {summary}"
