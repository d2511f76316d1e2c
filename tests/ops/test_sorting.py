"""sort, argsort, msort, topk, kthvalue, median."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from microtensor.ops import sorting
from tests.helpers import check_gradients, compare_with_torch


def _size(x, dim):
    return x.shape[dim] if x.ndim else 1


def _middle(x, dim):
    """A valid k (1-based) for kthvalue: the middle of the dim."""
    return (_size(x, dim) + 1) // 2


# name, fn(lib, x, dim, keepdim) with lib = sorting or torch, smallest side (0: empty allowed)
SELECTIONS = [
    ("sort", lambda lib, x, d, k: tuple(lib.sort(x, d)), 0),
    ("sort_descending", lambda lib, x, d, k: tuple(lib.sort(x, d, descending=True)), 0),
    ("msort", lambda lib, x, d, k: lib.msort(x) if x.ndim else x * 1, 0),
    ("topk", lambda lib, x, d, k: tuple(lib.topk(x, _size(x, d) // 2 + 1, d)), 1),
    ("topk_empty_k", lambda lib, x, d, k: tuple(lib.topk(x, 0, d)), 0),
    ("topk_smallest", lambda lib, x, d, k: tuple(lib.topk(x, 1, d, largest=False)), 1),
    ("kthvalue", lambda lib, x, d, k: tuple(lib.kthvalue(x, _middle(x, d), d, k)), 1),
    ("median_dim", lambda lib, x, d, k: tuple(lib.median(x, d, k)), 1),
    ("median", lambda lib, x, d, k: lib.median(x), 1),
]
IDS = [s[0] for s in SELECTIONS]


@st.composite
def shape_and_dim(draw, min_side, max_side=4):
    shape = draw(array_shapes(min_dims=0, max_dims=3, min_side=min_side, max_side=max_side))
    n = max(len(shape), 1)
    return shape, draw(st.integers(-n, n - 1)), draw(st.booleans())


@pytest.mark.parametrize("name,fn,min_side", SELECTIONS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_matches_torch(name, fn, min_side, dtype, data, seed):
    shape, dim, keepdim = data.draw(shape_and_dim(min_side))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)  # distinct values: no ties
    compare_with_torch(
        lambda t: fn(sorting, t, dim, keepdim), lambda t: fn(torch, t, dim, keepdim), [x], rng=rng
    )


@pytest.mark.parametrize("name,fn,min_side", SELECTIONS, ids=IDS)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_gradcheck(name, fn, min_side, data, seed):
    shape, dim, keepdim = data.draw(shape_and_dim(min_side=1, max_side=3))
    x = np.random.default_rng(seed).standard_normal(shape)

    def values(t):
        out = fn(sorting, t, dim, keepdim)
        return out[0] if isinstance(out, tuple) else out

    check_gradients(values, [x])


# --- ties and NaN: a stable order, NaN as the largest value --------------------------------

TIES = np.array([[1.0, 1.0, 0.0, 1.0, 2.0, 2.0], [3.0, 3.0, 3.0, -1.0, 3.0, -1.0]])
NANS = np.array([[1.0, np.nan, 2.0, np.nan, 0.0], [4.0, 3.0, 2.0, 1.0, 0.0]])
STABLE_CASES = [
    ("sort", lambda lib, x: tuple(lib.sort(x, stable=True))),
    ("sort_descending", lambda lib, x: tuple(lib.sort(x, dim=1, descending=True, stable=True))),
    ("sort_dim0", lambda lib, x: tuple(lib.sort(x, dim=0, stable=True))),
    ("argsort", lambda lib, x: lib.argsort(x, dim=-1, descending=True, stable=True)),
]


@pytest.mark.parametrize("array", [TIES, NANS], ids=["ties", "nan"])
@pytest.mark.parametrize("case", [c[1] for c in STABLE_CASES], ids=[c[0] for c in STABLE_CASES])
def test_stable_order_matches_torch(case, array):
    compare_with_torch(lambda x: case(sorting, x), lambda x: case(torch, x), [array])


NAN_CASES = [
    ("topk", lambda lib, x: tuple(lib.topk(x, 3))),
    ("topk_smallest", lambda lib, x: tuple(lib.topk(x, 3, largest=False))),
    ("kthvalue", lambda lib, x: tuple(lib.kthvalue(x, 4))),
    ("kthvalue_5", lambda lib, x: tuple(lib.kthvalue(x, 5, keepdim=True))),
    ("median_dim", lambda lib, x: tuple(lib.median(x, 1))),
    ("median", lambda lib, x: lib.median(x)),
    ("median_row", lambda lib, x: lib.median(x[1])),
]


@pytest.mark.parametrize("case", [c[1] for c in NAN_CASES], ids=[c[0] for c in NAN_CASES])
def test_nan_matches_torch(case):
    compare_with_torch(lambda x: case(sorting, x), lambda x: case(torch, x), [NANS])


def test_median_without_dim_shares_the_gradient_among_ties():
    compare_with_torch(sorting.median, torch.median, [np.array([1.0, 2.0, 2.0, 2.0, 3.0])])
    x = mt.tensor([[1.0, 1.0], [0.0, 1.0], [2.0, 2.0]], requires_grad=True)
    sorting.median(x).backward()
    assert np.allclose(x.grad.numpy(), [[1 / 3, 1 / 3], [0.0, 1 / 3], [0.0, 0.0]])


def test_median_is_the_lower_middle_value_and_nan_when_empty():
    assert sorting.median(mt.tensor([4.0, 1.0, 3.0, 2.0])).item() == 2.0
    assert sorting.median(mt.tensor([4, 1, 3, 2])).dtype == mt.int64
    assert np.isnan(sorting.median(mt.zeros(0)).item())


def test_sort_gradient_goes_to_the_sorted_positions():
    x = mt.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, indices = sorting.sort(x)
    (values * mt.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert indices.tolist() == [1, 2, 0] and x.grad.tolist() == [100.0, 1.0, 10.0]


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_])
def test_integer_and_bool_inputs_match_torch(dtype):
    x = np.array([[3, 0, 2, 2], [1, 1, 0, 5]]).astype(dtype)
    cases = [
        lambda lib, t: tuple(lib.sort(t, descending=True, stable=True)),
        lambda lib, t: lib.argsort(t, stable=True),
        lambda lib, t: lib.msort(t),
    ]
    if dtype != np.bool_:  # PyTorch's topk has no bool kernel
        cases.append(lambda lib, t: tuple(lib.topk(t, 1)))
    for case in cases:
        compare_with_torch(lambda t, f=case: f(sorting, t), lambda t, f=case: f(torch, t), [x])


def test_results_are_named_tuples_with_torch_repr():
    result = sorting.topk(mt.tensor([1.0, 3.0, 2.0]), 2)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert values.tolist() == [3.0, 2.0] and indices.tolist() == [1, 2]
    assert indices.dtype == mt.int64
    assert repr(sorting.sort(mt.tensor([2.0, 1.0]))) == (
        "microtensor.return_types.sort(\nvalues=tensor([1., 2.]),\nindices=tensor([1, 0]))"
    )
    assert repr(sorting.median(mt.tensor([2.0]), 0)).startswith("microtensor.return_types.median")


def test_zero_dim_input_behaves_as_one_element():
    for case in (
        lambda lib, t: tuple(lib.sort(t, 0)),
        lambda lib, t: tuple(lib.topk(t, 1)),
        lambda lib, t: tuple(lib.kthvalue(t, 1, 0, True)),
        lambda lib, t: tuple(lib.median(t, -1)),
    ):
        x = np.array(2.0)
        compare_with_torch(lambda t, f=case: f(sorting, t), lambda t, f=case: f(torch, t), [x])


# --- errors -------------------------------------------------------------------------------------


def test_k_out_of_range_raises():
    x = mt.tensor([[1.0, 2.0]])
    with pytest.raises(RuntimeError, match=r"topk\(\): selected index k out of range.*k=3"):
        sorting.topk(x, 3)
    with pytest.raises(RuntimeError, match=r"topk\(\): selected index k out of range"):
        sorting.topk(x, -1)
    with pytest.raises(RuntimeError, match=r"kthvalue\(\): selected number k out of range .* 1"):
        sorting.kthvalue(x, 0, 1)
    with pytest.raises(TypeError, match=r"topk\(\): argument 'k' must be int, not float"):
        sorting.topk(x, 1.0)


def test_bad_dims_raise():
    with pytest.raises(IndexError, match=r"sort\(\): Dimension out of range"):
        sorting.sort(mt.tensor([3, 1]), dim=1)
    with pytest.raises(IndexError, match=r"argsort\(\): Dimension out of range"):
        sorting.argsort(mt.tensor([3, 1]), dim=-2)
    with pytest.raises(IndexError, match=r"median\(\): Expected reduction dim 1 to have non-zero"):
        sorting.median(mt.zeros(2, 0), 1)
    with pytest.raises(RuntimeError, match=r"median\(\): an empty .*int64 tensor has no median"):
        sorting.median(mt.zeros(0, dtype=mt.int64))


# --- nanmedian, mode ----------------------------------------------------------------------------


@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (1, True), (-1, False)])
def test_nanmedian_matches_torch(dim, keepdim):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5))
    x[0, 1:] = np.nan  # an all-NaN slice gives an arbitrary index in PyTorch (NaNs are unsorted)
    x[1, 1] = x[2, 3] = np.nan
    if dim is None:
        fns = (lambda t: mt.nanmedian(t), lambda t: torch.nanmedian(t))
    else:
        fns = (lambda t: t.nanmedian(dim, keepdim), lambda t: t.nanmedian(dim, keepdim))
    compare_with_torch(*fns, [x], rng=rng)
    if dim is None:
        compare_with_torch(*fns, [np.array([[np.nan, np.nan], [np.nan, np.nan]])])
    compare_with_torch(*fns, [np.array([[1, 5, 3], [2, 2, 0]])], grad=False)


def test_nanmedian_gradcheck_and_errors():
    x = np.random.default_rng(1).standard_normal((3, 4))
    check_gradients(mt.nanmedian, [x])
    check_gradients(lambda t: mt.nanmedian(t, 1).values, [x])
    with pytest.raises(
        IndexError, match=r"nanmedian\(\): Expected reduction dim 1 to have non-zero"
    ):
        mt.nanmedian(mt.ones(2, 0), 1)


@pytest.mark.parametrize(
    "values,dim",
    [
        ([[1, 2, 2, 1, 3], [5, 5, 4, 4, 4]], -1),
        ([3, 1, 3, 1, 7], 0),
        ([[1, 0], [1, 0], [0, 2]], 0),
        (5, 0),
        ([[2, 2]], 0),
    ],
    ids=str,
)
@pytest.mark.parametrize("keepdim", [False, True])
def test_mode_matches_torch(values, dim, keepdim):
    x = np.array(values, np.float64)
    compare_with_torch(
        lambda t: mt.mode(t, dim, keepdim), lambda t: torch.mode(t, dim, keepdim), [x]
    )
    compare_with_torch(
        lambda t: t.mode(dim, keepdim), lambda t: t.mode(dim, keepdim), [x.astype(np.int64)]
    )


def test_mode_errors():
    with pytest.raises(IndexError, match=r"mode\(\): Expected reduction dim 0 to have non-zero"):
        mt.mode(mt.zeros(0))
