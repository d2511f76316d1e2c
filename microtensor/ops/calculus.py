"""Finite differences and numerical integrals: diff, gradient, trapezoid, cumulative_trapezoid.

Compositions of differentiable ops (narrow, sub, mul, cumsum), so gradients and second
derivatives follow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor._numpy_names import numpy_names
from microtensor.ops._common import normalize_dim, to_float
from microtensor.tensor import Tensor

__all__ = ["cumulative_trapezoid", "diff", "gradient", "trapezoid", "trapz"]


@numpy_names
def diff(
    input: Tensor,  # noqa: A002
    n: int = 1,
    dim: int = -1,
    prepend: Tensor | None = None,
    append: Tensor | None = None,
) -> Tensor:
    """The ``n``-th forward difference along ``dim``: ``out[i] = input[i + 1] - input[i]``.

    ``prepend`` and ``append`` are concatenated along ``dim`` first. Bool inputs give
    ``input[i + 1] != input[i]``. Each difference shortens ``dim`` by one (down to empty);
    ``n=0`` gives a copy of ``input``.

    Raises:
        RuntimeError: for a 0-d input, a negative ``n``, or ``prepend``/``append`` with
            another number of dims.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.diff(mt.tensor([1.0, 4.0, 9.0, 16.0])), mt.diff(mt.tensor([1, 4, 9, 16]), n=2)
        (tensor([3., 5., 7.]), tensor([2, 2]))
    """
    ndim = input._data.ndim
    if ndim == 0:
        raise RuntimeError("diff(): diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"diff(): order must be non-negative but got {n}")
    d = normalize_dim("diff", dim, ndim)
    extra = [t for t in (prepend, append) if t is not None]
    if any(t._data.ndim != ndim for t in extra):
        raise RuntimeError(
            f"diff(): diff expects prepend or append to be the same dimension as input "
            f"({ndim}), got {[t._data.ndim for t in extra]}"
        )
    if n == 0:  # PyTorch ignores prepend and append then
        return ops.clone(input)
    x = ops.cat([t for t in (prepend, input, append) if t is not None], d) if extra else input
    for _ in range(n):
        size = x._data.shape[d]
        if size == 0:
            break
        after, before = ops.narrow(x, d, 1, size - 1), ops.narrow(x, d, 0, size - 1)
        x = ops.logical_xor(after, before) if x._data.dtype == np.bool_ else after - before
    return x


def _pairs_sum(y: Tensor, d: int) -> Tensor:
    """``y[1:] + y[:-1]`` along ``d``: the sums of neighbouring samples."""
    n = y._data.shape[d]
    return ops.narrow(y, d, 1, n - 1) + ops.narrow(y, d, 0, n - 1)


def _spacings(op: str, y: Tensor, x: Tensor, d: int) -> Tensor:
    """``diff(x)`` shaped to broadcast against the neighbour sums of ``y`` along ``d``."""
    x = to_float(x)
    if x._data.ndim == 1:
        if x._data.shape[0] != y._data.shape[d]:
            raise RuntimeError(
                f"{op}(): There must be one `x` value for each sample point, got {x.shape[0]} "
                f"x values for {y._data.shape[d]} samples along dim {d}"
            )
        shape = [1] * y._data.ndim
        shape[d] = -1
        return ops.reshape(diff(x), shape)
    return diff(x, dim=d - y._data.ndim)


def _trapezoid_args(op: str, y: Tensor, x: Any, dx: Any, dim: int) -> tuple[Tensor, int]:
    if x is not None and dx is not None:
        raise TypeError(f"{op}(): give x or dx, not both")
    y = to_float(y)
    if y._data.ndim == 0:
        raise IndexError(f"{op}(): Dimension out of range: the input y is 0-d")
    return y, normalize_dim(op, dim, y._data.ndim)


@numpy_names
def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The trapezoidal rule along ``dim``: ``sum((y[i] + y[i+1]) / 2 * (x[i+1] - x[i]))``.

    The sample points are ``x`` (1-d, or broadcasting with ``y``) or evenly ``dx`` apart
    (default 1). Integer ``y`` gives a float result; an empty dim gives 0.

    Raises:
        RuntimeError: if a 1-d ``x`` does not have one value per sample.
        TypeError: if both ``x`` and ``dx`` are given.
        IndexError: if ``dim`` is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.trapezoid(mt.tensor([1.0, 2.0, 4.0])), mt.trapezoid(mt.tensor([1.0, 2.0, 4.0]), dx=2)
        (tensor(4.5000), tensor(9.))
        >>> mt.trapezoid(mt.tensor([1.0, 2.0, 4.0]), mt.tensor([0.0, 1.0, 3.0]))
        tensor(7.5000)
    """
    y, d = _trapezoid_args("trapezoid", y, x, dx, dim)
    if y._data.shape[d] == 0:
        return ops.sum(y, d)
    pairs = _pairs_sum(y, d)
    if x is None:
        return ops.sum(pairs, d) * ((1 if dx is None else dx) / 2)
    return ops.sum(_spacings("trapezoid", y, x, d) * pairs, d) / 2


@numpy_names
def trapz(y: Tensor, x: Tensor | None = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """``trapezoid`` (PyTorch's older name).

    Example:
        >>> import microtensor as mt
        >>> mt.trapz(mt.tensor([1.0, 3.0]))
        tensor(2.)
    """
    return trapezoid(y, x, dx=dx, dim=dim)


@numpy_names
def cumulative_trapezoid(
    y: Tensor, x: Tensor | None = None, *, dx: Any = None, dim: int = -1
) -> Tensor:
    """The running trapezoidal integral along ``dim`` (one element shorter than ``y``).

    Arguments as ``trapezoid``.

    Example:
        >>> import microtensor as mt
        >>> mt.cumulative_trapezoid(mt.tensor([1.0, 2.0, 4.0]))
        tensor([1.5000, 4.5000])
    """
    y, d = _trapezoid_args("cumulative_trapezoid", y, x, dx, dim)
    if y._data.shape[d] == 0:
        return y
    pairs = _pairs_sum(y, d)
    if x is None:
        return ops.cumsum(pairs * ((1 if dx is None else dx) / 2), d)
    return ops.cumsum(_spacings("cumulative_trapezoid", y, x, d) * pairs / 2, d)


@numpy_names
def gradient(
    input: Tensor,  # noqa: A002
    *,
    spacing: Any = 1,
    dim: Any = None,
    edge_order: int = 1,
) -> tuple[Tensor, ...]:
    """Derivative estimates along each of ``dim`` (all dims when None), one tensor per dim.

    Central differences inside, one-sided differences of order ``edge_order`` (1 or 2) at the
    ends, as NumPy's ``gradient``. ``spacing`` is the sample distance (a number for all dims,
    or one per dim), or a list with one 1-d tensor of coordinates per dim.

    Raises:
        RuntimeError: for a dim with fewer than ``edge_order + 1`` samples, an ``edge_order``
            other than 1 or 2, a repeated dim, or a ``spacing`` list whose length does not
            match ``dim``.
        IndexError: if a dim is out of range.

    Example:
        >>> import microtensor as mt
        >>> mt.gradient(mt.tensor([1.0, 2.0, 4.0, 8.0]))
        (tensor([1.0000, 1.5000, 3.0000, 4.0000]),)
        >>> mt.gradient(mt.tensor([1.0, 2.0, 4.0]), spacing=[mt.tensor([0.0, 1.0, 3.0])])
        (tensor([1., 1., 1.]),)
    """
    x = to_float(input)
    ndim = x._data.ndim
    dims = list(range(ndim)) if dim is None else [dim] if isinstance(dim, int) else list(dim)
    dims = [normalize_dim("gradient", d, ndim) for d in dims]
    repeated = [d for d in dims if dims.count(d) > 1]
    if repeated:
        raise RuntimeError(
            f"gradient(): dim {repeated[0]} appears multiple times in the list of dims: "
            "name each dim once"
        )
    if edge_order not in (1, 2):
        raise RuntimeError(
            f"torch.gradient only supports edge_order=1 and edge_order=2, got {edge_order}"
        )
    if spacing is None:
        spacing = 1
    if isinstance(spacing, Tensor) and spacing._data.ndim == 0:  # a 0-d tensor is a number
        spacing = spacing.item()
    if isinstance(spacing, list | tuple):
        if len(spacing) != len(dims):
            raise RuntimeError(
                "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and "
                "dim arguments to have the same length, but got a spacing argument of length "
                f"{len(spacing)} and a dim argument of length {len(dims)}."
            )
        steps = list(spacing)
    else:
        steps = [spacing] * len(dims)
    for d in dims:
        if x._data.shape[d] < edge_order + 1:
            raise RuntimeError(
                f"torch.gradient expected each dimension size to be at least edge_order+1, got "
                f"size {x._data.shape[d]} at dim {d} for edge_order={edge_order}"
            )
    return tuple(
        _gradient_along(x, d, step, edge_order) for d, step in zip(dims, steps, strict=True)
    )


def _gradient_along(f: Tensor, d: int, step: Any, edge_order: int) -> Tensor:
    n = f._data.shape[d]

    def part(start: int, length: int) -> Tensor:
        return ops.narrow(f, d, start, length)

    if not isinstance(step, Tensor) or step._data.ndim == 0:
        h = float(step.item() if hasattr(step, "item") else step)
        inner = (part(2, n - 2) - part(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first = (part(1, 1) - part(0, 1)) / h
            last = (part(n - 1, 1) - part(n - 2, 1)) / h
        else:
            first = (-1.5 * part(0, 1) + 2 * part(1, 1) - 0.5 * part(2, 1)) / h
            last = (0.5 * part(n - 3, 1) - 2 * part(n - 2, 1) + 1.5 * part(n - 1, 1)) / h
        return ops.cat([first, inner, last], d)
    xs = step._data.astype(np.float64)
    if xs.shape != (n,):
        raise RuntimeError(
            f"torch.gradient expected each tensor to be on the same device and to have {n} "
            f"coordinates for dim {d}, got shape {list(xs.shape)}"
        )
    shape = [1] * f._data.ndim
    shape[d] = -1

    def const(values: Any) -> Tensor:
        return Tensor._make(np.asarray(values, f._data.dtype).reshape(shape))

    hs, hd = xs[1:-1] - xs[:-2], xs[2:] - xs[1:-1]
    inner = (
        const(-hd / (hs * (hd + hs))) * part(0, n - 2)
        + const((hd - hs) / (hd * hs)) * part(1, n - 2)
        + const(hs / (hd * (hs + hd))) * part(2, n - 2)
    )
    if edge_order == 1:
        first = (part(1, 1) - part(0, 1)) / const(xs[1] - xs[0])
        last = (part(n - 1, 1) - part(n - 2, 1)) / const(xs[-1] - xs[-2])
    else:
        a, b = xs[1] - xs[0], xs[2] - xs[1]
        first = (
            const(-(2 * a + b) / (a * (a + b))) * part(0, 1)
            + const((a + b) / (a * b)) * part(1, 1)
            + const(-a / (b * (a + b))) * part(2, 1)
        )
        a, b = xs[-2] - xs[-3], xs[-1] - xs[-2]
        last = (
            const(b / (a * (a + b))) * part(n - 3, 1)
            + const(-(a + b) / (a * b)) * part(n - 2, 1)
            + const((2 * b + a) / (b * (a + b))) * part(n - 1, 1)
        )
    return ops.cat([first, inner, last], d)
