"""torch's top-level getters and setters of the anomaly and autocast modes.

``torch.is_anomaly_enabled()`` and ``torch.set_anomaly_enabled(...)`` read and set the mode of
``autograd.detect_anomaly``. The autocast functions keep what microtensor's ``autocast``
keeps: the lower-precision dtype per device type (torch's defaults: bfloat16 on the CPU,
float16 elsewhere), which no op consults, and an enabled flag that stays False, since no op
changes precision (see ``microtensor.amp.autocast``).
"""

from __future__ import annotations

import builtins
import warnings
from typing import Any

from microtensor import dtypes
from microtensor.amp import autocast_mode
from microtensor.autograd import anomaly

__all__ = [
    "clear_autocast_cache",
    "get_autocast_cpu_dtype",
    "get_autocast_dtype",
    "get_autocast_gpu_dtype",
    "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "is_autocast_cache_enabled",
    "is_autocast_cpu_enabled",
    "set_anomaly_enabled",
    "set_autocast_cache_enabled",
    "set_autocast_cpu_dtype",
    "set_autocast_dtype",
    "set_autocast_enabled",
]


def is_anomaly_enabled() -> builtins.bool:
    """True while anomaly detection is on (``detect_anomaly``, ``set_anomaly_enabled``)."""
    return anomaly.state.enabled


def is_anomaly_check_nan_enabled() -> builtins.bool:
    """True when anomaly detection checks for NaN (its ``check_nan``; True by default)."""
    return anomaly.state.check_nan


def set_anomaly_enabled(enabled: builtins.bool, check_nan: builtins.bool = True) -> None:
    """Turn anomaly detection on or off for this thread, as ``set_detect_anomaly(...)``.

    Example:
        >>> import microtensor as mt
        >>> mt.set_anomaly_enabled(True, check_nan=False)
        >>> mt.is_anomaly_enabled(), mt.is_anomaly_check_nan_enabled()
        (True, False)
        >>> mt.set_anomaly_enabled(False)
    """
    anomaly.state.enabled = builtins.bool(enabled)
    anomaly.state.check_nan = builtins.bool(check_nan)


_AUTOCAST_DTYPES: dict[str, Any] = {}  # set by set_autocast_dtype; else torch's default


def _device_type(device_type: Any) -> str:
    if device_type not in autocast_mode._DEVICE_TYPES:
        raise RuntimeError(
            f"Expected one of {', '.join(autocast_mode._DEVICE_TYPES)} device type at start of "
            f"device string: {device_type}"
        )
    return str(device_type)


def get_autocast_dtype(device_type: str) -> Any:
    """The dtype autocast would lower to on ``device_type``: bfloat16 for "cpu", else float16.

    Example:
        >>> import microtensor as mt
        >>> mt.get_autocast_dtype("cpu")
        microtensor.bfloat16
    """
    default = dtypes.bfloat16 if device_type in ("cpu", "xla", "hpu") else dtypes.float16
    return _AUTOCAST_DTYPES.get(_device_type(device_type), default)


def set_autocast_dtype(device_type: str, dtype: Any) -> None:
    """Set the dtype ``get_autocast_dtype(device_type)`` returns (no op consults it)."""
    _AUTOCAST_DTYPES[_device_type(device_type)] = dtypes.to_dtype(dtype)


def get_autocast_cpu_dtype() -> Any:
    """Deprecated, as in torch: ``get_autocast_dtype("cpu")``."""
    _deprecated("get_autocast_cpu_dtype()", "get_autocast_dtype('cpu')")
    return get_autocast_dtype("cpu")


def get_autocast_gpu_dtype() -> Any:
    """Deprecated, as in torch: ``get_autocast_dtype("cuda")``."""
    _deprecated("get_autocast_gpu_dtype()", "get_autocast_dtype('cuda')")
    return get_autocast_dtype("cuda")


def set_autocast_cpu_dtype(dtype: Any) -> None:
    """Deprecated, as in torch: ``set_autocast_dtype("cpu", dtype)``."""
    _deprecated("set_autocast_cpu_dtype(dtype)", "set_autocast_dtype('cpu', dtype)")
    set_autocast_dtype("cpu", dtype)


def is_autocast_cpu_enabled() -> builtins.bool:
    """Deprecated, as in torch: ``is_autocast_enabled("cpu")``, always False here."""
    _deprecated("is_autocast_cpu_enabled()", "is_autocast_enabled('cpu')")
    return autocast_mode.is_autocast_enabled("cpu")


def set_autocast_enabled(device_type: Any, enabled: Any = None) -> None:
    """Torch's switch of autocast outside a block: ``set_autocast_enabled("cpu", True)``.

    Also accepts torch's older one-argument form ``set_autocast_enabled(enabled)``.

    Differs from PyTorch: turning autocast on warns and changes nothing, as an ``autocast``
    block does (no op lowers precision); ``is_autocast_enabled()`` stays False.
    """
    if enabled is None:  # set_autocast_enabled(enabled): torch's deprecated CUDA form
        device_type, enabled = "cuda", device_type
    _device_type(device_type)
    if enabled:
        warnings.warn(
            f"set_autocast_enabled({device_type!r}, True): microtensor keeps every op in its "
            "inputs' dtype, so autocast stays disabled; convert the model and inputs "
            "(model.bfloat16()) to compute in lower precision.",
            UserWarning,
            stacklevel=2,
        )


_CACHE = {"enabled": True}  # torch's default


def is_autocast_cache_enabled() -> builtins.bool:
    """The flag of ``set_autocast_cache_enabled`` (True by default; nothing is cached here)."""
    return _CACHE["enabled"]


def set_autocast_cache_enabled(enabled: builtins.bool) -> None:
    """Set the flag ``is_autocast_cache_enabled`` returns: microtensor caches no weights."""
    _CACHE["enabled"] = builtins.bool(enabled)


def clear_autocast_cache() -> None:
    """Accepted for torch programs: microtensor's autocast caches nothing."""


def _deprecated(old: str, new: str) -> None:
    warnings.warn(
        f"torch.{old} is deprecated. Please use torch.{new} instead.",
        DeprecationWarning,
        stacklevel=3,
    )
