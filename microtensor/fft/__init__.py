"""``microtensor.fft``: the discrete Fourier transforms of ``torch.fft``.

The complex-to-complex transforms ``fft``, ``ifft``, ``fft2``, ``ifft2``, ``fftn``, ``ifftn``
(a real input is read as complex), the real-to-complex ``rfft``, ``rfft2``, ``rfftn``,
``ihfft``, ``ihfft2``, ``ihfftn`` (one-sided spectra of a real input), the complex-to-real
``irfft``, ``irfft2``, ``irfftn``, ``hfft``, ``hfft2``, ``hfftn``, all differentiable twice
with PyTorch's complex gradients, and the helpers ``fftshift``, ``ifftshift``, ``fftfreq``,
``rfftfreq``. Transforms come from ``numpy.fft``; float32 and complex64 inputs give complex64
(float32) results, as in PyTorch.

Differs from PyTorch: no function takes ``out=``.
"""

from microtensor.fft.complex_to_complex import fft, fft2, fftn, ifft, ifft2, ifftn
from microtensor.fft.complex_to_real import hfft, hfft2, hfftn, irfft, irfft2, irfftn
from microtensor.fft.frequencies import fftfreq, rfftfreq
from microtensor.fft.real_to_complex import ihfft, ihfft2, ihfftn, rfft, rfft2, rfftn
from microtensor.fft.shift import fftshift, ifftshift

__all__ = [
    "fft",
    "fft2",
    "fftfreq",
    "fftn",
    "fftshift",
    "hfft",
    "hfft2",
    "hfftn",
    "ifft",
    "ifft2",
    "ifftn",
    "ifftshift",
    "ihfft",
    "ihfft2",
    "ihfftn",
    "irfft",
    "irfft2",
    "irfftn",
    "rfft",
    "rfft2",
    "rfftfreq",
    "rfftn",
]
