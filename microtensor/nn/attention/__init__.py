"""``torch.nn.attention``: choosing the kernel of ``scaled_dot_product_attention``.

PyTorch has several kernels for the same attention formula (math, flash, memory-efficient,
cuDNN) and lets a program pick among them with ``sdpa_kernel``. microtensor has one, the math
formula in NumPy; on the CPU torch runs the math kernel or its CPU flash kernel, which compute
the same thing. So, as on torch's CPU, attention runs while the math or the flash backend is
enabled and raises torch's "No viable backend" error when a program leaves only GPU kernels
(memory-efficient, cuDNN, overrideable) enabled. The switches are the ones
``microtensor.backends.cuda.enable_*_sdp`` set, as in torch.

Example:
    >>> import microtensor as mt
    >>> from microtensor.nn.attention import SDPBackend, sdpa_kernel
    >>> q = mt.randn(1, 2, 3, 4)
    >>> with sdpa_kernel(SDPBackend.MATH):
    ...     mt.nn.functional.scaled_dot_product_attention(q, q, q).shape
    microtensor.Size([1, 2, 3, 4])
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from typing import Any

from microtensor.backends import cuda as _cuda

__all__ = ["WARN_FOR_UNFUSED_KERNELS", "SDPBackend", "sdpa_kernel"]

WARN_FOR_UNFUSED_KERNELS = False  # torch's flag: warn when a fused kernel cannot be used


class SDPBackend(enum.Enum):
    """The kernels of scaled dot product attention, with torch's names and values."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __repr__(self) -> str:
        return f"<SDPBackend.{self.name}: {self.value}>"


# backends.cuda's switch of each backend (ERROR and OVERRIDEABLE have none)
_SWITCHES = {
    SDPBackend.MATH: "math",
    SDPBackend.FLASH_ATTENTION: "flash",
    SDPBackend.EFFICIENT_ATTENTION: "mem_efficient",
    SDPBackend.CUDNN_ATTENTION: "cudnn",
}


@contextlib.contextmanager
def sdpa_kernel(
    backends: list[SDPBackend] | SDPBackend, set_priority: bool = False
) -> Iterator[dict[Any, Any]]:
    """Enable only ``backends`` for ``scaled_dot_product_attention`` inside the block.

    Every other backend is switched off; on leaving, the previous switches come back.

    Args:
        backends: one ``SDPBackend`` or a list of them.
        set_priority: accepted, as torch's: microtensor has one kernel, so the order of
            ``backends`` changes nothing.

    Raises:
        AssertionError: if ``backends`` is neither an ``SDPBackend`` nor a list (torch's type).
    """
    if not isinstance(backends, list | SDPBackend):
        raise AssertionError(
            "Backend must be an instance of SDPBackend or a list of SDPBackend instances, got "
            f"{type(backends).__name__}"
        )
    chosen = {backends} if isinstance(backends, SDPBackend) else set(backends)
    previous = dict(_cuda._sdp)
    try:
        for backend, switch in _SWITCHES.items():
            _cuda._sdp[switch] = backend in chosen
        yield {}
    finally:
        _cuda._sdp.update(previous)


def _check_viable_backend() -> None:
    """Raise torch's CPU error when neither the math nor the flash backend is enabled."""
    if not (_cuda._sdp["math"] or _cuda._sdp["flash"]):
        raise RuntimeError(
            "No viable backend for scaled_dot_product_attention was found. This is likely due "
            "to turning off both the math kernel and the fused kernels. (microtensor runs the "
            "math formula; on the CPU it needs SDPBackend.MATH or FLASH_ATTENTION enabled)"
        )
