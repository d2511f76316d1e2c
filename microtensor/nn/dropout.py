"""Dropout layers: ``Dropout``, channel-wise ``Dropout1d/2d/3d``, ``AlphaDropout``."""

from __future__ import annotations

from microtensor.nn._functional.dropout import (
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = [
    "AlphaDropout",
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "FeatureAlphaDropout",
]


class _DropoutNd(Module):
    """Shared constructor: validates ``p`` and stores ``p`` and ``inplace``."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        """``p=..., inplace=...``."""
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training, zero each element with probability ``p`` and scale the rest by 1/(1-p).

    In evaluation mode (``model.eval()``) it is the identity. The mask comes from the default
    generator as torch draws it, so after the same ``manual_seed`` it is torch's mask.

    Args:
        p: the probability of zeroing an element.
        inplace: overwrite the input instead of making a new tensor.

    Raises:
        ValueError: if ``p`` is not in [0, 1].

    Shape:
        - Input: any. Output: the same shape.

    Example:
        >>> import microtensor as mt
        >>> drop = mt.nn.Dropout(p=0.2)
        >>> drop
        Dropout(p=0.2, inplace=False)
        >>> x = mt.ones(4)
        >>> drop.eval()(x) is x
        True
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``dropout(input, p, training, inplace)``."""
        return dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p``.

    Raises:
        ValueError: if ``p`` is not in [0, 1].
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``dropout1d(input, p, training, inplace)``."""
        return dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels of ``(N, C, H, W)`` input with probability ``p``.

    Raises:
        ValueError: if ``p`` is not in [0, 1].
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``dropout2d(input, p, training, inplace)``."""
        return dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input with probability p.

    Raises:
        ValueError: if ``p`` is not in [0, 1].
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``dropout3d(input, p, training, inplace)``."""
        return dropout3d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks that keeps zero mean and unit variance (see ``alpha_dropout``).

    Raises:
        ValueError: if ``p`` is not in [0, 1].
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``alpha_dropout(input, p, training)``."""
        return alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels of ``(N, C, *)`` input.

    Raises:
        ValueError: if ``p`` is not in [0, 1].
    """

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return ``feature_alpha_dropout(input, p, training)``."""
        return feature_alpha_dropout(input, self.p, self.training)
