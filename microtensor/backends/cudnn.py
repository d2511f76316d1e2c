"""``microtensor.backends.cudnn``: cuDNN's flags, accepted so scripts can set them; no effect.

Attributes:
    enabled: PyTorch's switch for cuDNN (default True); microtensor never uses cuDNN.
    benchmark: let cuDNN pick the fastest algorithms (default False).
    deterministic: ask cuDNN for deterministic algorithms (default False); microtensor's
        NumPy computations are deterministic anyway.
    allow_tf32: let cuDNN convolutions use TensorFloat-32 (default True); no GPU here.
"""

__all__ = ["allow_tf32", "benchmark", "deterministic", "enabled", "is_available", "version"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """Return False: there is no cuDNN."""
    return False


def version() -> None:
    """Return None, as PyTorch does without cuDNN."""
    return None
