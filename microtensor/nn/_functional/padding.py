"""``F.pad``: ``ops.pad`` (every mode, negative widths crop) for a tensor input."""

from __future__ import annotations

from collections.abc import Sequence

from microtensor import ops
from microtensor.ops._pointwise import tensor_input
from microtensor.tensor import Tensor

__all__ = ["pad"]


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
    return ops.pad(input, pad, mode, value)
