"""``Embedding``: a lookup table of learnable vectors."""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._allocation import allocate
from microtensor._device import check_cpu as _device
from microtensor.autograd.grad_mode import no_grad
from microtensor.nn import init
from microtensor.nn._functional.sparse import embedding
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor

__all__ = ["Embedding"]


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``, looked up by index.

    The weight starts as N(0, 1) from the default generator (``manual_seed``), with the row
    ``padding_idx`` (if any) zeroed; that row gets no gradient.

    Args:
        num_embeddings: number of rows.
        embedding_dim: size of each vector.
        padding_idx: a row that stays fixed (no gradient); negative counts from the end.
        max_norm: rescale looked-up rows with a larger norm to this norm (in place).
        norm_type: the p of the p-norm for ``max_norm``.
        scale_grad_by_freq: divide each row's gradient by its count in the batch.
        sparse: only False.
        _weight: an initial weight of shape ``(num_embeddings, embedding_dim)``.
        _freeze: if True, the weight does not require grad.
        device: only ``"cpu"`` (or None).
        dtype: the weight's dtype.

    Shape:
        - Input: ``(*)``, integer indices.
        - Output: ``(*, embedding_dim)``.

    Raises:
        ValueError: if ``padding_idx`` is out of range.

    Differs from PyTorch: the same seed gives other initial values (NumPy's generator).

    Example:
        >>> import microtensor as mt
        >>> emb = mt.nn.Embedding(10, 3, padding_idx=0)
        >>> emb
        Embedding(10, 3, padding_idx=0)
        >>> emb(mt.tensor([[0, 2], [4, 5]])).shape
        microtensor.Size([2, 2, 3])
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx={padding_idx} must be within num_embeddings "
                    f"({num_embeddings})"
                )
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            if device is not None:
                _device(device)
            np_dtype = dtypes.to_dtype(dtype or dtypes.get_default_dtype()).numpy
            shape = (num_embeddings, embedding_dim)
            weight = allocate(np.zeros, shape, np_dtype, "nn.Embedding")
            self.weight = Parameter(Tensor._make(weight), not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: _weight has shape {tuple(_weight.shape)}, expected "
                    f"{(num_embeddings, embedding_dim)} (num_embeddings, embedding_dim)"
                )
            self.weight = Parameter(_weight.detach(), not _freeze)

    def reset_parameters(self) -> None:
        """Draw the weight from N(0, 1); zero the padding row."""
        init.normal_(self.weight)  # torch's call, so a seed gives torch's weight
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        """Return the rows of ``weight`` at ``input``."""
        return embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    def extra_repr(self) -> str:
        """``num_embeddings, embedding_dim`` and the options that differ from the defaults."""
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        if self.sparse:
            text += ", sparse=True"
        return text

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """Make an ``Embedding`` whose weight is ``embeddings`` (2-D), frozen by default.

        Raises:
            ValueError: if ``embeddings`` is not 2-D.

        Example:
            >>> import microtensor as mt
            >>> emb = mt.nn.Embedding.from_pretrained(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
            >>> emb(mt.tensor([1]))
            tensor([[3., 4.]])
        """
        if embeddings.ndim != 2:
            raise ValueError(
                f"Embeddings parameter is expected to be 2-dimensional, got shape "
                f"{tuple(embeddings.shape)}"
            )
        rows, cols = embeddings.shape
        return cls(
            rows,
            cols,
            padding_idx,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            sparse,
            _weight=embeddings,
            _freeze=freeze,
        )
