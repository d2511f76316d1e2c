"""The one error of ``microtensor.cuda`` for what needs a GPU."""

from __future__ import annotations

from typing import NoReturn


class CudaUnavailableError(RuntimeError, AssertionError):
    """What a call that needs a CUDA device raises: microtensor computes on the CPU.

    A RuntimeError, as microtensor's other errors are; also an AssertionError, which is what a
    CPU-only PyTorch raises from these calls ("Torch not compiled with CUDA enabled"), so a
    program that catches that keeps working.
    """


def no_gpu(what: str) -> NoReturn:
    """Raise :class:`CudaUnavailableError` naming the call ``what`` (such as ``"init()"``)."""
    raise CudaUnavailableError(
        f"microtensor.cuda.{what}: microtensor runs on the CPU only and has no CUDA device "
        "(microtensor.cuda.is_available() is False): check is_available() first"
    )
