"""``Transformer`` and the ``TransformerEncoder`` / ``TransformerDecoder`` stacks.

A stack holds copies of a layer (``transformer_layers.py``) as ``layers.0``, ``layers.1`` ...
and an optional final ``norm``, as in PyTorch, so a torch state dict loads unchanged and gives
the same outputs.

Differs from PyTorch: there is no fused fast path in evaluation; the general path computes the
same values. ``TransformerEncoder`` keeps what PyTorch's nested-tensor path shows: in evaluation
without autograd, with a left-aligned ``src_key_padding_mask`` and no ``mask``, the padded
positions come out as zeros (before the final norm).
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np

from microtensor import dtypes
from microtensor._device import check_cpu as _device
from microtensor.autograd.grad_mode import is_grad_enabled
from microtensor.nn import init
from microtensor.nn._functional.activation import relu
from microtensor.nn._functional.multi_head_attention import _canonical_mask
from microtensor.nn.containers import ModuleList
from microtensor.nn.module import Module
from microtensor.nn.normalization import LayerNorm
from microtensor.nn.transformer_layers import (
    Activation,
    TransformerDecoderLayer,
    TransformerEncoderLayer,
)
from microtensor.tensor import Tensor

__all__ = ["Transformer", "TransformerDecoder", "TransformerEncoder"]


def _generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
    """``(sz, sz)`` float mask: 0 on and below the diagonal, -inf above."""
    if device is not None:
        _device(device)  # only the CPU exists; anything else raises
    np_dtype = dtypes.to_dtype(dtype or dtypes.get_default_dtype()).numpy
    return Tensor._make(np.triu(np.full((sz, sz), -np.inf, dtype=np_dtype), 1))


def _detect_is_causal_mask(mask: Tensor | None, is_causal: bool | None, size: int | None) -> bool:
    """The hint as given; if None, whether ``mask`` equals the causal mask of ``size``."""
    if is_causal is not None or mask is None:
        return is_causal is True
    size = size if size is not None else mask.shape[-2]
    causal = _generate_square_subsequent_mask(size, dtype=mask.dtype)
    if tuple(mask.shape) != tuple(causal.shape):
        return False
    return bool(np.all(mask._data == causal._data))


def _get_clones(module: Module, n: int) -> ModuleList:
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def _why_not_nested(layer: Module) -> str:
    """Why PyTorch would not use nested tensors for a stack of this layer ("" if it would)."""
    name = "encoder_layer"
    if not isinstance(layer, TransformerEncoderLayer):
        return f"{name} was not TransformerEncoderLayer"
    attn = layer.self_attn
    reasons = [
        (layer.norm_first, f"{name}.norm_first was True"),
        (
            not attn.batch_first,
            f"{name}.self_attn.batch_first was not True(use batch_first for better inference "
            "performance)",
        ),
        (not attn._qkv_same_embed_dim, f"{name}.self_attn._qkv_same_embed_dim was not True"),
        (attn.in_proj_bias is None, f"{name}.self_attn was passed bias=False"),
        (not layer.activation_relu_or_gelu, f"{name}.activation_relu_or_gelu was not True"),
        (layer.norm1.eps != layer.norm2.eps, f"{name}.norm1.eps was not equal to {name}.norm2.eps"),
        (attn.num_heads % 2 == 1, f"{name}.self_attn.num_heads is odd"),
    ]
    return next((reason for failed, reason in reasons if failed), "")


def _seq_len(src: Tensor, batch_first: bool) -> int:
    return src.shape[0] if src.ndim == 2 else src.shape[1 if batch_first else 0]


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (``layers.0`` ...), then ``norm``.

    Args:
        encoder_layer: the layer to copy (each copy starts with its parameters).
        num_layers: layers in the stack.
        norm: an optional final normalisation module.
        enable_nested_tensor: as PyTorch: where its nested-tensor path would run (evaluation
            without autograd, batch_first layers, a left-aligned ``src_key_padding_mask`` and
            no ``mask``), padded positions of the output are zeros; it warns, as PyTorch,
            when the layer rules that path out.
        mask_check: check that the padding mask is left-aligned before taking that path.

    Example:
        >>> import microtensor as mt
        >>> layer = mt.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
        >>> encoder = mt.nn.TransformerEncoder(layer, num_layers=2)
        >>> mask = mt.nn.Transformer.generate_square_subsequent_mask(5)
        >>> encoder(mt.randn(3, 5, 8), mask=mask).shape
        microtensor.Size([3, 5, 8])
    """

    def __init__(
        self,
        encoder_layer: Module,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why_not = _why_not_nested(encoder_layer)
        if enable_nested_tensor and why_not:
            warnings.warn(
                f"enable_nested_tensor is True, but self.use_nested_tensor is False because "
                f"{why_not}",
                stacklevel=2,
            )
            self.use_nested_tensor = False

    def forward(
        self,
        src: Tensor,
        mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        """Run every layer with the same masks; return the output, shaped like ``src``."""
        kpm = _canonical_mask(src_key_padding_mask, "src_key_padding_mask", mask, "mask", src.dtype)
        mask = _canonical_mask(mask, "mask", None, "", src.dtype)
        first = self.layers[0]
        batch_first = bool(getattr(getattr(first, "self_attn", None), "batch_first", False))
        causal = _detect_is_causal_mask(mask, is_causal, _seq_len(src, batch_first))
        padded = self._nested_padding(src, mask, kpm)
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=causal, src_key_padding_mask=kpm)
        if padded is not None:  # PyTorch's nested tensor comes back padded with zeros
            output = output.masked_fill(padded, 0.0)
        return output if self.norm is None else self.norm(output)

    def _nested_padding(self, src: Tensor, mask: Tensor | None, kpm: Tensor | None) -> Any:
        """Where PyTorch would run on a nested tensor: the padded positions ``(N, S, 1)``."""
        first = self.layers[0]
        if not self.use_nested_tensor or first.training or src.ndim != 3 or kpm is None:
            return None
        valid = kpm._data == 0  # PyTorch: src_key_padding_mask.logical_not()
        left_aligned = not np.any(np.diff(valid.astype(np.int8), axis=1) > 0)
        if (self.mask_check and not left_aligned) or mask is not None:
            return None
        attn = first.self_attn
        params = [attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.weight, attn.out_proj.bias]
        for module in (first.norm1, first.norm2, first.linear1, first.linear2):
            params += [module.weight, module.bias]
        tensors = [src, *(p for p in params if p is not None)]
        if is_grad_enabled() and any(t.requires_grad for t in tensors):
            return None
        return Tensor._make(~valid[:, :, None])


class TransformerDecoder(Module):
    """A stack of ``num_layers`` copies of ``decoder_layer`` (``layers.0`` ...), then ``norm``.

    Args:
        decoder_layer: the layer to copy (each copy starts with its parameters).
        num_layers: layers in the stack.
        norm: an optional final normalisation module.

    Example:
        >>> import microtensor as mt
        >>> layer = mt.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)
        >>> decoder = mt.nn.TransformerDecoder(layer, num_layers=2)
        >>> decoder(mt.randn(4, 3, 8), mt.randn(6, 3, 8)).shape
        microtensor.Size([4, 3, 8])
    """

    def __init__(self, decoder_layer: Module, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Run every layer over ``tgt`` with the memory; return the output, shaped like tgt."""
        first = self.layers[0]
        batch_first = bool(getattr(getattr(first, "self_attn", None), "batch_first", False))
        causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, _seq_len(tgt, batch_first))
        output = tgt
        for layer in self.layers:
            output = layer(
                output,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=causal,
                memory_is_causal=memory_is_causal,
            )
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """The encoder-decoder Transformer of "Attention Is All You Need" (PyTorch's layout).

    Args:
        d_model: features of the inputs.
        nhead: attention heads.
        num_encoder_layers: layers in the encoder.
        num_decoder_layers: layers in the decoder.
        dim_feedforward: width of the feed-forward networks.
        dropout: dropout probability.
        activation: ``"relu"``, ``"gelu"`` or a unary callable.
        custom_encoder: a module used instead of the default encoder.
        custom_decoder: a module used instead of the default decoder.
        layer_norm_eps: eps of the LayerNorms.
        batch_first: if True, inputs and output are ``(N, S, E)`` instead of ``(S, N, E)``.
        norm_first: if True, LayerNorm comes before each block.
        bias: if False, the Linear and LayerNorm layers have no bias.
        device: only ``"cpu"`` (or None).
        dtype: the parameters' dtype (default: the default float dtype).

    Shape:
        - src ``(S, N, E)``, tgt ``(T, N, E)`` (batch_first: ``(N, S, E)``, ``(N, T, E)``), or
          unbatched ``(S, E)``, ``(T, E)``; masks as in ``MultiheadAttention``.
        - Output: ``(T, N, E)`` (batch_first: ``(N, T, E)``).

    Raises:
        RuntimeError: if src and tgt differ in batch size or their features are not d_model.

    Example:
        >>> import microtensor as mt
        >>> model = mt.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
        ...                           num_decoder_layers=1, dim_feedforward=16)
        >>> tgt_mask = model.generate_square_subsequent_mask(4)
        >>> model(mt.randn(6, 3, 8), mt.randn(4, 3, 8), tgt_mask=tgt_mask).shape
        microtensor.Size([4, 3, 8])
    """

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Activation = relu,
        custom_encoder: Any | None = None,
        custom_decoder: Any | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        options = (dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            enc_layer = TransformerEncoderLayer(d_model, nhead, *options, bias, **factory)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            self.encoder = TransformerEncoder(enc_layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            dec_layer = TransformerDecoderLayer(d_model, nhead, *options, bias, **factory)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
            self.decoder = TransformerDecoder(dec_layer, num_decoder_layers, norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Tensor | None = None,
        tgt_mask: Tensor | None = None,
        memory_mask: Tensor | None = None,
        src_key_padding_mask: Tensor | None = None,
        tgt_key_padding_mask: Tensor | None = None,
        memory_key_padding_mask: Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """Encode ``src``, decode ``tgt`` against the memory; return the decoder output."""
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """A causal ``(sz, sz)`` float mask: 0 where a position may attend, -inf above.

        Example:
            >>> import microtensor as mt
            >>> mt.nn.Transformer.generate_square_subsequent_mask(3)
            tensor([[0., -inf, -inf],
                    [0., 0., -inf],
                    [0., 0., 0.]])
        """
        return _generate_square_subsequent_mask(sz, device, dtype)

    def _reset_parameters(self) -> None:
        """Xavier-uniform for every parameter with more than one dim, as PyTorch."""
        for param in self.parameters():
            if param.ndim > 1:
                init.xavier_uniform_(param)
