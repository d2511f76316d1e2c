"""``record_calls``: run a model once and record its module calls and tensor ops as a tree.

Forward pre-hooks and hooks (``Module.register_forward_pre_hook``) note each module call's
arguments and output. While the model runs, the public functions of ``microtensor.ops``,
``microtensor.nn.functional`` and ``microtensor`` (which every Tensor method and operator
calls) are wrapped so that each top-level op call is noted too, in the module call it ran in;
they are put back afterwards. The exporter reads how tensors flow from their identity (the
output object of one call is the input object of the next).

Parameters stop requiring grad during the run and floating-point inputs start to, so a tensor
requires grad exactly when it was computed from a floating-point input: one that no noted call
produced (an op the exporter cannot see) is then an error, not a silently frozen constant.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from microtensor.autograd import enable_grad
from microtensor.tensor import Tensor

_NAMESPACES = ("microtensor.ops", "microtensor.nn.functional", "microtensor")


@dataclass
class OpCall:
    """One call of the op ``name`` (a public function) with its arguments and output."""

    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    output: Any = None
    versions: dict[int, int] = field(default_factory=dict)  # inputs: id -> in-place version
    out_versions: dict[int, int] = field(default_factory=dict)  # the outputs' versions


@dataclass
class Call:
    """One call of ``module`` (named ``name`` in the model): arguments, output, inner calls."""

    module: Any
    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    output: Any = None
    children: list[Call | OpCall] = field(default_factory=list)
    versions: dict[int, int] = field(default_factory=dict)  # inputs: id -> in-place version
    out_versions: dict[int, int] = field(default_factory=dict)  # the outputs' versions


def note_versions(versions: dict[int, int], value: Any) -> None:
    """Remember each tensor's in-place version counter (an in-place op moves it on)."""
    for tensor in flatten_tensors(value):
        versions[id(tensor)] = tensor._version


def flatten_tensors(value: Any) -> list[Tensor]:
    """The Tensors in a (nested) tuple/list/dict, in order."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, tuple | list):
        return [t for item in value for t in flatten_tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in flatten_tensors(item)]
    return []


class _Recorder:
    def __init__(self, root: Call) -> None:
        self.root = root
        self.stack: list[Call] = []
        self.depth = 0  # > 0 inside a recorded op: its inner op calls are not noted

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def recorded(*args: Any, **kwargs: Any) -> Any:
            if self.depth or not self.stack:
                return fn(*args, **kwargs)
            op = OpCall(name, args, kwargs)
            note_versions(op.versions, (args, kwargs))
            self.depth += 1
            try:
                op.output = fn(*args, **kwargs)
            finally:
                self.depth -= 1
            note_versions(op.out_versions, op.output)
            self.stack[-1].children.append(op)
            return op.output

        raw = getattr(fn, "__wrapped__", None)
        if raw is not None:  # Tensor methods call ops.X.__wrapped__ (past @numpy_names): note it
            recorded.__wrapped__ = self.wrap(name, raw)  # type: ignore[attr-defined]
        return recorded


@contextmanager
def _wrapped_ops(recorder: _Recorder) -> Iterator[None]:
    saved: list[tuple[Any, str, Any]] = []
    wrappers: dict[int, Callable[..., Any]] = {}
    try:
        for namespace in _NAMESPACES:
            module = importlib.import_module(namespace)
            for name in [*vars(module), *getattr(module, "_LAZY_NAMES", ())]:
                fn = getattr(module, name)  # a lazy name loads its module here
                if name.startswith("_") or not inspect.isfunction(fn):
                    continue
                if id(fn) not in wrappers:
                    wrappers[id(fn)] = recorder.wrap(fn.__name__, fn)
                saved.append((module, name, fn))
                setattr(module, name, wrappers[id(fn)])
        yield
    finally:
        for module, name, fn in reversed(saved):
            setattr(module, name, fn)


def record_calls(model: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Call:
    """Run ``model(*args, **kwargs)`` once and return the root ``Call``."""
    names = {id(module): name for name, module in model.named_modules()}
    root = Call(model, "", args, kwargs)
    recorder = _Recorder(root)
    handles = []

    def before(module: Any, call_args: tuple[Any, ...], call_kwargs: dict[str, Any]) -> None:
        stack = recorder.stack
        call = Call(module, names.get(id(module), type(module).__name__), call_args, call_kwargs)
        if stack:
            stack[-1].children.append(call)
        call = call if stack else root
        note_versions(call.versions, (call_args, call_kwargs))
        stack.append(call)

    def after(module: Any, call_args: Any, call_kwargs: Any, output: Any) -> None:
        call = recorder.stack.pop()
        call.output = output
        note_versions(call.out_versions, output)

    for module in model.modules():
        handles.append(module.register_forward_pre_hook(before, with_kwargs=True))
        handles.append(module.register_forward_hook(after, with_kwargs=True))
    params = [p for p in model.parameters() if p.requires_grad]
    try:
        for p in params:
            p.requires_grad_(False)
        with enable_grad(), _wrapped_ops(recorder):
            model(*args, **kwargs)
    finally:
        for p in params:
            p.requires_grad_(True)
        for handle in handles:
            handle.remove()
    return root
