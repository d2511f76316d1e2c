"""Lazy modules: layers whose input size is read from the first input (``torch.nn.LazyLinear``).

A lazy layer starts with ``UninitializedParameter`` weights. Its first call infers the input
size, materialises the weights with the right shapes, initialises them as the ordinary layer
would, and turns the module into that ordinary layer (``LazyLinear`` becomes ``Linear``).
Loading a state dict into a lazy module materialises it from the saved shapes instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor.nn.conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from microtensor.nn.instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from microtensor.nn.linear import Linear
from microtensor.nn.normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor, _init

__all__ = [
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
    "LazyLinear",
    "LazyModuleMixin",
    "UninitializedBuffer",
    "UninitializedParameter",
]


def _dtype(dtype: Any) -> np.dtype:
    return (dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()).numpy


class _Uninitialized:
    """Shared part of the uninitialised parameter and buffer: no shape until ``materialize``."""

    __slots__ = ()
    cls_to_become: type

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give the tensor storage of ``shape`` (values uninitialised) and its final class."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        dtype_ = self._data.dtype if dtype is None else _dtype(dtype)  # type: ignore[attr-defined]
        object.__setattr__(self, "_data", np.empty(shape, dtype=dtype_))
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter with no shape yet; ``materialize(shape)`` makes it a ``Parameter``.

    Example:
        >>> from microtensor import nn
        >>> p = nn.UninitializedParameter()
        >>> p.materialize((2, 3))
        >>> type(p).__name__, tuple(p.shape)
        ('Parameter', (2, 3))
    """

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(
        cls, requires_grad: bool = True, device: Any = None, dtype: Any = None
    ) -> UninitializedParameter:
        """An empty placeholder (see the class docstring)."""
        param = Parameter.__new__(cls, None, requires_grad)
        param._data = np.empty(0, dtype=_dtype(dtype))
        return param  # type: ignore[return-value]

    def __init__(self, requires_grad: bool = True, device: Any = None, dtype: Any = None) -> None:
        pass


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer with no shape yet; ``materialize(shape)`` makes it a plain Tensor."""

    __slots__ = ()
    cls_to_become = Tensor

    def __new__(
        cls, requires_grad: bool = False, device: Any = None, dtype: Any = None
    ) -> UninitializedBuffer:
        """An empty placeholder (see the class docstring)."""
        buffer = object.__new__(cls)
        _init(buffer, np.empty(0, dtype=_dtype(dtype)))
        return buffer

    def __init__(self, requires_grad: bool = False, device: Any = None, dtype: Any = None) -> None:
        pass


def _is_lazy(value: Any) -> bool:
    return isinstance(value, _Uninitialized)


class LazyModuleMixin:
    """Infers the parameter shapes on the first call, then becomes ``cls_to_become``.

    A subclass defines ``initialize_parameters(*inputs)`` (materialise, then initialise).
    """

    cls_to_become: type | None = None
    _parameters: dict[str, Any]
    _buffers: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        module: Any = self
        object.__setattr__(self, "_load_hook", module._register_load_state_dict_pre_hook(
            module._lazy_load_hook
        ))  # fmt: skip
        object.__setattr__(self, "_initialize_hook", module.register_forward_pre_hook(
            module._infer_parameters, with_kwargs=True
        ))  # fmt: skip

    def has_uninitialized_params(self) -> bool:
        """True while some parameter or buffer has no shape yet."""
        return any(_is_lazy(v) for v in (*self._parameters.values(), *self._buffers.values()))

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Materialise the parameters from the first input (each lazy layer defines it).

        Raises:
            NotImplementedError: in the mixin itself.
        """
        raise NotImplementedError(
            f"initialize_parameters is not implemented for {type(self).__name__}"
        )

    def _infer_parameters(self, module: Any, args: tuple[Any, ...], kwargs: Any) -> None:
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        object.__delattr__(module, "_initialize_hook")
        object.__delattr__(module, "_load_hook")
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _lazy_load_hook(self, state_dict: Any, prefix: str, *args: Any) -> None:
        """Materialise each uninitialised entry from the shape of its saved value."""
        for registry in (self._parameters, self._buffers):
            for name, value in registry.items():
                key = prefix + name
                if _is_lazy(value) and key in state_dict:
                    saved = state_dict[key]
                    if not _is_lazy(saved):
                        value.materialize(tuple(saved.shape))


def _channels(module: Any, input: Tensor, spatial: int) -> int:  # noqa: A002
    """The channel count of a batched ``(N, C, *spatial)`` or unbatched ``(C, *spatial)`` input."""
    if input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(
            f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) input to "
            f"{module._get_name()}, but got input of size: {list(input.shape)}"
        )
    return int(input.shape[1] if input.ndim == spatial + 2 else input.shape[0])


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` whose ``in_features`` is the last dim of the first input.

    Example:
        >>> import microtensor as mt
        >>> m = mt.nn.LazyLinear(3)
        >>> m
        LazyLinear(in_features=0, out_features=3, bias=True)
        >>> m(mt.randn(2, 5)).shape, m
        (microtensor.Size([2, 3]), Linear(in_features=5, out_features=3, bias=True))
    """

    cls_to_become = Linear

    def __init__(
        self, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """Initialise as ``Linear`` once the shapes are known."""
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor) -> None:  # type: ignore[override]  # noqa: A002
        """Materialise ``weight`` (and ``bias``) for ``input.shape[-1]`` features."""
        if self.has_uninitialized_params():
            self.in_features = int(input.shape[-1])
            self.weight.materialize((self.out_features, self.in_features))  # type: ignore[attr-defined]
            if self.bias is not None:
                self.bias.materialize((self.out_features,))  # type: ignore[attr-defined]
            self.reset_parameters()


class _LazyConvMixin(LazyModuleMixin):
    _nd: int
    transposed: bool
    groups: int
    in_channels: int
    out_channels: int
    kernel_size: tuple[int, ...]
    weight: Any
    bias: Any

    def __init__(
        self,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode)
        self._lazy_setup(out_channels, bias, device, dtype)

    def _lazy_setup(self, out_channels: int, bias: bool, device: Any, dtype: Any) -> None:
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """Initialise as the ordinary layer once the shapes are known."""
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()  # type: ignore[misc]

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        """Materialise ``weight`` (and ``bias``) for the channel count of ``input``."""
        if self.has_uninitialized_params():
            self.in_channels = _channels(self, input, self._nd)
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            if self.transposed:
                shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
            else:
                shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
            self.weight.materialize(shape)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()


class LazyConv1d(_LazyConvMixin, Conv1d):
    """``Conv1d`` whose ``in_channels`` is dim 1 of the first input (N, C, L)."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConvMixin, Conv2d):
    """``Conv2d`` whose ``in_channels`` is dim 1 of the first input (N, C, H, W)."""

    cls_to_become = Conv2d


class LazyConv3d(_LazyConvMixin, Conv3d):
    """``Conv3d`` whose ``in_channels`` is dim 1 of the first input (N, C, D, H, W)."""

    cls_to_become = Conv3d


class _LazyConvTransposeMixin(_LazyConvMixin):
    def __init__(
        self,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        LazyModuleMixin.__init__(self, 0, 0, kernel_size, stride, padding, output_padding,
                                 groups, False, dilation, padding_mode)  # fmt: skip
        self._lazy_setup(out_channels, bias, device, dtype)


class LazyConvTranspose1d(_LazyConvTransposeMixin, ConvTranspose1d):
    """``ConvTranspose1d`` whose ``in_channels`` is dim 1 of the first input (N, C, L)."""

    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeMixin, ConvTranspose2d):
    """``ConvTranspose2d`` whose ``in_channels`` is dim 1 of the first input (N, C, H, W)."""

    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeMixin, ConvTranspose3d):
    """``ConvTranspose3d`` whose ``in_channels`` is dim 1 of the first input (N, C, D, H, W)."""

    cls_to_become = ConvTranspose3d


class _LazyNormMixin(LazyModuleMixin):
    num_features: int
    affine: bool
    track_running_stats: bool
    weight: Any
    bias: Any
    running_mean: Any
    running_var: Any

    def __init__(
        self,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(0, eps, momentum, affine, track_running_stats, bias=bias)
        self._lazy_setup(affine, track_running_stats, device, dtype)

    def _lazy_setup(self, affine: bool, track: bool, device: Any, dtype: Any) -> None:
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if self.bias is not None:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """Reset as the ordinary BatchNorm once the shapes are known."""
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()  # type: ignore[misc]

    def initialize_parameters(self, input: Tensor) -> None:  # noqa: A002
        """Materialise the weights and running statistics for ``input.shape[1]`` features."""
        if self.has_uninitialized_params():
            self.num_features = int(input.shape[1])
            for name in ("weight", "bias", "running_mean", "running_var"):
                value = getattr(self, name)
                if _is_lazy(value):
                    value.materialize((self.num_features,))
            self.reset_parameters()


class LazyBatchNorm1d(_LazyNormMixin, BatchNorm1d):
    """``BatchNorm1d`` whose ``num_features`` is dim 1 of the first input."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormMixin, BatchNorm2d):
    """``BatchNorm2d`` whose ``num_features`` is dim 1 of the first input."""

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormMixin, BatchNorm3d):
    """``BatchNorm3d`` whose ``num_features`` is dim 1 of the first input."""

    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyNormMixin, InstanceNorm1d):
    """``InstanceNorm1d`` whose ``num_features`` is dim 1 of the first input."""

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNormMixin, InstanceNorm2d):
    """``InstanceNorm2d`` whose ``num_features`` is dim 1 of the first input."""

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNormMixin, InstanceNorm3d):
    """``InstanceNorm3d`` whose ``num_features`` is dim 1 of the first input."""

    cls_to_become = InstanceNorm3d
