"""``microtensor.fft``: the functions of ``torch.fft`` whose input and output can be real.

``fftshift``, ``ifftshift``, ``fftfreq`` and ``rfftfreq``, and the complex-to-real transforms
``irfft``, ``irfft2``, ``irfftn``, ``hfft``, ``hfft2``, ``hfftn`` of a real input (which PyTorch
reads as complex with zero imaginary part), all differentiable twice. Transforms come from
``numpy.fft``.

Differs from PyTorch: microtensor has no complex dtypes, so the transforms with a complex
output (``fft``, ``ifft``, ``rfft``, ``ihfft`` and their 2-d and n-d forms) are absent (an
``AttributeError`` says so), and no function takes ``out=``.
"""

from typing import Any

from microtensor.fft.complex_to_real import hfft, hfft2, hfftn, irfft, irfft2, irfftn
from microtensor.fft.frequencies import fftfreq, rfftfreq
from microtensor.fft.shift import fftshift, ifftshift

__all__ = [
    "fftfreq",
    "fftshift",
    "hfft",
    "hfft2",
    "hfftn",
    "ifftshift",
    "irfft",
    "irfft2",
    "irfftn",
    "rfftfreq",
]

_COMPLEX_OUTPUT = {"fft", "ifft", "rfft", "ihfft"}
_COMPLEX_OUTPUT |= {name + suffix for name in tuple(_COMPLEX_OUTPUT) for suffix in ("2", "n")}


def __getattr__(name: str) -> Any:
    if name in _COMPLEX_OUTPUT:
        raise AttributeError(
            f"microtensor.fft.{name} is not available: its output is complex and microtensor "
            "has no complex dtypes (the real-output transforms irfft, irfft2, irfftn, hfft, "
            "hfft2, hfftn accept a real input)"
        )
    raise AttributeError(f"module 'microtensor.fft' has no attribute '{name}'")
