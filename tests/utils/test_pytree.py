"""microtensor.utils._pytree against torch.utils._pytree: leaves, specs and their reprs, errors."""

import inspect
from collections import OrderedDict, defaultdict, deque, namedtuple

import pytest
import torch
import torch.utils._pytree as torch_pytree

import microtensor as mt
from microtensor.utils import _pytree as pytree

Point = namedtuple("Point", "x y")

TREES = [
    1,
    None,
    [],
    (),
    {},
    [1, 2.0, "s"],
    (1, (2, (3, None))),
    {"b": 1, "a": [2, 3]},
    OrderedDict(z=1, a=(2,)),
    Point(1, [2, 3]),
    defaultdict(list, {"k": 1, "j": (2, 3)}),
    deque([1, [2]], maxlen=5),
    {"a": [1, (2, 3)], "b": None, "c": OrderedDict(z=4), "d": Point(5, 6), "f": deque([8, 9])},
    [{"x": [(), {}]}, [[None]]],
]


@pytest.mark.parametrize("tree", TREES, ids=repr)
def test_flatten_matches_torch_and_round_trips(tree):
    leaves, spec = pytree.tree_flatten(tree)
    torch_leaves, torch_spec = torch_pytree.tree_flatten(tree)
    assert leaves == torch_leaves
    assert repr(spec) == repr(torch_spec)
    assert (spec.num_leaves, spec.num_nodes, spec.num_children) == (
        torch_spec.num_leaves,
        torch_spec.num_nodes,
        torch_spec.num_children,
    )
    assert pytree.treespec_pprint(spec) == torch_pytree.treespec_pprint(torch_spec)
    rebuilt = pytree.tree_unflatten(leaves, spec)
    assert rebuilt == tree and type(rebuilt) is type(tree)
    if isinstance(tree, deque):
        assert rebuilt.maxlen == tree.maxlen


@pytest.mark.parametrize("tree", TREES, ids=repr)
def test_paths_match_torch(tree):
    ours = [(pytree.keystr(p), v) for p, v in pytree.tree_flatten_with_path(tree)[0]]
    theirs = [(torch_pytree.keystr(p), v) for p, v in torch_pytree.tree_flatten_with_path(tree)[0]]
    assert ours == theirs


def test_tree_map_and_friends_match_torch():
    tree = {"a": [1, 2.5], "b": (3, "s")}
    for lib in (pytree, torch_pytree):
        assert lib.tree_map(lambda x: x * 2, tree) == {"a": [2, 5.0], "b": (6, "ss")}
        assert lib.tree_map_only(int, lambda x: -x, tree) == {"a": [-1, 2.5], "b": (-3, "s")}
        assert lib.tree_map_only((int, float), lambda x: 0, tree)["a"] == [0, 0]
        assert lib.tree_map_only(lambda x: x == 3, lambda x: 30, tree)["b"] == (30, "s")
        assert lib.tree_map(lambda x, y: x + y, [1, (2,)], [10, (20,)]) == [11, (22,)]
        assert lib.tree_leaves(tree) == [1, 2.5, 3, "s"]
        assert lib.tree_all(lambda x: x != 0, tree) and not lib.tree_any(lambda x: x == 0, tree)
        assert lib.tree_is_leaf([1]) is False and lib.tree_is_leaf(mt.ones(1)) is True
        assert lib.tree_flatten([1, [2]], is_leaf=lambda x: x == [2])[0] == [1, [2]]


def test_tensors_are_leaves_and_size_is_a_container():
    t = mt.ones(2)
    leaves, spec = pytree.tree_flatten({"w": t, "shape": mt.Size([2, 3])})
    assert leaves[0] is t and leaves[1:] == [2, 3]
    torch_spec = torch_pytree.tree_structure({"w": torch.ones(2), "shape": torch.Size([2, 3])})
    assert repr(spec) == repr(torch_spec)
    assert isinstance(pytree.tree_unflatten(leaves, spec)["shape"], mt.Size)


def test_structure_mismatch_errors_as_torch():
    cases = [
        ([1, 2], [1, 2, 3]),
        ([1, 2], (1, 2)),
        ({"a": 1}, {"b": 1}),
        (Point(1, 2), namedtuple("Other", "x y")(1, 2)),
    ]
    for tree, other in cases:
        for lib in (pytree, torch_pytree):
            with pytest.raises(ValueError) as err:
                lib.tree_map(lambda x, y: x, tree, other)
            if lib is pytree:
                ours = str(err.value)
            else:
                assert ours == str(err.value)
    with pytest.raises(ValueError, match="`leaves` has length 1 but the spec refers to a pytree"):
        pytree.tree_unflatten([1], pytree.tree_structure([1, 2]))
    for lib in (pytree, torch_pytree):
        with pytest.raises(
            TypeError,
            match="Expected `treespec` to be an instance of (Py)?TreeSpec but got item of type",
        ):
            lib.tree_unflatten([1], "not a spec")


def test_dicts_match_each_other_by_keys():
    spec = pytree.tree_structure({"a": 1, "b": 2})
    assert spec.flatten_up_to(OrderedDict(b=20, a=10)) == [10, 20]
    assert torch_pytree.tree_structure({"a": 1, "b": 2}).flatten_up_to(OrderedDict(b=20, a=10)) == [
        10,
        20,
    ]


def test_register_pytree_node():
    class Pair:
        def __init__(self, first, second):
            self.first, self.second = first, second

    pytree.register_pytree_node(
        Pair, lambda p: ([p.first, p.second], "ctx"), lambda values, ctx: Pair(*values)
    )
    leaves, spec = pytree.tree_flatten([Pair(1, (2, 3))])
    assert leaves == [1, 2, 3]
    torch_pytree.register_pytree_node(
        Pair, lambda p: ([p.first, p.second], "ctx"), lambda values, ctx: Pair(*values)
    )
    assert repr(spec) == repr(torch_pytree.tree_structure([Pair(1, (2, 3))]))
    rebuilt = pytree.tree_unflatten([4, 5, 6], spec)[0]
    assert (rebuilt.first, rebuilt.second) == (4, (5, 6))
    with pytest.raises(ValueError, match="is already registered as pytree node"):
        pytree.register_pytree_node(list, lambda x: (x, None), lambda v, c: list(v))
    with pytest.raises(ValueError, match="Did not find a flatten_with_keys_fn"):
        pytree.tree_flatten_with_path(Pair(1, 2))


def test_specs_compare_and_hash():
    a, b = pytree.tree_structure((1, [2])), pytree.tree_structure(("x", ["y"]))
    assert a == b and hash(a) == hash(b)
    assert a != pytree.tree_structure((1, 2))
    assert pytree.LeafSpec().is_leaf() and repr(pytree.LeafSpec()) == "*"
    assert a.child(1).type is list and a.children()[0].is_leaf()


@pytest.mark.parametrize(
    "name",
    [
        "tree_flatten",
        "tree_unflatten",
        "tree_map",
        "tree_map_only",
        "tree_leaves",
        "tree_structure",
    ],
)
def test_parameter_names_match_torch(name):
    ours = list(inspect.signature(getattr(pytree, name)).parameters)
    assert ours == list(inspect.signature(getattr(torch_pytree, name)).parameters)


def test_path_map_only_predicates_and_the_deprecated_register_match_torch():
    tree = {"a": [1, "s", 2.5], "b": (3,)}
    for lib in (pytree, torch_pytree):
        paths = lib.tree_map_with_path(lambda p, x, keystr=lib.keystr: keystr(p), tree)
        assert paths == {"a": ["['a'][0]", "['a'][1]", "['a'][2]"], "b": ("['b'][0]",)}
        assert lib.tree_all_only(int, lambda x: x > 0, tree) is True
        assert lib.tree_any_only(float, lambda x: x > 3, tree) is False

    class Box:
        def __init__(self, v):
            self.v = v

    with pytest.warns(FutureWarning, match="_register_pytree_node` is deprecated"):
        pytree._register_pytree_node(Box, lambda b: ([b.v], None), lambda v, c: Box(*v))
    assert pytree.tree_leaves([Box(7)]) == [7]
