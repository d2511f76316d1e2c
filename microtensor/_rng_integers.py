"""Random integers as torch's CPU kernels draw them: ``randint``, ``random_`` and its forms.

- ``random_(from, to)``: ``(r % (to - from)) + from`` of one 32-bit draw ``r``, or of one 64-bit
  draw when the range is at least 2**28, whatever the dtype (``uniform_int_from_to_distribution``
  in torch's public builds; its 2**32 rule for a few dtypes is FBCODE's only).
- ``random_(from)``: the same with ``to`` the dtype's largest value plus one (``2**digits + 1``
  for floats); ``random_(-2**63)`` on int64 is every 64-bit draw as it is.
- ``random_()``: ``r % (max + 1)`` (``2**digits + 1`` for floats, ``r & 1`` for bool), with
  64-bit draws for int64 and float64 (``uniform_int_distribution``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from microtensor.random import Generator

_INT64_MIN = -(2**63)
_WIDE = (np.dtype(np.int64), np.dtype(np.float64), np.dtype(np.float32))


def _digits(dtype: np.dtype) -> int:
    return int(np.finfo(dtype).nmant) + 1


def _bounds(dtype: np.dtype) -> tuple[float, float]:
    if dtype.kind == "f":
        info = np.finfo(dtype)
        return float(info.min), float(info.max)
    if dtype == np.bool_:
        return 0, 1
    iinfo = np.iinfo(dtype)
    return iinfo.min, iinfo.max


def _update_from(start: int, dtype: np.dtype) -> int:
    """Torch's ``update_from``: the next ``from`` that stays >= from after casting to ``dtype``."""
    cast = int(np.array(start + 1).astype(dtype))
    if cast < start:
        n = abs(start + 1).bit_length() - 1
        start = cast + (1 << (n - _digits(dtype) + 1))
    return start


def _update_to(stop: int, dtype: np.dtype) -> int:
    """Torch's ``update_to``: the previous ``to`` that stays < to after casting to ``dtype``."""
    cast = int(np.array(stop - 1).astype(dtype))
    if cast >= stop:
        n = abs(stop - 1).bit_length() - 1
        stop = cast - (1 << (n - _digits(dtype) + 1))
    return stop


def _check_in_range(start: int, stop_inclusive: int, dtype: np.dtype) -> None:
    low, high = _bounds(dtype)
    for value, name in ((start, "from"), (stop_inclusive, "to - 1")):
        if not low <= value <= high:
            raise RuntimeError(
                f"random_(): {name} is out of bounds for {dtype}: {name}={value} is outside "
                f"[{low}, {high}]; pick bounds the dtype can hold"
            )


def random_from_to(
    generator: Generator, n: int, dtype: np.dtype, start: int, stop: int | None
) -> np.ndarray:
    """``n`` draws of torch's ``random_(from, to)`` (``to=None``: up to the dtype's max)."""
    dtype = np.dtype(dtype)
    if stop is not None:
        if start >= stop:
            raise RuntimeError(
                f"random_ expects 'from' to be less than 'to', but got from={start} >= to={stop}"
            )
        if dtype.kind == "f":
            start, stop = _update_from(start, dtype), _update_to(stop, dtype)
        _check_in_range(start, stop - 1, dtype)
        span = stop - start
    elif start != _INT64_MIN:
        if dtype.kind == "f":
            stop_inclusive = min(2 ** _digits(dtype), 2**63 - 1)
            start = _update_from(start, dtype)
        else:
            stop_inclusive = int(_bounds(dtype)[1])
        _check_in_range(start, stop_inclusive, dtype)
        span = stop_inclusive - start + 1
    else:
        if dtype not in _WIDE:
            raise RuntimeError(
                "random_(): from=-2**63 with to=None (the full 64-bit range) handles only "
                f"int64, float64 and float32, not {dtype}"
            )
        return generator._random64(n).view(np.int64).astype(dtype)
    return _modulo(generator, n, span, start, dtype)


def _remainder(draws: np.ndarray, divisor: int, scratch: np.ndarray) -> np.ndarray:
    """``draws %= divisor`` for unsigned draws, through ``scratch`` (same shape and dtype).

    ``r - (r // d) * d``: NumPy divides by a scalar with libdivide's multiply-and-shift, but
    its remainder divides element by element, 10x slower.
    """
    divisor_array = draws.dtype.type(divisor)
    np.floor_divide(draws, divisor_array, out=scratch)
    scratch *= divisor_array
    draws -= scratch
    return draws


def _modulo(generator: Generator, n: int, span: int, base: int, dtype: np.dtype) -> np.ndarray:
    """``int64((r % span) + base)`` cast to ``dtype``, in torch's wrapping uint64 arithmetic."""
    values = np.empty(n, dtype=np.int64)
    if span < 2**28:  # one 32-bit draw each; the remainder and the sum fit in int64
        draws = generator._random32(n)
        _remainder(draws, span, values.view(np.uint32)[:n])  # values' memory as scratch
        if base:
            np.add(draws, np.int64(base), out=values)
        else:  # randint(high): a widening copy costs less than an addition
            np.copyto(values, draws)
        return values.astype(dtype, copy=False)
    # torch's public builds draw 64 bits from 2**28 on, whatever the dtype (FBCODE's rule,
    # 2**32 for a few dtypes, is not what the wheels run)
    draws = generator._random64(n)
    _remainder(draws, span % 2**64, values.view(np.uint64))
    draws += np.uint64(base % 2**64)
    return draws.view(np.int64).astype(dtype)


def random_full(generator: Generator, n: int, dtype: np.dtype) -> np.ndarray:
    """``n`` draws of torch's ``random_()``: ``[0, max]`` of the dtype (floats: ``2**digits``)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return (generator._random32(n) & np.uint32(1)).astype(np.bool_)
    if dtype.kind == "f":
        modulus = 2 ** _digits(dtype) + 1
    else:
        modulus = int(np.iinfo(dtype).max) + 1
    if dtype in (np.dtype(np.int64), np.dtype(np.float64)):
        draws = generator._random64(n)
    else:
        draws = generator._random32(n).astype(np.uint64)
    return _remainder(draws, modulus, np.empty_like(draws)).astype(dtype)
