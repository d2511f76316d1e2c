"""Process-wide numeric settings with PyTorch's names.

Deterministic algorithms, float32 matmul precision, flush-denormal mode and warn-always.

microtensor's ops are deterministic (NumPy on the CPU: the same inputs give the same bits), so
``use_deterministic_algorithms(True)`` is always honoured and never has to raise or warn. Its
float32 matrix products always run in full float32 precision: ``set_float32_matmul_precision``
records the value PyTorch would use for TF32/bfloat16 shortcuts, which do not exist here.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = [
    "are_deterministic_algorithms_enabled",
    "get_deterministic_debug_mode",
    "get_float32_matmul_precision",
    "is_deterministic_algorithms_warn_only_enabled",
    "is_warn_always_enabled",
    "set_deterministic_debug_mode",
    "set_flush_denormal",
    "set_float32_matmul_precision",
    "set_warn_always",
    "use_deterministic_algorithms",
]

_state: dict[str, Any] = {
    "deterministic": False,
    "warn_only": False,
    "matmul_precision": "highest",
    "warn_always": False,
}
_DEBUG_MODES = ("default", "warn", "error")
_PRECISIONS = ("highest", "high", "medium")


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Ask for deterministic algorithms (every microtensor op already is one).

    Raises:
        TypeError: if ``mode`` is not a bool.

    Example:
        >>> import microtensor as mt
        >>> mt.use_deterministic_algorithms(True)
        >>> mt.are_deterministic_algorithms_enabled()
        True
        >>> mt.use_deterministic_algorithms(False)
    """
    if not isinstance(mode, bool):
        raise TypeError(
            "use_deterministic_algorithms(): argument 'mode' must be bool, not "
            f"{type(mode).__name__}"
        )
    _state["deterministic"], _state["warn_only"] = mode, bool(warn_only) and mode


def are_deterministic_algorithms_enabled() -> bool:
    """Whether ``use_deterministic_algorithms(True)`` is in effect."""
    return bool(_state["deterministic"])


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """Whether it was set with ``warn_only=True``."""
    return bool(_state["warn_only"])


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    """Set ``'default'``/0 (off), ``'warn'``/1 or ``'error'``/2, as torch does.

    Raises:
        RuntimeError: for another value.
    """
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(
                "invalid value of debug_mode, expected one of `default`, `warn`, `error`, "
                f"but got {debug_mode}"
            )
        level = _DEBUG_MODES.index(debug_mode)
    elif isinstance(debug_mode, int) and not isinstance(debug_mode, bool) and 0 <= debug_mode <= 2:
        level = debug_mode
    else:
        raise RuntimeError(
            f"invalid value of debug_mode, expected 0, 1 or 2, but got {debug_mode!r}"
        )
    use_deterministic_algorithms(level > 0, warn_only=level == 1)


def get_deterministic_debug_mode() -> int:
    """0 when deterministic algorithms are off, 1 when on with warn_only, 2 when on."""
    if not _state["deterministic"]:
        return 0
    return 1 if _state["warn_only"] else 2


def set_float32_matmul_precision(precision: str) -> None:
    """Record ``'highest'``, ``'high'`` or ``'medium'`` (an unknown value warns and is ignored).

    Differs from PyTorch: float32 products always use full float32 precision here.

    Example:
        >>> import microtensor as mt
        >>> mt.set_float32_matmul_precision("high"); mt.get_float32_matmul_precision()
        'high'
        >>> mt.set_float32_matmul_precision("highest")
    """
    if precision not in _PRECISIONS:
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
            "set_float32_matmul_precision call has no effect.",
            UserWarning,
            stacklevel=2,
        )
        return
    _state["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The value last set by ``set_float32_matmul_precision`` (``'highest'`` by default)."""
    return str(_state["matmul_precision"])


def set_flush_denormal(mode: bool) -> bool:
    """Returns False: NumPy offers no flush-denormal mode, so denormals are always kept.

    PyTorch returns True where the CPU supports the mode and it was set.
    """
    return False


def set_warn_always(b: bool) -> None:
    """Record whether warnings that PyTorch shows once should show every time."""
    _state["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    """The value last set by ``set_warn_always`` (False by default)."""
    return bool(_state["warn_always"])
