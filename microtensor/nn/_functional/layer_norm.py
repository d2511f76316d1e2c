"""Normalisation over the trailing dims of each sample: ``layer_norm`` and ``rms_norm``.

``layer_norm`` is the fused ``LayerNorm`` op (torch's ``NativeLayerNormBackward0`` node);
``rms_norm`` is a composition, as torch's CPU path.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from microtensor import ops
from microtensor.nn._functional._normalize_ops import LayerNorm
from microtensor.tensor import Tensor

__all__ = ["layer_norm", "rms_norm"]


def layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims, then scale and shift.

    Args:
        input: shape ``(*, *normalized_shape)``.
        normalized_shape: the trailing shape to normalise over.
        weight: shape ``normalized_shape``, optional.
        bias: shape ``normalized_shape``, optional.
        eps: added to the (biased) variance for stability.

    Returns:
        Same shape as ``input``.

    Raises:
        RuntimeError: if the input's trailing shape is not ``normalized_shape``, or weight or
            bias has another shape.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.layer_norm(mt.tensor([[1.0, 3.0]]), (2,))
        tensor([[-1.0000,  1.0000]])
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k, in_shape = len(shape), tuple(input.shape)
    if k == 0 or in_shape[len(in_shape) - k :] != shape or len(in_shape) < k:
        raise RuntimeError(
            f"layer_norm(): Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(in_shape)}"
        )
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != shape:
            raise RuntimeError(
                f"layer_norm(): expected {name} of shape {shape} (normalized_shape), got "
                f"{tuple(value.shape)}"
            )
    dims = tuple(range(len(in_shape) - k, len(in_shape)))
    return LayerNorm.apply(input, weight, bias, dims, eps)  # type: ignore[no-any-return]


def rms_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: int | Sequence[int],
    weight: Tensor | None = None,
    eps: float | None = None,
) -> Tensor:
    """``x / sqrt(mean(x**2) + eps) * weight`` over the last ``len(normalized_shape)`` dims.

    Args:
        input: shape ``(*, *normalized_shape)``.
        normalized_shape: the trailing shape to normalise over.
        weight: shape ``normalized_shape``, optional.
        eps: added to the mean square (default: the machine epsilon of the input's dtype).

    Returns:
        Same shape as ``input``.

    Raises:
        RuntimeError: if the input's trailing shape is not ``normalized_shape``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.rms_norm(mt.tensor([[3.0, 4.0]]), (2,), eps=0.0)
        tensor([[0.8485, 1.1314]])
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k, in_shape = len(shape), tuple(input.shape)
    if not shape:
        raise RuntimeError(
            "rms_norm(): Expected normalized_shape to be at least 1-dimensional, i.e., "
            "containing at least one element, but got normalized_shape = []"
        )
    if len(in_shape) < k or in_shape[len(in_shape) - k :] != shape:
        raise RuntimeError(
            f"rms_norm(): Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(in_shape)}"
        )
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(
            f"rms_norm(): expected weight of shape {shape} (normalized_shape), got "
            f"{tuple(weight.shape)}"
        )
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(len(in_shape) - k, len(in_shape)))
    out = input * ops.rsqrt(ops.mean(input * input, dims, True) + eps)
    return out if weight is None else out * weight
