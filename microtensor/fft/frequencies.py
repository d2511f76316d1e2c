"""``fftfreq`` and ``rfftfreq``: the sample frequencies of an FFT's bins.

Computed as PyTorch does, in the requested dtype: ``arange(n)`` (the upper half shifted down by
``n`` for ``fftfreq``) times the one scalar ``1 / (n * d)``, so float32 results match bit for
bit.
"""

from __future__ import annotations

import builtins
import operator
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._factory_args import on_cpu
from microtensor._layout import strided
from microtensor.tensor import Tensor

__all__ = ["fftfreq", "rfftfreq"]


def fftfreq(
    n: int,
    d: float = 1.0,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The frequencies ``[0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d * n)`` of ``fft``.

    Args:
        n: the FFT length.
        d: the sample spacing.
        dtype: a floating dtype (default: the default dtype).
        layout: strided only.
        device: the CPU only.
        requires_grad: make the result a leaf that records operations.

    Raises:
        TypeError: if ``n`` is not an int.
        RuntimeError: for a non-floating ``dtype`` or a negative ``n``.

    Example:
        >>> import microtensor as mt
        >>> mt.fft.fftfreq(4)
        tensor([ 0.0000,  0.2500, -0.5000, -0.2500])
    """
    n, np_dtype = _start("fftfreq", n, dtype, layout, device)
    _check_length("fftfreq", n)
    bins = np.arange(n, dtype=np_dtype)
    bins[(n + 1) // 2 :] -= n
    return _scaled(bins, n, d, requires_grad)


def rfftfreq(
    n: int,
    d: float = 1.0,
    *,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The frequencies ``[0, 1, ..., n // 2] / (d * n)`` of ``rfft`` (arguments as ``fftfreq``).

    Raises:
        TypeError: if ``n`` is not an int.
        RuntimeError: for a non-floating ``dtype`` or ``n < -3`` (PyTorch makes
            ``n // 2 + 1`` bins with C++'s truncating division).

    Example:
        >>> import microtensor as mt
        >>> mt.fft.rfftfreq(5, d=0.1)
        tensor([0., 2., 4.])
    """
    n, np_dtype = _start("rfftfreq", n, dtype, layout, device)
    length = builtins.int(n / 2) + 1  # C++'s n / 2 truncates: n = -1 gives 1 bin, as in torch
    _check_length("rfftfreq", length)
    return _scaled(np.arange(length, dtype=np_dtype), n, d, requires_grad)


def _start(op: str, n: Any, dtype: Any, layout: Any, device: Any) -> tuple[int, np.dtype]:
    on_cpu(device, op)
    if layout is not None and layout is not strided:
        raise RuntimeError(f"{op}(): only the strided layout is supported, got {layout}")
    if isinstance(n, builtins.bool):
        raise TypeError(f"{op}(): argument 'n' (position 1) must be int, not bool")
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(
            f"{op}(): argument 'n' (position 1) must be int, not {type(n).__name__}"
        ) from None
    chosen = dtypes.get_default_dtype() if dtype is None else dtypes.to_dtype(dtype)
    if chosen.numpy.kind != "f":
        raise RuntimeError(f"{op}(): {op} requires a floating point or complex dtype, got {chosen}")
    return n, chosen.numpy


def _check_length(op: str, length: int) -> None:
    if length < 0:
        raise RuntimeError(
            f"{op}(): Trying to create tensor with negative dimension {length}: [{length}]; "
            "n must be >= 0"
        )


def _scaled(bins: np.ndarray, n: int, d: float, requires_grad: bool) -> Tensor:
    with np.errstate(divide="ignore", invalid="ignore"):  # n * d == 0 gives inf/nan, as torch
        scale = bins.dtype.type(np.float64(1.0) / np.float64(n * d))
        out = Tensor._make(bins * scale)
    return out.requires_grad_(True) if requires_grad else out
