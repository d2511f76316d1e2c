"""Pointwise activations of ``microtensor.nn.functional``: rectifiers, ELUs, smooth and hard ones.

Their siblings live by family: ``leaky_rectifiers`` (leaky_relu, prelu, rrelu), ``shrinkage``,
``gated_linear_unit`` (glu) and ``activation_softmax`` (softmin, gumbel_softmax).

The fused ones (elu, gelu, silu, softplus ...) are single ops from ``_activation_ops``; relu,
sigmoid, tanh, softmax and log_softmax are the op library's; the rest are short compositions.
``inplace=True`` computes the result and writes it into ``input`` through the Tensor's in-place
machinery, under the same autograd rules as ``relu_`` (an error for a leaf that requires grad).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.grad_mode import is_grad_enabled
from microtensor.nn._functional import _activation_ops as fused
from microtensor.ops import log_softmax, sigmoid, softmax, tanh
from microtensor.ops._pointwise import float_input, tensor_input
from microtensor.tensor import Tensor

__all__ = [
    "celu",
    "celu_",
    "elu",
    "elu_",
    "gelu",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "hardtanh_",
    "log_softmax",
    "logsigmoid",
    "mish",
    "relu",
    "relu6",
    "relu_",
    "selu",
    "selu_",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "tanh",
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
