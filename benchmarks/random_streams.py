"""Drawing torch's random streams: microtensor against NumPy's own generators and torch.

Prints one row per draw: microtensor's time, NumPy's ``default_rng()`` (PCG64) and
``Generator(MT19937)`` drawing as many values of the same distribution, torch's, and the
ratios of microtensor to each NumPy generator (MT19937 is torch's generator: its raw draws
alone cost 1.3-1.8x PCG64's). Times are CPU times (``time.process_time``), the median of
``--repeat`` runs, so other processes on a busy machine disturb them less.

Sizes: 1,000,000 values, ``randperm(100_000)``, a dropout mask on (256, 1024) (NumPy's: a
float64 uniform per element compared with p, as torch draws).

Run: ``python benchmarks/random_streams.py`` (``--quick`` for small sizes, ``--only "randn f32"``
for some rows).
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import microtensor as mt


def median_ms(fn: Callable[[], Any], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return 1e3 * sorted(times)[len(times) // 2]


def rows(n: int, perm_n: int) -> list[tuple[str, Callable[..., Any], Callable[..., Any], Any]]:
    """(name, microtensor draw, NumPy draw on a Generator, torch draw)."""
    f32 = np.float32
    shape = (256, 1024) if n >= 1_000_000 else (16, 64)
    x_np = np.ones(shape, dtype=f32)
    x_mt, x_torch = mt.tensor(x_np), torch.tensor(x_np)
    return [
        ("rand f32", lambda: mt.rand(n), lambda g: g.random(n, dtype=f32), lambda: torch.rand(n)),
        ("rand f64", lambda: mt.rand(n, dtype=mt.float64), lambda g: g.random(n),
         lambda: torch.rand(n, dtype=torch.float64)),
        ("randn f32", lambda: mt.randn(n), lambda g: g.standard_normal(n, dtype=f32),
         lambda: torch.randn(n)),
        ("randn f64", lambda: mt.randn(n, dtype=mt.float64), lambda g: g.standard_normal(n),
         lambda: torch.randn(n, dtype=torch.float64)),
        ("randint", lambda: mt.randint(0, 10, (n,)), lambda g: g.integers(0, 10, n),
         lambda: torch.randint(0, 10, (n,))),
        ("randperm", lambda: mt.randperm(perm_n), lambda g: g.permutation(perm_n),
         lambda: torch.randperm(perm_n)),
        ("dropout", lambda: mt.nn.functional.dropout(x_mt, 0.5),
         lambda g: x_np * (g.random(shape) >= 0.5) / f32(0.5),
         lambda: torch.nn.functional.dropout(x_torch, 0.5)),
    ]  # fmt: skip


def _fma32_chain(count: int, size: int) -> Callable[[], Any]:
    """``count`` float32 fused multiply-adds on ``size`` values, as NumPy emulates them."""
    x64 = np.random.default_rng(0).random(size)
    y64, y32 = x64.copy(), x64.astype(np.float32)

    def chain() -> None:
        for _ in range(count):  # exact product in float64, one addition, rounded to float32
            y64.__imul__(x64)
            y64.__iadd__(0.25)
            np.copyto(y32, y64, casting="same_kind")
            np.copyto(y64, y32)

    return chain


def floor_rows(n: int, perm_n: int) -> list[tuple[str, Callable[[], Any], Callable[[], Any]]]:
    """(draw, the work any bit-exact implementation does, NumPy's draw on PCG64).

    The raw draws are NumPy's MT19937 (torch's stream, at NumPy's C speed); the C library's
    float64 ``log``, ``cos`` and ``sin`` (torch's bits) are NumPy's on CPUs without AVX-512F;
    randperm's floor is its draws and one sort of 100,000 int64 keys.
    """
    mt19937, pcg = np.random.Generator(np.random.MT19937(0)), np.random.default_rng(0)
    f32, shape = np.float32, ((256, 1024) if n >= 1_000_000 else (16, 64))
    angle = 2 * np.pi * pcg.random(n // 2)
    radius_in = 1 - pcg.random(n // 2)
    keys = pcg.integers(0, 2**34, perm_n)
    masked = math.prod(shape)

    def draws32(size: int) -> Any:
        return mt19937.integers(0, 2**32, size=size, dtype=np.uint32)

    def draws64(size: int) -> Any:
        return mt19937.integers(0, 2**64 - 1, size=size, dtype=np.uint64, endpoint=True)

    fmas = _fma32_chain(16, n // 2)  # torch's AVX2 log and sincos: 9 + 7 true fmas per pair
    return [
        ("rand f32", lambda: draws32(n), lambda: pcg.random(n, dtype=f32)),
        ("rand f64", lambda: draws64(n), lambda: pcg.random(n)),
        ("randn f32", lambda: (draws32(n), fmas()), lambda: pcg.standard_normal(n, dtype=f32)),
        ("randn f64",
         lambda: (draws64(n), np.log(radius_in), np.cos(angle), np.sin(angle)),
         lambda: pcg.standard_normal(n)),
        ("randint", lambda: draws32(n), lambda: pcg.integers(0, 10, n)),
        ("randperm", lambda: (draws32(perm_n), np.sort(keys)), lambda: pcg.permutation(perm_n)),
        ("dropout", lambda: draws64(masked),
         lambda: np.ones(shape, f32) * (pcg.random(shape) >= 0.5) / f32(0.5)),
    ]  # fmt: skip


def print_floors(n: int, perm_n: int, repeat: int) -> None:
    print(f"{'floor of':10s} {'floor':>10s} {'PCG64':>9s} ratio  (work no bit-exact draw skips)")
    for name, floor, numpy_draw in floor_rows(n, perm_n):
        t_floor, t_numpy = median_ms(floor, repeat), median_ms(numpy_draw, repeat)
        print(f"{name:10s} {t_floor:8.2f}ms {t_numpy:7.2f}ms {t_floor / t_numpy:5.2f}")


def main(argv: list[str] | None = None) -> list[tuple[str, float, float, float, float]]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for the tests")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", default="", help="draws to run: 'randn f32,randint'")
    parser.add_argument("--floors", action="store_true", help="also time the unavoidable work")
    args = parser.parse_args(argv)
    n, perm_n = (10_000, 1_000) if args.quick else (1_000_000, 100_000)
    torch.set_num_threads(1)
    if args.floors:
        print_floors(n, perm_n, args.repeat)
    pcg, mt19937 = np.random.default_rng(0), np.random.Generator(np.random.MT19937(0))
    header = f"{'draw':10s} {'microtensor':>12s} {'PCG64':>9s} {'MT19937':>9s} {'torch':>9s}"
    print(f"{header} /PCG64 /MT19937")
    results = []
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    for name, ours, numpy_draw, theirs in rows(n, perm_n):
        if only and name not in only:
            continue
        t_mt = median_ms(ours, args.repeat)
        t_pcg = median_ms(lambda draw=numpy_draw: draw(pcg), args.repeat)
        t_mt19937 = median_ms(lambda draw=numpy_draw: draw(mt19937), args.repeat)
        t_torch = median_ms(theirs, args.repeat)
        times = f"{t_mt:10.2f}ms {t_pcg:7.2f}ms {t_mt19937:7.2f}ms {t_torch:7.2f}ms"
        print(f"{name:10s} {times} {t_mt / t_pcg:6.2f} {t_mt / t_mt19937:8.2f}")
        results.append((name, t_mt, t_pcg, t_mt19937, t_torch))
    return results


if __name__ == "__main__":
    main()
