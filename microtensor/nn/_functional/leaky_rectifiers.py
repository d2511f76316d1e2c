"""Leaky rectifiers: ``x`` where positive, else a slope times ``x``.

The slope is fixed (``leaky_relu``), learned per channel (``prelu``), or drawn at random in
training (``rrelu``, whose evaluation slope is the mean of its range).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.nn._functional import _activation_ops as fused
from microtensor.nn._functional.activation import _floating
from microtensor.ops import dual
from microtensor.ops._pointwise import tensor_input
from microtensor.random import _generator
from microtensor.tensor import Tensor

__all__ = ["leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_"]


class PreluKernel(Op, node_name="PreluKernelBackward0"):
    """z = a if a > 0 else w * a, w one slope per channel (broadcast);  dz/da = 1 or w.

    dz/dw = 0 or a, shaped like z: the engine sums it back to w's shape.
    """

    @staticmethod
    def forward(ctx: Any, a: Any, weight: Any) -> Any:
        ctx.save_for_backward(a, weight)
        ctx.positive = a > 0
        return np.where(ctx.positive, a, weight * a)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad_a = dual.where(ctx.positive, grad_out, grad_out * weight) if needs[0] else None
        grad_weight = dual.where(ctx.positive, 0.0, grad_out * a) if needs[1] else None
        return grad_a, grad_weight


class RreluWithNoise(Op, node_name="RreluWithNoiseBackward0"):
    """z = noise * a, noise = 1 where a > 0, else a slope (random, or the mean in evaluation).

    dz/da = noise (a constant array drawn in forward).
    """

    @staticmethod
    def forward(ctx: Any, a: Any, noise: np.ndarray) -> Any:
        ctx.noise = noise
        return a * noise

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        return grad_out * ctx.noise, None


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where positive, else ``negative_slope * input``.

    Raises:
        NotImplementedError: for integer tensors (as every float-only activation here).

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.leaky_relu(mt.tensor([-2.0, 3.0]), 0.1)
        tensor([-0.2000,  3.0000])
    """
    _floating("leaky_relu", input)
    if inplace:
        return input._inplace("leaky_relu_", leaky_relu, negative_slope)
    return fused.LeakyRelu.apply(input, float(negative_slope))  # type: ignore[no-any-return]


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:  # noqa: A002
    """In-place ``leaky_relu``."""
    return leaky_relu(input, negative_slope, inplace=True)


def prelu(input: Tensor, weight: Tensor) -> Tensor:  # noqa: A002
    """``input`` where positive, else ``weight * input``, with one weight per channel (dim 1).

    Args:
        input: a tensor; its channels are dim 1 (a 0-d or 1-d input has one channel).
        weight: a 1-element or per-channel 1-d tensor (a learnable slope).

    Raises:
        RuntimeError: if ``weight`` has more than 1 dim, or its size is neither 1 nor the
            number of channels, or its dtype is not the input's.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.prelu(mt.tensor([[-1.0, -1.0], [2.0, -4.0]]), mt.tensor([0.1, 0.5]))
        tensor([[-0.1000, -0.5000],
                [ 2.0000, -2.0000]])
    """
    tensor_input("prelu", input)
    tensor_input("prelu", weight)
    if weight.ndim > 1:
        raise RuntimeError(
            f"prelu(): Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}"
        )
    if weight._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"prelu(): Type promoting not supported. Got {input.dtype} and {weight.dtype}: "
            "convert the weight (module.to(dtype)) or the input to one dtype"
        )
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() not in (1, channels):
        raise RuntimeError(
            "prelu(): Mismatch of parameter numbers and input channel size. Found parameter "
            f"numbers = {weight.numel()} and channel size = {channels}: give 1 weight or one "
            "per channel (dim 1 of input)"
        )
    if weight.ndim != input.ndim:  # torch's view of the weight: its slopes along dim 1
        view = [1] * input.ndim
        if input.ndim > 1:
            view[1] = weight.numel()
        weight = ops.reshape(weight, tuple(view))
    return PreluKernel.apply(input, weight)  # type: ignore[no-any-return]


def rrelu(
    input: Tensor,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Randomized leaky ReLU: ``x`` where positive, else ``a * x``.

    In training each element's slope ``a`` is drawn from U(lower, upper) (the default
    generator); in evaluation ``a = (lower + upper) / 2``.

    Raises:
        RuntimeError: if ``lower > upper``.

    The slopes are torch's after the same ``manual_seed``: one float64 uniform draw per
    element ``<= 0``, in order.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.rrelu(mt.tensor([-1.0, 2.0]), 0.1, 0.3)
        tensor([-0.2000,  2.0000])
    """
    _floating("rrelu", input)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if inplace:
        return input._inplace("rrelu_", rrelu, lower, upper, training)
    x = input._data
    negative = x <= 0
    if not training:
        slope = x.dtype.type((lower + upper) / 2)
        return RreluWithNoise.apply(input, np.where(negative, slope, x.dtype.type(1)))  # type: ignore[no-any-return]
    # torch's CPU kernel draws one float64 uniform(lower, upper) per element <= 0, in order
    uniform = _generator(None)._uniform(int(np.count_nonzero(negative)), np.float64)
    noise = np.ones(x.shape, x.dtype)
    # the bounds pass through torch's opmath type first: float32 below float64
    opmath = np.float64 if x.dtype == np.float64 else np.float32
    low, high = float(opmath(lower)), float(opmath(upper))
    noise[negative] = (uniform * (high - low) + low).astype(x.dtype)
    return RreluWithNoise.apply(input, noise)  # type: ignore[no-any-return]


def rrelu_(
    input: Tensor,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
) -> Tensor:
    """In-place ``rrelu``."""
    return rrelu(input, lower, upper, training, inplace=True)
