"""Find the op whose backward is wrong, for ``gradcheck``'s error message.

When ``fn``'s Jacobians disagree, ``localize`` runs ``fn`` once more while recording every
``Op.apply`` and ``Function.apply`` call (its class, a copy of its arguments, and the graph node
it made). Then, in execution order (so an op comes before the ops that use its output), each
recorded op that lies on the graph of ``fn``'s outputs is checked on its own: its ``apply`` is
re-run on float64 (complex128) copies of its recorded arguments and compared with finite
differences of its own forward. The first op that fails is named with its node name
(``MulBackward0``, ``MyCubeBackward``), its arguments and its errors.

Recording swaps ``apply`` on ``Function`` and ``Op`` for a wrapper, only while ``fn`` runs
inside ``localize`` (restored in ``finally``), so the core pays nothing; it is not thread-safe:
another thread's ops would be recorded too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from microtensor.autograd import function

# the precision each op is re-run in: floating arguments in float64, complex ones in complex128
_WIDE = {"f": np.dtype(np.float64), "c": np.dtype(np.complex128)}


@dataclass
class _Arg:
    """A tensor argument as it was when the op was called."""

    value: np.ndarray
    requires_grad: bool


@dataclass
class _Call:
    """One recorded ``apply``: the op class, its arguments and the node it made."""

    cls: type[function.Function]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    node: Any


def _apply_of(cls: Any, *args: Any) -> Any:
    return cls.apply(*args)


def localize(
    fn: Callable[..., Any],
    inputs: tuple[Any, ...],
    check_op: Callable[[Callable[..., Any], tuple[Any, ...]], Any],
    what: str,
) -> str:
    """Describe the first op of ``fn`` at ``inputs`` that fails ``check_op`` on its own.

    Args:
        fn: the checked function.
        inputs: its arguments (the tensors that require grad are the graph's leaves).
        check_op: ``check_op(op_fn, op_inputs)`` returns None when the op passes, or an object
            with ``max_abs`` and ``max_rel`` attributes when it fails.
        what: the derivative checked, for the message: ``"backward"`` (compared with the
            op's forward) or ``"double backward"`` (compared with its backward).

    Returns:
        A paragraph for the error message, starting with a newline.
    """
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, type) and getattr(fn, "__name__", "") == "apply":
        # ``SomeFunction.apply`` was bound before recording swapped ``apply``: call it anew
        fn = functools.partial(_apply_of, owner)
    calls: list[_Call] = []
    with _recording(calls):
        outputs = fn(*inputs)
    on_graph = _graph_nodes(outputs if isinstance(outputs, tuple | list) else (outputs,))
    passed = skipped = 0
    for call in calls:
        if call.node not in on_graph:
            continue
        op_fn, op_inputs = _replay(call)
        try:
            if not _float64_outputs(op_fn(*op_inputs)):
                skipped += 1
                continue
            failure = check_op(op_fn, op_inputs)
        except Exception:  # an op that cannot be re-run alone is not the culprit we can name
            skipped += 1
            continue
        if failure is not None:
            reference = "forward" if what == "backward" else "backward"
            return (
                f"\nThe first op (in execution order) whose {what} disagrees with finite "
                f"differences of its own {reference}: {call.node.name()}, from "
                f"{call.cls._op_name}.apply({_describe(call.args)}): max abs error "
                f"{failure.max_abs:.6g}, max rel error {failure.max_rel:.6g} "
                f"({passed} op(s) before it pass)."
            )
        passed += 1
    note = f" ({skipped} op(s) could not be checked alone)" if skipped else ""
    return (
        f"\nEach of the {passed} op(s) on fn's graph passes its own {what} check{note}, so "
        "the mismatch comes from fn itself: a non-differentiable step, detach(), .data, "
        "numpy(), an in-place change, randomness, or closed-over tensors."
    )


@contextmanager
def _recording(calls: list[_Call]) -> Iterator[None]:
    """Record every ``apply`` that makes a graph node, while the context is open."""
    originals = {cls: cls.__dict__["apply"] for cls in (function.Function, function.Op)}
    try:
        for cls, original in originals.items():
            cls.apply = classmethod(_recorder(original.__func__, calls))  # type: ignore[method-assign, assignment]
        yield
    finally:
        for cls, original in originals.items():
            cls.apply = original  # type: ignore[method-assign, assignment]


def _recorder(apply: Callable[..., Any], calls: list[_Call]) -> Callable[..., Any]:
    def recording_apply(cls: type, *args: Any, **kwargs: Any) -> Any:
        Tensor = function.Tensor
        snapshot = tuple(
            _Arg(np.array(a._data), a._requires_grad) if isinstance(a, Tensor) else a for a in args
        )
        out = apply(cls, *args, **kwargs)
        for o in out if isinstance(out, tuple) else (out,):
            if isinstance(o, Tensor) and o.grad_fn.__class__ is function._node_class(cls):
                calls.append(_Call(cls, snapshot, kwargs, o.grad_fn))
                break
        return out

    return recording_apply


def _graph_nodes(outputs: Any) -> set[Any]:
    """Every node reachable from the outputs' ``grad_fn`` through ``next_functions``."""
    stack = [o.grad_fn for o in outputs if isinstance(o, function.Tensor) and o.grad_fn is not None]
    seen: set[Any] = set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(n for n, _ in node.next_functions if n is not None)
    return seen


def _replay(call: _Call) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """The op as a function of its tensor arguments, and float64 copies of those."""
    Tensor = function.Tensor
    positions = [p for p, a in enumerate(call.args) if isinstance(a, _Arg)]
    op_inputs = []
    for p in positions:
        arg = call.args[p]
        value = arg.value.astype(_WIDE.get(arg.value.dtype.kind, arg.value.dtype))
        op_inputs.append(Tensor._make(value, arg.requires_grad))

    def op_fn(*tensors: Any) -> Any:
        args = list(call.args)
        for p, t in zip(positions, tensors, strict=True):
            args[p] = t
        return call.cls.apply(*args, **call.kwargs)  # type: ignore[attr-defined]

    return op_fn, tuple(op_inputs)


def _float64_outputs(out: Any) -> bool:
    """False when the op computes in lower precision (finite differences would be noise)."""
    outs = out if isinstance(out, tuple) else (out,)
    return all(
        o._data.dtype == _WIDE[o._data.dtype.kind]
        for o in outs
        if isinstance(o, function.Tensor) and o._data.dtype.kind in _WIDE
    )


def _describe(args: tuple[Any, ...]) -> str:
    parts = []
    for a in args:
        if isinstance(a, _Arg):
            grad = ", requires_grad" if a.requires_grad else ""
            parts.append(f"<{tuple(a.value.shape)} {a.value.dtype}{grad}>")
        else:
            text = repr(a)
            parts.append(text if len(text) <= 40 else text[:37] + "...")
    return ", ".join(parts)
