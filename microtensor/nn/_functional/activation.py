"""Activation functions of ``microtensor.nn.functional`` (``torch.nn.functional``'s names).

The fused ones (elu, gelu, silu, softplus ...) are single ops from ``_activation_ops``; relu,
sigmoid, tanh, softmax and log_softmax are the op library's; the rest are short compositions.
``inplace=True`` computes the result and writes it into ``input`` through the Tensor's in-place
machinery, under the same autograd rules as ``relu_`` (an error for a leaf that requires grad).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.grad_mode import is_grad_enabled
from microtensor.nn._functional import _activation_ops as fused
from microtensor.ops import log_softmax, sigmoid, softmax, tanh
from microtensor.ops._common import normalize_dim
from microtensor.ops._pointwise import float_input, tensor_input
from microtensor.random import _generator
from microtensor.tensor import Tensor

__all__ = [
    "celu",
    "celu_",
    "elu",
    "elu_",
    "gelu",
    "glu",
    "gumbel_softmax",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "leaky_relu",
    "leaky_relu_",
    "log_softmax",
    "logsigmoid",
    "mish",
    "prelu",
    "relu",
    "relu6",
    "relu_",
    "rrelu",
    "rrelu_",
    "selu",
    "selu_",
    "sigmoid",
    "silu",
    "softmax",
    "softmin",
    "softplus",
    "softshrink",
    "softsign",
    "tanh",
    "tanhshrink",
    "threshold",
    "threshold_",
]

# SELU's constants (Klambauer et al., 2017), as PyTorch
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _floating(op: str, input: Any) -> Tensor:  # noqa: A002
    """Check that ``input`` is a floating Tensor, as PyTorch's float-only activation kernels.

    Raises:
        TypeError: if ``input`` is not a Tensor.
        NotImplementedError: for an integer or bool tensor.
    """
    tensor_input(op, input)
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"{op}(): not implemented for {input.dtype} tensors: convert with .float() first"
        )
    return input  # type: ignore[no-any-return]


def relu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``max(input, 0)`` elementwise (the gradient at 0 is 0).

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.relu(mt.tensor([-1.0, 0.0, 2.0]))
        tensor([0., 0., 2.])
    """
    if inplace:
        return tensor_input("relu", input).relu_()  # type: ignore[no-any-return]
    return ops.relu(input)


def relu_(input: Tensor) -> Tensor:  # noqa: A002
    """In-place ``relu``."""
    return relu(input, inplace=True)


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


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where positive, else ``alpha * (exp(input) - 1)``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.elu(mt.tensor([-1.0, 2.0]))
        tensor([-0.6321,  2.0000])
    """
    _floating("elu", input)
    if inplace:
        return input._inplace("elu_", elu, alpha)
    return fused.Elu.apply(input, float(alpha), 1.0, 1.0)  # type: ignore[no-any-return]


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """In-place ``elu``."""
    return elu(input, alpha, inplace=True)


def selu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``scale * elu(input, alpha)`` with SELU's fixed alpha (1.6733) and scale (1.0507).

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.selu(mt.tensor([-1.0, 1.0]))
        tensor([-1.1113,  1.0507])
    """
    _floating("selu", input)
    if inplace:
        return input._inplace("selu_", selu)
    return fused.Elu.apply(input, _SELU_ALPHA, _SELU_SCALE, 1.0)  # type: ignore[no-any-return]


def selu_(input: Tensor) -> Tensor:  # noqa: A002
    """In-place ``selu``."""
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where positive, else ``alpha * (exp(input / alpha) - 1)``.

    Raises:
        RuntimeError: if ``alpha`` is 0.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.celu(mt.tensor([-1.0, 1.0]), alpha=2.0)
        tensor([-0.7869,  1.0000])
    """
    _floating("celu", input)
    if alpha == 0:
        raise RuntimeError("celu(): ZeroDivisionError: alpha cannot be 0 for CELU")
    if inplace:
        return input._inplace("celu_", celu, alpha)
    return fused.Celu.apply(input, float(alpha), 1.0, 1.0 / alpha)  # type: ignore[no-any-return]


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:  # noqa: A002
    """In-place ``celu``."""
    return celu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:  # noqa: A002
    """Gaussian error linear unit ``input * Phi(input)`` (Phi: the standard normal CDF).

    Args:
        input: a floating tensor.
        approximate: ``'none'`` for the exact form (through ``erfc``), or ``'tanh'`` for
            ``0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))``.

    Raises:
        RuntimeError: if ``approximate`` is neither ``'none'`` nor ``'tanh'``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.gelu(mt.tensor([-1.0, 1.0])), F.gelu(mt.tensor([1.0]), approximate="tanh")
        (tensor([-0.1587,  0.8413]), tensor([0.8412]))
    """
    _floating("gelu", input)
    if approximate not in ("none", "tanh"):
        raise RuntimeError(
            f"gelu(): approximate argument must be either none or tanh, got {approximate!r}."
        )
    return fused.Gelu.apply(input, approximate)  # type: ignore[no-any-return]


def silu(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """Sigmoid linear unit (swish) ``input * sigmoid(input)``.

    A complex input gets PyTorch's complex kernel, ``input / (1 + exp(-input))``, without a
    gradient (as PyTorch).

    Raises:
        NotImplementedError: for an integer or bool tensor.
        RuntimeError: for a complex input that requires grad while grad mode is on.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.silu(mt.tensor([-1.0, 1.0]))
        tensor([-0.2689,  0.7311])
    """
    tensor_input("silu", input)
    if input._data.dtype.kind == "c":
        return _complex_silu(input, inplace)
    _floating("silu", input)
    if inplace:
        return input._inplace("silu_", silu)
    return fused.Silu.apply(input)  # type: ignore[no-any-return]


def _complex_silu(input: Tensor, inplace: bool) -> Tensor:  # noqa: A002
    """PyTorch's complex silu: values only (its kernel has no complex derivative)."""
    if input.requires_grad and is_grad_enabled():
        raise RuntimeError(
            "silu does not support automatic differentiation for outputs with complex dtype."
        )
    if inplace:
        return input._inplace("silu_", silu)
    return input / (ops.exp(-input) + 1.0)


def mish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input * tanh(softplus(input))``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.mish(mt.tensor([-1.0, 1.0]))
        tensor([-0.3034,  0.8651])
    """
    _floating("mish", input)
    if inplace:
        return input._inplace("mish_", mish)
    return fused.Mish.apply(input)  # type: ignore[no-any-return]


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:  # noqa: A002
    """``log(1 + exp(beta * input)) / beta``, or ``input`` where ``beta * input > threshold``.

    Computed as ``max(bx, 0) + log1p(exp(-|bx|))``, which never overflows.

    Differs from PyTorch: with a threshold above ~709 / beta, PyTorch's ``log1p(exp(bx))``
    overflows to inf; here the result stays finite.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.softplus(mt.tensor([-2.0, 0.0, 30.0]))
        tensor([ 0.1269,  0.6931, 30.0000])
    """
    _floating("softplus", input)
    return fused.Softplus.apply(input, float(beta), float(threshold))  # type: ignore[no-any-return]


def hardtanh(
    input: Tensor,  # noqa: A002
    min_val: float = -1.0,
    max_val: float = 1.0,
    inplace: bool = False,
) -> Tensor:
    """``input`` clamped to ``[min_val, max_val]``; the gradient is 0 at and beyond the bounds.

    Integer tensors stay integer, as in PyTorch.

    Raises:
        ValueError: if ``min_val > max_val``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.hardtanh(mt.tensor([-2.0, 0.5, 2.0]))
        tensor([-1.0000,  0.5000,  1.0000])
    """
    tensor_input("hardtanh", input, bool_ok=False)
    if min_val > max_val:
        raise ValueError(
            f"hardtanh(): min_val cannot be greater than max_val (got min_val={min_val}, "
            f"max_val={max_val})"
        )
    if inplace:
        return input._inplace("hardtanh_", hardtanh, min_val, max_val)
    return fused.Hardtanh.apply(input, min_val, max_val)  # type: ignore[no-any-return]


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:  # noqa: A002
    """In-place ``hardtanh``."""
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``min(max(input, 0), 6)``: ``hardtanh(input, 0, 6)``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.relu6(mt.tensor([-1.0, 3.0, 8.0]))
        tensor([0., 3., 6.])
    """
    tensor_input("relu6", input, bool_ok=False)
    if inplace:
        return input._inplace("relu6_", relu6)
    return fused.Hardtanh.apply(input, 0.0, 6.0)  # type: ignore[no-any-return]


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``relu6(input + 3) / 6``: 0 up to -3, 1 from 3 on, linear between.

    Differs from PyTorch: the float64 gradient is exactly 1/6 (PyTorch uses float32's 1/6,
    off by 3e-8).

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.hardsigmoid(mt.tensor([-4.0, 0.0, 1.5]))
        tensor([0.0000, 0.5000, 0.7500])
    """
    _floating("hardsigmoid", input)
    if inplace:
        return input._inplace("hardsigmoid_", hardsigmoid)
    return fused.Hardsigmoid.apply(input)  # type: ignore[no-any-return]


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input * relu6(input + 3) / 6``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.hardswish(mt.tensor([-4.0, 1.0, 4.0]))
        tensor([-0.0000,  0.6667,  4.0000])
    """
    _floating("hardswish", input)
    if inplace:
        return input._inplace("hardswish_", hardswish)
    return fused.Hardswish.apply(input)  # type: ignore[no-any-return]


def logsigmoid(input: Tensor) -> Tensor:  # noqa: A002
    """``log(sigmoid(input))``, computed as ``min(x, 0) - log1p(exp(-|x|))`` (no overflow).

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.logsigmoid(mt.tensor([-100.0, 0.0]))
        tensor([-100.0000,   -0.6931])
    """
    _floating("logsigmoid", input)
    return fused.LogSigmoid.apply(input)  # type: ignore[no-any-return]


def softsign(input: Tensor) -> Tensor:  # noqa: A002
    """``input / (1 + |input|)``.

    A complex input is PyTorch's composition itself (a division by the real ``1 + |input|``),
    so its gradient, through ``|input|``, is PyTorch's.

    Differs from PyTorch: for a real input the gradient at +-inf is 0, its limit (PyTorch's
    composite gives nan).

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.softsign(mt.tensor([-3.0, 1.0]))
        tensor([-0.7500,  0.5000])
    """
    input = float_input("softsign", input)  # noqa: A001
    if input._data.dtype.kind == "c":  # PyTorch's composition: the gradient through |input|
        return input / (ops.abs(input) + 1.0)
    return fused.Softsign.apply(input)  # type: ignore[no-any-return]


def tanhshrink(input: Tensor) -> Tensor:  # noqa: A002
    """``input - tanh(input)``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.tanhshrink(mt.tensor([1.0]))
        tensor([0.2384])
    """
    tensor_input("tanhshrink", input)
    return input - ops.tanh(input)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:  # noqa: A002
    """``input`` where ``input > threshold``, else ``value``; integer tensors stay integer.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.threshold(mt.tensor([0.5, 2.0]), 1.0, -1.0)
        tensor([-1.,  2.])
    """
    tensor_input("threshold", input, bool_ok=False)
    threshold, value = _threshold_numbers("threshold", threshold, value)
    if inplace:
        return input._inplace("threshold_", _threshold, threshold, value)
    return _threshold(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    """In-place ``threshold``."""
    tensor_input("threshold_", input, bool_ok=False)
    threshold, value = _threshold_numbers("threshold_", threshold, value)
    return input._inplace("threshold_", _threshold, threshold, value)


def _threshold_numbers(op: str, threshold: Any, value: Any) -> tuple[Any, Any]:
    """``threshold`` and ``value`` as Python numbers (a 0-d tensor is one, as in PyTorch)."""
    numbers = []
    for position, (name, number) in enumerate((("threshold", threshold), ("value", value)), 2):
        if isinstance(number, Tensor) and number.ndim == 0:
            number = number.item()
        if not isinstance(number, (int, float, np.number)):
            shown = (
                f"Tensor of shape {tuple(number.shape)}"
                if isinstance(number, Tensor)
                else type(number).__name__
            )
            raise TypeError(
                f"{op}(): argument '{name}' (position {position}) must be Number, not {shown}: "
                "pass a Python number (or a 0-d tensor)"
            )
        numbers.append(number)
    return numbers[0], numbers[1]


def _threshold(input: Tensor, threshold: float, value: float) -> Tensor:  # noqa: A002
    return fused.Threshold.apply(input, threshold, value)  # type: ignore[no-any-return]


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
    if weight.numel() > 1:
        weight = weight.reshape((channels,) + (1,) * (input.ndim - 2))
    elif input.ndim < weight.ndim:
        weight = weight.reshape(())
    return ops.where(input._data > 0, input, weight * input)


def softmin(
    input: Tensor,  # noqa: A002
    dim: int | None = None,
    _stacklevel: int = 3,
    dtype: Any = None,
) -> Tensor:
    """``softmax(-input, dim)``: small entries get the large probabilities.

    Args:
        input: a floating tensor.
        dim: the dim to normalize (None: PyTorch's deprecated implicit choice, with a warning).
        _stacklevel: PyTorch's argument for the warning's stack level.
        dtype: cast the input to this dtype first.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.softmin(mt.tensor([1.0, 2.0]), dim=0)
        tensor([0.7311, 0.2689])
    """
    tensor_input("softmin", input)
    if dim is None:
        warnings.warn(
            "Implicit dimension choice for softmin has been deprecated. Change the call to "
            "include dim=X as an argument.",
            UserWarning,
            stacklevel=_stacklevel - 1,  # PyTorch counts one more frame (its dim helper)
        )
        dim = 0 if input.ndim in (0, 1, 3) else 1
    if dtype is not None:
        input = input.to(dtype)  # noqa: A001
    return softmax(-input, dim)


def glu(input: Tensor, dim: int = -1) -> Tensor:  # noqa: A002
    """Gated linear unit: split ``input`` in halves ``a, b`` along ``dim``; ``a * sigmoid(b)``.

    Raises:
        RuntimeError: for a 0-d input or an odd size along ``dim``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.glu(mt.tensor([[1.0, 2.0, 0.0, 100.0]]))
        tensor([[0.5000, 2.0000]])
    """
    _floating("glu", input)
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = normalize_dim("glu", dim, input.ndim)
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size {size}")
    a, b = ops.split(input, size // 2, dim)
    return a * sigmoid(b)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``input`` where ``|input| > lambd``, else 0.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.hardshrink(mt.tensor([-1.0, 0.2, 0.7]))
        tensor([-1.0000,  0.0000,  0.7000])
    """
    _floating("hardshrink", input)
    keep = np.abs(input._data) > lambd
    return ops.where(Tensor._make(keep | np.isnan(input._data)), input, 0.0)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """``input - lambd`` above ``lambd``, ``input + lambd`` below ``-lambd``, else 0.

    Raises:
        RuntimeError: for a negative ``lambd``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.softshrink(mt.tensor([-1.0, 0.2, 0.7]))
        tensor([-0.5000,  0.0000,  0.2000])
    """
    _floating("softshrink", input)
    if lambd < 0:
        raise RuntimeError(
            f"softshrink(): lambda must be greater or equal to 0, but found to be {lambd}."
        )
    x = input._data
    shifted = ops.where(Tensor._make(x > lambd), input - lambd, input + lambd)
    return ops.where(Tensor._make((np.abs(x) > lambd) | np.isnan(x)), shifted, 0.0)


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
    if not training:
        return leaky_relu(input, (lower + upper) / 2)
    x = input._data
    # torch's CPU kernel draws one float64 uniform(lower, upper) per element <= 0, in order
    negative = x <= 0
    uniform = _generator(None)._uniform(int(np.count_nonzero(negative)), np.float64)
    noise = np.ones(x.shape, x.dtype)
    # the bounds pass through torch's opmath type first: float32 below float64
    opmath = np.float64 if x.dtype == np.float64 else np.float32
    low, high = float(opmath(lower)), float(opmath(upper))
    noise[negative] = (uniform * (high - low) + low).astype(x.dtype)
    return input * Tensor._make(noise)


def rrelu_(
    input: Tensor,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
) -> Tensor:
    """In-place ``rrelu``."""
    return rrelu(input, lower, upper, training, inplace=True)


def gumbel_softmax(
    logits: Tensor,
    tau: float = 1,
    hard: bool = False,
    eps: float = 1e-10,
    dim: int = -1,
) -> Tensor:
    """A sample of the Gumbel-softmax (concrete) distribution: ``softmax((logits + g) / tau)``.

    ``g`` is Gumbel(0, 1) noise from the default generator. With ``hard`` the result is the
    one-hot vector of the sample's argmax, whose gradient is the soft sample's
    (``y_hard - y_soft.detach() + y_soft``, the straight-through estimator).

    Args:
        logits: unnormalised log-probabilities.
        tau: the temperature (lower is closer to one-hot).
        hard: return one-hot vectors.
        eps: deprecated, no effect (a warning when set).
        dim: the dim of the categories.

    The noise is torch's after the same ``manual_seed`` (``-log`` of ``exponential_`` draws).

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.gumbel_softmax(mt.tensor([[0.0, 0.0, 100.0]]), hard=True)
        tensor([[0., 0., 1.]])
    """
    _floating("gumbel_softmax", logits)
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    x = logits._data
    # torch: -empty_like(logits).exponential_().log(), contiguous, in logits' dtype
    exponential = Tensor._make(np.empty(x.shape, x.dtype)).exponential_()
    noise = -np.log(exponential._data)
    y_soft = softmax((logits + Tensor._make(noise)) / tau, dim)
    if not hard:
        return y_soft
    dim = normalize_dim("gumbel_softmax", dim, x.ndim)
    index = np.argmax(y_soft._data, axis=dim)
    one_hot = np.zeros(x.shape, dtype=x.dtype)
    np.put_along_axis(one_hot, np.expand_dims(index, dim), 1, axis=dim)
    return Tensor._make(one_hot) - y_soft.detach() + y_soft
