"""Settings modules in the manner of torch's ``torch.utils._config_module``.

``torch._dynamo.config`` and ``torch._inductor.config`` are modules whose attributes are
checked settings: reading or writing a misspelt name raises AttributeError, ``patch`` changes
settings for a ``with`` block, ``get_config_copy`` returns every setting, and dotted names
(``triton.cudagraphs``) are reached through a section (``config.triton.cudagraphs``).
microtensor's ``compile`` runs eagerly, so these settings change nothing; they hold what a
script sets, with torch's defaults. ``install`` turns a module into such a settings module.
"""

from __future__ import annotations

import contextlib
import copy
import sys
import types
from collections.abc import Iterator
from typing import Any

__all__: list[str] = []  # internal: the config modules of _dynamo and _inductor


class _Section:
    """``config.triton``: the settings named ``triton.<name>``, read and written by name."""

    def __init__(self, config: ConfigModule, prefix: str) -> None:
        object.__setattr__(self, "_config", config)
        object.__setattr__(self, "_prefix", prefix)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._config, f"{self._prefix}.{name}")

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._config, f"{self._prefix}.{name}", value)


class ConfigModule(types.ModuleType):
    """A module whose attributes are the checked settings in its ``_values``."""

    _values: dict[str, Any]
    _aliases: dict[str, str]

    def _key(self, name: str) -> str | None:
        key = self._aliases.get(name, name)
        return key if key in self._values else None

    def __getattr__(self, name: str) -> Any:
        key = self._key(name)
        if key is not None:
            return self._values[key]
        if any(setting.startswith(name + ".") for setting in self._values):
            return _Section(self, name)
        raise AttributeError(f"{self.__name__}.{name} does not exist")

    def __setattr__(self, name: str, value: Any) -> None:
        key = self._key(name)
        if key is not None:
            self._values[key] = value
        elif name.startswith("_") or callable(value) or isinstance(value, types.ModuleType):
            super().__setattr__(name, value)  # the module's own functions and imports
        else:
            raise AttributeError(f"{self.__name__}.{name} does not exist")

    def __dir__(self) -> list[str]:
        names = {name.split(".")[0] for name in self._values}
        return sorted({*super().__dir__(), *names, *self._aliases})


def install(module_name: str, defaults: dict[str, Any], aliases: dict[str, str]) -> None:
    """Make the module ``module_name`` a settings module starting from ``defaults``."""
    module = sys.modules[module_name]
    module.__dict__["_values"] = dict(defaults)  # before the class: its lookups read them
    module.__dict__["_aliases"] = dict(aliases)
    module.__class__ = ConfigModule


def config_copy(module_name: str) -> dict[str, Any]:
    """Every setting of the settings module ``module_name`` and its value (a deep copy)."""
    module: Any = sys.modules[module_name]
    return copy.deepcopy(module._values)


@contextlib.contextmanager
def patched(module_name: str, changes: dict[str, Any]) -> Iterator[None]:
    """Apply ``changes`` to the settings module ``module_name``; restore them afterwards.

    Raises:
        AttributeError: for a name that is no setting (before anything changes).
    """
    module = sys.modules[module_name]
    previous = {name: getattr(module, name) for name in changes}
    for name, value in changes.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in previous.items():
            setattr(module, name, value)


def changes_of(arg1: str | dict[str, Any] | None, arg2: Any, kwargs: dict[str, Any]) -> dict:
    """``patch``'s arguments as one dict: ``("name", value)``, ``({"name": value})`` or kwargs."""
    changes = dict(kwargs)
    if isinstance(arg1, str):
        changes[arg1] = arg2
    elif isinstance(arg1, dict):
        changes.update(arg1)
    return changes
