"""Distance layers: ``CosineSimilarity`` and ``PairwiseDistance``."""

from __future__ import annotations

from microtensor.nn._functional.distance import cosine_similarity, pairwise_distance
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """Cosine similarity of two inputs along ``dim``; see ``F.cosine_similarity``.

    Args:
        dim: the dim of the vectors.
        eps: lower bound of each norm.

    Shape:
        - Input1: ``(*, D, *)``; Input2: broadcastable with Input1.
        - Output: the broadcast shape without ``dim``.

    Example:
        >>> import microtensor as mt
        >>> mt.nn.CosineSimilarity()(mt.ones(2, 3), mt.ones(2, 3))
        tensor([1.0000, 1.0000])
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """Return ``cosine_similarity(x1, x2, dim, eps)``."""
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` over the last dim; see ``F.pairwise_distance``.

    Args:
        p: the norm's exponent.
        eps: added to the difference.
        keepdim: keep the last dim with size 1.

    Shape:
        - Input1: ``(N, D)`` or ``(D,)``; Input2: broadcastable with Input1.
        - Output: ``(N,)`` or ``()`` (``(N, 1)`` with keepdim).

    Example:
        >>> import microtensor as mt
        >>> mt.nn.PairwiseDistance(eps=0.0)(mt.zeros(1, 2), mt.tensor([[3.0, 4.0]]))
        tensor([5.])
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """Return ``pairwise_distance(x1, x2, p, eps, keepdim)``."""
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
