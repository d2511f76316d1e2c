"""Distances: ``normalize``, ``cosine_similarity``, ``pairwise_distance``, ``pdist``.

All four are compositions of ``vector_norm``, arithmetic and indexing, so their derivatives of
every order come from those ops (the norm's gradient at 0 is 0, as PyTorch's). For torch's
graph, ``pairwise_distance``'s norm and ``+ eps`` carry torch's nodes (``NormBackward1``,
``AddBackward1``) and ``pdist`` is one node (``PdistBackward0``, a ``CompositeOp``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor._numpy_names import numpy_names
from microtensor.nn._functional._composite_op import CompositeOp
from microtensor.nn._functional._scalar_ops import AddScalar
from microtensor.nn._functional.loss_likelihood import ClampMinNoGrad
from microtensor.ops._common import normalize_dims
from microtensor.ops._pointwise import tensor_input
from microtensor.ops.statistics import VectorNorm
from microtensor.tensor import Tensor

__all__ = ["cosine_similarity", "normalize", "pairwise_distance", "pdist"]


class PairwiseNorm(VectorNorm, node_name="NormBackward1"):
    """``pairwise_distance``'s norm of the difference: torch's ``at::norm`` node."""


class Pdist(CompositeOp, node_name="PdistBackward0"):
    """``pdist``: the norms of the row differences ``x[i] - x[j]``, ``i < j``, one node."""

    @staticmethod
    def compose(x: Tensor, p: float) -> Tensor:
        """Pick the row pairs, subtract, take the norms."""
        rows, cols = np.triu_indices(x.shape[0], 1)
        first = ops.index_select(x, 0, Tensor._make(rows.astype(np.int64)))
        second = ops.index_select(x, 0, Tensor._make(cols.astype(np.int64)))
        return ops.vector_norm(first - second, p, 1)


def _floating(op: str, x: Any, name: str = "input", complex_ok: bool = False) -> Tensor:
    tensor_input(op, x)
    kind = x._data.dtype.kind
    if kind != "f" and not (complex_ok and kind == "c"):
        raise RuntimeError(
            f"{op}(): expected a floating point {name}, got {x.dtype}: convert with .float()"
        )
    return x  # type: ignore[no-any-return]


def normalize(
    input: Tensor,  # noqa: A002
    p: float = 2.0,
    dim: int = 1,
    eps: float = 1e-12,
    out: Tensor | None = None,
) -> Tensor:
    """Divide ``input`` by its ``p``-norm over ``dim``: ``v / max(||v||_p, eps)``.

    Args:
        input: a floating tensor.
        p: the norm's exponent.
        dim: the dim to normalise over (each slice along it becomes a unit vector).
        eps: lower bound of the norm, so zero vectors stay zero.
        out: not supported (must be None).

    Returns:
        A tensor shaped like ``input``.

    Raises:
        RuntimeError: for an integer input.
        IndexError: for a dim out of range.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.normalize(mt.tensor([[3.0, 4.0]]))
        tensor([[0.6000, 0.8000]])
    """
    if out is not None:
        raise NotImplementedError("normalize(): out= is not supported; assign the result instead")
    _floating("normalize", input, complex_ok=True)
    norm = ops.vector_norm(input, p, dim, True)
    return input / ops.clamp_min(norm, eps).expand(input.shape)


@numpy_names
def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (they broadcast).

    As PyTorch, each input is divided by its own norm (clamped below at ``eps``) before the
    dot product: ``sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps)), dim)``.

    Args:
        x1: a floating tensor.
        x2: a floating tensor broadcastable with ``x1``.
        dim: the dim of the vectors (removed from the result).
        eps: lower bound of each norm.

    Returns:
        The broadcast shape without ``dim``. Below ``eps`` the gradient still flows through
        the unclamped norm, as in PyTorch (which clamps in place under no_grad).

    Raises:
        RuntimeError: for integer inputs or shapes that do not broadcast.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.cosine_similarity(mt.tensor([[1.0, 0.0]]), mt.tensor([[1.0, 1.0]]))
        tensor([0.7071])
    """
    _floating("cosine_similarity", x1, "x1")
    _floating("cosine_similarity", x2, "x2")
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise RuntimeError(
            f"cosine_similarity(): x1 of shape {tuple(x1.shape)} and x2 of shape "
            f"{tuple(x2.shape)} do not broadcast: make their sizes equal or 1 in each dim"
        ) from None
    a, b = x1.expand(shape), x2.expand(shape)
    # PyTorch clamps the norms in place under no_grad: the clamp passes the gradient through
    na = ClampMinNoGrad.apply(ops.vector_norm(a, 2, dim, True), eps)
    nb = ClampMinNoGrad.apply(ops.vector_norm(b, 2, dim, True), eps)
    return ops.sum((a / na) * (b / nb), dim)


@numpy_names
def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dim (the inputs broadcast).

    Args:
        x1: shape ``(N, D)`` or ``(D,)``.
        x2: broadcastable with ``x1``.
        p: the norm's exponent.
        eps: added to the difference (PyTorch's guard against a zero norm).
        keepdim: keep the last dim with size 1.

    Returns:
        Shape ``(N,)`` (or ``()`` for vectors).

    Raises:
        RuntimeError: for integer inputs.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.pairwise_distance(mt.tensor([[0.0, 0.0]]), mt.tensor([[3.0, 4.0]]), eps=0.0)
        tensor([5.])
    """
    _floating("pairwise_distance", x1, "x1", complex_ok=True)
    _floating("pairwise_distance", x2, "x2", complex_ok=True)
    ndim = max(x1.ndim, x2.ndim)
    diff = AddScalar.apply(x1 - x2, eps)
    dim = max(ndim - 1, 0) if ndim else None
    if diff._data.dtype.kind == "c" or not diff.numel() or not isinstance(p, int | float):
        return ops.vector_norm(diff, p, dim, keepdim)  # its checks and complex norm
    dims = normalize_dims("pairwise_distance", dim, diff.ndim)
    return PairwiseNorm.apply(diff, float(p), dims, keepdim)  # type: ignore[no-any-return]


def pdist(input: Tensor, p: float = 2.0) -> Tensor:  # noqa: A002
    """The ``p``-norm distance between every pair of rows ``i < j`` of an ``(N, M)`` input.

    Args:
        input: shape ``(N, M)``.
        p: the norm's exponent (non-negative).

    Returns:
        Shape ``(N * (N - 1) / 2,)``, ordered as the upper triangle row by row.

    Raises:
        RuntimeError: for an input that is not 2-D or not floating, or a negative ``p``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.pdist(mt.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]))
        tensor([5.0000, 1.0000, 4.2426])
    """
    _floating("pdist", input)
    if input.ndim != 2:
        raise RuntimeError(
            f"pdist(): only supports 2D tensors, got: {input.ndim}D (shape "
            f"{tuple(input.shape)}); reshape to (N, M)"
        )
    if p < 0:
        raise RuntimeError(f"pdist(): only supports non-negative p values, got p={p}")
    return Pdist.apply(input, float(p))  # type: ignore[no-any-return]
