"""The separable resampling op, ``Resample``: interpolation and adaptive average pooling.

Every mode of ``interpolate`` and adaptive average pooling is a linear map applied to one
spatial dim after the other: nearest modes pick input positions along the dim (an index);
linear, cubic, antialiased and averaging modes multiply the dim by a constant ``(out, in)``
matrix. One op runs the whole chain, so the output has one graph node carrying torch's name
(``UpsampleBilinear2DBackward0``, ``AdaptiveAvgPool2DBackward0`` ...); the subclasses below
only give those names.

The backward is the adjoint chain (the same dims in reverse): ``M.T`` for a matrix, a sum
into the picked positions for an index. It does not depend on x, so under
``create_graph=True`` it is written with differentiable ops (``matmul``, ``index_add``) on
the upstream gradient and its own derivative is the forward map again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.tensor import Tensor

# One step of the chain: (dim, index, matrix); exactly one of index and matrix is an array.
Step = tuple[int, "np.ndarray | None", "np.ndarray | None"]


def _times_matrix(x: np.ndarray, dim: int, matrix: np.ndarray) -> np.ndarray:
    """``x`` with dim ``dim`` multiplied by ``matrix`` (``(in, out)``): one BLAS call on rows."""
    moved = np.moveaxis(x, dim, -1)
    rows = np.ascontiguousarray(moved).reshape(math.prod(moved.shape[:-1]), matrix.shape[0])
    rows = rows @ matrix
    return np.moveaxis(rows.reshape((*moved.shape[:-1], matrix.shape[1])), -1, dim)


def _sum_into(g: np.ndarray, dim: int, index: np.ndarray, n: int) -> np.ndarray:
    """Zeros of size ``n`` along ``dim`` with ``g[..., j, ...]`` added at ``index[j]``.

    A nearest index never decreases, so the outputs of one input position are one run:
    ``np.add.reduceat`` sums each run in one pass (no scatter).
    """
    if index.size == 0:
        shape = list(g.shape)
        shape[dim] = n
        return np.zeros(shape, dtype=g.dtype)
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
    summed = np.add.reduceat(g, starts, axis=dim)
    if len(starts) == n:  # every input position is picked (upsampling)
        return summed
    shape = list(g.shape)
    shape[dim] = n
    grad = np.zeros(shape, dtype=g.dtype)
    key: list[Any] = [slice(None)] * g.ndim
    key[dim] = index[starts]
    grad[tuple(key)] = summed
    return grad


class Resample(Op):
    """y = x mapped along each step's dim: x picked at an index, or times an (out, in) matrix M.

    dy/dx: g through the steps in reverse, each by its adjoint: M.T, or g summed into the
    picked positions. The map is linear and constant, so dy/dx needs no saved input.
    """

    complex_grad = True  # real coefficients: the adjoint is the same for complex values

    @staticmethod
    def forward(ctx: Any, x: Any, steps: tuple[Step, ...]) -> Any:
        ctx.steps, ctx.sizes = steps, []
        for dim, index, matrix in steps:
            ctx.sizes.append(x.shape[dim])
            if index is not None:
                x = np.take(x, index, axis=dim)
            else:
                x = _times_matrix(x, dim, matrix.T)  # type: ignore[union-attr]
        return x

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        g = grad_out
        for (dim, index, matrix), n in zip(reversed(ctx.steps), reversed(ctx.sizes), strict=True):
            if dual.is_array(g):
                g = (
                    _sum_into(g, dim, index, n)
                    if index is not None
                    else _times_matrix(g, dim, matrix)
                )
            elif index is not None:
                shape = list(g.shape)
                shape[dim] = n
                zeros = Tensor._make(np.zeros(shape, dtype=g._data.dtype))
                g = ops.index_add(zeros, dim, Tensor._make(index), g)
            else:
                moved = ops.matmul(ops.movedim(g, dim, -1), Tensor._make(matrix))
                g = ops.movedim(moved, -1, dim)
        return g, None


# torch's node names, one per kernel; adaptive_avg_pool1d runs adaptive_avg_pool2d and squeezes.
class UpsampleNearest1D(Resample, node_name="UpsampleNearest1DBackward0"):
    """``interpolate(mode="nearest")`` of a 3-D input."""


class UpsampleNearest2D(Resample, node_name="UpsampleNearest2DBackward0"):
    """``interpolate(mode="nearest")`` of a 4-D input."""


class UpsampleNearest3D(Resample, node_name="UpsampleNearest3DBackward0"):
    """``interpolate(mode="nearest")`` of a 5-D input."""


class UpsampleNearestExact1D(Resample, node_name="UpsampleNearestExact1DBackward0"):
    """``interpolate(mode="nearest-exact")`` of a 3-D input."""


class UpsampleNearestExact2D(Resample, node_name="UpsampleNearestExact2DBackward0"):
    """``interpolate(mode="nearest-exact")`` of a 4-D input."""


class UpsampleNearestExact3D(Resample, node_name="UpsampleNearestExact3DBackward0"):
    """``interpolate(mode="nearest-exact")`` of a 5-D input."""


class UpsampleLinear1D(Resample, node_name="UpsampleLinear1DBackward0"):
    """``interpolate(mode="linear")``."""


class UpsampleBilinear2D(Resample, node_name="UpsampleBilinear2DBackward0"):
    """``interpolate(mode="bilinear")``."""


class UpsampleBicubic2D(Resample, node_name="UpsampleBicubic2DBackward0"):
    """``interpolate(mode="bicubic")``."""


class UpsampleTrilinear3D(Resample, node_name="UpsampleTrilinear3DBackward0"):
    """``interpolate(mode="trilinear")``."""


class UpsampleBilinear2DAa(Resample, node_name="UpsampleBilinear2DAaBackward0"):
    """``interpolate(mode="bilinear", antialias=True)``."""


class UpsampleBicubic2DAa(Resample, node_name="UpsampleBicubic2DAaBackward0"):
    """``interpolate(mode="bicubic", antialias=True)``."""


class AdaptiveAvgPool1D(Resample, node_name="SqueezeBackward1"):
    """``adaptive_avg_pool1d``."""


class AdaptiveAvgPool2D(Resample, node_name="AdaptiveAvgPool2DBackward0"):
    """``adaptive_avg_pool2d``."""


class AdaptiveAvgPool3D(Resample, node_name="AdaptiveAvgPool3DBackward0"):
    """``adaptive_avg_pool3d``."""


# (mode, number of spatial dims, antialias) -> the op
UPSAMPLES: dict[tuple[str, int, bool], type[Resample]] = {
    ("nearest", 1, False): UpsampleNearest1D,
    ("nearest", 2, False): UpsampleNearest2D,
    ("nearest", 3, False): UpsampleNearest3D,
    ("nearest-exact", 1, False): UpsampleNearestExact1D,
    ("nearest-exact", 2, False): UpsampleNearestExact2D,
    ("nearest-exact", 3, False): UpsampleNearestExact3D,
    ("linear", 1, False): UpsampleLinear1D,
    ("bilinear", 2, False): UpsampleBilinear2D,
    ("bicubic", 2, False): UpsampleBicubic2D,
    ("trilinear", 3, False): UpsampleTrilinear3D,
    ("bilinear", 2, True): UpsampleBilinear2DAa,
    ("bicubic", 2, True): UpsampleBicubic2DAa,
}
ADAPTIVE_AVG_POOLS: dict[int, type[Resample]] = {
    1: AdaptiveAvgPool1D,
    2: AdaptiveAvgPool2D,
    3: AdaptiveAvgPool3D,
}
