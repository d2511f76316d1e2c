"""``microtensor.cuda.amp``: torch's deprecated CUDA spellings of ``GradScaler`` and ``autocast``.

As in torch, constructing one warns FutureWarning (the spelling is deprecated: use
``microtensor.amp.GradScaler("cuda", ...)`` and ``microtensor.amp.autocast("cuda", ...)``);
as in torch on a machine without a GPU, an enabled one also warns and disables itself.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from microtensor import amp
from microtensor.amp import autocast as _autocast
from microtensor.amp.grad_scaler import DeviceGradScaler

__all__ = ["GradScaler", "autocast", "custom_bwd", "custom_fwd"]


class GradScaler(DeviceGradScaler):
    """``torch.cuda.amp.GradScaler``: ``microtensor.amp.GradScaler("cuda", ...)``.

    Example:
        >>> import microtensor as mt
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     mt.cuda.amp.GradScaler(enabled=False).is_enabled()
        False
    """

    _device = "cuda"


class autocast(_autocast):  # noqa: N801 - PyTorch's name
    """``torch.cuda.amp.autocast``: ``microtensor.autocast("cuda", ...)``."""

    def __init__(self, enabled: bool = True, dtype: Any = None, cache_enabled: bool = True) -> None:
        warnings.warn(
            "`microtensor.cuda.amp.autocast(args...)` is deprecated. Please use "
            "`microtensor.amp.autocast('cuda', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


def custom_fwd(fwd: Callable[..., Any] | None = None, *, cast_inputs: Any = None) -> Any:
    """``torch.cuda.amp.custom_fwd``: ``microtensor.amp.custom_fwd(device_type="cuda")``."""
    warnings.warn(
        "`microtensor.cuda.amp.custom_fwd(args...)` is deprecated. Please use "
        "`microtensor.amp.custom_fwd(args..., device_type='cuda')` instead.",
        FutureWarning,
        stacklevel=2,
    )
    return amp.custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd: Callable[..., Any] | None = None) -> Any:
    """``torch.cuda.amp.custom_bwd``: ``microtensor.amp.custom_bwd(device_type="cuda")``."""
    warnings.warn(
        "`microtensor.cuda.amp.custom_bwd(args...)` is deprecated. Please use "
        "`microtensor.amp.custom_bwd(args..., device_type='cuda')` instead.",
        FutureWarning,
        stacklevel=2,
    )
    return amp.custom_bwd(bwd, device_type="cuda")
