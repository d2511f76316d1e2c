"""``immutable_list`` and ``immutable_dict``: the containers inside a node's args, as torch's.

A node tracks its users from its ``args`` and ``kwargs``; changing a list inside them in
place would leave those records wrong, so the lists and dicts a node holds refuse mutation
(``TypeError``). Build a new value and assign it: ``node.args = new_args``. Both are
registered as pytree containers.
"""

from __future__ import annotations

from typing import Any, NoReturn

from microtensor.utils import _pytree

__all__ = ["immutable_dict", "immutable_list"]

_HELP_MUTATION = (
    "If you are attempting to modify the kwargs or args of a microtensor.fx.Node object,\n"
    "instead create a new copy of it and assign the copy to the node:\n\n"
    "    new_args = ...  # copy and mutate args\n"
    "    node.args = new_args"
)


def _no_mutation(self: Any, *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(f"{type(self).__name__!r} object does not support mutation. {_HELP_MUTATION}")


class immutable_list(list[Any]):  # noqa: N801 - torch's name
    """A ``list`` that cannot be changed in place (hashable, unlike a list).

    Example:
        >>> from microtensor.fx.immutable_collections import immutable_list
        >>> values = immutable_list([1, 2])
        >>> values + [3], hash(values) == hash((1, 2))
        ([1, 2, 3], True)
        >>> values.append(3)
        Traceback (most recent call last):
        TypeError: 'immutable_list' object does not support mutation. ...
    """

    __delitem__ = _no_mutation
    __iadd__ = _no_mutation
    __imul__ = _no_mutation
    __setitem__ = _no_mutation
    append = _no_mutation
    clear = _no_mutation
    extend = _no_mutation
    insert = _no_mutation
    pop = _no_mutation
    remove = _no_mutation
    reverse = _no_mutation
    sort = _no_mutation

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self))

    def __reduce__(self) -> tuple[type[immutable_list], tuple[tuple[Any, ...]]]:
        return (type(self), (tuple(self),))


class immutable_dict(dict[Any, Any]):  # noqa: N801 - torch's name
    """A ``dict`` that cannot be changed in place (hashable, unlike a dict).

    Example:
        >>> from microtensor.fx.immutable_collections import immutable_dict
        >>> options = immutable_dict({"dim": 1})
        >>> options["dim"], {**options, "keepdim": True}
        (1, {'dim': 1, 'keepdim': True})
        >>> options["dim"] = 0
        Traceback (most recent call last):
        TypeError: 'immutable_dict' object does not support mutation. ...
    """

    __delitem__ = _no_mutation
    __ior__ = _no_mutation
    __setitem__ = _no_mutation
    clear = _no_mutation
    pop = _no_mutation
    popitem = _no_mutation
    setdefault = _no_mutation
    update = _no_mutation  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[type[immutable_dict], tuple[tuple[tuple[Any, Any], ...]]]:
        return (type(self), (tuple(self.items()),))


_pytree.register_pytree_node(
    immutable_list,
    lambda t: (list(t), None),
    lambda values, _: immutable_list(values),
    serialized_type_name="microtensor.fx.immutable_collections.immutable_list",
    flatten_with_keys_fn=lambda t: (
        [(_pytree.SequenceKey(i), v) for i, v in enumerate(t)],
        None,
    ),
)
_pytree.register_pytree_node(
    immutable_dict,
    lambda d: (list(d.values()), list(d.keys())),
    lambda values, keys: immutable_dict(zip(keys, values, strict=True)),
    serialized_type_name="microtensor.fx.immutable_collections.immutable_dict",
    flatten_with_keys_fn=lambda d: (
        [(_pytree.MappingKey(k), v) for k, v in d.items()],
        list(d),
    ),
)
