"""Wall time of ``python -c "import microtensor"``, next to NumPy alone and PyTorch.

Each figure is the median of ``runs`` fresh interpreter processes, timed from the parent
(start-up included: it is what a user waits for). Python reads modules from their cached
bytecode, as after any ``pip install`` (which compiles it) or a first import: the runs share a
temporary ``PYTHONPYCACHEPREFIX``, filled by one untimed warm-up run, and
``PYTHONDONTWRITEBYTECODE`` is cleared. Without cached bytecode (an environment that sets that
variable, a read-only checkout) every import compiles its sources first: about twice the time.

Usage:
    python benchmarks/import_time.py [--runs 9]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = ("microtensor", "numpy", "torch")
TARGET_S = 0.3  # issue 15: ``import microtensor`` within 0.3 s


def _env(cache: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPYCACHEPREFIX=cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _seconds(module: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], env=env, check=True)
    return time.perf_counter() - start


def measure(modules: Sequence[str] = MODULES, runs: int = 9) -> dict[str, float]:
    """Median seconds of a fresh ``import <module>`` process, per installed module.

    The modules take turns run by run, so a change in the machine's load reaches each alike.

    Example:
        >>> sorted(measure(["numpy"], runs=1))
        ['numpy']
    """
    present = [m for m in modules if importlib.util.find_spec(m) is not None]
    times: dict[str, list[float]] = {m: [] for m in present}
    with tempfile.TemporaryDirectory(prefix="microtensor-pyc-") as cache:
        env = _env(cache)
        for module in present:  # warm-up: writes the bytecode cache, fills the OS file cache
            _seconds(module, env)
        for _ in range(runs):
            for module in present:
                times[module].append(_seconds(module, env))
    return {m: statistics.median(t) for m, t in times.items()}


def format_line(seconds: dict[str, float]) -> str:
    """One line: microtensor's import time against the target, with the references."""
    mt = seconds["microtensor"]
    others = ", ".join(f"{m} alone {s:.3f} s" for m, s in seconds.items() if m != "microtensor")
    verdict = "PASS" if mt <= TARGET_S else "FAIL"
    return f"import microtensor: {mt:.3f} s ({others}); target <= {TARGET_S} s: {verdict}"


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    """Measure and print the import times; return them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed processes per module")
    args = parser.parse_args(argv)
    seconds = measure(runs=args.runs)
    print(format_line(seconds))
    return seconds


if __name__ == "__main__":
    main()
