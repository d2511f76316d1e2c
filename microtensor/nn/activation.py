"""Activation modules (``torch.nn``'s names): each ``forward`` is one ``nn.functional`` call.

Shape (every module here): input ``(*)``, any shape; output the same shape. ``extra_repr``
prints the hyper-parameters as PyTorch does (``LeakyReLU(negative_slope=0.01)``).
"""

from __future__ import annotations

from typing import Any

from microtensor import creation
from microtensor.nn import functional as F
from microtensor.nn import init
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "RReLU",
    "SELU",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "Mish",
    "PReLU",
    "ReLU",
    "ReLU6",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmax2d",
    "Softmin",
    "Softplus",
    "Softshrink",
    "Softsign",
    "Tanh",
    "Tanhshrink",
    "Threshold",
]


def _inplace_str(inplace: bool, first: bool = False) -> str:
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class _InplaceActivation(Module):
    """An activation whose only option is ``inplace`` (printed when True)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:  # noqa: D102
        return _inplace_str(self.inplace, first=True)


class _DimActivation(Module):
    """A softmax-like activation along ``dim`` (None: PyTorch's deprecated implicit choice)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def extra_repr(self) -> str:  # noqa: D102
        return f"dim={self.dim}"


class ReLU(_InplaceActivation):
    """``max(x, 0)``.

    Args:
        inplace: overwrite the input with the result.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.ReLU()(mt.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.relu(input, inplace=self.inplace)


class LeakyReLU(Module):
    """``x`` where positive, else ``negative_slope * x``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.LeakyReLU(0.1)
        LeakyReLU(negative_slope=0.1)
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:  # noqa: D102
        return f"negative_slope={self.negative_slope}{_inplace_str(self.inplace)}"


class ELU(Module):
    """``x`` where positive, else ``alpha * (exp(x) - 1)``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.ELU()(mt.tensor([-1.0, 1.0]))
        tensor([-0.6321,  1.0000])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:  # noqa: D102
        return f"alpha={self.alpha}{_inplace_str(self.inplace)}"


class CELU(Module):
    """``x`` where positive, else ``alpha * (exp(x / alpha) - 1)``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.CELU(2.0)
        CELU(alpha=2.0)
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.celu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:  # noqa: D102
        return f"alpha={self.alpha}{_inplace_str(self.inplace)}"


class SELU(_InplaceActivation):
    """``scale * elu(x, alpha)`` with the self-normalising constants.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.SELU()(mt.tensor([1.0]))
        tensor([1.0507])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.selu(input, self.inplace)


class GELU(Module):
    """``x * Phi(x)`` (exact, ``approximate='none'``) or its tanh approximation (``'tanh'``).

    Example:
        >>> import microtensor as mt
        >>> mt.nn.GELU(approximate="tanh")
        GELU(approximate='tanh')
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:  # noqa: D102
        return f"approximate={self.approximate!r}"


class SiLU(_InplaceActivation):
    """``x * sigmoid(x)`` (swish).

    Example:
        >>> import microtensor as mt
        >>> mt.nn.SiLU()(mt.tensor([1.0]))
        tensor([0.7311])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.silu(input, inplace=self.inplace)


class Mish(_InplaceActivation):
    """``x * tanh(softplus(x))``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Mish()(mt.tensor([1.0]))
        tensor([0.8651])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.mish(input, inplace=self.inplace)


class Softplus(Module):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Softplus()
        Softplus(beta=1.0, threshold=20.0)
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:  # noqa: D102
        return f"beta={self.beta}, threshold={self.threshold}"


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Sigmoid()(mt.tensor([0.0]))
        tensor([0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.sigmoid(input)


class Tanh(Module):
    """Hyperbolic tangent.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Tanh()(mt.tensor([0.0]))
        tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.tanh(input)


class Hardtanh(Module):
    """``x`` clamped to ``[min_val, max_val]``.

    Raises:
        ValueError: if ``max_val <= min_val`` (Differs from PyTorch: it raises AssertionError).

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Hardtanh()
        Hardtanh(min_val=-1.0, max_val=1.0)
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if not max_val > min_val:
            raise ValueError(
                f"Hardtanh(): max_val ({max_val}) must be greater than min_val ({min_val})"
            )
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:  # noqa: D102
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace_str(self.inplace)}"


class ReLU6(Hardtanh):
    """``min(max(x, 0), 6)``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.ReLU6()(mt.tensor([-1.0, 7.0]))
        tensor([0., 6.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:  # noqa: D102
        return _inplace_str(self.inplace, first=True)


class Hardsigmoid(_InplaceActivation):
    """``relu6(x + 3) / 6``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Hardsigmoid()(mt.tensor([0.0]))
        tensor([0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.hardsigmoid(input, self.inplace)

    def extra_repr(self) -> str:  # noqa: D102
        return ""  # PyTorch prints no options for it


class Hardswish(_InplaceActivation):
    """``x * relu6(x + 3) / 6``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Hardswish()(mt.tensor([1.0]))
        tensor([0.6667])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.hardswish(input, self.inplace)

    def extra_repr(self) -> str:  # noqa: D102
        return ""  # PyTorch prints no options for it


class LogSigmoid(Module):
    """``log(sigmoid(x))``, computed without overflow.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.LogSigmoid()(mt.tensor([0.0]))
        tensor([-0.6931])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.logsigmoid(input)


class Softsign(Module):
    """``x / (1 + |x|)``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Softsign()(mt.tensor([1.0]))
        tensor([0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.softsign(input)


class Tanhshrink(Module):
    """``x - tanh(x)``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Tanhshrink()(mt.tensor([0.0]))
        tensor([0.])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.tanhshrink(input)


class Threshold(Module):
    """``x`` where ``x > threshold``, else ``value``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Threshold(0.1, 20)
        Threshold(threshold=0.1, value=20)
    """

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:  # noqa: D102
        return f"threshold={self.threshold}, value={self.value}{_inplace_str(self.inplace)}"


class PReLU(Module):
    """``x`` where positive, else ``weight * x``, with a learnable slope per channel (dim 1).

    Args:
        num_parameters: 1 (one shared slope) or the number of input channels.
        init: the initial slope.
        device: accepted for compatibility (only ``"cpu"``).
        dtype: the weight's dtype (default: the default float dtype).

    Attributes:
        weight: the slopes, a ``Parameter`` of shape ``(num_parameters,)``.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.PReLU()
        >>> m, m(mt.tensor([-2.0, 1.0]))
        (PReLU(num_parameters=1), tensor([-0.5000,  1.0000], grad_fn=<PreluKernelBackward0>))
    """

    def __init__(
        self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(creation.empty(num_parameters, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Set every slope back to ``init``."""
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:  # noqa: D102
        return f"num_parameters={self.num_parameters}"


class Softmax(_DimActivation):
    """``exp(x) / sum(exp(x))`` along ``dim``: each slice sums to 1.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Softmax(dim=0)(mt.tensor([0.0, 0.0]))
        tensor([0.5000, 0.5000])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.softmax(input, self.dim)


class LogSoftmax(_DimActivation):
    """``x - log(sum(exp(x)))`` along ``dim``, computed stably.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.LogSoftmax(dim=-1)
        LogSoftmax(dim=-1)
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.log_softmax(input, self.dim)


class Softmin(_DimActivation):
    """``softmax(-x)`` along ``dim``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Softmin(dim=0)(mt.tensor([1.0, 2.0]))
        tensor([0.7311, 0.2689])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.softmin(input, self.dim, _stacklevel=5)


class GLU(Module):
    """Gated linear unit along ``dim``: ``a * sigmoid(b)`` for the halves ``a, b``.

    Shape: the size along ``dim`` is halved.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.GLU()(mt.randn(4, 2)).shape
        microtensor.Size([4, 1])
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:  # noqa: D102
        return f"dim={self.dim}"


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, else 0.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Hardshrink()
        Hardshrink(0.5)
    """

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:  # noqa: D102
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Softshrink(0.3)(mt.tensor([1.0]))
        tensor([0.7000])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.softshrink(input, self.lambd)


class RReLU(Module):
    """Randomized leaky ReLU: a slope from U(lower, upper) per element in training.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.RReLU(0.1, 0.3)
        RReLU(lower=0.1, upper=0.3)
    """

    def __init__(
        self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False
    ) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:  # noqa: D102
        return f"lower={self.lower}, upper={self.upper}{_inplace_str(self.inplace)}"


class Softmax2d(Module):
    """Softmax over the channels (dim -3) of ``(N, C, H, W)`` or ``(C, H, W)``.

    Raises:
        ValueError: for an input that is not 3-D or 4-D.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Softmax2d()(mt.zeros(2, 1, 1))
        tensor([[[0.5000]],
        <BLANKLINE>
                [[0.5000]]])
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002, D102
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D instead")
        return F.softmax(input, -3)
