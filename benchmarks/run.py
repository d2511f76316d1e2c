"""Training-step benchmark: microtensor against hand-written NumPy and PyTorch (when installed).

Workloads (see ``benchmarks/workloads.py``; one step = forward + loss + backward + update):

* W1: moons 750x2 full batch, 2-5-1 sigmoid, squared error summed and halved, GD lr 0.1;
* W2: digits 1437x64 full batch (min-max scaled), 64-64-10 sigmoid, cross-entropy, SGD lr 0.1;
* W3: digits, one shuffled epoch of minibatches of 32 (DataLoader), 64-128-10 ReLU,
  cross-entropy, Adam lr 1e-3 (one step = one epoch);
* W4: synthetic batch of 128, 784-512-512-10 ReLU, cross-entropy, Adam lr 1e-3;
* W6: a chain of 100,000 small elementwise ops, forward + backward (time and memory);
* W7: a small CNN on a batch of 64 digits as 1x8x8 images (conv 16 - pool - conv 32 - pool -
  linear), cross-entropy, Adam lr 1e-3; the hand NumPy version is im2col (``numpy_cnn.py``);
* W8: an LSTM (input 32, hidden 64) on batch 32 x 20 steps, Linear(64, 1) on the last output,
  MSE, Adam: microtensor against torch only (no hand NumPy version);
* W1u: W1 as a user writes it (the squared error composed of ops, ``((out - y) ** 2).sum() /
  2``), with torch on its default thread count (no ``set_num_threads``, no thread variables);
* W9: a character GPT step (``benchmarks/gpt.py``: 2 blocks, 4 heads, n_embd 64, block 32,
  batch 16, AdamW), the model written with plain modules; against torch only;
* W10: many tiny ops (``benchmarks/crf.py``): a CRF's forward algorithm and Viterbi score over
  50 tags x 30 steps written tag by tag (scalar indexing, logsumexp, max, cat), fwd + bwd.

After the table, the wall time of ``python -c "import microtensor"`` next to NumPy's and torch's
(``benchmarks/import_time.py``). The targets are issue 15's (``SPECS[name]["target"]``); peak
RSS is held to 1.25x the NumPy process (2x for W6's graph of 100,000 ops).

Each implementation runs in its own worker process, so its peak RSS (``ru_maxrss``) is its
own; all start from the same float32 initial weights. First a check: every implementation
runs a few steps in float64 and its losses and parameters must equal the NumPy version's
(rtol 1e-9); the run stops with exit status 1 if they differ. Then the timing: each worker
warms up, then the workers take turns running rounds (the turn order rotates), so a change in
machine load hits all of them alike; each step is timed on its own. The table gives the
median, min and max ms per step, the ratios of medians against NumPy and torch, the peak RSS
and its ratio against NumPy, and the issue's targets with PASS/FAIL.

Clock: ``--clock wall`` (the default) times steps with ``time.perf_counter``; ``--clock cpu``
with ``time.process_time``, this process's CPU time, which a busy machine disturbs far less
(its load average is recorded either way). With more than one thread CPU time adds up the
threads' times, so W1u, where torch picks its own thread count, is always timed on the wall
clock, and each workload's line names its clock.

Threads: all three run with the same thread count, ``--threads`` (default 1), set through
OMP/OPENBLAS/MKL_NUM_THREADS and ``torch.set_num_threads``. One thread is PyTorch's best case on
the small workloads (its intra-op threads only split large tensors, and on a busy 2-core machine
their spinning made its W3 epoch 15x slower), so the targets against torch are not helped by
it; NumPy and microtensor share the same BLAS, so the targets against NumPy hardly depend on
it. ``--threads 2`` gives PyTorch's default on a 2-core machine. Other environment variables
(such as OPENBLAS_CORETYPE) pass through unchanged and are recorded in the JSON.

Usage:
    python benchmarks/run.py                      # full run, a few minutes
    python benchmarks/run.py --quick              # a couple of steps each: proves it works
    python benchmarks/run.py --workloads W1,W6 --seconds 2 --json results.json
    python benchmarks/run.py --profile microtensor --workloads W1   # where its time goes
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from benchmarks import import_time  # noqa: E402
from benchmarks.workloads import IMPLS, SPECS, make_arrays  # noqa: E402

WORKER = Path(__file__).resolve().with_name("worker.py")
CHECK_STEPS, RTOL, ATOL = 3, 1e-9, 1e-12
RSS_TARGET, CHAIN_BACKWARD_TARGET_S, RELEASED_FRACTION = 1.25, 1.0, 0.25
THREAD_VARIABLES = ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"]
RECORDED_VARIABLES = THREAD_VARIABLES + ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"]


class BenchmarkError(RuntimeError):
    """A worker failed, or the implementations disagree."""


def worker_env(threads: int) -> dict[str, str]:
    env = dict(os.environ, **{name: str(threads) for name in THREAD_VARIABLES})
    env["PYTHONPATH"] = os.pathsep.join(
        [str(WORKER.parents[1]), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return env


class Worker:
    """One worker process, spoken to one JSON line at a time."""

    def __init__(self, impl: str, args: list[str], threads: int, default_threads: bool = False):
        self.impl = impl
        command = [sys.executable, str(WORKER), "--impl", impl, *args, "--threads", str(threads)]
        env = worker_env(threads)
        if default_threads:  # the library picks its own thread count, as for a user
            env = {k: v for k, v in env.items() if k not in THREAD_VARIABLES}
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )

    def receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.process.wait()
            raise BenchmarkError(f"{self.impl} worker exited ({self.process.returncode})")
        message = json.loads(line)
        if "error" in message:
            self.process.wait()
            raise BenchmarkError(f"{self.impl} worker failed:\n{message['error']}")
        return message  # type: ignore[no-any-return]

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.receive()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


# --- correctness check ------------------------------------------------------------------------


def workload_impls(name: str, impls: list[str]) -> list[str]:
    """The implementations of ``impls`` that workload ``name`` has (W8 has no NumPy one)."""
    return [i for i in impls if i in SPECS[name]["impls"]]


def check(
    names: list[str], impls: list[str], paths: dict[str, str], tmp: Path, threads: int
) -> dict[str, dict[str, Any]]:
    """Run every implementation for CHECK_STEPS steps in float64; compare with NumPy's numbers.

    A workload without a NumPy version (W8) is compared with torch's numbers instead.
    """
    outputs = {}
    for impl in impls:
        mine = [n for n in names if impl in workload_impls(n, impls)]
        if not mine:
            continue
        out = tmp / f"check-{impl}.npz"
        args = ["--mode", "check", "--workload", ",".join(mine), "--steps", str(CHECK_STEPS)]
        args += ["--arrays", ",".join(paths[n] for n in mine), "--out", str(out)]
        worker = Worker(impl, args, threads)
        try:
            worker.receive()
        finally:
            worker.close()
        with np.load(out) as data:
            outputs[impl] = dict(data)
    report: dict[str, dict[str, Any]] = {}
    for name in names:
        report[name] = {}
        if not workload_impls(name, impls):
            continue
        available = workload_impls(name, impls)
        ref = next(i for i in ("numpy", "torch", *available) if i in available)
        others = [i for i in available if i != ref]
        reference = outputs[ref]
        keys = [k for k in reference if k.startswith(f"{name}/")]
        report[name] = {}
        for impl in [i for i in others if i != ref]:
            diffs = [compare(reference[k], outputs[impl].get(k)) for k in keys]
            report[name][impl] = {
                "ok": all(d["ok"] for d in diffs),
                "max_abs_diff": max(d["abs"] for d in diffs),
                "max_rel_diff": max(d["rel"] for d in diffs),
                "failed": [k for k, d in zip(keys, diffs, strict=True) if not d["ok"]],
                "against": ref,
            }
    return report


def compare(expected: np.ndarray, actual: np.ndarray | None) -> dict[str, Any]:
    if actual is None or actual.shape != expected.shape:
        return {"ok": False, "abs": float("inf"), "rel": float("inf")}
    diff = np.abs(actual - expected)
    scale = np.maximum(np.abs(expected), np.finfo(np.float64).tiny)
    ok = bool(np.all(diff <= ATOL + RTOL * np.abs(expected)))
    return {
        "ok": ok,
        "abs": float(diff.max(initial=0)),
        "rel": float((diff / scale).max(initial=0)),
    }


def format_check(report: dict[str, dict[str, Any]]) -> str:
    lines = [
        f"check: {CHECK_STEPS} steps in float64, against numpy (rtol {RTOL:g}, atol {ATOL:g}; "
        "against torch where there is no numpy version)"
    ]
    for name, by_impl in report.items():
        for impl, r in by_impl.items():
            verdict = "ok" if r["ok"] else f"DIFFERENT: {', '.join(r['failed'])}"
            if r.get("against", "numpy") != "numpy":
                verdict = f"(against {r['against']}) {verdict}"
            lines.append(
                f"  {name} {impl:<12} max abs diff {r['max_abs_diff']:.2e}  "
                f"max rel diff {r['max_rel_diff']:.2e}  {verdict}"
            )
    return "\n".join(lines)


# --- timing -----------------------------------------------------------------------------------


def clock_of(name: str, options: argparse.Namespace) -> str:
    """The wall clock where torch runs its own threads (CPU time would add theirs up)."""
    return "wall" if SPECS[name].get("torch_default_threads") else options.clock


def time_workload(
    name: str, impls: list[str], path: str, options: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    """Warm every implementation up, run rounds in turn, return their times and statistics."""
    args = ["--mode", "time", "--workload", name, "--arrays", path]
    args += ["--warmup-seconds", str(options.warmup_seconds)]
    own_threads = bool(SPECS[name].get("torch_default_threads"))
    args += ["--warmup-steps", str(options.warmup_steps), "--clock", clock_of(name, options)]
    workers: list[Worker] = []
    try:
        impls = workload_impls(name, impls)
        for impl in impls:  # one at a time, so the warm-ups do not compete
            workers.append(Worker(impl, args, options.threads, own_threads and impl == "torch"))
            workers[-1].receive()
        times: dict[str, list[float]] = {impl: [] for impl in impls}
        for r in range(options.rounds):
            for worker in workers[r % len(workers) :] + workers[: r % len(workers)]:
                reply = worker.ask(f"round {options.round_seconds} {options.round_steps}")
                times[worker.impl] += reply["times"]
        finals = {worker.impl: worker.ask("quit") for worker in workers}
    finally:
        for worker in workers:
            worker.close()
    return {impl: summarize(times[impl], finals[impl]) for impl in impls}


def summarize(times: list[float], final: dict[str, Any]) -> dict[str, Any]:
    ms = [t * 1000 for t in times]
    result = {
        "median_ms": statistics.median(ms),
        "min_ms": min(ms),
        "max_ms": max(ms),
        "steps": len(ms),
        "peak_rss_mb": final["peak_rss_mb"],
        "ru_maxrss_mb": final["ru_maxrss_mb"],
        "versions": final["versions"],
    }
    if "chain" in final:
        records, warm = final["chain"], final["chain_warmup_steps"]
        timed = records[warm:]
        result["chain"] = {
            "forward_median_ms": statistics.median(r["forward_s"] * 1000 for r in timed),
            "backward_median_ms": statistics.median(r["backward_s"] * 1000 for r in timed),
            "backward_max_ms": max(r["backward_s"] * 1000 for r in timed),
            "rss_before_mb": records[0]["rss_before_mb"],
            "rss_graph_mb": max((r["rss_graph_mb"] or 0) for r in records),
            "rss_after_mb": records[-1]["rss_after_mb"],
        }
    return result


def add_ratios(results: dict[str, dict[str, Any]]) -> None:
    for r in results.values():
        for ref in ("numpy", "torch"):
            base = results.get(ref)
            r[f"vs_{ref}"] = r["median_ms"] / base["median_ms"] if base else None
        base = results.get("numpy")
        r["rss_vs_numpy"] = r["peak_rss_mb"] / base["peak_rss_mb"] if base else None


def targets(name: str, results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets for microtensor on workload ``name``, each with its verdict."""
    mt, found = results.get("microtensor"), []
    if mt is None:
        return found
    if "target" in SPECS[name]:
        ref, limit = SPECS[name]["target"]
        if ref in results:
            value = mt[f"vs_{ref}"]
            found.append(_target(f"time <= {limit}x {ref}", value, limit, "x"))
    if mt["rss_vs_numpy"] is not None:
        rss_limit = SPECS[name].get("rss_target", RSS_TARGET)
        label = f"peak RSS <= {rss_limit}x numpy"
        found.append(_target(label, mt["rss_vs_numpy"], rss_limit, "x"))
    chain = mt.get("chain")
    if chain:
        limit_ms = CHAIN_BACKWARD_TARGET_S * 1000
        found.append(
            _target(f"backward < {limit_ms:.0f} ms", chain["backward_max_ms"], limit_ms, " ms")
        )
        if chain["rss_after_mb"] is not None:
            growth = max(chain["rss_graph_mb"] - chain["rss_before_mb"], 0.0)
            kept = chain["rss_after_mb"] - chain["rss_before_mb"]
            fraction = kept / growth if growth else 0.0
            label = f"memory released (kept <= {RELEASED_FRACTION:.0%} of the graph's RSS)"
            found.append(_target(label, fraction, RELEASED_FRACTION, ""))
    return found


def _target(label: str, value: float, limit: float, unit: str) -> dict[str, Any]:
    return {"target": label, "value": value, "limit": limit, "unit": unit, "pass": value <= limit}


def _cell(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_table(workloads: dict[str, dict[str, Any]]) -> str:
    """The timing results as an aligned text table, with the targets under each workload."""
    header = (
        f"{'workload':<9}{'impl':<13}{'median ms':>10}{'min ms':>10}{'max ms':>10}"
        f"{'vs numpy':>10}{'vs torch':>10}{'peak RSS MB':>13}{'RSS vs numpy':>14}"
    )
    lines = [header]
    for name, w in workloads.items():
        clock = w.get("clock", "wall")
        lines.append(f"{name}: {w['title']} (one {w['unit']} per row; {w['data']}; {clock} clock)")
        for impl, r in w["results"].items():
            lines.append(
                f"{'':<9}{impl:<13}{r['median_ms']:>10.3f}{r['min_ms']:>10.3f}{r['max_ms']:>10.3f}"
                f"{_cell(r['vs_numpy']):>10}{_cell(r['vs_torch']):>10}"
                f"{r['peak_rss_mb']:>13.1f}{_cell(r['rss_vs_numpy']):>14}"
            )
        for impl, r in w["results"].items():
            c = r.get("chain")
            if c:
                lines.append(
                    f"{'':<9}{impl}: forward {c['forward_median_ms']:.0f} ms, backward "
                    f"{c['backward_median_ms']:.0f} ms (max {c['backward_max_ms']:.0f}); RSS "
                    f"{_cell(c['rss_before_mb'], 1)} MB before, {_cell(c['rss_graph_mb'], 1)} "
                    f"with the graph, {_cell(c['rss_after_mb'], 1)} after release"
                )
        if "target" not in SPECS[name] and "torch" in w["results"]:
            lines.append(f"{'':<9}microtensor vs torch: report only (no target)")
        for t in w["targets"]:
            verdict = "PASS" if t["pass"] else "FAIL"
            lines.append(
                f"{'':<9}target microtensor {t['target']}: {t['value']:.2f}{t['unit']} {verdict}"
            )
    return "\n".join(lines)


def profile(args: argparse.Namespace, paths: dict[str, str]) -> None:
    """Print where the time of ``args.profile``'s step goes on each workload (cProfile)."""
    for name in args.names:
        options = ["--mode", "profile", "--workload", name, "--arrays", paths[name]]
        options += ["--seconds", str(args.seconds), "--top", str(args.top)]
        worker = Worker(args.profile, options, args.threads)
        try:
            reply = worker.receive()
        finally:
            worker.close()
        print(f"{name}: {args.profile}, {reply['steps']} steps under cProfile (by own time)")
        print(reply["profile"], flush=True)


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a couple of steps per workload")
    parser.add_argument("--workloads", default=",".join(SPECS), help="comma-separated names")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--seconds", type=float, default=3.0, help="timing per implementation")
    parser.add_argument("--rounds", type=int, default=6, help="turns per implementation")
    parser.add_argument("--threads", type=int, default=1, help="threads for all three")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall", help="step timer")
    parser.add_argument("--impls", default=",".join(IMPLS), help="subset of " + ",".join(IMPLS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", choices=IMPLS, help="only profile this one's step")
    parser.add_argument("--top", type=int, default=25, help="--profile: functions shown")
    args = parser.parse_args(argv)
    args.names = args.workloads.split(",")
    unknown = [n for n in args.names if n not in SPECS]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {list(SPECS)}")
    impls = args.impls.split(",")
    if "numpy" not in impls or any(i not in IMPLS for i in impls):
        parser.error(f"--impls must include numpy and be among {IMPLS}")
    if importlib.util.find_spec("torch") is None:
        impls = [i for i in impls if i != "torch"]
    args.impl_list = [i for i in IMPLS if i in impls]
    if args.quick:
        args.rounds, args.round_seconds, args.round_steps = 1, 0.0, 2
        args.warmup_seconds, args.warmup_steps = 0.0, 1
    else:
        args.round_seconds, args.round_steps = args.seconds / args.rounds, 0
        args.warmup_seconds, args.warmup_steps = 0.3, 2
    return args


def save_arrays(args: argparse.Namespace, tmp: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Each workload's arrays saved in ``tmp``: their paths and the data's sources."""
    paths, sources = {}, {}
    for name in args.names:
        arrays, sources[name] = make_arrays(name, args.quick, args.seed)
        paths[name] = str(tmp / f"{name}.npz")
        np.savez(paths[name], **arrays)
    return paths, sources


def run(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Make the data, check agreement, time every workload; the results as one dict."""
    paths, sources = save_arrays(args, tmp)
    load_before = os.getloadavg()
    report = check(args.names, args.impl_list, paths, tmp, args.threads)
    print(format_check(report), flush=True)
    if not all(r["ok"] for by_impl in report.values() for r in by_impl.values()):
        raise BenchmarkError("the implementations compute different numbers (see the check)")
    workloads = {}
    for name in args.names:
        if not workload_impls(name, args.impl_list):
            continue
        results = time_workload(name, args.impl_list, paths[name], args)
        add_ratios(results)
        spec = SPECS[name]
        workloads[name] = {
            "title": spec["title"],
            "clock": clock_of(name, args),
            "unit": spec["unit"],
            "data": sources[name],
            "results": results,
            "targets": targets(name, results),
        }
    with_torch = "torch" in args.impl_list and not args.quick  # a quick run skips its 1 s import
    modules = ["microtensor", "numpy"] + ["torch"] * with_torch
    imports = import_time.measure(modules, runs=1 if args.quick else 7)
    meta = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "quick": args.quick,
        "seconds": 0 if args.quick else args.seconds,
        "rounds": args.rounds,
        "threads": args.threads,
        "clock": args.clock,
        "cpu_count": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "environment": {v: worker_env(args.threads).get(v) for v in RECORDED_VARIABLES},
    }
    return {"meta": meta, "check": report, "workloads": workloads, "import_seconds": imports}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse arguments, run the benchmark, print the table, write the JSON; return the results."""
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="microtensor-bench-") as tmp:
        if args.profile:
            profile(args, save_arrays(args, Path(tmp))[0])
            return {}
        results = run(args, Path(tmp))
    meta = results["meta"]
    print(
        f"\nmedian/min/max of each step ({meta['clock']} clock); threads: {meta['threads']}; load "
        "average "
        f"{meta['load_average_before'][0]:.2f} before, {meta['load_average_after'][0]:.2f} after"
        + ("; QUICK run: a couple of steps, the times mean nothing" if args.quick else "")
    )
    print(format_table(results["workloads"]))
    print(import_time.format_line(results["import_seconds"]))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    try:
        main()
    except BenchmarkError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
