"""The pick of each window's maximum as one op: adaptive and fractional max pooling's nodes.

The windows' first maxima are found in NumPy (flat spatial positions, a constant); the op
``PickMax`` then reads ``x`` at those positions, so the output has torch's single node
(``AdaptiveMaxPool2DBackward0``, ``FractionalMaxPool3DBackward0`` ...) instead of a gather and
a max. Its backward adds the gradient into the picked positions (windows may overlap, so
positions repeat): ``bincount`` on arrays, ``scatter_add`` under ``create_graph=True``, whose
own derivative is the pick again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.tensor import Tensor


class PickMax(Op):
    """y = x at the flat spatial positions ``index`` (one per output);  dy/dx: g added there.

    ``x`` is ``(*lead, *spatial)``, ``index`` ``(B, P)`` with ``B = prod(lead)``; ``y`` is
    ``(*lead, *out)``.
    """

    @staticmethod
    def forward(ctx: Any, x: Any, index: np.ndarray, nd: int, out: tuple[int, ...]) -> Any:
        lead = x.shape[: x.ndim - nd]
        ctx.index, ctx.in_shape, ctx.nd = index, x.shape, nd
        flat = x.reshape(index.shape[0], math.prod(x.shape[x.ndim - nd :]))
        return np.take_along_axis(flat, index, 1).reshape((*lead, *out))

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        index, shape = ctx.index, ctx.in_shape
        rows, spatial = index.shape[0], math.prod(shape[len(shape) - ctx.nd :])
        g = grad_out.reshape(rows, index.shape[1])
        if dual.is_array(g):
            flat = (index + np.arange(rows)[:, None] * spatial).ravel()
            summed = np.bincount(flat, g.ravel(), rows * spatial).astype(g.dtype, copy=False)
            return summed.reshape(shape), None, None, None
        zeros = Tensor._make(np.zeros((rows, spatial), dtype=g._data.dtype))
        added = ops.scatter_add(zeros, 1, Tensor._make(index), g)
        return added.reshape(shape), None, None, None


class AdaptiveMaxPool2D(PickMax, node_name="AdaptiveMaxPool2DBackward0"):
    """``adaptive_max_pool2d`` (and 1d, on the unsqueezed input, as torch)."""


class AdaptiveMaxPool3D(PickMax, node_name="AdaptiveMaxPool3DBackward0"):
    """``adaptive_max_pool3d``."""


class FractionalMaxPool2D(PickMax, node_name="FractionalMaxPool2DBackward0"):
    """``fractional_max_pool2d``."""


class FractionalMaxPool3D(PickMax, node_name="FractionalMaxPool3DBackward0"):
    """``fractional_max_pool3d``."""
