"""``autograd.functional``: Jacobians, Hessians and their products with vectors, of a function.

Everything is built on reverse mode (``autograd.grad``): a vector-Jacobian product is one
backward; a Jacobian is one backward per output element (``strategy="reverse-mode"``), or one
Jacobian-vector product per input element (``"forward-mode"``); a Jacobian-vector product
uses the double-backward trick: with u a dummy vector,
g(u) = J^T u is linear in u, so the gradient of g(u) . v with respect to u is J v. Hessians
differentiate a gradient computed with ``create_graph=True``. The arguments, results and error
messages are PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microtensor.autograd.functional_checks import (
    _as_tuple,
    _autograd_grad,
    _check_requires_grad,
    _fill_in_zeros,
    _grad_postprocess,
    _grad_preprocess,
    _grad_preprocess_v,
    _tensor_class,
    _tuple_postprocess,
    _validate_v,
)
from microtensor.autograd.functional_jacobian import _jacobian_forward, _jacobian_rows
from microtensor.autograd.grad_mode import enable_grad

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _call(
    func: Callable[..., Any], inputs: tuple[Any, ...], fn_name: str, strict: bool
) -> tuple[bool, tuple[Any, ...]]:
    is_outputs_tuple, outputs = _as_tuple(
        func(*inputs), "outputs of the user-provided function", fn_name
    )
    _check_requires_grad(outputs, "outputs", strict)
    return is_outputs_tuple, outputs


def _finish(outputs: Any, result: Any, create_graph: bool, outputs_tuple: bool,
            result_tuple: bool) -> tuple[Any, Any]:  # fmt: skip
    """``(outputs, result)`` detached unless ``create_graph``, each as a tuple or a Tensor."""
    outputs = _grad_postprocess(outputs, create_graph)
    result = _grad_postprocess(result, create_graph)
    return _tuple_postprocess(outputs, outputs_tuple), _tuple_postprocess(result, result_tuple)


def vjp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """Return ``func(inputs)`` and the vector-Jacobian product v^T J at ``inputs``.

    Args:
        func: a function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        v: one Tensor per output, shaped like it (may be None for a one-element output).
        create_graph: record the result, so that it can be differentiated again.
        strict: raise if an output does not depend on an input (instead of zeros).

    Returns:
        ``(outputs, vjp)``, vjp shaped like ``inputs``.

    Raises:
        RuntimeError: for a v of the wrong length or shape, a missing v, or (strict) an
            independent input.
        TypeError: for inputs or outputs that are not Tensors.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.autograd.functional import vjp
        >>> vjp(lambda x: x**2, mt.tensor([1.0, 2.0]), mt.tensor([1.0, 1.0]))[1]
        tensor([2., 4.])
    """
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _grad_preprocess(inputs, create_graph)
        is_outputs_tuple, outputs = _call(func, inputs, "vjp", strict)
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _grad_preprocess_v(v, create_graph)
            _validate_v(v, outputs, is_outputs_tuple)
        elif len(outputs) != 1 or outputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the user-provided function returns a single "
                "Tensor with a single element."
            )
        grad_res = _autograd_grad(outputs, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "back")
    return _finish(outputs, result, create_graph, is_outputs_tuple, is_inputs_tuple)


def jvp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """Return ``func(inputs)`` and the Jacobian-vector product J v at ``inputs``.

    Computed by the double-backward trick (two reverse passes), as PyTorch does.

    Args:
        func: a function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        v: one Tensor per input, shaped like it (may be None for a one-element input).
        create_graph: record the result, so that it can be differentiated again.
        strict: raise if an output does not depend on an input (instead of zeros).

    Returns:
        ``(outputs, jvp)``, jvp shaped like the outputs.

    Raises:
        RuntimeError: for a v of the wrong length or shape, a missing v, or (strict) an
            independent input.
        TypeError: for inputs or outputs that are not Tensors.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.autograd.functional import jvp
        >>> jvp(lambda x: x**2, mt.tensor([1.0, 2.0]), mt.tensor([1.0, 0.0]))[1]
        tensor([2., 0.])
    """
    from microtensor.creation import zeros_like

    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _grad_preprocess(inputs, create_graph)
        if v is not None:
            _, v = _as_tuple(v, "v", "jvp")
            v = _grad_preprocess_v(v, create_graph)
            _validate_v(v, inputs, is_inputs_tuple)
        elif len(inputs) != 1 or inputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function is a "
                "single Tensor with a single element."
            )
        is_outputs_tuple, outputs = _call(func, inputs, "jvp", strict)
        # u is a dummy: J^T u is linear in u, and d(J^T u . v)/du = J v
        dummies = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _autograd_grad(outputs, inputs, dummies, create_graph=True)
        _check_requires_grad(grad_inputs, "grad_inputs", strict)
        grad_res = _autograd_grad(grad_inputs, dummies, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, outputs, strict, create_graph, "back_trick")
    return _finish(outputs, result, create_graph, is_outputs_tuple, is_outputs_tuple)


def jacobian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """Return the Jacobian of ``func`` at ``inputs``.

    ``strategy="reverse-mode"`` computes it row by row, one backward per output element;
    ``"forward-mode"`` (which needs ``vectorize=True``, as in PyTorch) column by column, one
    Jacobian-vector product per input element, cheaper when there are more outputs than
    inputs. Both give the same Jacobian, as ``vectorize`` (an implementation choice) does.

    Args:
        func: a function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        create_graph: record the result, so that it can be differentiated again (reverse mode
            only).
        strict: raise if an output does not depend on an input (instead of zeros); only with
            ``vectorize=False`` in reverse mode.
        vectorize: PyTorch's vmap-based computation of the same result; here the same rows or
            columns, one product at a time.
        strategy: ``"reverse-mode"`` or ``"forward-mode"``.

    Returns:
        The Jacobian, shaped ``output.shape + input.shape``; a tuple (per input) for tuple
        inputs, a tuple (per output) of those for tuple outputs.

    Raises:
        AssertionError: for an unknown strategy (as PyTorch).
        NotImplementedError: for ``strategy="forward-mode"`` with ``create_graph=True`` or
            without ``vectorize=True``.
        RuntimeError: for ``strict=True`` with ``vectorize=True`` or forward mode, and (strict)
            for an output independent of an input.

    Differs from PyTorch: there is no vmap and no forward-mode AD; forward mode uses the
    double-backward trick (see the module docstring), which the function must support.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.autograd.functional import jacobian
        >>> jacobian(lambda x: x**2, mt.tensor([1.0, 2.0]))
        tensor([[2., 0.],
                [0., 4.]])
        >>> jacobian(lambda x: x**2, mt.tensor([1.0, 2.0]), vectorize=True, strategy="forward-mode")
        tensor([[2., 0.],
                [0., 4.]])
    """
    if strategy not in ("reverse-mode", "forward-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and "
                '`strategy="forward-mode"` are not supported together (yet). Please either set '
                '`create_graph=False` or `strategy="reverse-mode"`.'
            )
        return _jacobian_forward(func, inputs, strict, vectorize)
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _grad_preprocess(inputs, create_graph)
        is_outputs_tuple, outputs = _call(func, inputs, "jacobian", strict)
        if vectorize and strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are "
                "not supported together. Please either set `strict=False` or `vectorize=False`."
            )
        jac = tuple(
            _jacobian_rows(i, out, inputs, strict, create_graph) for i, out in enumerate(outputs)
        )
        result = _grad_postprocess(jac, create_graph)
    return _tuple_postprocess(result, (is_outputs_tuple, is_inputs_tuple))


def hessian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """Return the Hessian of the scalar function ``func`` at ``inputs``.

    The Jacobian of the gradient (itself computed with ``create_graph=True``).

    Args:
        func: a function of Tensors returning a Tensor with a single element.
        inputs: a Tensor or a tuple of Tensors.
        create_graph: record the result, so that it can be differentiated again.
        strict: raise if the gradient does not depend on an input (instead of zeros).
        vectorize: PyTorch's vmap-based computation of the same result (see ``jacobian``).
        outer_jacobian_strategy: the strategy of the outer Jacobian (of the gradient):
            ``"reverse-mode"``, or ``"forward-mode"`` (forward-over-reverse; needs
            ``vectorize=True`` and ``create_graph=False``).

    Returns:
        The Hessian, shaped ``input.shape + input.shape``; for tuple inputs a tuple of tuples
        (``H[i][j]`` for inputs i and j).

    Raises:
        AssertionError: for an unknown ``outer_jacobian_strategy``.
        NotImplementedError: for the forward-mode outer strategy without ``vectorize=True``
            or with ``create_graph=True``.
        RuntimeError: if ``func`` does not return a single one-element Tensor; (strict) for a
            gradient independent of an input, or with ``vectorize=True``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.autograd.functional import hessian
        >>> hessian(lambda x: (x**3).sum(), mt.tensor([1.0, 2.0]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def ensure_single_output_function(*inp: Any) -> Any:
        out = func(*inp)
        is_out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(t_out, "outputs", strict)
        if is_out_tuple or not isinstance(out, _tensor_class()):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.nelement() != 1:
            raise RuntimeError(
                "The Tensor returned by the function given to hessian should contain a single "
                "element"
            )
        return out.squeeze()

    def jac_func(*inp: Any) -> Any:
        jac = jacobian(ensure_single_output_function, inp, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        return jac

    res = jacobian(
        jac_func, inputs, create_graph=create_graph, strict=strict, vectorize=vectorize,
        strategy=outer_jacobian_strategy,
    )  # fmt: skip
    return _tuple_postprocess(res, (is_inputs_tuple, is_inputs_tuple))


def _scalar_output(
    func: Callable[..., Any], inputs: tuple[Any, ...], name: str, strict: bool
) -> tuple[bool, tuple[Any, ...]]:
    is_outputs_tuple, outputs = _call(func, inputs, name, strict)
    if is_outputs_tuple or len(outputs) != 1:
        raise RuntimeError(f"The function given to {name} should return a single Tensor")
    if outputs[0].nelement() != 1:
        raise RuntimeError(
            f"The Tensor returned by the function given to {name} should contain a single element"
        )
    return is_outputs_tuple, outputs


def _hessian_args(
    func: Callable[..., Any], inputs: Any, v: Any, name: str, strict: bool, create_graph: bool
) -> tuple[bool, tuple[Any, ...], Any, bool, tuple[Any, ...]]:
    is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", name)
    inputs = _grad_preprocess(inputs, create_graph)
    if v is not None:
        _, v = _as_tuple(v, "v", name)
        v = _grad_preprocess_v(v, create_graph)
        _validate_v(v, inputs, is_inputs_tuple)
    elif len(inputs) != 1 or inputs[0].nelement() != 1:
        raise RuntimeError(
            "The vector v can only be None if the input to the user-provided function is a "
            "single Tensor with a single element."
        )
    is_outputs_tuple, outputs = _scalar_output(func, inputs, name, strict)
    return is_inputs_tuple, inputs, v, is_outputs_tuple, outputs


def vhp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """Return ``func(inputs)`` and the vector-Hessian product v^T H at ``inputs``.

    Args:
        func: a function of Tensors returning a Tensor with a single element.
        inputs: a Tensor or a tuple of Tensors.
        v: one Tensor per input, shaped like it (may be None for a one-element input).
        create_graph: record the result, so that it can be differentiated again.
        strict: raise if the gradient does not depend on an input (instead of zeros).

    Returns:
        ``(output, vhp)``, vhp shaped like ``inputs``.

    Raises:
        RuntimeError: for a function that does not return one single-element Tensor, a bad v,
            or (strict) an independent input.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.autograd.functional import vhp
        >>> vhp(lambda x: (x**3).sum(), mt.tensor([1.0, 2.0]), mt.tensor([1.0, 1.0]))[1]
        tensor([ 6., 12.])
    """
    with enable_grad():
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs = _hessian_args(
            func, inputs, v, "vhp", strict, create_graph
        )
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        grad_res = _autograd_grad(jac, inputs, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back")
    return _finish(outputs, result, create_graph, is_outputs_tuple, is_inputs_tuple)


def hvp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """Return ``func(inputs)`` and the Hessian-vector product H v at ``inputs``.

    Computed by the double-backward trick, as PyTorch does (H is symmetric for twice
    continuously differentiable functions, so it equals ``vhp`` there).

    Args:
        func: a function of Tensors returning a Tensor with a single element.
        inputs: a Tensor or a tuple of Tensors.
        v: one Tensor per input, shaped like it (may be None for a one-element input).
        create_graph: record the result, so that it can be differentiated again.
        strict: raise if the gradient does not depend on an input (instead of zeros).

    Returns:
        ``(output, hvp)``, hvp shaped like ``inputs``.

    Raises:
        RuntimeError: for a function that does not return one single-element Tensor, a bad v,
            or (strict) an independent input.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.autograd.functional import hvp
        >>> hvp(lambda x: (x**3).sum(), mt.tensor([1.0, 2.0]), mt.tensor([1.0, 1.0]))[1]
        tensor([ 6., 12.])
    """
    from microtensor.creation import zeros_like

    with enable_grad():
        is_inputs_tuple, inputs, v, is_outputs_tuple, outputs = _hessian_args(
            func, inputs, v, "hvp", strict, create_graph
        )
        jac = _autograd_grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, "jacobian", strict)
        dummies = tuple(zeros_like(inp, requires_grad=True) for inp in inputs)
        double_back = _autograd_grad(jac, inputs, dummies, create_graph=True)
        _check_requires_grad(jac, "hessian", strict)
        grad_res = _autograd_grad(double_back, dummies, v, create_graph=create_graph)
        result = _fill_in_zeros(grad_res, inputs, strict, create_graph, "double_back_trick")
    return _finish(outputs, result, create_graph, is_outputs_tuple, is_inputs_tuple)
