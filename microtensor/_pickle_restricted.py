"""The allow-list unpickler behind ``load(weights_only=True)``, and its user-extended list.

A pickle is a program: its GLOBAL, STACK_GLOBAL, INST and OBJ opcodes name any importable
callable and its REDUCE, NEWOBJ and BUILD opcodes call it. ``RestrictedUnpickler`` resolves every
such name through ``find_class``, which returns only the objects of an allow-list (and never
imports a module), so every callable a file can reach is one microtensor chose or one the user
listed with ``add_safe_globals``. The extension-registry opcodes (EXT1/2/4), which look callables
up in a process-wide cache without ``find_class``, are refused before unpickling starts.
"""

from __future__ import annotations

import io
import pickle
import pickletools
from collections.abc import Callable, Iterable
from typing import IO, Any

__all__ = [
    "RestrictedUnpickler",
    "add_safe_globals",
    "clear_safe_globals",
    "get_safe_globals",
    "safe_globals",
]

_user_globals: list[Any] = []
# protocol 0-2 pickles spell Python 3 module names the Python 2 way
_PY2_MODULES = {"__builtin__": "builtins", "copy_reg": "copyreg"}
_EXTENSION_OPCODES = {"EXT1", "EXT2", "EXT4"}


def add_safe_globals(safe_globals: Iterable[Any]) -> None:
    """Allow ``load(weights_only=True)`` to rebuild these classes and call these functions.

    Each entry is an object (its name is ``obj.__module__ + "." + obj.__qualname__``) or a
    ``(obj, "module.name")`` pair for an object pickled under another name. Only list what
    you trust: a listed class's constructor and ``__setstate__`` run on the file's data.

    Args:
        safe_globals: the classes and functions to allow.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.serialization import add_safe_globals, get_safe_globals
        >>> add_safe_globals([mt.nn.Linear])
        >>> mt.nn.Linear in get_safe_globals()
        True
        >>> mt.serialization.clear_safe_globals()
    """
    for entry in safe_globals:
        if isinstance(entry, tuple):
            if len(entry) != 2 or not isinstance(entry[1], str):
                raise TypeError(
                    f"add_safe_globals(): expected an object or an (object, 'module.name') pair, "
                    f"got {entry!r}"
                )
        _user_globals.append(entry)


def get_safe_globals() -> list[Any]:
    """The user's allow-list (what ``add_safe_globals`` added), as a new list."""
    return list(_user_globals)


def clear_safe_globals() -> None:
    """Empty the user's allow-list (the built-in tensor types stay allowed)."""
    _user_globals.clear()


class safe_globals:  # noqa: N801 - PyTorch's name (a context manager class)
    """Context manager: the given globals are allowed inside the ``with`` block only.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.serialization import get_safe_globals, safe_globals
        >>> with safe_globals([mt.nn.Linear]):
        ...     mt.nn.Linear in get_safe_globals()
        True
        >>> mt.nn.Linear in get_safe_globals()
        False
    """

    def __init__(self, safe_globals: Iterable[Any]) -> None:
        self.safe_globals = list(safe_globals)
        self._saved: list[Any] = []

    def __enter__(self) -> None:
        self._saved = get_safe_globals()
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc: object) -> None:
        _user_globals[:] = self._saved


def _qualified_name(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}"


def user_allowed() -> dict[str, Any]:
    """``{"module.name": obj}`` for the user's allow-list."""
    allowed = {}
    for entry in _user_globals:
        if isinstance(entry, tuple):
            allowed[entry[1]] = entry[0]
        else:
            allowed[_qualified_name(entry)] = entry
    return allowed


def unsafe_global_message(full_name: str) -> str:
    """PyTorch's message for a global outside the allow-list, naming microtensor's functions."""
    return (
        f"Unsupported global: GLOBAL {full_name} was not an allowed global by default. Please "
        f"use `microtensor.serialization.add_safe_globals([{full_name}])` or the "
        f"`microtensor.serialization.safe_globals([{full_name}])` context manager to allowlist "
        "this global if you trust this class/function."
    )


def refuse_extension_opcodes(data: bytes) -> None:
    """Raise ``UnpicklingError`` if the pickle uses the copyreg extension registry."""
    try:
        for opcode, _, _ in pickletools.genops(io.BytesIO(data)):
            if opcode.name in _EXTENSION_OPCODES:
                raise pickle.UnpicklingError(
                    f"Unsupported operand {opcode.name}: the extension registry is not allowed "
                    "when loading with weights_only=True"
                )
    except ValueError as e:  # genops' error for a malformed stream
        raise pickle.UnpicklingError(f"corrupt pickle data: {e}") from None


_STRING_OPCODES = {
    "STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE",
    "BINUNICODE8",
}  # fmt: skip


def globals_in(data: bytes) -> list[str]:
    """Every ``module.name`` that the pickle ``data`` names, in order, read without running it.

    GLOBAL and INST carry the name; STACK_GLOBAL takes the two strings pushed before it (also
    through the memo).
    """
    names: list[str] = []
    pushed: list[Any] = [None, None]  # the last two values pushed, when they are strings
    memo: dict[int, Any] = {}
    try:
        for opcode, arg, _ in pickletools.genops(io.BytesIO(data)):
            kind = opcode.name
            if kind in ("GLOBAL", "INST"):
                module, name = str(arg).split(" ", 1)
                names.append(f"{_PY2_MODULES.get(module, module)}.{name}")
            elif kind == "STACK_GLOBAL" and all(isinstance(p, str) for p in pushed):
                names.append(f"{pushed[0]}.{pushed[1]}")
            if kind in ("PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"):
                memo[len(memo) if arg is None else int(arg)] = pushed[1]  # MEMOIZE: no arg
                continue
            if kind in _STRING_OPCODES:
                value = arg
            elif kind in ("GET", "BINGET", "LONG_BINGET"):
                value = None if arg is None else memo.get(int(arg))
            else:
                value = None
            pushed = [pushed[1], value]
    except ValueError as e:
        raise pickle.UnpicklingError(f"corrupt pickle data: {e}") from None
    return list(dict.fromkeys(names))


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler whose globals come only from ``allowed`` and the user's allow-list.

    Args:
        file: the pickle stream.
        allowed: ``{"module.name": obj}``, the built-in allow-list.
        persistent_load: resolves persistent ids (the storages of a checkpoint).
    """

    def __init__(
        self, file: IO[bytes], allowed: dict[str, Any], persistent_load: Callable[[Any], Any]
    ) -> None:
        super().__init__(file)
        self._allowed = allowed
        self._user = user_allowed()
        self._persistent = persistent_load

    def find_class(self, module: str, name: str) -> Any:
        """The allow-listed object called ``module.name``; never imports anything."""
        full_name = f"{_PY2_MODULES.get(module, module)}.{name}"
        if full_name in self._allowed:
            return self._allowed[full_name]
        if full_name in self._user:
            return self._user[full_name]
        raise pickle.UnpicklingError(unsafe_global_message(full_name))

    def persistent_load(self, pid: Any) -> Any:
        """Delegate to the checkpoint reader (storages)."""
        return self._persistent(pid)
