"""The worker process of benchmarks/run.py: builds one implementation and times it on request."""

from __future__ import annotations

import argparse
import array
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from benchmarks.workloads import (  # noqa: E402
    IMPLS,
    ChainStats,
    build,
    current_rss_mb,
    peak_rss_mb,
    ru_maxrss_mb,
)


def _send(message: dict[str, Any]) -> None:
    print(json.dumps(message), flush=True)


def _load(path: str) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return dict(data)


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def run_steps(
    workload: Any, seconds: float, min_steps: int, max_steps: int = 0, clock: str = "wall"
) -> list[float]:
    """Seconds per step (on ``clock``) of steps run for at least ``seconds`` and ``min_steps``."""
    times = array.array("d")  # no Python float kept per step (see ChainStats)
    timer = CLOCKS[clock]
    end = time.perf_counter() + seconds
    while len(times) < min_steps or time.perf_counter() < end:
        start = timer()
        workload.step()
        times.append(timer() - start)
        if max_steps and len(times) >= max_steps:
            break
    return times.tolist()


def check_worker(args: argparse.Namespace) -> None:
    results = {}
    for name, path in zip(args.workload.split(","), args.arrays.split(","), strict=True):
        workload = build(args.impl, name, _load(path), "float64", args.threads)
        losses, params = workload.check(args.steps)
        results[f"{name}/losses"] = np.array(losses)
        results.update({f"{name}/param{i}": p for i, p in enumerate(params)})
    np.savez(args.out, **results)
    _send({"done": True})


def time_worker(args: argparse.Namespace) -> None:
    workload = build(args.impl, args.workload, _load(args.arrays), "float32", args.threads)
    warmup = run_steps(workload, args.warmup_seconds, args.warmup_steps, clock=args.clock)
    _send({"ready": True, "warmup_steps": len(warmup)})
    for line in sys.stdin:
        command = line.split()
        if command[0] == "quit":
            break
        steps = int(command[2])  # 0: as many as fit in the seconds
        seconds = float(command[1])
        _send({"times": run_steps(workload, seconds, max(steps, 1), steps, args.clock)})
    final: dict[str, Any] = {
        "peak_rss_mb": peak_rss_mb(),
        "ru_maxrss_mb": ru_maxrss_mb(),
        "rss_end_mb": current_rss_mb(),
    }
    if isinstance(getattr(workload, "stats", None), ChainStats):
        final["chain"] = workload.stats.records
        final["chain_warmup_steps"] = len(warmup)
    final["versions"] = _versions(args.impl)
    _send(final)


def _versions(impl: str) -> dict[str, Any]:
    """Library versions and the BLAS this process runs (after the peak RSS is read)."""
    versions: dict[str, Any] = {"numpy": np.__version__}
    if impl != "numpy":
        lib = sys.modules[impl]
        versions[impl] = lib.__version__
        if impl == "torch":
            versions["torch_threads"] = lib.get_num_threads()
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return versions
    versions["blas"] = [
        {k: pool.get(k) for k in ("internal_api", "architecture", "num_threads", "version")}
        for pool in threadpool_info()
    ]
    return versions


def profile_worker(args: argparse.Namespace) -> None:
    import cProfile
    import io
    import pstats

    workload = build(args.impl, args.workload, _load(args.arrays), "float32", args.threads)
    run_steps(workload, args.warmup_seconds, args.warmup_steps)
    profiler = cProfile.Profile()
    times = profiler.runcall(run_steps, workload, args.seconds, 3)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).strip_dirs().sort_stats("tottime").print_stats(args.top)
    _send({"steps": len(times), "profile": text.getvalue()})


def worker_main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="benchmark worker (started by run.py)")
    parser.add_argument("--impl", choices=IMPLS, required=True)
    parser.add_argument("--workload", required=True, help="name (check mode: comma-separated)")
    parser.add_argument("--arrays", required=True, help=".npz input(s), one per workload")
    parser.add_argument("--mode", choices=list(MODES), required=True)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--clock", choices=list(CLOCKS), default="wall", help="time: step timer")
    parser.add_argument("--steps", type=int, default=3, help="check: steps per workload")
    parser.add_argument("--out", help="check: .npz output")
    parser.add_argument("--warmup-seconds", type=float, default=0.3)
    parser.add_argument("--warmup-steps", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=3.0, help="profile: seconds profiled")
    parser.add_argument("--top", type=int, default=25, help="profile: functions shown")
    args = parser.parse_args(argv)
    try:
        MODES[args.mode](args)
    except BaseException:
        _send({"error": traceback.format_exc()})
        sys.exit(1)


MODES = {"check": check_worker, "time": time_worker, "profile": profile_worker}

if __name__ == "__main__":
    worker_main()
