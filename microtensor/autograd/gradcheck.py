"""Gradient checking: compare autograd's gradients with central finite differences.

``gradcheck`` and ``gradgradcheck`` are the user-facing checkers; ``gradcheck_jacobian`` builds
and compares the Jacobians, and on a mismatch ``gradcheck_localize`` names the first op of
``fn`` whose backward disagrees with finite differences of its own forward.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from microtensor.autograd import function
from microtensor.autograd.api import grad as autograd_grad
from microtensor.autograd.gradcheck_jacobian import (
    Failure,
    Options,
    as_tuple,
    check,
    differentiable,
    uniform_like,
)
from microtensor.autograd.gradcheck_localize import localize
from microtensor.autograd.gradcheck_modes import batched_backward_failure, forward_failure

_LOCAL_FULL_ENTRIES = 250_000  # a larger op is checked op-by-op in fast mode


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical gradients disagree."""


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
) -> bool:
    """Check the gradients of ``func`` at ``inputs`` against central finite differences.

    Every floating or complex output that requires grad is differentiated with respect to
    every input that requires grad. An entry passes when ``|analytical - numerical| <= atol +
    rtol * |numerical|``. Non-tensor inputs are passed through; integer and boolean outputs are
    ignored. ``func`` runs on copies of the tensor inputs, so the originals are never changed.
    In the error message, input and output numbers are positions in ``inputs`` and in
    ``func``'s result, and elements are multi-dim indices such as ``(1, 2)``.

    Complex numbers are checked as torch checks them: a complex input ``z = x + iy`` is moved
    along ``x`` and ``y``, and its Jacobian entries are ``ds/dx + i ds/dy`` (the gradient
    convention of autograd); a complex output is checked as two real functions, its imaginary
    part first, then its real part, and a mismatch there starts with "While considering the
    imaginary (real) part of complex outputs only, ".

    Differs from PyTorch: float32 and float16 inputs are checked in float64 copies, complex64
    inputs in complex128 copies (``func`` is re-run on the copies), with a ``UserWarning``;
    PyTorch checks in the inputs' precision and warns that the check will likely fail.
    Backward reentrancy is tested on the first row of each output's Jacobian.
    ``check_undefined_grad`` is accepted and ignored.

    Args:
        func: a function of the inputs returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of arguments (tensors that require grad are checked).
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        raise_exception: raise ``GradcheckError`` on a mismatch instead of returning False.
        nondet_tol: how much two backward passes with the same inputs may differ.
        check_undefined_grad: accepted for compatibility.
        check_grad_dtypes: also require each gradient to have its input's dtype.
        check_batched_grad: also check that ``vmap`` over upstream gradients gives each
            vector-Jacobian product (microtensor's ``vmap`` runs per slice, as a loop).
        check_batched_forward_grad: the same for forward mode (with ``check_forward_ad``).
        check_forward_ad: also check forward-mode derivatives (``autograd.forward_ad``): the
            Jacobian-vector product along a random tangent against finite differences
            (complex inputs and outputs too).
        check_backward_ad: check the backward (reverse-mode) gradients; False checks only what
            the other flags ask for.
        fast_mode: compare ``v^T J u`` for random unit vectors u, v instead of full Jacobians.
        masked: accepted for compatibility (it concerns sparse tensors, which microtensor has
            not).

    Returns:
        True if all gradients match; False on a mismatch when ``raise_exception`` is False.

    Raises:
        GradcheckError: on a mismatch, naming the output, the input, the worst element, both
            values, and the first op of ``func`` whose own backward is wrong.
        ValueError: if no input requires grad.

    Example:
        >>> import microtensor as mt
        >>> x = mt.randn(3, dtype=mt.float64, requires_grad=True)
        >>> mt.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
        True
    """
    opts = Options(eps, atol, rtol, nondet_tol, fast_mode, check_grad_dtypes)
    work, note = _working_copies(as_tuple(inputs), "gradcheck")
    failure = check(func, work, opts) if check_backward_ad else None
    if failure is None:
        other = None
        if check_forward_ad:
            other = forward_failure(func, work, opts, check_batched_forward_grad)
        if other is None and check_batched_grad and check_backward_ad:
            other = batched_backward_failure(func, work, opts)
        return True if other is None else _fail(other + note, raise_exception)
    message = failure.message + note
    if failure.localizable:
        local = replace(opts, nondet_tol=np.inf)
        message += localize(func, work, lambda f, xs: check(f, xs, _local(local, xs)), "backward")
    return _fail(message, raise_exception)


def gradgradcheck(
    func: Callable[..., Any],
    inputs: Any,
    grad_outputs: Sequence[Any] | None = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
) -> bool:
    """Check second derivatives: ``gradcheck`` of the vector-Jacobian product of ``func``.

    The checked function maps ``(*inputs, *grad_outputs)`` to
    ``autograd.grad(func(*inputs), inputs, grad_outputs, create_graph=True)``, so both the
    double backward with respect to the inputs and the backward's linearity in
    ``grad_outputs`` are checked.

    Differs from PyTorch: random ``grad_outputs`` come from a fixed seed (reproducible), and
    float32 inputs are checked in float64 copies, as in ``gradcheck``.

    Args:
        func: as for ``gradcheck``.
        inputs: as for ``gradcheck``.
        grad_outputs: the upstream gradient of each differentiable output; when None, random
            uniform values in [-1, 1) that require grad (and are checked as inputs too).
        eps: finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        gen_non_contig_grad_outputs: accepted for compatibility.
        raise_exception: raise ``GradcheckError`` on a mismatch instead of returning False.
        nondet_tol: as for ``gradcheck``.
        check_undefined_grad: accepted for compatibility.
        check_grad_dtypes: as for ``gradcheck``.
        check_batched_grad: as for ``gradcheck``, on the first derivatives.
        check_fwd_over_rev: also check the first derivatives in forward mode (forward over
            reverse), as ``gradcheck(..., check_forward_ad=True)`` does.
        check_rev_over_rev: check them in reverse mode (the default check).
        fast_mode: as for ``gradcheck``.
        masked: accepted for compatibility.

    Returns:
        True if all second derivatives match; False on a mismatch when ``raise_exception``
        is False.

    Raises:
        GradcheckError: on a mismatch, naming the first op whose double backward is wrong.
        ValueError: if no input requires grad.

    Example:
        >>> import microtensor as mt
        >>> x = mt.randn(3, dtype=mt.float64, requires_grad=True)
        >>> mt.autograd.gradgradcheck(lambda t: (t ** 3).sum(), (x,))
        True
    """
    opts = Options(eps, atol, rtol, nondet_tol, fast_mode, check_grad_dtypes)
    work, note = _working_copies(as_tuple(inputs), "gradgradcheck")
    if grad_outputs is not None:
        grad_outputs, _ = _working_copies(as_tuple(grad_outputs), "gradgradcheck")
    failure = _check_second(func, work, grad_outputs, opts) if check_rev_over_rev else None
    if failure is None:
        if not (check_batched_grad or check_fwd_over_rev):
            return True
        first, args = _second_problem(func, work, grad_outputs)  # type: ignore[misc]
        other = forward_failure(first, args, opts, False) if check_fwd_over_rev else None
        if other is None and check_batched_grad:
            other = batched_backward_failure(first, args, opts)
        return True if other is None else _fail(other + note, raise_exception)
    message = "gradgradcheck: second derivatives differ. " + failure.message + note
    if failure.localizable:
        local = replace(opts, nondet_tol=np.inf)
        message += localize(
            func,
            work,
            lambda f, xs: _check_second(f, xs, None, _local(local, xs)),
            "double backward",
        )
    return _fail(message, raise_exception)


def _second_problem(
    fn: Callable[..., Any], inputs: tuple[Any, ...], grad_outputs: Any
) -> tuple[Callable[..., Any], tuple[Any, ...]] | None:
    """The map (inputs, grad_outputs) -> grads of fn's outputs (create_graph), and its args.

    None when no input requires grad.
    """
    Tensor = function.Tensor
    n = len(inputs)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    if not wrt:
        return None
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            Tensor._make(uniform_like(rng, o._data), True)
            for o in differentiable(as_tuple(fn(*inputs)))
        )

    def first_derivative(*args: Any) -> tuple[Any, ...]:
        outputs = differentiable(as_tuple(fn(*args[:n])))
        grads = autograd_grad(
            outputs, [args[i] for i in wrt], list(args[n:]), create_graph=True, allow_unused=True
        )
        return tuple(g for g in grads if g is not None)

    return first_derivative, (*inputs, *grad_outputs)


def _check_second(
    fn: Callable[..., Any], inputs: tuple[Any, ...], grad_outputs: Any, opts: Options
) -> Failure | None:
    """``check`` of the map (inputs, grad_outputs) -> grads of fn's outputs (create_graph)."""
    problem = _second_problem(fn, inputs, grad_outputs)
    if problem is None:
        return check(fn, inputs, opts)  # raises the ValueError
    failure = check(*problem, opts)
    if failure is not None:
        failure.message += (
            f"\n(Output j of the checked function is the gradient with respect "
            f"to the j-th input that requires grad; inputs {len(inputs)} onwards are the "
            "grad_outputs.)"
        )
    return failure


def _working_copies(inputs: tuple[Any, ...], caller: str) -> tuple[tuple[Any, ...], str]:
    """Copies of the tensor inputs (float64 / complex128 for lower precisions) and a note."""
    Tensor = function.Tensor
    copies, converted = [], []
    for n, x in enumerate(inputs):
        if isinstance(x, Tensor) and (x._data.dtype.kind in "fc" or x._requires_grad):
            target = np.complex128 if x._data.dtype.kind == "c" else np.float64
            if x._data.dtype != target:
                converted.append((n, str(x._data.dtype), np.dtype(target).name))
            x = Tensor._make(np.array(x._data, dtype=target), x._requires_grad)
        copies.append(x)
    if not converted:
        return tuple(copies), ""
    targets = sorted({target for _, _, target in converted}, reverse=True)  # float64 first
    note = "checked in " + ", ".join(
        f"{target} copies of "
        f"{' and '.join(sorted({name for _, name, t in converted if t == target}))} inputs"
        for target in targets
    )
    listed = ", ".join(f"input {n} is {name}" for n, name, _ in converted)
    wanted = " or ".join(targets)
    warnings.warn(
        f"{caller}: {listed}; {note} (fn is re-run on the copies). Pass {wanted} "
        "inputs to silence this warning.",
        UserWarning,
        stacklevel=3,
    )
    return tuple(copies), f"\nNote: {note} (fn was re-run on the copies)."


def _local(opts: Options, inputs: tuple[Any, ...]) -> Options:
    """Options for checking one op: fast mode only for large ones."""
    Tensor = function.Tensor
    size = sum(x._data.size for x in inputs if isinstance(x, Tensor))
    return replace(opts, fast_mode=size * size > _LOCAL_FULL_ENTRIES)


def _fail(message: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(message)
    return False
