"""Forward-mode transforms: ``jvp``, ``linearize``, ``jacfwd``, ``hessian``.

microtensor has no dual numbers; a Jacobian-vector product uses the double-vjp trick instead:
with u a dummy cotangent, g(u) = J^T u is linear in u, so the gradient of g(u) . v with
respect to u is J v. Both passes are ordinary recorded backward passes, so the result is
exact and can be differentiated again (``hessian`` is ``jacfwd(jacrev(f))``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from microtensor.func import _argnums
from microtensor.func._levels import Level, backprop, level
from microtensor.func._pytree import tree_flatten, tree_unflatten
from microtensor.func._randomness import check_randomness_arg, random_guard
from microtensor.func.reverse import _check_output, _split_aux, jacrev
from microtensor.tensor import Tensor

__all__ = ["hessian", "jacfwd", "jvp", "linearize"]


def _pushforward(lvl: Level, outputs: list[Tensor], inputs: list[Tensor]) -> Callable[..., Any]:
    """The map from tangents (one per input) to J v (one per output), by the double-vjp trick."""
    from microtensor.creation import zeros_like

    dummies = [lvl.own(zeros_like(out, requires_grad=True)) for out in outputs]
    transposed = backprop(outputs, inputs, dummies)  # J^T u, linear in u

    def push(tangents: list[Any]) -> list[Tensor]:
        with level():
            return backprop(transposed, dummies, tangents)

    return push


def _check_tangents(flat_primals: list[Any], flat_tangents: list[Any], api: str) -> None:
    for primal, tangent in zip(flat_primals, flat_tangents, strict=True):
        if not isinstance(primal, Tensor) or not isinstance(tangent, Tensor):
            bad = tangent if isinstance(primal, Tensor) else primal
            raise RuntimeError(f"{api}: Expected primals and tangents to only contain Tensors, "
                               f"got {type(bad)}")  # fmt: skip
        if primal.shape != tangent.shape:
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the "
                "original Tensor, this is not supported. Tensor is of size "
                f"{list(primal.shape)} while the given forward gradient is of size "
                f"{list(tangent.shape)}."
            )


def jvp(
    func: Callable[..., Any],
    primals: Any,
    tangents: Any,
    *,
    strict: bool = False,
    has_aux: bool = False,
) -> Any:
    """Return ``func(*primals)`` and the Jacobian-vector product J v with ``tangents``.

    Differs from PyTorch: computed by the double-vjp trick (two recorded reverse passes, see
    the module docstring), not by dual numbers; the results are exact.

    Args:
        func: a function of Tensors (pytrees of Tensors) returning a pytree of Tensors.
        primals: a tuple of the arguments to ``func``.
        tangents: the direction, with the structure and shapes of ``primals``.
        strict: raise if the output does not depend on the inputs.
        has_aux: ``func`` returns ``(output, aux)``; aux is returned third.

    Returns:
        ``(output, jvp_out)`` or ``(output, jvp_out, aux)``; jvp_out has the output's structure.

    Raises:
        RuntimeError: if primals is not a tuple, tangents differ from primals in structure or
            shapes, an output is not a Tensor, or (strict) the output is independent of the
            inputs.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.func import jvp
        >>> jvp(lambda x: x**2, (mt.tensor([1.0, 2.0]),), (mt.tensor([1.0, 0.0]),))
        (tensor([1., 4.]), tensor([2., 0.]))
    """
    api = "jvp(f, primals, tangents)"
    for name, value in (("primals", primals), ("tangents", tangents)):
        if not isinstance(value, tuple):
            raise RuntimeError(f"{api}: Expected {name} to be a tuple. E.g. it should be valid "
                               "to call f(*primals).")  # fmt: skip
    flat_primals, primals_spec = tree_flatten(primals)
    flat_tangents, tangents_spec = tree_flatten(tangents)
    if primals_spec != tangents_spec:
        raise RuntimeError(
            f"{api}: Expected primals and tangents to have the same python structure. For "
            "example, if primals is a tuple of 3 tensors, tangents also must be. Got primals "
            f"with structure {primals_spec} and tangents with structure {tangents_spec}"
        )
    _check_tangents(flat_primals, flat_tangents, api)
    with level() as lvl:
        diff_primals = lvl.copy(primals)
        output, aux = _split_aux(func(*diff_primals), has_aux, api)
        flat_out, out_spec = tree_flatten(output)
        for out in flat_out:
            if not isinstance(out, Tensor):
                raise RuntimeError(
                    f"{api}: expected f(*args) to return only tensors, got unsupported type "
                    f"{type(out)}"
                )
        if strict and not any(out.requires_grad for out in flat_out):
            raise RuntimeError(
                "jvp(f, primals, tangents, strict=True): The output of f is independent of the "
                "inputs. This is not allowed with strict=True."
            )
        push = _pushforward(lvl, flat_out, tree_flatten(diff_primals)[0])
        result = (output, tree_unflatten(push(flat_tangents), out_spec))
        return lvl.release((*result, aux) if has_aux else result)


def linearize(func: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """Return ``func(*primals)`` and a function computing J v for tangents v, as ``torch.func``.

    Args:
        func: a function of Tensors returning a pytree of Tensors.
        *primals: the arguments to ``func``.

    Returns:
        ``(output, jvp_fn)``; ``jvp_fn(*tangents)`` returns J v in the output's structure.

    Raises:
        RuntimeError: if the tangents differ from the primals in structure or shapes.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.func import linearize
        >>> out, jvp_fn = linearize(mt.sin, mt.tensor(0.0))
        >>> jvp_fn(mt.tensor(2.0))
        tensor(2.)
    """
    flat_primals, primals_spec = tree_flatten(primals)
    with level() as lvl:
        diff_primals = lvl.copy(primals)
        output = func(*diff_primals)
        flat_out, out_spec = tree_flatten(output)
        push = _pushforward(lvl, flat_out, tree_flatten(diff_primals)[0])

    def jvp_fn(*tangents: Any) -> Any:
        flat_tangents, tangents_spec = tree_flatten(tangents)
        if tangents_spec != primals_spec:
            raise RuntimeError(
                f"Expected the tangents {tangents_spec} to have the same argument structure as "
                f"the primals {primals_spec}"
            )
        _check_tangents(flat_primals, flat_tangents, "linearize")
        return lvl.release(tree_unflatten(push(flat_tangents), out_spec))

    return lvl.release(output), jvp_fn


def jacfwd(
    func: Callable[..., Any],
    argnums: _argnums.argnums_t = 0,
    has_aux: bool = False,
    *,
    randomness: str = "error",
) -> Callable[..., Any]:
    """Return a function computing the Jacobian of ``func`` by forward mode, as ``torch.func``.

    One Jacobian-vector product per input element (a column of the Jacobian each), by the
    double-vjp trick (see ``jvp``); ``func`` itself runs once.

    Args:
        func: a function returning a Tensor or a pytree of Tensors (or ``(output, aux)``).
        argnums: the positional argument(s) to differentiate: an int, or a tuple of ints.
        has_aux: ``func`` returns ``(output, aux)``; the function then returns ``(jac, aux)``.
        randomness: ``"error"`` (random draws in ``func`` raise, as under PyTorch's vmap),
            ``"different"`` or ``"same"``.

    Returns:
        A function returning the Jacobian, structured as ``jacrev``'s.

    Raises:
        RuntimeError: for an unknown randomness, random draws with ``randomness="error"``,
            invalid argnums, or outputs that are not floating-point Tensors.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.func import jacfwd
        >>> jacfwd(lambda x: x**2)(mt.tensor([1.0, 2.0]))
        tensor([[2., 0.],
                [0., 4.]])
    """
    check_randomness_arg(randomness)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with level() as lvl:
            nums = _argnums.normalize(argnums, len(args))
            diff_args = lvl.copy(_argnums.select(args, nums))
            with random_guard(randomness):
                output = func(*_argnums.replace(args, nums, diff_args), **kwargs)
            output, aux = _split_aux(output, has_aux, "jvp(f, primals, tangents)")
            flat_out, out_spec = tree_flatten(output)
            for out in flat_out:
                _check_output(out, "jvp(f, primals, tangents)")
            flat_in, in_spec = tree_flatten(diff_args)
            columns = _jacobian_columns(_pushforward(lvl, flat_out, flat_in), flat_out, flat_in)
            jac = [tree_unflatten(per_input, in_spec) for per_input in columns]
            jac_tree = tree_unflatten(jac, out_spec)
            return lvl.release((jac_tree, aux) if has_aux else jac_tree)

    return wrapper


def _jacobian_columns(
    push: Callable[..., Any], outputs: list[Tensor], inputs: list[Tensor]
) -> list[list[Tensor]]:
    """``[d output_i / d input_j]``, each shaped ``output_i.shape + input_j.shape``."""
    from microtensor._range_factories import eye
    from microtensor.creation import zeros, zeros_like
    from microtensor.ops import stack

    result: list[list[Tensor]] = [[] for _ in outputs]
    for j, x in enumerate(inputs):
        n = x.numel()
        if n == 0:
            for i, out in enumerate(outputs):
                result[i].append(zeros(*out.shape, *x.shape, dtype=out.dtype))
            continue
        basis = eye(n, dtype=x.dtype).reshape(n, *x.shape)
        tangents = [zeros_like(other) for other in inputs]
        cols = []
        for k in range(n):
            tangents[j] = basis[k]
            cols.append(push(tangents))
        for i, out in enumerate(outputs):
            col = stack([c[i] for c in cols], dim=-1)
            result[i].append(col.reshape(*out.shape, *x.shape))
    return result


def hessian(func: Callable[..., Any], argnums: _argnums.argnums_t = 0) -> Callable[..., Any]:
    """Return a function computing the Hessian of the scalar function ``func``: ``jacfwd(jacrev)``.

    Args:
        func: a function returning a one-element Tensor.
        argnums: the positional argument(s) to differentiate: an int, or a tuple of ints.

    Returns:
        A function returning the Hessian, shaped ``input.shape + input.shape`` (nested tuples
        for tuple argnums, as ``jacfwd(jacrev(func, argnums), argnums)``).

    Raises:
        RuntimeError: as ``jacrev`` and ``jacfwd``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.func import hessian
        >>> hessian(lambda x: (x**3).sum())(mt.tensor([1.0, 2.0]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)
