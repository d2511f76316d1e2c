"""Argument checks of the transforms, with PyTorch's canonical forms and errors.

``shape_and_dims`` follows ``torch._refs.fft._canonicalize_fft_shape_and_dim_args`` (and its
c2r form): the dims keep their order (the last one is the r2c or c2r dim), a size of -1 keeps
the default.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.tensor import Tensor

_NORMS = (None, "backward", "ortho", "forward")
_TORCH_NAMES = {"complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def checked_input(op: str, input: Any, norm: Any) -> Tensor:  # noqa: A002
    """The input as a float32/float64/complex64/complex128 Tensor; ``norm`` checked.

    Integers and bools take the default dtype, as in PyTorch.

    Raises:
        TypeError: if ``input`` is not a Tensor.
        RuntimeError: for an unknown ``norm``, or a float16/bfloat16 input (as PyTorch on CPU).
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if norm not in _NORMS:
        raise RuntimeError(
            f'{op}(): Invalid normalization mode: "{norm}" (use None, "backward", "ortho" or '
            '"forward")'
        )
    kind = input._data.dtype.kind
    if kind in "biu":
        return input.to(dtypes.get_default_dtype())
    if input._data.dtype not in (np.float32, np.float64, np.complex64, np.complex128):
        raise RuntimeError(
            f"{op}(): Unsupported dtype {input.dtype}: use float32, float64, complex64 or "
            "complex128"
        )
    return input


def refuse_complex(op: str, x: Tensor) -> None:
    """RuntimeError for a complex input of a real-to-complex transform."""
    if x._data.dtype.kind == "c":
        instead = op.replace("rfft", "fft").replace("ihfft", "ifft")
        raise RuntimeError(
            f"{op}(): {op} expects a real input tensor, but got "
            f"{_TORCH_NAMES[x._data.dtype.name]} (use {instead} for a complex input)"
        )


def int_arg(op: str, name: str, value: Any) -> int:
    """An int argument (``n``, ``dim``, a size) as a Python int; TypeError for anything else."""
    if isinstance(value, bool):
        raise TypeError(f"{op}(): argument '{name}' must be int, not bool")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(
            f"{op}(): argument '{name}' must be int, not {type(value).__name__}"
        ) from None


def wrap_dim(op: str, dim: Any, ndim: int) -> int:
    """``dim`` in ``[0, ndim)``; IndexError if out of range (any dim of a 0-d input)."""
    dim = int_arg(op, "dim", dim)
    if ndim == 0:
        raise IndexError(f"{op}(): Dimension specified as {dim} but tensor has no dimensions")
    if not -ndim <= dim < ndim:
        raise IndexError(
            f"{op}(): Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], "
            f"but got {dim})"
        )
    return dim % ndim


def ints(op: str, name: str, value: Any) -> tuple[int, ...]:
    """An int or a sequence of ints (``s``, ``dim``) as a tuple of ints."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return tuple(int_arg(op, name, v) for v in value)
    return (int_arg(op, name, value),)


def one_dim(
    op: str, x: Tensor, n: Any, dim: Any, c2r: bool = False
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(sizes, dims)`` of a 1-d transform: ``n`` and ``dim`` checked, ``dim`` wrapped.

    ``n`` defaults to the size along ``dim``, ``2 * (size - 1)`` for a c2r transform.

    Raises:
        IndexError: if ``dim`` is out of range (any dim of a 0-d input).
        TypeError: if ``n`` or ``dim`` is not an int.
        RuntimeError: for ``n`` below 1.
    """
    axis = wrap_dim(op, dim, x._data.ndim)
    if n is not None:
        size = int_arg(op, "n", n)
    else:
        size = x._data.shape[axis]
        size = 2 * (size - 1) if c2r else size
    check_points(op, size)
    return (size,), (axis,)


def shape_and_dims(
    op: str, x: Tensor, s: Any, dim: Any, kind: str
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """PyTorch's canonical ``(sizes, dims)`` of an n-d transform of ``kind`` "c2c", "r2c", "c2r".

    The last dim is the r2c or c2r one; there a c2r size of -1 or None is ``2 * (m - 1)``.

    Raises:
        IndexError: for a dim out of range.
        RuntimeError: for repeated dims, ``s`` and ``dim`` of different lengths, more sizes
            than dims, a size below 1, or no dim at all for r2c and c2r.
    """
    sizes, ndim = x._data.shape, x._data.ndim
    dims = None if dim is None else tuple(wrap_dim(op, d, ndim) for d in ints(op, "dim", dim))
    if dims is not None and len(set(dims)) != len(dims):
        raise RuntimeError(f"{op}(): FFT dims must be unique, got dim={dim}")
    if s is None:
        dims = tuple(range(ndim)) if dims is None else dims
        shape = tuple(sizes[d] for d in dims)
    else:
        shape = ints(op, "s", s)
        if dims is not None and len(dims) != len(shape):
            raise RuntimeError(
                f"{op}(): When given, dim and shape arguments must have the same length "
                f"(s={s}, dim={dim})"
            )
        if len(shape) > ndim:
            raise RuntimeError(
                f"{op}(): Got shape with {len(shape)} values but input tensor only has {ndim} "
                "dimensions."
            )
        dims = tuple(range(ndim - len(shape), ndim)) if dims is None else dims
        shape = tuple(sizes[d] if n == -1 else n for n, d in zip(shape, dims, strict=True))
    for n in shape:
        check_points(op, n)
    if not dims and kind != "c2c":
        raise RuntimeError(f"{op}(): {op} must transform at least one axis")
    if kind == "c2r" and (s is None or ints(op, "s", s)[-1] == -1):
        shape = shape[:-1] + (2 * (sizes[dims[-1]] - 1),)
        check_points(op, shape[-1])
    return shape, dims


def check_points(op: str, n: int) -> None:
    """RuntimeError (PyTorch's) for a transform size below 1."""
    if n < 1:
        raise RuntimeError(f"{op}(): Invalid number of data points ({n}) specified")
