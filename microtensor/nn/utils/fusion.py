"""``torch.nn.utils.fusion``: fold an eval-mode BatchNorm into the conv or linear before it.

BatchNorm in eval mode is the affine map ``y = (x - mean) / sqrt(var + eps) * w + b``, so
it merges into the preceding layer: ``W' = W * s`` (per output channel), ``b' = (b - mean) * s
+ beta`` with ``s = w / sqrt(var + eps)``.
"""

from __future__ import annotations

import copy

from microtensor import creation
from microtensor.autograd.grad_mode import no_grad
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor

__all__ = [
    "fuse_conv_bn_eval",
    "fuse_conv_bn_weights",
    "fuse_linear_bn_eval",
    "fuse_linear_bn_weights",
]


def _eval_pair(layer: Module, bn: Module) -> None:
    if layer.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("fusion needs the BatchNorm's running statistics")


def fuse_conv_bn_eval(conv: Module, bn: Module, transpose: bool = False) -> Module:
    """A copy of ``conv`` computing ``bn(conv(x))`` (both in eval mode).

    Args:
        conv: a Conv (or ConvTranspose with ``transpose=True``) in eval mode.
        bn: the BatchNorm after it, in eval mode.
        transpose: ``conv`` is a transposed convolution (channels on dim 1 of its weight).

    Returns:
        The fused convolution.

    Raises:
        AssertionError: either module is in training mode (as PyTorch).
    """
    _eval_pair(conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose,
    )  # fmt: skip
    return fused


def fuse_conv_bn_weights(
    conv_w: Tensor,
    conv_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor | None,
    bn_b: Tensor | None,
    transpose: bool = False,
) -> tuple[Parameter, Parameter]:
    """The fused convolution's ``(weight, bias)`` as Parameters.

    Example:
        >>> import microtensor as mt
        >>> w, b = fuse_conv_bn_weights(mt.ones(2, 1, 1), None, mt.zeros(2), mt.full((2,), 3.0),
        ...                             1.0, None, None)
        >>> w.flatten().tolist(), b.tolist()
        ([0.5, 0.5], [0.0, 0.0])
    """
    weight_dtype = conv_w.dtype
    bias_dtype = conv_b.dtype if conv_b is not None else weight_dtype
    bias = conv_b if conv_b is not None else creation.zeros_like(bn_rm)
    with no_grad():
        scale_w = bn_w if bn_w is not None else creation.ones_like(bn_rm)
        shift = bn_b if bn_b is not None else creation.zeros_like(bn_rm)
        rsqrt = (bn_rv + bn_eps).rsqrt()
        shape = [1, -1] if transpose else [-1, 1]
        shape += [1] * (conv_w.ndim - 2)
        fused_w = (conv_w * (scale_w * rsqrt).reshape(shape)).to(weight_dtype)
        fused_b = ((bias - bn_rm) * rsqrt * scale_w + shift).to(bias_dtype)
    return Parameter(fused_w, conv_w.requires_grad), Parameter(fused_b, bias.requires_grad)


def fuse_linear_bn_eval(linear: Module, bn: Module) -> Module:
    """A copy of ``linear`` computing ``bn(linear(x))`` (both in eval mode).

    Raises:
        AssertionError: either module is in training mode, or the sizes do not match.
    """
    _eval_pair(linear, bn)
    if not (linear.out_features == bn.num_features or bn.num_features == 1):
        raise AssertionError(
            "To fuse, linear.out_features == bn.num_features or bn.num_features == 1"
        )
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
    )
    return fused


def fuse_linear_bn_weights(
    linear_w: Tensor,
    linear_b: Tensor | None,
    bn_rm: Tensor,
    bn_rv: Tensor,
    bn_eps: float,
    bn_w: Tensor,
    bn_b: Tensor,
) -> tuple[Parameter, Parameter]:
    """The fused linear layer's ``(weight, bias)`` as Parameters."""
    weight_dtype = linear_w.dtype
    bias_dtype = linear_b.dtype if linear_b is not None else weight_dtype
    bias = linear_b if linear_b is not None else creation.zeros_like(bn_rm)
    with no_grad():
        scale = bn_w * (bn_rv + bn_eps).rsqrt()
        fused_w = linear_w * scale.unsqueeze(-1).to(weight_dtype)
        fused_b = ((bias - bn_rm) * scale + bn_b).to(bias_dtype)
    return Parameter(fused_w, linear_w.requires_grad), Parameter(fused_b, bias.requires_grad)
