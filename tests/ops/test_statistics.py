"""var, std, logsumexp, norm."""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch
from tests.ops.test_reduction import dim_args

INF = math.inf


def _var(lib, name, **kwargs):
    return lambda x, dim, keepdim: getattr(lib, name)(x, dim, keepdim=keepdim, **kwargs)


def _norm(lib, p):
    return lambda x, dim, keepdim: lib.norm(x, p, dim, keepdim)


# name, microtensor fn(x, dim, keepdim), torch fn, dim kind, smallest side (0: empty allowed)
STATISTICS = [
    ("var", _var(mt, "var"), _var(torch, "var"), "dims", 0),
    ("var_c0", _var(mt, "var", correction=0), _var(torch, "var", correction=0), "dims", 0),
    ("std", _var(mt, "std"), _var(torch, "std"), "dims", 0),
    ("std_c05", _var(mt, "std", correction=0.5), _var(torch, "std", correction=0.5), "dims", 0),
    ("logsumexp", mt.logsumexp, torch.logsumexp, "int_or_tuple", 0),
    ("norm_fro", _norm(mt, "fro"), _norm(torch, "fro"), "int_or_none", 0),
] + [
    (f"norm_{p}", _norm(mt, p), _norm(torch, p), "dims", 1 if p < 0 or math.isinf(p) else 0)
    for p in (2, 1, INF, -INF, 0, 3, 1.5, 0.5, -1)
]
IDS = [s[0] for s in STATISTICS]


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning")  # dof <= 0
@pytest.mark.parametrize("name,mt_fn,torch_fn,kind,min_side", STATISTICS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_matches_torch(name, mt_fn, torch_fn, kind, min_side, dtype, data, seed):
    shape, dim, keepdim = data.draw(dim_args(kind, min_side))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    compare_with_torch(
        lambda t: mt_fn(t, dim, keepdim), lambda t: torch_fn(t, dim, keepdim), [x], rng=rng
    )


@pytest.mark.parametrize("name,mt_fn,torch_fn,kind,min_side", STATISTICS, ids=IDS)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_gradcheck(name, mt_fn, torch_fn, kind, min_side, data, seed):
    shape, dim, keepdim = data.draw(dim_args(kind, min_side=2, max_side=2, min_dims=1))
    x = np.random.default_rng(seed).standard_normal(shape)  # no ties, no zeros, n >= 2
    check_gradients(lambda t: mt_fn(t, dim, keepdim), [x])


# --- logsumexp: stable at +-1000, PyTorch's -inf / inf / nan results ---------------------------

EXTREMES = np.array(
    [
        [1000.0, -1000.0, 999.0],
        [-1000.0, -1000.0, -999.0],
        [-INF, 1.0, 2.0],
        [-INF, -INF, -INF],
        [INF, 1.0, -INF],
        [np.nan, 1.0, 2.0],
    ]
)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp_extremes_match_torch(dtype, keepdim):
    compare_with_torch(
        lambda t: mt.logsumexp(t, 1, keepdim),
        lambda t: torch.logsumexp(t, 1, keepdim),
        [EXTREMES.astype(dtype)],
    )


def test_logsumexp_is_stable():
    out = mt.logsumexp(mt.tensor([1000.0, 1000.0]), 0)
    assert out.item() == pytest.approx(1000 + math.log(2))


def test_logsumexp_of_empty_and_integer_inputs_match_torch():
    compare_with_torch(
        lambda t: mt.logsumexp(t, 0), lambda t: torch.logsumexp(t, 0), [np.zeros((0, 2))]
    )
    for x in (np.array([1, 2, 3]), np.array([True, False])):
        compare_with_torch(lambda t: mt.logsumexp(t, 0), lambda t: torch.logsumexp(t, 0), [x])
    assert mt.logsumexp(mt.tensor(2.0), ()).item() == 2.0


# --- var / std edge cases ------------------------------------------------------------------------


def test_std_of_one_element_is_nan_with_a_warning():
    x = mt.tensor([2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        out = mt.std(x)
    out.backward()
    assert math.isnan(out.item()) and math.isnan(x.grad.item())


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("x", [np.array([2.0]), np.array([2.0, 3.0, 5.0]), np.array([[1.0, 4.0]])])
@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("dim,correction", [(None, 1), (None, 3), (-1, 1), (-1, 2), (-1, 4)])
def test_too_few_elements_match_torch(x, name, dim, correction):
    compare_with_torch(
        lambda t: getattr(mt, name)(t, dim, correction=correction),
        lambda t: getattr(torch, name)(t, dim, correction=correction),
        [x],
    )


@pytest.mark.parametrize("unbiased", [False, True])
def test_unbiased_keyword_matches_torch(unbiased):
    x = np.array([[1.0, 2.0, 4.0], [0.0, -1.0, 3.0]])
    compare_with_torch(
        lambda t: mt.var(t, 1, unbiased=unbiased), lambda t: torch.var(t, 1, unbiased=unbiased), [x]
    )
    compare_with_torch(
        lambda t: mt.std(t, (0, 1), unbiased=unbiased, keepdim=True),
        lambda t: torch.std(t, (0, 1), unbiased=unbiased, keepdim=True),
        [x],
    )
    compare_with_torch(
        lambda t: mt.std(t, unbiased=unbiased), lambda t: torch.std(t, unbiased=unbiased), [x]
    )


def test_std_of_a_constant_has_zero_gradient():
    x = mt.tensor([3.0, 3.0, 3.0], requires_grad=True)
    mt.std(x).backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


# --- norm ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [2, "fro", 1, INF, -INF, 0, 3, 1.5, 0.5, -1, None])
@pytest.mark.parametrize(
    "x",
    [np.zeros(3), np.array([[0.0, 0.0], [0.0, -2.0]]), np.array([3.0, -3.0, 1.0])],
    ids=["zeros", "some", "ties"],
)
def test_norm_at_zero_and_ties_matches_torch(p, x):
    compare_with_torch(lambda t: mt.norm(t, p), lambda t: torch.norm(t, p), [x])
    compare_with_torch(lambda t: mt.norm(t, p, -1, True), lambda t: torch.norm(t, p, -1, True), [x])


NORM_FORMS = [
    lambda lib, t: lib.norm(t, "fro", (0, 2)),
    lambda lib, t: lib.norm(t, dim=1),
    lambda lib, t: lib.norm(t, 2, [0, 1, 2], keepdim=True),
    lambda lib, t: lib.norm(t, 1, 0),
    lambda lib, t: lib.norm(t.float(), dtype=lib.float64),
]


@pytest.mark.parametrize("case", NORM_FORMS, ids=["fro_dims", "dim", "list", "p1", "dtype"])
def test_norm_forms_match_torch(case):
    x = np.random.default_rng(0).standard_normal((2, 3, 2)).astype(np.float32)
    compare_with_torch(lambda t: case(mt, t), lambda t: case(torch, t), [x])


def test_tensor_methods_delegate():
    x = mt.tensor([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]])
    assert_same(
        x.var(1, correction=0),
        torch.tensor([[1.0, 2.0, 4.0], [0.0, 0.0, 3.0]]).var(1, correction=0),
    )
    assert x.std().item() == pytest.approx(float(np.std(x.numpy(), ddof=1)))
    assert x.logsumexp(0).tolist() == pytest.approx(np.log(np.exp(x.numpy()).sum(0)).tolist())
    assert x.norm(1).item() == 10.0


# --- errors --------------------------------------------------------------------------------------

ERRORS = [
    (lambda: mt.var(mt.tensor([1, 2])), RuntimeError, r"var\(\): std and var only support"),
    (lambda: mt.std(mt.tensor([True])), RuntimeError, r"std\(\): std and var only support"),
    (lambda: mt.var(mt.ones(3), correction=0, unbiased=True), TypeError, "not both"),
    (lambda: mt.std(mt.ones(3), 1), IndexError, r"std\(\): Dimension out of range"),
    (lambda: mt.logsumexp(mt.ones(3), None), TypeError, r"logsumexp\(\): dim is required"),
    (lambda: mt.logsumexp(mt.ones(3), 1), IndexError, r"logsumexp\(\): Dimension out of"),
    (lambda: mt.norm(mt.tensor([3, 4])), RuntimeError, r"norm\(\): Expected a floating point"),
    (lambda: mt.norm(mt.ones(2, 2, 2), "nuc"), RuntimeError, r"dim must be a 2-tuple. Got 0 1 2"),
    (lambda: mt.norm(mt.ones(2, 2, 2), "fro", (0, 1, 2)), RuntimeError, "dim must be a 2-tuple"),
    (lambda: mt.norm(mt.ones(0), INF), RuntimeError, r"cannot compute the inf norm over no"),
    (lambda: mt.norm(mt.ones(2, 0), -1, 1), RuntimeError, r"the -1.0 norm over no elements"),
    (lambda: mt.norm(mt.ones(2), 2, 1), IndexError, r"norm\(\): Dimension out of range"),
]


@pytest.mark.parametrize("call,error,match", ERRORS)
def test_errors(call, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=match):
            call()
