"""The sliding-block ops ``Im2Col`` (``unfold``) and ``Col2Im`` (``fold``), adjoint to each other.

``im2col`` copies each kernel offset's strided view of the zero-padded image into its rows of
the columns; ``col2im`` adds the rows back into a zero image and crops the padding. Both are
linear and each is the other's adjoint, so each op's backward is the other op: on arrays the
NumPy function, under ``create_graph=True`` the other op applied to the Tensor gradient (whose
derivative is this op again). One node each, torch's ``Im2ColBackward0`` / ``Col2ImBackward0``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from microtensor.autograd.function import Op
from microtensor.ops import dual


class Blocks(NamedTuple):
    """The geometry of the sliding blocks over an ``(H, W)`` image, each a pair (h, w)."""

    size: tuple[int, int]  # the image's H, W
    kernel: tuple[int, int]
    dilation: tuple[int, int]
    padding: tuple[int, int]
    stride: tuple[int, int]

    def counts(self) -> tuple[int, int]:
        """The number of blocks along H and W."""
        h, w = (
            (n + 2 * p - d * (k - 1) - 1) // s + 1
            for n, k, d, p, s in zip(
                self.size, self.kernel, self.dilation, self.padding, self.stride, strict=True
            )
        )
        return h, w

    def window(self, i: int, j: int) -> tuple[slice, slice]:
        """The strided slices of the padded image that kernel offset ``(i, j)`` reads."""
        (bh, bw), (dh, dw), (sh, sw) = self.counts(), self.dilation, self.stride
        return (
            slice(i * dh, i * dh + sh * (bh - 1) + 1, sh),
            slice(j * dw, j * dw + sw * (bw - 1) + 1, sw),
        )


def im2col(x: np.ndarray, blocks: Blocks) -> np.ndarray:
    """``(N, C, H, W) -> (N, C * kH * kW, L)`` (or the same without N)."""
    if x.ndim == 3:
        return im2col(x[None], blocks)[0]
    (n, c), (kh, kw), (ph, pw) = x.shape[:2], blocks.kernel, blocks.padding
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    bh, bw = blocks.counts()
    cols = np.empty((n, c, kh, kw, bh, bw), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = padded[(..., *blocks.window(i, j))]
    return cols.reshape(n, c * kh * kw, bh * bw)


def col2im(cols: np.ndarray, blocks: Blocks) -> np.ndarray:
    """``(N, C * kH * kW, L) -> (N, C, H, W)``, overlapping entries summed (or without N)."""
    if cols.ndim == 2:
        return col2im(cols[None], blocks)[0]
    (kh, kw), (ph, pw), (h, w) = blocks.kernel, blocks.padding, blocks.size
    n, c = cols.shape[0], cols.shape[1] // (kh * kw)
    bh, bw = blocks.counts()
    cols = cols.reshape(n, c, kh, kw, bh, bw)
    image = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            image[(..., *blocks.window(i, j))] += cols[:, :, i, j]
    return np.ascontiguousarray(image[..., ph : ph + h, pw : pw + w])


class Im2Col(Op, node_name="Im2ColBackward0"):
    """cols = im2col(x);  dcols/dx: the adjoint, col2im of the gradient."""

    complex_grad = True  # a copy of entries: the adjoint is the same for complex values

    @staticmethod
    def forward(ctx: Any, x: Any, blocks: Blocks) -> Any:
        ctx.blocks = blocks
        return im2col(x, blocks)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        if dual.is_array(grad_out):
            return col2im(grad_out, ctx.blocks), None
        return Col2Im.apply(grad_out, ctx.blocks), None


class Col2Im(Op, node_name="Col2ImBackward0"):
    """image = col2im(cols);  dimage/dcols: the adjoint, im2col of the gradient."""

    complex_grad = True

    @staticmethod
    def forward(ctx: Any, cols: Any, blocks: Blocks) -> Any:
        ctx.blocks = blocks
        return col2im(cols, blocks)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        if dual.is_array(grad_out):
            return im2col(grad_out, ctx.blocks), None
        return Im2Col.apply(grad_out, ctx.blocks), None
