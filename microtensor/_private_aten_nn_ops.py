"""torch's private ATen kernels of nn ops.

Batch norm's variants, softmax's backward and safe form, dropout's and max pooling's
backward, antialiased bilinear upsampling.

Each is a composition of microtensor's differentiable ops (``native_batch_norm``,
``softmax``, ``where``, ``scatter_add``, the upsampling weight matrices), so their
gradients, and second derivatives, come from those ops' formulas.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from microtensor import creation, dtypes, ops
from microtensor.nn._functional.upsampling import _along, _antialias_matrix
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = [
    "_batch_norm_with_update",
    "_native_batch_norm_legit",
    "_safe_softmax",
    "_softmax_backward_data",
    "_upsample_bilinear2d_aa",
    "max_pool2d_with_indices_backward",
    "native_dropout_backward",
]


def _native_batch_norm_legit(
    input: Tensor,  # noqa: A002
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | bool | None = None,
    running_var: Tensor | float | None = None,
    training: bool | float | None = None,
    momentum: float | None = None,
    eps: float | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """torch._native_batch_norm_legit: ``native_batch_norm`` with its two overloads.

    Called as ``(input, weight, bias, running_mean, running_var, training, momentum, eps)``
    it is ``native_batch_norm`` (the running statistics updated in place in training); the
    ``no_stats`` overload ``(input, weight, bias, training, momentum, eps)`` keeps no running
    statistics (torch tells the two apart by the type of the fourth argument, as here).

    Returns:
        ``(output, save_mean, save_invstd)``; the last two are empty in evaluation.

    Raises:
        TypeError: if ``training``, ``momentum`` or ``eps`` is missing.
        RuntimeError: as ``native_batch_norm`` (no running statistics in evaluation).

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[1.0, 2.0], [3.0, 6.0]])
        >>> _native_batch_norm_legit(x, None, None, True, 0.1, 0.0)[1]
        tensor([2., 4.])
    """
    if isinstance(running_mean, bool):  # the no_stats overload, positionally
        running_mean, running_var, training, momentum, eps = (
            None,
            None,
            running_mean,
            running_var,
            training,
        )
    if training is None or momentum is None or eps is None:
        raise TypeError("_native_batch_norm_legit(): training, momentum and eps are required")
    if not all(s is None or isinstance(s, Tensor) for s in (running_mean, running_var)):
        raise TypeError("_native_batch_norm_legit(): running_mean and running_var must be Tensors")
    mean = running_mean if isinstance(running_mean, Tensor) else None
    var = running_var if isinstance(running_var, Tensor) else None
    return ops.native_batch_norm(input, weight, bias, mean, var, bool(training), momentum, eps)


def _batch_norm_with_update(
    input: Tensor,  # noqa: A002
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor,
    running_var: Tensor,
    momentum: float,
    eps: float,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """aten._batch_norm_with_update: training-mode batch norm that updates the running stats.

    ``native_batch_norm(..., training=True)`` plus the backend's reserve tensor, which on the
    CPU is an empty uint8 tensor.

    Returns:
        ``(output, save_mean, save_invstd, reserve)``.

    Example:
        >>> import microtensor as mt
        >>> mean, var = mt.zeros(2), mt.ones(2)
        >>> x = mt.tensor([[1.0, 2.0], [3.0, 6.0]])
        >>> out = _batch_norm_with_update(x, None, None, mean, var, 0.5, 0.0)
        >>> mean, out[3].shape
        (tensor([1., 2.]), microtensor.Size([0]))
    """
    output, save_mean, save_invstd = ops.native_batch_norm(
        input, weight, bias, running_mean, running_var, True, momentum, eps
    )
    return output, save_mean, save_invstd, creation.empty(0, dtype=dtypes.uint8)


def _softmax_backward_data(
    grad_output: Tensor, output: Tensor, dim: int, input_dtype: Any
) -> Tensor:
    """aten._softmax_backward_data: softmax's vector-Jacobian product from its output.

    ``grad_input = output * (grad_output - sum(grad_output * output, dim))``, in
    ``grad_output``'s dtype (torch's CPU kernel does not cast to ``input_dtype``).

    Example:
        >>> import microtensor as mt
        >>> y = mt.tensor([0.25, 0.75])
        >>> _softmax_backward_data(mt.tensor([1.0, 0.0]), y, 0, mt.float32)
        tensor([ 0.1875, -0.1875])
    """
    tensor_input("_softmax_backward_data", grad_output)
    dot = ops.sum(grad_output * output, dim=dim, keepdim=True)
    return output * (grad_output - dot)


def _safe_softmax(input: Tensor, dim: int, dtype: Any = None) -> Tensor:  # noqa: A002
    """aten._safe_softmax: softmax whose rows of only -inf give 0, not NaN.

    The masked rows are replaced by 0 before the softmax, so no NaN reaches the gradient
    either (torch's backward reads the zero output there).

    Example:
        >>> import microtensor as mt
        >>> _safe_softmax(mt.tensor([[0.0, 0.0], [-math.inf, -math.inf]]), 1)
        tensor([[0.5000, 0.5000],
                [0.0000, 0.0000]])
    """
    tensor_input("_safe_softmax", input)
    masked_rows = ops.all(ops.eq(input, -math.inf), dim=dim, keepdim=True)
    safe = ops.where(masked_rows, 0.0, input)
    return ops.where(masked_rows, 0.0, ops.softmax(safe, dim, dtype=dtype))


def native_dropout_backward(grad_output: Tensor, mask: Tensor, scale: float) -> Tensor:
    """aten.native_dropout_backward: ``grad_output * mask * scale``.

    Example:
        >>> import microtensor as mt
        >>> native_dropout_backward(mt.tensor([1.0, 2.0]), mt.tensor([True, False]), 2.0)
        tensor([2., 0.])
    """
    tensor_input("native_dropout_backward", grad_output)
    return grad_output * mask.to(grad_output.dtype) * scale


def _pair(value: Any) -> tuple[int, int]:
    values = tuple(value) if isinstance(value, Sequence) else (value,)
    return (values[0], values[0]) if len(values) == 1 else (values[0], values[1])


def max_pool2d_with_indices_backward(
    grad_output: Tensor,
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    indices: Tensor,
) -> Tensor:
    """aten.max_pool2d_with_indices_backward: route ``grad_output`` back to the maxima.

    ``indices`` (from ``max_pool2d_with_indices``) give each output's source position in its
    ``(H, W)`` plane, flattened; the gradient of the input adds ``grad_output`` there. The
    pooling settings are checked for their form only: the indices already encode them.

    Returns:
        A tensor shaped like ``input``; its gradient with respect to ``input`` is zero.

    Raises:
        RuntimeError: if ``grad_output`` and ``indices`` differ in shape, or ``input`` is not
            3-D or 4-D.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> x = mt.tensor([[[[1.0, 3.0], [2.0, 0.0]]]])
        >>> out, idx = F.max_pool2d_with_indices(x, 2, return_indices=True)
        >>> max_pool2d_with_indices_backward(mt.ones_like(out), x, 2, 2, 0, 1, False, idx)
        tensor([[[[0., 1.],
                  [0., 0.]]]])
    """
    for setting in (kernel_size, stride, padding, dilation):
        _pair(setting)  # ints or pairs, as torch's int[2]
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"max_pool2d_with_indices_backward(): expected a 3-D or 4-D input, got shape "
            f"{list(input.shape)}"
        )
    if tuple(grad_output.shape) != tuple(indices.shape):
        raise RuntimeError(
            f"max_pool2d_with_indices_backward(): grad_output of shape "
            f"{list(grad_output.shape)} and indices of shape {list(indices.shape)} differ"
        )
    planes = math.prod(input.shape[:-2])
    flat_grad = ops.reshape(grad_output, (planes, -1))
    flat_index = ops.reshape(indices, (planes, -1))
    zeros = creation.zeros(planes, input.shape[-2] * input.shape[-1], dtype=grad_output.dtype)
    return ops.reshape(ops.scatter_add(zeros, 1, flat_index, flat_grad), tuple(input.shape))


def _upsample_bilinear2d_aa(
    input: Tensor,  # noqa: A002
    output_size: Sequence[int] | None,
    align_corners: bool,
    scales_h: float | Sequence[float] | None = None,
    scales_w: float | None = None,
    *,
    scale_factors: Sequence[float] | None = None,
) -> Tensor:
    """aten._upsample_bilinear2d_aa: antialiased bilinear resize of ``(N, C, H, W)``.

    Two overloads, as torch's: ``(input, output_size, align_corners, scales_h, scales_w)``
    resizes to ``output_size``, the optional scales setting the sampling ratio (``1 /
    scale``) when ``align_corners`` is False; the ``vec`` overload ``(input, output_size,
    align_corners, scale_factors)`` takes ``output_size`` or else ``floor(size * factor)``,
    the factors setting the ratio. A sequence in the fourth place is ``scale_factors``.

    Raises:
        RuntimeError: for a non-4-D input, both or neither of output_size and scale
            factors (vec form), or an output size below 1.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[[[0.0, 1.0, 2.0, 3.0]]]])
        >>> _upsample_bilinear2d_aa(x, [1, 2], False)
        tensor([[[[0.7143, 2.2857]]]])
    """
    if isinstance(scales_h, Sequence):  # the vec overload, positionally
        scale_factors, scales_h = scales_h, None
    if input.ndim != 4:
        raise RuntimeError(
            f"_upsample_bilinear2d_aa(): expected a 4-D (N, C, H, W) input, got shape "
            f"{list(input.shape)}"
        )
    if scale_factors is not None:
        if output_size is not None:
            raise RuntimeError(
                "_upsample_bilinear2d_aa(): give either output_size or scale_factors, not both"
            )
        factors = [float(s) for s in scale_factors]
        output_size = [math.floor(n * s) for n, s in zip(input.shape[2:], factors, strict=True)]
        scales: list[float | None] = list(factors)
    elif output_size is None:
        raise RuntimeError("_upsample_bilinear2d_aa(): output_size or scale_factors is required")
    else:
        scales = [scales_h, scales_w]
    if len(output_size) != 2 or min(output_size) < 1:
        raise RuntimeError(
            f"_upsample_bilinear2d_aa(): output_size must be two sizes of at least 1, got "
            f"{list(output_size)}"
        )
    y = input
    for axis, (n, out, scale) in enumerate(zip(input.shape[2:], output_size, scales, strict=True)):
        dtype = input._data.dtype
        matrix = _antialias_matrix(n, int(out), scale, bool(align_corners), False, dtype)
        y = _along(y, 2 + axis, matrix)
    return y
