"""Operator schemas such as ``"foo(Tensor x, float y=1.0) -> Tensor"``, parsed as torch's.

Only what the library needs: argument names, types, defaults, keyword-only markers and the
alias annotations ``Tensor(a!)`` that declare a mutated argument.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TYPE = re.compile(r"^(?P<base>[A-Za-z_]+)(?:\((?P<alias>[a-z0-9]+)(?P<write>!?)\))?(?P<rest>.*)$")


@dataclass(frozen=True)
class Argument:
    """One argument of a schema: ``Tensor(a!) x`` has type ``Tensor`` and ``is_write``."""

    name: str
    type: str
    default: str | None = None
    kwarg_only: bool = False
    alias: str | None = None
    is_write: bool = False

    @property
    def has_default(self) -> bool:
        """Whether the schema gives this argument a default value."""
        return self.default is not None

    def default_value(self) -> Any:
        """The Python value of the default (``None``, a number, a string, a list, a dtype)."""
        return _parse_default(self.default or "None")


@dataclass(frozen=True)
class FunctionSchema:
    """A parsed schema: ``name`` is qualified (``mylib::foo``) once the op is defined."""

    name: str
    overload_name: str
    arguments: tuple[Argument, ...]
    returns: tuple[str, ...]
    text: str  # the schema as written after the name, normalized: "(Tensor x) -> Tensor"

    @property
    def is_mutable(self) -> bool:
        """Whether an argument is annotated as written to (``Tensor(a!)``)."""
        return any(a.is_write for a in self.arguments)

    def __str__(self) -> str:
        overload = f".{self.overload_name}" if self.overload_name else ""
        return f"{self.name}{overload}{self.text}"


def parse_schema(schema: str) -> FunctionSchema:
    """Parse ``"name.overload(args) -> returns"`` (the name part may be empty).

    Raises:
        RuntimeError: the text is no schema (torch's parser raises RuntimeError too).
    """
    head, sep, returns = schema.partition("->")
    head = head.strip()
    if not sep or "(" not in head or not head.endswith(")"):
        raise RuntimeError(
            f"Expected a schema like 'foo(Tensor x) -> Tensor' but got {schema!r}: it needs "
            "'name(arguments) -> returns'"
        )
    name, _, args_text = head.partition("(")
    name, _, overload = name.strip().partition(".")
    for part in (p for p in (name.split("::")[-1], overload) if p):
        if not _NAME.fullmatch(part):
            raise RuntimeError(f"expected ident but found {part!r} in schema {schema!r}")
    arguments = _parse_arguments(args_text[:-1], schema)
    rets = _parse_returns(returns.strip(), schema)
    text = f"({', '.join(_format_argument(a) for a in _with_star(arguments))}) -> "
    text += rets[0] if len(rets) == 1 and not returns.strip().startswith("(") else _tuple(rets)
    return FunctionSchema(name.strip(), overload, arguments, rets, text)


def _tuple(rets: tuple[str, ...]) -> str:
    return f"(({rets[0]}))" if len(rets) == 1 else f"({', '.join(rets)})"


def _with_star(arguments: tuple[Argument, ...]) -> list[Argument | None]:
    out: list[Argument | None] = []
    for a in arguments:
        if a.kwarg_only and None not in out:
            out.append(None)  # "*" before the first keyword-only argument
        out.append(a)
    return out


def _format_argument(a: Argument | None) -> str:
    if a is None:
        return "*"
    base, rest = a.type[:6], a.type[6:]
    kind = f"{base}({a.alias}{'!' if a.is_write else ''}){rest}" if a.alias else a.type
    return f"{kind} {a.name}" + (f"={a.default}" if a.default is not None else "")


def _split_top(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += 1 if ch in "([" else -1 if ch in ")]" else 0
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _parse_arguments(text: str, schema: str) -> tuple[Argument, ...]:
    arguments, kwarg_only = [], False
    for part in _split_top(text):
        if part == "*":
            kwarg_only = True
            continue
        decl, eq, default = part.partition("=")
        pieces = decl.split()
        if len(pieces) != 2 or not _NAME.fullmatch(pieces[1]):
            raise RuntimeError(f"expected 'Type name' but found {part!r} in schema {schema!r}")
        match = _TYPE.match(pieces[0])
        if match is None:
            raise RuntimeError(f"unknown type {pieces[0]!r} in schema {schema!r}")
        arguments.append(
            Argument(
                pieces[1],
                match["base"] + match["rest"],
                default.strip() if eq else None,
                kwarg_only,
                match["alias"],
                match["write"] == "!",
            )
        )
    return tuple(arguments)


def _parse_returns(text: str, schema: str) -> tuple[str, ...]:
    if text.startswith("(") and text.endswith(")"):
        inner = text[1:-1].strip()
        if inner.startswith("(") and inner.endswith(")"):  # "((Tensor))": a 1-tuple
            inner = inner[1:-1]
        return tuple(p.split()[0] for p in _split_top(inner))
    if not text:
        raise RuntimeError(f"expected a return type after '->' in schema {schema!r}")
    return (text.split()[0],)


def _parse_default(text: str) -> Any:
    from microtensor import dtypes  # the dtype names of defaults such as "float32"

    text = text.strip()
    if text in ("None", "True", "False"):
        return {"None": None, "True": True, "False": False}[text]
    if text[:1] in "\"'":
        return text[1:-1]
    if text.startswith("["):
        return [_parse_default(p) for p in _split_top(text[1:-1])]
    dtype = getattr(dtypes, text, None)
    if isinstance(dtype, dtypes.dtype):
        return dtype
    try:
        return int(text)
    except ValueError:
        return float(text)
