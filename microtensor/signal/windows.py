"""``torch.signal.windows``: window functions for spectral analysis, as PyTorch computes them.

Each returns a 1-D tensor of ``M`` points. ``sym=True`` (the default) gives a symmetric window
(for filter design); ``sym=False`` a periodic one (for spectral analysis: the symmetric window
of ``M + 1`` points without its last point). Every window is a plain formula on a ``linspace``
or an ``arange`` of positions, evaluated in the requested dtype as PyTorch does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._factory_args import on_cpu
from microtensor._layout import strided
from microtensor._range_factories import _linspace_as_torch
from microtensor.tensor import Tensor

__all__ = [
    "bartlett",
    "blackman",
    "cosine",
    "exponential",
    "gaussian",
    "general_cosine",
    "general_hamming",
    "hamming",
    "hann",
    "kaiser",
    "nuttall",
]


def _start(name: str, M: int, dtype: Any, device: Any, layout: Any) -> np.dtype:  # noqa: N803
    """Check the arguments every window takes; return the NumPy dtype."""
    on_cpu(device, name)
    if not isinstance(M, int) or isinstance(M, bool):
        raise TypeError(f"{name}(): M must be an int, got {type(M).__name__}")
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not None and layout is not strided:
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    chosen = dtypes.to_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    if chosen not in (dtypes.float32, dtypes.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {chosen}")
    return chosen.numpy


def _tensor(values: np.ndarray, requires_grad: bool) -> Tensor:
    out = Tensor._make(values)
    return out.requires_grad_(True) if requires_grad else out


def general_cosine(
    M: int,  # noqa: N803
    *,
    a: Sequence[float],
    sym: bool = True,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The sum of cosines ``w[n] = sum_i (-1)^i a[i] cos(2 pi i n / (M - 1))`` (``M`` if periodic).

    Args:
        M: the window length.
        a: the coefficients.
        sym: symmetric (True) or periodic (False).
        dtype: float32 (default dtype) or float64.
        layout: accepted (strided only).
        device: the CPU only.
        requires_grad: make the result a leaf that requires grad.

    Returns:
        The window, shape ``(M,)``.

    Raises:
        ValueError: for a negative ``M``, a non-floating dtype or an empty ``a``.

    Example:
        >>> import microtensor as mt
        >>> mt.signal.windows.general_cosine(5, a=[0.5, 0.5])
        tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    np_dtype = _start("general_cosine", M, dtype, device, layout)
    if not isinstance(a, list | tuple):
        raise TypeError("Coefficients must be a list/tuple")
    if len(a) == 0:
        raise ValueError("Coefficients cannot be empty")
    if M == 0:
        return _tensor(np.empty(0, np_dtype), requires_grad)
    if M == 1:
        return _tensor(np.ones(1, np_dtype), requires_grad)
    constant = 2 * math.pi / (M if not sym else M - 1)
    k = _linspace_as_torch(0.0, (M - 1) * constant, M, np_dtype)
    terms = [(-1) ** i * np.asarray(w, np_dtype) * np.cos(i * k) for i, w in enumerate(a)]
    return _tensor(np.sum(terms, axis=0).astype(np_dtype), requires_grad)


def general_hamming(
    M: int,  # noqa: N803
    *,
    alpha: float = 0.54,
    sym: bool = True,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``alpha - (1 - alpha) cos(2 pi n / (M - 1))``: ``general_cosine`` with ``a = [alpha, 1 - alpha]``.

    Example:
        >>> import microtensor as mt
        >>> mt.signal.windows.general_hamming(3, alpha=0.5)
        tensor([0., 1., 0.])
    """  # noqa: E501
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)  # fmt: skip


def hann(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None,  # noqa: N803
         device: Any = None, requires_grad: bool = False) -> Tensor:  # fmt: skip
    """The Hann window, ``0.5 - 0.5 cos(2 pi n / (M - 1))``.

    Example:
        >>> import microtensor as mt
        >>> mt.signal.windows.hann(4, sym=False)
        tensor([0.0000, 0.5000, 1.0000, 0.5000])
    """
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)  # fmt: skip


def hamming(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None,  # noqa: N803
            device: Any = None, requires_grad: bool = False) -> Tensor:  # fmt: skip
    """The Hamming window, ``0.54 - 0.46 cos(2 pi n / (M - 1))``."""
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)  # fmt: skip


def blackman(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None,  # noqa: N803
             device: Any = None, requires_grad: bool = False) -> Tensor:  # fmt: skip
    """The Blackman window: ``general_cosine`` with ``a = [0.42, 0.5, 0.08]``."""
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)  # fmt: skip


def nuttall(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None,  # noqa: N803
            device: Any = None, requires_grad: bool = False) -> Tensor:  # fmt: skip
    """The minimum 4-term Blackman-Harris window of Nuttall."""
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym,
                          dtype=dtype, layout=layout, device=device,
                          requires_grad=requires_grad)  # fmt: skip


def bartlett(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None,  # noqa: N803
             device: Any = None, requires_grad: bool = False) -> Tensor:  # fmt: skip
    """The triangular Bartlett window, ``1 - |2n / (M - 1) - 1|``."""
    np_dtype = _start("bartlett", M, dtype, device, layout)
    if M <= 1:
        return _tensor(np.ones(M, np_dtype), requires_grad)
    constant = 2 / (M if not sym else M - 1)
    k = _linspace_as_torch(-1.0, -1.0 + (M - 1) * constant, M, np_dtype)
    return _tensor((1 - np.abs(k)).astype(np_dtype), requires_grad)


def cosine(M: int, *, sym: bool = True, dtype: Any = None, layout: Any = None,  # noqa: N803
           device: Any = None, requires_grad: bool = False) -> Tensor:  # fmt: skip
    """The cosine (sine) window, ``sin(pi (n + 0.5) / M)``."""
    np_dtype = _start("cosine", M, dtype, device, layout)
    if M <= 1:
        return _tensor(np.ones(M, np_dtype), requires_grad)
    constant = math.pi / (M + 1 if not sym else M)
    k = _linspace_as_torch(0.5 * constant, (0.5 + (M - 1)) * constant, M, np_dtype)
    return _tensor(np.sin(k).astype(np_dtype), requires_grad)


def exponential(M: int, *, center: float | None = None, tau: float = 1.0, sym: bool = True,  # noqa: N803
                dtype: Any = None, layout: Any = None, device: Any = None,
                requires_grad: bool = False) -> Tensor:  # fmt: skip
    """The exponential (Poisson) window, ``exp(-|n - center| / tau)``.

    Raises:
        ValueError: for ``tau <= 0``, or a ``center`` given with ``sym=True``.
    """
    np_dtype = _start("exponential", M, dtype, device, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if M == 0:
        return _tensor(np.empty(0, np_dtype), requires_grad)
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    k = _linspace_as_torch(-center * (1 / tau), (-center + (M - 1)) * (1 / tau), M, np_dtype)
    return _tensor(np.exp(-np.abs(k)).astype(np_dtype), requires_grad)


def gaussian(M: int, *, std: float = 1.0, sym: bool = True, dtype: Any = None,  # noqa: N803
             layout: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:  # fmt: skip
    """The Gaussian window, ``exp(-(n - (M - 1) / 2)**2 / (2 std**2))``.

    Raises:
        ValueError: for ``std <= 0``.
    """
    np_dtype = _start("gaussian", M, dtype, device, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    if M <= 1:
        return _tensor(np.ones(M, np_dtype), requires_grad)
    start = -(M if not sym and M > 1 else M - 1) / 2.0
    constant = 1 / (std * math.sqrt(2))
    k = _linspace_as_torch(start * constant, (start + (M - 1)) * constant, M, np_dtype)
    return _tensor(np.exp(-(k**2)).astype(np_dtype), requires_grad)


def kaiser(M: int, *, beta: float = 12.0, sym: bool = True, dtype: Any = None,  # noqa: N803
           layout: Any = None, device: Any = None,
           requires_grad: bool = False) -> Tensor:  # fmt: skip
    """The Kaiser window, ``I0(beta sqrt(1 - (2n / (M - 1) - 1)**2)) / I0(beta)``.

    Raises:
        ValueError: for a negative ``beta``.
    """
    np_dtype = _start("kaiser", M, dtype, device, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    if M <= 1:
        return _tensor(np.ones(M, np_dtype), requires_grad)
    b = np.asarray(beta, np_dtype)
    constant = 2.0 * beta / (M if not sym else M - 1)
    end = min(beta, -beta + (M - 1) * constant)
    k = _linspace_as_torch(-beta, end, M, np_dtype)
    from scipy import special  # the modified Bessel function I0

    values = special.i0(np.sqrt(np.maximum(b * b - k**2, 0))) / special.i0(b)
    return _tensor(np.asarray(values).astype(np_dtype), requires_grad)
