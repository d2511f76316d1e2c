"""PyTorch's CPU kernels for discrete random draws, written on NumPy arrays.

Each kernel takes from a ``Generator`` exactly the draws torch's kernel takes, in the same
order, and turns them into samples with the same arithmetic, so that the same seed gives
torch's samples:

- ``bernoulli_scalar``: torch's ``bernoulli_scalar_kernel_default``, one float64 uniform per
  element, 1 where ``u < p``.
- ``bernoulli_tensor``: one uniform per element, float64 where the probabilities are float64
  and float32 otherwise, 1 where ``u < p``.
- ``multinomial_with_replacement``: per row, the running sum of the weights in their dtype,
  divided by the total, the last entry set to 1; then one float64 uniform per sample and the
  first category whose cumulative value is ``>= u``.
- ``poisson``: torch's ``sample_poisson`` (Knuth's product of uniforms below rate 10, Hoermann's
  transformed rejection from 10 on), one element after the other.

TensorIterator fills an output in its memory order (the outermost stride first), so a
transposed output gets its draws in another order than a contiguous one: ``memory_axes`` and
``in_memory_order`` reproduce that.
"""

from __future__ import annotations

import math

import numpy as np

from microtensor.random import Generator

__all__ = [
    "bernoulli_scalar",
    "bernoulli_tensor",
    "in_memory_order",
    "memory_axes",
    "multinomial_with_replacement",
    "poisson",
]


def memory_axes(array: np.ndarray) -> tuple[int, ...] | None:
    """The axes of ``array`` from the largest stride to the smallest; None for C order."""
    if array.ndim < 2 or array.flags.c_contiguous or min(array.strides) < 0:
        return None
    sizes, strides = array.shape, array.strides
    # size-1 axes keep their place: their stride says nothing about the layout
    axes = sorted(range(array.ndim), key=lambda d: -strides[d] if sizes[d] > 1 else 0)
    moving = [d for d in axes if sizes[d] > 1]
    in_order = [d for d in range(array.ndim) if sizes[d] > 1]
    return None if moving == in_order else tuple(axes)


def in_memory_order(
    flat: np.ndarray, shape: tuple[int, ...], axes: tuple[int, ...] | None
) -> np.ndarray:
    """Lay the draws ``flat`` (in visiting order) out as an array of ``shape``."""
    if axes is None:
        return flat.reshape(shape)
    return flat.reshape([shape[d] for d in axes]).transpose(np.argsort(axes))


def bernoulli_scalar(
    generator: Generator, shape: tuple[int, ...], p: float, axes: tuple[int, ...] | None = None
) -> np.ndarray:
    """0/1 draws (bool) with probability ``p``: one float64 uniform per element.

    torch's uniform is ``u = k * 2**-53``, ``k`` the low 53 bits of ``random64()`` (the high
    word's low 21 bits, then the low word), so ``u < p`` is ``k < ceil(p * 2**53)``: compared
    here on the two 32-bit words, which is exact and spares NumPy's slow 64-bit arithmetic.
    """
    n = math.prod(shape)
    words = generator._random32(2 * n)
    high, low = words[0::2] & np.uint32(2**21 - 1), words[1::2]
    threshold = math.ceil(p * 2.0**53)
    high_limit, low_limit = np.uint32(threshold >> 32), np.uint32(threshold & 0xFFFFFFFF)
    keep = (high < high_limit) | ((high == high_limit) & (low < low_limit))
    return in_memory_order(keep, shape, axes)


def bernoulli_tensor(
    generator: Generator, probs: np.ndarray, axes: tuple[int, ...] | None = None
) -> np.ndarray:
    """0/1 draws (bool), 1 with probability ``probs`` (already shaped like the output)."""
    dtype = np.float64 if probs.dtype == np.float64 else np.float32
    uniform = in_memory_order(generator._uniform(probs.size, dtype), probs.shape, axes)
    # torch compares in float for every probability dtype but float64
    return uniform < probs.astype(dtype, copy=False)


def multinomial_with_replacement(
    generator: Generator, weights: np.ndarray, num_samples: int
) -> np.ndarray:
    """``num_samples`` category indices per row of the 2-D ``weights`` (int64)."""
    dtype = weights.dtype if weights.dtype == np.float64 else np.float32
    _check_rows(weights)
    cumulative = np.cumsum(weights, axis=-1, dtype=dtype)  # torch's running sum, in order
    cumulative /= cumulative[:, -1:]
    cumulative[:, -1] = 1
    uniform = generator._uniform(weights.shape[0] * num_samples, np.float64)
    uniform = uniform.reshape(-1, num_samples)
    if num_samples < 32:  # many short rows: one vectorised search for all
        return _binary_search(cumulative, uniform)
    # torch's binary search finds the first cumulative value >= u, as searchsorted does
    rows = zip(cumulative.astype(np.float64), uniform, strict=True)
    return np.stack([np.searchsorted(c, u, side="left") for c, u in rows]).astype(np.int64)


def _binary_search(cumulative: np.ndarray, uniform: np.ndarray) -> np.ndarray:
    """Torch's search, for all rows at once: the first index with ``cumulative >= u``."""
    rows = np.arange(cumulative.shape[0])[:, None]
    left = np.zeros(uniform.shape, dtype=np.int64)
    right = np.full(uniform.shape, cumulative.shape[1], dtype=np.int64)
    while True:
        open_ = left < right
        if not open_.any():
            return left
        mid = left + (right - left) // 2
        below = cumulative[rows, np.minimum(mid, cumulative.shape[1] - 1)] < uniform
        left = np.where(open_ & below, mid + 1, left)
        right = np.where(open_ & ~below, mid, right)


def _check_rows(weights: np.ndarray) -> None:
    """Torch's checks, row by row: finite non-negative weights with a positive sum."""
    bad = ~(weights >= 0) | ~np.isfinite(weights)
    totals = weights.sum(-1)
    for i in np.flatnonzero(bad.any(-1) | ~(totals > 0)):
        if bad[i].any():
            j = int(np.argmax(bad[i]))
            what = "< 0" if not weights[i, j] >= 0 else "= infinity or NaN"
            raise RuntimeError(
                f"invalid multinomial distribution (encountering probability entry {what}): "
                f"got weight {weights[i, j]} in row {i} at index {j}; weights must be finite "
                "and non-negative"
            )
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")


class _Uniforms:
    """float64 uniforms handed out one at a time, drawn in blocks from ``generator``.

    ``finish`` rewinds the generator to just after the last uniform handed out, so that
    the stream advances by exactly what torch's element-by-element kernel draws.
    """

    def __init__(self, generator: Generator, block: int) -> None:
        self.generator = generator
        self.block = max(block, 64)
        self.values: list[float] = []
        self.pos = 0
        self.state_before_block: object = None

    def next(self) -> float:
        if self.pos == len(self.values):
            self.state_before_block = self.generator.get_state()
            self.values = self.generator._uniform(self.block, np.float64).tolist()
            self.pos = 0
        value = self.values[self.pos]
        self.pos += 1
        return value

    def finish(self) -> None:
        if self.state_before_block is not None:
            self.generator.set_state(self.state_before_block)
            self.generator._uniform(self.pos, np.float64)


def _poisson_small(rate: float, uniforms: _Uniforms) -> int:
    """Knuth: count the uniforms whose running product stays above exp(-rate)."""
    limit = math.exp(-rate)
    count, product = 0, 1.0
    while True:
        product *= uniforms.next()
        if product <= limit:
            return count
        count += 1


def _poisson_large(rate: float, uniforms: _Uniforms) -> int:
    """Hoermann's transformed rejection (PTRS), with torch's constants, for rate >= 10."""
    slam, loglam = math.sqrt(rate), math.log(rate)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    while True:
        u = uniforms.next() - 0.5
        v = uniforms.next()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + rate + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        accept = -rate + k * loglam - math.lgamma(k + 1.0)
        if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= accept:
            return k


def poisson(generator: Generator, rates: np.ndarray) -> np.ndarray:
    """One Poisson draw per rate (C order), as float64 counts shaped like ``rates``."""
    flat = np.asarray(rates, dtype=np.float64).ravel()
    if np.any(~(flat >= 0)):
        raise RuntimeError(
            "invalid Poisson rate, expected rate to be non-negative: got "
            f"{flat[~(flat >= 0)][0]}; pass rates >= 0"
        )
    # about what the draws take: rate + 1 uniforms below rate 10, two or three above
    expected = float(np.where(flat < 10, flat + 1, 3.0).sum())
    uniforms = _Uniforms(generator, block=int(1.2 * expected) + 16)
    counts = np.zeros(flat.size, dtype=np.float64)
    for i, rate in enumerate(flat.tolist()):
        if rate >= 10:
            counts[i] = _poisson_large(rate, uniforms)
        elif rate > 0:
            counts[i] = _poisson_small(rate, uniforms)
    uniforms.finish()
    return counts.reshape(rates.shape)
