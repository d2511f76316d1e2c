"""The dotted name a graph prints for a function: ``microtensor.relu``, ``_operator.add``.

torch prints a function under the module where its users find it (``torch.relu``,
``torch.nn.functional.linear``). microtensor defines its functions in private modules
(``microtensor.ops.piecewise``, ``microtensor.nn._functional.activation``), so the name is
looked up in the public namespaces instead:

1. the first of ``microtensor.nn.functional``, ``microtensor.special``,
   ``microtensor.linalg``, ``microtensor.fft`` and ``microtensor`` that holds the function
   under its ``__name__``, preferring the namespace whose path is closest to where the
   function is defined;
2. a method of ``Tensor`` is ``microtensor.Tensor.<name>``;
3. otherwise ``__module__`` if that path is public and leads to the function;
4. otherwise any loaded public microtensor module that holds it (``microtensor.nn.init``
   for a function defined in ``microtensor.nn._init_deprecated``), the closest first;
5. otherwise ``__module__``, as torch does.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import sys
from types import ModuleType
from typing import Any

PUBLIC_NAMESPACES = (
    "microtensor",
    "microtensor.nn.functional",
    "microtensor.special",
    "microtensor.linalg",
    "microtensor.fft",
)


def _namespaces() -> list[tuple[str, ModuleType]]:
    return [(name, importlib.import_module(name)) for name in PUBLIC_NAMESPACES]


def _closeness(namespace: str, defined_in: str) -> int:
    """How many leading path segments agree, ignoring the ``_`` of private modules."""
    count = 0
    for ours, theirs in zip(namespace.split("."), defined_in.split("."), strict=False):
        if ours.lstrip("_") != theirs.lstrip("_"):
            break
        count += 1
    return count


def _is_public(path: str) -> bool:
    return not any(atom.startswith("_") for atom in path.split("."))


def _resolves(path: str, name: str, fn: Any) -> bool:
    """Whether ``path.name``, read attribute by attribute from the top package, is ``fn``."""
    atoms = path.split(".")
    value: Any = sys.modules.get(atoms[0])
    for atom in [*atoms[1:], name]:
        value = getattr(value, atom, None)
    return value is fn


def _closest(holders: list[str], defined_in: str) -> str:
    return max(holders, key=lambda ns: (_closeness(ns, defined_in), -len(ns)))


def _public_module_of(fn: Any) -> str | None:
    name = getattr(fn, "__name__", None)
    defined_in = getattr(fn, "__module__", None) or ""
    if name is None or not defined_in.startswith("microtensor"):
        return None
    holders = [ns for ns, module in _namespaces() if getattr(module, name, None) is fn]
    if holders:
        return _closest(holders, defined_in)
    from microtensor.tensor import Tensor

    if getattr(Tensor, name, None) is fn:
        return "microtensor.Tensor"
    if _is_public(defined_in) and _resolves(defined_in, name, fn):
        return defined_in
    loaded = [
        module_name
        for module_name, module in list(sys.modules.items())
        if module_name.startswith("microtensor.")
        and _is_public(module_name)
        and getattr(module, name, None) is fn
        and _resolves(module_name, name, fn)
    ]
    return _closest(loaded, defined_in) if loaded else None


def _lambda_name(fn: Any) -> str:
    """The name torch gives a lambda: the source text before its first ``=``.

    Raises:
        RuntimeError: if the source cannot be read.
    """
    try:
        return inspect.getsource(fn).split("=")[0].strip()
    except OSError as e:
        raise RuntimeError("Unable to represent lambda") from e


def _get_qualified_name(fn: Any) -> str:
    """``getattr``, ``_operator.add``, ``microtensor.relu``, or ``module.name`` otherwise.

    Raises:
        RuntimeError: for a lambda whose source cannot be read.

    Example:
        >>> import operator
        >>> import microtensor as mt
        >>> from microtensor.fx._qualified_name import _get_qualified_name
        >>> _get_qualified_name(operator.add), _get_qualified_name(mt.relu)
        ('_operator.add', 'microtensor.relu')
        >>> _get_qualified_name(mt.nn.functional.linear), _get_qualified_name(mt.Tensor.add)
        ('microtensor.nn.functional.linear', 'microtensor.Tensor.add')
    """
    name = fn.__name__
    if getattr(builtins, name, None) is fn:
        return name
    if name == "<lambda>":
        name = _lambda_name(fn)
    module = _public_module_of(fn)
    if module is None:
        module = getattr(fn, "__module__", None) or "__main__"
    return f"{module}.{name}"
