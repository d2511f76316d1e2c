"""``embedding``: a row lookup whose backward adds the gradient rows into the weight's rows."""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.autograd.grad_mode import no_grad
from microtensor.ops import dual
from microtensor.tensor import Tensor

__all__ = ["embedding"]


def _add_rows(grad: Any, idx: np.ndarray, num_rows: int) -> Any:
    """Zeros of shape ``(num_rows, D)`` with each row ``grad[..., i, :]`` added at ``idx[i]``."""
    dim = grad.shape[-1]
    rows = grad.reshape((-1, dim))
    if dual.is_array(rows):
        out = np.zeros((num_rows, dim), dtype=rows.dtype)
        np.add.at(out, idx.reshape(-1), rows)  # repeated indices accumulate
        return out
    zeros = Tensor._make(np.zeros((num_rows, dim), dtype=rows._data.dtype))
    return ops.index_put(zeros, (Tensor._make(idx.reshape(-1)),), rows, accumulate=True)


class Embedding(Op):
    """z = W[idx];  dz/dW = zeros with g's rows added at idx (no gradient into padding_idx)."""

    @staticmethod
    def forward(ctx: Any, weight: Any, idx: np.ndarray, padding_idx: Any, scale: bool) -> Any:
        ctx.num_rows, ctx.idx = weight.shape[0], idx
        ctx.row_scale = None
        if padding_idx is not None or scale:
            row_scale = np.ones(idx.shape + (1,), dtype=weight.dtype)
            if scale:  # scale_grad_by_freq: divide by the index's count in the batch
                counts = np.bincount(idx.reshape(-1), minlength=weight.shape[0])
                row_scale[..., 0] = 1.0 / counts[idx]
            if padding_idx is not None:
                row_scale[idx == padding_idx] = 0.0
            ctx.row_scale = row_scale
        return np.take(weight, idx, axis=0)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        scale = ctx.row_scale
        if scale is not None and not dual.is_array(grad_out):
            scale = Tensor._make(scale)
        g = grad_out if scale is None else grad_out * scale
        return _add_rows(g, ctx.idx, ctx.num_rows), None, None, None


def embedding(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Look up rows of ``weight``: ``out[..., :] = weight[input[...], :]``.

    The gradient of a row used several times is the sum of its gradients; the row
    ``padding_idx`` gets no gradient.

    Args:
        input: integer indices, any shape.
        weight: shape ``(num_embeddings, embedding_dim)``.
        padding_idx: a row that receives no gradient (negative counts from the end).
        max_norm: if given, the looked-up rows of ``weight`` with a larger ``norm_type``-norm
            are rescaled in place to norm ``max_norm``.
        norm_type: the p of the p-norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by its count in ``input``.
        sparse: only False (dense gradients).

    Returns:
        Shape ``(*input.shape, embedding_dim)``.

    Raises:
        IndexError: if an index is out of range.
        RuntimeError: if ``input`` is not an integer tensor or ``weight`` is not 2-D.
        ValueError: if ``padding_idx`` is out of range.
        NotImplementedError: for ``sparse=True``.

    Differs from PyTorch: no sparse gradients.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.embedding(mt.tensor([2, 0]), mt.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]))
        tensor([[4., 5.],
                [0., 1.]])
    """
    idx = _check_embedding(input, weight, sparse)
    num_rows = weight.shape[0]
    if padding_idx is not None:
        if not -num_rows <= padding_idx < num_rows:
            raise ValueError(
                f"embedding(): padding_idx={padding_idx} must be within num_embeddings "
                f"({num_rows}): use -{num_rows} <= padding_idx < {num_rows}"
            )
        padding_idx = padding_idx % num_rows
    if max_norm is not None:
        _renorm_rows_(weight, idx, max_norm, norm_type)
    return Embedding.apply(weight, idx, padding_idx, scale_grad_by_freq)  # type: ignore[no-any-return]


def _check_embedding(input: Any, weight: Any, sparse: bool) -> np.ndarray:  # noqa: A002
    if sparse:
        raise NotImplementedError("embedding(): sparse=True is not supported (dense grads only)")
    if not isinstance(input, Tensor) or input._data.dtype.kind not in "iu":
        kind = input.dtype if isinstance(input, Tensor) else type(input).__name__
        raise RuntimeError(
            "embedding(): Expected tensor for argument #1 'indices' to have one of the following "
            f"scalar types: Long, Int; but got {kind} instead: convert it with .long()"
        )
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        shape = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
        raise RuntimeError(f"embedding(): 'weight' must be 2-D, got {shape}")
    idx = input._data
    num_rows = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= num_rows):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(
            f"index out of range in self: embedding() got index {int(bad)} for a weight with "
            f"{num_rows} rows (valid: 0 to {num_rows - 1})"
        )
    return idx.astype(np.int64, copy=False)


def _renorm_rows_(weight: Tensor, idx: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale in place the used rows whose norm exceeds ``max_norm``, as PyTorch."""
    with no_grad():
        rows = np.unique(idx)
        data = weight._data
        norms = np.linalg.norm(data[rows], ord=norm_type, axis=1)
        big = norms > max_norm
        # PyTorch's guard: divide by norm + 1e-7
        data[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(data.dtype)
        weight._version_counter[0] += 1
