"""``DataParallel``: on a machine without accelerators (microtensor's CPU), it calls the module.

PyTorch's ``DataParallel`` splits each batch across GPUs; with none available it keeps the
module, sets ``device_ids`` to ``[]`` and its forward is the module's. microtensor computes on
the CPU only, so that is what it does here, with the same ``module.`` state-dict prefix, so
checkpoints saved from a wrapped model load in either framework.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microtensor.nn.module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """Wrap ``module`` as PyTorch's ``DataParallel`` does when no GPU is present.

    Args:
        module: the module to call.
        device_ids: accepted for PyTorch's signature; there are no GPUs, so ``device_ids``
            is ``[]`` (as PyTorch's without CUDA).
        output_device: accepted for PyTorch's signature.
        dim: accepted for PyTorch's signature (the dim a batch would be scattered along).

    Example:
        >>> import microtensor as mt
        >>> model = mt.nn.DataParallel(mt.nn.Linear(2, 3))
        >>> model(mt.ones(4, 2)).shape, model.device_ids, list(model.state_dict())
        (microtensor.Size([4, 3]), [], ['module.weight', 'module.bias'])
    """

    def __init__(
        self,
        module: Module,
        device_ids: Sequence[Any] | None = None,
        output_device: Any = None,
        dim: int = 0,
    ) -> None:
        super().__init__()
        self.module = module
        self.device_ids: list[Any] = []

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """Call the wrapped module with the same arguments."""
        return self.module(*inputs, **kwargs)


def data_parallel(
    module: Module,
    inputs: Any,
    device_ids: Sequence[Any] | None = None,
    output_device: Any = None,
    dim: int = 0,
    module_kwargs: Any = None,
) -> Any:
    """PyTorch's functional ``DataParallel``, which needs GPUs: here it raises as PyTorch's.

    Raises:
        RuntimeError: always: without an accelerator PyTorch's raises "device type could not
            be determined" (call the module directly, or wrap it in ``DataParallel``).
    """
    raise RuntimeError(
        "device type could not be determined: data_parallel() needs GPUs and microtensor "
        "computes on the CPU; call the module directly (or wrap it in nn.DataParallel)"
    )
