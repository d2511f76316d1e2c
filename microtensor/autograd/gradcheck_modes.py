"""gradcheck's optional checks: forward mode (``check_forward_ad``) and batching (``vmap``).

* Forward mode: for each input that requires grad and a random tangent ``u``, the tangent of
  ``fn``'s outputs computed with ``autograd.forward_ad`` (a Jacobian-vector product) must equal
  the central difference ``(fn(x + eps u) - fn(x - eps u)) / 2 eps``.
* Batched gradients (``check_batched_grad``): the vector-Jacobian products of three random
  upstream gradients taken at once through ``microtensor.func.vmap`` must equal the ones taken
  one by one; ``check_batched_forward_grad`` does the same for Jacobian-vector products.

microtensor's ``vmap`` runs ``fn`` per slice (no batching rules), so the batched checks test
that backward and forward mode compose with it, as torch's test its batching rules.

Complex inputs are checked in forward mode as torch checks them: each complex input
``z = x + iy`` that requires grad becomes a real input, its imaginary part ``y`` first (``fn``
sees ``x + iy`` with ``x`` fixed), then its real part ``x``; a mismatch for such an input starts
with "While considering the imaginary (real) part of complex inputs only, ". Complex outputs
compare complex tangents; complex upstream gradients of the batched check are complex.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.autograd import forward_ad, function
from microtensor.autograd.api import grad as autograd_grad
from microtensor.autograd.grad_mode import no_grad
from microtensor.autograd.gradcheck_jacobian import Options, as_tuple, uniform_like

__all__ = ["batched_backward_failure", "forward_failure"]

_BATCH = 3


def _floating_outputs(values: Any) -> list[Any]:
    Tensor = function.Tensor
    return [v for v in as_tuple(values) if isinstance(v, Tensor) and v._data.dtype.kind in "fc"]


def _jvp(fn: Callable[..., Any], inputs: tuple[Any, ...], index: int, tangent: Any) -> list[Any]:
    """The tangents of fn's floating outputs when input ``index`` moves along ``tangent``."""
    Tensor = function.Tensor
    with forward_ad.dual_level():
        # the dual keeps requires_grad: fn may differentiate in reverse mode (fwd over rev)
        primal = inputs[index].detach().requires_grad_(inputs[index]._requires_grad)
        args = [
            forward_ad.make_dual(primal, tangent) if i == index else x for i, x in enumerate(inputs)
        ]
        outputs = _floating_outputs(fn(*args))
        tangents = [forward_ad.unpack_dual(o).tangent for o in outputs]
    return [
        Tensor._make(np.zeros(o._data.shape, o._data.dtype)) if t is None else t.detach()
        for o, t in zip(outputs, tangents, strict=True)
    ]


def _moved_outputs(
    fn: Callable[..., Any], inputs: tuple[Any, ...], index: int, step: Any
) -> list[Any]:
    """The floating outputs of fn with input ``index`` moved by ``step`` (keeps requires_grad)."""
    with no_grad():
        moved = (inputs[index] + step).requires_grad_(inputs[index]._requires_grad)
    args = [moved if i == index else x for i, x in enumerate(inputs)]
    return [o.detach() for o in _floating_outputs(fn(*args))]


def forward_failure(
    fn: Callable[..., Any], inputs: tuple[Any, ...], opts: Options, batched: bool
) -> str | None:
    """A message for the first forward-mode derivative that disagrees, or None."""
    Tensor = function.Tensor
    complex_inputs = [
        i
        for i, x in enumerate(inputs)
        if isinstance(x, Tensor) and x._requires_grad and x._data.dtype.kind == "c"
    ]
    if not complex_inputs:
        found = _real_forward_failure(fn, inputs, opts, batched)
        return None if found is None else found[1]
    for part in ("imaginary", "real"):
        found = _real_forward_failure(
            *_part_of_inputs(fn, inputs, complex_inputs, part), opts, batched
        )
        if found is not None:
            index, message = found
            if index in complex_inputs:
                message = f"While considering the {part} part of complex inputs only, " + message
            return message
    return None


def _part_of_inputs(
    fn: Callable[..., Any], inputs: tuple[Any, ...], complex_inputs: list[int], part: str
) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """``fn`` as a function of one part of each complex input (the other part fixed)."""
    Tensor = function.Tensor
    real = part == "real"
    fixed = {
        i: Tensor._make((inputs[i]._data.imag if real else inputs[i]._data.real).copy())
        for i in complex_inputs
    }
    parts = tuple(
        Tensor._make((x._data.real if real else x._data.imag).copy(), True) if i in fixed else x
        for i, x in enumerate(inputs)
    )

    def part_fn(*args: Any) -> Any:
        rebuilt = [
            (a + fixed[i] * 1j if real else fixed[i] + a * 1j) if i in fixed else a
            for i, a in enumerate(args)
        ]
        return fn(*rebuilt)

    return part_fn, parts


def _real_forward_failure(
    fn: Callable[..., Any], inputs: tuple[Any, ...], opts: Options, batched: bool
) -> tuple[int, str] | None:
    """The input and message of the first forward-mode mismatch (real inputs), or None."""
    Tensor = function.Tensor
    rng = np.random.default_rng(0)
    for index, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x._requires_grad):
            continue
        u = Tensor._make(rng.uniform(-1, 1, x._data.shape).astype(x._data.dtype))
        analytical = _jvp(fn, inputs, index, u)
        plus, minus = (_moved_outputs(fn, inputs, index, sign * opts.eps * u) for sign in (1, -1))
        for k, (a, p, m) in enumerate(zip(analytical, plus, minus, strict=True)):
            numerical = (p._data - m._data) / (2 * opts.eps)
            if not np.allclose(a._data, numerical, rtol=opts.rtol, atol=opts.atol):
                worst = float(np.max(np.abs(a._data - numerical)))
                return index, (
                    f"gradcheck: forward AD: Jacobian-vector product mismatch for output {k} "
                    f"with respect to input {index}: forward mode and finite differences "
                    f"differ by up to {worst:.3g}"
                )
        if batched:
            message = _batched_jvp_failure(fn, inputs, index, opts, rng)
            if message:
                return index, message
    return None


def _batch_mismatch(one: Callable[..., Any], batch: Any, opts: Options) -> tuple[int, int] | None:
    """``(b, k)``: result ``k`` that ``vmap(one)`` gets wrong for slice ``b``; None if none."""
    from microtensor.func import vmap  # func imports autograd: not at module level

    batched = vmap(one)(batch)
    for b in range(batch.shape[0]):
        for k, (many, alone) in enumerate(zip(batched, one(batch[b]), strict=True)):
            if not np.allclose(many._data[b], alone._data, rtol=opts.rtol, atol=opts.atol):
                return b, k
    return None


def _batched_jvp_failure(
    fn: Callable[..., Any], inputs: tuple[Any, ...], index: int, opts: Options, rng: Any
) -> str | None:
    Tensor = function.Tensor
    x = inputs[index]
    tangents = Tensor._make(rng.uniform(-1, 1, (_BATCH, *x._data.shape)).astype(x._data.dtype))
    mismatch = _batch_mismatch(lambda u: tuple(_jvp(fn, inputs, index, u)), tangents, opts)
    if mismatch is None:
        return None
    return (
        f"gradcheck: check_batched_forward_grad: for output {mismatch[1]} and input {index}, "
        f"the forward gradient computed with vmap (tangent {mismatch[0]} of a batch of "
        f"{_BATCH}) does not match the one computed alone"
    )


def batched_backward_failure(
    fn: Callable[..., Any], inputs: tuple[Any, ...], opts: Options
) -> str | None:
    """A message for the first vjp that ``vmap`` over upstream gradients gets wrong, or None."""
    Tensor = function.Tensor
    wrt = [x for x in inputs if isinstance(x, Tensor) and x._requires_grad]
    outputs = [o for o in _floating_outputs(fn(*inputs)) if o._requires_grad]
    rng = np.random.default_rng(0)
    for k, out in enumerate(outputs):

        def vjp(g: Any, out: Any = out) -> tuple[Any, ...]:
            return autograd_grad(out, wrt, g, retain_graph=True, materialize_grads=True)

        shape = (_BATCH, *out._data.shape)
        upstream = Tensor._make(uniform_like(rng, out._data, shape))
        mismatch = _batch_mismatch(vjp, upstream, opts)
        if mismatch is not None:
            return (
                f"gradcheck: check_batched_grad: for output {k} and input {mismatch[1]}, the "
                f"gradient computed with vmap (upstream gradient {mismatch[0]} of a batch of "
                f"{_BATCH}) does not match the one computed alone"
            )
    return None
