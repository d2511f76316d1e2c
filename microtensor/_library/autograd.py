"""The Autograd kernel of a custom op: an ``autograd.Function`` around the op's backend kernel.

It plays the part of torch's ``torch._library.autograd.make_autograd_impl``: when grad mode is
on and an input requires grad, the call goes through a generated ``Function`` whose forward
runs the kernel below autograd and calls the registered ``setup_context``, and whose backward
calls the registered ``backward``. Tensor-list arguments (``Tensor[]``) are flattened into the
Function's inputs so that every Tensor gets its own edge.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microtensor._library.registry import OpOverload, flat_tensors
from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import is_grad_enabled
from microtensor.tensor import Tensor


class _Spec:
    """How the flat Function inputs and outputs fold back into the op's arguments and results.

    The Function sees every Tensor of a ``Tensor[]`` argument as an input of its own, and only
    the Tensor results as outputs (an ``int`` result or a mutating op's None is kept here).
    """

    def __init__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.lengths = [len(a) if _is_tensor_list(a) else None for a in args]
        self.kwargs = kwargs
        self.result_is_tuple = False
        self.result_lists: list[int | None] = []
        self.flat_results: list[Any] = []  # the non-Tensor results; None where a Tensor goes
        self.tensor_positions: list[int] = []

    def unflatten(self, flat: tuple[Any, ...]) -> tuple[Any, ...]:
        return _group(flat, self.lengths)

    def tensor_results(self, result: Any) -> tuple[Tensor, ...]:
        """Remember the shape of ``result``; the Tensors in it, flat."""
        self.result_is_tuple = isinstance(result, tuple)
        results = result if isinstance(result, tuple) else (result,)
        self.result_lists = [len(r) if isinstance(r, list) else None for r in results]
        flat = _flatten(results)
        self.tensor_positions = [i for i, r in enumerate(flat) if isinstance(r, Tensor)]
        self.flat_results = [None if isinstance(r, Tensor) else r for r in flat]
        return tuple(flat[i] for i in self.tensor_positions)

    def per_result(self, tensors: tuple[Any, ...]) -> tuple[Any, ...]:
        """One value per result (a list for a ``Tensor[]`` one) from the flat Tensor values."""
        flat = list(self.flat_results)
        for i, t in zip(self.tensor_positions, tensors, strict=True):
            flat[i] = t
        return _group(tuple(flat), self.result_lists)


def _group(flat: tuple[Any, ...], lengths: list[int | None]) -> tuple[Any, ...]:
    out, i = [], 0
    for n in lengths:
        out.append(flat[i] if n is None else list(flat[i : i + n]))
        i += 1 if n is None else n
    return tuple(out)


def _is_tensor_list(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(v, Tensor) for v in value)


def _flatten(args: tuple[Any, ...]) -> tuple[Any, ...]:
    flat: list[Any] = []
    for a in args:
        flat += a if _is_tensor_list(a) else [a]
    return tuple(flat)


def _detached(args: tuple[Any, ...]) -> tuple[Any, ...]:
    # torch's kernel may call x.numpy() on an input that requires grad: below the Autograd
    # key the tensor takes no part in autograd. A detached alias (same data and version
    # counter) says so in microtensor.
    def one(a: Any) -> Any:
        if isinstance(a, Tensor):
            return a.detach() if a.requires_grad else a
        return [one(v) for v in a] if _is_tensor_list(a) else a

    return tuple(one(a) for a in args)


def make_autograd_impl(op: OpOverload, info: Any) -> Callable[..., Any]:
    """The Autograd kernel of ``op``; ``info`` has ``_backward_fn`` and ``_setup_context_fn``."""
    has_kwarg_only = any(a.kwarg_only for a in op._schema.arguments)

    def forward(ctx: Any, *flat_and_spec: Any) -> Any:
        spec: _Spec = flat_and_spec[-1]
        args = spec.unflatten(flat_and_spec[:-1])
        result = op.redispatch_below_autograd(_detached(args), spec.kwargs)
        if info._setup_context_fn:
            if has_kwarg_only:
                info._setup_context_fn(
                    ctx=ctx, inputs=args, keyword_only_inputs=spec.kwargs, output=result
                )
            else:
                info._setup_context_fn(ctx=ctx, inputs=args, output=result)
        ctx._pt_spec = spec
        return spec.tensor_results(result)

    def backward(ctx: Any, *flat_grads: Any) -> Any:
        if not info._backward_fn:
            raise RuntimeError(
                f"Trying to backward through {op} but no autograd formula was registered. "
                "Please use register_autograd to add one."
            )
        spec: _Spec = ctx._pt_spec
        grads = spec.per_result(flat_grads)  # None for a result that is no Tensor
        needs = ctx.needs_input_grad
        try:
            ctx.needs_input_grad = spec.unflatten(needs[:-1])
            result = info._backward_fn(ctx, *grads)
        finally:
            ctx.needs_input_grad = needs
        result = result if isinstance(result, tuple) else (result,)
        flat: list[Any] = []
        for n, g in zip(spec.lengths, result, strict=False):
            flat += [g] if n is None else (list(g) if g is not None else [None] * n)
        return (*flat, None)

    name = f"GeneratedBackwardFor_{op._namespace}_{op._opname}_{op._overloadname}"
    generated: Any = type(
        name,
        (Function,),
        {"forward": staticmethod(forward), "backward": staticmethod(backward)},
    )

    def autograd_impl(*args: Any, **keyword_only_args: Any) -> Any:
        if not (is_grad_enabled() and any(t.requires_grad for t in flat_tensors(args))):
            return op.redispatch_below_autograd(_detached(args), keyword_only_args)
        spec = _Spec(args, keyword_only_args)
        flat_out = generated.apply(*_flatten(args), spec)
        results = spec.per_result(flat_out if isinstance(flat_out, tuple) else (flat_out,))
        return results if spec.result_is_tuple else results[0]

    return autograd_impl
