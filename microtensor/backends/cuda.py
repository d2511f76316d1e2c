"""``microtensor.backends.cuda``: microtensor is not built with CUDA; its switches are accepted.

Scripts written for a GPU set ``torch.backends.cuda.matmul.allow_tf32 = True`` or toggle the
attention kernels (``enable_flash_sdp(False)``); here those settings are kept and read back,
as PyTorch does, and change nothing: microtensor computes on the CPU with NumPy.
"""

from typing import Any

__all__ = [
    "cudnn_sdp_enabled",
    "enable_cudnn_sdp",
    "enable_flash_sdp",
    "enable_math_sdp",
    "enable_mem_efficient_sdp",
    "flash_sdp_enabled",
    "is_built",
    "is_flash_attention_available",
    "math_sdp_enabled",
    "matmul",
    "mem_efficient_sdp_enabled",
]


def is_built() -> bool:
    """Return False: microtensor has no CUDA backend (it computes on the CPU with NumPy)."""
    return False


class cuBLASModule:  # noqa: N801 - PyTorch's name
    """``backends.cuda.matmul``: cuBLAS's precision switches, kept and read back.

    Only PyTorch's attribute names are accepted; any other raises AttributeError, as in torch.
    """

    _defaults = {
        "allow_tf32": False,
        "allow_fp16_reduced_precision_reduction": True,
        "allow_bf16_reduced_precision_reduction": True,
        "allow_fp16_accumulation": False,
    }

    def __init__(self) -> None:
        object.__setattr__(self, "_values", dict(self._defaults))

    def __getattr__(self, name: str) -> Any:
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        raise AttributeError(f"Unknown attribute {name}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._values:
            raise AttributeError(f"Unknown attribute {name}")
        self._values[name] = value


matmul = cuBLASModule()
_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def enable_flash_sdp(enabled: bool) -> None:
    """Record whether the flash attention kernel may be used (no effect on the CPU)."""
    _sdp["flash"] = bool(enabled)


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Record whether the memory-efficient attention kernel may be used (no effect here)."""
    _sdp["mem_efficient"] = bool(enabled)


def enable_math_sdp(enabled: bool) -> None:
    """Record whether the math attention kernel may be used (microtensor's only one)."""
    _sdp["math"] = bool(enabled)


def enable_cudnn_sdp(enabled: bool) -> None:
    """Record whether the cuDNN attention kernel may be used (no effect here)."""
    _sdp["cudnn"] = bool(enabled)


def flash_sdp_enabled() -> bool:
    """What ``enable_flash_sdp`` last recorded (True by default)."""
    return _sdp["flash"]


def mem_efficient_sdp_enabled() -> bool:
    """What ``enable_mem_efficient_sdp`` last recorded (True by default)."""
    return _sdp["mem_efficient"]


def math_sdp_enabled() -> bool:
    """What ``enable_math_sdp`` last recorded (True by default)."""
    return _sdp["math"]


def cudnn_sdp_enabled() -> bool:
    """What ``enable_cudnn_sdp`` last recorded (True by default)."""
    return _sdp["cudnn"]


def is_flash_attention_available() -> bool:
    """Return False: there is no flash attention kernel without a GPU."""
    return False
