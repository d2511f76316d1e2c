"""Instance normalisation layers: ``InstanceNorm1d``, ``InstanceNorm2d``, ``InstanceNorm3d``."""

from __future__ import annotations

import warnings
from typing import Any

from microtensor import ops
from microtensor.nn._functional.normalization import instance_norm
from microtensor.nn.normalization import _BatchNorm
from microtensor.tensor import Tensor

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_BatchNorm):
    """PyTorch's ``_InstanceNorm``: ``_BatchNorm``'s parameters and buffers, other defaults."""

    _spatial = 1

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )
        self._expected_dims = (self._spatial + 1, self._spatial + 2)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Normalise each channel of each sample over its spatial dims."""
        self._check_input_dim(input)
        feature_dim = input.ndim - self._spatial - 1
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={feature_dim} to match num_features "
                    f"({self.num_features}), but got: {input.shape[feature_dim]}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can "
                "silence this warning by not passing in num_features, which is not used "
                "because affine=False",
                stacklevel=2,
            )
        unbatched = input.ndim == self._spatial + 1
        x = ops.unsqueeze(input, 0) if unbatched else input
        out = instance_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )
        return ops.squeeze(out, 0) if unbatched else out

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.ndim not in self._expected_dims:
            lo, hi = self._expected_dims
            raise ValueError(f"expected {lo}D or {hi}D input (got {input.ndim}D input)")


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of ``(N, C, L)``: each channel of each sample over ``L``.

    Args:
        num_features: ``C``.
        eps: added to the variance for stability.
        momentum: weight of each new batch in the running statistics.
        affine: learn a per-channel ``weight`` (init 1) and ``bias`` (init 0).
        track_running_stats: keep running statistics and use them in eval.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' and running statistics' dtype.
        bias: with ``affine``, learn a bias too.

    Shape:
        - Input: ``(N, C, L)`` or ``(C, L)``.
        - Output: same as input.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.InstanceNorm1d(1)(mt.tensor([[[1.0, 3.0]]]))
        tensor([[[-1.0000,  1.0000]]])
    """

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of ``(N, C, H, W)``: each channel of each sample over ``H, W``.

    Arguments as ``InstanceNorm1d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.InstanceNorm2d(3, affine=True)(mt.randn(2, 3, 4, 4)).shape
        microtensor.Size([2, 3, 4, 4])
    """

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of ``(N, C, D, H, W)``; arguments as ``InstanceNorm1d``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.InstanceNorm3d(2)(mt.randn(2, 3, 3, 3)).shape
        microtensor.Size([2, 3, 3, 3])
    """

    _spatial = 3
