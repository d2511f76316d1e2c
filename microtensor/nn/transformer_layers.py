"""``TransformerEncoderLayer`` and ``TransformerDecoderLayer``, with PyTorch's submodule names.

Each layer is a composition of ``MultiheadAttention``, ``Linear``, ``Dropout`` and ``LayerNorm``
named as in PyTorch (``self_attn``, ``multihead_attn``, ``linear1``, ``norm1`` ...), so a torch
state dict loads unchanged and gives the same outputs. The stacks and ``Transformer`` are in
``transformer.py``.

Differs from PyTorch: there is no fused fast path in evaluation; the general path computes the
same values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microtensor.nn._functional.activation import gelu, relu
from microtensor.nn._functional.multi_head_attention import _canonical_mask
from microtensor.nn.activation import GELU, ReLU
from microtensor.nn.dropout import Dropout
from microtensor.nn.linear import Linear
from microtensor.nn.module import Module
from microtensor.nn.multihead_attention import MultiheadAttention
from microtensor.nn.normalization import LayerNorm
from microtensor.tensor import Tensor

__all__ = ["TransformerDecoderLayer", "TransformerEncoderLayer"]

Activation = str | Callable[[Tensor], Tensor]


def _get_activation_fn(activation: str) -> Callable[[Tensor], Tensor]:
    if activation == "relu":
        return relu
    if activation == "gelu":
        return gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class _Layer(Module):
    """The feed-forward block and the activation, shared by encoder and decoder layers."""

    def _init_feedforward(
        self,
        d_model: int,
        dim_feedforward: int,
        dropout: float,
        activation: Activation,
        bias: bool,
        factory: dict[str, Any],
    ) -> None:
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        if isinstance(activation, str):
            activation = _get_activation_fn(activation)
        is_relu = activation is relu or isinstance(activation, ReLU)
        is_gelu = activation is gelu or isinstance(activation, GELU)
        self.activation_relu_or_gelu = 1 if is_relu else 2 if is_gelu else 0
        self.activation = activation

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.linear2(self.dropout(self.activation(self.linear1(x))))

    def _attend(
        self,
        attn: MultiheadAttention,
        x: Tensor,
        memory: Tensor,
        mask: Tensor | None,
        key_padding_mask: Tensor | None,
        is_causal: bool,
    ) -> Tensor:
        return attn(
            x,
            memory,
            memory,
            attn_mask=mask,
            key_padding_mask=key_padding_mask,
            is_causal=is_causal,
            need_weights=False,
        )[0]


class TransformerEncoderLayer(_Layer):
    """Self-attention then a feed-forward network, each with a residual and a LayerNorm.

    ``norm_first=False``: ``x = norm1(x + sa(x)); x = norm2(x + ff(x))``; ``norm_first=True``:
    ``x = x + sa(norm1(x)); x = x + ff(norm2(x))``, with ``ff(x) = linear2(dropout(act(
    linear1(x))))`` and dropout after each block.

    Args:
        d_model: features of the input.
        nhead: attention heads.
        dim_feedforward: width of the feed-forward network.
        dropout: dropout probability.
        activation: ``"relu"``, ``"gelu"`` or a unary callable (a function or a Module).
        layer_norm_eps: eps of the LayerNorms.
        batch_first: if True, input and output are ``(N, S, E)`` instead of ``(S, N, E)``.
        norm_first: if True, LayerNorm comes before attention and feed-forward.
        bias: if False, the Linear and LayerNorm layers have no bias.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype (default: the default float dtype).

    Raises:
        RuntimeError: for an activation string other than relu or gelu.

    Example:
        >>> import microtensor as mt
        >>> layer = mt.nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
        >>> layer(mt.randn(5, 3, 8)).shape
        microtensor.Size([5, 3, 8])
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **factory
        )
        self._init_feedforward(d_model, dim_feedforward, dropout, activation, bias, factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)

    def forward(
        self,
        src: Tensor,
        src_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool = False,
    ) -> Tensor:
        """Return the encoded sequence, shaped like ``src``."""
        kpm = _canonical_mask(
            src_key_padding_mask, "src_key_padding_mask", src_mask, "src_mask", src.dtype
        )
        mask = _canonical_mask(src_mask, "src_mask", None, "", src.dtype)
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), mask, kpm, is_causal)
            x = x + self.dropout2(self._ff_block(self.norm2(x)))
        else:
            x = self.norm1(x + self._sa_block(x, mask, kpm, is_causal))
            x = self.norm2(x + self.dropout2(self._ff_block(x)))
        return x

    def _sa_block(
        self, x: Tensor, mask: Tensor | None, kpm: Tensor | None, is_causal: bool
    ) -> Tensor:
        return self.dropout1(self._attend(self.self_attn, x, x, mask, kpm, is_causal))


class TransformerDecoderLayer(_Layer):
    """Self-attention, attention over the memory, then a feed-forward network.

    Each block has a residual connection, dropout and a LayerNorm (after it, or before it if
    ``norm_first``): ``norm1`` for self-attention, ``norm2`` for ``multihead_attn`` over the
    memory, ``norm3`` for the feed-forward network.

    Args:
        d_model: features of the input.
        nhead: attention heads.
        dim_feedforward: width of the feed-forward network.
        dropout: dropout probability.
        activation: ``"relu"``, ``"gelu"`` or a unary callable (a function or a Module).
        layer_norm_eps: eps of the LayerNorms.
        batch_first: if True, inputs and output are ``(N, T, E)`` instead of ``(T, N, E)``.
        norm_first: if True, LayerNorm comes before each block.
        bias: if False, the Linear and LayerNorm layers have no bias.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype (default: the default float dtype).

    Raises:
        RuntimeError: for an activation string other than relu or gelu.

    Example:
        >>> import microtensor as mt
        >>> layer = mt.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, batch_first=True)
        >>> layer(mt.randn(3, 4, 8), mt.randn(3, 6, 8)).shape
        microtensor.Size([3, 4, 8])
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = relu,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, **factory
        )
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, **factory
        )
        self._init_feedforward(d_model, dim_feedforward, dropout, activation, bias, factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Return the decoded sequence, shaped like ``tgt``."""
        x = tgt
        tgt_args = (tgt_mask, tgt_key_padding_mask, tgt_is_causal)
        mem_args = (memory_mask, memory_key_padding_mask, memory_is_causal)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), *tgt_args)
            x = x + self._mha_block(self.norm2(x), memory, *mem_args)
            x = x + self.dropout3(self._ff_block(self.norm3(x)))
        else:
            x = self.norm1(x + self._sa_block(x, *tgt_args))
            x = self.norm2(x + self._mha_block(x, memory, *mem_args))
            x = self.norm3(x + self.dropout3(self._ff_block(x)))
        return x

    def _sa_block(
        self, x: Tensor, mask: Tensor | None, kpm: Tensor | None, is_causal: bool
    ) -> Tensor:
        return self.dropout1(self._attend(self.self_attn, x, x, mask, kpm, is_causal))

    def _mha_block(
        self,
        x: Tensor,
        memory: Tensor,
        mask: Tensor | None,
        kpm: Tensor | None,
        is_causal: bool,
    ) -> Tensor:
        return self.dropout2(self._attend(self.multihead_attn, x, memory, mask, kpm, is_causal))
