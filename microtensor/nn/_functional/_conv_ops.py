"""The convolution ops behind ``conv1d/2d`` and ``conv_transpose1d/2d`` (any number of dims).

Three ops over any number of spatial dims form a closed family, so every derivative of every
order is again one of them (``x`` input, ``w`` weight, ``g`` upstream gradient):

* ``Conv``:           y = conv(x, w);       dy/dx = conv_t(g, w),  dy/dw = wgrad(x, g)
* ``ConvTranspose``:  y = conv_t(x, w);     dy/dx = conv(g, w),    dy/dw = wgrad(g, x)
* ``ConvWeightGrad``: y = wgrad(x, h);      dy/dx = conv_t(h, g),  dy/dh = conv(x, g)

On arrays each is direct NumPy: a strided window view of the padded input and one
``tensordot`` per group (im2col); ``conv_t`` multiplies first and adds the columns back with
one slice-add per kernel offset (col2im).
"""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from microtensor.autograd.function import Op
from microtensor.ops import dual

__all__: list[str] = []


class Geometry(NamedTuple):
    """Stride, (before, after) zero padding, dilation per spatial dim, and groups."""

    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    groups: int


# --- array kernels ---------------------------------------------------------------------------


def _pad(x: np.ndarray, padding: tuple[tuple[int, int], ...]) -> np.ndarray:
    if not any(lo or hi for lo, hi in padding):
        return x
    return np.pad(x, ((0, 0), (0, 0), *padding))


def _windows(x: np.ndarray, kernel: tuple[int, ...], geo: Geometry) -> np.ndarray:
    """View (N, C, *out, *kernel) of the padded input: the receptive field of each output."""
    nd = len(kernel)
    extent = [d * (k - 1) + 1 for k, d in zip(kernel, geo.dilation, strict=True)]
    view = sliding_window_view(_pad(x, geo.padding), extent, axis=tuple(range(2, 2 + nd)))
    key: tuple[Any, ...] = (..., *[slice(None, None, s) for s in geo.stride])
    return view[(*key, *[slice(None, None, d) for d in geo.dilation])]


def conv_arrays(x: np.ndarray, w: np.ndarray, geo: Geometry) -> np.ndarray:
    """Cross-correlation y[n, o, p] = sum_{c, k} w[o, c, k] * xpad[n, c, p * s + k * d]."""
    nd = w.ndim - 2
    win = _windows(x, w.shape[2:], geo)
    k_axes = list(range(2 + nd, 2 + 2 * nd))
    w_axes = list(range(1, 2 + nd))
    g, cin, cout = geo.groups, w.shape[1], w.shape[0] // geo.groups
    axes = ([1, *k_axes], w_axes)
    parts = [
        np.tensordot(win[:, i * cin : (i + 1) * cin], w[i * cout : (i + 1) * cout], axes)
        for i in range(g)
    ]
    out = parts[0] if g == 1 else np.concatenate(parts, axis=-1)
    return np.ascontiguousarray(np.moveaxis(out, -1, 1))


def conv_t_arrays(x: np.ndarray, w: np.ndarray, geo: Geometry, size: tuple[int, ...]) -> np.ndarray:
    """The adjoint of ``conv_arrays`` in x, cropped (or zero-extended) to spatial ``size``."""
    nd = w.ndim - 2
    g, cin, cout = geo.groups, w.shape[0] // geo.groups, w.shape[1]
    parts = [
        np.tensordot(x[:, i * cin : (i + 1) * cin], w[i * cin : (i + 1) * cin], ([1], [0]))
        for i in range(g)
    ]  # each (N, *in, cout, *kernel)
    cols = parts[0] if g == 1 else np.concatenate(parts, axis=1 + nd)
    cols = np.moveaxis(cols, 1 + nd, 1)  # (N, Cout, *in, *kernel)
    kernel, in_size = w.shape[2:], x.shape[2:]
    dims = zip(in_size, geo.stride, geo.dilation, kernel, geo.padding, size, strict=True)
    full = [max((i - 1) * s + d * (k - 1) + 1, lo + n) for i, s, d, k, (lo, _), n in dims]
    out = np.zeros((x.shape[0], g * cout, *full), dtype=np.result_type(x, w))
    for offset in itertools.product(*[range(k) for k in kernel]):
        target = tuple(
            slice(o * d, o * d + (i - 1) * s + 1, s)
            for o, d, i, s in zip(offset, geo.dilation, in_size, geo.stride, strict=True)
        )
        column: tuple[Any, ...] = (..., *offset)
        out[(slice(None), slice(None), *target)] += cols[column]
    crop = tuple(slice(lo, lo + n) for (lo, _), n in zip(geo.padding, size, strict=True))
    return out[(slice(None), slice(None), *crop)]


def wgrad_arrays(x: np.ndarray, h: np.ndarray, geo: Geometry, kernel: tuple[int, ...]) -> Any:
    """dw[o, c, k] = sum_{n, p} h[n, o, p] * xpad[n, c, p * s + k * d] (the weight gradient)."""
    nd = len(kernel)
    win = _windows(x, kernel, geo)
    win = win[(slice(None), slice(None), *[slice(0, n) for n in h.shape[2:]])]
    g, cin, cout = geo.groups, x.shape[1] // geo.groups, h.shape[1] // geo.groups
    spatial = list(range(2, 2 + nd))
    axes = ([0, *spatial], [0, *spatial])
    parts = [
        np.tensordot(h[:, i * cout : (i + 1) * cout], win[:, i * cin : (i + 1) * cin], axes)
        for i in range(g)
    ]
    return parts[0] if g == 1 else np.concatenate(parts, axis=0)


# --- dual dispatch: arrays -> kernels, Tensors -> the recorded ops ----------------------------


def _fit(y: Any, size: tuple[int, ...]) -> Any:
    """Crop trailing positions beyond ``size`` (only when output_padding >= stride)."""
    if tuple(y.shape[2:]) == tuple(size):
        return y
    return y[(slice(None), slice(None), *[slice(0, n) for n in size])]


def _conv(x: Any, w: Any, geo: Geometry, size: tuple[int, ...]) -> Any:
    if dual.is_array(x) and dual.is_array(w):
        return _fit(conv_arrays(x, w, geo), size)
    return _fit(Conv.apply(x, w, None, geo), size)


def _conv_t(x: Any, w: Any, geo: Geometry, size: tuple[int, ...]) -> Any:
    if dual.is_array(x) and dual.is_array(w):
        return conv_t_arrays(x, w, geo, size)
    return ConvTranspose.apply(x, w, None, geo, size)


def _wgrad(x: Any, h: Any, geo: Geometry, kernel: tuple[int, ...]) -> Any:
    if dual.is_array(x) and dual.is_array(h):
        return wgrad_arrays(x, h, geo, kernel)
    return ConvWeightGrad.apply(x, h, geo, kernel)


def _bias_grad(grad_out: Any) -> Any:
    return dual.sum(grad_out, tuple([0, *range(2, grad_out.ndim)]))


def _add_bias(out: np.ndarray, b: Any) -> np.ndarray:
    if b is not None:
        out += b.reshape((-1,) + (1,) * (out.ndim - 2))
    return out


class Conv(Op):
    """y = conv(x, w) + b;  dy/dx = conv_t(g, w),  dy/dw = wgrad(x, g),  dy/db = sum(g)."""

    @staticmethod
    def forward(ctx: Any, x: Any, w: Any, b: Any, geo: Geometry) -> Any:
        ctx.save_for_backward(x, w)
        ctx.geo = geo
        return _add_bias(conv_arrays(x, w, geo), b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        x, w = ctx.saved_tensors
        needs, geo = ctx.needs_input_grad, ctx.geo
        grad_x = _conv_t(grad_out, w, geo, tuple(x.shape[2:])) if needs[0] else None
        grad_w = _wgrad(x, grad_out, geo, tuple(w.shape[2:])) if needs[1] else None
        return grad_x, grad_w, _bias_grad(grad_out) if needs[2] else None, None


class ConvTranspose(Op):
    """y = conv_t(x, w) + b;  dy/dx = conv(g, w),  dy/dw = wgrad(g, x),  dy/db = sum(g)."""

    @staticmethod
    def forward(ctx: Any, x: Any, w: Any, b: Any, geo: Geometry, size: tuple[int, ...]) -> Any:
        ctx.save_for_backward(x, w)
        ctx.geo = geo
        return _add_bias(conv_t_arrays(x, w, geo, size), b)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        x, w = ctx.saved_tensors
        needs, geo = ctx.needs_input_grad, ctx.geo
        grad_x = _conv(grad_out, w, geo, tuple(x.shape[2:])) if needs[0] else None
        grad_w = _wgrad(grad_out, x, geo, tuple(w.shape[2:])) if needs[1] else None
        return grad_x, grad_w, _bias_grad(grad_out) if needs[2] else None, None, None


class ConvWeightGrad(Op):
    """y = wgrad(x, h) (bilinear);  dy/dx = conv_t(h, g),  dy/dh = conv(x, g)."""

    @staticmethod
    def forward(ctx: Any, x: Any, h: Any, geo: Geometry, kernel: tuple[int, ...]) -> Any:
        ctx.save_for_backward(x, h)
        ctx.geo = geo
        return wgrad_arrays(x, h, geo, kernel)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        x, h = ctx.saved_tensors
        needs, geo = ctx.needs_input_grad, ctx.geo
        grad_x = _conv_t(h, grad_out, geo, tuple(x.shape[2:])) if needs[0] else None
        grad_h = _conv(x, grad_out, geo, tuple(h.shape[2:])) if needs[1] else None
        return grad_x, grad_h, None, None
