"""Starting pipeline processes, and waiting on consumer-group lag until they have caught up."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from typing import IO

from iprx.kernel import topics
from iprx.kernel.config import Settings
from iprx.kernel.kafka_admin import KafkaUnavailable, group_lag
from kafka.errors import KafkaError


class PipelineError(RuntimeError):
    """A pipeline process died or the pipeline did not catch up in time."""


def say(message: str) -> None:
    print(f"[iprx] {message}", flush=True)


class Child:
    """A pipeline process started by the demo, logging to a file, stopped by PID."""

    def __init__(self, name: str, args: list[str], log_dir: Path, env: dict[str, str]) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log: IO[bytes] = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "iprx", *args], stdout=self._log, stderr=subprocess.STDOUT, env=env
        )
        say(f"started {name} (pid {self.proc.pid}), log {self.log_path}")

    def check_alive(self) -> None:
        if self.proc.poll() is not None:
            raise PipelineError(f"{self.name} exited with code {self.proc.returncode}:\n{self.tail()}")

    def tail(self, lines: int = 25) -> str:
        with open(self.log_path, errors="replace") as f:
            return "".join(deque(f, maxlen=lines))

    def stop(self, timeout: float = 30.0) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                say(f"{self.name} did not stop within {timeout:.0f}s; killing pid {self.proc.pid}")
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def pipeline_groups(settings: Settings) -> list[tuple[str, list[str]]]:
    """The consumer groups of the pipeline with the topics each reads, in processing order."""
    from iprx.stream_processors import rekey  # imported late: it pulls in the rules

    landed = [settings.topic(t.name) for t in topics.ALL]  # the sink lands every topic
    worker = [settings.topic(t.name) for t in topics.WORKER_INPUTS] + rekey.topic_names(settings)
    return [(settings.worker.group_id, worker), (settings.sink.group_id, landed)]


def wait_until_caught_up(
    settings: Settings, groups: list[tuple[str, list[str]]], children: list[Child], timeout_s: float
) -> None:
    """Poll consumer-group lag until every group has committed everything, twice in a row, or fail.

    Groups are read in order each round: a downstream group's lag is final only once the groups
    before it have published all they will publish.
    """
    deadline = time.monotonic() + timeout_s
    calm = 0
    said, said_at = "", 0.0
    unreachable_since: float | None = None
    while True:
        for child in children:
            child.check_alive()
        asked_at = time.monotonic()
        try:
            behind = {group: group_lag(settings, group, names) for group, names in groups}
        except KafkaUnavailable:
            # The broker is down or restarting: keep asking, less often, until the deadline.
            behind = {}
            unreachable_since = unreachable_since or asked_at
            line = (
                f"the Kafka broker at {settings.kafka.bootstrap_servers} is unreachable; "
                f"retrying until the deadline ({max(deadline - time.monotonic(), 0):.0f} s left)"
            )
        except KafkaError as exc:
            if not getattr(exc, "retriable", False):
                raise
            behind = {}
            line = f"waiting for the consumer groups to form ({type(exc).__name__})"
        else:
            if unreachable_since is not None:
                say(f"the Kafka broker answers again after {time.monotonic() - unreachable_since:.0f} s")
                unreachable_since = None
            line = "waiting for the pipeline: " + ", ".join(f"{g} lag {sum(b.values())}" for g, b in behind.items())
        if line != said or time.monotonic() - said_at >= 15:  # progress, without a line per second
            say(line)
            said, said_at = line, time.monotonic()
        calm = calm + 1 if behind and not any(sum(b.values()) for b in behind.values()) else 0
        if calm >= 2:
            return
        if time.monotonic() > deadline:
            stuck = ", ".join(
                f"{g} {tp.topic}:{tp.partition} lag {n}" for g, b in behind.items() for tp, n in b.items() if n
            )
            if unreachable_since is not None:
                stuck = f"the Kafka broker has been unreachable for {time.monotonic() - unreachable_since:.0f} s"
            tails = "".join(f"\n--- last lines of {c.log_path} ---\n{c.tail(15)}" for c in children)
            raise PipelineError(f"pipeline did not catch up within {timeout_s:.0f}s ({stuck or 'lag unknown'}){tails}")
        # Backoff while unreachable (each attempt already waits for the client's bootstrap timeout).
        down_for = 0.0 if unreachable_since is None else time.monotonic() - unreachable_since
        time.sleep(min(1.0 + down_for / 10, 5.0, max(deadline - time.monotonic(), 0.0)))
