"""Pytrees for ``microtensor.func``: nested tuples, lists and dicts, flattened to their leaves.

A leaf is anything that is not a tuple, list or dict (a Tensor, a number, None). The spec's
``repr`` and the short form (``pprint``) are PyTorch's, because the transforms' error messages
show them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class TreeSpec:
    """The structure of a pytree: a node type, its context (dict keys) and the child specs."""

    def __init__(self, type_: type | None, context: Any, children: list[TreeSpec]) -> None:
        self.type = type_
        self.context = context
        self.children = children
        self.num_leaves: int = 1 if type_ is None else sum(c.num_leaves for c in children)

    def is_leaf(self) -> bool:
        """Whether this spec stands for one leaf."""
        return self.type is None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TreeSpec):
            return NotImplemented
        return (self.type, self.context, self.children) == (
            other.type,
            other.context,
            other.children,
        )

    def __hash__(self) -> int:
        return hash((self.type, repr(self.context), len(self.children)))

    def _repr(self, indent: int) -> str:
        if self.type is None:
            return "*"
        text = f"TreeSpec({self.type.__name__}, {self.context}, ["
        if self.children:
            indent += 2
            text += self.children[0]._repr(indent) + ("," if len(self.children) > 1 else "")
            text += ",".join("\n" + " " * indent + c._repr(indent) for c in self.children[1:])
        return text + "])"

    def __repr__(self) -> str:
        return self._repr(0)

    def pprint(self) -> str:
        """The short form PyTorch's messages use, such as ``(*, {'a': *})``."""
        if self.type is None:
            return "*"
        parts = [c.pprint() for c in self.children]
        if issubclass(self.type, dict):
            return (
                "{"
                + ", ".join(f"{k!r}: {p}" for k, p in zip(self.context, parts, strict=True))
                + "}"
            )
        if issubclass(self.type, list):
            return "[" + ", ".join(parts) + "]"
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


LEAF = TreeSpec(None, None, [])


def _children(tree: Any) -> tuple[type | None, Any, list[Any]]:
    if isinstance(tree, dict):
        keys = list(tree)
        return type(tree), keys, [tree[k] for k in keys]
    if isinstance(tree, (tuple, list)):
        return type(tree), None, list(tree)
    return None, None, []


def tree_flatten(tree: Any) -> tuple[list[Any], TreeSpec]:
    """The leaves of ``tree`` (depth first, dicts in insertion order) and its spec."""
    node_type, context, children = _children(tree)
    if node_type is None:
        return [tree], LEAF
    leaves: list[Any] = []
    specs = []
    for child in children:
        child_leaves, child_spec = tree_flatten(child)
        leaves.extend(child_leaves)
        specs.append(child_spec)
    return leaves, TreeSpec(node_type, context, specs)


def tree_unflatten(leaves: list[Any], spec: TreeSpec) -> Any:
    """The pytree of structure ``spec`` holding ``leaves``."""
    it = iter(leaves)
    return _build(it, spec)


def _build(it: Any, spec: TreeSpec) -> Any:
    if spec.type is None:
        return next(it)
    node_type: Any = spec.type
    children = [_build(it, c) for c in spec.children]
    if issubclass(node_type, dict):
        return node_type(zip(spec.context, children, strict=True))
    if hasattr(node_type, "_fields"):  # a namedtuple
        return node_type(*children)
    return node_type(children)


def tree_map(fn: Callable[[Any], Any], tree: Any) -> Any:
    """``tree`` with ``fn`` applied to every leaf."""
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(leaf) for leaf in leaves], spec)


def broadcast_prefix(prefix: Any, spec: TreeSpec) -> list[Any] | None:
    """Flatten ``prefix`` (a pytree whose leaves stand for whole subtrees) against ``spec``.

    Returns one value per leaf of ``spec``, or None if ``prefix`` is not a prefix of it.
    """
    node_type, context, children = _children(prefix)
    if node_type is None:
        return [prefix] * spec.num_leaves
    if spec.type is None or not _same_node(node_type, spec.type):
        return None
    if len(children) != len(spec.children):
        return None
    if issubclass(node_type, dict):
        if set(context) != set(spec.context):
            return None
        children = [prefix[k] for k in spec.context]
    flat: list[Any] = []
    for child, child_spec in zip(children, spec.children, strict=True):
        part = broadcast_prefix(child, child_spec)
        if part is None:
            return None
        flat.extend(part)
    return flat


def _same_node(a: type, b: type) -> bool:
    for kind in (dict, list, tuple):
        if issubclass(a, kind) and issubclass(b, kind):
            return True
    return False
