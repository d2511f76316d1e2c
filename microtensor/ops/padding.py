"""Padding: ``pad`` in the four modes of ``F.pad`` (negative widths crop), ``constant_pad_nd``.

Each mode pads one dim at a time with ``cat`` of pieces of the input (``narrow``, ``flip``,
``expand``), so the gradients are those ops' own. A negative width removes that many elements
instead. PyTorch's kernels index the output from the input's coordinates, which for
``reflect`` and ``replicate`` is padding with the positive widths first and then cropping, and
for ``circular`` (whose wrap-around is taken from the cropped input) cropping first and then
padding; constant padding takes negative widths directly.
"""

from __future__ import annotations

from collections.abc import Sequence

from microtensor.ops._common import int_sequence
from microtensor.ops._pointwise import tensor_input
from microtensor.ops.joining import ConstantPad, cat
from microtensor.ops.rearrange import flip
from microtensor.ops.shape import expand
from microtensor.ops.splitting import narrow
from microtensor.tensor import Tensor

__all__ = ["constant_pad_nd", "pad"]


def pad(
    input: Tensor,  # noqa: A002
    pad: Sequence[int],
    mode: str = "constant",
    value: float | None = None,
) -> Tensor:
    """Pad ``input`` as ``torch.nn.functional.pad`` does; a negative width crops instead.

    ``pad`` lists (before, after) widths from the last dim backward, e.g.
    ``(left, right, top, bottom)`` pads the last two dims.

    Args:
        input: the tensor.
        pad: an even number of widths, at most two per dim; negative ones crop.
        mode: ``"constant"`` (fill with ``value``), ``"reflect"`` (mirror without repeating
            the edge), ``"replicate"`` (repeat the edge) or ``"circular"`` (wrap around). The
            last three pad the last 1 to 3 dims of a (batched) input, as in PyTorch.
        value: the fill value for ``"constant"`` (default 0).

    Returns:
        The padded tensor.

    Raises:
        RuntimeError: for an odd or too long ``pad``, a negative (or, in the other modes,
            empty) output size, a width the mode can't fill, or a ``value`` with a
            non-constant mode.
        NotImplementedError: for an unknown mode, or an input with a number of dims the mode
            doesn't support.

    Example:
        >>> import microtensor as mt
        >>> mt.ops.pad(mt.tensor([[1, 2]]), (1, 2), value=9)
        tensor([[9, 1, 2, 9, 9]])
        >>> mt.ops.pad(mt.tensor([[[1.0, 2.0, 3.0]]]), (2, 1), mode="reflect")
        tensor([[[3., 2., 1., 2., 3., 2.]]])
        >>> mt.ops.pad(mt.tensor([[[0.0, 1.0, 2.0, 3.0, 4.0]]]), (-1, 2), mode="reflect")
        tensor([[[1., 2., 3., 4., 3., 2.]]])
    """
    tensor_input("pad", input)
    widths = _widths(input, int_sequence("pad", "pad", 2, pad))
    shape = input._data.shape
    if mode == "constant":
        for d, ((before, after), n) in enumerate(zip(widths, shape, strict=True)):
            if n + before + after < 0:
                raise RuntimeError(
                    f"pad(): the input size {n}, plus negative padding {before} and {after} "
                    f"resulted in a negative output size, which is invalid. Check dimension "
                    f"{d} of your input."
                )
        return ConstantPad.apply(input, widths, 0 if value is None else value)  # type: ignore
    if mode not in _MODES:
        raise NotImplementedError(
            f"pad(): Unrecognised padding mode {mode}; use one of "
            f"'constant', {', '.join(repr(m) for m in _MODES)}"
        )
    if value is not None:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    k = len(pad) // 2
    if not 1 <= k <= 3 or input._data.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"pad(): Padding size {len(pad)} is not supported for {input._data.ndim}D input "
            f"tensor; mode {mode!r} pads the last 1 to 3 dims of a (batched) input: give "
            f"{2 * (input._data.ndim - 1)} or {2 * (input._data.ndim - 2)} widths"
        )
    _check_output_sizes(input, widths)
    positive = tuple((max(before, 0), max(after, 0)) for before, after in widths)
    if mode == "circular":
        input = _crop(input, widths)  # noqa: A001
    for d in range(len(shape) - k, len(shape)):
        input = _MODES[mode](input, d, *positive[d])  # noqa: A001
    return input if mode == "circular" else _crop(input, widths)


def _check_output_sizes(input: Tensor, widths: tuple[tuple[int, int], ...]) -> None:  # noqa: A002
    for d, ((before, after), n) in enumerate(zip(widths, input._data.shape, strict=True)):
        if (before < 0 or after < 0) and n + before + after < 1:
            raise RuntimeError(
                f"pad(): input size {n} at dimension {d} of input {list(input._data.shape)} is "
                f"too small for padding ({before}, {after}): the calculated output size "
                f"{n + before + after} must be positive"
            )


def _crop(x: Tensor, widths: tuple[tuple[int, int], ...]) -> Tensor:
    """Remove ``-w`` elements for each negative width ``w``."""
    for d, (before, after) in enumerate(widths):
        cut_before, cut_after = -min(before, 0), -min(after, 0)
        if cut_before or cut_after:
            x = narrow(x, d, cut_before, max(x._data.shape[d] - cut_before - cut_after, 0))
    return x


def constant_pad_nd(input: Tensor, pad: Sequence[int], value: float = 0) -> Tensor:  # noqa: A002
    """``pad(input, pad, "constant", value)`` (PyTorch's ATen name for constant padding).

    Example:
        >>> import microtensor as mt
        >>> mt.constant_pad_nd(mt.tensor([1.0, 1.0]), [1, 1], 2.0)
        tensor([2., 1., 1., 2.])
    """
    return _pad_constant(input, int_sequence("constant_pad_nd", "pad", 2, pad), value)


def _pad_constant(input: Tensor, widths: Sequence[int], value: float) -> Tensor:  # noqa: A002
    return pad(input, widths, "constant", value)


def _widths(input: Tensor, pad: tuple[int, ...]) -> tuple[tuple[int, int], ...]:  # noqa: A002
    """F.pad's flat list (last dim first) as one (before, after) pair per dim."""
    ndim = input._data.ndim
    if len(pad) % 2:
        raise RuntimeError(f"pad(): Padding length must be divisible by 2, got {len(pad)}")
    if len(pad) // 2 > ndim:
        raise RuntimeError(
            f"pad(): Padding length should be less than or equal to two times the input "
            f"dimension but got padding length {len(pad)} and input of dimension {ndim}"
        )
    pairs = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        pairs[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return tuple(pairs)


def _pad_reflect(x: Tensor, d: int, before: int, after: int) -> Tensor:
    n = x._data.shape[d]
    if not (0 <= before < n and 0 <= after < n):
        raise RuntimeError(
            f"pad(): Padding size should be less than the corresponding input dimension, but "
            f"got: padding ({before}, {after}) at dimension {d} of input "
            f"{list(x._data.shape)} (reflect padding needs 0 <= width < size)"
        )
    left = flip(narrow(x, d, 1, before), (d,))
    right = flip(narrow(x, d, n - 1 - after, after), (d,))
    return cat([left, x, right], d)


def _pad_replicate(x: Tensor, d: int, before: int, after: int) -> Tensor:
    shape = x._data.shape
    if shape[d] == 0:
        raise RuntimeError(
            f"pad(): replicate padding needs a non-empty dim, got padding ({before}, {after}) "
            f"at dimension {d} of input {list(shape)}"
        )
    sizes = [list(shape[:d]) + [w] + list(shape[d + 1 :]) for w in (before, after)]
    left = expand(narrow(x, d, 0, 1), sizes[0])
    right = expand(narrow(x, d, shape[d] - 1, 1), sizes[1])
    return cat([left, x, right], d)


def _pad_circular(x: Tensor, d: int, before: int, after: int) -> Tensor:
    n = x._data.shape[d]
    if not (0 <= before <= n and 0 <= after <= n):
        raise RuntimeError(
            f"pad(): Padding value causes wrapping around more than once: "
            f"padding ({before}, {after}) at dimension {d} of input "
            f"{list(x._data.shape)} (circular padding needs 0 <= width <= size)"
        )
    return cat([narrow(x, d, n - before, before), x, narrow(x, d, 0, after)], d)


_MODES = {"reflect": _pad_reflect, "replicate": _pad_replicate, "circular": _pad_circular}
