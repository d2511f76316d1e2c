"""torch's CPU ``poisson`` (``sample_poisson`` on each element in C order), on NumPy arrays.

torch draws every element from one stream of float64 uniforms, one element after the other: a
rate of 0 takes no draw; below 10, Knuth's method multiplies uniforms until the product drops
to ``exp(-rate)`` (count + 1 draws); from 10 on, Hoermann's transformed rejection (PTRS) takes
pairs ``(u, v)`` until one is accepted. Where element ``i``'s uniforms start depends on how
many every earlier element took, and that depends on the values those uniforms had, so for
rates that differ from element to element the chain is sequential: ``poisson`` then runs a
tight loop per element over a list of pre-drawn uniforms (0.3 us per element at rate 0.5,
0.9 us at rate 9; the loop it replaced took ~5 us). When every positive rate is the same (a
rate tensor filled with one value) the chain vectorises:

- rate >= 10: whether a pair is accepted depends only on the pair, so element ``i`` answers
  with the ``i``-th accepted pair of the stream (only PTRS's slow test, which needs ``lgamma``,
  runs per pair, for about one pair in five).
- 0 < rate < 10: from each start position ``s`` of a block of uniforms, the position after
  Knuth's product ends, ``next(s)``, for all ``s`` at once; element ``i`` starts at
  ``next^i(0)``, found by pointer doubling. That costs ~(rate + 1)**2 passes per element, so
  it beats the loop only for rates up to 1 (2x at 0.5); above, the loop runs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from microtensor.random import Generator

_PTRS_MIN_RATE = 10.0
_KNUTH_VECTOR_MAX_RATE = 1.0  # measured: above it, the loop is faster


class _Block:
    """float64 uniforms drawn ahead from ``generator``.

    ``consume(n)`` leaves the generator just after the first ``n`` of them, as if torch had
    drawn exactly those.
    """

    def __init__(self, generator: Generator, size: int) -> None:
        self.generator = generator
        self.state = generator.get_state()
        self.values = generator._uniform(size, np.float64)

    def consume(self, n: int) -> None:
        self.generator.set_state(self.state)
        self.generator._uniform(n, np.float64)


def _ptrs_constants(rate: float) -> tuple[float, float, float, float, float]:
    slam = math.sqrt(rate)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    return a, b, 1.1239 + 1.1328 / (b - 3.4), 0.9277 - 3.6224 / (b - 2), math.log(rate)


def _ptrs_accepts(rate: float, constants: tuple[float, ...], us: float, v: float, k: int) -> bool:
    """PTRS's slow acceptance test of a pair that missed the quick one (torch's order)."""
    a, b, invalpha, _, loglam = constants
    if k < 0 or (us < 0.013 and v > us):
        return False
    accept = -rate + k * loglam - math.lgamma(k + 1.0)
    return math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= accept


def _ptrs_same_rate(generator: Generator, rate: float, n: int) -> np.ndarray:
    """``n`` PTRS draws of one rate: the first ``n`` accepted pairs of the stream."""
    constants = _ptrs_constants(rate)
    a, b, _, vr, _ = constants
    pairs = int(1.3 * n) + 32
    while True:
        block = _Block(generator, 2 * pairs)
        u = block.values[0::2] - 0.5
        v = block.values[1::2]
        us = 0.5 - np.abs(u)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.floor((2 * a / us + b) * u + rate + 0.43)
        accepted = (us >= 0.07) & (v <= vr)
        slow = np.flatnonzero(~accepted)
        # the slow test needs lgamma and the C library's log: one pair at a time, ~1 in 5
        accepted[slow] = [
            _ptrs_accepts(rate, constants, us[q], v[q], int(k[q])) if np.isfinite(k[q]) else False
            for q in slow.tolist()
        ]
        chosen = np.flatnonzero(accepted)[:n]
        if chosen.size == n:
            block.consume(2 * (int(chosen[-1]) + 1) if n else 0)
            return k[chosen]
        block.consume(0)  # rewind, and draw a larger block
        pairs *= 2


def _knuth_next(u: np.ndarray, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """For every start ``s``: Knuth's count from ``u[s]`` on, and the position after its end.

    The position is ``u.size`` (unknown) where the product runs past the block.
    """
    size = u.size
    count = np.zeros(size, dtype=np.int64)
    after = np.full(size + 1, size, dtype=np.int64)  # after[size]: the sentinel
    starts = np.arange(size, dtype=np.int64)
    product = u.copy()
    taken = 0
    while starts.size:
        done = product <= limit
        count[starts[done]] = taken
        after[starts[done]] = starts[done] + taken + 1
        taken += 1
        keep = ~done & (starts + taken < size)
        starts, product = starts[keep], product[keep]
        product *= u[starts + taken]  # torch: prod *= U, rounded at each step
    return count, after


def _knuth_same_rate(generator: Generator, rate: float, n: int) -> np.ndarray:
    """``n`` Knuth draws of one rate below 10: element ``i`` starts at ``next^i(0)``."""
    size = int((rate + 1) * n * 1.2) + 64
    limit = math.exp(-rate)
    while True:
        block = _Block(generator, size)
        count, after = _knuth_next(block.values, limit)
        position = np.zeros(n, dtype=np.int64)
        jump = after
        steps = np.arange(n, dtype=np.int64)
        bit = 1
        while bit < n:
            position = np.where(steps & bit, jump[position], position)
            jump = jump[jump]
            bit <<= 1
        end = after[position[-1]] if n else 0
        if end < block.values.size:
            block.consume(int(end))
            return count[position].astype(np.float64)
        block.consume(0)  # rewind, and draw a larger block
        size *= 2


def _sequential(generator: Generator, rates: list[float]) -> np.ndarray:
    """Torch's ``sample_poisson`` element after element, from one block of uniforms."""
    # about what the draws take: rate + 1 uniforms below rate 10, two or three above
    size = int(1.2 * sum(r + 1 if r < _PTRS_MIN_RATE else 3.0 for r in rates)) + 64
    while True:
        block = _Block(generator, size)
        u = block.values.tolist()
        counts, pos = _sequential_counts(rates, u)
        if pos >= 0:
            block.consume(pos)
            return np.array(counts, dtype=np.float64)
        block.consume(0)  # rewind, and draw a larger block
        size *= 2


def _sequential_counts(rates: list[float], u: list[float]) -> tuple[list[float], int]:
    """The counts and the uniforms used; -1 uniforms if ``u`` ran out."""
    counts: list[float] = []
    pos, size = 0, len(u)
    log, lgamma, floor = math.log, math.lgamma, math.floor
    try:
        for rate in rates:
            if rate >= _PTRS_MIN_RATE:
                a, b, invalpha, vr, loglam = _ptrs_constants(rate)
                while True:
                    us_signed, v = u[pos] - 0.5, u[pos + 1]
                    pos += 2
                    us = 0.5 - abs(us_signed)
                    k = floor((2 * a / us + b) * us_signed + rate + 0.43)
                    if us >= 0.07 and v <= vr:
                        break
                    if k < 0 or (us < 0.013 and v > us):
                        continue
                    accept = -rate + k * loglam - lgamma(k + 1.0)
                    if log(v) + log(invalpha) - log(a / (us * us) + b) <= accept:
                        break
                counts.append(k)
            elif rate > 0:
                limit, count, product = math.exp(-rate), 0, u[pos]
                pos += 1
                while product > limit:
                    count += 1
                    product *= u[pos]
                    pos += 1
                counts.append(count)
            else:
                counts.append(0)
    except IndexError:
        return counts, -1
    return counts, pos if pos <= size else -1


def poisson(generator: Generator, rates: np.ndarray) -> np.ndarray:
    """One Poisson draw per rate (C order), as float64 counts shaped like ``rates``."""
    flat = np.asarray(rates, dtype=np.float64).ravel()
    if np.any(~(flat >= 0)):
        raise RuntimeError(
            "invalid Poisson rate, expected rate to be non-negative: got "
            f"{flat[~(flat >= 0)][0]}; pass rates >= 0"
        )
    counts = np.zeros(flat.size, dtype=np.float64)
    drawing = np.flatnonzero(flat > 0)  # a zero rate takes no draw
    if drawing.size == 0:
        return counts.reshape(rates.shape)
    positive = flat[drawing]
    rate = float(positive[0])
    same_rate = bool(np.all(positive == rate)) and math.isfinite(rate)
    if same_rate and rate >= _PTRS_MIN_RATE:
        counts[drawing] = _ptrs_same_rate(generator, rate, drawing.size)
    elif same_rate and rate <= _KNUTH_VECTOR_MAX_RATE:
        counts[drawing] = _knuth_same_rate(generator, rate, drawing.size)
    else:
        counts[drawing] = _sequential(generator, positive.tolist())
    return counts.reshape(rates.shape)
