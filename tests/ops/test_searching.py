"""unique, unique_consecutive, searchsorted."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.ops import searching
from tests.helpers import assert_same, compare_with_torch

# --- unique and unique_consecutive --------------------------------------------------------------

UNIQUE_CASES = [
    ("flat", lambda lib, x: lib.unique(x)),
    ("all", lambda lib, x: lib.unique(x, return_inverse=True, return_counts=True)),
    ("dim0", lambda lib, x: lib.unique(x, dim=0, return_inverse=True, return_counts=True)),
    ("dim1", lambda lib, x: lib.unique(x, return_counts=True, dim=-1)),
    ("consecutive", lambda lib, x: lib.unique_consecutive(x, True, True)),
    ("consecutive_dim", lambda lib, x: lib.unique_consecutive(x, True, True, dim=0)),
]
UNIQUE_INPUTS = {
    "int": np.array([[1, 2], [1, 2], [0, 5], [0, 5], [1, 2]]),
    "nan": np.array([[np.nan, 1.0], [np.nan, 1.0], [2.0, 1.0]]),
    "empty": np.zeros((0, 3)),
}
# PyTorch's order of slices holding NaN is unspecified; a 0-sized dim not selected raises
UNIQUE_SKIP = {("dim0", "nan"), ("dim1", "nan"), ("dim1", "empty")}
UNIQUE_PARAMS = [
    pytest.param(case, UNIQUE_INPUTS[x], id=f"{name}-{x}")
    for name, case in UNIQUE_CASES
    for x in UNIQUE_INPUTS
    if (name, x) not in UNIQUE_SKIP
]


@pytest.mark.parametrize("case,x", UNIQUE_PARAMS)
def test_unique_matches_torch(case, x):
    compare_with_torch(lambda t: case(searching, t), lambda t: case(torch, t), [x], grad=False)


def test_unique_of_zero_dim_and_its_errors():
    assert_same(
        searching.unique(mt.tensor(3.0), return_inverse=True)[1],
        torch.unique(torch.tensor(3.0), return_inverse=True)[1],
    )
    with pytest.raises(IndexError, match=r"unique\(\): Dimension specified as 0 but tensor has no"):
        searching.unique(mt.tensor(3), dim=0)
    with pytest.raises(RuntimeError, match=r"unique\(\): There are 0 sized dimensions"):
        searching.unique(mt.zeros(2, 0), dim=0)


# --- searchsorted -------------------------------------------------------------------------------

SEARCH_CASES = [
    ("1d", [1.0, 3.0, 5.0], [[0.0, 3.0], [5.0, 6.0]], {}),
    ("right", [1.0, 3.0, 5.0], [3.0, 5.0], {"right": True}),
    ("side", [1, 3, 3, 5], [3], {"side": "right", "out_int32": True}),
    ("rows", [[1, 3, 5], [2, 4, 6]], [[3, 6], [0, 4]], {"side": "left"}),
    ("sorter", [5.0, 1.0, 3.0], [3.0, 4.0], {"sorter": [1, 2, 0]}),
    ("nan", [1.0, 2.0, np.nan], [np.nan, 1.5], {}),
]


@pytest.mark.parametrize(
    "seq,values,kwargs", [c[1:] for c in SEARCH_CASES], ids=[c[0] for c in SEARCH_CASES]
)
def test_searchsorted_matches_torch(seq, values, kwargs):
    def call(lib, s, v):
        extra = dict(kwargs)
        if "sorter" in extra:
            extra["sorter"] = (mt.tensor if lib is searching else torch.tensor)(extra["sorter"])
        return lib.searchsorted(s, v, **extra)

    seq, values = np.array(seq), np.array(values)
    compare_with_torch(
        lambda s, v: call(searching, s, v), lambda s, v: call(torch, s, v), [seq, values]
    )


def test_searchsorted_with_a_number():
    out = searching.searchsorted(mt.tensor([1, 3, 5]), 3)
    assert out.shape == () and out.item() == 1


def test_searchsorted_errors():
    rows, seq = mt.tensor([[1, 3, 5], [2, 4, 6]]), mt.tensor([1, 3, 5])
    with pytest.raises(RuntimeError, match=r"first N-1 dimensions .* \[2, 3\] .* \[2\]"):
        searching.searchsorted(rows, mt.tensor([3, 6]))
    with pytest.raises(RuntimeError, match=r"boundaries tensor should be 1 dimension"):
        searching.searchsorted(rows, 3)
    with pytest.raises(RuntimeError, match=r"should have positive dimension, but got 0"):
        searching.searchsorted(mt.tensor(1), mt.tensor([3]))
    with pytest.raises(RuntimeError, match=r"side and right can't be set to opposites"):
        searching.searchsorted(seq, mt.tensor([3]), side="left", right=True)
    with pytest.raises(RuntimeError, match=r"side can only be 'left' or 'right' but got foo"):
        searching.searchsorted(seq, mt.tensor([3]), side="foo")
    with pytest.raises(RuntimeError, match=r"boundary and sorter must have the same size"):
        searching.searchsorted(seq, mt.tensor([3]), sorter=mt.tensor([1, 2]))
    with pytest.raises(RuntimeError, match=r"sorter index out of range"):
        searching.searchsorted(seq, mt.tensor([3]), sorter=mt.tensor([1, 2, 5]))


# --- searchsorted with empty inputs, bucketize, isin --------------------------------------------


@pytest.mark.parametrize(
    "seq_shape,values_shape",
    [((0,), (2,)), ((2,), (0,)), ((2, 0), (2, 3)), ((2, 3), (2, 0)), ((0, 3), (0, 2))],
    ids=str,
)
@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_of_empty_inputs_matches_torch(seq_shape, values_shape, right):
    rng = np.random.default_rng(0)
    seq = np.sort(rng.standard_normal(seq_shape), axis=-1)
    values = rng.standard_normal(values_shape)
    compare_with_torch(
        lambda s, v: mt.searchsorted(s, v, right=right),
        lambda s, v: torch.searchsorted(s, v, right=right),
        [seq, values],
        grad=False,
    )


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("out_int32", [False, True])
def test_bucketize_matches_torch(right, out_int32):
    boundaries = np.array([1.0, 3.0, 5.0, 7.0])
    values = np.array([[0.0, 1.0, 3.0], [4.0, 7.0, 9.0]])
    compare_with_torch(
        lambda v, b: mt.bucketize(v, b, right=right, out_int32=out_int32),
        lambda v, b: torch.bucketize(v, b, right=right, out_int32=out_int32),
        [values, boundaries],
        grad=False,
    )
    assert mt.bucketize(3.0, mt.tensor(boundaries), right=right).item() == (2 if right else 1)
    with pytest.raises(RuntimeError, match=r"boundaries tensor must be 1 dimension, but got dim"):
        mt.bucketize(mt.tensor([1.0]), mt.ones(2, 2))


@pytest.mark.parametrize("invert", [False, True])
def test_isin_matches_torch(invert):
    elements = np.array([[1, 2, 3], [4, 2, 0]])
    tests = np.array([2, 0, 9])
    compare_with_torch(
        lambda e, t: mt.isin(e, t, invert=invert),
        lambda e, t: torch.isin(e, t, invert=invert),
        [elements, tests],
        grad=False,
    )
    assert (
        mt.isin(mt.tensor(elements), 2, invert=invert).tolist()
        == torch.isin(torch.tensor(elements), 2, invert=invert).tolist()
    )
    assert mt.isin(3, mt.tensor(tests)).item() is False
    assert mt.isin(mt.tensor([1.0, 2.5]), mt.tensor([2.5])).tolist() == [False, True]
    with pytest.raises(TypeError, match=r"at least one of elements and test_elements"):
        mt.isin(1, 2)
