"""Microseconds per call of small ops: microtensor next to PyTorch (when it is installed).

Each op runs on float32 tensors of size 2x2 (where per-call overhead dominates) and 64x64
(where the arithmetic starts to count), in two modes:

* forward: the op alone, no tensor requires grad;
* forward+backward: the op on leaves that require grad, then ``.sum().backward()`` (the same
  work in both frameworks, gradients reset to None before each call).

Every time is the median over ``--repeat`` runs of a timeit loop sized to take about
``--min-time`` seconds, timed in this process's CPU time (``time.process_time``: a busy
machine disturbs it far less than wall time; PyTorch runs on one thread by default, so the
two are comparable). ``ratio`` is microtensor's time over PyTorch's (lower is better).
PyTorch runs on ``--threads`` threads (default 1): on small tensors extra threads only add
synchronisation, and on a busy machine they can make PyTorch's times erratic.

Usage:
    python benchmarks/ops.py            # full run, under a minute
    python benchmarks/ops.py --quick    # fewer, shorter repeats, a few seconds
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import timeit
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import microtensor as mt  # noqa: E402

try:
    import torch
except ImportError:  # PyTorch is optional: its column shows "-"
    torch = None

# name, number of operands, function (written once: both frameworks share the API)
OPS: list[tuple[str, int, Callable[..., Any]]] = [
    ("add", 2, lambda a, b: a + b),
    ("mul", 2, lambda a, b: a * b),
    ("matmul", 2, lambda a, b: a @ b),
    ("sum", 1, lambda a: a.sum()),
    ("relu", 1, lambda a: a.relu()),
    ("exp", 1, lambda a: a.exp()),
]
SIZES = [2, 64]
MODES = ["forward", "forward+backward"]


def _leaves(lib: Any, arrays: Sequence[np.ndarray], requires_grad: bool) -> list[Any]:
    return [lib.tensor(a, requires_grad=requires_grad) for a in arrays]


def make_call(
    lib: Any, fn: Callable[..., Any], arrays: Sequence[np.ndarray], mode: str
) -> Callable[[], Any]:
    """A no-argument function doing one call of ``fn`` in ``mode`` with library ``lib``."""
    if mode == "forward":
        inputs = _leaves(lib, arrays, requires_grad=False)
        return lambda: fn(*inputs)
    inputs = _leaves(lib, arrays, requires_grad=True)

    def forward_backward() -> None:
        for x in inputs:
            x.grad = None
        fn(*inputs).sum().backward()

    return forward_backward


def _calibrated(call: Callable[[], Any], min_time: float) -> tuple[timeit.Timer, int]:
    """A timer for ``call`` and the loop count that makes one run last about ``min_time`` s."""
    timer = timeit.Timer(call, timer=time.process_time)
    timer.timeit(number=3)  # warm-up: first calls fill caches
    number, elapsed = 1, timer.timeit(number=1)
    while elapsed < min_time / 10:  # calibrate on a tenth of a run, as timeit's autorange
        number *= 10
        elapsed = timer.timeit(number=number)
    return timer, max(1, round(number * min_time / elapsed))


def time_calls(calls: Sequence[Callable[[], Any]], repeat: int, min_time: float) -> list[float]:
    """Median microseconds per call of each of ``calls`` over ``repeat`` runs.

    The runs of the calls alternate, so a change in machine load hits all of them alike and
    their ratio stays meaningful.
    """
    timers = [_calibrated(call, min_time) for call in calls]
    runs: list[list[float]] = [[] for _ in calls]
    for _ in range(repeat):
        for (timer, number), times in zip(timers, runs, strict=True):
            times.append(timer.timeit(number=number) / number * 1e6)
    return [statistics.median(times) for times in runs]


def run(repeat: int, min_time: float) -> list[dict[str, Any]]:
    """Time every op, size and mode; one dict per table row."""
    rng = np.random.default_rng(0)
    libs = [mt] if torch is None else [mt, torch]
    rows = []
    for name, arity, fn in OPS:
        for size in SIZES:
            arrays = [rng.standard_normal((size, size)).astype(np.float32) for _ in range(arity)]
            for mode in MODES:
                calls = [make_call(lib, fn, arrays, mode) for lib in libs]
                times = time_calls(calls, repeat, min_time) + [None]
                rows.append(
                    {
                        "op": name,
                        "size": f"{size}x{size}",
                        "mode": mode,
                        "microtensor_us": times[0],
                        "torch_us": times[1],
                    }
                )
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    """The rows as an aligned text table."""
    lines = [f"{'op':<8}{'size':<7}{'mode':<18}{'microtensor us':>15}{'torch us':>11}{'ratio':>8}"]
    for row in rows:
        torch_us = row["torch_us"]
        torch_col = "-" if torch_us is None else f"{torch_us:.2f}"
        ratio = "-" if torch_us is None else f"{row['microtensor_us'] / torch_us:.2f}"
        lines.append(
            f"{row['op']:<8}{row['size']:<7}{row['mode']:<18}"
            f"{row['microtensor_us']:>15.2f}{torch_col:>11}{ratio:>8}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Parse arguments, run the benchmark, print the table; return its rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run (a few seconds)")
    parser.add_argument("--repeat", type=int, default=None, help="timing runs per cell")
    parser.add_argument("--min-time", type=float, default=None, help="seconds per timing run")
    parser.add_argument("--threads", type=int, default=1, help="PyTorch's intra-op threads")
    args = parser.parse_args(argv)
    if torch is not None:
        torch.set_num_threads(args.threads)
    repeat = args.repeat or (3 if args.quick else 7)
    min_time = args.min_time or (0.01 if args.quick else 0.08)
    rows = run(repeat, min_time)
    versions = f"microtensor {mt.__version__}, numpy {np.__version__}"
    if torch is not None:
        versions += f", torch {torch.__version__} ({torch.get_num_threads()} threads)"
    print(f"median of {repeat} runs of ~{min_time * 1000:.0f} ms each; {versions}")
    print(format_table(rows))
    return rows


if __name__ == "__main__":
    main()
