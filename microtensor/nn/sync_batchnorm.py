"""``SyncBatchNorm``: batch normalisation whose statistics span every process of a group.

microtensor runs in one process and has no ``distributed`` backend, so a process group is
never initialised and ``SyncBatchNorm`` does what PyTorch's does then: it normalises as
``BatchNorm`` with the local batch, on an input of any rank from 2 up.
"""

from __future__ import annotations

from typing import Any

from microtensor.autograd.grad_mode import no_grad
from microtensor.nn.instancenorm import _InstanceNorm
from microtensor.nn.module import Module
from microtensor.nn.normalization import _BatchNorm
from microtensor.tensor import Tensor

__all__ = ["SyncBatchNorm"]


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation over ``(N, C, *)``, synchronised across a process group.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` per channel ``C``, the statistics
    taken over ``N`` and every dim after ``C``. With one process (always, in microtensor) it
    is ``BatchNorm1d/2d/3d`` for any input rank >= 2: batch statistics in training (the running
    ones updated with ``momentum``; None for a cumulative average), running ones in eval.

    Args:
        num_features: ``C``, the number of channels.
        eps: added to the variance for stability.
        momentum: weight of each new batch in the running statistics; None for a cumulative
            moving average.
        affine: learn ``weight`` (init 1) and ``bias`` (init 0).
        track_running_stats: keep running statistics; if False, batch statistics are used
            in eval too.
        process_group: the group whose processes share statistics; kept as
            ``self.process_group`` (there is only this process to share with).
        device: only ``"cpu"`` (or None).
        dtype: the parameters' and running statistics' dtype.
        bias: with ``affine``, learn a bias too.

    Shape:
        - Input: ``(N, C, *)``, at least 2-D.
        - Output: same as input.

    Raises:
        ValueError: in ``forward``, if the input has fewer than 2 dims or no channels.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.nn.sync_batchnorm import SyncBatchNorm
        >>> bn = SyncBatchNorm(2)
        >>> bn
        SyncBatchNorm(2, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
        >>> bn(mt.tensor([[1.0, 0.0], [3.0, 0.0]]))
        tensor([[-1.0000,  0.0000],
                [ 1.0000,  0.0000]], grad_fn=<NativeBatchNormBackward0>)
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any | None = None,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__(
            num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias
        )
        self.process_group = process_group

    def _check_input_dim(self, input: Tensor) -> None:  # noqa: A002
        if input.ndim < 2:
            raise ValueError(
                f"expected at least 2D input (got {input.ndim}D input of shape "
                f"{tuple(input.shape)}): SyncBatchNorm normalises (N, C, *) per channel C"
            )
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any | None = None) -> Module:
        """Replace every ``BatchNorm1d/2d/3d`` in ``module``'s tree by a ``SyncBatchNorm``.

        Each new layer has the old one's hyper-parameters and training flag and shares its
        parameters and buffers (the same tensor objects, as PyTorch), so the state-dict keys
        and values do not change. Instance norms are left as they are.

        Args:
            module: a module holding batch-norm layers, or one itself.
            process_group: the group the new layers synchronise over.

        Returns:
            ``module`` with its batch norms converted; a new ``SyncBatchNorm`` if ``module``
            is itself a batch norm.

        Example:
            >>> import microtensor as mt
            >>> from microtensor.nn.sync_batchnorm import SyncBatchNorm
            >>> net = mt.nn.Sequential(mt.nn.Linear(4, 8), mt.nn.BatchNorm1d(8))
            >>> SyncBatchNorm.convert_sync_batchnorm(net)
            Sequential(
              (0): Linear(in_features=4, out_features=8, bias=True)
              (1): SyncBatchNorm(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
            )
        """  # noqa: E501 - the printed layer is one line
        converted = module
        if isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm):
            converted = cls(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                process_group,
                bias=module.bias is not None,
            )
            if module.affine:
                with no_grad():
                    converted.weight = module.weight
                    converted.bias = module.bias
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
            converted.training = module.training
            if hasattr(module, "qconfig"):
                converted.qconfig = module.qconfig
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted
