"""Gradient checking: compare autograd's gradients with central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from microtensor.autograd import function
from microtensor.autograd.api import grad as autograd_grad


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical gradients disagree."""


def _tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x) if isinstance(x, list | tuple) else (x,)


def _differentiable(outputs: tuple[Any, ...]) -> list[Any]:
    Tensor = function.Tensor
    return [o for o in outputs if isinstance(o, Tensor) and o._requires_grad]


def _numerical_jacobian_column(fn: Callable[..., Any], inputs: tuple[Any, ...], i: int,
                               flat_index: int, eps: float) -> list[np.ndarray]:
    """d outputs / d inputs[i].flat[flat_index] by central differences."""
    data = inputs[i]._data.reshape(-1)
    original = data[flat_index]
    data[flat_index] = original + eps
    plus = [o._data.astype(np.float64).copy() for o in _outputs(fn, inputs)]
    data[flat_index] = original - eps
    minus = [o._data.astype(np.float64).copy() for o in _outputs(fn, inputs)]
    data[flat_index] = original
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus, strict=True)]


def _outputs(fn: Callable[..., Any], inputs: tuple[Any, ...]) -> list[Any]:
    Tensor = function.Tensor
    return [o for o in _tuple(fn(*inputs)) if isinstance(o, Tensor) and o.is_floating_point()]


def gradcheck(fn: Callable[..., Any], inputs: Any, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, fast_mode: bool = False,
              nondet_tol: float = 0.0) -> bool:
    """Check the gradients of ``fn`` at ``inputs`` against central finite differences.

    Every floating output is differentiated with respect to every input that requires grad,
    element by element: the analytical Jacobian (one backward per output element) must equal
    ``(f(x + eps) - f(x - eps)) / (2 eps)`` within ``atol + rtol * |numerical|``.

    Args:
        fn: a function of the inputs returning a tensor or a tuple of tensors.
        inputs: a tensor or a tuple of arguments (tensors that require grad are checked).
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        raise_exception: raise ``GradcheckError`` on a mismatch instead of returning False.
        fast_mode: accepted; the full Jacobian is checked.
        nondet_tol: accepted for compatibility.

    Returns:
        True if all gradients match.

    Raises:
        GradcheckError: naming the input, the element and both values, on a mismatch.

    Example:
        >>> import microtensor as mt
        >>> x = mt.randn(3, dtype=mt.float64, requires_grad=True)
        >>> mt.autograd.gradcheck(lambda t: (t * t).sum(), (x,))
        True
    """
    inputs = _tuple(inputs)
    Tensor = function.Tensor
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    outputs = _differentiable(_tuple(fn(*inputs)))
    for out_index, out in enumerate(outputs):
        for k in range(out._data.size):
            seed = np.zeros(out._data.shape, out._data.dtype)
            seed.reshape(-1)[k] = 1
            fresh = _differentiable(_tuple(fn(*inputs)))[out_index]
            grads = autograd_grad(fresh, [inputs[i] for i in checked],
                                  Tensor._make(seed), allow_unused=True)
            for i, g in zip(checked, grads, strict=True):
                analytical = np.zeros(inputs[i]._data.shape) if g is None else g._data
                analytical = analytical.reshape(-1)
                for j in range(inputs[i]._data.size):
                    numerical = _numerical_jacobian_column(fn, inputs, i, j, eps)[out_index]
                    num = numerical.reshape(-1)[k]
                    ana = analytical[j]
                    if not abs(ana - num) <= atol + rtol * abs(num):
                        if not raise_exception:
                            return False
                        raise GradcheckError(
                            f"Jacobian mismatch for output {out_index} with respect to input "
                            f"{i}: d output[{k}] / d input[{j}]: analytical {ana!r}, "
                            f"numerical {num!r}"
                        )
    return True


def gradgradcheck(fn: Callable[..., Any], inputs: Any, grad_outputs: Sequence[Any] | None = None,
                  *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True, fast_mode: bool = False) -> bool:
    """Check second derivatives: ``gradcheck`` of the gradient of ``fn`` (``create_graph``).

    Args:
        fn: as for ``gradcheck``.
        inputs: as for ``gradcheck``.
        grad_outputs: the upstream gradients (random float64 ones when None; they are checked
            as inputs too).
        eps: finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance.
        raise_exception: raise on mismatch instead of returning False.
        fast_mode: accepted; the full Jacobian is checked.

    Returns:
        True if all second derivatives match.

    Example:
        >>> import microtensor as mt
        >>> x = mt.randn(3, dtype=mt.float64, requires_grad=True)
        >>> mt.autograd.gradgradcheck(lambda t: (t ** 3).sum(), (x,))
        True
    """
    inputs = _tuple(inputs)
    Tensor = function.Tensor
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    outputs = _differentiable(_tuple(fn(*inputs)))
    rng = np.random.default_rng(0)
    if grad_outputs is None:
        grad_outputs = [Tensor._make(rng.standard_normal(o.shape).astype(o._data.dtype))
                        .requires_grad_() for o in outputs]
    n = len(inputs)

    def first_derivative(*args: Any) -> tuple[Any, ...]:
        outs = _differentiable(_tuple(fn(*args[:n])))
        grads = autograd_grad(outs, [args[i] for i in checked], list(args[n:]),
                              create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivative, (*inputs, *grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
