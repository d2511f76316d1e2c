"""The Jacobian comparisons behind ``gradcheck`` and ``gradgradcheck``.

For every input ``i`` that requires grad and every differentiable output ``k`` of ``fn``,
``check`` builds two Jacobians, each of shape (output elements, input elements):

* numerical: each element ``j`` of each input is moved by ``+-eps`` once and ``fn`` is run on
  both sides, giving column ``j`` of every output's Jacobian at once (2 calls per element):
  ``J[:, j] = (f(x + eps e_j) - f(x - eps e_j)) / (2 eps)``;
* analytical: one ``autograd.grad`` per output element ``r`` through one recorded graph gives
  row ``r`` of every input's Jacobian at once (``e_r^T J``, a vector-Jacobian product).

Fast mode compares the projections ``v^T J u`` for random unit vectors instead (2 calls of
``fn`` per input, one backward per output). A failure is returned as a ``Failure`` holding the
message (the worst entry, its values, the Jacobians when small) and the greatest errors.

Complex numbers follow torch's convention (a complex ``z = x + iy`` is two real numbers, and
the gradient of a real loss ``L`` is ``dL/dx + i dL/dy``):

* a complex input's Jacobian is complex: column ``j`` is ``ds/dx_j + i ds/dy_j`` numerically
  (``+-eps`` and ``+-i eps`` on element ``j``, 4 calls of ``fn``), and analytically row ``r``
  is the gradient of the real output element ``s_r`` (what autograd returns);
* a complex output is two real functions of the inputs: as torch, ``check`` compares the
  Jacobians of ``imag(fn)`` first, then of ``real(fn)``, and a mismatch on a complex output
  says which part it is ("While considering the imaginary part of complex outputs only, ...");
* in fast mode a complex input has two real unit vectors ``(u_r, u_i)``: numerically
  ``J u = ds/dx u_r + i ds/dy u_i``, analytically ``Re(g) . u_r + i Im(g) . u_i`` for the
  gradient ``g = v^T J``; atol is scaled by ``(sum(u_r) + sum(u_i)) sum(v)`` (torch's rule).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from microtensor.autograd import function
from microtensor.autograd.api import grad as autograd_grad

_PRINTED_ENTRIES = 100  # Jacobians up to this many entries are printed in the error message
_SLOW_RECHECK_ENTRIES = 1_000_000  # a fast-mode failure is recomputed element-wise up to this


@dataclass(frozen=True)
class Options:
    """The settings of one check (see ``gradcheck``'s arguments)."""

    eps: float
    atol: float
    rtol: float
    nondet_tol: float
    fast_mode: bool
    check_grad_dtypes: bool


@dataclass
class Failure:
    """A failed check: the message and the greatest absolute and relative errors."""

    message: str
    max_abs: float = 0.0
    max_rel: float = 0.0
    localizable: bool = True
    output: int | None = None  # the output whose Jacobian mismatches (None: another failure)


def check(fn: Callable[..., Any], inputs: tuple[Any, ...], opts: Options) -> Failure | None:
    """Compare the Jacobians of ``fn`` at ``inputs`` (changed in place, then restored).

    Returns:
        None when they match, else the first ``Failure``.

    Raises:
        ValueError: if no input requires grad.
    """
    Tensor = function.Tensor
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x._requires_grad]
    if not wrt:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, "
            "but none of them have requires_grad=True."
        )
    outputs = as_tuple(fn(*inputs))
    complex_outputs = [k for k, o in enumerate(outputs) if _is_complex_tensor(o)]
    if not complex_outputs:
        return _check_real_outputs(fn, inputs, outputs, wrt, opts, None)
    # torch's order: imag(fn) for every output, then real(fn); the real outputs are the same
    # in both functions, so the second pass checks only the complex ones
    for part, only in (("imaginary", None), ("real", set(complex_outputs))):
        part_fn = _part_of_outputs(fn, part)
        part_outputs = as_tuple(part_fn(*inputs))
        failure = _check_real_outputs(part_fn, inputs, part_outputs, wrt, opts, only)
        if failure is not None:
            if failure.output in complex_outputs:
                failure.message = (
                    f"While considering the {part} part of complex outputs only, " + failure.message
                )
            return failure
    return None


def _part_of_outputs(fn: Callable[..., Any], part: str) -> Callable[..., tuple[Any, ...]]:
    """``fn`` with its complex outputs replaced by their real or imaginary parts (views)."""

    def part_fn(*args: Any) -> tuple[Any, ...]:
        return tuple(
            (o.imag if part == "imaginary" else o.real) if _is_complex_tensor(o) else o
            for o in as_tuple(fn(*args))
        )

    return part_fn


def _check_real_outputs(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    outputs: tuple[Any, ...],
    wrt: list[int],
    opts: Options,
    only: set[int] | None,
) -> Failure | None:
    """``check`` for a function whose floating outputs are real (only those in ``only``)."""
    floating = [
        k for k, o in enumerate(outputs) if _is_float_tensor(o) and (only is None or k in only)
    ]
    diff = [k for k in floating if outputs[k]._requires_grad]
    if not diff:
        return _check_zero(fn, inputs, outputs, wrt, floating, opts.eps)
    if opts.fast_mode:
        return _check_fast(fn, inputs, wrt, outputs, diff, opts)
    numerical = _numerical(fn, inputs, outputs, wrt, diff, opts.eps)
    analytical = _analytical(outputs, diff, inputs, wrt, opts)
    if isinstance(analytical, Failure):
        return analytical
    for k in diff:
        for i in wrt:
            failure = _compare(numerical[i, k], analytical[i, k], opts, i, k, inputs, outputs)
            if failure is not None:
                return failure
    return _check_reentrant(outputs, diff, inputs, wrt, analytical, opts.nondet_tol)


def _numerical(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    outputs: tuple[Any, ...],
    wrt: list[int],
    ks: list[int],
    eps: float,
) -> dict[tuple[int, int], np.ndarray]:
    """Central-difference Jacobians, keyed by (input, output): 2 calls of fn per element.

    A complex input's column is ``ds/dx + i ds/dy`` (4 calls per element).
    """
    jacobians: dict[tuple[int, int], np.ndarray] = {}
    for i in wrt:
        data = inputs[i]._data
        is_complex = data.dtype.kind == "c"
        for k in ks:
            jacobians[i, k] = np.zeros((outputs[k]._data.size, data.size), _jacobian_dtype(data))
        shift = np.zeros(data.shape, data.dtype)
        for j in range(data.size):
            shift.flat[j] = eps
            columns = _difference(fn, inputs, data, shift, ks, eps)
            if is_complex:
                shift.flat[j] = eps * 1j
                columns = [
                    dx + 1j * dy
                    for dx, dy in zip(
                        columns, _difference(fn, inputs, data, shift, ks, eps), strict=True
                    )
                ]
            shift.flat[j] = 0.0
            for k, column in zip(ks, columns, strict=True):
                jacobians[i, k][:, j] = column
    return jacobians


def _difference(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    data: np.ndarray,
    shift: np.ndarray,
    diff: list[int],
    eps: float,
) -> list[np.ndarray]:
    """(f(x + shift) - f(x - shift)) / (2 eps) per output in ``diff``; ``x`` is restored."""
    original = data.copy()
    np.add(original, shift, out=data)
    plus = _values(fn, inputs, diff)
    np.subtract(original, shift, out=data)
    minus = _values(fn, inputs, diff)
    np.copyto(data, original)
    return [(p - m) / (2 * eps) for p, m in zip(plus, minus, strict=True)]


def _values(fn: Callable[..., Any], inputs: tuple[Any, ...], diff: list[int]) -> list[np.ndarray]:
    outputs = as_tuple(fn(*inputs))
    return [np.array(outputs[k]._data, dtype=np.float64).reshape(-1) for k in diff]


def _analytical(
    outputs: tuple[Any, ...],
    diff: list[int],
    inputs: tuple[Any, ...],
    wrt: list[int],
    opts: Options,
) -> dict[tuple[int, int], np.ndarray] | Failure:
    """Jacobians from one backward per output element, keyed by (input, output)."""
    jacobians: dict[tuple[int, int], np.ndarray] = {}
    for k in diff:
        out = outputs[k]
        rows = [_vjp(out, inputs, wrt, _basis(out, r)) for r in range(out._data.size)]
        for n, i in enumerate(wrt):
            if opts.check_grad_dtypes and any(
                row[n].dtype != inputs[i]._data.dtype for row in rows
            ):
                return Failure(
                    f"Gradient has dtype mismatch for input {i} (output {k}): "
                    f"expected {inputs[i]._data.dtype}",
                    localizable=False,
                )
            size = inputs[i]._data.size
            dtype = _jacobian_dtype(inputs[i]._data)
            jacobians[i, k] = (
                np.stack([row[n].reshape(-1) for row in rows]).astype(dtype)
                if rows
                else np.zeros((0, size), dtype)
            )
    return jacobians


def _vjp(out: Any, inputs: tuple[Any, ...], wrt: list[int], seed: np.ndarray) -> list[np.ndarray]:
    """``seed^T J`` for each input in ``wrt``: one backward, keeping the graph."""
    targets = [inputs[i] for i in wrt]
    grads = autograd_grad(
        out, targets, function.Tensor._make(seed), retain_graph=True, allow_unused=True
    )
    return [
        np.zeros_like(t._data) if g is None else g._data
        for t, g in zip(targets, grads, strict=True)
    ]


def _basis(out: Any, r: int) -> np.ndarray:
    seed = np.zeros(out._data.shape, out._data.dtype)
    seed.flat[r] = 1
    return seed


def _compare(
    numerical: np.ndarray,
    analytical: np.ndarray,
    opts: Options,
    i: int,
    k: int,
    inputs: tuple[Any, ...],
    outputs: tuple[Any, ...],
) -> Failure | None:
    """A failure naming the worst entry of one (input, output) Jacobian, or None."""
    difference = np.abs(analytical - numerical)
    allowed = opts.atol + opts.rtol * np.abs(numerical)
    bad = ~(difference <= allowed)
    if not bad.any():
        return None
    excess = np.where(bad, np.nan_to_num(difference - allowed, nan=np.inf), -np.inf)
    r, j = np.unravel_index(int(np.argmax(excess)), excess.shape)
    out_index = np.unravel_index(int(r), outputs[k]._data.shape)
    in_index = np.unravel_index(int(j), inputs[i]._data.shape)
    max_abs, max_rel = _errors(difference, numerical)
    message = (
        f"Jacobian mismatch for output {k} with respect to input {i},\n"
        f"at output element {_index(out_index)} and input element {_index(in_index)}: "
        f"analytical {_number(analytical[r, j])!r}, numerical {_number(numerical[r, j])!r} "
        f"(|difference| {difference[r, j]:.6g} > atol + rtol * |numerical| = "
        f"{allowed[r, j]:.6g}); "
        f"{int(bad.sum())} of {bad.size} entries differ, max abs error {max_abs:.6g}, "
        f"max rel error {max_rel:.6g}."
    )
    if numerical.size <= _PRINTED_ENTRIES:
        message += (
            f"\nnumerical (row per output element, column per input element):\n"
            f"{_show(numerical)}\nanalytical:\n{_show(analytical)}"
        )
    return Failure(message, max_abs, max_rel, output=k)


def _errors(difference: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """Greatest absolute and relative difference (x / 0 is inf, 0 / 0 is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(difference == 0, 0.0, difference / np.abs(reference))
    return float(np.max(difference, initial=0.0)), float(np.max(relative, initial=0.0))


def _check_fast(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    wrt: list[int],
    outputs: tuple[Any, ...],
    diff: list[int],
    opts: Options,
) -> Failure | None:
    """Compare ``v^T J u`` (u per input, v per output) against ``v^T (J u)`` by differences.

    A complex input has two real unit vectors ``u = (u_r, u_i)``, one per part.
    """
    rng = np.random.default_rng(0)
    u = {}
    for i in wrt:
        shape = inputs[i]._data.shape
        parts = 2 if inputs[i]._data.dtype.kind == "c" else 1
        u[i] = tuple(_unit_vector(rng, shape).reshape(-1) for _ in range(parts))
    v = {k: _unit_vector(rng, outputs[k]._data.shape) for k in diff}
    ju = {i: _directional(fn, inputs, i, u[i], diff, opts.eps) for i in wrt}
    for n, k in enumerate(diff):
        grads = _vjp(outputs[k], inputs, wrt, v[k].astype(outputs[k]._data.dtype))
        for m, i in enumerate(wrt):
            analytical = _project(grads[m].reshape(-1), u[i])
            numerical = _number(np.dot(v[k].reshape(-1), ju[i][n]))
            # atol applies per Jacobian entry, so it scales with v^T ones u (PyTorch's rule)
            ones_u = sum(float(part.sum()) for part in u[i])
            allowed = opts.atol * ones_u * float(v[k].sum()) + opts.rtol * abs(numerical)
            if abs(analytical - numerical) <= allowed:
                continue
            return _fast_failure(fn, inputs, outputs, i, k, opts, analytical, numerical)
    return None


def _directional(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    i: int,
    u: tuple[np.ndarray, ...],
    diff: list[int],
    eps: float,
) -> list[np.ndarray]:
    """``J u`` by central differences along ``u`` (``ds/dx u_r + i ds/dy u_i`` if complex)."""
    data = inputs[i]._data
    along_x = _difference(fn, inputs, data, eps * u[0].reshape(data.shape), diff, eps)
    if len(u) == 1:
        return along_x
    shift = eps * 1j * u[1].reshape(data.shape)
    along_y = _difference(fn, inputs, data, shift, diff, eps)
    return [dx + 1j * dy for dx, dy in zip(along_x, along_y, strict=True)]


def _project(grad: np.ndarray, u: tuple[np.ndarray, ...]) -> float | complex:
    """``g . u`` for a real input; ``Re(g) . u_r + i Im(g) . u_i`` for a complex one."""
    if len(u) == 1:
        return _number(np.dot(grad, u[0]))
    return complex(np.dot(grad.real, u[0]) + 1j * np.dot(grad.imag, u[1]))


def _fast_failure(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    outputs: tuple[Any, ...],
    i: int,
    k: int,
    opts: Options,
    analytical: float | complex,
    numerical: float | complex,
) -> Failure:
    """The fast-mode mismatch, with the element-wise (slow mode) check when it is affordable."""
    message = (
        f"Jacobian mismatch for output {k} with respect to input {i} in fast mode (v^T J u "
        f"for random unit vectors u, v): analytical {analytical!r}, numerical {numerical!r}."
    )
    if inputs[i]._data.size * outputs[k]._data.size > _SLOW_RECHECK_ENTRIES:
        return Failure(
            message + " (Too large to recompute element-wise.)",
            abs(analytical - numerical),
            output=k,
        )
    slow = _compare(*_slow_pair(fn, inputs, outputs, i, k, opts), opts, i, k, inputs, outputs)
    if slow is None:
        return Failure(
            message + "\nThe element-wise (slow mode) check passes: rerun with fast_mode=False.",
            abs(analytical - numerical),
            output=k,
        )
    return Failure(
        f"{message}\nRecomputed in slow mode:\n{slow.message}",
        slow.max_abs,
        slow.max_rel,
        output=k,
    )


def _slow_pair(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    outputs: tuple[Any, ...],
    i: int,
    k: int,
    opts: Options,
) -> tuple[np.ndarray, np.ndarray]:
    numerical = _numerical(fn, inputs, outputs, [i], [k], opts.eps)[i, k]
    analytical = _analytical(outputs, [k], inputs, [i], replace(opts, check_grad_dtypes=False))
    return numerical, analytical[i, k]  # type: ignore[index]


def _unit_vector(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    vector = np.asarray(rng.random(size=shape))
    norm = np.linalg.norm(vector)
    return vector / norm if norm > 0 else vector


def _check_zero(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    outputs: tuple[Any, ...],
    wrt: list[int],
    floating: list[int],
    eps: float,
) -> Failure | None:
    """With no output requiring grad, fn must not depend on the inputs at all."""
    for (i, k), jacobian in _numerical(fn, inputs, outputs, wrt, floating, eps).items():
        if np.any(jacobian != 0):
            return Failure(
                f"Numerical gradient for function expected to be zero: output {k} does not "
                f"require grad but changes with input {i}. Was the graph cut (detach(), .data, "
                "numpy(), no_grad)?",
                localizable=False,
            )
    return None


def _check_reentrant(
    outputs: tuple[Any, ...],
    diff: list[int],
    inputs: tuple[Any, ...],
    wrt: list[int],
    analytical: dict[tuple[int, int], np.ndarray],
    nondet_tol: float,
) -> Failure | None:
    """Backward again for the first element of each output: it must give the same row."""
    for k in diff:
        out = outputs[k]
        if out._data.size == 0:
            continue
        again = _vjp(out, inputs, wrt, _basis(out, 0))
        for n, i in enumerate(wrt):
            if not np.all(np.abs(again[n].reshape(-1) - analytical[i, k][0]) <= nondet_tol):
                return Failure(
                    "Backward is not reentrant, i.e., running backward with same input and "
                    "grad_output multiple times gives different values, although analytical "
                    f"gradient matches numerical gradient (output {k}, input {i}). The "
                    f"tolerance for nondeterminism was {nondet_tol}.",
                    localizable=False,
                )
    return None


def as_tuple(x: Any) -> tuple[Any, ...]:
    """``x`` as a tuple (a list is converted, anything else wrapped)."""
    return tuple(x) if isinstance(x, list | tuple) else (x,)


def _is_float_tensor(x: Any) -> bool:
    """A floating or complex tensor (torch's ``_is_float_or_complex_tensor``)."""
    return isinstance(x, function.Tensor) and x._data.dtype.kind in "fc"


def _is_complex_tensor(x: Any) -> bool:
    return isinstance(x, function.Tensor) and x._data.dtype.kind == "c"


def _jacobian_dtype(data: np.ndarray) -> type[np.generic]:
    return np.complex128 if data.dtype.kind == "c" else np.float64


def _number(x: Any) -> float | complex:
    """A Python number: complex for a complex NumPy value."""
    return complex(x) if np.iscomplexobj(x) else float(x)


def differentiable(outputs: tuple[Any, ...]) -> list[Any]:
    """The floating and complex tensors among ``outputs`` that require grad."""
    return [o for o in outputs if _is_float_tensor(o) and o._requires_grad]


def uniform_like(
    rng: np.random.Generator, like: np.ndarray, shape: tuple[int, ...] | None = None
) -> np.ndarray:
    """Uniform values in [-1, 1) of ``like``'s dtype (both parts of a complex one, as torch)."""
    shape = like.shape if shape is None else shape
    values = rng.uniform(-1.0, 1.0, shape)
    if like.dtype.kind == "c":
        values = values + 1j * rng.uniform(-1.0, 1.0, shape)
    return values.astype(like.dtype)


def _index(index: tuple[Any, ...]) -> str:
    return repr(tuple(int(x) for x in index))


def _show(jacobian: np.ndarray) -> str:
    return np.array2string(jacobian, precision=6, suppress_small=True)
