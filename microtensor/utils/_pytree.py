"""``microtensor.utils._pytree``: torch's pytrees, nested containers flattened to leaves and back.

A pytree is a value built from registered containers (tuple, list, dict, OrderedDict,
defaultdict, deque, namedtuple, ``microtensor.Size``, and classes given to
``register_pytree_node``); anything else, None included, is a leaf. ``tree_flatten`` gives the
leaves in order and a ``TreeSpec`` (the containers, printed as torch prints it, leaves as
``*``); ``tree_unflatten`` rebuilds the tree from new leaves; ``tree_map`` applies a function
to every leaf.

Example:
    >>> from microtensor.utils import _pytree as pytree
    >>> leaves, spec = pytree.tree_flatten({"w": [1, 2], "b": (3,)})
    >>> leaves
    [1, 2, 3]
    >>> pytree.tree_unflatten([x * 10 for x in leaves], spec)
    {'w': [10, 20], 'b': (30,)}
    >>> pytree.treespec_pprint(spec)
    "{'w': [*, *], 'b': (*,)}"
"""

from __future__ import annotations

import warnings
from collections import OrderedDict, defaultdict, deque, namedtuple
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from microtensor._size import Size

__all__ = [
    "GetAttrKey",
    "LeafSpec",
    "MappingKey",
    "SequenceKey",
    "TreeSpec",
    "keystr",
    "register_pytree_node",
    "tree_all",
    "tree_all_only",
    "tree_any",
    "tree_any_only",
    "tree_flatten",
    "tree_flatten_with_path",
    "tree_is_leaf",
    "tree_iter",
    "tree_leaves",
    "tree_leaves_with_path",
    "tree_map",
    "tree_map_",
    "tree_map_only",
    "tree_map_with_path",
    "tree_structure",
    "tree_unflatten",
    "treespec_pprint",
]

PyTree = Any
Context = Any
FlattenFunc = Callable[[PyTree], tuple[list[Any], Context]]
UnflattenFunc = Callable[[Iterable[Any], Context], PyTree]


# --- key paths -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SequenceKey:
    """The position of a child in a sequence: ``[idx]``."""

    idx: int

    def __str__(self) -> str:
        return f"[{self.idx!r}]"

    def get(self, sequence: Any) -> Any:
        """The child at this key."""
        return sequence[self.idx]


@dataclass(frozen=True)
class MappingKey:
    """The key of a child in a mapping: ``[key]``."""

    key: Any

    def __str__(self) -> str:
        return f"[{self.key!r}]"

    def get(self, mapping: Any) -> Any:
        """The child at this key."""
        return mapping[self.key]


@dataclass(frozen=True)
class GetAttrKey:
    """The attribute holding a child (a namedtuple field): ``.name``."""

    name: str

    def __str__(self) -> str:
        return f".{self.name}"

    def get(self, obj: Any) -> Any:
        """The child at this key."""
        return getattr(obj, self.name)


def keystr(kp: tuple[Any, ...]) -> str:
    """A key path as text: ``['a'][1].x``."""
    return "".join(str(k) for k in kp)


# --- the registry ----------------------------------------------------------------------------


class NodeDef(NamedTuple):
    """How one container type splits into children and context, and how it is rebuilt."""

    type: Any
    flatten_fn: FlattenFunc
    unflatten_fn: UnflattenFunc
    flatten_with_keys_fn: Callable[[PyTree], tuple[list[tuple[Any, Any]], Context]] | None


SUPPORTED_NODES: dict[Any, NodeDef] = {}


def register_pytree_node(
    cls: type[Any],
    flatten_fn: FlattenFunc,
    unflatten_fn: UnflattenFunc,
    *,
    serialized_type_name: str | None = None,
    to_dumpable_context: Callable[[Any], Any] | None = None,
    from_dumpable_context: Callable[[Any], Any] | None = None,
    flatten_with_keys_fn: Callable[[PyTree], tuple[list[tuple[Any, Any]], Context]] | None = None,
) -> None:
    """Make ``cls`` a container: ``flatten_fn(x) -> (children, context)``, ``unflatten_fn``.

    Raises:
        ValueError: if ``cls`` is already registered.
    """
    if cls in SUPPORTED_NODES:
        raise ValueError(f"{cls} is already registered as pytree node.")
    SUPPORTED_NODES[cls] = NodeDef(cls, flatten_fn, unflatten_fn, flatten_with_keys_fn)


def _register_pytree_node(
    cls: type[Any],
    flatten_fn: FlattenFunc,
    unflatten_fn: UnflattenFunc,
    to_str_fn: Callable[..., str] | None = None,
    maybe_from_str_fn: Callable[[str], Any] | None = None,
    *,
    serialized_type_name: str | None = None,
    to_dumpable_context: Callable[[Any], Any] | None = None,
    from_dumpable_context: Callable[[Any], Any] | None = None,
    flatten_with_keys_fn: Callable[[PyTree], tuple[list[tuple[Any, Any]], Context]] | None = None,
) -> None:
    """The deprecated spelling of ``register_pytree_node`` (libraries still call it).

    Raises:
        ValueError: if ``cls`` is already registered.
    """
    warnings.warn(
        "`microtensor.utils._pytree._register_pytree_node` is deprecated. Please use "
        "`microtensor.utils._pytree.register_pytree_node` instead.",
        FutureWarning,
        stacklevel=2,
    )
    register_pytree_node(cls, flatten_fn, unflatten_fn, flatten_with_keys_fn=flatten_with_keys_fn)


def _is_namedtuple_class(cls: Any) -> bool:
    return (
        isinstance(cls, type)
        and issubclass(cls, tuple)
        and isinstance(getattr(cls, "_fields", None), tuple)
        and all(type(field) is str for field in cls._fields)  # type: ignore[attr-defined]
        and callable(getattr(cls, "_make", None))
        and callable(getattr(cls, "_asdict", None))
    )


def _node_type(tree: Any) -> Any:
    # every namedtuple class is one node type, keyed by the namedtuple factory (torch's)
    return namedtuple if _is_namedtuple_class(type(tree)) else type(tree)


def _enumerated(values: list[Any]) -> list[tuple[Any, Any]]:
    return [(SequenceKey(i), v) for i, v in enumerate(values)]


def _mapped(keys: list[Any], values: list[Any]) -> list[tuple[Any, Any]]:
    return [(MappingKey(k), v) for k, v in zip(keys, values, strict=True)]


register_pytree_node(
    tuple,
    lambda t: (list(t), None),
    lambda values, _: tuple(values),
    flatten_with_keys_fn=lambda t: (_enumerated(list(t)), None),
)
register_pytree_node(
    list,
    lambda t: (list(t), None),
    lambda values, _: list(values),
    flatten_with_keys_fn=lambda t: (_enumerated(list(t)), None),
)
register_pytree_node(
    dict,
    lambda d: (list(d.values()), list(d.keys())),
    lambda values, keys: dict(zip(keys, values, strict=True)),
    flatten_with_keys_fn=lambda d: (_mapped(list(d), list(d.values())), list(d)),
)
register_pytree_node(
    namedtuple,  # type: ignore[arg-type]
    lambda t: (list(t), type(t)),
    lambda values, cls: cls(*values),
    flatten_with_keys_fn=lambda t: (
        [(GetAttrKey(f), v) for f, v in zip(t._fields, t, strict=True)],
        type(t),
    ),
)
register_pytree_node(
    OrderedDict,
    lambda d: (list(d.values()), list(d.keys())),
    lambda values, keys: OrderedDict(zip(keys, values, strict=True)),
    flatten_with_keys_fn=lambda d: (_mapped(list(d), list(d.values())), list(d)),
)
register_pytree_node(
    defaultdict,
    lambda d: (list(d.values()), [d.default_factory, list(d.keys())]),
    lambda values, context: defaultdict(context[0], zip(context[1], values, strict=True)),
    flatten_with_keys_fn=lambda d: (
        _mapped(list(d), list(d.values())),
        [d.default_factory, list(d)],
    ),
)
register_pytree_node(
    deque,
    lambda d: (list(d), d.maxlen),
    lambda values, maxlen: deque(values, maxlen=maxlen),
    flatten_with_keys_fn=lambda d: (_enumerated(list(d)), d.maxlen),
)
register_pytree_node(
    Size,
    lambda s: (list(s), None),
    lambda values, _: Size(tuple(values)),
    flatten_with_keys_fn=lambda s: (_enumerated(list(s)), None),
)
_DICT_TYPES = (dict, OrderedDict, defaultdict)


def tree_is_leaf(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> bool:
    """Whether ``tree`` is a leaf: not a registered container, or ``is_leaf(tree)``."""
    if is_leaf is not None and is_leaf(tree):
        return True
    return _node_type(tree) not in SUPPORTED_NODES


# --- specs ------------------------------------------------------------------------------------


class TreeSpec:
    """The structure of a pytree: a container type, its context and one spec per child.

    ``context`` is what the container needs besides its children (a dict's keys, a
    namedtuple's class, a deque's maxlen); a leaf's spec is ``LeafSpec()``, printed ``*``.
    """

    def __init__(self, type: Any, context: Context, children_specs: list[TreeSpec]) -> None:  # noqa: A002
        self.type, self._context, self._children = type, context, list(children_specs)
        self.num_children: int = len(self._children)
        self.num_leaves: int = sum(c.num_leaves for c in self._children)
        self.num_nodes: int = 1 + sum(c.num_nodes for c in self._children)

    @property
    def context(self) -> Context:
        """What the container needs besides its children (dict keys, namedtuple class ...)."""
        return self._context

    @property
    def children_specs(self) -> list[TreeSpec]:
        """The children's specs (torch's older name for ``children()``)."""
        return self._children

    def children(self) -> list[TreeSpec]:
        """A copy of the list of the children's specs."""
        return self._children.copy()

    def child(self, index: int) -> TreeSpec:
        """The spec of child ``index``."""
        return self._children[index]

    def is_leaf(self) -> bool:
        """Whether this spec is a single leaf."""
        return self.num_nodes == 1 and self.num_leaves == 1

    def __repr__(self, indent: int = 0) -> str:
        text = f"TreeSpec({self.type.__name__}, {self._context}, ["
        if self._children:
            indent += 2
            text += self._children[0].__repr__(indent)
            text += "," if self.num_children > 1 else ""
            text += ",".join("\n" + " " * indent + c.__repr__(indent) for c in self._children[1:])
        return text + "])"

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, TreeSpec)
        return (
            str(self.type) == str(other.type)
            and self._context == other._context
            and self._children == other._children
        )

    def __hash__(self) -> int:
        return hash((str(self.type), repr(self._context), tuple(self._children)))

    def flatten_up_to(self, tree: PyTree) -> list[PyTree]:
        """The subtrees of ``tree`` at this spec's leaves (``tree`` must have its structure).

        Raises:
            ValueError: where ``tree``'s containers differ from the spec's (type, arity, keys).
        """
        subtrees: list[PyTree] = []
        _up_to(self, tree, subtrees)
        return subtrees

    def unflatten(self, leaves: Iterable[Any]) -> PyTree:
        """Build the tree of this structure from ``leaves``.

        Raises:
            ValueError: if the number of leaves is not ``num_leaves``.
        """
        if not isinstance(leaves, list | tuple):
            leaves = list(leaves)
        if len(leaves) != self.num_leaves:
            raise ValueError(
                f"treespec.unflatten(leaves): `leaves` has length {len(leaves)} but the spec "
                f"refers to a pytree that holds {self.num_leaves} items ({self})."
            )
        if self.is_leaf():
            return leaves[0]
        children, start = [], 0
        for spec in self._children:
            children.append(spec.unflatten(leaves[start : start + spec.num_leaves]))
            start += spec.num_leaves
        return SUPPORTED_NODES[self.type].unflatten_fn(children, self._context)


class LeafSpec(TreeSpec):
    """The spec of a leaf, printed ``*``."""

    def __init__(self) -> None:
        super().__init__(None, None, [])
        self.num_nodes, self.num_leaves = 1, 1

    def __repr__(self, indent: int = 0) -> str:
        return "*"


_LEAF = LeafSpec()


def _up_to(spec: TreeSpec, node: PyTree, subtrees: list[PyTree]) -> None:
    if spec.is_leaf():
        subtrees.append(node)
        return
    node_type = _node_type(node)
    both_dicts = spec.type in _DICT_TYPES and node_type in _DICT_TYPES
    if not both_dicts and node_type != spec.type:
        raise ValueError(f"Node type mismatch; expected {spec.type!r}, but got {node_type!r}.")
    children, context = SUPPORTED_NODES[node_type].flatten_fn(node)
    if len(children) != spec.num_children:
        raise ValueError(
            f"Node arity mismatch; expected {spec.num_children}, but got {len(children)}."
        )
    if both_dicts:  # dicts match by keys, in the spec's order
        keys = spec._context[1] if spec.type is defaultdict else spec._context
        missing, extra = set(keys) - set(node), set(node) - set(keys)
        if missing or extra:
            message = f"; missing key(s): {missing}" if missing else ""
            message += f"; extra key(s): {extra}" if extra else ""
            raise ValueError(f"Node keys mismatch{message}.")
        children = [node[key] for key in keys]
    elif node_type is not deque and context != spec._context:  # a deque's maxlen may differ
        raise ValueError(
            f"Node context mismatch for node type {spec.type!r}; expected "
            f"{spec._context!r}, but got {context!r}."
        )
    for child, child_spec in zip(children, spec._children, strict=True):
        _up_to(child_spec, child, subtrees)


def tree_flatten(
    tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None
) -> tuple[list[Any], TreeSpec]:
    """The leaves of ``tree`` in order, and its spec (``tree_unflatten`` undoes it)."""
    leaves: list[Any] = []
    return leaves, _flatten(tree, is_leaf, leaves)


def _flatten(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None, leaves: list[Any]) -> TreeSpec:
    if tree_is_leaf(tree, is_leaf):
        leaves.append(tree)
        return _LEAF
    node_type = _node_type(tree)
    children, context = SUPPORTED_NODES[node_type].flatten_fn(tree)
    return TreeSpec(node_type, context, [_flatten(c, is_leaf, leaves) for c in children])


def tree_unflatten(leaves: Iterable[Any], treespec: TreeSpec) -> PyTree:
    """Build the tree of ``treespec``'s structure from ``leaves``.

    Raises:
        TypeError: if ``treespec`` is not a TreeSpec.
        ValueError: if the number of leaves does not match.
    """
    if not isinstance(treespec, TreeSpec):
        raise TypeError(
            "Expected `treespec` to be an instance of TreeSpec but got item of type "
            f"{type(treespec)}."
        )
    return treespec.unflatten(leaves)


def tree_structure(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> TreeSpec:
    """The spec of ``tree``."""
    return tree_flatten(tree, is_leaf)[1]


def tree_flatten_with_path(
    tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None
) -> tuple[list[tuple[tuple[Any, ...], Any]], TreeSpec]:
    """``(key path, leaf)`` for every leaf, and the spec.

    Raises:
        ValueError: for a container registered without ``flatten_with_keys_fn``.
    """
    pairs: list[tuple[tuple[Any, ...], Any]] = []
    _with_path(tree, is_leaf, (), pairs)
    return pairs, tree_structure(tree, is_leaf)


def _with_path(
    tree: PyTree, is_leaf: Callable[[PyTree], bool] | None, path: tuple[Any, ...], out: list[Any]
) -> None:
    if tree_is_leaf(tree, is_leaf):
        out.append((path, tree))
        return
    node = SUPPORTED_NODES[_node_type(tree)]
    if node.flatten_with_keys_fn is None:
        raise ValueError(
            f"Did not find a flatten_with_keys_fn for type: {node.type}. Please pass a "
            "flatten_with_keys_fn argument to register_pytree_node."
        )
    for key, child in node.flatten_with_keys_fn(tree)[0]:
        _with_path(child, is_leaf, (*path, key), out)


class _Asterisk(str):
    def __repr__(self) -> str:
        return "*"


def treespec_pprint(treespec: TreeSpec) -> str:
    """The spec as the tree it describes, each leaf ``*``: ``{'a': [*, *]}``."""
    return repr(treespec.unflatten([_Asterisk("*")] * treespec.num_leaves))


def tree_leaves(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> list[Any]:
    """The leaves of ``tree``, in order."""
    return tree_flatten(tree, is_leaf)[0]


def tree_iter(tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None) -> Iterator[Any]:
    """Iterate over the leaves of ``tree``, in order."""
    return iter(tree_leaves(tree, is_leaf))


def tree_leaves_with_path(
    tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None
) -> list[tuple[tuple[Any, ...], Any]]:
    """``(key path, leaf)`` for every leaf."""
    return tree_flatten_with_path(tree, is_leaf)[0]


def tree_map(
    func: Callable[..., Any],
    tree: PyTree,
    *rests: PyTree,
    is_leaf: Callable[[PyTree], bool] | None = None,
) -> PyTree:
    """A tree shaped like ``tree`` with ``func(leaf, *matching leaves of rests)`` at each leaf.

    Raises:
        ValueError: if a tree in ``rests`` does not have ``tree``'s structure (torch's message).
    """
    leaves, spec = tree_flatten(tree, is_leaf)
    others = [spec.flatten_up_to(r) for r in rests]
    return spec.unflatten(map(func, leaves, *others))


def tree_map_with_path(
    func: Callable[..., Any],
    tree: PyTree,
    *rests: PyTree,
    is_leaf: Callable[[PyTree], bool] | None = None,
) -> PyTree:
    """``tree_map`` whose ``func`` gets each leaf's key path first: ``func(path, leaf, ...)``."""
    pairs, spec = tree_flatten_with_path(tree, is_leaf)
    others = [spec.flatten_up_to(r) for r in rests]
    return spec.unflatten(
        func(path, leaf, *more) for (path, leaf), *more in zip(pairs, *others, strict=True)
    )


def tree_map_(
    func: Callable[..., Any],
    tree: PyTree,
    *rests: PyTree,
    is_leaf: Callable[[PyTree], bool] | None = None,
) -> PyTree:
    """Call ``func`` on every leaf for its effect (in-place updates); return ``tree``."""
    leaves, spec = tree_flatten(tree, is_leaf)
    others = [spec.flatten_up_to(r) for r in rests]
    for args in zip(leaves, *others, strict=True):
        func(*args)
    return tree


def _matcher(type_or_types_or_pred: Any) -> Callable[[Any], bool]:
    if isinstance(type_or_types_or_pred, type | tuple) or hasattr(
        type_or_types_or_pred, "__args__"
    ):
        return lambda x: isinstance(x, type_or_types_or_pred)
    if callable(type_or_types_or_pred):
        return type_or_types_or_pred  # type: ignore[no-any-return]
    raise TypeError("Argument must be a type, a tuple of types, or a callable.")


def tree_map_only(
    type_or_types_or_pred: Any,
    /,
    func: Callable[[Any], Any],
    tree: PyTree,
    is_leaf: Callable[[PyTree], bool] | None = None,
) -> PyTree:
    """``tree_map`` on the leaves of the given type(s) (or passing a predicate); others stay."""
    matches = _matcher(type_or_types_or_pred)
    return tree_map(lambda x: func(x) if matches(x) else x, tree, is_leaf=is_leaf)


def tree_all(
    pred: Callable[[Any], bool], tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None
) -> bool:
    """Whether ``pred`` holds for every leaf."""
    return all(map(pred, tree_leaves(tree, is_leaf)))


def tree_any(
    pred: Callable[[Any], bool], tree: PyTree, is_leaf: Callable[[PyTree], bool] | None = None
) -> bool:
    """Whether ``pred`` holds for some leaf."""
    return any(map(pred, tree_leaves(tree, is_leaf)))


def tree_all_only(
    type_or_types: Any,
    /,
    pred: Callable[[Any], bool],
    tree: PyTree,
    is_leaf: Callable[[PyTree], bool] | None = None,
) -> bool:
    """Whether ``pred`` holds for every leaf of the given type(s) (other leaves are skipped)."""
    return all(pred(x) for x in tree_leaves(tree, is_leaf) if isinstance(x, type_or_types))


def tree_any_only(
    type_or_types: Any,
    /,
    pred: Callable[[Any], bool],
    tree: PyTree,
    is_leaf: Callable[[PyTree], bool] | None = None,
) -> bool:
    """Whether ``pred`` holds for some leaf of the given type(s)."""
    return any(pred(x) for x in tree_leaves(tree, is_leaf) if isinstance(x, type_or_types))
