"""The transforms on NumPy arrays that the ops call: ``numpy.fft`` with PyTorch's dtypes.

Sizes ``s`` and ``dims`` are canonical (see ``_arguments``); an input is cut, or zero-padded at
the end, to ``s`` along ``dims`` before it is transformed, as ``numpy.fft``'s ``s`` does. A
float32 or complex64 input gives a complex64 (float32) result, float64 and complex128 give
complex128 (float64).
"""

from __future__ import annotations

from typing import Any

import numpy as np

Sizes = tuple[int, ...]

# the norm that applies the same scale in the other direction (numpy.fft's _swap_direction):
# a transform's adjoint is the transform of the other direction with this norm
OTHER_DIRECTION: dict[Any, Any] = {
    None: "forward",
    "backward": "forward",
    "ortho": "ortho",
    "forward": "backward",
}


def complex_dtype(dtype: np.dtype) -> np.dtype:
    """complex128 for float64 and complex128, complex64 for float32 and complex64."""
    return np.dtype(np.complex128 if dtype in (np.float64, np.complex128) else np.complex64)


def real_dtype(dtype: np.dtype) -> np.dtype:
    """float64 for float64 and complex128, float32 for float32 and complex64."""
    return np.dtype(np.float64 if dtype in (np.float64, np.complex128) else np.float32)


def c2c(a: np.ndarray, s: Sizes, dims: Sizes, norm: Any, forward: bool) -> np.ndarray:
    """``fftn`` (``forward``) or ``ifftn`` of ``a`` resized to ``s``; a real ``a`` as complex."""
    if not dims:  # fftn(x, dim=()) is x as complex, as in PyTorch
        return a.astype(complex_dtype(a.dtype))
    transform = np.fft.fftn if forward else np.fft.ifftn
    return transform(a, s=s, axes=dims, norm=norm).astype(complex_dtype(a.dtype), copy=False)


def r2c(a: np.ndarray, s: Sizes, dims: Sizes, norm: Any) -> np.ndarray:
    """``rfftn``: the one-sided spectrum (``s[-1] // 2 + 1`` bins) of a real ``a``."""
    return np.fft.rfftn(a, s=s, axes=dims, norm=norm).astype(complex_dtype(a.dtype), copy=False)


def c2r(a: np.ndarray, s: Sizes, dims: Sizes, norm: Any) -> np.ndarray:
    """``irfftn``: the real signal of sizes ``s`` of a one-sided spectrum ``a``."""
    return np.fft.irfftn(a, s=s, axes=dims, norm=norm).astype(real_dtype(a.dtype), copy=False)


def resize(a: np.ndarray, dims: Sizes, sizes: Sizes) -> np.ndarray:
    """``a`` cut, or zero-padded at the end, to ``sizes`` along ``dims``."""
    for d, size in zip(dims, sizes, strict=True):
        have = a.shape[d]
        if have > size:
            a = a[(slice(None),) * d + (slice(0, size),)]
        elif have < size:
            pad = [(0, 0)] * a.ndim
            pad[d] = (0, size - have)
            a = np.pad(a, pad)
    return np.ascontiguousarray(a)


def hermitian_weights(n: int, last: int, ndim: int) -> np.ndarray:
    """How often each bin of a one-sided spectrum of ``n`` points occurs in the full one.

    2 for each bin whose mirror bin ``n - k`` is left out of the ``n // 2 + 1`` kept, 1 for the
    DC bin and, for an even ``n``, the Nyquist bin; shaped to broadcast along dim ``last``.
    """
    weights = np.full(n // 2 + 1, 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    return weights.reshape((-1,) + (1,) * (ndim - 1 - last))
