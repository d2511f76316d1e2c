"""Normalisation layers: ``BatchNorm1d/2d/3d``, ``LayerNorm``, ``GroupNorm``, ``RMSNorm``, LRN."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._allocation import allocate
from microtensor._device import check_cpu as _device
from microtensor.nn._functional.normalization import (
    batch_norm,
    group_norm,
    layer_norm,
    local_response_norm,
    rms_norm,
)
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "GroupNorm",
    "LayerNorm",
    "LocalResponseNorm",
    "RMSNorm",
]


def _filled(shape: tuple[int, ...], value: float, device: Any, dtype: Any) -> Tensor:
    if device is not None:
        _device(device)  # only the CPU exists; anything else raises
    np_dtype = dtypes.to_dtype(dtype or dtypes.get_default_dtype()).numpy
    return Tensor._make(allocate(np.full, shape, np_dtype, "nn.BatchNorm", value))


def _fill_(tensor: Tensor, value: float) -> None:
    tensor._data[...] = value
    tensor._version_counter[0] += 1


class _BatchNorm(Module):
    """The shared body of ``BatchNorm1d`` and ``BatchNorm2d`` (PyTorch's ``_BatchNorm``)."""

    _expected_dims: tuple[int, ...] = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(_filled((num_features,), 1.0, device, dtype))
            if bias:
                self.bias = Parameter(_filled((num_features,), 0.0, device, dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _filled((num_features,), 0.0, device, dtype))
            self.register_buffer("running_var", _filled((num_features,), 1.0, device, dtype))
            self.register_buffer("num_batches_tracked", Tensor._make(np.array(0, np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Set the running mean to 0, the running variance to 1 and the batch count to 0."""
        if self.track_running_stats:
            _fill_(self.running_mean, 0.0)
            _fill_(self.running_var, 1.0)
            _fill_(self.num_batches_tracked, 0)

    def reset_parameters(self) -> None:
        """Reset the running statistics; weight to 1 and bias to 0."""
        self.reset_running_stats()
        if self.affine:
            _fill_(self.weight, 1.0)
            if self.bias is not None:
                _fill_(self.bias, 0.0)

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.ndim not in self._expected_dims:
            wanted = " or ".join(f"{d}D" for d in self._expected_dims)
            raise ValueError(
                f"{type(self).__name__}: expected {wanted} input (got {input.ndim}D input of "
                f"shape {tuple(input.shape)})"
            )

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Normalise with batch statistics (training) or running statistics (eval)."""
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked._data += 1
            self.num_batches_tracked._version_counter[0] += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if keep else None,
            self.running_var if keep else None,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        """PyTorch's ``num_features, eps=..., momentum=..., affine=..., bias=..., ...``."""
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )

    def _load_from_state_dict(
        self,
        state_dict: Any,
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        # PyTorch's old checkpoints have no num_batches_tracked: load them with a count of 0
        key = prefix + "num_batches_tracked"
        if self.track_running_stats and key not in state_dict and isinstance(state_dict, dict):
            state_dict[key] = Tensor._make(np.array(0, np.int64))
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over a 2-D ``(N, C)`` or 3-D ``(N, C, L)`` input.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` per channel. In training the batch
    statistics are used and the running ones updated with ``momentum`` (None: a cumulative
    average), the running variance being unbiased; in eval the running statistics are used.

    Args:
        num_features: ``C``, the number of channels.
        eps: added to the variance for stability.
        momentum: weight of each new batch in the running statistics; None for a cumulative
            moving average.
        affine: learn ``weight`` (init 1) and ``bias`` (init 0).
        track_running_stats: keep running statistics; if False, batch statistics are used
            in eval too.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' and running statistics' dtype.
        bias: with ``affine``, learn a bias too.

    Shape:
        - Input: ``(N, C)`` or ``(N, C, L)``.
        - Output: same as input.

    Example:
        >>> import microtensor as mt
        >>> bn = mt.nn.BatchNorm1d(2)
        >>> bn
        BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
        >>> bn(mt.tensor([[1.0, 0.0], [3.0, 0.0]]))
        tensor([[-1.0000,  0.0000],
                [ 1.0000,  0.0000]], grad_fn=<NativeBatchNormBackward0>)
        >>> bn.running_mean
        tensor([0.2000, 0.0000])
    """

    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over a 4-D ``(N, C, H, W)`` input (see ``BatchNorm1d``).

    Args:
        num_features: ``C``, the number of channels.
        eps: added to the variance for stability.
        momentum: weight of each new batch in the running statistics; None for a cumulative
            moving average.
        affine: learn ``weight`` (init 1) and ``bias`` (init 0).
        track_running_stats: keep running statistics; if False, batch statistics are used
            in eval too.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' and running statistics' dtype.
        bias: with ``affine``, learn a bias too.

    Shape:
        - Input: ``(N, C, H, W)``.
        - Output: same as input.

    Example:
        >>> import microtensor as mt
        >>> bn = mt.nn.BatchNorm2d(16)
        >>> bn(mt.randn(8, 16, 4, 4)).shape
        microtensor.Size([8, 16, 4, 4])
    """

    _expected_dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over a 5-D ``(N, C, D, H, W)`` input (see ``BatchNorm1d``).

    Args:
        num_features: ``C``, the number of channels.
        eps: added to the variance for stability.
        momentum: weight of each new batch in the running statistics; None for a cumulative
            moving average.
        affine: learn ``weight`` (init 1) and ``bias`` (init 0).
        track_running_stats: keep running statistics.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' and running statistics' dtype.
        bias: with ``affine``, learn a bias too.

    Shape:
        - Input: ``(N, C, D, H, W)``.
        - Output: same as input.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.BatchNorm3d(4)(mt.randn(2, 4, 3, 3, 3)).shape
        microtensor.Size([2, 4, 3, 3, 3])
    """

    _expected_dims = (5,)


class LayerNorm(Module):
    """Layer normalisation over the last dims: ``y = (x - mean) / sqrt(var + eps) * w + b``.

    Args:
        normalized_shape: the trailing shape to normalise over (an int for the last dim).
        eps: added to the (biased) variance for stability.
        elementwise_affine: learn ``weight`` (init 1) and, if ``bias``, ``bias`` (init 0).
        bias: learn a bias (with ``elementwise_affine``).
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype.

    Shape:
        - Input: ``(*, *normalized_shape)``.
        - Output: same as input.

    Example:
        >>> import microtensor as mt
        >>> ln = mt.nn.LayerNorm(10)
        >>> ln
        LayerNorm((10,), eps=1e-05, elementwise_affine=True, bias=True)
        >>> ln(mt.randn(4, 10)).shape
        microtensor.Size([4, 10])
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_filled(self.normalized_shape, 1.0, device, dtype))
            if bias:
                self.bias = Parameter(_filled(self.normalized_shape, 0.0, device, dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """Weight to 1 and bias to 0."""
        if self.weight is not None:
            _fill_(self.weight, 1.0)
        if self.bias is not None:
            _fill_(self.bias, 0.0)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``layer_norm(input, normalized_shape, weight, bias, eps)``."""
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """``normalized_shape, eps=..., elementwise_affine=..., bias=...``."""
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
            f", bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Group normalisation: the channels are split into groups, each normalised per sample.

    Args:
        num_groups: number of groups; must divide ``num_channels``.
        num_channels: ``C``, the number of channels.
        eps: added to the (biased) variance for stability.
        affine: learn a per-channel ``weight`` (init 1) and ``bias`` (init 0).
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype.

    Shape:
        - Input: ``(N, C, *)``.
        - Output: same as input.

    Raises:
        ValueError: if ``num_channels`` is not divisible by ``num_groups``.

    Example:
        >>> import microtensor as mt
        >>> gn = mt.nn.GroupNorm(2, 4)
        >>> gn
        GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)
        >>> gn(mt.randn(3, 4, 5)).shape
        microtensor.Size([3, 4, 5])
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if num_groups <= 0 or num_channels % num_groups != 0:
            raise ValueError(
                f"num_channels must be divisible by num_groups (got num_groups={num_groups}, "
                f"num_channels={num_channels})"
            )
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if affine:
            self.weight = Parameter(_filled((num_channels,), 1.0, device, dtype))
            self.bias = Parameter(_filled((num_channels,), 0.0, device, dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """Weight to 1 and bias to 0."""
        if self.affine:
            _fill_(self.weight, 1.0)
            _fill_(self.bias, 0.0)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``group_norm(input, num_groups, weight, bias, eps)``."""
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """``num_groups, num_channels, eps=..., affine=..., bias=...``."""
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """Root-mean-square normalisation over the last dims: ``y = x / sqrt(mean(x**2) + eps) * w``.

    Args:
        normalized_shape: the trailing shape to normalise over (an int for the last dim).
        eps: added to the mean square (None: the machine epsilon of the input's dtype).
        elementwise_affine: learn ``weight`` (init 1).
        device: only ``"cpu"`` (or None).
        dtype: the weight's dtype.

    Shape:
        - Input: ``(*, *normalized_shape)``.
        - Output: same as input.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.RMSNorm([2, 3])
        RMSNorm((2, 3), eps=None, elementwise_affine=True)
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_filled(self.normalized_shape, 1.0, device, dtype))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        """Weight to 1."""
        if self.weight is not None:
            _fill_(self.weight, 1.0)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``rms_norm(input, normalized_shape, weight, eps)``."""
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        """PyTorch's ``normalized_shape, eps=..., elementwise_affine=...``."""
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


class LocalResponseNorm(Module):
    """Normalise across neighbouring channels; see ``F.local_response_norm``.

    Args:
        size: the number of channels in the window.
        alpha: the multiplier of the mean square.
        beta: the exponent.
        k: the additive constant.

    Shape:
        - Input: ``(N, C, *)``.
        - Output: same as input.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.LocalResponseNorm(2)
        LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``local_response_norm(input, size, alpha, beta, k)``."""
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        """PyTorch's ``size, alpha=..., beta=..., k=...``."""
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
