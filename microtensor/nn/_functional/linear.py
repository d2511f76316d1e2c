"""``linear`` (one fused op: it is on every model's hot path) and ``bilinear``."""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import _product_dtypes, dual
from microtensor.ops._common import matmul_sentence
from microtensor.ops.linalg import rows_matmul
from microtensor.tensor import Tensor

__all__ = ["bilinear", "linear"]


class Linear(Op):
    """y = x @ W^T + b;  dy/dx = g @ W,  dy/dW = g^T @ x,  dy/db = g.

    x: (..., in), W: (out, in), b: (out,). dy/dW sums over the batch dims (folded into one
    2-D matmul); dy/db is returned shaped like y and the engine sums it over the batch dims.
    Complex operands enter the gradients conjugated.
    """

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, x: Any, weight: Any, bias: Any) -> Any:
        ctx.save_for_backward(x, weight)
        if x.dtype.kind == "V":  # bfloat16: float32 products and sums, rounded once, as torch
            out = np.matmul(x.astype(np.float32), weight.T.astype(np.float32))
            return (out if bias is None else out + bias).astype(x.dtype)
        out = rows_matmul(x, weight.T)
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad_x = None
        if needs[0]:
            w = dual.conj(weight)
            grad_x = rows_matmul(grad_out, w) if dual.is_array(grad_out) else grad_out @ w
        grad_weight = None
        if needs[1]:  # fold the batch dims into rows: one 2-D matmul
            rows_g = grad_out.reshape((-1, weight.shape[0]))
            rows_x = x.reshape((-1, weight.shape[1]))
            grad_weight = dual.swap_last(rows_g) @ dual.conj(rows_x)
        return grad_x, grad_weight, grad_out if needs[2] else None


# torch's linear records addmm (bias, x, W.t()) or mm for 2-D input; for other ranks it folds
# the batch dims and views the result back (a 1-D input without bias: squeezes it).
class Addmm(Linear, node_name="AddmmBackward0"):
    """``linear`` of a matrix with a bias.

    Differs from PyTorch: next_functions lists (x, weight, bias), where torch's addmm lists
    (bias, x, weight.t()); graph drawings walk the inputs in this order.
    """


class LinearMm(Linear, node_name="MmBackward0"):
    """``linear`` of a matrix without bias."""


class LinearView(Linear, node_name="ViewBackward0"):
    """``linear`` of a vector or a batch (N-D) with a bias."""


class LinearUnsafeView(Linear, node_name="UnsafeViewBackward0"):
    """``linear`` of a batch (N-D) without bias."""


class LinearSqueeze(Linear, node_name="SqueezeBackward4"):
    """``linear`` of a vector without bias."""


def _linear_op(ndim: int, bias: Any) -> type[Linear]:
    if ndim == 2:
        return LinearMm if bias is None else Addmm
    if bias is not None:
        return LinearView
    return LinearSqueeze if ndim == 1 else LinearUnsafeView


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """Apply the affine map ``y = input @ weight.T + bias`` to the last dim of ``input``.

    Args:
        input: shape ``(*, in_features)``, at least one dim.
        weight: shape ``(out_features, in_features)`` (or ``(in_features,)``, giving ``(*)``).
        bias: shape ``(out_features,)`` (or anything that broadcasts to the output), optional.

    Returns:
        Shape ``(*, out_features)``.

    Raises:
        RuntimeError: if the shapes do not fit or the dtypes differ (as in PyTorch, nothing is
            promoted: convert the input with ``.float()`` or the model with ``.double()``).

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> weight = mt.tensor([[1.0, 1.0], [0.0, 1.0]])
        >>> F.linear(mt.tensor([[1.0, 2.0]]), weight, mt.tensor([0.5, 0.0]))
        tensor([[3.5000, 2.0000]])
    """
    if not _fits(input, weight, bias):
        _raise_linear_error(input, weight, bias)
    if weight._data.ndim == 1:
        out = ops.matmul(input, weight)
        return out if bias is None else out + bias
    if bias is not None and bias._data.shape not in ((weight._data.shape[0],), (1,), ()):
        return ops.add(Linear.apply(input, weight, None), bias)  # a bias of another shape
    return _linear_op(input._data.ndim, bias).apply(input, weight, bias)  # type: ignore[no-any-return]


def _fits(input: Any, weight: Any, bias: Any) -> bool:  # noqa: A002
    """The cheap check of the hot path: Tensors of one dtype whose shapes multiply."""
    if not (isinstance(input, Tensor) and isinstance(weight, Tensor)):
        return False
    x, w = input._data, weight._data
    if x.ndim == 0 or w.ndim not in (1, 2) or x.shape[-1] != w.shape[-1] or x.dtype != w.dtype:
        return False
    return bias is None or isinstance(bias, Tensor) and bias._data.dtype == x.dtype


def _raise_linear_error(input: Any, weight: Any, bias: Any) -> None:  # noqa: A002
    for name, value in (("input", input), ("weight", weight)):
        if not isinstance(value, Tensor):
            raise TypeError(f"linear(): {name} must be a Tensor, got {type(value).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"linear(): bias must be a Tensor or None, got {type(bias).__name__}")
    if input.ndim == 0 or weight.ndim not in (1, 2):
        raise RuntimeError(
            f"linear(): input must have at least 1 dim and weight 1 or 2 dims, got input shape "
            f"{tuple(input.shape)} and weight shape {tuple(weight.shape)}"
        )
    if input.shape[-1] != weight.shape[-1]:
        raise RuntimeError(
            f"linear(): {matmul_sentence(tuple(input.shape), tuple(weight.shape)[::-1])}: input "
            f"shape {tuple(input.shape)} and weight shape {tuple(weight.shape)} cannot be "
            f"multiplied ({input.shape[-1]} != {weight.shape[-1]}): the last dim of input must "
            "equal weight.shape[-1] (in_features)"
        )
    raise _linear_dtype_error(input, weight, bias)


def _linear_dtype_error(input: Tensor, weight: Tensor, bias: Tensor | None) -> RuntimeError:  # noqa: A002
    """Torch's error: ``addmm(bias, input, weight.t())`` with a bias, ``matmul`` without."""
    names = _product_dtypes.scalar_name
    if bias is not None:  # addmm checks self (the bias) against mat2 first, then mat1
        said = (
            f"self and mat2 must have the same dtype, but got {names(bias)} and {names(weight)}"
            if bias._data.dtype != weight._data.dtype
            else f"mat1 and mat2 must have the same dtype, but got {names(input)} and "
            f"{names(weight)}"
        )
        return _product_dtypes.dtype_error("linear", said, _HINT)
    if weight._data.ndim == 1:  # input @ weight: a dot or an mv
        one_d = input._data.ndim == 1
        return (_product_dtypes.dot_error if one_d else _product_dtypes.mv_error)(
            "linear", input, weight
        )
    return _product_dtypes.mm_error("linear", input, weight)


_HINT = "convert the input (x.float()) or the module (module.double())"


def bilinear(
    input1: Tensor,
    input2: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
) -> Tensor:
    """Apply ``y_k = input1 @ weight[k] @ input2 + bias[k]`` over the last dims of the inputs.

    Args:
        input1: shape ``(*, in1_features)``.
        input2: shape ``(*, in2_features)``, the same leading dims as ``input1``.
        weight: shape ``(out_features, in1_features, in2_features)``.
        bias: shape ``(out_features,)``, optional.

    Returns:
        Shape ``(*, out_features)``.

    Raises:
        RuntimeError: if the dtypes differ (as torch, nothing is promoted) or the shapes do
            not fit.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.bilinear(mt.tensor([[1.0, 2.0]]), mt.tensor([[3.0]]), mt.ones(1, 2, 1))
        tensor([[9.]])
    """
    _check_bilinear_dtypes(input1, input2, weight, bias)
    if input1.ndim == 0 or weight.ndim != 3:
        raise RuntimeError(
            f"bilinear(): expected inputs with at least 1 dim and a 3-D weight, got input1 "
            f"shape {tuple(input1.shape)} and weight shape {tuple(weight.shape)}"
        )
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]) or (
        input1.shape[-1],
        input2.shape[-1],
    ) != tuple(weight.shape[1:]):
        raise RuntimeError(
            f"bilinear(): input1 shape {tuple(input1.shape)} and input2 shape "
            f"{tuple(input2.shape)} do not fit weight shape {tuple(weight.shape)}: the inputs "
            "need the same leading dims and last dims (in1_features, in2_features)"
        )
    out = ops.einsum("...i,kij,...j->...k", input1, weight, input2)
    return out if bias is None else out + bias


def _check_bilinear_dtypes(input1: Tensor, input2: Tensor, weight: Tensor, bias: Any) -> None:
    dtype = weight._data.dtype
    others = (input1, input2) if bias is None else (input1, input2, bias)
    if all(t._data.dtype == dtype for t in others):
        return
    named = {"input1": input1, "input2": input2, "weight": weight}
    if bias is not None:
        named["bias"] = bias
    listed = ", ".join(f"{k}: {_product_dtypes.cpp_name(t)}" for k, t in named.items())
    raise _product_dtypes.dtype_error(
        "bilinear", f"All tensors must have the same dtype, got {listed}", _HINT
    )
