"""``fftshift`` and ``ifftshift``: move the zero-frequency term to the centre and back.

Both are ``roll`` by half of each dim's size (PyTorch's definition), so their gradient is the
roll back, and the second derivative comes with ``roll``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microtensor.ops._common import normalize_dim
from microtensor.ops.rearrange import roll
from microtensor.tensor import Tensor

__all__ = ["fftshift", "ifftshift"]


def fftshift(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:  # noqa: A002
    """Roll each of ``dim`` (all dims if None) by ``size // 2``: frequency 0 to the centre.

    Raises:
        IndexError: if a dim is out of range (any dim of a 0-d input).
        RuntimeError: for a 0-d input with ``dim=None`` (no dim to shift).

    Example:
        >>> import microtensor as mt
        >>> mt.fft.fftshift(mt.fft.fftfreq(5))
        tensor([-0.4000, -0.2000,  0.0000,  0.2000,  0.4000])
    """
    return _shift("fftshift", input, dim, inverse=False)


def ifftshift(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:  # noqa: A002
    """The inverse of ``fftshift``: roll each of ``dim`` by ``(size + 1) // 2``.

    Raises:
        IndexError: if a dim is out of range (any dim of a 0-d input).
        RuntimeError: for a 0-d input with ``dim=None`` (no dim to shift).

    Example:
        >>> import microtensor as mt
        >>> mt.fft.ifftshift(mt.fft.fftshift(mt.arange(5)))
        tensor([0, 1, 2, 3, 4])
    """
    return _shift("ifftshift", input, dim, inverse=True)


def _shift(op: str, input: Any, dim: Any, inverse: bool) -> Tensor:  # noqa: A002
    ndim = input._data.ndim
    if dim is None:
        dims: tuple[int, ...] = tuple(range(ndim))
    else:
        dims = tuple(dim) if isinstance(dim, Sequence) else (dim,)
        if ndim == 0 and dims:
            raise IndexError(
                f"{op}(): Dimension specified as {dims[0]} but tensor has no dimensions"
            )
        dims = tuple(normalize_dim(op, d, ndim) for d in dims)
    if not dims:
        raise RuntimeError(f"{op}(): `shifts` required: the input has no dim to shift (0-d)")
    sizes = input._data.shape
    shifts = tuple((sizes[d] + inverse) // 2 for d in dims)
    return roll(input, shifts, dims)
