"""nn.functional activations against torch: values, gradients, second derivatives, extremes."""

import warnings

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

DTYPES = [np.float64, np.float32]
SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


def avoiding(*kinks, low=-5.0, high=5.0):
    """Uniform values on [low, high], kept at least 0.1 from each kink (gradcheck steps over none)."""

    def draw(rng, shape):
        x = np.asarray(rng.uniform(low, high, size=shape))
        for k in kinks:
            x = np.where(np.abs(x - k) < 0.1, x + 0.2 * np.sign(x - k + 1e-9), x)
        return x

    return draw


smooth = avoiding()

# id, microtensor function, torch function, input domain (kinks avoided)
ACTIVATIONS = [
    ("relu", F.relu, TF.relu, avoiding(0)),
    ("leaky_relu", F.leaky_relu, TF.leaky_relu, avoiding(0)),
    (
        "leaky_relu_0.2",
        lambda x: F.leaky_relu(x, 0.2),
        lambda x: TF.leaky_relu(x, 0.2),
        avoiding(0),
    ),
    ("elu", F.elu, TF.elu, avoiding(0)),
    ("elu_0.5", lambda x: F.elu(x, alpha=0.5), lambda x: TF.elu(x, alpha=0.5), avoiding(0)),
    ("selu", F.selu, TF.selu, avoiding(0)),
    ("celu_1.5", lambda x: F.celu(x, 1.5), lambda x: TF.celu(x, 1.5), avoiding(0)),
    ("gelu", F.gelu, TF.gelu, smooth),
    (
        "gelu_tanh",
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: TF.gelu(x, approximate="tanh"),
        smooth,
    ),
    ("silu", F.silu, TF.silu, smooth),
    ("mish", F.mish, TF.mish, smooth),
    ("softplus", F.softplus, TF.softplus, smooth),
    (
        "softplus_2_3",
        lambda x: F.softplus(x, 2.0, 3.0),
        lambda x: TF.softplus(x, 2.0, 3.0),
        avoiding(1.5),
    ),
    ("sigmoid", F.sigmoid, torch.sigmoid, smooth),
    ("tanh", F.tanh, torch.tanh, smooth),
    ("hardtanh", F.hardtanh, TF.hardtanh, avoiding(-1, 1, low=-2, high=2)),
    (
        "hardtanh_-2_0.5",
        lambda x: F.hardtanh(x, -2.0, 0.5),
        lambda x: TF.hardtanh(x, -2.0, 0.5),
        avoiding(-2, 0.5),
    ),
    ("relu6", F.relu6, TF.relu6, avoiding(0, 6, low=-3, high=8)),
    # torch's hardsigmoid gradient uses float32's 1/6 even in float64; relu6(x + 3) / 6 is
    # the same function with the exact slope (checked against hardsigmoid itself below)
    ("hardsigmoid", F.hardsigmoid, lambda x: TF.relu6(x + 3) / 6, avoiding(-3, 3)),
    ("hardswish", F.hardswish, TF.hardswish, avoiding(-3, 3)),
    ("logsigmoid", F.logsigmoid, TF.logsigmoid, smooth),
    ("softsign", F.softsign, TF.softsign, avoiding(0)),
    ("tanhshrink", F.tanhshrink, TF.tanhshrink, smooth),
    (
        "threshold",
        lambda x: F.threshold(x, 0.5, -2.0),
        lambda x: TF.threshold(x, 0.5, -2.0),
        avoiding(0.5),
    ),
    ("softmin", lambda x: F.softmin(x, dim=-1), lambda x: TF.softmin(x, dim=-1), smooth),
    ("softmax", lambda x: F.softmax(x, dim=0), lambda x: TF.softmax(x, dim=0), smooth),
    ("log_softmax", lambda x: F.log_softmax(x, -1), lambda x: TF.log_softmax(x, -1), smooth),
]
IDS = [a[0] for a in ACTIVATIONS]


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", ACTIVATIONS, ids=IDS)
@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=SHAPES, seed=st.integers(0, 2**16))
def test_matches_torch(name, mt_fn, torch_fn, domain, dtype, shape, seed):
    if name in ("softmax", "softmin", "log_softmax") and 0 in shape[:1]:
        shape = (1,) + shape[1:]
    rng = np.random.default_rng(seed)
    compare_with_torch(mt_fn, torch_fn, [domain(rng, shape).astype(dtype)], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", ACTIVATIONS, ids=IDS)
@pytest.mark.parametrize("shape", [(), (2, 3)], ids=str)
def test_gradcheck_and_gradgradcheck(name, mt_fn, torch_fn, domain, shape):
    check_gradients(mt_fn, [domain(np.random.default_rng(1), shape)])


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", ACTIVATIONS, ids=IDS)
def test_second_derivative_matches_torch(name, mt_fn, torch_fn, domain):
    rng = np.random.default_rng(2)
    data, up, up2 = domain(rng, (4, 3)), rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    x = mt.tensor(data, requires_grad=True)
    (g,) = mt.autograd.grad(mt_fn(x), x, mt.tensor(up), create_graph=True)
    tx = torch.tensor(data, requires_grad=True)
    (tg,) = torch.autograd.grad(torch_fn(tx), tx, torch.tensor(up), create_graph=True)
    (tgg,) = torch.autograd.grad(tg, tx, torch.tensor(up2))
    if not g.requires_grad:  # piecewise linear: the gradient is constant in x
        assert not np.any(tgg.numpy())
        return
    (gg,) = mt.autograd.grad(g, x, mt.tensor(up2))
    assert_same(gg, tgg)


def test_hardsigmoid_gradient_matches_torch_to_its_float32_slope():
    data = avoiding(-3, 3)(np.random.default_rng(0), (50,))
    x, tx = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    F.hardsigmoid(x).sum().backward()
    TF.hardsigmoid(tx).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-7)
    assert set(np.unique(x.grad.numpy())) == {0.0, 1 / 6}


# --- PyTorch's choices at kinks and nan --------------------------------------------------------

KINKS = [-6.0, -3.0, -1.0, 0.0, 0.5, 1.0, 3.0, 6.0, np.nan]
AT_KINKS = [a for a in ACTIVATIONS if a[0] not in ("softmin", "softmax", "log_softmax")]


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", AT_KINKS, ids=[a[0] for a in AT_KINKS])
def test_gradient_at_kinks_and_nan_matches_torch(name, mt_fn, torch_fn, domain):
    torch_fn = TF.hardsigmoid if name == "hardsigmoid" else torch_fn
    x = mt.tensor(KINKS, dtype=mt.float64, requires_grad=True)
    tx = torch.tensor(KINKS, dtype=torch.float64, requires_grad=True)
    assert_same(mt_fn(x), torch_fn(tx).detach())
    mt_fn(x).backward(mt.ones(len(KINKS), dtype=mt.float64))
    torch_fn(tx).backward(torch.ones(len(KINKS), dtype=torch.float64))
    np.testing.assert_allclose(
        x.grad.numpy(), tx.grad.numpy(), rtol=1e-7, atol=1e-12, equal_nan=True
    )


# --- extreme inputs: no overflow, no warnings, PyTorch's values --------------------------------

EXTREMES = [-np.inf, -1000.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1000.0, np.inf]


@pytest.mark.parametrize("name,mt_fn,torch_fn,domain", AT_KINKS, ids=[a[0] for a in AT_KINKS])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_extreme_inputs_match_torch_without_warnings(name, mt_fn, torch_fn, domain, dtype):
    values = np.array(EXTREMES, dtype=dtype)
    if name == "gelu" and dtype == "float32":
        values = values[:-1]  # torch's float32 gelu gives nan at +inf; the limit is inf
    x = mt.tensor(values, requires_grad=True)
    up = np.random.default_rng(0).standard_normal(values.shape).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = mt_fn(x)
        y.backward(mt.tensor(up))
    tx = torch.tensor(values, requires_grad=True)
    ty = torch_fn(tx)
    ty.backward(torch.tensor(up))
    assert_same(y, ty)
    finite = np.isfinite(values)
    if name == "softsign":  # torch's composite gives nan at +-inf; the limit is 0
        assert np.all(x.grad.numpy()[~finite] == 0)
        values = values[finite]
        assert_same(x.grad[mt.tensor(finite)], tx.grad[torch.tensor(finite)])
    else:
        assert_same(x.grad, tx.grad)


@pytest.mark.parametrize("dtype", [mt.float32, mt.float64])
def test_softplus_and_logsigmoid_do_not_overflow_beyond_torch_threshold(dtype):
    x = mt.tensor([-1000.0, 1000.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sp = F.softplus(x, threshold=1e9)  # no linear shortcut: the stable form must hold
        ls = F.logsigmoid(x)
    assert sp.tolist() == [0.0, 1000.0]
    assert ls.tolist() == [-1000.0, 0.0]
    assert sp.dtype == dtype and ls.dtype == dtype


def test_gelu_exact_has_no_cancellation_far_below_zero():
    x = mt.tensor([-10.0, -20.0], dtype=mt.float64)
    # x * Phi(x) with Phi(-10) = 7.6198530241605e-24, Phi(-20) = 2.7536241186062e-89
    expected = np.array([-10 * 7.6198530241605e-24, -20 * 2.7536241186062e-89])
    np.testing.assert_allclose(F.gelu(x).numpy(), expected, rtol=1e-12)


# --- prelu ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shape,weights", [((), 1), ((5,), 1), ((4, 3), 3), ((2, 3, 4), 3), ((2, 3, 2, 2), 1)], ids=str
)
def test_prelu_matches_torch(dtype, shape, weights):
    rng = np.random.default_rng(0)
    x = avoiding(0)(rng, shape).astype(dtype)
    w = rng.uniform(0.0, 0.5, weights).astype(dtype)
    compare_with_torch(F.prelu, TF.prelu, [x, w], rng=rng)
    check_gradients(F.prelu, [x.astype(np.float64), w.astype(np.float64)])


def test_prelu_errors_match_torch():
    with pytest.raises(
        RuntimeError, match=r"prelu\(\): Mismatch of parameter numbers .* = 3 .* size = 4"
    ):
        F.prelu(mt.ones(2, 4), mt.ones(3))
    with pytest.raises(RuntimeError, match=r"channel size = 1"):
        F.prelu(mt.ones(3), mt.ones(3))
    with pytest.raises(RuntimeError, match=r"scalar or 1D tensor, but got: ndim = 2"):
        F.prelu(mt.ones(3), mt.ones(1, 1))
