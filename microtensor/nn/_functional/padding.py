"""``pad`` with negative widths in every mode (a negative width crops), as PyTorch.

``ops.pad`` pads; here each negative width becomes a crop (``narrow``). PyTorch's kernels index
the output from the input's coordinates, which for ``reflect`` and ``replicate`` is padding
with the positive widths first and then cropping, and for ``circular`` (whose wrap-around is
taken from the cropped input) is cropping first and then padding.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

from microtensor import ops
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = ["pad"]


def _crop(x: Tensor, widths: tuple[int, ...]) -> Tensor:
    """Remove ``-w`` elements for each negative width ``w`` (F.pad's order: last dim first)."""
    for i in range(len(widths) // 2):
        d = x.ndim - 1 - i
        before, after = -min(widths[2 * i], 0), -min(widths[2 * i + 1], 0)
        if before or after:
            x = ops.narrow(x, d, before, max(x.shape[d] - before - after, 0))
    return x


def pad(
    input: Tensor,  # noqa: A002
    pad: Sequence[int],
    mode: str = "constant",
    value: float | None = None,
) -> Tensor:
    """Pad ``input``; a negative width removes that many elements instead.

    ``pad`` lists (before, after) widths from the last dim backward, e.g.
    ``(left, right, top, bottom)`` pads the last two dims.

    Args:
        input: the tensor.
        pad: an even number of widths, at most two per dim; negative ones crop.
        mode: ``"constant"`` (fill with ``value``), ``"reflect"`` (mirror without repeating
            the edge), ``"replicate"`` (repeat the edge) or ``"circular"`` (wrap around). The
            last three pad the last 1 to 3 dims of a (batched) input.
        value: the fill value for ``"constant"`` (default 0).

    Returns:
        The padded tensor.

    Raises:
        RuntimeError: for an odd or too long ``pad``, a negative output size, a width the
            mode can't fill, or a ``value`` with a non-constant mode.
        NotImplementedError: for an unknown mode, or a number of dims the mode doesn't
            support.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.pad(mt.tensor([[[0.0, 1.0, 2.0, 3.0, 4.0]]]), (-1, 2), mode="reflect")
        tensor([[[1., 2., 3., 4., 3., 2.]]])
    """
    tensor_input("pad", input)
    widths = tuple(operator.index(p) for p in pad)
    if mode == "constant" or min(widths, default=0) >= 0:
        return ops.pad(input, widths, mode, value)
    positive = tuple(max(w, 0) for w in widths)
    for i in range(min(len(widths) // 2, input.ndim)):
        d, before, after = input.ndim - 1 - i, widths[2 * i], widths[2 * i + 1]
        if input.shape[d] + before + after < 1:
            raise RuntimeError(
                f"pad(): input size {input.shape[d]} at dimension {d} of input "
                f"{list(input.shape)} is too small for padding ({before}, {after}): the "
                f"calculated output size {input.shape[d] + before + after} must be positive"
            )
    if mode == "circular":
        if len(widths) % 2 == 0 and len(widths) // 2 <= input.ndim:
            input = _crop(input, widths)
        return ops.pad(input, positive, mode, value)
    return _crop(ops.pad(input, positive, mode, value), widths)
