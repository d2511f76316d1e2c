"""Resampling: ``interpolate`` and the legacy ``upsample``, ``upsample_nearest/bilinear``.

Every mode is separable: it resamples one spatial dim after the other. Nearest modes pick
input indices; linear and cubic modes multiply by a constant ``(out, in)`` matrix of
interpolation weights along that dim (antialiasing only changes the matrix); ``area`` is
adaptive average pooling. One ``Resample`` op (``_resample_ops.py``) runs the chain, with
torch's node name per mode and rank (``UpsampleBilinear2DBackward0``). Indices and weights
follow PyTorch's CPU kernels exactly, including the float32 arithmetic of the nearest index
and the clamped borders of bicubic.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.nn._functional._resample_ops import UPSAMPLES, Step
from microtensor.nn._functional.adaptive_avg_pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_avg_pool3d,
)
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = ["interpolate", "upsample", "upsample_bilinear", "upsample_nearest"]

_LINEAR = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_MODES = ("nearest", "nearest-exact", "area", *_LINEAR)
_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) bicubic coefficient


def _nearest_index(n: int, out: int, scale: float | None, exact: bool) -> np.ndarray:
    """PyTorch's nearest source index, computed in float32 as its kernel does."""
    ratio = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(n / out)
    if not exact and out == n:
        return np.arange(n, dtype=np.int64)
    dst = np.arange(out, dtype=np.float32) + np.float32(0.5 if exact else 0.0)
    src = np.floor(dst * ratio).astype(np.int64)
    return np.minimum(src, n - 1)


def _source(n: int, out: int, scale: float | None, align: bool, dtype: np.dtype) -> np.ndarray:
    """Real-valued source coordinate of each output position (area_pixel_compute_source_index)."""
    dst = np.arange(out, dtype=dtype)
    if align:
        ratio = dtype.type((n - 1) / (out - 1)) if out > 1 else dtype.type(0)
        return ratio * dst
    if scale is not None and scale > 0:
        ratio = dtype.type(1.0 / scale)
    else:
        ratio = dtype.type(n) / dtype.type(out)
    return ratio * (dst + dtype.type(0.5)) - dtype.type(0.5)


def _linear_matrix(n: int, out: int, scale: float | None, align: bool, dtype: Any) -> np.ndarray:
    dtype = np.dtype(dtype)
    src = np.maximum(_source(n, out, scale, align, dtype), 0)  # linear modes clamp at 0
    low = np.minimum(src.astype(np.int64), n - 1)
    high = low + (low < n - 1)
    frac = src - low
    matrix = np.zeros((out, n), dtype=dtype)
    rows = np.arange(out)
    np.add.at(matrix, (rows, low), 1 - frac)
    np.add.at(matrix, (rows, high), frac)
    return matrix


def _cubic_matrix(n: int, out: int, scale: float | None, align: bool, dtype: Any) -> np.ndarray:
    dtype = np.dtype(dtype)
    src = _source(n, out, scale, align, dtype)
    base = np.floor(src)
    t = src - base
    a = _CUBIC_A

    def near(x: np.ndarray) -> np.ndarray:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: np.ndarray) -> np.ndarray:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    weights = (far(t + 1), near(t), near(1 - t), far(2 - t))
    matrix = np.zeros((out, n), dtype=dtype)
    rows = np.arange(out)
    for offset, w in zip((-1, 0, 1, 2), weights, strict=True):
        cols = np.clip(base.astype(np.int64) + offset, 0, n - 1)  # borders repeat the edge
        np.add.at(matrix, (rows, cols), w.astype(dtype))
    return matrix


def _antialias_matrix(
    n: int, out: int, scale: float | None, align: bool, cubic: bool, dtype: Any
) -> np.ndarray:
    """PyTorch's antialiased weights: the filter stretched by the downscaling factor."""
    if align:
        ratio = (n - 1) / (out - 1) if out > 1 else 0.0
    else:
        ratio = 1.0 / scale if scale is not None and scale > 0 else n / out
    taps = 4 if cubic else 2
    support = taps * 0.5 * ratio if ratio >= 1.0 else taps * 0.5
    stretch = 1.0 / ratio if ratio >= 1.0 else 1.0
    a = -0.5  # Keys' cubic, as PyTorch's antialiased bicubic

    def kernel(x: np.ndarray) -> np.ndarray:
        x = np.abs(x)
        if not cubic:
            return np.maximum(1 - x, 0.0)
        near = ((a + 2) * x - (a + 3)) * x * x + 1
        far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        return np.where(x < 1, near, np.where(x < 2, far, 0.0))

    matrix = np.zeros((out, n))
    for i in range(out):
        centre = ratio * (i + 0.5)
        lo, hi = max(int(centre - support + 0.5), 0), min(int(centre + support + 0.5), n)
        weights = kernel((np.arange(lo, hi) - centre + 0.5) * stretch)
        total = weights.sum()
        matrix[i, lo:hi] = weights / total if total != 0 else weights
    return matrix.astype(dtype)


def _along(x: Tensor, dim: int, matrix: np.ndarray) -> Tensor:
    """Multiply dim ``dim`` of ``x`` by the constant ``(out, in)`` matrix (a composition).

    ``_upsample_bilinear2d_aa`` (microtensor/_private_aten_nn_ops.py) uses it.
    """
    moved = ops.movedim(x, dim, -1)
    return ops.movedim(ops.matmul(moved, Tensor._make(matrix.T.copy())), -1, dim)


def _spatial(op: str, values: Any, nd: int, name: str, input: Tensor) -> list[Any]:  # noqa: A002
    if isinstance(values, list | tuple):
        if len(values) != nd:
            raise ValueError(
                f"{op}(): Input and {name} must have the same number of spatial dimensions, "
                f"but got input with spatial dimensions of {list(input.shape[2:])} and {name} "
                f"of shape {list(values)}. Please provide input tensor in (N, C, d1, d2, "
                f"...,dK) format and {name} in (s1, s2, ...,sK) format."
            )
        return list(values)
    return [values] * nd


def _output_sizes(
    input: Tensor,  # noqa: A002
    size: Any,
    scale_factor: Any,
    recompute_scale_factor: bool | None,
) -> tuple[list[int], list[float | None]]:
    nd = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate(): only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError(
                "interpolate(): recompute_scale_factor is not meaningful with an explicit size"
            )
        return [int(s) for s in _spatial("interpolate", size, nd, "size", input)], [None] * nd
    if scale_factor is None:
        raise ValueError("interpolate(): either size or scale_factor should be defined")
    scales = [float(s) for s in _spatial("interpolate", scale_factor, nd, "scale_factor", input)]
    sizes = [math.floor(n * s) for n, s in zip(input.shape[2:], scales, strict=True)]
    kept: list[float | None] = [None] * nd if recompute_scale_factor else list(scales)
    return sizes, kept


def _check_mode(input: Tensor, mode: str, align_corners: bool | None) -> None:  # noqa: A002
    if mode not in _MODES:
        raise NotImplementedError(
            f"interpolate(): unknown mode {mode!r}: use one of nearest | nearest-exact | linear "
            "| bilinear | bicubic | trilinear | area"
        )
    if align_corners is not None and mode not in _LINEAR:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )
    nd = input.ndim - 2
    if mode in _LINEAR and _LINEAR[mode] != nd or not 1 <= nd <= 3:
        raise NotImplementedError(
            f"interpolate(): Input Error: Only 3D, 4D and 5D input Tensors supported (got "
            f"{input.ndim}D) for the modes: nearest | linear | bilinear | bicubic | trilinear "
            f"| area | nearest-exact (got {mode}); {mode!r} needs a "
            f"{_LINEAR.get(mode, nd) + 2}D (N, C, ...) input"
        )


def interpolate(
    input: Tensor,  # noqa: A002
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resize the spatial dims of ``(N, C, *spatial)`` to ``size`` or by ``scale_factor``.

    Args:
        input: shape ``(N, C, L)``, ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        size: the output spatial size (int or one per spatial dim).
        scale_factor: multiplier of each spatial size (output size is rounded down).
        mode: ``"nearest"``, ``"nearest-exact"``, ``"linear"`` (3-D input), ``"bilinear"`` and
            ``"bicubic"`` (4-D), ``"trilinear"`` (5-D) or ``"area"``.
        align_corners: for the linear and cubic modes, map the corner pixels' centres onto
            each other (True) or their outer edges (False, the default).
        recompute_scale_factor: compute the sampling from the output size rather than from
            ``scale_factor``.
        antialias: for ``"bilinear"`` and ``"bicubic"``, widen the filter by the downscaling
            factor (PyTorch's antialiasing, as PIL's resize).

    Returns:
        Shape ``(N, C, *size)``.

    Raises:
        ValueError: for both or neither of size and scale_factor, align_corners with a
            non-interpolating mode, sizes that do not match the spatial dims, or antialias
            with a mode other than bilinear or bicubic.
        NotImplementedError: for an unknown mode, or a mode that does not fit the input's rank.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.interpolate(mt.tensor([[[1.0, 2.0]]]), scale_factor=2, mode="linear")
        tensor([[[1.0000, 1.2500, 1.7500, 2.0000]]])
    """
    tensor_input("interpolate", input)
    _check_mode(input, mode, align_corners)
    if antialias and (mode not in ("bilinear", "bicubic") or input.ndim != 4):
        raise ValueError(
            "Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and "
            "requires a 4-D tensor as input"
        )
    sizes, scales = _output_sizes(input, size, scale_factor, recompute_scale_factor)
    if min(sizes) <= 0:
        raise RuntimeError(
            f"interpolate(): input {list(input.shape)} would give output size {sizes}: every "
            "output size must be greater than 0"
        )
    if mode == "area":
        return _area(input, sizes)
    if mode in _LINEAR and input._data.dtype.kind != "f":
        raise NotImplementedError(f"interpolate(): {mode!r} is not implemented for {input.dtype}")
    steps: list[Step] = []
    for axis, (n, out, scale) in enumerate(zip(input.shape[2:], sizes, scales, strict=True)):
        if mode in ("nearest", "nearest-exact"):
            steps.append((2 + axis, _nearest_index(n, out, scale, mode == "nearest-exact"), None))
            continue
        align, dtype = bool(align_corners), input._data.dtype
        if antialias:
            matrix = _antialias_matrix(n, out, scale, align, mode == "bicubic", dtype)
        else:
            build = _cubic_matrix if mode == "bicubic" else _linear_matrix
            matrix = build(n, out, scale, align, dtype)
        steps.append((2 + axis, None, matrix))
    op = UPSAMPLES[mode, input.ndim - 2, antialias]
    return op.apply(input, tuple(steps))  # type: ignore[no-any-return]


def _area(input: Tensor, sizes: list[int]) -> Tensor:  # noqa: A002
    if len(sizes) == 1:
        return adaptive_avg_pool1d(input, sizes)
    if len(sizes) == 2:
        return adaptive_avg_pool2d(input, sizes)
    return adaptive_avg_pool3d(input, sizes)


def upsample(
    input: Tensor,  # noqa: A002
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """Deprecated alias of ``interpolate`` (warns, as PyTorch).

    Example:
        >>> import warnings
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     F.upsample(mt.tensor([[[1.0, 2.0]]]), scale_factor=2)
        tensor([[[1., 1., 2., 2.]]])
    """
    warnings.warn(
        "nn.functional.upsample is deprecated. Use nn.functional.interpolate instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """Deprecated: ``interpolate(input, size, scale_factor, mode="nearest")`` (warns).

    Example:
        >>> import warnings
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     F.upsample_nearest(mt.tensor([[[1.0, 2.0]]]), 3)
        tensor([[[1., 1., 2.]]])
    """
    warnings.warn(
        "nn.functional.upsample_nearest is deprecated. Use nn.functional.interpolate instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None, scale_factor: Any = None) -> Tensor:  # noqa: A002
    """Deprecated: ``interpolate(..., mode="bilinear", align_corners=True)`` (warns).

    Example:
        >>> import warnings
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     F.upsample_bilinear(mt.tensor([[[[0.0, 1.0]]]]), (1, 3))
        tensor([[[[0.0000, 0.5000, 1.0000]]]])
    """
    warnings.warn(
        "nn.functional.upsample_bilinear is deprecated. Use nn.functional.interpolate instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
