"""Rearranging images: ``pixel_shuffle``, ``pixel_unshuffle``, ``channel_shuffle``.

Each is a reshape, a permutation and a reshape, one ``Rearrange`` op (``_rearrange_ops``) with
torch's node name; its gradient is the inverse rearrangement.
"""

from __future__ import annotations

from microtensor.nn._functional._rearrange_ops import ChannelShuffle, PixelShuffle, PixelUnshuffle
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = ["channel_shuffle", "pixel_shuffle", "pixel_unshuffle"]


def _check_rank(op: str, input: Tensor, factor: int, name: str) -> None:  # noqa: A002
    tensor_input(op, input)
    if input.ndim < 3:
        raise RuntimeError(
            f"{op} expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    if factor <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {factor}")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """Rearrange ``(*, C * r * r, H, W)`` into ``(*, C, H * r, W * r)`` (sub-pixel convolution).

    Args:
        input: shape ``(*, C * r**2, H, W)``.
        upscale_factor: ``r``.

    Returns:
        Shape ``(*, C, H * r, W * r)``; ``out[c, h * r + i, w * r + j] =
        input[c * r * r + i * r + j, h, w]``.

    Raises:
        RuntimeError: for fewer than 3 dims or a channel count not divisible by ``r * r``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.pixel_shuffle(mt.arange(4.0).reshape(1, 4, 1, 1), 2)
        tensor([[[[0., 1.],
                  [2., 3.]]]])
    """
    r = upscale_factor
    _check_rank("pixel_shuffle", input, r, "upscale_factor")
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
            f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    nb = len(batch)
    split = (*batch, c // (r * r), r, r, h, w)
    order = (*range(nb), nb, nb + 3, nb + 1, nb + 4, nb + 2)
    out = (*batch, c // (r * r), h * r, w * r)
    return PixelShuffle.apply(input, split, order, out)  # type: ignore[no-any-return]


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """Rearrange ``(*, C, H * r, W * r)`` into ``(*, C * r * r, H, W)``: undo ``pixel_shuffle``.

    Raises:
        RuntimeError: for fewer than 3 dims or a height or width not divisible by ``r``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.pixel_unshuffle(mt.arange(4.0).reshape(1, 1, 2, 2), 2).flatten()
        tensor([0., 1., 2., 3.])
    """
    r = downscale_factor
    _check_rank("pixel_unshuffle", input, r, "downscale_factor")
    *batch, c, h, w = input.shape
    for name, size, d in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                f"input.size({d})={size} is not divisible by {r}"
            )
    nb = len(batch)
    split = (*batch, c, h // r, r, w // r, r)
    order = (*range(nb), nb, nb + 2, nb + 4, nb + 1, nb + 3)
    out = (*batch, c * r * r, h // r, w // r)
    return PixelUnshuffle.apply(input, split, order, out)  # type: ignore[no-any-return]


def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """Interleave the channel groups of ``(N, C, *)``: view as ``(N, g, C / g, *)``, swap.

    Raises:
        RuntimeError: for fewer than 3 dims, a non-positive ``groups`` or a channel count
            not divisible by ``groups``.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.channel_shuffle(mt.arange(4.0).reshape(1, 4, 1), 2).flatten()
        tensor([0., 2., 1., 3.])
    """
    tensor_input("channel_shuffle", input)
    if input.ndim < 3:
        raise RuntimeError(
            f"channel_shuffle expects input to have at least 3 dimensions, but got input "
            f"with {input.ndim} dimension(s)"
        )
    if groups <= 0:
        raise RuntimeError(
            f"Number of groups to divide channels in must be positive. Value of groups:{groups}"
        )
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups."
        )
    split = (n, groups, c // groups, *rest)
    order = (0, 2, 1, *range(3, input.ndim + 1))
    return ChannelShuffle.apply(input, split, order, (n, c, *rest))  # type: ignore[no-any-return]
