"""Profiles one pipeline process with pyinstrument: `python -m iprx.bench.profiling {worker|sink} OUT`.

The service runs as under `iprx`, until SIGTERM; then OUT.txt (the call tree) and OUT.hotspots.txt
(functions by own time) are written.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

# 5 ms: a few minutes of worker at pyinstrument's default 1 ms made a 400 MB session that took
# longer to save than the bench waits for a stopping process.
SAMPLE_INTERVAL_S = 0.005
PROJECT_DIRS = ("iprx/", "schemas/", "producers/", "stream_processors/", "sinks/", "bench/")


def _frames(session: Any) -> list[Any]:
    root = session.root_frame()
    frames, stack = [], [root] if root is not None else []
    while stack:
        frame = stack.pop()
        stack.extend(frame.children)
        if not frame.is_synthetic:
            frames.append(frame)
    return frames


def _label(frame: Any) -> str:
    return f"{frame.function} ({frame.file_path_short}:{frame.line_no})"


def _caller(frame: Any) -> str:
    parent = frame.parent
    while parent is not None and parent.is_synthetic:
        parent = parent.parent
    return f" <- {parent.function}" if parent is not None else ""


def hotspots(session: Any, top: int = 15) -> list[tuple[float, float, str]]:
    """``(own seconds, share of the profile, function <- caller)`` for the ``top`` by own time."""
    own: dict[str, float] = defaultdict(float)
    for frame in _frames(session):
        own[_label(frame) + _caller(frame)] += frame.total_self_time
    total = session.duration or 1.0
    ranked = sorted(own.items(), key=lambda kv: kv[1], reverse=True)[:top]
    return [(seconds, seconds / total, name) for name, seconds in ranked]


def project_functions(session: Any, top: int = 15) -> list[tuple[float, float, str]]:
    """The project's own functions by inclusive time (outermost call of each only)."""
    inclusive: dict[str, float] = defaultdict(float)
    for frame in _frames(session):
        path = frame.file_path or ""
        if not any(f"/{d}" in path for d in PROJECT_DIRS) or "site-packages" in path:
            continue
        outer = frame.parent
        while outer is not None and _label(outer) != _label(frame):
            outer = outer.parent
        if outer is None:  # not a recursive inner call
            inclusive[_label(frame)] += frame.time
    total = session.duration or 1.0
    ranked = sorted(inclusive.items(), key=lambda kv: kv[1], reverse=True)[:top]
    return [(seconds, seconds / total, name) for name, seconds in ranked]


def write(profiler: Any, out: Path) -> Path:
    """Write the hotspot list, the call tree and the session next to ``out``; return the hotspot file.

    The hotspots come first: they are what the bench prints, and saving a long session takes a while.
    """
    session = profiler.last_session
    lines = [f"by own time (of {session.duration:.1f}s sampled in the main thread):"]
    lines += [f"{share:6.1%}  {seconds:8.2f}s  {name}" for seconds, share, name in hotspots(session)]
    lines += ["", "project functions by inclusive time:"]
    lines += [f"{share:6.1%}  {seconds:8.2f}s  {name}" for seconds, share, name in project_functions(session)]
    target = out.with_suffix(".hotspots.txt")
    target.write_text("\n".join(lines) + "\n")
    out.with_suffix(".txt").write_text(profiler.output_text(unicode=False, color=False))
    session.save(str(out.with_suffix(".pyisession")))  # open with: pyinstrument --load FILE
    return target


def main(argv: list[str]) -> None:
    import logging

    from iprx.kernel.config import load_settings
    from iprx.pipeline import services
    from pyinstrument import Profiler

    service, out = argv[0], Path(argv[1])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(logging.WARNING)
    settings = load_settings()
    run = {"worker": services.run_worker, "sink": services.run_sink}[service]
    profiler = Profiler(interval=SAMPLE_INTERVAL_S, async_mode="disabled")
    profiler.start()
    try:
        if service == "worker":
            sys.argv = ["iprx-worker"]  # Faust parses the command line
        run(settings)
    except SystemExit:
        pass
    finally:
        profiler.stop()
        write(profiler, out)


if __name__ == "__main__":
    main(sys.argv[1:])
