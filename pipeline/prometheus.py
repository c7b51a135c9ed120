"""Runs the real Prometheus (Debian's package) against the local pipeline: start, stop and find it by PID.

Everything lives under ``<data_dir>/prometheus``: the rendered configuration, the TSDB, the log, the PID file.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from iprx.kernel.config import Settings
from iprx.pipeline.prometheus_config import render, scrape_jobs

MONITORING_DIR = Path(str(files("iprx.deploy"))) / "monitoring"  # package data: works from a wheel too
INSTALL_HINT = "install Debian's prometheus package (as root: deploy/monitoring/install-prometheus.sh)"


class PrometheusError(RuntimeError):
    """Prometheus is not installed, did not start, or did not stop."""


@dataclass(frozen=True)
class PrometheusPaths:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "prometheus.yml"

    @property
    def tsdb(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "prometheus.log"

    @property
    def pid_file(self) -> Path:
        return self.root / "prometheus.pid"


def paths(settings: Settings) -> PrometheusPaths:
    return PrometheusPaths(settings.data_path / "prometheus")


def binary() -> str | None:
    """The prometheus executable: on PATH, or where Debian puts it."""
    return shutil.which("prometheus") or ("/usr/bin/prometheus" if os.access("/usr/bin/prometheus", os.X_OK) else None)


def url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.monitoring.port}"


def effective_config(settings: Settings) -> str:
    """The configuration `up` runs with: the settings' ports and group ids, the shipped rule files."""
    rules = (MONITORING_DIR / "rules").resolve()
    return render(
        scrape_jobs(settings),
        settings.monitoring.scrape_interval_s,
        rule_files=str(rules / "*.yml"),
        header="Written by `iprx monitoring up` from the effective settings; edit those, not this file.",
    )


def _alive(pid: int) -> bool:
    """True if ``pid`` runs Prometheus (not a zombie, not a PID reused by another program)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in {"Z", "X"} and bool(cmdline) and os.path.basename(cmdline[0]) == b"prometheus"


def running_pid(settings: Settings) -> int | None:
    """The PID of the Prometheus that `up` started, if it still runs."""
    try:
        pid = int(paths(settings).pid_file.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _ready(settings: Settings) -> bool:
    try:
        with urllib.request.urlopen(f"{url(settings)}/-/ready", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _port_taken(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _last_error(log: Path) -> str:
    lines = log.read_text(errors="replace").splitlines() if log.is_file() else []
    errors = [line for line in lines if "level=error" in line]
    return (errors or lines or ["(empty log)"])[-1]


def up(settings: Settings, timeout_s: float = 60.0) -> str:
    """Start Prometheus in the background unless it runs; wait until it is ready. Returns what happened."""
    p = paths(settings)
    pid = running_pid(settings)
    if pid is not None:
        return f"Prometheus already running: pid {pid}, {url(settings)}, config {p.config}"
    exe = binary()
    if exe is None:
        raise PrometheusError(f"prometheus is not installed: {INSTALL_HINT}")
    if _port_taken(settings.monitoring.port):
        # Checked first: otherwise the other server would answer the readiness probe.
        raise PrometheusError(
            f"port {settings.monitoring.port} on 127.0.0.1 is in use by another program: set monitoring.port "
            "(IPRX_MONITORING_PORT)"
        )
    p.tsdb.mkdir(parents=True, exist_ok=True)
    p.config.write_text(effective_config(settings), encoding="utf-8")
    command = [
        exe,
        f"--config.file={p.config}",
        f"--storage.tsdb.path={p.tsdb}",
        f"--storage.tsdb.retention.time={settings.monitoring.retention}",
        f"--web.listen-address=127.0.0.1:{settings.monitoring.port}",
    ]
    with open(p.log, "ab") as log:
        proc = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    p.pid_file.write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            p.pid_file.unlink(missing_ok=True)
            raise PrometheusError(f"prometheus exited with code {proc.returncode}: {_last_error(p.log)} (log {p.log})")
        if _ready(settings):
            break
        if time.monotonic() > deadline:
            _stop(proc.pid)
            p.pid_file.unlink(missing_ok=True)
            raise PrometheusError(f"prometheus was not ready on {url(settings)} within {timeout_s:.0f}s (log {p.log})")
        time.sleep(0.2)
    return f"Prometheus running: pid {proc.pid}, {url(settings)}, config {p.config}, log {p.log}"


def _stop(pid: int, timeout_s: float = 30.0) -> None:
    """SIGTERM, then SIGKILL after ``timeout_s``; returns once the process is gone."""
    for sig, wait_s in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.1)
    raise PrometheusError(f"prometheus (pid {pid}) did not stop")


def down(settings: Settings) -> str:
    """Stop the Prometheus that `up` started, by its PID."""
    p = paths(settings)
    pid = running_pid(settings)
    if pid is None:
        p.pid_file.unlink(missing_ok=True)
        return "Prometheus not running"
    _stop(pid)
    p.pid_file.unlink(missing_ok=True)
    return f"Prometheus stopped (pid {pid})"


def status(settings: Settings) -> tuple[bool, str]:
    """Whether it runs, and a line saying so."""
    pid = running_pid(settings)
    if pid is None:
        return False, f"Prometheus not running (data {paths(settings).root})"
    return True, f"Prometheus running: pid {pid}, {url(settings)}, config {paths(settings).config}"
