"""poisson_nll_loss, gaussian_nll_loss, margin_ranking_loss, soft_margin_loss and
cosine_embedding_loss against PyTorch: values, gradients, gradcheck, errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import assert_same, check_gradients, compare_with_torch

DOMAINS = {
    "real": lambda rng, shape: rng.standard_normal(shape),
    "pos": lambda rng, shape: rng.uniform(0.1, 3.0, shape),  # counts both sides of 1
    "sign": lambda rng, shape: rng.choice([-1.0, 1.0], shape),
}
REDUCTIONS = ["none", "mean", "sum"]

# name, domains of the positional arrays, keyword arguments; "sign_int" stays int64
CASES = [
    ("poisson_nll_loss", ("real", "pos"), {}),
    ("poisson_nll_loss", ("real", "pos"), {"full": True}),
    ("poisson_nll_loss", ("pos", "pos"), {"log_input": False}),
    ("poisson_nll_loss", ("pos", "pos"), {"log_input": False, "full": True, "eps": 1e-3}),
    ("gaussian_nll_loss", ("real", "real", "pos"), {}),
    ("gaussian_nll_loss", ("real", "real", "pos"), {"full": True}),
    ("margin_ranking_loss", ("real", "real", "sign"), {}),
    ("margin_ranking_loss", ("real", "real", "sign"), {"margin": 0.5}),
    ("soft_margin_loss", ("real", "sign_int"), {}),
]
IDS = [f"{name}-{kwargs}" for name, _, kwargs in CASES]


def make(domains, rng, shape, dtype):
    return [
        rng.choice([-1, 1], shape) if d == "sign_int" else DOMAINS[d](rng, shape).astype(dtype)
        for d in domains
    ]


@pytest.mark.parametrize("name,domains,kwargs", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(
    shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), seed=st.integers(0, 2**16)
)
def test_matches_torch(name, domains, kwargs, dtype, shape, seed):
    rng = np.random.default_rng(seed)
    arrays = make(domains, rng, shape, dtype)
    for reduction in REDUCTIONS:
        compare_with_torch(
            lambda *a, r=reduction: getattr(F, name)(*a, reduction=r, **kwargs),
            lambda *a, r=reduction: getattr(TF, name)(*a, reduction=r, **kwargs),
            arrays,
            rng=rng,
        )


@pytest.mark.parametrize("name,domains,kwargs", CASES, ids=IDS)
@given(shape=array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3), seed=st.integers(0, 99))
def test_gradcheck(name, domains, kwargs, shape, seed):
    arrays = make(domains, np.random.default_rng(seed), shape, np.float64)
    arrays = [a if a.dtype.kind == "f" else mt.tensor(a) for a in arrays]
    for reduction in REDUCTIONS:
        check_gradients(lambda *a, r=reduction: getattr(F, name)(*a, reduction=r, **kwargs), arrays)


# --- cosine_embedding_loss ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("margin", [0.0, -0.2, 0.5])
@given(n=st.integers(0, 4), d=st.integers(2, 4), batched=st.booleans(), seed=st.integers(0, 99))
def test_cosine_embedding_matches_torch(dtype, margin, n, d, batched, seed):
    # d >= 2: with one feature cos is +-1 and its float32 gradient is all rounding
    rng = np.random.default_rng(seed)
    shape = (n, d) if batched else (d,)
    x1, x2 = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    target = rng.choice([-1, 1, 0], shape[:-1])  # 0: neither case, the loss is 0
    for reduction in REDUCTIONS:
        compare_with_torch(
            lambda a, b, t, r=reduction: F.cosine_embedding_loss(a, b, t, margin, reduction=r),
            lambda a, b, t, r=reduction: TF.cosine_embedding_loss(a, b, t, margin, reduction=r),
            [x1, x2, target],
            rng=rng,
        )


def test_cosine_embedding_gradcheck_and_zero_vectors(rng):
    x1, x2 = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    for reduction in REDUCTIONS:
        check_gradients(
            lambda a, b, r=reduction: F.cosine_embedding_loss(
                a, b, mt.tensor([1, -1, -1]), -0.5, reduction=r
            ),
            [x1, x2],
        )
    x1[0] = 0.0  # the 1e-12 guard keeps a zero vector finite, as in PyTorch
    out = compare_with_torch(
        lambda a, b: F.cosine_embedding_loss(a, b, mt.tensor([1, -1, 1])),
        lambda a, b: TF.cosine_embedding_loss(a, b, torch.tensor([1, -1, 1])),
        [x1, x2],
        grad=False,
    )
    x = mt.tensor(x1, requires_grad=True)
    F.cosine_embedding_loss(x, mt.tensor(x2), mt.tensor([1, -1, 1])).backward()
    assert np.isfinite(x.grad.numpy()).all() and np.isfinite(out.item())


def test_cosine_embedding_errors():
    with pytest.raises(RuntimeError, match=r"0D or 1D target tensor expected"):
        F.cosine_embedding_loss(mt.ones(2, 3), mt.ones(2, 3), mt.ones(1, 2))
    with pytest.raises(RuntimeError, match=r"1D target tensor expects 2D input tensors.*\(3,\)"):
        F.cosine_embedding_loss(mt.ones(3), mt.ones(3), mt.ones(1))
    with pytest.raises(RuntimeError, match=r"0D target tensor expects 1D input.*\(2, 3\)"):
        F.cosine_embedding_loss(mt.ones(2, 3), mt.ones(2, 3), mt.tensor(1))
    with pytest.raises(RuntimeError, match=r"cosine_embedding_loss\(\).*\(2, 3\) and \(2, 4\)"):
        F.cosine_embedding_loss(mt.ones(2, 3), mt.ones(2, 4), mt.ones(2))
    with pytest.raises(RuntimeError, match=r"cosine_embedding_loss\(\).*\(2,\) and \(3,\)"):
        F.cosine_embedding_loss(mt.ones(2, 3), mt.ones(2, 3), mt.ones(3))


# --- margin_ranking_loss and soft_margin_loss --------------------------------------------------


def test_margin_ranking_broadcasts_and_checks_dims(rng):
    x1, x2, t = rng.standard_normal(3), rng.standard_normal(1), rng.choice([-1.0, 1.0], 3)
    out = compare_with_torch(
        lambda a, b, c: F.margin_ranking_loss(a, b, c, reduction="none"),
        lambda a, b, c: TF.margin_ranking_loss(a, b, c, reduction="none"),
        [x1, x2, t],
    )
    assert out.shape == (3,)
    with pytest.raises(RuntimeError, match=r"same dimension.*input2: microtensor.Size\(\[1, 3\]\)"):
        F.margin_ranking_loss(mt.ones(3), mt.ones(1, 3), mt.ones(3))
    with pytest.raises(RuntimeError, match=r"margin_ranking_loss\(\).*\(3,\) and \(4,\)"):
        F.margin_ranking_loss(mt.ones(3), mt.ones(4), mt.ones(3))


def test_soft_margin_is_stable_for_large_margins():
    x = mt.tensor([1000.0, -1000.0, 0.0], requires_grad=True)
    loss = F.soft_margin_loss(x, mt.tensor([-1.0, -1.0, 1.0]), reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), [1000.0, 0.0, np.log(2.0)], rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 0.0, -0.5])


def test_soft_margin_errors():
    with pytest.raises(RuntimeError, match=r"output with shape \(3, 1\) doesn't match .*\(3, 3\)"):
        F.soft_margin_loss(mt.ones(3, 1), mt.ones(3))
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'target'"):
        F.soft_margin_loss(mt.ones(3), mt.ones(3, requires_grad=True))
    with mt.no_grad():
        F.soft_margin_loss(mt.ones(3), mt.ones(3, requires_grad=True))


# --- gaussian_nll_loss: var shapes and clamping, poisson_nll_loss ------------------------------

VAR_SHAPES = [(4, 3), (4,), (4, 1), (1, 3)]


@pytest.mark.parametrize("var_shape", VAR_SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_var_shapes(var_shape, reduction, rng):
    x, y, var = rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), rng.random(var_shape)
    var.flat[0] = 1e-9  # below eps: clamped, and the gradient passes the clamp unchanged
    compare_with_torch(
        lambda a, b, v: F.gaussian_nll_loss(a, b, v, reduction=reduction),
        lambda a, b, v: TF.gaussian_nll_loss(a, b, v, reduction=reduction),
        [x, y, var],
    )


def test_gaussian_float_var_and_broadcast_target(rng):
    x, y = rng.standard_normal((4, 3)), rng.standard_normal(3)
    for var in [0.5, 2]:
        compare_with_torch(
            lambda a, b, v=var: F.gaussian_nll_loss(a, b, v, full=True),
            lambda a, b, v=var: TF.gaussian_nll_loss(a, b, float(v), full=True),
            [x, y],
        )


def test_gaussian_errors():
    with pytest.raises(ValueError, match=r"var is of incorrect size.*\(3,\) for input \(4, 3\)"):
        F.gaussian_nll_loss(mt.ones(4, 3), mt.ones(4, 3), mt.ones(3))
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(mt.ones(4, 3), mt.ones(4, 3), mt.ones(1, 1))
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(mt.ones(4, 3), mt.ones(4, 3), -mt.ones(4, 3))
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(mt.ones(4, 3), mt.ones(4, 3), -1.0)
    with pytest.raises(ValueError, match="avg is not valid"):
        F.gaussian_nll_loss(mt.ones(4, 3), mt.ones(4, 3), mt.ones(4, 3), reduction="avg")


def test_poisson_broadcasts_and_rejects_bad_reduction(rng):
    x, y = rng.standard_normal((3, 1)), rng.uniform(0, 3, 3)
    out = compare_with_torch(
        lambda a, b: F.poisson_nll_loss(a, b, full=True, reduction="none"),
        lambda a, b: TF.poisson_nll_loss(a, b, full=True, reduction="none"),
        [x, y],
    )
    assert out.shape == (3, 3)
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        F.poisson_nll_loss(mt.ones(2), mt.ones(2), reduction="avg")


@pytest.mark.parametrize("name", ["margin_ranking_loss", "cosine_embedding_loss"])
def test_legacy_flags(name, rng):
    x1, x2, t = rng.standard_normal((2, 3)), rng.standard_normal((2, 3)), np.array([1.0, -1.0])
    if name == "margin_ranking_loss":
        x1, x2 = x1[:, 0], x2[:, 0]
    with pytest.warns(UserWarning, match="please use reduction='sum'"):
        out = getattr(F, name)(mt.tensor(x1), mt.tensor(x2), mt.tensor(t), size_average=False)
    with pytest.warns(UserWarning):
        expected = getattr(TF, name)(
            torch.tensor(x1), torch.tensor(x2), torch.tensor(t), size_average=False
        )
    assert_same(out, expected)
