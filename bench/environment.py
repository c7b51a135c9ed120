"""Where the bench runs: its own broker ports and data dir, one isolated pipeline per stage."""

from __future__ import annotations

import dataclasses
import os
import resource
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from iprx.kernel.config import Settings, load_settings
from iprx.kernel.kafka_admin import KafkaUnavailable, admin_client, create_topics, group_lag, wait_for_broker
from iprx.pipeline import local_kafka
from iprx.pipeline.supervise import Child, say
from kafka.errors import KafkaError

BENCH_PORT = 29192  # not 9092 (demo) nor 19092 (tests)


@dataclass
class Stage:
    """One stage's isolated pipeline: topic prefix, consumer groups and chDB store of its own."""

    name: str
    data_dir: Path
    env: dict[str, str]
    settings: Settings

    @property
    def worker_group(self) -> str:
        return self.settings.worker.group_id

    @property
    def sink_group(self) -> str:
        return self.settings.sink.group_id

    def topic(self, name: str) -> str:
        return self.settings.topic(name)

    def process_env(self) -> dict[str, str]:
        return dict(os.environ) | self.env

    def start(self, name: str, args: list[str], module: str = "iprx") -> BenchChild:
        log_dir = self.data_dir / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        return BenchChild(name, [module, *args], log_dir, self.process_env())

    def total_lag(self, group: str, topic_names: list[str]) -> int:
        return sum(group_lag(self.settings, group, topic_names).values())


class BenchChild(Child):
    """A :class:`Child` that may run any module (e.g. under the profiler) and reports its peak RSS."""

    def __init__(self, name: str, argv: list[str], log_dir: Path, env: dict[str, str]) -> None:
        if argv[0] == "iprx":
            super().__init__(name, argv[1:], log_dir, env)
            return
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "-m", *argv], stdout=self._log, stderr=subprocess.STDOUT, env=env)
        say(f"started {name} (pid {self.proc.pid}), log {self.log_path}")

    def peak_rss_mb(self) -> float:
        return peak_rss_of(self.proc.pid)


def peak_rss_of(pid: int) -> float:
    """VmHWM (peak resident set) of a live process in MiB; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def own_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class BenchEnv:
    """The bench's broker (started if needed, stopped at the end if started) and its stages."""

    def __init__(self, settings: Settings, bootstrap: str | None, keep_data: bool) -> None:
        self.base = settings
        self.root = (Path(settings.data_dir) / "bench").resolve()  # broker data, runs, profiles
        self.run_id = uuid.uuid4().hex[:8]
        self.run_dir = self.root / f"run-{self.run_id}"
        self.keep_data = keep_data
        kafka = dataclasses.replace(
            settings.kafka,
            bootstrap_servers=bootstrap or f"127.0.0.1:{BENCH_PORT}",
            local_port=BENCH_PORT,
            local_controller_port=BENCH_PORT + 1,
        )
        self.broker = dataclasses.replace(settings, data_dir=str(self.root), kafka=kafka)
        self.started_broker = False
        self.stages: list[Stage] = []

    @property
    def bootstrap(self) -> str:
        return self.broker.kafka.bootstrap_servers

    def start_broker(self) -> None:
        """Use whatever broker answers at the bootstrap address; else start the bench's own one."""
        try:
            wait_for_broker(self.broker, timeout_s=3)
            say(f"using the Kafka broker at {self.bootstrap}")
            return
        except (KafkaUnavailable, KafkaError):
            if not local_kafka.is_local(self.broker):
                raise
        say(f"starting the bench's Kafka broker on {self.bootstrap}")
        local_kafka.run(self.broker, "up")
        self.started_broker = True
        wait_for_broker(self.broker, timeout_s=60)

    def broker_pid(self) -> int | None:
        pid_file = self.root / "kafka" / "kafka.pid"
        try:
            pid = int(pid_file.read_text().strip())
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return pid if b"kafka.Kafka" in f.read() else None
        except (OSError, ValueError):
            return None

    def stage(self, name: str) -> Stage:
        """A fresh isolated pipeline named ``name`` with its topics created."""
        data_dir = self.run_dir / name
        data_dir.mkdir(parents=True, exist_ok=True)
        tag = f"bench-{self.run_id}-{name}"
        env = {
            "IPRX_DATA_DIR": str(data_dir),
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "IPRX_KAFKA_TOPIC_PREFIX": f"{tag}.",
            "IPRX_WORKER_GROUP_ID": f"{tag}-worker",
            "IPRX_SINK_GROUP_ID": f"{tag}-sink",
            "IPRX_CLICKHOUSE_DSN": "",  # always the embedded chDB store of this stage
        }
        if self.base.source != "defaults":
            env["IPRX_CONFIG"] = self.base.source
        settings = load_settings(env=dict(os.environ) | env)
        create_topics(settings)
        stage = Stage(name, data_dir, env, settings)
        self.stages.append(stage)
        return stage

    def close(self) -> None:
        """Delete this run's topics and data (unless kept), and stop the broker if the bench started it."""
        if not self.keep_data:
            self._delete_topics()
            shutil.rmtree(self.run_dir, ignore_errors=True)
        if self.started_broker:
            say("stopping the Kafka broker the bench started")
            local_kafka.run(self.broker, "down", check=False)

    def _delete_topics(self) -> None:
        prefixes = tuple(s.settings.kafka.topic_prefix for s in self.stages)
        if not prefixes:
            return
        try:
            admin = admin_client(self.broker)
            try:
                names = [t for t in admin.list_topics() if t.startswith(prefixes)]
                if names:
                    admin.delete_topics(names)
            finally:
                admin.close()
        except Exception as exc:  # cleanup is best effort
            say(f"could not delete the bench topics: {exc}")


def wait_for_lag_zero(
    stage: Stage, group: str, topic_names: list[str], total: int, children: list[BenchChild], timeout_s: float
) -> tuple[float, float]:
    """Poll ``group``'s committed offsets until ``total`` records are done; return the throughput window.

    The window runs from the first poll that saw progress to the poll that saw lag 0, and the
    returned pair is ``(records done in the window, seconds)``. If the first progress seen was
    already lag 0 (a tiny workload), the window starts when the wait started.
    """
    started = time.monotonic()
    first: tuple[float, int] | None = None
    deadline = started + timeout_s
    last_said = 0.0
    while True:
        for child in children:
            child.check_alive()
        try:
            lag = stage.total_lag(group, topic_names)
        except Exception as exc:  # the group may not exist yet
            lag = total
            if time.monotonic() - last_said > 10:
                say(f"waiting for group {group} ({type(exc).__name__})")
                last_said = time.monotonic()
        now = time.monotonic()
        done = total - lag
        if first is None and done > 0:
            first = (now, done) if lag > 0 else (started, 0)
        if lag == 0 and first is not None:
            return done - first[1], max(now - first[0], 1e-3)
        if now - last_said > 10:
            say(f"{group}: {done:,}/{total:,} committed")
            last_said = now
        if now > deadline:
            raise TimeoutError(f"{group} did not finish {total} records within {timeout_s:.0f}s (lag {lag})")
        time.sleep(0.25)


def wait_for_drain(
    stage: Stage, group: str, topic_names: list[str], children: list[BenchChild], timeout_s: float
) -> float:
    """Seconds until ``group`` has committed everything in ``topic_names`` (0 if it already had)."""
    started = time.monotonic()
    last_said = started
    while True:
        for child in children:
            child.check_alive()
        lag = stage.total_lag(group, topic_names)
        now = time.monotonic()
        if lag == 0:
            return now - started
        if now - last_said > 10:
            say(f"{group}: {lag:,} re-keyed record(s) still to process")
            last_said = now
        if now - started > timeout_s:
            raise TimeoutError(f"{group} did not drain {', '.join(topic_names)} within {timeout_s:.0f}s (lag {lag})")
        time.sleep(0.25)
