"""Reverse-mode transforms: ``grad``, ``grad_and_value``, ``vjp``, ``jacrev``.

Each runs ``func`` on differentiable copies of its inputs and differentiates with the ordinary
engine, recording the backward pass so that transforms nest (see ``_levels``). Results are
exact: they are the same backward formulas ``Tensor.backward`` uses.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from microtensor.func import _argnums
from microtensor.func._levels import backprop, level
from microtensor.func._pytree import tree_flatten, tree_unflatten
from microtensor.tensor import Tensor

__all__ = ["grad", "grad_and_value", "jacrev", "vjp"]


def _split_aux(output: Any, has_aux: bool, api: str) -> tuple[Any, Any]:
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(
            f"{api}: output of function f should be a tuple: (output, aux) if has_aux is True"
        )
    return output[0], output[1]


def grad_and_value(
    func: Callable[..., Any], argnums: _argnums.argnums_t = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Return a function computing the gradient of ``func`` and its value, as ``torch.func``.

    Args:
        func: a function returning a scalar (0-d) Tensor, or ``(scalar, aux)`` with has_aux.
        argnums: the positional argument(s) to differentiate: an int, or a tuple of ints.
        has_aux: ``func`` returns ``(output, aux)``; aux is returned, not differentiated.

    Returns:
        A function of ``func``'s arguments returning ``(grad, value)``, or
        ``(grad, (value, aux))`` with has_aux. grad has the structure of the argument (a pytree
        of Tensors), or is a tuple of those for tuple argnums; an input the output does not use
        gets zeros.

    Raises:
        RuntimeError: if ``func`` does not return a scalar Tensor (or a pair with has_aux),
            or for invalid argnums.
        ValueError: if a differentiated argument holds something other than Tensors.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.func import grad_and_value
        >>> grad_and_value(lambda x: (x**2).sum())(mt.tensor([1.0, 2.0]))
        (tensor([2., 4.]), tensor(5.))
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with level() as lvl:
            nums = _argnums.normalize(argnums, len(args))
            diff_args = lvl.copy(_argnums.select(args, nums))
            output = func(*_argnums.replace(args, nums, diff_args), **kwargs)
            output, aux = _split_aux(output, has_aux, "grad_and_value(f)(*args)")
            _check_scalar(output)
            flat_inputs, spec = tree_flatten(diff_args)
            grads = tree_unflatten(backprop([output], flat_inputs, [None]), spec)
            result = (grads, (output, aux)) if has_aux else (grads, output)
            return lvl.release(result)

    return wrapper


def _check_scalar(output: Any) -> None:
    if not isinstance(output, Tensor):
        raise RuntimeError(
            f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(output)}"
        )
    if output.dim() != 0:
        raise RuntimeError(
            "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor "
            f"with {output.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
        )


def grad(
    func: Callable[..., Any], argnums: _argnums.argnums_t = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """Return a function computing the gradient of the scalar function ``func``, as ``torch.func``.

    Transforms compose: ``grad(grad(f))`` is the second derivative, ``vmap(grad(f))`` gives
    per-sample gradients.

    Args:
        func: a function returning a scalar (0-d) Tensor, or ``(scalar, aux)`` with has_aux.
        argnums: the positional argument(s) to differentiate: an int, or a tuple of ints.
        has_aux: ``func`` returns ``(output, aux)``; the function then returns ``(grad, aux)``.

    Returns:
        A function of ``func``'s arguments returning the gradient, shaped like the argument(s)
        (see ``grad_and_value``).

    Raises:
        RuntimeError: if ``func`` does not return a scalar Tensor, or for invalid argnums.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.func import grad
        >>> x = mt.tensor(2.0)
        >>> grad(mt.sin)(x)
        tensor(-0.4161)
        >>> grad(grad(lambda x: x**3))(x)
        tensor(12.)
    """
    inner = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        grads, value = inner(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """Run ``func(*primals)`` and return its output with a vector-Jacobian-product function.

    Args:
        func: a function of Tensors (pytrees of Tensors) returning a pytree of Tensors.
        *primals: the arguments to ``func``.
        has_aux: ``func`` returns ``(output, aux)``; aux is returned third.

    Returns:
        ``(output, vjp_fn)`` or ``(output, vjp_fn, aux)``. ``vjp_fn(cotangents)``, with
        cotangents shaped like the output, returns a tuple with one gradient per primal; it
        may be called several times (its ``retain_graph`` and ``create_graph`` arguments are
        accepted: the graph is always kept, and the result recorded for outer transforms).

    Raises:
        RuntimeError: if an output is not a floating-point Tensor, if the cotangents' structure
            or shapes differ from the output's, or (has_aux) f does not return a pair.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.func import vjp
        >>> out, vjp_fn = vjp(lambda x: x**2, mt.tensor([1.0, 2.0]))
        >>> vjp_fn(mt.tensor([1.0, 10.0]))
        (tensor([ 2., 40.]),)
    """
    with level() as lvl:
        diff_primals = lvl.copy(primals)
        output, aux = _split_aux(func(*diff_primals), has_aux, "vjp(f, *primals)")
        flat_out, out_spec = tree_flatten(output)
        for out in flat_out:
            _check_output(out)
        flat_primals, primal_spec = tree_flatten(diff_primals)

    def vjp_fn(cotangents: Any, retain_graph: bool = True, create_graph: bool | None = None) -> Any:
        flat_cot, cot_spec = tree_flatten(cotangents)
        if cot_spec != out_spec:
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of "
                f"outputs to the function. cotangents: {cot_spec.pprint()}, primal output: "
                f"{out_spec.pprint()}"
            )
        _check_shapes(flat_cot, flat_out)
        with level():
            grads = backprop(flat_out, flat_primals, flat_cot)
        return lvl.release(tree_unflatten(grads, primal_spec))

    result = (lvl.release(output), vjp_fn)
    return (*result, lvl.release(aux)) if has_aux else result


def _check_output(out: Any, api: str = "vjp(f, *primals)") -> None:
    if not isinstance(out, Tensor):
        raise RuntimeError(
            f"{api}: expected f(*primals) to return only tensors, got unsupported type {type(out)}"
        )
    if not out.is_floating_point():
        raise RuntimeError(
            "vjp(f, ...): All outputs of f must be floating-point or complex Tensors, got Tensor "
            f"with dtype {out.dtype}"
        )


def _check_shapes(cotangents: list[Any], outputs: list[Tensor]) -> None:
    for i, (cot, out) in enumerate(zip(cotangents, outputs, strict=True)):
        if not isinstance(cot, Tensor) or cot.shape != out.shape:
            shape = cot.shape if isinstance(cot, Tensor) else type(cot).__name__
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {shape} and output[{i}] "
                f"has a shape of {out.shape}."
            )


def jacrev(
    func: Callable[..., Any],
    argnums: _argnums.argnums_t = 0,
    *,
    has_aux: bool = False,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """Return a function computing the Jacobian of ``func`` by reverse mode, as ``torch.func``.

    One vector-Jacobian product per output element (a row of the Jacobian each).

    Args:
        func: a function returning a Tensor or a pytree of Tensors (or ``(output, aux)``).
        argnums: the positional argument(s) to differentiate: an int, or a tuple of ints.
        has_aux: ``func`` returns ``(output, aux)``; the function then returns ``(jac, aux)``.
        chunk_size: how many rows PyTorch computes at once; accepted (rows are computed one at
            a time here, with the same result).

    Returns:
        A function returning the Jacobian: for each output leaf, shaped
        ``output.shape + input.shape`` per input leaf, in the structure of the output, then of
        the argument (a tuple over argnums for tuple argnums).

    Raises:
        ValueError: for ``chunk_size`` 0 or negative.
        RuntimeError: for invalid argnums or outputs that are not floating-point Tensors.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.func import jacrev
        >>> jacrev(lambda x: x**2)(mt.tensor([1.0, 2.0]))
        tensor([[2., 0.],
                [0., 4.]])
    """
    if chunk_size is not None and chunk_size <= 0:
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with level() as lvl:
            nums = _argnums.normalize(argnums, len(args))
            diff_args = lvl.copy(_argnums.select(args, nums))
            output = func(*_argnums.replace(args, nums, diff_args), **kwargs)
            output, aux = _split_aux(output, has_aux, "vjp(f, *primals)")
            flat_out, out_spec = tree_flatten(output)
            for out in flat_out:
                _check_output(out)
            flat_in, in_spec = tree_flatten(diff_args)
            jac = [tree_unflatten(_jacobian_rows(out, flat_in), in_spec) for out in flat_out]
            jac_tree = tree_unflatten(jac, out_spec)
            return lvl.release((jac_tree, aux) if has_aux else jac_tree)

    return wrapper


def _jacobian_rows(out: Tensor, inputs: list[Tensor]) -> list[Tensor]:
    """The Jacobian of out with respect to each input, shaped ``out.shape + input.shape``."""
    from microtensor._range_factories import eye
    from microtensor.creation import zeros
    from microtensor.ops import stack

    n = out.numel()
    if n == 0:
        return [zeros(*out.shape, *x.shape, dtype=out.dtype) for x in inputs]
    basis = eye(n, dtype=out.dtype).reshape(n, *out.shape)
    rows = [backprop([out], inputs, [basis[k]]) for k in range(n)]
    return [
        stack([row[j] for row in rows]).reshape(*out.shape, *x.shape) for j, x in enumerate(inputs)
    ]
