"""The max pooling op, ``MaxPool``: a fast path for windows that tile the input, and any windows.

Both find the maximum of each window by walking the K kernel offsets: offset j of every window
is one strided view of the input, shaped like the output, so the max is K - 1 elementwise
``maximum`` calls over whole arrays; the index of the maximum (as PyTorch: the first one in
row-major window order, or the last NaN) comes from K comparisons. That is much faster than
``argmax`` over a copied window axis, and it never builds a (windows x K) temporary.

The block path is the common case of ``kernel == stride`` without padding or dilation, on an
input the windows tile exactly: the windows are then a plain reshape of the input, and the
backward is the upstream gradient spread over each window times the 0/1 mask of the maxima
(no scatter). Other windows scatter the gradient to the flat positions of the maxima
(``np.bincount`` on arrays, ``index_add`` on Tensors), which also sums overlapping windows.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import dual
from microtensor.tensor import Tensor


def first_max(views: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The elementwise max of same-shape ``views`` and, per view, where it has the first max.

    Each window's maximum is marked in exactly one of the returned bool arrays: the first of
    equal maxima; in a window with NaNs (its max is NaN) the last NaN, as PyTorch's scan
    (``val > max or isnan(val)``) picks.
    """
    y = views[0].copy()
    for v in views[1:]:
        np.maximum(y, v, out=y)  # propagates NaN
    hits, found = _first_true([v == y for v in views])
    if y.dtype.kind == "f" and not found.all():  # some window has no equal element: a NaN max
        nan_hits, _ = _first_true([np.isnan(v) for v in reversed(views)])
        hits = [hit | nan_hit for hit, nan_hit in zip(hits, reversed(nan_hits), strict=True)]
    return y, hits


def _first_true(matches: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """Per bool array, where it is the first True at its position; and where any is True."""
    hits, taken = [matches[0]], matches[0].copy()
    for match in matches[1:]:
        hit = match > taken  # True here and not before
        taken |= hit
        hits.append(hit)
    return hits, taken


def is_blocks(
    shape: tuple[int, ...], kernel: Any, stride: Any, dilation: Any, pads: Any, out: Any
) -> bool:
    """True when the windows tile the input exactly: kernel == stride, no padding or dilation."""
    return (
        tuple(kernel) == tuple(stride)
        and all(d == 1 for d in dilation)
        and not any(map(any, pads))
        and all(o * k == n for o, k, n in zip(out, kernel, shape[2:], strict=True))
    )


def _blocks_forward(ctx: Any, x: np.ndarray, kernel: Any, out: Any) -> tuple[Any, Any]:
    """The block path: the windows are the (k1, k2, ...) dims of x reshaped to (N, C, o1, k1, ...).

    Returns y and a function giving the indices; keeps the 0/1 mask of the maxima on ``ctx``.
    """
    batch = x.shape[:2]
    blocks = x.reshape(batch + tuple(itertools.chain(*zip(out, kernel, strict=True))))
    offsets = list(itertools.product(*[range(k) for k in kernel]))
    keys = [(slice(None),) * 2 + _block_key(offset) for offset in offsets]
    y, hits = first_max([blocks[key] for key in keys])
    ctx.kernel, ctx.in_shape, ctx.block_shape = kernel, x.shape, blocks.shape
    ctx.one_per_block = (*batch, *itertools.chain(*[(o, 1) for o in out]))
    if ctx.needs_input_grad[0]:
        mask = np.empty(blocks.shape, dtype=bool)
        for key, hit in zip(keys, hits, strict=True):
            mask[key] = hit
        ctx.mask = mask.reshape(x.shape)
    return y, (lambda: _block_indices(x.shape[2:], kernel, out, offsets, hits))


def _blocks_backward(ctx: Any, grad_out: Any) -> Any:
    """The upstream gradient spread over each block, kept where the mask of maxima is 1."""
    if not dual.is_array(grad_out):
        spread = dual.expand(grad_out.reshape(ctx.one_per_block), ctx.block_shape)
        return dual.where(ctx.mask, spread.reshape(ctx.in_shape), 0.0)
    spread = grad_out  # np.repeat: ~2x faster than broadcasting over size-1 dims
    for i, k in enumerate(ctx.kernel):
        spread = spread.repeat(k, axis=2 + i)
    if np.isfinite(grad_out).all():  # a product is much faster than where on such masks
        spread *= ctx.mask
        return spread
    return np.where(ctx.mask, spread, 0)  # nan/inf upstream: only the maxima get them


def _block_key(offset: tuple[int, ...]) -> tuple[Any, ...]:
    """The key of kernel offset ``offset`` in every block of the (o1, k1, o2, k2, ...) dims."""
    return tuple(itertools.chain(*[(slice(None), c) for c in offset]))


def _block_indices(
    plane: tuple[int, ...], kernel: Any, out: Any, offsets: list[Any], hits: list[np.ndarray]
) -> np.ndarray:
    """The flat index (over the input plane) of each block's first maximum."""
    strides = [math.prod(plane[i + 1 :]) for i in range(len(plane))]
    indices = np.zeros(hits[0].shape, dtype=np.int64)
    for offset, hit in zip(offsets[1:], hits[1:], strict=True):  # a product, not a masked copy
        indices += hit * sum(c * s for c, s in zip(offset, strides, strict=True))
    nd = len(plane)
    for i, (o, k, s) in enumerate(zip(out, kernel, strides, strict=True)):
        indices += (np.arange(o) * (k * s)).reshape((-1,) + (1,) * (nd - 1 - i))
    return indices


def _scatter(grad_out: Any, flat: np.ndarray, shape: tuple[int, ...]) -> Any:
    """Sum ``grad_out`` into a zero array of ``shape`` at the flat positions ``flat``."""
    size = math.prod(shape)
    if dual.is_array(grad_out):
        summed = np.bincount(flat.ravel(), grad_out.ravel(), minlength=size)
        return summed.astype(grad_out.dtype, copy=False).reshape(shape)
    zeros = Tensor._make(np.zeros(size, dtype=grad_out._data.dtype))
    index = Tensor._make(flat.ravel())
    return ops.index_add(zeros, 0, index, grad_out.reshape((-1,))).reshape(shape)


class MaxPool(Op):
    """y = max over each window of x;  dy/dx = g at the window's maximum, 0 elsewhere.

    Windows that tile x (``is_blocks``) take the block path: dy/dx = g spread over each block
    times the 0/1 mask of the maxima. Other windows scatter g to the maxima's flat positions,
    which also sums overlapping windows.
    """

    @staticmethod
    def forward(
        ctx: Any,
        x: Any,
        kernel: Any,
        stride: Any,
        dilation: Any,
        pads: Any,
        out: Any,
        with_indices: bool = True,
    ) -> Any:
        ctx.blocks = is_blocks(x.shape, kernel, stride, dilation, pads, out)
        if ctx.blocks:
            y, indices = _blocks_forward(ctx, x, kernel, out)
        else:
            y, indices = _windows_forward(ctx, x, kernel, stride, dilation, pads, out)
        if not with_indices:  # each path returns its indices as a function: computed if asked
            return y
        indices = indices()
        ctx.mark_non_differentiable(indices)
        return y, indices

    @staticmethod
    def backward(ctx: Any, grad_out: Any, grad_indices: Any = None) -> Any:
        if ctx.blocks:
            return _blocks_backward(ctx, grad_out)
        grad = _scatter(grad_out, ctx.flat, ctx.padded_shape)
        crop = [slice(lo, lo + n) for (lo, _), n in zip(ctx.pads, ctx.in_shape[2:], strict=True)]
        if any(map(any, ctx.pads)) or tuple(grad.shape) != tuple(ctx.in_shape):
            grad = grad[(slice(None), slice(None), *crop)]
        return grad


# torch's nodes: max_pool2d/3d with indices; max_pool1d runs max_pool2d and squeezes.
class MaxPool1D(MaxPool, node_name="SqueezeBackward1"):
    """``max_pool1d``."""


class MaxPool2D(MaxPool, node_name="MaxPool2DWithIndicesBackward0"):
    """``max_pool2d``."""


class MaxPool3D(MaxPool, node_name="MaxPool3DWithIndicesBackward0"):
    """``max_pool3d``."""


MAX_POOLS = {1: MaxPool1D, 2: MaxPool2D, 3: MaxPool3D}


def _windows_forward(
    ctx: Any, x: np.ndarray, kernel: Any, stride: Any, dilation: Any, pads: Any, out: Any
) -> tuple[Any, Any]:
    """The general path: y, a function giving the indices; the maxima's positions on ``ctx``."""
    nd = len(kernel)
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    padded = x
    if any(map(any, pads)):
        padded = np.pad(x, ((0, 0), (0, 0), *pads), constant_values=fill)
    extent = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    view: Any = sliding_window_view(padded, extent, axis=tuple(range(2, 2 + nd)))
    steps = [slice(None, (n - 1) * s + 1, s) for n, s in zip(out, stride, strict=True)]
    view = view[(..., *steps, *[slice(None, None, d) for d in dilation])]
    offsets = list(itertools.product(*[range(k) for k in kernel]))
    y, hits = first_max([view[(..., *offset)] for offset in offsets])
    arg = np.zeros(y.shape, dtype=np.intp)
    for j, hit in enumerate(hits[1:], 1):  # a product: a masked copy is slow on random masks
        arg += hit * j
    coords = np.unravel_index(arg, kernel)
    pos = [
        np.arange(n).reshape((-1,) + (1,) * (nd - 1 - i)) * s + c * d
        for i, (n, s, c, d) in enumerate(zip(out, stride, coords, dilation, strict=True))
    ]  # padded coordinates of each maximum
    ctx.padded_shape = padded.shape
    ctx.pads, ctx.in_shape = pads, x.shape
    plane = math.prod(padded.shape[2:])
    ctx.flat = np.ravel_multi_index(pos, padded.shape[2:]) + plane * np.arange(
        x.shape[0] * x.shape[1]
    ).reshape((x.shape[0], x.shape[1]) + (1,) * nd)
    unpadded = [p - lo for p, (lo, _) in zip(pos, pads, strict=True)]
    return y, lambda: np.ravel_multi_index(unpadded, x.shape[2:]).astype(np.int64, copy=False)
