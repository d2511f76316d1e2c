"""While tracing, microtensor's functions and Tensor methods dispatch ``__torch_function__``.

torch's functions ask every call whether an argument overrides ``__torch_function__``;
microtensor's do not (see ``microtensor.overrides``), which keeps their ordinary calls cheap.
So the tracer asks for them, only while it traces: a ``_Patcher`` replaces the public
functions of ``microtensor``, ``microtensor.nn.functional``, ``special``, ``linalg`` and
``fft``, the methods of ``Tensor``, and the names a traced ``forward``'s module imported from
them (``from microtensor.nn.functional import relu``), with wrappers that call
``overrides.handle_torch_function`` when an argument (or an element of a list/tuple
argument) overrides it, and the original otherwise. Everything is put back on exit.

Differs from PyTorch: only those namespaces dispatch; a function reached another way (a
private module, ``microtensor.ops.add``) computes with the proxy and fails.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import types
from collections.abc import Callable
from typing import Any

from microtensor.fx._qualified_name import PUBLIC_NAMESPACES
from microtensor.overrides import handle_torch_function
from microtensor.tensor import Tensor

# torch hands `tensor.__add__(proxy)` to __torch_function__ as Tensor.add: the node is
# call_method "add". These are the dunders torch renames; the others keep their name.
_DUNDER_TARGETS = {
    "__add__": "add",
    "__sub__": "sub",
    "__mul__": "mul",
    "__truediv__": "div",
    "__matmul__": "matmul",
    "__pow__": "pow",
    "__mod__": "remainder",
    "__eq__": "eq",
    "__ne__": "ne",
    "__lt__": "lt",
    "__le__": "le",
    "__gt__": "gt",
    "__ge__": "ge",
}
# Python protocols, not computations: they never see a proxy argument worth recording
_NOT_DISPATCHED_METHODS = frozenset(
    "__init__ __new__ __repr__ __str__ __format__ __hash__ __bool__ __len__ __iter__ "
    "__getattribute__ __getattr__ __setattr__ __delattr__ __dir__ __reduce__ __reduce_ex__ "
    "__getstate__ __setstate__ __copy__ __deepcopy__ __sizeof__ __init_subclass__ "
    "__subclasshook__ __class_getitem__ __array__ __array_wrap__ __index__ __int__ "
    "__float__ __complex__ __contains__ __reversed__ __del__ __enter__ __exit__".split()
)
_NOT_DISPATCHED_FUNCTIONS = frozenset({"is_tensor", "is_storage", "typename", "save", "load"})


def _overriding_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    found = []
    for value in (*args, *kwargs.values()):
        elements = value if isinstance(value, list | tuple) else (value,)
        found += [e for e in elements if hasattr(type(e), "__torch_function__")]
    return tuple(found)


def _dispatching_function(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def dispatching(*args: Any, **kwargs: Any) -> Any:
        relevant = _overriding_args(args, kwargs)
        if relevant:
            return handle_torch_function(fn, relevant, *args, **kwargs)
        return fn(*args, **kwargs)

    return dispatching


def _dispatching_method(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def dispatching(self: Any, *args: Any, **kwargs: Any) -> Any:
        relevant = _overriding_args((self, *args), kwargs)
        if relevant:
            return handle_torch_function(fn, relevant, self, *args, **kwargs)
        return fn(self, *args, **kwargs)

    return dispatching


class _Wrappers:
    """The wrappers, made once: original -> wrapper, and Tensor method -> node target."""

    def __init__(self) -> None:
        self.functions: dict[tuple[str, str], Callable[..., Any]] = {}
        self.by_id: dict[int, Callable[..., Any]] = {}
        for namespace in PUBLIC_NAMESPACES:
            module = importlib.import_module(namespace)
            for name in [*vars(module), *getattr(module, "_LAZY_NAMES", ())]:
                if name.startswith("_") or name in _NOT_DISPATCHED_FUNCTIONS:
                    continue
                value = getattr(module, name)  # a lazy name (mt.lstm) loads its module here
                if isinstance(value, types.FunctionType):
                    wrapper = self.by_id.get(id(value)) or _dispatching_function(value)
                    self.functions[(namespace, name)] = wrapper
                    self.by_id[id(value)] = wrapper
        self.methods: dict[tuple[type, str], Callable[..., Any]] = {}
        self.method_targets: dict[Callable[..., Any], str] = {}
        for name in sorted(dir(Tensor)):
            if name in _NOT_DISPATCHED_METHODS:
                continue
            owner = next((k for k in Tensor.__mro__ if name in vars(k)), None)
            value = inspect.getattr_static(Tensor, name)
            if owner is None or not isinstance(value, types.FunctionType):
                continue
            self.methods[(owner, name)] = _dispatching_method(value)
            self.method_targets.setdefault(value, _DUNDER_TARGETS.get(name, name))


@functools.cache
def _wrappers() -> _Wrappers:
    return _Wrappers()


def tensor_method_target(fn: Any) -> str | None:
    """The ``call_method`` target of a Tensor method handed to ``__torch_function__``."""
    try:
        return _wrappers().method_targets.get(fn)
    except TypeError:  # unhashable callable: not a Tensor method
        return None


class _Patcher:
    """Replaces attributes and dict entries, and puts them all back on ``__exit__``."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []
        self._visited: set[Any] = set()

    def __enter__(self) -> _Patcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        while self._undo:
            self._undo.pop()()

    def patch(self, frame_dict: dict[str, Any], name: str, new_fn: Any) -> None:
        """Replace ``frame_dict[name]`` (a module's globals)."""
        if name in frame_dict:
            old = frame_dict[name]
            self._undo.append(lambda: frame_dict.__setitem__(name, old))
        else:
            self._undo.append(lambda: frame_dict.pop(name, None))
        frame_dict[name] = new_fn

    def patch_cell(self, cell: Any, new_value: Any) -> None:
        """Replace what a closure cell holds."""
        old = cell.cell_contents
        self._undo.append(lambda: setattr(cell, "cell_contents", old))
        cell.cell_contents = new_value

    def patch_method(self, cls: type, name: str, new_fn: Any) -> None:
        """Replace the attribute ``name`` that ``cls`` defines itself."""
        old = cls.__dict__[name]
        self._undo.append(lambda: setattr(cls, name, old))
        setattr(cls, name, new_fn)

    def visit_once(self, key: Any) -> bool:
        """True the first time the hashable ``key`` is asked about."""
        if key in self._visited:
            return False
        self._visited.add(key)
        return True


def patch_microtensor(patcher: _Patcher) -> None:
    """Make the public functions and the Tensor methods dispatch until ``patcher`` exits."""
    wrappers = _wrappers()
    for (namespace, name), wrapper in wrappers.functions.items():
        patcher.patch(vars(importlib.import_module(namespace)), name, wrapper)
    for (owner, name), wrapper in wrappers.methods.items():
        patcher.patch_method(owner, name, wrapper)


def patch_globals(patcher: _Patcher, frame_dict: dict[str, Any]) -> None:
    """Make the names a module imported from microtensor's namespaces dispatch too."""
    if not patcher.visit_once(("dispatch", id(frame_dict))):
        return
    by_id = _wrappers().by_id
    for name, value in list(frame_dict.items()):
        wrapper = by_id.get(id(value))
        if wrapper is not None and not name.startswith("__"):
            patcher.patch(frame_dict, name, wrapper)


def patch_closure(patcher: _Patcher, fn: Any) -> None:
    """Make the microtensor functions a traced function closes over dispatch too."""
    by_id = _wrappers().by_id
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            wrapper = by_id.get(id(cell.cell_contents))
        except ValueError:  # an empty cell
            continue
        if wrapper is not None:
            patcher.patch_cell(cell, wrapper)
