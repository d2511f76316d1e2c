"""Unique Python identifiers for nodes and for the globals of generated code, as torch.fx's.

A candidate such as ``layers.0`` becomes ``layers_0``; a name already taken, a keyword or a
builtin (``sum``, ``getattr``) gets the next free ``_<n>`` suffix: ``add``, ``add_1``,
``sum_1``. Names are never given back, so an erased node's name stays taken.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections import defaultdict
from typing import Any

_ILLEGAL_CHAR = re.compile("[^0-9a-zA-Z_]+")
_NAME_SUFFIX = re.compile(r"(.*)_(\d+)$")


def _snake_case(name: str) -> str:
    """``camelCase`` -> ``camel_case`` (what torch does to a target's name).

    Example:
        >>> from microtensor.fx._namespace import _snake_case
        >>> _snake_case("layerNorm"), _snake_case("relu")
        ('layer_norm', 'relu')
    """
    chars = []
    prev_lower = False
    for char in name:
        if prev_lower and char.isupper():
            chars.append("_")
        chars.append(char.lower())
        prev_lower = char.islower()
    return "".join(chars)


class _Namespace:
    """Hands out names; an object asked for twice gets its first name back."""

    def __init__(self) -> None:
        self._obj_to_name: dict[int, str] = {}
        self._used_names: set[str] = set()
        self._base_count: dict[str, int] = defaultdict(int)

    def create_name(self, candidate: str, obj: Any | None) -> str:
        """A fresh identifier close to ``candidate`` (the same one again for the same ``obj``)."""
        if obj is not None and id(obj) in self._obj_to_name:
            return self._obj_to_name[id(obj)]
        candidate = _ILLEGAL_CHAR.sub("_", candidate) or "_unnamed"
        if candidate[0].isdigit():
            candidate = f"_{candidate}"
        match = _NAME_SUFFIX.match(candidate)
        if match is None:
            base, num = candidate, None
        else:
            base, num = match.group(1), int(match.group(2))
        candidate = base if num is None else f"{base}_{num}"
        if not num:
            num = self._base_count[base]
        while candidate in self._used_names or self._is_illegal_name(candidate, obj):
            num += 1
            candidate = f"{base}_{num}"
        self._used_names.add(candidate)
        self._base_count[base] = num
        if obj is not None:
            self._obj_to_name[id(obj)] = candidate
        return candidate

    def associate_name_with_obj(self, name: str, obj: Any) -> None:
        """Let later requests for ``obj`` get ``name``."""
        self._obj_to_name[id(obj)] = name

    def _is_illegal_name(self, name: str, obj: Any) -> bool:
        if name in keyword.kwlist:
            return True
        if name in builtins.__dict__:
            return obj is not builtins.__dict__[name]
        return name in _RESERVED and obj is not _RESERVED[name]


def _reserved() -> dict[str, Any]:
    import math

    import microtensor

    return {"microtensor": microtensor, "inf": math.inf, "nan": math.nan, "NoneType": type(None)}


_RESERVED = _reserved()
