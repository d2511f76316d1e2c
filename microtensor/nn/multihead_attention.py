"""``MultiheadAttention``: PyTorch's parameter names, so a torch state dict loads unchanged."""

from __future__ import annotations

from typing import Any

from microtensor import dtypes
from microtensor._device import check_cpu as _device
from microtensor.creation import zeros
from microtensor.nn import init
from microtensor.nn._functional.multi_head_attention import (
    _canonical_mask,
    multi_head_attention_forward,
)
from microtensor.nn.linear import Linear
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """``Linear`` under the name PyTorch gives ``MultiheadAttention.out_proj`` (and its repr)."""


class MultiheadAttention(Module):
    """Attention over ``num_heads`` subspaces: ``concat(head_1..head_h) @ W_o.T + b_o``.

    ``head_i = softmax(q_i @ k_i.T / sqrt(head_dim) + mask) @ v_i``, with q, k, v the
    projections of query, key and value (``in_proj_weight``, or ``q/k/v_proj_weight`` when
    kdim or vdim differ from embed_dim).

    Args:
        embed_dim: features of the query and output (E).
        num_heads: parallel heads; E must divide by it.
        dropout: dropout on the attention weights (training).
        bias: if False, no ``in_proj_bias`` and ``out_proj.bias``.
        add_bias_kv: if True, learnable ``bias_k`` and ``bias_v`` are appended to the keys
            and values.
        add_zero_attn: if True, a zero key and value are appended.
        kdim: features of the key (default E).
        vdim: features of the value (default E).
        batch_first: if True, inputs and output are ``(N, L, E)`` instead of ``(L, N, E)``.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype (default: the default float dtype).

    Shape:
        - query ``(L, N, E)``, key ``(S, N, kdim)``, value ``(S, N, vdim)`` (batch_first:
          ``(N, L, E)`` ...), or unbatched ``(L, E)``, ``(S, kdim)``, ``(S, vdim)``.
        - key_padding_mask ``(N, S)`` or ``(S,)``; attn_mask ``(L, S)`` or
          ``(N * num_heads, L, S)``. A bool mask is True where attention is NOT allowed; a
          float mask is added to the scores.
        - Output: ``(attn_output, attn_weights)``: ``(L, N, E)`` and ``(N, L, S)`` (averaged
          over heads) or ``(N, num_heads, L, S)``; weights are None if need_weights is False.

    Attributes:
        in_proj_weight: ``(3E, E)`` (or q_proj_weight ``(E, E)``, k_proj_weight
            ``(E, kdim)``, v_proj_weight ``(E, vdim)``), xavier-uniform.
        in_proj_bias: ``(3E,)``, zeros. out_proj: a Linear(E, E), bias zeros.
        bias_k, bias_v: ``(1, 1, E)``, xavier-normal.

    Raises:
        ValueError: if embed_dim or num_heads is not positive.
        AssertionError: if embed_dim does not divide by num_heads (as PyTorch).

    Differs from PyTorch: no fused fast path in evaluation (the same numbers, computed by the
    general path); the same seed gives other initial values.

    Example:
        >>> import microtensor as mt
        >>> attn = mt.nn.MultiheadAttention(8, 2, batch_first=True)
        >>> x = mt.randn(3, 5, 8)
        >>> out, weights = attn(x, x, x)
        >>> out.shape, weights.shape
        (microtensor.Size([3, 5, 8]), microtensor.Size([3, 5, 5]))
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                f"and num_heads={num_heads} instead"
            )
        super().__init__()
        if device is not None:
            _device(device)  # only the CPU exists; anything else raises
        dtype = dtypes.to_dtype(dtype or dtypes.get_default_dtype())
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(zeros(3 * embed_dim, embed_dim, dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(zeros(embed_dim, embed_dim, dtype=dtype))
            self.k_proj_weight = Parameter(zeros(embed_dim, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(zeros(embed_dim, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(zeros(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(
            embed_dim, embed_dim, bias=bias, dtype=dtype
        )
        self.bias_k: Parameter | None = None
        self.bias_v: Parameter | None = None
        if add_bias_kv:
            self.bias_k = Parameter(zeros(1, 1, embed_dim, dtype=dtype))
            self.bias_v = Parameter(zeros(1, 1, embed_dim, dtype=dtype))
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """Xavier-uniform projections, zero biases, xavier-normal bias_k/bias_v (PyTorch's)."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        need_weights: bool = True,
        attn_mask: Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """Return ``(attn_output, attn_weights or None)``."""
        is_batched = query.ndim == 3
        key_padding_mask = _canonical_mask(
            key_padding_mask, "key_padding_mask", attn_mask, "attn_mask", query.dtype
        )
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype)
        if self.batch_first and is_batched:
            # transpose once per distinct tensor, so self-attention stays "query is key"
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = query.transpose(1, 0), key.transpose(1, 0)
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        attn_output, attn_weights = multi_head_attention_forward(
            query,
            key,
            value,
            self.embed_dim,
            self.num_heads,
            self.in_proj_weight,
            self.in_proj_bias,
            self.bias_k,
            self.bias_v,
            self.add_zero_attn,
            self.dropout,
            self.out_proj.weight,
            self.out_proj.bias,
            training=self.training,
            key_padding_mask=key_padding_mask,
            need_weights=need_weights,
            attn_mask=attn_mask,
            use_separate_proj_weight=separate,
            q_proj_weight=self.q_proj_weight if separate else None,
            k_proj_weight=self.k_proj_weight if separate else None,
            v_proj_weight=self.v_proj_weight if separate else None,
            average_attn_weights=average_attn_weights,
            is_causal=is_causal,
        )
        if self.batch_first and is_batched:
            return attn_output.transpose(1, 0), attn_weights
        return attn_output, attn_weights

    def merge_masks(
        self, attn_mask: Tensor | None, key_padding_mask: Tensor | None, query: Tensor
    ) -> tuple[Tensor | None, int | None]:
        """Combine the masks as torch's fast path does: ``(merged_mask, mask_type)``.

        Mask type 0 is an ``attn_mask`` (L, S), 1 a ``key_padding_mask`` (N, S), 2 both
        expanded to (N, num_heads, L, S) and added (``query`` is batch-first (N, L, E)).

        Example:
            >>> import microtensor as mt
            >>> mha = mt.nn.MultiheadAttention(4, 2, batch_first=True)
            >>> mask = mt.zeros(3, 3)
            >>> merged, kind = mha.merge_masks(mask, None, mt.zeros(2, 3, 4))
            >>> merged.shape, kind
            (microtensor.Size([2, 2, 3, 3]), 2)
        """
        mask_type: int | None = None
        merged_mask: Tensor | None = None
        if key_padding_mask is not None:
            mask_type, merged_mask = 1, key_padding_mask
        if attn_mask is not None:
            batch_size, seq_len, _ = query.shape
            mask_type = 2
            if attn_mask.dim() == 3:
                merged_mask = attn_mask.view(batch_size, -1, seq_len, seq_len)
            else:
                merged_mask = attn_mask.view(1, 1, seq_len, seq_len).expand(
                    batch_size, self.num_heads, -1, -1
                )
            if key_padding_mask is not None:
                padding = key_padding_mask.view(batch_size, 1, 1, seq_len)
                merged_mask = merged_mask + padding.expand(-1, self.num_heads, -1, -1)
        return merged_mask, mask_type
