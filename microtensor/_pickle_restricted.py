"""The allow-list unpickler behind ``load(weights_only=True)``, and its user-extended list.

A pickle is a program: its GLOBAL, STACK_GLOBAL, INST and OBJ opcodes name any importable
callable and its REDUCE, NEWOBJ and BUILD opcodes call it. ``RestrictedUnpickler`` resolves every
such name through ``find_class``, which returns only the objects of an allow-list (and never
imports a module), so every callable a file can reach is one microtensor chose or one the user
listed with ``add_safe_globals``. The extension-registry opcodes (EXT1/2/4), which look callables
up in a process-wide cache, are refused, and BUILD (attribute setting) is limited to the types
that need it.
"""

from __future__ import annotations

import io
import pickle
import pickletools
import struct
from collections import OrderedDict
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


# the pure-Python unpickler: its opcodes can be overridden one by one (the C one's cannot)
_PureUnpickler: Any = pickle._Unpickler  # type: ignore[attr-defined]


class RestrictedUnpickler(_PureUnpickler):  # type: ignore[misc]
    """An unpickler whose globals come only from ``allowed`` and the user's allow-list.

    As in torch's ``weights_only`` unpickler, BUILD (which sets an object's attributes) only
    applies to an ``OrderedDict`` (a state dict's ``_metadata``) and to the user's allowed
    classes, the extension registry (EXT1/2/4) is refused, and BYTEARRAY8 and FRAME may not
    announce more bytes than the stream holds (the standard unpickler allocates a BYTEARRAY8's
    bytes first, and takes a short FRAME as it comes).

    Args:
        file: the pickle stream.
        allowed: ``{"module.name": obj}``, the built-in allow-list.
        persistent_load: resolves persistent ids (the storages of a checkpoint).
        encoding: how to decode Python 2 ``str`` objects (``"bytes"`` keeps them as bytes).
        errors: what to do with undecodable Python 2 ``str`` bytes (``"strict"``...).
    """

    def __init__(
        self,
        file: IO[bytes],
        allowed: dict[str, Any],
        persistent_load: Callable[[Any], Any],
        encoding: str = "utf-8",
        errors: str = "strict",
    ) -> None:
        super().__init__(file, encoding=encoding, errors=errors)
        self._allowed = allowed
        self._user = user_allowed()
        self._persistent = persistent_load

    def find_class(self, module: str, name: str) -> Any:
        """The allow-listed object called ``module.name``; never imports anything."""
        if not isinstance(module, str) or not isinstance(name, str):
            raise pickle.UnpicklingError("a global's module and name must be strings")
        full_name = f"{_PY2_MODULES.get(module, module)}.{name}"
        if full_name in self._allowed:
            return self._allowed[full_name]
        if full_name in self._user:
            return self._user[full_name]
        raise pickle.UnpicklingError(unsafe_global_message(full_name))

    def persistent_load(self, pid: Any) -> Any:
        """Delegate to the checkpoint reader (storages)."""
        return self._persistent(pid)

    def _load_build(self) -> None:
        inst = self.stack[-2] if len(self.stack) >= 2 else None
        user_types = tuple(t for t in self._user.values() if isinstance(t, type))
        if type(inst) is OrderedDict:
            state = self.stack.pop()
            if type(state) is not dict or not all(type(k) is str for k in state):
                raise pickle.UnpicklingError("BUILD of an OrderedDict expects a dict of attributes")
            inst.__dict__.update(state)
        elif user_types and type(inst) in user_types:
            super().load_build()
        else:
            raise pickle.UnpicklingError(
                f"Can only build OrderedDict or types allowlisted via `add_safe_globals`, but "
                f"got {type(inst).__name__}"
            )

    def _load_extension(self) -> None:
        raise pickle.UnpicklingError(
            "Unsupported operand EXT1/EXT2/EXT4: the extension registry is not allowed when "
            "loading with weights_only=True"
        )

    def _load_bytearray8(self) -> None:
        (size,) = struct.unpack("<Q", self.read(8))
        data = self.read(size)  # a read from memory: never more than the bytes present
        if len(data) != size:
            raise pickle.UnpicklingError(
                f"BYTEARRAY8 announces {size} bytes but only {len(data)} follow (truncated pickle)"
            )
        self.append(bytearray(data))

    def _load_frame(self) -> None:
        (size,) = struct.unpack("<Q", self.read(8))
        unframer = self._unframer
        if unframer.current_frame and unframer.current_frame.read() != b"":
            raise pickle.UnpicklingError("beginning of a new frame before end of current frame")
        data = unframer.file_read(size)  # from memory: never more than the bytes present
        if len(data) != size:
            raise pickle.UnpicklingError(
                f"FRAME announces {size} bytes but only {len(data)} follow (truncated pickle)"
            )
        unframer.current_frame = io.BytesIO(data)

    dispatch = dict(_PureUnpickler.dispatch)
    dispatch[pickle.FRAME[0]] = _load_frame
    dispatch[pickle.BUILD[0]] = _load_build
    dispatch[pickle.BYTEARRAY8[0]] = _load_bytearray8
    dispatch[pickle.EXT1[0]] = _load_extension
    dispatch[pickle.EXT2[0]] = _load_extension
    dispatch[pickle.EXT4[0]] = _load_extension
