"""``CompositeOp``: one graph node whose values and derivatives are a composition's.

Where torch has one kernel (one node) and microtensor computes the function as a composition
of differentiable ops, a subclass names torch's node and gives the composition as
``compose(*tensors, *options)``. Its forward runs the composition on copies of the inputs,
recording it only when a gradient is needed; the first-order backward differentiates that
recorded graph (no recomputation); under ``create_graph=True`` the composition is rerun on the
saved input Tensors, so that second derivatives reach the outer graph. The derivative formulas
are the composing ops', written once there.
"""

from __future__ import annotations

from typing import Any

from microtensor import autograd
from microtensor.autograd.function import Op
from microtensor.autograd.grad_mode import enable_grad, no_grad
from microtensor.ops import dual
from microtensor.tensor import Tensor


class CompositeOp(Op):
    """y = compose(*tensors, *options);  dy/d(tensors): the composition's derivatives.

    ``apply(*tensors, *options)``: the first ``tensors`` arguments are the differentiable
    inputs (``tensors`` is a class attribute), the rest are passed to ``compose`` unchanged.
    """

    tensors = 1

    @staticmethod
    def compose(*args: Any) -> Tensor:
        """The function as differentiable ops on Tensors; override in subclasses."""
        raise NotImplementedError

    @staticmethod
    def forward(ctx: Any, *args: Any) -> Any:
        k = ctx.tensors
        ctx.options = args[k:]
        ctx.save_for_backward(*args[:k])
        needs = ctx.needs_input_grad[:k]
        copies = [Tensor._make(a, bool(need)) for a, need in zip(args[:k], needs, strict=True)]
        with enable_grad() if True in needs else no_grad():
            out = ctx.compose(*copies, *ctx.options)
        ctx.recorded = (out, copies) if True in needs else None
        return out._data

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        k = ctx.tensors
        needs = ctx.needs_input_grad[:k]
        if dual.is_array(grad_out):
            out, inputs = ctx.recorded
            upstream, create = Tensor._make(grad_out), False
        else:
            inputs = list(ctx.saved_tensors)
            with enable_grad():
                out = ctx.compose(*inputs, *ctx.options)
            upstream, create = grad_out, True
        wanted = [t for t, need in zip(inputs, needs, strict=True) if need]
        found = iter(
            autograd.grad(
                out, wanted, upstream, retain_graph=True, create_graph=create, allow_unused=True
            )
        )
        grads = [next(found) if need else None for need in needs]
        if not create:
            grads = [None if g is None else g._data for g in grads]
        return (*grads, *([None] * len(ctx.options)))
