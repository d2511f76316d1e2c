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
  transformed rejection from 10 on), one element after the other (``_rng_poisson``).

TensorIterator fills an output in its memory order (the outermost stride first), so a
transposed output gets its draws in another order than a contiguous one: ``memory_axes`` and
``in_memory_order`` reproduce that.
"""

from __future__ import annotations

import math

import numpy as np

from microtensor._rng_poisson import poisson
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

    torch's uniform is ``u = k * 2**-53``, ``k`` the low 53 bits of ``random64()``, so
    ``u < p`` is ``k < ceil(p * 2**53)``: compared on the integers, which is exact.
    """
    n = math.prod(shape)
    bits = generator._random64(n)
    np.bitwise_and(bits, np.uint64(2**53 - 1), out=bits)
    keep = bits < np.uint64(math.ceil(p * 2.0**53))
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
