"""torch's deprecated per-device autocast functions (``torch.get_autocast_xla_dtype`` ...).

Each is its device-type-argument form (``get_autocast_dtype("xla")``,
``set_autocast_enabled("ipu", enabled)``) behind torch's ``DeprecationWarning``. As the
general forms, they keep a dtype that no op consults and an enabled flag that stays False:
microtensor's autocast changes no precision (see ``microtensor.amp.autocast``).
"""

from __future__ import annotations

import warnings
from typing import Any

from microtensor import _mode_queries, dtypes
from microtensor.amp.autocast_mode import is_autocast_enabled

__all__ = [
    "get_autocast_ipu_dtype",
    "get_autocast_xla_dtype",
    "is_autocast_ipu_enabled",
    "is_autocast_xla_enabled",
    "set_autocast_cpu_enabled",
    "set_autocast_gpu_dtype",
    "set_autocast_ipu_dtype",
    "set_autocast_ipu_enabled",
    "set_autocast_xla_dtype",
    "set_autocast_xla_enabled",
]

# torch's lower-precision defaults of these two device types
_DEFAULTS = {"ipu": dtypes.float16, "xla": dtypes.bfloat16}


def _deprecated(old: str, new: str, stacklevel: int = 3) -> None:
    warnings.warn(
        f"torch.{old} is deprecated. Please use torch.{new} instead.",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def _dtype(device_type: str) -> Any:
    return _mode_queries._AUTOCAST_DTYPES.get(device_type, _DEFAULTS[device_type])


def get_autocast_ipu_dtype() -> Any:
    """Deprecated, as in torch: ``get_autocast_dtype("ipu")`` (float16 unless set).

    Example:
        >>> import warnings
        >>> import microtensor as mt
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     mt.get_autocast_ipu_dtype()
        microtensor.float16
    """
    _deprecated("get_autocast_ipu_dtype()", "get_autocast_dtype('ipu')")
    return _dtype("ipu")


def get_autocast_xla_dtype() -> Any:
    """Deprecated, as in torch: ``get_autocast_dtype("xla")`` (bfloat16 unless set).

    Example:
        >>> import warnings
        >>> import microtensor as mt
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     mt.get_autocast_xla_dtype()
        microtensor.bfloat16
    """
    _deprecated("get_autocast_xla_dtype()", "get_autocast_dtype('xla')")
    return _dtype("xla")


def set_autocast_ipu_dtype(dtype: Any) -> None:
    """Deprecated, as in torch: ``set_autocast_dtype("ipu", dtype)``."""
    _deprecated("set_autocast_ipu_dtype(dtype)", "set_autocast_dtype('ipu', dtype)")
    _mode_queries._AUTOCAST_DTYPES["ipu"] = dtypes.to_dtype(dtype)


def set_autocast_xla_dtype(dtype: Any) -> None:
    """Deprecated, as in torch: ``set_autocast_dtype("xla", dtype)``."""
    _deprecated("set_autocast_xla_dtype(dtype)", "set_autocast_dtype('xla', dtype)")
    _mode_queries._AUTOCAST_DTYPES["xla"] = dtypes.to_dtype(dtype)


def set_autocast_gpu_dtype(dtype: Any) -> None:
    """Deprecated, as in torch: ``set_autocast_dtype("cuda", dtype)``."""
    _deprecated("set_autocast_gpu_dtype(dtype)", "set_autocast_dtype('cuda', dtype)")
    _mode_queries._AUTOCAST_DTYPES["cuda"] = dtypes.to_dtype(dtype)


def is_autocast_ipu_enabled() -> bool:
    """Deprecated, as in torch: ``is_autocast_enabled("ipu")``, always False here."""
    _deprecated("is_autocast_ipu_enabled()", "is_autocast_enabled('ipu')")
    return is_autocast_enabled("ipu")


def is_autocast_xla_enabled() -> bool:
    """Deprecated, as in torch: ``is_autocast_enabled("xla")``, always False here."""
    _deprecated("is_autocast_xla_enabled()", "is_autocast_enabled('xla')")
    return is_autocast_enabled("xla")


def _set_enabled(device_type: str, enabled: bool) -> None:
    _deprecated(
        f"set_autocast_{device_type}_enabled(enabled)",
        f"set_autocast_enabled('{device_type}', enabled)",
        stacklevel=4,
    )
    _mode_queries.set_autocast_enabled(device_type, enabled)


def set_autocast_cpu_enabled(enabled: bool) -> None:
    """Deprecated, as in torch: ``set_autocast_enabled("cpu", enabled)``.

    Differs from PyTorch: enabling warns and changes nothing, as ``set_autocast_enabled``.
    """
    _set_enabled("cpu", enabled)


def set_autocast_ipu_enabled(enabled: bool) -> None:
    """Deprecated, as in torch: ``set_autocast_enabled("ipu", enabled)`` (see the cpu form)."""
    _set_enabled("ipu", enabled)


def set_autocast_xla_enabled(enabled: bool) -> None:
    """Deprecated, as in torch: ``set_autocast_enabled("xla", enabled)`` (see the cpu form)."""
    _set_enabled("xla", enabled)
