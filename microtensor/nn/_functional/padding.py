"""``F.pad``: ``ops.pad`` (every mode; negative widths crop), with reflect and replicate fused.

Reflection and replication padding (negative widths crop) are one op (``_pad_ops``) carrying
torch's node (``ReflectionPad2DBackward0`` ...); the other modes, and every error, are
``ops.pad``'s.
"""

from __future__ import annotations

from collections.abc import Sequence

from microtensor import ops
from microtensor.nn._functional._pad_ops import PADS
from microtensor.tensor import Tensor

__all__ = ["pad"]


def pad(
    input: Tensor,  # noqa: A002
    pad: Sequence[int],
    mode: str = "constant",
    value: float | None = None,
) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims of ``input``; see ``microtensor.ops.pad``.

    Args:
        input: the tensor to pad.
        pad: widths ``(before, after)`` per dim, last dim first (negative widths crop).
        mode: ``"constant"``, ``"reflect"``, ``"replicate"`` or ``"circular"``.
        value: the fill of constant padding (default 0).

    Returns:
        The padded tensor.

    Raises:
        RuntimeError: for widths the mode can't fill (see ``ops.pad``).
        NotImplementedError: for an unknown mode or an unsupported number of dims.

    Example:
        >>> import microtensor as mt
        >>> import microtensor.nn.functional as F
        >>> F.pad(mt.tensor([[[0.0, 1.0, 2.0]]]), (2, 1), mode="reflect")
        tensor([[[2., 1., 0., 1., 2., 1.]]])
        >>> F.pad(mt.tensor([[[0.0, 1.0, 2.0]]]), (2, 1), mode="replicate")
        tensor([[[0., 0., 0., 1., 2., 2.]]])
    """
    steps = _fused_steps(input, pad, mode, value)
    if steps is None:
        return ops.pad(input, pad, mode, value)
    op = PADS[mode][1][len(steps)]
    return op.apply(input, steps)  # type: ignore[no-any-return]


def _fused_steps(input: object, pad: object, mode: str, value: object) -> tuple | None:  # noqa: A002
    """The fused op's steps, or None where ``ops.pad`` decides (other modes, errors)."""
    if mode not in PADS or value is not None or not isinstance(input, Tensor):
        return None
    if not isinstance(pad, Sequence) or len(pad) % 2 or not all(type(w) is int for w in pad):
        return None
    k, shape = len(pad) // 2, input._data.shape
    if not 1 <= k <= 3 or len(shape) not in (k + 1, k + 2):
        return None
    build = PADS[mode][0]
    steps = []
    for i in range(k):
        dim, (before, after) = len(shape) - 1 - i, pad[2 * i : 2 * i + 2]
        n = shape[dim]
        fits = n > 0 if mode == "replicate" else max(before, after) < n
        if not fits or n + before + after < 1:
            return None  # ops.pad raises the error
        steps.append((dim, before, after, build(n, before, after)))
    return tuple(reversed(steps))
