"""torch's ``_foreach_*`` functions: one op over a list of tensors.

PyTorch fuses these into multi-tensor kernels; programs call them directly for weight EMAs
(``_foreach_lerp_``, ``_foreach_mul_``, ``_foreach_add_``), hand-written optimizers and
gradient clipping (``_foreach_norm``). Each function here is the per-tensor loop over the
Tensor method of the same name, which owns the behaviour (in-place rules, type promotion), so
the results are the unfused op's, as torch's CPU slow path computes them. The second operand
is a number, a tensor, or a list with one entry per tensor.

Returns follow torch 2.13: an out-of-place function returns a tuple of new tensors, an
in-place one (trailing ``_``) the list it was given.

Example:
    >>> import microtensor as mt
    >>> ema, params = [mt.zeros(2)], [mt.ones(2)]
    >>> _ = mt._foreach_lerp_(ema, params, 0.25)
    >>> ema[0]
    tensor([0.2500, 0.2500])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from microtensor.tensor import Tensor

TensorList = Sequence[Tensor]


def _per_tensor(name: str, self: TensorList, operand: Any) -> list[Any]:
    """The operand for each tensor: a list as long as ``self``, or the one value repeated."""
    if isinstance(operand, list | tuple):
        if len(operand) != len(self):
            raise RuntimeError(
                f"{name}(): Tensor lists must have the same number of tensors, got "
                f"{len(self)} and {len(operand)}"
            )
        return list(operand)
    return [operand] * len(self)


def _columns(name: str, self: TensorList, operands: tuple[Any, ...]) -> Any:
    """``(t, operand_1, ...)`` for each tensor of ``self``, after checking that it is a list."""
    if not isinstance(self, list | tuple) or not all(isinstance(t, Tensor) for t in self):
        raise TypeError(f"{name}(): argument 'self' must be a list of tensors")
    return zip(self, *(_per_tensor(name, self, o) for o in operands), strict=True)


def _map(name: str, method: str, self: TensorList, *operands: Any, **kw: Any) -> tuple:
    """``tuple(t.<method>(*operands_t, **kw))`` over the tensors."""
    return tuple(getattr(t, method)(*ops, **kw) for t, *ops in _columns(name, self, operands))


def _apply_(name: str, method: str, self: TensorList, *operands: Any, **kw: Any) -> TensorList:
    """``t.<method>(*operands_t, **kw)`` in place for each tensor; returns ``self``."""
    for t, *ops in _columns(name, self, operands):
        getattr(t, method)(*ops, **kw)
    return self


def _foreach_add(self: TensorList, other: Any, *, alpha: Any = 1) -> tuple[Tensor, ...]:
    """``t + alpha * o`` for each tensor."""
    return _map("_foreach_add", "add", self, other, alpha=alpha)


def _foreach_add_(self: TensorList, other: Any, *, alpha: Any = 1) -> TensorList:
    """``t.add_(o, alpha=alpha)`` for each tensor."""
    return _apply_("_foreach_add_", "add_", self, other, alpha=alpha)


def _foreach_sub(self: TensorList, other: Any, *, alpha: Any = 1) -> tuple[Tensor, ...]:
    """``t - alpha * o`` for each tensor."""
    return _map("_foreach_sub", "sub", self, other, alpha=alpha)


def _foreach_sub_(self: TensorList, other: Any, *, alpha: Any = 1) -> TensorList:
    """``t.sub_(o, alpha=alpha)`` for each tensor."""
    return _apply_("_foreach_sub_", "sub_", self, other, alpha=alpha)


def _foreach_mul(self: TensorList, other: Any) -> tuple[Tensor, ...]:
    """``t * o`` for each tensor."""
    return _map("_foreach_mul", "mul", self, other)


def _foreach_mul_(self: TensorList, other: Any) -> TensorList:
    """``t.mul_(o)`` for each tensor."""
    return _apply_("_foreach_mul_", "mul_", self, other)


def _foreach_div(self: TensorList, other: Any) -> tuple[Tensor, ...]:
    """``t / o`` for each tensor."""
    return _map("_foreach_div", "div", self, other)


def _foreach_div_(self: TensorList, other: Any) -> TensorList:
    """``t.div_(o)`` for each tensor."""
    return _apply_("_foreach_div_", "div_", self, other)


def _foreach_lerp(self: TensorList, tensors1: TensorList, weight: Any) -> tuple[Tensor, ...]:
    """``t + w * (e - t)`` for each tensor; ``weight`` a number or one per tensor."""
    return _map("_foreach_lerp", "lerp", self, tensors1, weight)


def _foreach_lerp_(self: TensorList, tensors1: TensorList, weight: Any) -> TensorList:
    """``t.lerp_(e, w)`` for each tensor (the EMA update ``ema += w * (p - ema)``)."""
    return _apply_("_foreach_lerp_", "lerp_", self, tensors1, weight)


def _foreach_addcmul(
    self: TensorList, tensor1: TensorList, tensor2: TensorList, value: Any = 1
) -> tuple[Tensor, ...]:
    """``t + v * a * b`` for each tensor; ``value`` a number or one per tensor."""
    return tuple(
        t.addcmul(a, b, value=v)
        for t, a, b, v in _columns("_foreach_addcmul", self, (tensor1, tensor2, value))
    )


def _foreach_addcmul_(
    self: TensorList, tensor1: TensorList, tensor2: TensorList, value: Any = 1
) -> TensorList:
    """``t.addcmul_(a, b, value=v)`` for each tensor."""
    for t, a, b, v in _columns("_foreach_addcmul_", self, (tensor1, tensor2, value)):
        t.addcmul_(a, b, value=v)
    return self


def _foreach_addcdiv(
    self: TensorList, tensor1: TensorList, tensor2: TensorList, value: Any = 1
) -> tuple[Tensor, ...]:
    """``t + v * a / b`` for each tensor; ``value`` a number or one per tensor."""
    return tuple(
        t.addcdiv(a, b, value=v)
        for t, a, b, v in _columns("_foreach_addcdiv", self, (tensor1, tensor2, value))
    )


def _foreach_addcdiv_(
    self: TensorList, tensor1: TensorList, tensor2: TensorList, value: Any = 1
) -> TensorList:
    """``t.addcdiv_(a, b, value=v)`` for each tensor."""
    for t, a, b, v in _columns("_foreach_addcdiv_", self, (tensor1, tensor2, value)):
        t.addcdiv_(a, b, value=v)
    return self


def _foreach_sqrt(self: TensorList) -> tuple[Tensor, ...]:
    """``t.sqrt()`` for each tensor."""
    return _map("_foreach_sqrt", "sqrt", self)


def _foreach_sqrt_(self: TensorList) -> TensorList:
    """``t.sqrt_()`` for each tensor."""
    return _apply_("_foreach_sqrt_", "sqrt_", self)


def _foreach_neg(self: TensorList) -> tuple[Tensor, ...]:
    """``-t`` for each tensor."""
    return _map("_foreach_neg", "neg", self)


def _foreach_neg_(self: TensorList) -> TensorList:
    """``t.neg_()`` for each tensor."""
    return _apply_("_foreach_neg_", "neg_", self)


def _foreach_abs(self: TensorList) -> tuple[Tensor, ...]:
    """``t.abs()`` for each tensor."""
    return _map("_foreach_abs", "abs", self)


def _foreach_reciprocal(self: TensorList) -> tuple[Tensor, ...]:
    """``1 / t`` for each tensor."""
    return _map("_foreach_reciprocal", "reciprocal", self)


def _foreach_sign(self: TensorList) -> tuple[Tensor, ...]:
    """``t.sign()`` for each tensor."""
    return _map("_foreach_sign", "sign", self)


def _foreach_maximum(self: TensorList, other: Any) -> tuple[Tensor, ...]:
    """``max(t, o)`` elementwise for each tensor; ``other`` a number or one per tensor."""
    return _map("_foreach_maximum", "clamp_min", self, other)


def _foreach_maximum_(self: TensorList, other: Any) -> TensorList:
    """``t = max(t, o)`` in place for each tensor."""
    return _apply_("_foreach_maximum_", "clamp_min_", self, other)


def _foreach_clamp_min_(self: TensorList, other: Any) -> TensorList:
    """``t.clamp_min_(o)`` for each tensor."""
    return _apply_("_foreach_clamp_min_", "clamp_min_", self, other)


def _foreach_clamp_max_(self: TensorList, other: Any) -> TensorList:
    """``t.clamp_max_(o)`` for each tensor."""
    return _apply_("_foreach_clamp_max_", "clamp_max_", self, other)


def _foreach_pow(self: Any, exponent: Any) -> tuple[Tensor, ...]:
    """``t ** e`` for each tensor; ``self`` may be a number base with a list of exponents."""
    if not isinstance(self, list | tuple):
        return tuple(
            e.new_full(e.shape, self).pow(e) for (e,) in _columns("_foreach_pow", exponent, ())
        )
    return _map("_foreach_pow", "pow", self, exponent)


def _foreach_norm(self: TensorList, ord: Any = 2, dtype: Any = None) -> tuple[Tensor, ...]:  # noqa: A002
    """``linalg.vector_norm(t, ord)`` for each tensor: one 0-d norm each."""
    from microtensor import linalg

    return tuple(
        linalg.vector_norm(t, ord, dtype=dtype) for (t,) in _columns("_foreach_norm", self, ())
    )


def _foreach_zero_(self: TensorList) -> TensorList:
    """``t.zero_()`` for each tensor."""
    return _apply_("_foreach_zero_", "zero_", self)


def _foreach_copy_(self: TensorList, src: TensorList, non_blocking: bool = False) -> TensorList:
    """``t.copy_(s, non_blocking=non_blocking)`` for each pair (non_blocking: no-op on the CPU)."""
    return _apply_("_foreach_copy_", "copy_", self, src, non_blocking=non_blocking)
