"""``Identity``, ``Linear`` and ``Bilinear`` layers."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._allocation import allocate
from microtensor._device import check_cpu as _device
from microtensor.nn import init
from microtensor.nn._functional.linear import bilinear, linear
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor

__all__ = ["Bilinear", "Identity", "Linear"]


class Identity(Module):
    """A placeholder layer that returns its input unchanged (arguments are ignored).

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Identity(54, unused="ignored")(mt.tensor([1.0, 2.0]))
        tensor([1., 2.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``input``."""
        return input


def _empty(shape: tuple[int, ...], device: Any, dtype: Any, layer: str = "nn.Linear") -> Tensor:
    if device is not None:
        _device(device)  # only the CPU exists; anything else raises
    np_dtype = dtypes.to_dtype(dtype or dtypes.get_default_dtype()).numpy
    return Tensor._make(allocate(np.zeros, shape, np_dtype, layer))


def _uniform_(param: Tensor, bound: float) -> None:
    """Fill ``param`` with U(-bound, bound) from the default generator: torch's ``uniform_``."""
    init.uniform_(param, -bound, bound)


class Linear(Module):
    """Apply an affine map to the last dim: ``y = x @ W.T + b``.

    The weight and bias start as U(-1/sqrt(in_features), 1/sqrt(in_features)), as PyTorch's
    ``kaiming_uniform_(a=sqrt(5))``, drawn from the default generator (``manual_seed``).

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: if False, the layer learns no additive bias.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype (default: the default float dtype).

    Shape:
        - Input: ``(*, in_features)``.
        - Output: ``(*, out_features)``.

    Attributes:
        weight: shape ``(out_features, in_features)``.
        bias: shape ``(out_features,)``, or None.

    Differs from PyTorch: the same seed gives other initial values (NumPy's generator).

    Example:
        >>> import microtensor as mt
        >>> layer = mt.nn.Linear(20, 30)
        >>> layer
        Linear(in_features=20, out_features=30, bias=True)
        >>> layer(mt.randn(128, 20)).shape
        microtensor.Size([128, 30])
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_empty((out_features, in_features), device, dtype))
        if bias:
            self.bias = Parameter(_empty((out_features,), device, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new weights and bias from U(-1/sqrt(in_features), 1/sqrt(in_features))."""
        # torch's calls, so that a seed gives torch's weights (its bound for the weight is
        # sqrt(3) * sqrt(2 / (1 + 5)) / sqrt(fan_in), 1 / sqrt(fan_in) up to rounding)
        if self.weight.numel() > 0:
            init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1]
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``input @ weight.T + bias``."""
        # straight from the registry: ``self.weight`` reaches Module.__getattr__ only after
        # the ordinary lookup has failed (about 0.4 us each, on every model's hot path)
        params = self._parameters
        try:
            weight, bias = params["weight"], params["bias"]
        except KeyError:  # moved out by parametrize, weight_norm, spectral_norm or pruning
            return linear(input, self.weight, self.bias)
        return linear(input, weight, bias)  # type: ignore[arg-type]

    def extra_repr(self) -> str:
        """``in_features=..., out_features=..., bias=...``."""
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Bilinear(Module):
    """Apply ``y_k = x1 @ W[k] @ x2 + b[k]`` to two inputs.

    Weight and bias start as U(-1/sqrt(in1_features), 1/sqrt(in1_features)), as in PyTorch.

    Args:
        in1_features: size of each first input sample.
        in2_features: size of each second input sample.
        out_features: size of each output sample.
        bias: if False, the layer learns no additive bias.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype (default: the default float dtype).

    Shape:
        - Input1: ``(*, in1_features)``; Input2: ``(*, in2_features)``, same leading dims.
        - Output: ``(*, out_features)``.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.Bilinear(20, 30, 40)
        >>> m(mt.randn(128, 20), mt.randn(128, 30)).shape
        microtensor.Size([128, 40])
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        shape = (out_features, in1_features, in2_features)
        self.weight = Parameter(_empty(shape, device, dtype))
        if bias:
            self.bias = Parameter(_empty((out_features,), device, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new weights and bias from U(-1/sqrt(in1_features), 1/sqrt(in1_features))."""
        bound = 1 / math.sqrt(self.weight.shape[1]) if self.weight.shape[1] > 0 else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """Return ``bilinear(input1, input2, weight, bias)``."""
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        """``in1_features=..., in2_features=..., out_features=..., bias=...``."""
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
