"""Runs the selected stages in a fixed order and assembles the report.

Order: producer (its Publisher output is the input of the next stages), sink, processor, e2e, restart.
The sink runs before the processor on the shared input, so it lands exactly the N seizures
(the worker would add signals to the topics the sink reads).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from iprx.bench import end_to_end, processor, producer, restart, sink
from iprx.bench.environment import BenchEnv, own_peak_rss_mb, peak_rss_of
from iprx.bench.report import machine, table
from iprx.bench.workload import MixedWorkload, Workload
from iprx.kernel.config import Settings
from iprx.pipeline.supervise import say

STAGES = ("producer", "processor", "sink", "e2e", "restart")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `iprx bench`."""
    parser.add_argument(
        "--events", type=int, default=500_000, help="workload size (default 500,000: about 12 minutes on 2 cores)"
    )
    parser.add_argument(
        "--processor-events",
        type=int,
        default=50_000,
        help="mixed events for the processor stage, at most --events (default 50,000: the worker is the slow stage)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rate", type=float, default=5000, help="end-to-end offered events/s (default 5,000)")
    parser.add_argument("--e2e-seconds", type=float, default=30, help="end-to-end fixed-rate phase (default 30)")
    parser.add_argument("--ramp-step-seconds", type=float, default=10, help="each ramp step (default 10)")
    parser.add_argument("--ramp-steps", type=int, default=4, help="most ramp steps (default 4)")
    parser.add_argument(
        "--restart-keys",
        type=int,
        default=1_000_000,
        help="keys in the rule table of the restart stage (default 1,000,000)",
    )
    parser.add_argument("--stages", default=",".join(STAGES), help=f"comma-separated subset of {','.join(STAGES)}")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--profile", action="store_true", help="profile the slowest stage with pyinstrument")
    parser.add_argument(
        "--profile-events", type=int, default=100_000, help="events for the profiled re-run (default 100,000)"
    )
    parser.add_argument("--bootstrap", help="another Kafka cluster instead of the bench's local broker")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds any stage may take to drain")
    parser.add_argument("--keep-data", action="store_true", help="keep this run's topics and chDB stores")


def selected(spec: str) -> list[str]:
    names = [s.strip() for s in spec.split(",") if s.strip()]
    unknown = sorted(set(names) - set(STAGES))
    if unknown:
        raise ValueError(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGES)}")
    return [s for s in STAGES if s in names]


def run_bench(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    stages = selected(args.stages)
    # kafka-python warns when a poll of the bench's own clients is slow; on a busy machine that is noise.
    logging.getLogger("kafka").setLevel(logging.ERROR)
    logging.getLogger("aiokafka").setLevel(logging.WARNING)
    env = BenchEnv(settings, args.bootstrap, args.keep_data)
    result: dict[str, Any] = {
        "run_id": env.run_id,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "stages": {},
        "peak_rss_mb": {},
    }
    began = time.monotonic()
    env.start_broker()
    try:
        workload = Workload(args.seed, args.events)
        result["workload"] = {
            "events": args.events,
            "seed": args.seed,
            "mean_message_bytes": workload.mean_size(),
            "rate": args.rate,
            "e2e_seconds": args.e2e_seconds,
        }
        out = result["stages"]
        rss = result["peak_rss_mb"]
        source = None
        if {"producer", "sink"} & set(stages):
            source = env.stage("source")
            if "producer" in stages:
                out["producer"] = producer.run(source, env.stage("raw"), workload)
            else:
                producer.prefill(source, workload)
        if "sink" in stages:
            out["sink"] = sink.run(source, workload, args.timeout)
            rss["sink"] = out["sink"].pop("sink_peak_rss_mb")
        if "processor" in stages:
            mixed = MixedWorkload(args.seed, processor_events(args))
            out["processor"] = processor.run(env.stage("mixed"), mixed, args.timeout)
            rss["worker"] = out["processor"].pop("worker_peak_rss_mb")
        if "e2e" in stages:
            out["e2e"] = end_to_end.run(
                env.stage("e2e"), args.seed, args.rate, args.e2e_seconds, args.ramp_step_seconds, args.ramp_steps
            )
            rss["e2e worker"] = out["e2e"].pop("worker_peak_rss_mb")
            rss["e2e sink"] = out["e2e"].pop("sink_peak_rss_mb")
        if "restart" in stages:
            out["restart"] = restart.run(env.stage("restart"), args.restart_keys, args.timeout)
            rss["restart worker"] = out["restart"].pop("worker_peak_rss_mb")
        if args.profile and out:
            result["profile"] = profile_slowest(env, out, args)
        pid = env.broker_pid()
        if pid:
            rss["kafka broker (since its start)"] = peak_rss_of(pid)
        rss["bench driver (publisher, baselines)"] = own_peak_rss_mb()
    finally:
        env.close()
    result["duration_s"] = round(time.monotonic() - began, 1)
    return result


def slowest(out: dict[str, Any]) -> str | None:
    """The stage with the lowest measured throughput."""
    rates = {
        name: out[name].get("measured_events_per_s", out[name].get("measured_rows_per_s"))
        for name in ("producer", "processor", "sink")
        if name in out
    }
    return min(rates, key=rates.__getitem__) if rates else None


def processor_events(args: Any) -> int:
    return min(args.processor_events, args.events)


def profile_slowest(env: BenchEnv, out: dict[str, Any], args: Any) -> dict[str, Any]:
    """Re-run the slowest stage under pyinstrument on a fresh pipeline; return its hotspot file."""
    from iprx.bench.profiling import SAMPLE_INTERVAL_S, write
    from pyinstrument import Profiler

    stage_name = slowest(out)
    events = min(args.profile_events, processor_events(args) if stage_name == "processor" else args.events)
    say(f"profiling the slowest stage: {stage_name} ({events:,} events)")
    stage = env.stage(f"profile-{stage_name}")
    workload = Workload(args.seed, events) if stage_name != "processor" else None
    keep = env.root / "profiles"
    keep.mkdir(parents=True, exist_ok=True)
    target = keep / f"{env.run_id}-{stage_name}"
    if stage_name == "producer":
        profiler = Profiler(interval=SAMPLE_INTERVAL_S, async_mode="disabled")
        profiler.start()
        producer.publish_with_publisher(stage, workload)
        profiler.stop()
        hotspot_file = write(profiler, target)
    else:
        if stage_name == "processor":
            processor.prefill_mixed(stage, MixedWorkload(args.seed, events))
            processor.run_worker(stage, "profiled", events, args.timeout, module="iprx.bench.profiling")
        else:
            producer.prefill(stage, workload)
            sink.run_sink(stage, events, args.timeout, module="iprx.bench.profiling")
        written = stage.data_dir / f"profile-{stage_name}"
        for suffix in (".txt", ".hotspots.txt", ".pyisession"):
            src = written.with_suffix(suffix)
            if src.is_file():
                src.replace(target.with_suffix(suffix))
        hotspot_file = target.with_suffix(".hotspots.txt")
    text = hotspot_file.read_text() if hotspot_file.is_file() else "(no profile written)"
    say(f"profile of {stage_name}: {target.with_suffix('.txt')}\n{text}")
    return {"stage": stage_name, "events": events, "call_tree": str(target.with_suffix(".txt")), "hotspots": text}


def main(settings: Settings, args: argparse.Namespace) -> int:
    """`iprx bench`: run, print the table, optionally write JSON."""
    result = run_bench(settings, args)
    print(table(result), flush=True)
    if result.get("profile"):
        print(f"\nprofile of the slowest stage ({result['profile']['stage']}), functions by own time:")
        print(result["profile"]["hotspots"])
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str) + "\n")
        say(f"wrote {args.json}")
    return 0
