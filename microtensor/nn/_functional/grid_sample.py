"""``grid_sample``: sample an input at normalised positions (a spatial transformer).

One op per rank (torch's ``GridSampler2DBackward0`` / ``GridSampler3DBackward0``) whose
values and derivatives are a composition: it unnormalises the grid, applies the padding rule to
the coordinates (``clamp``, and ``abs`` with constant fold counts for reflection), and sums the
corner values (``gather`` of the input, masked outside it for zero padding) times weights that
are differentiable functions of the coordinates. Gradients flow to both the input and the
grid, with every order of derivative, as PyTorch's (nearest mode gives the grid none). The grid
usually comes from ``affine_grid`` (its own module).
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any

import numpy as np

from microtensor import ops
from microtensor.nn._functional._composite_op import CompositeOp
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = ["grid_sample"]

_DEFAULT_WARNING = (
    "Default grid_sample and affine_grid behavior has changed to align_corners=False since "
    "1.3.0. Please specify align_corners=True if the old behavior is desired. See the "
    "documentation of grid_sample for details."
)


def _align(align_corners: bool | None) -> bool:
    if align_corners is None:
        warnings.warn(_DEFAULT_WARNING, UserWarning, stacklevel=3)
        return False
    return bool(align_corners)


def _unnormalize(coord: Tensor, n: int, align: bool) -> Tensor:
    if align:
        return (coord + 1) / 2 * (n - 1)
    return ((coord + 1) * n - 1) / 2


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """Fold ``coord`` into [low, high] by reflections, as PyTorch's reflect_coordinates."""
    if twice_low == twice_high:
        return coord * 0.0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    dist = ops.abs(coord - low)
    flips = np.floor(dist._data / span)
    extra = dist - Tensor._make(flips * span)
    even = Tensor._make(flips % 2 == 0)
    return ops.where(even, extra + low, span - extra + low)


def _source(coord: Tensor, n: int, padding_mode: str, align: bool) -> Tensor:
    c = _unnormalize(coord, n, align)
    if padding_mode == "border":
        return ops.clamp(c, 0, n - 1)
    if padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (n - 1)) if align else _reflect(c, -1, 2 * n - 1)
        return ops.clamp(c, 0, n - 1)
    return c


def _corner(x_flat: Tensor, index: list[np.ndarray], sizes: tuple[int, ...]) -> Tensor:
    """Input values ``(N, C, P)`` at integer positions (0 outside the input)."""
    inside = np.ones(index[0].shape, dtype=bool)
    flat = np.zeros(index[0].shape, dtype=np.int64)
    for idx, n in zip(index, sizes, strict=True):
        inside &= (idx >= 0) & (idx < n)
        flat = flat * n + np.clip(idx, 0, n - 1)
    n_batch, channels = int(x_flat.shape[0]), int(x_flat.shape[1])
    gather_index = np.broadcast_to(flat[:, None, :], (n_batch, channels, *flat.shape[1:]))
    values = ops.gather(x_flat, 2, Tensor._make(np.ascontiguousarray(gather_index)))
    return ops.where(Tensor._make(inside[:, None, :]), values, 0.0)


def _cubic_weights(t: Tensor) -> list[Tensor]:
    """PyTorch's cubic convolution weights (A = -0.75) of the taps at -1, 0, 1, 2."""
    a = -0.75

    def near(x: Tensor) -> Tensor:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: Tensor) -> Tensor:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _tap_index(index: np.ndarray, n: int, padding_mode: str, align: bool) -> np.ndarray:
    """A bicubic tap's integer position after the padding rule (PyTorch's compute_coordinates)."""
    if padding_mode == "zeros":
        return index
    pos = index.astype(np.float64)
    if padding_mode == "reflection":
        low, high = (0, 2 * (n - 1)) if align else (-1, 2 * n - 1)
        if low == high:
            pos = np.zeros_like(pos)
        else:
            span, dist = (high - low) / 2, np.abs(pos - low / 2)
            flips, extra = np.floor(dist / span), np.fmod(dist, span)
            pos = np.where(flips % 2 == 0, extra + low / 2, span - extra + low / 2)
    return np.clip(pos, 0, n - 1).astype(np.int64)


def _bicubic(
    x_flat: Tensor, raw: list[Tensor], sizes: tuple[int, ...], padding_mode: str, align: bool
) -> Tensor:
    """Sum of 4 x 4 taps around each (unpadded) coordinate, weights differentiable in it."""
    base = [np.floor(c._data) for c in raw]
    weights = [_cubic_weights(c - Tensor._make(b)) for c, b in zip(raw, base, strict=True)]
    result = None
    for taps in itertools.product(range(4), repeat=len(raw)):
        index = [
            _tap_index(b.astype(np.int64) - 1 + k, n, padding_mode, align)
            for b, k, n in zip(base, taps, sizes, strict=True)
        ]
        weight = weights[0][taps[0]] * weights[1][taps[1]]
        term = _corner(x_flat, index, sizes) * ops.unsqueeze(weight, 1)
        result = term if result is None else result + term
    assert result is not None
    return result


def _check_grid_sample(input: Any, grid: Any, mode: str, padding_mode: str) -> int:  # noqa: A002
    tensor_input("grid_sample", input)
    tensor_input("grid_sample", grid)
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(
            "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
            f"'bicubic', but got: '{mode}'"
        )
    if mode == "bicubic" and input.ndim != 4:
        raise RuntimeError(
            f"grid_sampler(): bicubic interpolation only supports 4D input, got {list(input.shape)}"
        )
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(
            "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
            f"'reflection', but got: '{padding_mode}'"
        )
    nd = input.ndim - 2
    if nd not in (2, 3) or grid.ndim != input.ndim or grid.shape[-1] != nd:
        raise RuntimeError(
            "grid_sampler(): expected 4D or 5D input and grid with same number of dimensions "
            f"and a last grid dim of size {nd}, but got input with sizes {list(input.shape)} "
            f"and grid with sizes {list(grid.shape)}"
        )
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(
            "grid_sampler(): expected grid and input to have same batch size, but got input "
            f"with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
        )
    if input._data.dtype != grid._data.dtype or input._data.dtype.kind != "f":
        raise RuntimeError(
            f"grid_sampler(): expected input and grid to have the same floating dtype, but got "
            f"input {input.dtype} and grid {grid.dtype}"
        )
    return nd


def _sample(input: Tensor, grid: Tensor, mode: str, padding_mode: str, align: bool) -> Tensor:  # noqa: A002
    """The sampling as a composition of differentiable ops (the fused op's derivatives)."""
    nd = grid.shape[-1]
    sizes = tuple(input.shape[2:])
    out = tuple(grid.shape[1:-1])
    n_batch, channels = input.shape[:2]
    flat_grid = ops.reshape(grid, (n_batch, -1, nd))
    coords = [
        _source(flat_grid[:, :, nd - 1 - d], sizes[d], padding_mode, align) for d in range(nd)
    ]  # per spatial dim (D,) H, W: shape (N, P)
    x_flat = ops.reshape(input, (n_batch, channels, -1))
    if mode == "bicubic":
        raw = [_unnormalize(flat_grid[:, :, nd - 1 - d], sizes[d], align) for d in range(nd)]
        result = _bicubic(x_flat, raw, sizes, padding_mode, align)
    elif mode == "nearest":
        index = [np.rint(c._data).astype(np.int64) for c in coords]  # rint: half to even
        result = _corner(x_flat, index, sizes)
    else:
        base = [np.floor(c._data) for c in coords]
        frac = [c - Tensor._make(b) for c, b in zip(coords, base, strict=True)]
        result = None
        for offsets in itertools.product((0, 1), repeat=nd):
            factors = [f if o else 1 - f for f, o in zip(frac, offsets, strict=True)]
            weight = factors[0]
            for factor in factors[1:]:
                weight = weight * factor
            index = [b.astype(np.int64) + o for b, o in zip(base, offsets, strict=True)]
            term = _corner(x_flat, index, sizes) * ops.unsqueeze(weight, 1)
            result = term if result is None else result + term
    assert result is not None
    return ops.reshape(result, (n_batch, channels, *out))


class GridSampler(CompositeOp):
    """out = input sampled at grid (the composition ``_sample``), one node, torch's."""

    tensors = 2

    @staticmethod
    def compose(x: Tensor, grid: Tensor, mode: str, padding_mode: str, align: bool) -> Tensor:
        """``_sample``."""
        return _sample(x, grid, mode, padding_mode, align)


class GridSampler2D(GridSampler, node_name="GridSampler2DBackward0"):
    """``grid_sample`` of a 4-D input."""


class GridSampler3D(GridSampler, node_name="GridSampler3DBackward0"):
    """``grid_sample`` of a 5-D input."""


def grid_sample(
    input: Tensor,  # noqa: A002
    grid: Tensor,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool | None = None,
) -> Tensor:
    """Sample ``input`` at the normalised positions ``grid`` (a spatial transformer).

    Args:
        input: ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        grid: ``(N, H_out, W_out, 2)`` (or ``(N, D_out, H_out, W_out, 3)``) of ``(x, y[, z])``
            in [-1, 1]: -1 is the left/top (front) edge, 1 the right/bottom (back) one.
        mode: ``"bilinear"`` (trilinear for 5-D), ``"nearest"`` (halves round to even) or
            ``"bicubic"`` (4-D only; PyTorch's cubic convolution, A = -0.75).
        padding_mode: outside positions read ``"zeros"``, the ``"border"`` value, or the
            ``"reflection"`` of the input.
        align_corners: -1 and 1 are the corner pixels' centres (True) or edges (False; the
            default, with PyTorch's warning when not given).

    Returns:
        ``(N, C, H_out, W_out)`` (or ``(N, C, D_out, H_out, W_out)``).

    Raises:
        ValueError: for an unknown mode or padding mode.
        RuntimeError: for mismatched ranks, batch sizes or dtypes, or bicubic on 5-D input.

    Differs from PyTorch: in ``"nearest"`` mode the grid gets no gradient (None) where
    PyTorch gives zeros.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> x = mt.tensor([[[[0.0, 10.0]]]])
        >>> F.grid_sample(x, mt.tensor([[[[0.0, 0.0]]]]), align_corners=True)
        tensor([[[[5.]]]])
    """
    nd = _check_grid_sample(input, grid, mode, padding_mode)
    align = _align(align_corners)
    op = GridSampler2D if nd == 2 else GridSampler3D
    return op.apply(input, grid, mode, padding_mode, align)  # type: ignore[no-any-return]


_MODES = ("bilinear", "nearest", "bicubic")
_PADDING_MODES = ("zeros", "border", "reflection")


def grid_sampler(
    input: Tensor,  # noqa: A002
    grid: Tensor,
    interpolation_mode: int,
    padding_mode: int,
    align_corners: bool,
) -> Tensor:
    """``grid_sample`` with PyTorch's integer codes for the modes (``torch.grid_sampler``).

    Args:
        input: ``(N, C, H, W)`` or ``(N, C, D, H, W)``.
        grid: ``(N, H_out, W_out, 2)`` or ``(N, D_out, H_out, W_out, 3)``.
        interpolation_mode: 0 bilinear, 1 nearest, 2 bicubic.
        padding_mode: 0 zeros, 1 border, 2 reflection.
        align_corners: as in ``grid_sample``.

    Returns:
        ``grid_sample(input, grid, mode, padding_mode, align_corners)``.

    Raises:
        RuntimeError: for a code out of range, or what ``grid_sample`` raises.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[[[0.0, 10.0]]]])
        >>> mt.grid_sampler(x, mt.tensor([[[[0.0, 0.0]]]]), 0, 0, True)
        tensor([[[[5.]]]])
    """
    for name, code, names in (
        ("interpolation_mode", interpolation_mode, _MODES),
        ("padding_mode", padding_mode, _PADDING_MODES),
    ):
        if not 0 <= code < len(names):
            raise RuntimeError(
                f"grid_sampler(): expected {name} to be 0, 1 or 2 "
                f"({', '.join(names)}), but got {code}"
            )
    return grid_sample(
        input, grid, _MODES[interpolation_mode], _PADDING_MODES[padding_mode], align_corners
    )


def _grid_sampler_nd(name: str, nd: int, input: Tensor, grid: Tensor) -> None:  # noqa: A002
    if input.ndim != nd + 2 or grid.ndim != nd + 2:
        raise RuntimeError(
            f"{name}(): expected {nd + 2}D input and grid with same number of dimensions, but "
            f"got input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}: "
            f"use grid_sampler_{5 - nd}d or grid_sampler for {7 - nd}D tensors"
        )


def grid_sampler_2d(
    input: Tensor,  # noqa: A002
    grid: Tensor,
    interpolation_mode: int,
    padding_mode: int,
    align_corners: bool,
) -> Tensor:
    """``grid_sampler`` for 4-D input and grid (``torch.grid_sampler_2d``).

    Args:
        input: ``(N, C, H, W)``.
        grid: ``(N, H_out, W_out, 2)``.
        interpolation_mode: 0 bilinear, 1 nearest, 2 bicubic.
        padding_mode: 0 zeros, 1 border, 2 reflection.
        align_corners: as in ``grid_sample``.

    Returns:
        ``(N, C, H_out, W_out)``.

    Raises:
        RuntimeError: if the input or grid is not 4-D, or what ``grid_sampler`` raises.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[[[0.0, 10.0]]]])
        >>> mt.grid_sampler_2d(x, mt.tensor([[[[0.5, 0.0]]]]), 0, 0, True)
        tensor([[[[7.5000]]]])
    """
    _grid_sampler_nd("grid_sampler_2d", 2, input, grid)
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)


def grid_sampler_3d(
    input: Tensor,  # noqa: A002
    grid: Tensor,
    interpolation_mode: int,
    padding_mode: int,
    align_corners: bool,
) -> Tensor:
    """``grid_sampler`` for 5-D input and grid (``torch.grid_sampler_3d``).

    Args:
        input: ``(N, C, D, H, W)``.
        grid: ``(N, D_out, H_out, W_out, 3)``.
        interpolation_mode: 0 bilinear (trilinear) or 1 nearest (bicubic is 4-D only).
        padding_mode: 0 zeros, 1 border, 2 reflection.
        align_corners: as in ``grid_sample``.

    Returns:
        ``(N, C, D_out, H_out, W_out)``.

    Raises:
        RuntimeError: if the input or grid is not 5-D, for bicubic, or what
            ``grid_sampler`` raises.

    Example:
        >>> import microtensor as mt
        >>> x = mt.tensor([[[[[0.0, 10.0]]]]])
        >>> mt.grid_sampler_3d(x, mt.tensor([[[[[0.0, 0.0, 0.0]]]]]), 0, 0, True)
        tensor([[[[[5.]]]]])
    """
    _grid_sampler_nd("grid_sampler_3d", 3, input, grid)
    return grid_sampler(input, grid, interpolation_mode, padding_mode, align_corners)
