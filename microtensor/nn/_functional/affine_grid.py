"""``affine_grid``: the sampling grid of a batch of affine maps, for ``grid_sample``.

One op, ``AffineGridGenerator`` (torch's ``AffineGridGeneratorBackward0``): a matmul of a
constant base grid (the output's normalised coordinates, with a 1) with the transposed
``theta``; its gradient is linear in the upstream gradient.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from microtensor._range_factories import _linspace_as_torch
from microtensor.autograd.function import Op
from microtensor.nn._functional.grid_sample import _align
from microtensor.ops import dual
from microtensor.ops._common import int_sequence
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = ["affine_grid"]


def _base_coords(n: int, align: bool, dtype: np.dtype) -> np.ndarray:
    """PyTorch's ``linspace(-1, 1, n)``, shrunk to pixel centres unless ``align``."""
    if n <= 1:
        return np.zeros(max(n, 0), dtype=dtype)
    coords = _linspace_as_torch(-1, 1, n, dtype)
    return coords if align else coords * dtype.type(n - 1) / dtype.type(n)


class AffineGridGenerator(Op, node_name="AffineGridGeneratorBackward0"):
    """grid[n, p] = theta[n] @ base[p] (base: the constant (P, nd + 1) output coordinates, 1).

    dgrid/dtheta[n] = sum over p of g[n, p] outer base[p] = g[n]^T @ base: linear in g.
    """

    @staticmethod
    def forward(ctx: Any, theta: Any, base: np.ndarray, shape: tuple[int, ...]) -> Any:
        ctx.base = base
        return (base @ np.swapaxes(theta, 1, 2)).reshape(shape)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        n, nd = grad_out.shape[0], grad_out.shape[-1]
        g = grad_out.reshape(n, -1, nd)
        base = ctx.base if dual.is_array(g) else Tensor._make(ctx.base)
        return dual.swap_last(g) @ base, None, None


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """Sampling grid of the affine maps ``theta`` over an output of ``size``.

    Args:
        theta: ``(N, 2, 3)`` for a 4-D ``size`` or ``(N, 3, 4)`` for a 5-D one.
        size: ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        align_corners: -1 and 1 are the corner pixels' centres (True) or edges (False; the
            default, with PyTorch's warning when not given).

    Returns:
        ``(N, H, W, 2)`` (or ``(N, D, H, W, 3)``) of ``(x, y[, z])`` in [-1, 1] units.

    Raises:
        ValueError: for a theta that does not match the size, or a non-floating theta.
        NotImplementedError: for a size that is not 4-D or 5-D.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> identity = mt.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
        >>> F.affine_grid(identity, (1, 1, 2, 2), align_corners=True)
        tensor([[[[-1., -1.],
                  [ 1., -1.]],
        <BLANKLINE>
                 [[-1.,  1.],
                  [ 1.,  1.]]]])
    """
    tensor_input("affine_grid", theta)
    align = _align(align_corners)
    if theta._data.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = int_sequence("affine_grid", "size", 2, size)
    if len(size) not in (4, 5):
        raise NotImplementedError(
            "affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
            f"respectively. Got size {list(size)}."
        )
    nd = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (nd, nd + 1) or theta.shape[0] != size[0]:
        raise ValueError(
            f"Expected a batch of {nd}D affine matrices of shape Nx{nd}x{nd + 1} for size "
            f"{list(size)}. Got {list(theta.shape)}."
        )
    if min(size[2:]) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {list(size)}")
    if align and min(size[2:]) == 1:
        warnings.warn(
            "Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
            "align_corners=True. This is not an intended use case of affine_grid. See the "
            "documentation of affine_grid for details.",
            UserWarning,
            stacklevel=2,
        )
    dtype = theta._data.dtype
    axes = [_base_coords(n, align, dtype) for n in size[2:]]  # (D,) H, W
    mesh = np.meshgrid(*axes, indexing="ij")
    base = np.stack([*reversed(mesh), np.ones_like(mesh[0])], axis=-1)  # x first
    points = math.prod(size[2:])
    grid_shape = (size[0], *size[2:], nd)
    return AffineGridGenerator.apply(theta, base.reshape((points, nd + 1)), grid_shape)  # type: ignore[no-any-return]
