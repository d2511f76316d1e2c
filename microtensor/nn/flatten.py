"""``Flatten`` and ``Unflatten`` layers."""

from __future__ import annotations

from typing import Any

from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Flatten the dims ``start_dim`` to ``end_dim`` into one (by default all but the batch dim).

    Args:
        start_dim: first dim to flatten.
        end_dim: last dim to flatten.

    Shape:
        - Input: ``(*, S_start, ..., S_end, *)``.
        - Output: ``(*, S_start * ... * S_end, *)``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Flatten()(mt.zeros(32, 1, 5, 5)).shape
        microtensor.Size([32, 25])
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``input.flatten(start_dim, end_dim)``."""
        return input.flatten(self.start_dim, self.end_dim)  # type: ignore[no-any-return]

    def extra_repr(self) -> str:
        """``start_dim=..., end_dim=...``."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into the shape ``unflattened_size`` (one entry may be -1).

    Args:
        dim: the dim to split.
        unflattened_size: the new dims, a tuple or list of ints.

    Raises:
        TypeError: if ``unflattened_size`` is not a tuple or list of ints.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.Unflatten(1, (2, 5, 5))(mt.zeros(2, 50)).shape
        microtensor.Size([2, 2, 5, 5])
    """

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        if not isinstance(unflattened_size, tuple | list):
            raise TypeError(
                "unflattened_size must be a tuple of ints, but found type "
                f"{type(unflattened_size).__name__}"
            )
        for idx, elem in enumerate(unflattened_size):
            if not isinstance(elem, int):
                raise TypeError(
                    "unflattened_size must be tuple of ints, but found element of type "
                    f"{type(elem).__name__} at pos {idx}"
                )
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``input.unflatten(dim, unflattened_size)``."""
        return input.unflatten(self.dim, self.unflattened_size)  # type: ignore[no-any-return]

    def extra_repr(self) -> str:
        """``dim=..., unflattened_size=...``."""
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
