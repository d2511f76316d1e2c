"""``Library``: the registrations of one namespace, as ``torch.library.Library``.

A library owns the ops it defines and the kernels it registers; when the object is garbage
collected they go with it, as in torch. ``custom_op`` gives each op a library of its own.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from microtensor._library import registry
from microtensor._library.registry import OpOverload

_RESERVED_NAMESPACES = ("prim",)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DEF_NAMESPACES: set[str] = set()  # namespaces with a live "DEF" library (one each, as torch)
_custom_op_libs: dict[str, Library] = {}


class Library:
    """A set of registrations in one namespace, as ``torch.library.Library``.

    ``kind`` is ``"DEF"`` (a new namespace: one DEF library per namespace), ``"FRAGMENT"``
    (more definitions for a namespace) or ``"IMPL"`` (kernels only). When the library object
    is garbage collected, its definitions and kernels are removed, as in torch.

    Args:
        ns: the namespace (an identifier such as ``"mylib"``).
        kind: ``"DEF"``, ``"IMPL"`` or ``"FRAGMENT"``.
        dispatch_key: the default dispatch key of ``impl`` (``""``: CompositeImplicitAutograd).

    Raises:
        ValueError: an unknown ``kind`` or a reserved namespace (``prim``).
        RuntimeError: a second live ``"DEF"`` library for ``ns``, or ``ns`` no identifier.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.library import Library
        >>> lib = Library("docfrag", "FRAGMENT")
        >>> lib.define("twice(Tensor x, float scale=2.0) -> Tensor")
        'twice'
        >>> lib.impl("twice", lambda x, scale=2.0: x * scale, "CPU")
        >>> mt.ops.docfrag.twice(mt.tensor([1.0, 2.0]))
        tensor([2., 4.])
        >>> lib
        Library(kind=FRAGMENT, ns=docfrag, dispatch_key=)>
    """

    def __init__(self, ns: str, kind: str, dispatch_key: str = "") -> None:
        if kind not in ("IMPL", "DEF", "FRAGMENT"):
            raise ValueError(f"Unsupported kind: {kind}")
        if ns in _RESERVED_NAMESPACES and kind in ("DEF", "FRAGMENT"):
            raise ValueError(
                f"{ns} is a reserved namespace. Please try creating a library with another name."
            )
        if not _IDENT.fullmatch(ns):
            raise RuntimeError(f"expected ident but found {ns!r}: a namespace is an identifier")
        if kind == "DEF":
            if ns in _DEF_NAMESPACES:
                raise RuntimeError(
                    f"Only a single TORCH_LIBRARY can be used to register the namespace {ns}; "
                    "please put all of your definitions in a single TORCH_LIBRARY block.  If "
                    "you were trying to specify implementations, consider using "
                    "TORCH_LIBRARY_IMPL (which can be duplicated).  If you really intended to "
                    "define operators for a single namespace in a distributed way, you can use "
                    "TORCH_LIBRARY_FRAGMENT to explicitly indicate this."
                )
            _DEF_NAMESPACES.add(ns)
        self.ns, self.kind, self.dispatch_key = ns, kind, dispatch_key
        self._op_defs: set[str] = set()
        self._op_impls: set[tuple[str, str]] = set()
        self._finalizer = weakref.finalize(
            self, _del_library, ns, kind, self._op_defs, self._op_impls
        )

    def __repr__(self) -> str:  # torch's, with its stray ">"
        return f"Library(kind={self.kind}, ns={self.ns}, dispatch_key={self.dispatch_key})>"

    def define(self, schema: str, alias_analysis: str = "", *, tags: Sequence[Any] = ()) -> str:
        """Define an op from its schema, such as ``"sum(Tensor self) -> Tensor"``.

        Args:
            schema: the schema with the op's name (and optional ``.overload``).
            alias_analysis: ``""``, ``"FROM_SCHEMA"`` or ``"CONSERVATIVE"`` (accepted only).
            tags: accepted, not used (microtensor has no op tags).

        Returns:
            The op's name as written in the schema (``"sum"``).

        Raises:
            RuntimeError: a bad ``alias_analysis``, a malformed schema, or the op defined twice.

        Example:
            >>> from microtensor.library import Library
            >>> Library("docdefine", "FRAGMENT").define("neg2(Tensor x) -> Tensor")
            'neg2'
        """
        if alias_analysis not in ("", "FROM_SCHEMA", "CONSERVATIVE"):
            raise RuntimeError(f"Invalid alias_analysis type {alias_analysis}")
        name = schema.split("(")[0].strip()
        if not name:
            raise RuntimeError(f"expected ident but found '(' here: {schema!r} needs a name")
        op = registry.define_op(self.ns, schema)
        self._op_defs.add(op._name)
        return name

    def impl(
        self, op_name: str | OpOverload, fn: Callable[..., Any], dispatch_key: str = ""
    ) -> None:
        """Register ``fn`` as the op's kernel for ``dispatch_key``.

        Args:
            op_name: the op's name (``"foo"``, ``"foo.overload"``) or its ``OpOverload``.
            fn: the kernel, called with the op's arguments.
            dispatch_key: ``"CompositeImplicitAutograd"`` (the default: composed of
                differentiable ops, autograd records through it), ``"CPU"`` (or another
                device's key; the kernel runs below autograd), ``"CompositeExplicitAutograd"``
                (every device), ``"Autograd"`` (an autograd kernel, usually an
                ``autograd.Function``'s ``apply``; a call of the op inside it goes to the
                kernel below) or ``"Meta"`` (stored only).

        Raises:
            TypeError: ``fn`` is not callable.
            RuntimeError: ``op_name`` is neither a name nor an ``OpOverload``.

        Example:
            >>> import microtensor as mt
            >>> from microtensor.library import Library
            >>> lib = Library("docimpl", "FRAGMENT")
            >>> _ = lib.define("sq(Tensor x) -> Tensor")
            >>> lib.impl("sq", lambda x: x * x)
            >>> mt.ops.docimpl.sq(mt.tensor([3.0]))
            tensor([9.])
        """
        if not callable(fn):
            raise TypeError(
                f"Input function is required to be a callable but found type {type(fn)}"
            )
        if isinstance(op_name, OpOverload):
            op_name = op_name._name.split("::")[1]
        elif not isinstance(op_name, str):
            raise RuntimeError(
                "impl should be passed either a name or an OpOverload object as the first "
                f"argument, got {type(op_name)}"
            )
        key = dispatch_key or self.dispatch_key or "CompositeImplicitAutograd"
        qualname = f"{self.ns}::{op_name.split('::')[-1]}"
        registry.KERNELS.setdefault(qualname, {})[key] = fn
        self._op_impls.add((qualname, key))

    def _destroy(self) -> None:
        self._finalizer()


def _del_library(ns: str, kind: str, op_defs: set[str], op_impls: set[Any]) -> None:
    if kind == "DEF":
        _DEF_NAMESPACES.discard(ns)
    for qualname, key in op_impls:
        registry.KERNELS.get(qualname, {}).pop(key, None)
    for qualname in op_defs:
        registry.OPS.pop(qualname, None)
        registry.FAKES.pop(qualname, None)
    op_defs.clear()
    op_impls.clear()


def get_library_allowing_overwrite(namespace: str, name: str) -> Library:
    """A fresh FRAGMENT library for a custom op; one of the same name made earlier is removed."""
    qualname = f"{namespace}::{name}"
    if qualname in _custom_op_libs:
        _custom_op_libs.pop(qualname)._destroy()
    lib = Library(namespace, "FRAGMENT")
    _custom_op_libs[qualname] = lib
    return lib
