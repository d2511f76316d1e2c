"""binary_cross_entropy and the fused binary_cross_entropy_with_logits: against PyTorch and
against the composition of ops, first and second derivatives, extreme values, errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import assert_same, check_gradients, compare_with_torch

REDUCTIONS = ["none", "mean", "sum"]


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


@st.composite
def problems(draw, dtype=np.float64):
    """Logits, targets, and optional weight / pos_weight shaped to broadcast as PyTorch allows."""
    shape = draw(array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = np.asarray(rng.standard_normal(shape) * 3, dtype=dtype)
    y = rng.random(shape).astype(dtype)

    def constant(kind):
        if kind == "none":
            return None
        sub = shape[-1:] if kind == "last" else shape
        return rng.uniform(0.2, 3.0, sub).astype(dtype)

    weight = constant(draw(st.sampled_from(["none", "last", "full"])))
    pos_weight = constant(draw(st.sampled_from(["none", "last", "full"])))
    return x, y, weight, pos_weight, rng


def with_weights(lib, fn_name, weight, pos_weight, reduction):
    tensor = mt.tensor if lib is F else torch.tensor
    kwargs = {"reduction": reduction}
    if weight is not None:
        kwargs["weight"] = tensor(weight)
    if pos_weight is not None:
        kwargs["pos_weight"] = tensor(pos_weight)
    return lambda x, y: getattr(lib, fn_name)(x, y, **kwargs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data())
def test_with_logits_matches_torch(dtype, data):
    x, y, weight, pos_weight, rng = data.draw(problems(dtype))
    for reduction in REDUCTIONS:
        compare_with_torch(
            with_weights(F, "binary_cross_entropy_with_logits", weight, pos_weight, reduction),
            with_weights(TF, "binary_cross_entropy_with_logits", weight, pos_weight, reduction),
            [x, y],
            rng=rng,
        )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data())
def test_bce_matches_torch(dtype, data):
    x, y, weight, _, rng = data.draw(problems(dtype))
    p = np.asarray(sigmoid(x).clip(1e-3, 1 - 1e-3), dtype=dtype)
    for reduction in REDUCTIONS:
        compare_with_torch(
            with_weights(F, "binary_cross_entropy", weight, None, reduction),
            with_weights(TF, "binary_cross_entropy", weight, None, reduction),
            [p, y],
            rng=rng,
        )


@settings(max_examples=5)
@given(data=st.data())
def test_gradcheck_and_gradgradcheck(data):
    x, y, weight, pos_weight, _ = data.draw(problems())
    if x.size > 12:
        x, y = x.reshape(-1)[:12], y.reshape(-1)[:12]
        weight = pos_weight = None
    for reduction in REDUCTIONS:
        check_gradients(
            with_weights(F, "binary_cross_entropy_with_logits", weight, pos_weight, reduction),
            [x, y],
        )
        check_gradients(
            with_weights(F, "binary_cross_entropy", weight, None, reduction),
            [np.asarray(sigmoid(x)), y],
        )


@pytest.mark.parametrize(
    "name,pos_weight",
    [
        ("binary_cross_entropy", None),
        ("binary_cross_entropy_with_logits", None),
        ("binary_cross_entropy_with_logits", np.array([0.5, 2.0, 3.0])),
    ],
)
def test_second_derivatives_match_torch(name, pos_weight, rng):
    x, y = rng.uniform(0.1, 0.9, (2, 3)), rng.random((2, 3))
    w = rng.random(3)
    kwargs = {"weight": w} if pos_weight is None else {"weight": w, "pos_weight": pos_weight}
    grads = []
    for lib, tensor, grad in [(F, mt.tensor, mt.autograd.grad), (TF, torch.tensor, None)]:
        grad = grad or torch.autograd.grad
        xt, yt = tensor(x, requires_grad=True), tensor(y, requires_grad=True)
        loss = getattr(lib, name)(xt, yt, **{k: tensor(v) for k, v in kwargs.items()})
        gx, gy = grad(loss, [xt, yt], create_graph=True)
        grads.append(grad((gx * gx).sum() + (gy * gx).sum(), [xt, yt]))
    for mine, theirs in zip(*grads, strict=True):
        assert_same(mine, theirs)


# --- fused op against the composition ----------------------------------------------------------


def composed_with_logits(x, y, weight=None, pos_weight=None):
    log_p, log_1mp = mt.log(mt.sigmoid(x)), mt.log(1 - mt.sigmoid(x))
    positive = y * log_p if pos_weight is None else pos_weight * y * log_p
    loss = -(positive + (1 - y) * log_1mp)
    return (loss if weight is None else loss * weight).mean()


@pytest.mark.parametrize("use_weights", [False, True])
def test_fused_with_logits_equals_composition(use_weights, rng):
    x, y = rng.standard_normal((5, 3)) * 2, rng.random((5, 3))
    kwargs = {"weight": mt.tensor(rng.random(3)), "pos_weight": mt.tensor(rng.random(3) * 3)}
    kwargs = kwargs if use_weights else {}
    results = []
    for fn in (F.binary_cross_entropy_with_logits, composed_with_logits):
        xt, yt = mt.tensor(x, requires_grad=True), mt.tensor(y, requires_grad=True)
        loss = fn(xt, yt, **kwargs)
        gx, gy = mt.autograd.grad(loss, [xt, yt], create_graph=True)
        results.append((loss, gx, gy, *mt.autograd.grad((gx**2).sum() + gy.sum(), [xt, yt])))
    for fused, composed in zip(*results, strict=True):
        np.testing.assert_allclose(fused.detach().numpy(), composed.detach().numpy(), rtol=1e-12)


def test_extreme_logits_stay_finite():
    x = np.array([1000.0, -1000.0, 1000.0, -1000.0, 0.0])
    y = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    for pos_weight in [None, np.array(3.0)]:
        out = compare_with_torch(
            with_weights(F, "binary_cross_entropy_with_logits", None, pos_weight, "none"),
            with_weights(TF, "binary_cross_entropy_with_logits", None, pos_weight, "none"),
            [x, y],
        )
        assert np.isfinite(out.detach().numpy()).all()
    xt = mt.tensor(x, dtype=mt.float32, requires_grad=True)
    F.binary_cross_entropy_with_logits(xt, mt.tensor(y, dtype=mt.float32)).backward()
    assert np.isfinite(xt.grad.numpy()).all()


def test_bce_clamps_the_log_at_minus_100_like_torch():
    x = np.array([0.0, 1.0, 0.0, 1.0, 1e-50, 0.5])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.3])
    out = compare_with_torch(
        lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
        lambda a, b: TF.binary_cross_entropy(a, b, reduction="none"),
        [x, y],  # gradients include PyTorch's 1e-12 guard and infinite target gradients
    )
    np.testing.assert_array_equal(out.detach().numpy()[:5], [0.0, 0.0, 100.0, 100.0, 100.0])


def test_dtypes():
    x32, y64 = mt.zeros(3), mt.zeros(3, dtype=mt.float64)
    assert F.binary_cross_entropy_with_logits(x32, y64).dtype == mt.float64
    w64 = mt.ones(3, dtype=mt.float64)
    assert F.binary_cross_entropy_with_logits(x32, mt.zeros(3), weight=w64).dtype == mt.float32
    assert F.binary_cross_entropy(mt.full((3,), 0.5), mt.zeros(3), weight=w64).dtype == mt.float32


@pytest.mark.parametrize("size_average,reduce", [(False, None), (None, False), (True, True)])
def test_legacy_flags(size_average, reduce, rng):
    x, y = rng.standard_normal(4), rng.random(4)
    for name, inp in [
        ("binary_cross_entropy_with_logits", x),
        ("binary_cross_entropy", sigmoid(x)),
    ]:
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            out = getattr(F, name)(mt.tensor(inp), mt.tensor(y), None, size_average, reduce)
        with pytest.warns(UserWarning):
            expected = getattr(TF, name)(
                torch.tensor(inp), torch.tensor(y), None, size_average, reduce
            )
        assert_same(out, expected)


# --- errors ------------------------------------------------------------------------------------

BCE = F.binary_cross_entropy
BCEL = F.binary_cross_entropy_with_logits


@pytest.mark.parametrize(
    "fn,args,kwargs,error,match",
    [
        (BCE, (mt.tensor([1.5]), mt.tensor([1.0])), {}, RuntimeError, "elements of input.*1.5"),
        (BCE, (mt.tensor([np.nan]), mt.tensor([1.0])), {}, RuntimeError, "elements of input"),
        (BCE, (mt.tensor([0.5]), mt.tensor([-0.1])), {}, RuntimeError, "elements of target"),
        (BCE, (mt.full((3, 5), 0.5), mt.ones(5)), {}, ValueError, r"target size .*\[5\]"),
        (BCE, (mt.full((2,), 0.5), mt.ones(2, dtype=mt.float64)), {}, RuntimeError, "Found dtype"),
        (BCE, (mt.zeros(2, dtype=mt.int64), mt.ones(2)), {}, NotImplementedError, "int64"),
        (BCEL, (mt.zeros(3, 5), mt.ones(5)), {}, ValueError, r"Target size \(.*5.*must be the"),
        (BCEL, (mt.zeros(2), mt.ones(2, dtype=mt.int64)), {}, RuntimeError, "must be floating"),
        (BCEL, (mt.zeros(2, dtype=mt.int64), mt.ones(2)), {}, NotImplementedError, "floating"),
        (BCEL, (mt.zeros(3, 5), mt.ones(3, 5)), {"weight": mt.ones(4)}, RuntimeError, r"\(4,\)"),
        (BCEL, (mt.zeros(3, 5), mt.ones(3, 5)), {"pos_weight": mt.ones(2, 3, 5)}, RuntimeError,
         r"output with shape \(3, 5\) doesn't match the broadcast shape \(2, 3, 5\)"),
        (BCEL, (mt.zeros(2), mt.ones(2)), {"weight": mt.ones(2, requires_grad=True)},
         RuntimeError, "not differentiable with respect to argument 'weight'"),
        (BCEL, (mt.zeros(2), mt.ones(2)), {"pos_weight": mt.ones(2, requires_grad=True)},
         RuntimeError, "not differentiable with respect to argument 'pos_weight'"),
        (BCE, (mt.full((2,), 0.5), mt.ones(2)), {"weight": mt.ones(3)}, RuntimeError, r"\(3,\)"),
        (BCE, (mt.full((2,), 0.5), mt.ones(2)), {"reduction": "avg"}, ValueError, "avg is not"),
        (BCEL, ([0.0], mt.ones(1)), {}, TypeError, "argument 'input' must be Tensor, not list"),
    ],
)  # fmt: skip
def test_errors(fn, args, kwargs, error, match):
    with pytest.raises(error, match=match):
        fn(*args, **kwargs)


def test_constant_weights_are_fine_under_no_grad():
    with mt.no_grad():
        out = BCEL(mt.zeros(2), mt.ones(2), weight=mt.ones(2, requires_grad=True))
    assert np.isclose(out.item(), np.log(2.0))
