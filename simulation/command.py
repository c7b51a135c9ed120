"""`iprx simulate`: generate, publish (or write files), write the ground truth, print a summary."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from iprx.kernel.config import Settings
from iprx.simulation import Simulation, simulate
from iprx.simulation.output import SCRIPT, Progress, publish, write_files
from iprx.simulation.patterns import ruleset_mismatches
from iprx.simulation.truth import write_truth


def say(message: str) -> None:
    print(f"[simulate] {message}", flush=True)


def run(
    settings: Settings,
    seed: int,
    count: int,
    anchor: datetime,
    out: Path | None,
    truth: Path | None,
    wait_s: float | None,
) -> int:
    """Exit code 0 on success, 2 if the request cannot be honoured."""
    from iprx.stream_processors.ruleset import load_ruleset

    now = datetime.now(UTC)
    if anchor > now:
        print(f"error: the anchor {anchor.isoformat()} is in the future (events would be rejected)", file=sys.stderr)
        return 2
    try:
        simulation = simulate(seed, count, anchor)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    ruleset = load_ruleset(settings.worker.ruleset_file or None)
    for problem in ruleset_mismatches(ruleset.params):
        say(f"warning: rule set {ruleset.version}: {problem}; the ground truth may not hold")
    say(f"seed {seed}, {count:,} events, anchor {simulation.anchor.isoformat()}")
    if out is None:
        between = None if wait_s is None else _wait_for_worker(settings, wait_s)
        publish(simulation, settings, between, Progress(count))
        say(f"published {count:,} events to {settings.kafka.bootstrap_servers}")
        if wait_s is not None:
            from iprx.pipeline.watermark import settle

            settle(settings, timeout_s=wait_s, landed=False)  # the simulation is complete: close event time
    else:
        files = write_files(simulation, out)
        for f in files:
            say(f"wrote {f.records:,} records to {f.path}")
        say(f"publish them in {out}, phase 1 first; let the worker catch up (no lag) before phase 2, then")
        say("close event time with `iprx watermark` (deadlines after the last event fire then):")
        for phase in sorted({f.phase for f in files}):
            say(f"  phase {phase} (sh {out / SCRIPT} {phase}):")
            for f in files:
                if f.phase == phase:
                    say(f"    {f.command()}")
    truth = truth or (out / "truth.jsonl" if out else Path("simulate-truth.jsonl"))
    lines = write_truth(truth, simulation.expected)
    print_summary(simulation)
    say(f"ground truth: {lines} signals in {truth}")
    return 0


def _wait_for_worker(settings: Settings, timeout_s: float):
    """Between phases: wait until the worker group has processed everything published so far."""
    from iprx.kernel.topics import WORKER_INPUTS
    from iprx.pipeline.supervise import wait_until_caught_up
    from iprx.stream_processors import rekey

    def wait() -> None:
        group = settings.worker.group_id
        names = [settings.topic(t.name) for t in WORKER_INPUTS] + rekey.topic_names(settings)
        say(f"phase 1 delivered; waiting for worker group {group} to process it (timeout {timeout_s:.0f}s)")
        wait_until_caught_up(settings, [(group, names)], [], timeout_s)

    return wait


def print_summary(simulation: Simulation) -> None:
    families = simulation.per_family()
    phases = simulation.phases()
    print("events per family:")
    for family, n in sorted(families.items()):
        print(f"  {family:<12} {n:>9,}")
    print(f"  {'total':<12} {sum(families.values()):>9,}  (phase 1: {len(phases[0]):,}, phase 2: {len(phases[1]):,})")
    planted = sum(1 for p in simulation.planned if p.origin != "noise")
    print(f"planted: {planted:,} events; signals they must produce, and near misses that must not fire:")
    signals, misses = simulation.signals_per_rule(), simulation.near_misses_per_rule()
    width = max(len(r) for r in signals | misses)
    print(f"  {'rule':<{width}}  signals  near misses")
    for rule in sorted(signals | misses):
        print(f"  {rule:<{width}}  {signals[rule]:>7}  {misses[rule]:>11}")
    print(f"  {'total':<{width}}  {sum(signals.values()):>7}  {sum(misses.values()):>11}")
