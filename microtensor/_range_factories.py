"""Ranges: ``arange``, ``linspace``, ``logspace`` and ``eye``, with torch's values.

Float ``linspace`` is torch's CPU kernel bit for bit, and ``arange`` follows torch's rules for
integer dtypes. Arguments are checked as described in ``microtensor.creation``.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from microtensor import _fma, dtypes
from microtensor._allocation import reports_out_of_memory
from microtensor._factory_args import (
    _fill_number,
    _finish,
    _into,
    _np_dtype,
    _out_dtype,
    int_arg,
    number_arg,
    on_cpu,
)
from microtensor.tensor import Tensor


@reports_out_of_memory
def arange(
    start: Any = None,
    end: Any = None,
    step: Any = 1,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; int64 if all are ints.

    Raises:
        TypeError: if an argument is not a number (or a 0-d tensor).
        RuntimeError: if ``step`` is zero or has the wrong sign, or an end is not finite.

    Example:
        >>> import microtensor as mt
        >>> mt.arange(5)
        tensor([0, 1, 2, 3, 4])
        >>> mt.arange(0, 1, 0.25)
        tensor([0.0000, 0.2500, 0.5000, 0.7500])
    """
    on_cpu(device, "arange")
    dtype = _out_dtype(out, dtype, "arange", layout, pin_memory)
    if end is None:  # arange(end); a missing end is refused below, as a non-number
        start, end = 0, start
    elif start is None:  # arange(end=...), torch's start=0
        start = 0
    start, end, step = (
        _fill_number(x, "arange", name, position).item() if isinstance(x, Tensor) else
        number_arg(x, "arange", name, position)
        for x, name, position in ((start, "start", 1), (end, "end", 2), (step, "step", 3))
    )  # fmt: skip
    if not all(np.isfinite(x) for x in (start, end)):
        raise RuntimeError(
            f"arange(): unsupported range: {start} -> {end} (the ends must be finite)"
        )
    if step == 0 or step != step:  # torch reads a nan step as zero too
        raise RuntimeError(
            f"arange(): step must be nonzero (got step={step}): pass a positive step to count "
            f"up, a negative one to count down"
        )
    if (end - start) * step < 0 and end != start:
        raise RuntimeError(
            f"arange(): upper bound and lower bound inconsistent with step sign (start={start}, "
            f"end={end}, step={step}): {'a negative' if end < start else 'a positive'} step "
            f"goes from start to end"
        )
    integral = all(isinstance(x, builtins.int | np.integer) for x in (start, end, step))
    np_dtype = _np_dtype(dtype, "arange", dtypes.int64 if integral else None)
    values = _arange_values(start, end, step, np_dtype)
    return _into(out, _finish(values, requires_grad, "arange"), "arange")


def _arange_values(start: Any, end: Any, step: Any, np_dtype: np.dtype) -> np.ndarray:
    """``arange``'s values in ``np_dtype``, with torch's rules for integer dtypes.

    An integer dtype takes the ends and step truncated to integers (arange(0.5, 3, 1.5,
    dtype=int32) steps by 1); int64 also counts its values from them, the narrower ones from
    the real numbers, as torch's kernel does.

    Raises:
        NotImplementedError: for bool, as torch.
        ValueError: if the step truncates to zero for int64 (torch's sentence).
    """
    if np_dtype.kind == "b":
        raise NotImplementedError(
            "arange(): \"arange_cpu\" not implemented for 'Bool': pass an integer or floating "
            "dtype, then .bool()"
        )
    if np_dtype.kind not in "iu":
        return np.arange(start, end, step).astype(np_dtype)
    first, last, stride = builtins.int(start), builtins.int(end), builtins.int(step)
    if np_dtype == np.int64:
        if stride == 0:
            raise ValueError(
                f"arange(): step must be nonzero: step={step} truncates to 0 for int64; pass "
                f"a step of at least 1 in magnitude"
            )
        count = max(0, -((first - last) // stride))  # ceil((last - first) / stride)
    else:
        count = max(0, math.ceil((end - start) / step))
    values = first + stride * np.arange(count, dtype=np.int64)
    return values.astype(np_dtype)  # narrower dtypes wrap, as torch's casts do


@reports_out_of_memory
def linspace(
    start: Any,
    end: Any,
    steps: int,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

    Example:
        >>> import microtensor as mt
        >>> mt.linspace(0, 1, 3)
        tensor([0.0000, 0.5000, 1.0000])
    """
    on_cpu(device, "linspace")
    dtype = _out_dtype(out, dtype, "linspace", layout, pin_memory)
    steps = int_arg(steps, "linspace", "steps", 3)
    start, end = _number(start, "linspace", "start"), _number(end, "linspace", "end")
    if steps < 0:
        raise RuntimeError(f"linspace(): number of steps must be non-negative, got {steps}")
    np_dtype = _np_dtype(dtype, "linspace")
    if np_dtype.kind == "b":
        raise NotImplementedError(
            "linspace(): \"linspace_cpu\" not implemented for 'Bool': pass an integer or "
            "floating dtype, then .bool()"
        )
    if np_dtype in (np.float32, np.float64):
        values = _linspace_as_torch(start, end, steps, np_dtype)
    else:
        values = np.linspace(start, end, steps).astype(np_dtype)
    return _into(out, _finish(values, requires_grad, "linspace"), "linspace")


def _linspace_as_torch(start: Any, end: Any, steps: int, np_dtype: Any) -> np.ndarray:
    """Float ``linspace`` as torch's CPU kernel computes it, bit for bit.

    The step is taken in the output's dtype; each half of the values is then counted from its
    own end with a fused multiply-add (one rounding).
    """
    first, last = np_dtype.type(start), np_dtype.type(end)
    if steps <= 1:
        return np.full(steps, first, dtype=np_dtype)
    step = np_dtype.type((last - first) / np_dtype.type(steps - 1))
    index = np.arange(steps, dtype=np_dtype)
    half = steps // 2
    fma = _fma.fma32 if np_dtype == np.float32 else _fma.fma64
    from_start = fma(index[:half], step, first)
    from_end = fma(index[half:] - np_dtype.type(steps - 1), step, last)
    return np.concatenate([from_start, from_end])


@reports_out_of_memory
def logspace(
    start: Any,
    end: Any,
    steps: int,
    base: float = 10.0,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """``steps`` values from ``base ** start`` to ``base ** end``, evenly spaced in exponent.

    Raises:
        RuntimeError: if ``steps`` is negative.

    Example:
        >>> import microtensor as mt
        >>> mt.logspace(0, 2, 3)
        tensor([  1.,  10., 100.])
    """
    on_cpu(device, "logspace")
    dtype = _out_dtype(out, dtype, "logspace", layout, pin_memory)
    steps = int_arg(steps, "logspace", "steps", 3)
    start, end = _number(start, "logspace", "start"), _number(end, "logspace", "end")
    if steps < 0:
        raise RuntimeError(f"logspace(): number of steps must be non-negative, got {steps}")
    base = _number(base, "logspace", "base")
    values = np.power(float(base), np.linspace(start, end, steps))
    result = _finish(values.astype(_np_dtype(dtype, "logspace")), requires_grad, "logspace")
    return _into(out, result, "logspace")


def _number(x: Any, caller: str, name: str) -> Any:
    """A Python number from a number or a 0-d tensor (an end of ``linspace``, ``logspace``)."""
    if isinstance(x, Tensor):
        if x.dim() > 0:
            raise RuntimeError(
                f"{caller}(): {caller} only supports 0-dimensional start and end tensors, but "
                f"got {name} with {x.dim()} dimension(s): pass {name}.item() or a 0-d tensor"
            )
        return x.item()
    return number_arg(x, caller, name)


@reports_out_of_memory
def eye(
    n: int,
    m: int | None = None,
    *,
    out: Tensor | None = None,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    pin_memory: bool = False,
) -> Tensor:
    """The identity matrix (n x m).

    Raises:
        TypeError: if ``n`` or ``m`` is not an int.
        RuntimeError: if ``n`` or ``m`` is negative.

    Example:
        >>> import microtensor as mt
        >>> mt.eye(2)
        tensor([[1., 0.],
                [0., 1.]])
    """
    on_cpu(device, "eye")
    dtype = _out_dtype(out, dtype, "eye", layout, pin_memory)
    n = int_arg(n, "eye", "n", 1)
    m = None if m is None else int_arg(m, "eye", "m", 2)
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(
                f"eye(): {name} must be greater or equal to 0, got {value}: pass the number of "
                f"{'rows' if name == 'n' else 'columns'}"
            )
    result = _finish(np.eye(n, m, dtype=_np_dtype(dtype, "eye")), requires_grad, "eye")
    return _into(out, result, "eye")
