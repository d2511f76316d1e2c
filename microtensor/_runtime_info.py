"""What torch reports about its build and runtime: ``has_lapack``, ``get_device_module`` ...

torch's flags say which libraries its kernels were built with. microtensor's kernels are
NumPy's, so each flag answers for NumPy: LAPACK and the FFT (pocketfft) are always there,
MKL only when NumPy's BLAS is MKL, and OpenMP never (NumPy's BLAS threads are its own; see
``set_num_threads``).
"""

from __future__ import annotations

import builtins
import importlib
from types import ModuleType
from typing import Any

import numpy as np

from microtensor._device import device as _Device
from microtensor.tensor import Tensor

__all__ = [
    "compiled_with_cxx11_abi",
    "get_device_module",
    "has_lapack",
    "has_mkl",
    "has_openmp",
    "has_spectral",
    "init_num_threads",
    "is_distributed",
    "is_vulkan_available",
]


def _numpy_blas() -> str:
    config = getattr(np.__config__, "CONFIG", {})
    return str(config.get("Build Dependencies", {}).get("blas", {}).get("name", ""))


has_lapack = True  # numpy.linalg is LAPACK
has_spectral = True  # numpy.fft (pocketfft) computes microtensor.fft
has_mkl = "mkl" in _numpy_blas().lower()
has_openmp = False  # no kernel of microtensor runs OpenMP threads


def compiled_with_cxx11_abi() -> builtins.bool:
    """True, as torch 2.13's builds: the C++ ABI a torch extension is compiled against.

    microtensor compiles no C++; programs ask this to pick ``-D_GLIBCXX_USE_CXX11_ABI``
    for an extension, and every torch 2.13 wheel uses the new ABI.

    Example:
        >>> import microtensor as mt
        >>> mt.compiled_with_cxx11_abi()
        True
    """
    return True


def init_num_threads() -> None:
    """Accepted, as torch's: propagates ``set_num_threads`` to a new thread.

    microtensor's thread count is the BLAS's, which is process-wide, so a new thread already
    has it: nothing to do.

    Example:
        >>> import microtensor as mt
        >>> mt.init_num_threads()
    """


def is_vulkan_available() -> builtins.bool:
    """False: there is no Vulkan backend (torch's CPU wheels answer False too).

    Example:
        >>> import microtensor as mt
        >>> mt.is_vulkan_available()
        False
    """
    return False


def is_distributed(input: Tensor) -> builtins.bool:  # noqa: A002
    """False: a tensor is never split over processes (torch's answer for a plain tensor).

    Raises:
        TypeError: if ``input`` is not a tensor.

    Example:
        >>> import microtensor as mt
        >>> mt.is_distributed(mt.ones(2))
        False
    """
    if not isinstance(input, Tensor):
        raise TypeError(
            f"is_distributed(): argument 'input' (position 1) must be Tensor, not "
            f"{type(input).__name__}"
        )
    return False


def get_device_module(device: Any = None) -> ModuleType:
    """The module of a device type: ``get_device_module("cuda")`` is ``microtensor.cuda``.

    With no device, the module of the current accelerator, or ``microtensor.cpu`` when
    there is none (always, here).

    Args:
        device: a ``device``, a device string (``"cuda:0"``) or None.

    Returns:
        ``microtensor.cpu``, ``microtensor.cuda``, ``microtensor.mps`` or ``microtensor.xpu``.

    Raises:
        RuntimeError: for an unknown device type, a device type without a module
            (``"meta"``), or an argument that is not a device, a string or None.

    Example:
        >>> import microtensor as mt
        >>> mt.get_device_module("cuda:0").__name__, mt.get_device_module().__name__
        ('microtensor.cuda', 'microtensor.cpu')
    """
    if device is None:
        kind = "cpu"
    elif isinstance(device, str | _Device):
        kind = _Device(device).type
    else:
        raise RuntimeError(f"Invalid value of device '{device}', expect torch.device, str, or None")
    if kind not in ("cpu", "cuda", "mps", "xpu"):
        raise RuntimeError(
            f"Device '{kind}' does not have a corresponding module registered as "
            f"'microtensor.{kind}'."
        )
    return importlib.import_module(f"microtensor.{kind}")
