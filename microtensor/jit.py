"""``microtensor.jit``: torch.jit's names, so model code that uses them runs eagerly.

microtensor has no TorchScript compiler. Code written for PyTorch often scripts small helper
functions (``@torch.jit.script``), traces a model before saving it, or marks methods with
``@torch.jit.ignore`` / ``@torch.jit.unused``; here ``script`` and ``trace`` return the
function or module itself, which computes exactly what it computed before, and the
decorators leave their function unchanged. What needs a TorchScript program (``save``,
``load``, ``freeze``) raises a RuntimeError naming what to use instead:
``microtensor.save(model.state_dict(), path)`` or ``microtensor.onnx.export``.

Differs from PyTorch: nothing is compiled; ``is_scripting()`` and ``is_tracing()`` are False.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "Attribute",
    "Final",
    "annotate",
    "export",
    "fork",
    "freeze",
    "ignore",
    "interface",
    "is_scripting",
    "is_tracing",
    "isinstance",
    "load",
    "optimize_for_inference",
    "save",
    "script",
    "script_if_tracing",
    "trace",
    "trace_module",
    "unused",
    "wait",
]

_F = TypeVar("_F")
Final = typing.Final
_builtin_isinstance = isinstance


def script(
    obj: _F,
    optimize: Any = None,
    _frames_up: int = 0,
    _rcb: Any = None,
    example_inputs: Any = None,
) -> _F:
    """Return ``obj`` itself (a function, a module or a class): it runs eagerly.

    Example:
        >>> import microtensor as mt
        >>> @mt.jit.script
        ... def gelu(x):
        ...     return 0.5 * x * (1 + mt.tanh(0.7978845608 * (x + 0.044715 * x**3)))
        >>> gelu(mt.tensor([0.0]))
        tensor([0.])
    """
    return obj


def trace(
    func: _F,
    example_inputs: Any = None,
    optimize: Any = None,
    check_trace: bool = True,
    check_inputs: Any = None,
    check_tolerance: float = 1e-05,
    strict: bool = True,
    _force_outplace: bool = False,
    _module_class: Any = None,
    _compilation_unit: Any = None,
    example_kwarg_inputs: Any = None,
    _store_inputs: bool = True,
) -> _F:
    """Return ``func`` itself (no graph is recorded; it runs eagerly on every call).

    Differs from PyTorch: ``_compilation_unit`` defaults to None (there is no TorchScript
    compilation unit); every argument but ``func`` is accepted and ignored.
    """
    return func


def trace_module(
    mod: _F,
    inputs: Any,
    optimize: Any = None,
    check_trace: bool = True,
    check_inputs: Any = None,
    check_tolerance: float = 1e-05,
    strict: bool = True,
    _force_outplace: bool = False,
    _module_class: Any = None,
    _compilation_unit: Any = None,
    example_inputs_is_kwarg: bool = False,
    _store_inputs: bool = True,
) -> _F:
    """Return ``mod`` itself (every other argument is accepted and ignored)."""
    return mod


def script_if_tracing(fn: _F) -> _F:
    """Return ``fn`` itself."""
    return fn


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """Leave a function as it is; usable as ``@ignore`` and ``@ignore(drop=True)``."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn: _F) -> _F:
    """Leave ``fn`` as it is."""
    return fn


def export(fn: _F) -> _F:
    """Leave ``fn`` as it is."""
    return fn


def interface(obj: _F) -> _F:
    """Leave the class as it is."""
    return obj


def is_scripting() -> bool:
    """False: code never runs as TorchScript here."""
    return False


def is_tracing() -> bool:
    """False: nothing is traced here."""
    return False


def annotate(the_type: Any, the_value: Any) -> Any:
    """Return ``the_value`` (the type is a hint for TorchScript only)."""
    return the_value


def isinstance(obj: Any, target_type: Any) -> bool:  # noqa: A001 - torch.jit's name
    """Python's ``isinstance`` (``typing`` containers checked by their origin)."""
    origin = typing.get_origin(target_type)
    return _builtin_isinstance(obj, origin if origin is not None else target_type)


class Attribute:
    """``Attribute(value, type)``: the value itself, as torch.jit.Attribute is outside scripts."""

    def __new__(cls, value: Any, type: Any) -> Any:  # noqa: A002
        """Return ``value``."""
        return value


class _Done:
    """What ``fork`` returns: the result, computed at once."""

    def __init__(self, value: Any) -> None:
        self._value = value

    def wait(self) -> Any:
        return self._value


def fork(func: Callable[..., Any], *args: Any, **kwargs: Any) -> _Done:
    """Run ``func`` now; ``wait`` on the result returns its value."""
    return _Done(func(*args, **kwargs))


def wait(future: _Done) -> Any:
    """The value of what ``fork`` ran."""
    return future.wait()


def _no_torchscript(what: str) -> RuntimeError:
    return RuntimeError(
        f"microtensor.jit.{what}: microtensor has no TorchScript programs. Save weights with "
        "microtensor.save(model.state_dict(), path) (PyTorch loads them too), or export the "
        "model with microtensor.onnx.export."
    )


def save(m: Any, f: Any, _extra_files: Any = None) -> None:
    """Raises RuntimeError: there is no TorchScript program to save (see the module doc)."""
    raise _no_torchscript("save")


def load(
    f: Any, map_location: Any = None, _extra_files: Any = None, _restore_shapes: bool = False
) -> Any:
    """Raises RuntimeError: TorchScript files cannot be loaded (see the module doc)."""
    raise _no_torchscript("load")


def freeze(mod: Any, preserved_attrs: Any = None, optimize_numerics: bool = True) -> Any:
    """Raises RuntimeError: freezing needs a TorchScript module."""
    raise _no_torchscript("freeze")


def optimize_for_inference(mod: Any, other_methods: Any = None) -> Any:
    """Raises RuntimeError: needs a TorchScript module."""
    raise _no_torchscript("optimize_for_inference")
