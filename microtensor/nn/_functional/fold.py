"""Sliding blocks: ``unfold`` (im2col) and its adjoint ``fold`` (col2im).

Each is one op of ``_im2col_ops`` (torch's ``Im2ColBackward0`` and ``Col2ImBackward0``), the
other's adjoint, so the derivatives of every order are these two ops again.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from microtensor.nn._functional._conv_ops import Geometry
from microtensor.nn._functional._im2col_ops import Blocks, Col2Im, Im2Col
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = ["fold", "unfold"]


def _pair(value: Any, name: str, op: str) -> tuple[int, int]:
    values = (value, value) if isinstance(value, int) else tuple(value)
    if len(values) != 2 or not all(isinstance(v, int | np.integer) for v in values):
        raise ValueError(f"{op}(): {name} must be an int or a pair of ints, got {value!r}")
    return int(values[0]), int(values[1])


def _blocks_of(size: tuple[int, int], kernel: tuple[int, int], geo: Geometry) -> Blocks:
    padding = (geo.padding[0][0], geo.padding[1][0])
    return Blocks(size, kernel, geo.dilation, padding, geo.stride)  # type: ignore[arg-type]


def _geometry(
    op: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any, groups: int
) -> tuple[tuple[int, int], Geometry]:
    kernel = _pair(kernel_size, "kernel_size", op)
    dil, pad, step = (_pair(v, n, op) for v, n in ((dilation, "dilation"), (padding, "padding"),
                                                      (stride, "stride")))  # fmt: skip
    if min(*kernel, *dil, *step) < 1 or min(pad) < 0:
        raise RuntimeError(
            f"{op}(): kernel_size, dilation and stride must be positive and padding "
            f"non-negative, got kernel_size={kernel}, dilation={dil}, padding={pad}, "
            f"stride={step}"
        )
    return kernel, Geometry(step, tuple((p, p) for p in pad), dil, groups)


def _blocks(size: tuple[int, ...], kernel: tuple[int, int], geo: Geometry) -> list[int]:
    return [
        (n + 2 * p - d * (k - 1) - 1) // s + 1
        for n, k, (p, _), d, s in zip(size, kernel, geo.padding, geo.dilation, geo.stride,
                                      strict=True)
    ]  # fmt: skip


def unfold(
    input: Tensor,  # noqa: A002
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Tensor:
    """Extract sliding ``kH x kW`` blocks of ``(N, C, H, W)`` as columns (im2col).

    Args:
        input: shape ``(N, C, H, W)`` or ``(C, H, W)``, floating.
        kernel_size: int or ``(kH, kW)``.
        dilation: spacing between block elements.
        padding: implicit zeros on both sides.
        stride: step between blocks.

    Returns:
        Shape ``(N, C * kH * kW, L)``: row ``c * kH * kW + i * kW + j`` holds element ``(i, j)``
        of channel ``c`` of each of the ``L`` blocks (row-major over block positions).

    Raises:
        NotImplementedError: for an input that is not 3-D or 4-D.
        RuntimeError: for non-positive sizes, or blocks that do not fit in the padded input.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.unfold(mt.arange(9.0).reshape(1, 1, 3, 3), 2)
        tensor([[[0., 1., 3., 4.],
                 [1., 2., 4., 5.],
                 [3., 4., 6., 7.],
                 [4., 5., 7., 8.]]])
    """
    tensor_input("unfold", input)
    if input.ndim not in (3, 4):
        raise NotImplementedError(
            f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)"
        )
    c, h, w = input.shape[-3:]
    kernel, geo = _geometry("unfold", kernel_size, dilation, padding, stride, c)
    blocks = _blocks((h, w), kernel, geo)
    if min(blocks) < 1:
        raise RuntimeError(
            f"unfold(): Given input with spatial size ({h}, {w}), kernel_size={kernel}, "
            f"dilation={geo.dilation}, padding={tuple(p for p, _ in geo.padding)}, calculated "
            f"shape of the array of sliding blocks as ({blocks[0]}, {blocks[1]}), but its "
            "components must be at least one."
        )
    return Im2Col.apply(input, _blocks_of((h, w), kernel, geo))  # type: ignore[no-any-return]


def fold(
    input: Tensor,  # noqa: A002
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Tensor:
    """Sum columns of blocks back into an ``(N, C, H, W)`` image (col2im): ``unfold``'s adjoint.

    Args:
        input: shape ``(N, C * kH * kW, L)`` or ``(C * kH * kW, L)``, as ``unfold`` returns.
        output_size: ``(H, W)`` of the image.
        kernel_size: int or ``(kH, kW)``.
        dilation: spacing between block elements.
        padding: implicit zeros on both sides (cropped from the result).
        stride: step between blocks.

    Returns:
        Shape ``(N, C, H, W)``; overlapping block elements are summed.

    Raises:
        RuntimeError: for an input that is not 2-D or 3-D, a channel count not divisible by
            ``kH * kW``, or an ``L`` that is not the number of blocks that fit.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.fold(mt.ones(1, 4, 4), (3, 3), 2)
        tensor([[[[1., 2., 1.],
                  [2., 4., 2.],
                  [1., 2., 1.]]]])
    """
    tensor_input("fold", input)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            "Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
            f"non-zero dimensions for input, but got: {list(input.shape)}"
        )
    ck, length = input.shape[-2:]
    size = _pair(output_size, "output_size", "fold")
    kernel, geo = _geometry("fold", kernel_size, dilation, padding, stride, 1)
    k = math.prod(kernel)
    if ck % k:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={ck} and kernel_size={kernel}."
        )
    blocks = _blocks(size, kernel, geo)
    if blocks[0] * blocks[1] != length or min(blocks) < 1:
        raise RuntimeError(
            f"Given output_size={size}, kernel_size={kernel}, dilation={geo.dilation}, "
            f"padding={tuple(p for p, _ in geo.padding)}, stride={geo.stride}, expected size "
            f"of input's dimension 2 to match the calculated number of sliding blocks "
            f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
            f"input.size(2)={length}."
        )
    return Col2Im.apply(input, _blocks_of(size, kernel, geo))  # type: ignore[no-any-return]
