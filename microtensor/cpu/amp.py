"""``microtensor.cpu.amp``: torch's deprecated CPU spellings of ``autocast`` and ``GradScaler``.

As in torch, constructing one warns FutureWarning: use ``microtensor.amp.autocast("cpu", ...)``
and ``microtensor.amp.GradScaler("cpu", ...)``.
"""

from __future__ import annotations

import warnings
from typing import Any

from microtensor import dtypes
from microtensor.amp import autocast as _autocast
from microtensor.amp.grad_scaler import DeviceGradScaler

__all__ = ["GradScaler", "autocast"]


class autocast(_autocast):  # noqa: N801 - PyTorch's name
    """``torch.cpu.amp.autocast``: ``microtensor.autocast("cpu", ...)``, bfloat16 by default.

    Differs from PyTorch: as ``microtensor.autocast``, no op changes precision in the block.

    Example:
        >>> import microtensor as mt
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore", FutureWarning)
        ...     with mt.cpu.amp.autocast():
        ...         (mt.ones(2, 2) @ mt.ones(2, 2)).dtype
        microtensor.float32
    """

    def __init__(
        self, enabled: bool = True, dtype: Any = dtypes.bfloat16, cache_enabled: bool = True
    ) -> None:
        warnings.warn(
            "`microtensor.cpu.amp.autocast(args...)` is deprecated. Please use "
            "`microtensor.amp.autocast('cpu', args...)` instead.",
            FutureWarning,
            stacklevel=2,
        )
        super().__init__("cpu", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(DeviceGradScaler):
    """``torch.cpu.amp.GradScaler``: ``microtensor.amp.GradScaler("cpu", ...)``."""

    _device = "cpu"
