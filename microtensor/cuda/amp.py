"""``microtensor.cuda.amp``: torch's deprecated CUDA spellings of ``GradScaler`` and ``autocast``.

As in torch, constructing one warns FutureWarning (the spelling is deprecated: use
``microtensor.amp.GradScaler("cuda", ...)`` and ``microtensor.amp.autocast("cuda", ...)``);
as in torch on a machine without a GPU, an enabled one also warns and disables itself.
"""

from __future__ import annotations

import warnings
from typing import Any

from microtensor.amp import autocast as _autocast
from microtensor.amp.grad_scaler import DeviceGradScaler

__all__ = ["GradScaler", "autocast"]


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
