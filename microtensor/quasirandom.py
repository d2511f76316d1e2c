"""Quasi-random sequences: ``SobolEngine``, torch's (scrambled) Sobol sequence, point for point.

A Sobol point in dimension ``d`` is a 30-bit integer per coordinate: the ``i``-th point is
the previous one XOR the direction number ``V[d, l]``, where ``l`` is the number of trailing
one bits of ``i - 1`` (a Gray-code walk), divided by ``2**30``. The direction numbers come
from Joe and Kuo's table ``new-joe-kuo-6.21201``, the one torch ships; microtensor reads the
copy SciPy ships (``scipy/stats/_sobol_direction_numbers.npz``), loaded on first use.

Scrambling (Owen's linear matrix scrambling with a random digital shift) draws its random
bits with ``randint`` from a generator seeded with ``seed``, as torch does, so the same seed
gives torch's points.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._factory_args import dtype_arg, int_arg
from microtensor._random_factories import randint
from microtensor.random import Generator
from microtensor.tensor import Tensor

__all__ = ["SobolEngine"]

_MAXBIT = 30
_COLUMN_WEIGHTS = 2 ** np.arange(_MAXBIT - 1, -1, -1, dtype=np.int64)  # 2**29, ..., 2, 1


@functools.cache
def _joe_kuo_table() -> tuple[np.ndarray, np.ndarray]:
    """``(poly, vinit)`` of Joe and Kuo's table new-joe-kuo-6.21201, from SciPy's copy.

    ``poly[d]`` is dimension ``d``'s primitive polynomial as bits (leading and trailing one
    included); ``vinit[d]`` its initial direction numbers.

    Raises:
        ModuleNotFoundError: if SciPy is not installed.
    """
    spec = importlib.util.find_spec("scipy")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            "SobolEngine(): needs SciPy, which ships the direction numbers (pip install scipy)"
        )
    with np.load(Path(spec.origin).parent / "stats" / "_sobol_direction_numbers.npz") as table:
        return table["poly"], table["vinit"]


def _direction_numbers(dimension: int) -> np.ndarray:
    """The ``(dimension, 30)`` int64 direction numbers ``V``, scaled to 30 bits.

    Bratley and Fox's recurrence (Algorithm 659), all dimensions at once: with ``m`` the
    degree of dimension ``d``'s polynomial ``p``, ``v[j] = v[j-m] ^ sum over k < m with bit
    (m-1-k) of p set of 2**(k+1) * v[j-k-1]``; dimension 0 is all ones (van der Corput).
    """
    poly, vinit = _joe_kuo_table()
    poly, vinit = poly[:dimension], vinit[:dimension]
    degree = np.array([int(p).bit_length() - 1 for p in poly], dtype=np.int64)
    v = np.ones((dimension, _MAXBIT), dtype=np.int64)
    rows = np.arange(dimension)
    for j in range(_MAXBIT):
        initial = j < degree  # degrees are below 18, the table's width
        if initial.any():
            v[initial, j] = vinit[initial, j]
        recur = rows[(j >= degree) & (rows > 0)]
        m = degree[recur]
        new = v[recur, j - m]
        for k in range(int(m.max(initial=0))):
            taps = (k < m) & (((poly[recur] >> np.maximum(m - 1 - k, 0)) & 1) == 1)
            new ^= np.where(taps, v[recur, np.maximum(j - k - 1, 0)] << (k + 1), 0)
        v[recur, j] = new
    return v * _COLUMN_WEIGHTS


def _scrambled(v: np.ndarray, ltm: np.ndarray) -> np.ndarray:
    """Direction numbers ``v`` (d, 30) multiplied by lower-triangular bit matrices ``ltm``.

    Over GF(2), with bits taken most significant first: ``bits(v') = L @ bits(v) mod 2``,
    where ``L`` is ``ltm`` with ones on the diagonal (aten's ``_sobol_engine_scramble_``).
    """
    lower = ltm.astype(np.float32)
    lower[:, np.arange(_MAXBIT), np.arange(_MAXBIT)] = 1
    shifts = np.arange(_MAXBIT - 1, -1, -1, dtype=np.int64)
    bits = ((v[:, :, None] >> shifts) & 1).astype(np.float32)  # (d, j, k): bit 29-k of v[d, j]
    products = np.matmul(bits, lower.transpose(0, 2, 1))  # sums of at most 30 ones: exact
    return (products.astype(np.int64) & 1) @ _COLUMN_WEIGHTS


def _trailing_ones(start: int, n: int) -> np.ndarray:
    """For ``i`` in ``start .. start + n - 1``: the number of trailing one bits of ``i``."""
    following = np.arange(start, start + n, dtype=np.int64) + 1
    lowest_bit = following & -following
    return np.frexp(lowest_bit.astype(np.float64))[1].astype(np.int64) - 1


def _ones_below(stop: int) -> np.ndarray:
    """For l in 0..29: how many ``i`` in ``0 .. stop - 1`` have exactly ``l`` trailing ones.

    Those ``i`` are ``2**l - 1`` modulo ``2**(l + 1)``: ``(stop + 2**l) // 2**(l + 1)``.
    """
    powers = 2 ** np.arange(_MAXBIT, dtype=np.int64)
    return (stop + powers) // (2 * powers)


def _walk(quasi: np.ndarray, n: Any, sobolstate: np.ndarray, num_generated: int) -> np.ndarray:
    """The next ``n`` points after ``quasi`` (integers, shape (n, d)), as aten's kernel walks.

    Raises:
        TypeError: if ``n`` is not an int.
        RuntimeError: if ``n`` is negative (torch's sentence).
    """
    n = int_arg(n, "SobolEngine.draw", "n")
    if n < 0:
        raise RuntimeError(
            f"SobolEngine.draw(): Trying to create tensor with negative dimension {n}: "
            f"[{n}, {quasi.shape[0]}]; draw at least one point"
        )
    steps = sobolstate[:, _trailing_ones(num_generated, n)].T
    return np.bitwise_xor.accumulate(steps, axis=0) ^ quasi


class SobolEngine:
    r"""An engine for (scrambled) Sobol sequences, quasi-random points in ``[0, 1)^dimension``.

    Points are torch's, bit for bit: the same direction numbers (Joe and Kuo's, search
    criterion D(6), up to dimension 21201) and, with ``scramble=True``, the same random
    scrambling for the same ``seed`` (without a seed, from the default generator).

    Args:
        dimension: the number of coordinates of each point, 1 to 21201.
        scramble: apply Owen's linear matrix scrambling and a random digital shift.
        seed: seed of the scrambling's generator (None: the default generator).

    Raises:
        ValueError: if ``dimension`` is outside ``[1, 21201]``.
        TypeError: if ``dimension`` is not an int.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.quasirandom import SobolEngine
        >>> engine = SobolEngine(dimension=3)
        >>> engine.draw(3)
        tensor([[0.0000, 0.0000, 0.0000],
                [0.5000, 0.5000, 0.5000],
                [0.7500, 0.2500, 0.2500]])
    """

    MAXBIT = _MAXBIT
    MAXDIM = 21201

    def __init__(self, dimension: int, scramble: bool = False, seed: int | None = None) -> None:
        if dimension > self.MAXDIM or dimension < 1:
            raise ValueError(
                f"Supported range of dimensionality for SobolEngine is [1, {self.MAXDIM}]"
            )
        dimension = int_arg(dimension, "SobolEngine", "dimension", 1)
        self.seed = seed
        self.scramble = scramble
        self.dimension = dimension
        state = _direction_numbers(dimension)
        if scramble:
            state, shift = self._scramble(state)
        else:
            shift = np.zeros(dimension, dtype=np.int64)
        self.sobolstate = Tensor._make(state)
        self.shift = Tensor._make(shift)
        self.quasi = Tensor._make(shift.copy())
        default = dtypes.get_default_dtype().numpy  # torch divides in the default dtype here
        self._first_point = Tensor._make(
            (shift.astype(default) / default.type(2**_MAXBIT)).reshape(1, -1)
        )
        self.num_generated = 0

    def _scramble(self, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scrambled direction numbers and the digital shift, drawn as torch draws them."""
        generator = None if self.seed is None else Generator().manual_seed(self.seed)
        shape = (self.dimension, _MAXBIT)
        shift_bits = randint(0, 2, shape, generator=generator)._data
        shift = shift_bits @ (2 ** np.arange(_MAXBIT, dtype=np.int64))
        ltm = randint(0, 2, (*shape, _MAXBIT), generator=generator)._data
        return _scrambled(state, np.tril(ltm)), shift

    def draw(self, n: int = 1, out: Tensor | None = None, dtype: Any = None) -> Tensor:
        """The next ``n`` points of the sequence, shape ``(n, dimension)``.

        Args:
            n: the number of points.
            out: a tensor to write the points into (resized to them).
            dtype: float32 or float64 (default: the default dtype).

        Raises:
            TypeError: if ``n`` is not an int.
            RuntimeError: if ``n`` is below 1 on a fresh engine, or negative.
            NotImplementedError: for a dtype that is not float32 or float64.
        """
        checked = dtype_arg(dtype, "SobolEngine.draw") or dtypes.get_default_dtype()
        if self.num_generated == 0 and n == 1:
            result = self._first_point.to(checked)
        elif self.num_generated == 0:
            points = _walk(self.quasi._data, n - 1, self.sobolstate._data, 0)
            first = self._first_point.to(checked)._data
            result = Tensor._make(np.concatenate([first, self._scaled(points, checked)]))
        else:
            points = _walk(self.quasi._data, n, self.sobolstate._data, self.num_generated - 1)
            result = Tensor._make(self._scaled(points, checked))
        self.num_generated += n
        if out is not None:
            return out.resize_as_(result).copy_(result)  # type: ignore[no-any-return]
        return result

    def _scaled(self, points: np.ndarray, dtype: dtypes.dtype) -> np.ndarray:
        """Integer points as floats in [0, 1); moves the state to the last point."""
        if dtype not in (dtypes.float32, dtypes.float64):
            raise NotImplementedError(
                f'SobolEngine.draw(): "_sobol_engine_draw" not implemented for {dtype}: pass '
                f"dtype=microtensor.float32 or microtensor.float64"
            )
        if len(points):
            self.quasi = Tensor._make(points[-1].copy())
        np_dtype = dtype.numpy
        # rounded to the dtype first, then scaled by 2**-30 exactly, as aten's kernel does
        return points.astype(np_dtype) * np_dtype.type(2.0**-_MAXBIT)

    def draw_base2(self, m: int, out: Tensor | None = None, dtype: Any = None) -> Tensor:
        """The next ``2**m`` points; the total drawn must stay a power of 2.

        Raises:
            ValueError: if ``num_generated + 2**m`` is not a power of 2 (torch's sentence).
        """
        n = 2**m
        total_n = self.num_generated + n
        if not (total_n & (total_n - 1) == 0):
            raise ValueError(
                "The balance properties of Sobol' points require n to be a power of 2. "
                f"{self.num_generated} points have been previously generated, then: "
                f"n={self.num_generated}+2**{m}={total_n}. If you still want to do this, "
                "please use 'SobolEngine.draw()' instead."
            )
        return self.draw(n=n, out=out, dtype=dtype)

    def reset(self) -> SobolEngine:
        """Go back to the first point; returns the engine."""
        self.quasi.copy_(self.shift)
        self.num_generated = 0
        return self

    def fast_forward(self, n: int) -> SobolEngine:
        """Skip ``n`` points, as if drawn and thrown away; returns the engine."""
        start, count = (0, n - 1) if self.num_generated == 0 else (self.num_generated - 1, n)
        count = int_arg(count, "SobolEngine.fast_forward", "n")
        if count > 0:
            # the walk XORs in column l once per step whose index has l trailing ones; only
            # the parity of that count matters, and it has a closed form
            odd = (_ones_below(start + count) - _ones_below(start)) % 2 == 1
            columns = self.sobolstate._data[:, odd]
            self.quasi._data[...] = np.bitwise_xor.reduce(columns, axis=1) ^ self.quasi._data
        self.num_generated += n
        return self

    def __repr__(self) -> str:
        parts = [f"dimension={self.dimension}"]
        if self.scramble:
            parts.append("scramble=True")
        if self.seed is not None:
            parts.append(f"seed={self.seed}")
        return f"{type(self).__name__}({', '.join(parts)})"
