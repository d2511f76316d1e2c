"""sum, mean, prod, max, min, amax, amin, argmax, argmin, cumsum, all, any."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch


@st.composite
def dim_args(draw, kind, min_side=0, max_side=3, min_dims=0):
    """(shape, dim, keepdim); ``kind``: "int", "int_or_none", "int_or_tuple" or "dims" (all)."""
    shape = draw(array_shapes(min_dims=min_dims, max_dims=3, min_side=min_side, max_side=max_side))
    n = max(len(shape), 1)
    choice = draw(
        st.sampled_from(
            {
                "int": ["int"],
                "int_or_none": ["int", "none"],
                "int_or_tuple": ["int", "tuple"],
                "dims": ["int", "none", "tuple"],
            }[kind]
        )
    )
    if choice == "none":
        dim = None
    elif choice == "int":
        dim = draw(st.integers(-n, n - 1))
    else:
        chosen = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
        dim = tuple(d - n if draw(st.booleans()) else d for d in chosen)
    return shape, dim, draw(st.booleans())


def _max(lib, lowest):
    def fn(x, dim, keepdim):
        f = lib.min if lowest else lib.max
        return f(x) if dim is None else tuple(f(x, dim, keepdim))

    return fn


def _prod(lib):
    return lambda x, dim, keepdim: lib.prod(x) if dim is None else lib.prod(x, dim, keepdim)


# name, microtensor fn(x, dim, keepdim), torch fn, dim kind, smallest side (0: empty allowed)
REDUCTIONS = [
    ("sum", mt.sum, torch.sum, "dims", 0),
    ("mean", mt.mean, torch.mean, "dims", 0),
    ("prod", _prod(mt), _prod(torch), "int_or_none", 0),
    ("amax", mt.amax, torch.amax, "dims", 1),
    ("amin", mt.amin, torch.amin, "dims", 1),
    ("max", _max(mt, False), _max(torch, False), "int_or_none", 1),
    ("min", _max(mt, True), _max(torch, True), "int_or_none", 1),
    ("cumsum", lambda x, d, k: mt.cumsum(x, d), lambda x, d, k: torch.cumsum(x, d), "int", 0),
]
IDS = [r[0] for r in REDUCTIONS]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's mean of an empty slice
@pytest.mark.parametrize("name,mt_fn,torch_fn,kind,min_side", REDUCTIONS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_matches_torch(name, mt_fn, torch_fn, kind, min_side, dtype, data, seed):
    shape, dim, keepdim = data.draw(dim_args(kind, min_side))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    compare_with_torch(
        lambda t: mt_fn(t, dim, keepdim), lambda t: torch_fn(t, dim, keepdim), [x], rng=rng
    )


@pytest.mark.parametrize("name,mt_fn,torch_fn,kind,min_side", REDUCTIONS, ids=IDS)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_gradcheck(name, mt_fn, torch_fn, kind, min_side, data, seed):
    shape, dim, keepdim = data.draw(dim_args(kind, min_side=1, max_side=2))
    x = np.random.default_rng(seed).standard_normal(shape)  # no ties, no zeros
    check_gradients(lambda t: mt_fn(t, dim, keepdim), [x])


# --- ties: max/min without dim and amax/amin share the gradient; max(dim) picks one ----------

TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0]])
TIE_CASES = [
    ("max", lambda lib, x: lib.max(x)),
    ("min", lambda lib, x: lib.min(x)),
    ("max_dim", lambda lib, x: tuple(lib.max(x, 1))),
    ("min_dim", lambda lib, x: tuple(lib.min(x, 0, keepdim=True))),
    ("amax", lambda lib, x: lib.amax(x, 1)),
    ("amin", lambda lib, x: lib.amin(x, (0, 1))),
    ("amax_tuple", lambda lib, x: lib.amax(x, (-1, 0), keepdim=True)),
    ("argmax", lambda lib, x: lib.argmax(x, 1)),
    ("argmin", lambda lib, x: lib.argmin(x, 0, keepdim=True)),
    ("argmax_flat", lambda lib, x: lib.argmax(x)),
]


@pytest.mark.parametrize("case", [c[1] for c in TIE_CASES], ids=[c[0] for c in TIE_CASES])
def test_ties_match_torch(case):
    compare_with_torch(lambda x: case(mt, x), lambda x: case(torch, x), [TIES])


def test_max_without_dim_splits_the_gradient_among_ties():
    x = mt.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    mt.max(x).backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]


def test_max_with_dim_sends_the_gradient_to_the_first_index():
    x = mt.tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    values, indices = mt.max(x, 1)
    values.sum().backward()
    assert indices.tolist() == [1] and x.grad.tolist() == [[0.0, 1.0, 0.0]]


NAN_CASES = [
    lambda lib, t: lib.max(t),
    lambda lib, t: tuple(lib.min(t, 1)),
    lambda lib, t: lib.argmax(t, 1),
    lambda lib, t: lib.amax(t, 1),
]


@pytest.mark.parametrize("case", NAN_CASES, ids=["max", "min_dim", "argmax", "amax"])
def test_max_and_min_with_nan_match_torch(case):
    x = np.array([[1.0, np.nan, 3.0, np.nan], [0.0, 1.0, 2.0, 3.0]])
    compare_with_torch(lambda t: case(mt, t), lambda t: case(torch, t), [x])


# --- the (values, indices) result --------------------------------------------------------------


def test_max_with_dim_returns_values_and_indices():
    x = mt.tensor([[1.0, 5.0], [4.0, 2.0]])
    result = mt.max(x, dim=1, keepdim=True)
    values, indices = result
    assert result.values is values and result.indices is indices and result[1] is indices
    assert values.tolist() == [[5.0], [4.0]] and indices.tolist() == [[1], [0]]
    assert indices.dtype == mt.int64 and len(result) == 2
    assert repr(mt.min(x, 0)) == (
        "microtensor.return_types.min(\nvalues=tensor([1., 2.]),\nindices=tensor([0, 1]))"
    )


def test_tensor_methods_delegate():
    x = mt.tensor([[1.0, 5.0], [4.0, 2.0]])
    assert x.max().item() == 5.0 and x.min(1).indices.tolist() == [0, 1]
    assert x.argmax().item() == 1 and x.amin(0).tolist() == [1.0, 2.0]
    assert x.prod().item() == 40.0 and x.cumsum(0).tolist() == [[1.0, 5.0], [5.0, 7.0]]
    assert x.all().item() and mt.tensor([[True, False]]).any(1, keepdim=True).tolist() == [[True]]


def test_max_with_a_tensor_is_maximum():
    a, b = np.array([1.0, 5.0, -2.0]), np.array([3.0, 2.0, -2.5])
    compare_with_torch(mt.max, torch.max, [a, b])
    compare_with_torch(mt.min, torch.min, [a, b])


ZERO_D_CASES = [
    lambda lib, t: tuple(lib.max(t, 0)),
    lambda lib, t: tuple(lib.min(t, -1, True)),
    lambda lib, t: lib.argmax(t, 0),
    lambda lib, t: lib.argmin(t),
    lambda lib, t: lib.cumsum(t, 0),
    lambda lib, t: lib.prod(t, 0),
    lambda lib, t: lib.amax(t, 0),
]


@pytest.mark.parametrize("case", ZERO_D_CASES)
def test_0d_inputs(case):
    compare_with_torch(lambda t: case(mt, t), lambda t: case(torch, t), [np.array(2.5)])


# --- prod with zeros ---------------------------------------------------------------------------

ZEROS = [
    np.array([2.0, 0.0, 3.0, -1.5]),
    np.array([2.0, 0.0, 0.0, 1.5]),
    np.array([0.0, 0.0, 0.0, 4.0]),
    np.array([[2.0, 0.0, 3.0], [1.0, 0.0, 0.0], [0.5, -2.0, 3.0], [0.0, 0.0, 0.0]]),
]


@pytest.mark.parametrize("x", ZEROS, ids=["one", "two", "three", "matrix"])
@pytest.mark.parametrize("dim", [None, -1])
def test_prod_with_zeros_matches_torch(x, dim):
    compare_with_torch(
        lambda t: _prod(mt)(t, dim, False), lambda t: _prod(torch)(t, dim, False), [x]
    )
    check_gradients(lambda t: _prod(mt)(t, dim, False), [x])


@pytest.mark.parametrize("x", ZEROS[:3], ids=["one", "two", "three"])
def test_prod_second_derivative_with_zeros_matches_torch(x):
    xm = mt.tensor(x, requires_grad=True)
    (grad,) = mt.autograd.grad(mt.prod(xm), [xm], create_graph=True)
    rows = [
        mt.autograd.grad([grad], [xm], [mt.tensor(e)], retain_graph=True)[0].numpy()
        for e in np.eye(x.size)
    ]
    expected = torch.autograd.functional.hessian(torch.prod, torch.tensor(x))
    np.testing.assert_allclose(np.stack(rows), expected.numpy(), atol=1e-12)


# --- dtypes ------------------------------------------------------------------------------------

INTEGER_CASES = [
    ("sum", lambda lib, t: lib.sum(t)),
    ("sum_dtype", lambda lib, t: lib.sum(t, 1, dtype=lib.float64)),
    ("prod", lambda lib, t: lib.prod(t, 0)),
    ("cumsum", lambda lib, t: lib.cumsum(t, 1)),
    ("amax", lambda lib, t: lib.amax(t, 0)),
    ("max", lambda lib, t: lib.max(t)),
    ("min_dim", lambda lib, t: tuple(lib.min(t, 1))),
    ("all", lambda lib, t: lib.all(t, 1)),
    ("any", lambda lib, t: lib.any(t)),
    ("mean_dtype", lambda lib, t: lib.mean(t, 0, dtype=lib.float32)),
]


@pytest.mark.parametrize("case", [c[1] for c in INTEGER_CASES], ids=[c[0] for c in INTEGER_CASES])
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_, np.uint8])
def test_integer_inputs_follow_torch(case, dtype):
    x = np.random.default_rng(0).integers(0, 3, size=(2, 3)).astype(dtype)
    compare_with_torch(lambda t: case(mt, t), lambda t: case(torch, t), [x])


@given(data=st.data(), seed=st.integers(0, 2**16))
@pytest.mark.parametrize("fn", ["all", "any"])
def test_all_any_match_torch(fn, data, seed):
    shape, dim, keepdim = data.draw(dim_args("dims"))
    x = np.asarray(np.random.default_rng(seed).integers(0, 2, size=shape) * 1.5, np.float32)
    compare_with_torch(
        lambda t: getattr(mt, fn)(t, dim, keepdim),
        lambda t: getattr(torch, fn)(t, dim, keepdim),
        [x],
        grad=False,
    )


@given(data=st.data(), seed=st.integers(0, 2**16))
@pytest.mark.parametrize("fn", ["argmax", "argmin"])
def test_argmax_argmin_match_torch(fn, data, seed):
    shape, dim, keepdim = data.draw(dim_args("int_or_none", min_side=1))
    x = np.random.default_rng(seed).integers(-2, 3, size=shape).astype(np.float64)  # ties
    compare_with_torch(
        lambda t: getattr(mt, fn)(t, dim, keepdim),
        lambda t: getattr(torch, fn)(t, dim, keepdim),
        [x],
    )


def test_sum_over_an_empty_dim_is_zero():
    assert_same(mt.sum(mt.zeros(0, 3), 0), torch.sum(torch.zeros(0, 3), 0))
    assert_same(mt.prod(mt.zeros(0, 3), 0), torch.prod(torch.zeros(0, 3), 0))


def test_cumsum_gradient_is_the_reversed_cumsum():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mt.cumsum(x, 0).backward(mt.tensor([1.0, 10.0, 100.0]))
    assert x.grad.tolist() == [111.0, 110.0, 100.0]


# --- errors ------------------------------------------------------------------------------------

ERRORS = [
    (lambda: mt.sum(mt.ones(2, 3), 2), IndexError, r"sum\(\): Dimension out of range"),
    (lambda: mt.sum(mt.ones(2, 3), (0, -2)), RuntimeError, "appears multiple times"),
    (lambda: mt.mean(mt.tensor([1, 2])), RuntimeError, r"mean\(\): could not infer output dtype"),
    (lambda: mt.mean(mt.ones(2), -2), IndexError, "Dimension out of range"),
    (lambda: mt.prod(mt.ones(2, 3), (0, 1)), TypeError, r"prod\(\): dim must be an int"),
    (lambda: mt.prod(mt.ones(2, 3), 2), IndexError, r"prod\(\): Dimension out of range"),
    (lambda: mt.max(mt.ones(0)), RuntimeError, r"max\(\): Expected reduction dim to be spec"),
    (lambda: mt.min(mt.ones(2, 0), 1), IndexError, "reduction dim 1 to have non-zero size"),
    (lambda: mt.max(mt.ones(2), 1), IndexError, r"max\(\): Dimension out of range"),
    (lambda: mt.max(mt.ones(2, 3), (0, 1)), TypeError, r"max\(\): dim must be an int"),
    (lambda: mt.min(mt.ones(2), keepdim=True), TypeError, r"min\(\): keepdim=True needs a dim"),
    (lambda: mt.amax(mt.ones(0, 2)), RuntimeError, r"amax\(\): Expected reduction dim to be"),
    (lambda: mt.amin(mt.ones(0, 2), 0), IndexError, r"amin\(\): .* dim 0 to have non-zero"),
    (lambda: mt.amax(mt.ones(2), 1), IndexError, r"amax\(\): Dimension out of range"),
    (lambda: mt.argmax(mt.tensor([True])), RuntimeError, r"argmax\(\): does not support bool"),
    (lambda: mt.argmin(mt.ones(0)), IndexError, r"argmin\(\): Expected reduction dim to be"),
    (lambda: mt.argmax(mt.ones(3, 0), 1), IndexError, "dim 1 to have non-zero size"),
    (lambda: mt.argmax(mt.ones(3), 1), IndexError, r"argmax\(\): Dimension out of range"),
    (lambda: mt.argmin(mt.ones(3), (0,)), TypeError, r"argmin\(\): dim must be an int"),
    (lambda: mt.cumsum(mt.ones(3), 1), IndexError, r"cumsum\(\): Dimension out of range"),
    (lambda: mt.cumsum(mt.ones(3), (0,)), TypeError, r"cumsum\(\): dim must be an int"),
    (lambda: mt.all(mt.ones(3), 1), IndexError, r"all\(\): Dimension out of range"),
    (lambda: mt.any(mt.ones(3), -2), IndexError, r"any\(\): Dimension out of range"),
]


@pytest.mark.parametrize("call,error,match", ERRORS)
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- aminmax ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, True), (-1, False), (None, True)])
def test_aminmax_matches_torch(dim, keepdim):
    x = np.array([[1.0, 5.0, 5.0], [0.0, 2.0, 0.0]])
    compare_with_torch(
        lambda t: mt.aminmax(t, dim=dim, keepdim=keepdim),
        lambda t: torch.aminmax(t, dim=dim, keepdim=keepdim),
        [x],
    )
    compare_with_torch(
        lambda t: t.aminmax(dim=dim, keepdim=keepdim),
        lambda t: t.aminmax(dim=dim, keepdim=keepdim),
        [x.astype(np.int64)],
    )
    out = mt.aminmax(mt.tensor(x))
    assert out.min.item() == 0.0 and out.max.item() == 5.0


def test_aminmax_errors():
    with pytest.raises(RuntimeError, match=r"aminmax"):
        mt.aminmax(mt.zeros(0))
    with pytest.raises(IndexError, match=r"aminmax\(\): Dimension out of range"):
        mt.aminmax(mt.zeros(2), dim=1)


# --- sum_to_size --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape,size", [((2, 3), (1, 3)), ((2, 3), (3,)), ((2, 3), ()), ((4, 1, 3), (1, 1)), ((2,), (2,))],
    ids=str,
)
def test_sum_to_size_matches_torch(shape, size):
    x = np.random.default_rng(0).standard_normal(shape)
    compare_with_torch(lambda t: t.sum_to_size(size), lambda t: t.sum_to_size(size), [x])
    if size:  # torch needs at least one size when they are given one by one
        compare_with_torch(lambda t: t.sum_to_size(*size), lambda t: t.sum_to_size(*size), [x])
    check_gradients(lambda t: t.sum_to_size(size), [x])
    with pytest.raises(RuntimeError, match=r"sum_to_size\(\): size \[2\] is not expandable"):
        mt.ones(2, 3).sum_to_size(2)
