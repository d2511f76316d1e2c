"""``EmbeddingBag``: sums, means or maxima of bags of embedding vectors."""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._allocation import allocate
from microtensor._device import check_cpu as _device
from microtensor.autograd.grad_mode import no_grad
from microtensor.nn import init
from microtensor.nn._functional.embedding_bag import embedding_bag
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor

__all__ = ["EmbeddingBag"]


class EmbeddingBag(Module):
    """A table of ``num_embeddings`` vectors, reduced over bags of indices.

    The weight starts as N(0, 1) from the default generator, the row ``padding_idx`` (if
    any) zeroed.

    Args:
        num_embeddings: number of rows.
        embedding_dim: size of each vector.
        max_norm: rescale looked-up rows with a larger norm to this norm (in place).
        norm_type: the p of the p-norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by its count in the batch.
        mode: ``"sum"``, ``"mean"`` or ``"max"``.
        sparse: only False.
        _weight: an initial weight of shape ``(num_embeddings, embedding_dim)``.
        include_last_offset: ``offsets`` has one more entry, the end of the last bag.
        padding_idx: an index left out of every bag.
        device: only ``"cpu"`` (or None).
        dtype: the weight's dtype.

    Shape:
        - Input: ``(B, L)``, or ``(N,)`` with ``offsets`` ``(B,)``.
        - Output: ``(B, embedding_dim)``.

    Differs from PyTorch: the same seed gives other initial values (NumPy's generator).

    Example:
        >>> import microtensor as mt
        >>> bag = mt.nn.EmbeddingBag(10, 3, mode="sum")
        >>> bag
        EmbeddingBag(10, 3, mode='sum')
        >>> bag(mt.tensor([1, 2, 4, 5, 4]), mt.tensor([0, 2])).shape
        microtensor.Size([2, 3])
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Tensor | None = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise AssertionError("padding_idx must be within num_embeddings")
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset
        self.padding_idx = padding_idx
        shape = (num_embeddings, embedding_dim)
        if _weight is None:
            if device is not None:
                _device(device)
            np_dtype = dtypes.to_dtype(dtype or dtypes.get_default_dtype()).numpy
            self.weight = Parameter(
                Tensor._make(allocate(np.zeros, shape, np_dtype, "nn.EmbeddingBag"))
            )
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != shape:
                raise ValueError(
                    f"EmbeddingBag: _weight has shape {tuple(_weight.shape)}, expected {shape} "
                    "(num_embeddings, embedding_dim)"
                )
            self.weight = Parameter(_weight.detach())

    def reset_parameters(self) -> None:
        """Draw the weight from N(0, 1); zero the padding row."""
        init.normal_(self.weight)  # torch's call, so a seed gives torch's weight
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0

    def forward(
        self,
        input: Tensor,  # noqa: A002
        offsets: Tensor | None = None,
        per_sample_weights: Tensor | None = None,
    ) -> Tensor:
        """Return ``embedding_bag(input, weight, offsets, ...)``."""
        return embedding_bag(
            input, self.weight, offsets, self.max_norm, self.norm_type,
            self.scale_grad_by_freq, self.mode, self.sparse, per_sample_weights,
            self.include_last_offset, self.padding_idx,
        )  # fmt: skip

    def extra_repr(self) -> str:
        """PyTorch's ``num_embeddings, embedding_dim`` and the options that are not default."""
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        text += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
    ) -> EmbeddingBag:
        """Make an ``EmbeddingBag`` whose weight is ``embeddings`` (2-D), frozen by default.

        Raises:
            ValueError: if ``embeddings`` is not 2-D.

        Example:
            >>> import microtensor as mt
            >>> bag = mt.nn.EmbeddingBag.from_pretrained(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
            >>> bag(mt.tensor([[0, 1]]))
            tensor([[2., 3.]])
        """
        if embeddings.ndim != 2:
            raise ValueError(
                f"Embeddings parameter is expected to be 2-dimensional, got shape "
                f"{tuple(embeddings.shape)}"
            )
        rows, cols = embeddings.shape
        bag = cls(
            rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, sparse, embeddings,
            include_last_offset, padding_idx,
        )  # fmt: skip
        bag.weight.requires_grad = not freeze
        return bag
