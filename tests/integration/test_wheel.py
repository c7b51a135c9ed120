"""The distribution as a user gets it (issue 11, item 4): the wheel built from this checkout, installed
into a fresh virtualenv outside it, runs `iprx kafka up`, `db migrate`, `demo` and `kafka down` from a
directory that is not the checkout, with an environment that does not point back at it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
# This test's own broker, apart from the session's test broker and from everyone else's.
PORT, CONTROLLER_PORT = 19492, 19493
# What a build must not see: local state, caches and in-tree build leftovers (setuptools reuses build/lib).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", ".iprx", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache"
)
# Runtime files of the CLI, by their place in the repository and in the wheel.
PACKAGE_DATA = {
    "schemas/avro/*.avsc": "iprx/schemas/avro/",
    "schemas/history/*/*.avsc": "iprx/schemas/history/",
    "stream_processors/rulesets/*.toml": "iprx/stream_processors/rulesets/",
    "sinks/clickhouse/migrations/*.sql": "iprx/sinks/clickhouse/migrations/",
    "deploy/monitoring/*.yml": "iprx/deploy/monitoring/",
    "deploy/monitoring/rules/*.yml": "iprx/deploy/monitoring/rules/",
}
LAUNCHER = ["kafka.sh", "pom.xml", "log4j2.yaml", "tools-log4j2.yaml"]
# Run by the venv's python: its site-packages, then where iprx and two of its mapped folders import from.
WHERE = (
    "import sysconfig, iprx, iprx.sinks.clickhouse, iprx.deploy\n"
    "print(sysconfig.get_paths()['purelib'], iprx.__file__, iprx.sinks.clickhouse.__file__, iprx.deploy.__file__)"
)


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


class Timings(dict[str, float]):
    """Seconds per step, shown with every failure and printed at the end (pytest -s)."""

    def step(self, name: str) -> _Timer:
        return _Timer(self, name)

    def __str__(self) -> str:
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.items())


class _Timer:
    def __init__(self, timings: Timings, name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.started = time.monotonic()

    def __exit__(self, *_: object) -> None:
        self.timings[self.name] = time.monotonic() - self.started


TIMINGS = Timings()


def run(argv: list[str | Path], *, timeout: float, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run to completion; on timeout stop the whole process group (the demo's worker and sink too)."""
    args = [str(a) for a in argv]
    with subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, **kwargs
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
            err += f"\n[test] stopped after {timeout:.0f} s"
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def succeeded(done: subprocess.CompletedProcess[str]) -> bool:
    return done.returncode == 0


def explain(done: subprocess.CompletedProcess[str]) -> str:
    command = " ".join(Path(done.args[0]).name if i == 0 else a for i, a in enumerate(done.args))
    return (
        f"`{command}` exited {done.returncode} (steps so far: {TIMINGS})\n"
        f"--- stdout (tail) ---\n{tail(done.stdout)}\n--- stderr (tail) ---\n{tail(done.stderr)}"
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of the working tree, built from a clean copy of it (nothing cached in the checkout)."""
    base = tmp_path_factory.mktemp("wheel")
    source, dist = base / "source", base / "dist"
    with TIMINGS.step("build"):
        shutil.copytree(REPO, source, ignore=NOT_SOURCE)
        built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", dist, source], timeout=300)
    assert succeeded(built), explain(built)
    (found,) = dist.glob("ipr_exchange-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtualenv outside the checkout with the wheel and its pinned dependencies."""
    home = tmp_path_factory.mktemp("venv") / "venv"
    with TIMINGS.step("venv"):
        created = run([sys.executable, "-m", "venv", home], timeout=120)
    assert succeeded(created), explain(created)
    with TIMINGS.step("install"):
        # --no-compile: byte-compiling all of pandas, pyarrow and chdb up front costs ~15 s; the CLI
        # compiles only what it imports.
        pip = [home / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-compile"]
        installed = run([*pip, "--constraint", REPO / "constraints.txt", wheel], timeout=900)
    assert succeeded(installed), explain(installed)
    yield home
    shutil.rmtree(home, ignore_errors=True)  # about 900 MB


def clean_environment(data_dir: Path) -> dict[str, str]:
    """What a user's shell would have: no PYTHONPATH, no IPRX_* of this session, no path into the checkout."""
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and REPO not in Path(p).parents)
    kept = ("HOME", "LANG", "LC_ALL", "TMPDIR", "JAVA_HOME", "XDG_CACHE_HOME", "IPRX_KAFKA_CACHE")
    return {k: os.environ[k] for k in kept if k in os.environ} | {
        "PATH": path,
        "IPRX_DATA_DIR": str(data_dir),
        "IPRX_KAFKA_LOCAL_PORT": str(PORT),
        "IPRX_KAFKA_LOCAL_CONTROLLER_PORT": str(CONTROLLER_PORT),
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{PORT}",
    }


def test_wheel_has_one_import_name_and_every_runtime_file(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"iprx"}, f"top-level entries besides iprx: {sorted(tops - {'iprx'})}"
    (top_level,) = [n for n in names if n.endswith(".dist-info/top_level.txt")]
    assert zipfile.ZipFile(wheel).read(top_level).decode().split() == ["iprx"]

    for pattern, prefix in PACKAGE_DATA.items():
        wanted = {prefix + str(p.relative_to(REPO / prefix.removeprefix("iprx/"))) for p in REPO.glob(pattern)}
        assert wanted, f"nothing in the checkout matches {pattern}"
        missing = wanted - set(names)
        assert not missing, f"the wheel lacks {sorted(missing)}"
    missing = {f"iprx/deploy/kafka/{f}" for f in LAUNCHER} - set(names)
    assert not missing, f"the wheel lacks the Kafka launcher's {sorted(missing)}"


def test_installed_cli_runs_the_pipeline_outside_the_checkout(venv: Path, tmp_path: Path):
    cwd, data_dir = tmp_path / "work", tmp_path / "data"
    cwd.mkdir()
    env = clean_environment(data_dir)
    python, iprx = venv / "bin" / "python", venv / "bin" / "iprx"
    where = run([python, "-c", WHERE], timeout=60, cwd=cwd, env=env)
    assert succeeded(where), explain(where)
    site_packages, *modules = map(Path, where.stdout.split())
    for module in modules:
        assert module.is_relative_to(site_packages), f"{module} is not the installed copy in {site_packages}"

    # A developer command that writes into the checkout says so, instead of writing into site-packages.
    docs = run([iprx, "schemas", "docs"], timeout=60, cwd=cwd, env=env)
    assert docs.returncode == 2, explain(docs)
    assert "writes into the source checkout" in docs.stderr and "Traceback" not in docs.stderr, explain(docs)

    def step(name: str, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        with TIMINGS.step(name):
            done = run([iprx, *args], timeout=timeout, cwd=cwd, env=env)
        assert succeeded(done), explain(done)
        return done

    launcher = site_packages / "iprx" / "deploy" / "kafka" / "kafka.sh"
    if not launcher.is_file():
        launcher = REPO / "deploy" / "kafka" / "kafka.sh"  # the same script, to stop whatever was started
    broker_stopped = False
    try:
        step("kafka up", "kafka", "up", timeout=300)
        pid = int((data_dir / "kafka" / "kafka.pid").read_text())

        migrated = step("db migrate", "db", "migrate", timeout=120)
        for sql in sorted((site_packages / "iprx" / "sinks" / "clickhouse" / "migrations").glob("*.sql")):
            assert f"applied {sql.stem}" in migrated.stdout, explain(migrated)

        demo = step("demo", "demo", "--count", "200", timeout=420)
        significant = re.search(r"all 200 seizures acknowledged .*\((\d+) at or above", demo.stdout)
        landed = re.search(r"^\s+seizures\s+(\d+)$", demo.stdout, re.MULTILINE)
        signals = re.search(r"^\s+seizure\.significant\s+\w+\s+(\d+)$", demo.stdout, re.MULTILINE)
        assert significant and landed and signals, explain(demo)
        assert int(landed[1]) == 200, explain(demo)
        assert int(signals[1]) == int(significant[1]) > 0, explain(demo)

        step("kafka down", "kafka", "down", timeout=120)
        broker_stopped = True
        state = Path(f"/proc/{pid}/stat")
        # Gone, or a zombie until init reaps it (the broker runs in its own session): not running either way.
        assert not state.exists() or state.read_text().split()[2] == "Z", f"broker pid {pid} survived `kafka down`"
    finally:
        if not broker_stopped:
            # Straight through the launcher (it stops by PID), in case the installed CLI is what broke.
            stop_env = env | {
                "IPRX_KAFKA_DATA": str(data_dir / "kafka"),
                "IPRX_KAFKA_PORT": str(PORT),
                "IPRX_KAFKA_CONTROLLER_PORT": str(CONTROLLER_PORT),
            }
            run(["bash", launcher, "down"], timeout=120, cwd=cwd, env=stop_env)
    print(f"\nwheel test steps: {TIMINGS}")

    assert list(cwd.iterdir()) == [], "the installed CLI wrote into its working directory"
