"""The dotted name a graph prints for a function: ``microtensor.relu``, ``operator.add``.

torch prints a function under the module where its users find it (``torch.relu``,
``torch.nn.functional.linear``). microtensor defines its functions in private modules
(``microtensor.ops.piecewise``), so the name is looked up in the public namespaces instead:
the first of ``microtensor.nn.functional``, ``microtensor.special``, ``microtensor.linalg``,
``microtensor.fft`` and ``microtensor`` that holds the function under its ``__name__``,
preferring the namespace whose path is closest to where the function is defined.
"""

from __future__ import annotations

import builtins
import importlib
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


def _public_module_of(fn: Any) -> str | None:
    name = getattr(fn, "__name__", None)
    defined_in = getattr(fn, "__module__", None) or ""
    if name is None or not defined_in.startswith("microtensor"):
        return None
    holders = [ns for ns, module in _namespaces() if getattr(module, name, None) is fn]
    if not holders:
        return None
    return max(holders, key=lambda ns: (_closeness(ns, defined_in), -len(ns)))


def _get_qualified_name(fn: Any) -> str:
    """``getattr``, ``operator.add``, ``microtensor.relu``, or ``module.name`` otherwise.

    Raises:
        RuntimeError: for a lambda, which has no name to print.

    Example:
        >>> import operator
        >>> import microtensor as mt
        >>> from microtensor.fx._qualified_name import _get_qualified_name
        >>> _get_qualified_name(operator.add), _get_qualified_name(mt.relu)
        ('operator.add', 'microtensor.relu')
        >>> _get_qualified_name(mt.nn.functional.linear)
        'microtensor.nn.functional.linear'
    """
    name = fn.__name__
    if getattr(builtins, name, None) is fn:
        return name
    if name == "<lambda>":
        raise RuntimeError("Unable to represent lambda")
    module = _public_module_of(fn)
    if module is None:
        module = getattr(fn, "__module__", None) or "__main__"
        module = "operator" if module == "_operator" else module
    return f"{module}.{name}"
