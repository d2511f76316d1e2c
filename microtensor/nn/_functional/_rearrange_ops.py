"""The image rearrangement op, ``Rearrange``: a reshape, a permutation of dims and a reshape.

``pixel_shuffle``, ``pixel_unshuffle`` and ``channel_shuffle`` are each one such op, so the
output has torch's single node (``PixelShuffleBackward0`` ...), not a view, a permute and a
copy. The backward is the inverse rearrangement of the upstream gradient (linear, with no
saved input): under ``create_graph=True`` it is recorded with ``permute`` and ``reshape``, and
its own derivative is the forward rearrangement again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import ops
from microtensor.autograd.function import Op
from microtensor.ops import dual


def _permuted(x: Any, order: tuple[int, ...]) -> Any:
    """``x`` with its dims in ``order`` (a copy of an array, contiguous; a recorded permute)."""
    if dual.is_array(x):
        return np.ascontiguousarray(np.transpose(x, order))
    return ops.permute(x, order)


class Rearrange(Op):
    """y = reshape(permute(reshape(x, split), order), shape);  dy/dx: the same steps undone."""

    complex_grad = True  # a permutation of entries: the adjoint is the inverse, for any dtype

    @staticmethod
    def forward(
        ctx: Any, x: Any, split: tuple[int, ...], order: tuple[int, ...], shape: tuple[int, ...]
    ) -> Any:
        ctx.in_shape = x.shape
        ctx.permuted = tuple(split[d] for d in order)
        ctx.inverse = tuple(int(d) for d in np.argsort(order))
        return _permuted(x.reshape(split), order).reshape(shape)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        g = _permuted(grad_out.reshape(ctx.permuted), ctx.inverse)
        return g.reshape(ctx.in_shape), None, None, None


class PixelShuffle(Rearrange, node_name="PixelShuffleBackward0"):
    """``pixel_shuffle``."""


class PixelUnshuffle(Rearrange, node_name="PixelUnshuffleBackward0"):
    """``pixel_unshuffle``."""


class ChannelShuffle(Rearrange, node_name="ChannelShuffleBackward0"):
    """``channel_shuffle``."""
