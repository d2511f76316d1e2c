"""mse_loss, l1_loss, smooth_l1_loss, huber_loss, kl_div: values and gradients against PyTorch,
gradcheck, and the reduction arguments shared by every loss."""

import warnings
from typing import NamedTuple

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
    "pos": lambda rng, shape: rng.uniform(0.1, 2.0, shape),
}


class Case(NamedTuple):
    name: str  # function name, the same in both libraries
    domains: tuple[str, ...]  # one per positional array; a weight comes last
    kwargs: dict
    weighted: bool = False
    reductions: tuple[str, ...] = ("none", "mean", "sum")


CASES = [
    Case("mse_loss", ("real", "real"), {}),
    Case("mse_loss", ("real", "real", "pos"), {}, weighted=True),
    Case("l1_loss", ("real", "real"), {}),
    Case("l1_loss", ("real", "real", "pos"), {}, weighted=True),
    Case("smooth_l1_loss", ("real", "real"), {}),
    Case("smooth_l1_loss", ("real", "real"), {"beta": 0.5}),
    Case("smooth_l1_loss", ("real", "real"), {"beta": 0.0}),
    Case("huber_loss", ("real", "real"), {}),
    Case("huber_loss", ("real", "real"), {"delta": 0.4}),
    Case("huber_loss", ("real", "real", "pos"), {"delta": 0.7}, weighted=True),
    Case("kl_div", ("real", "pos"), {}, reductions=("none", "batchmean", "sum", "mean")),
    Case("kl_div", ("real", "real"), {"log_target": True}, reductions=("none", "batchmean")),
]
IDS = [f"{c.name}-{'w-' if c.weighted else ''}{c.kwargs}" for c in CASES]


def call(lib, case, arrays, reduction):
    args, kwargs = list(arrays), dict(case.kwargs)
    if case.weighted:
        kwargs["weight"] = args.pop()
    return getattr(lib, case.name)(*args, reduction=reduction, **kwargs)


def make(case, rng, shape, dtype):
    return [DOMAINS[d](rng, shape).astype(dtype) for d in case.domains]


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(
    shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), seed=st.integers(0, 2**16)
)
def test_matches_torch(case, dtype, shape, seed):
    rng = np.random.default_rng(seed)
    arrays = make(case, rng, shape, dtype)
    for reduction in case.reductions:
        compare_with_torch(
            lambda *a, r=reduction: call(F, case, a, r),
            lambda *a, r=reduction: call(TF, case, a, r),
            arrays,
            rng=rng,
        )


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("case", CASES, ids=IDS)
@given(shape=array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3), seed=st.integers(0, 99))
def test_gradcheck(case, shape, seed):
    arrays = make(case, np.random.default_rng(seed), shape, np.float64)
    for reduction in case.reductions:
        check_gradients(lambda *a, r=reduction: call(F, case, a, r), arrays)


# --- broadcasting and size warnings ------------------------------------------------------------


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_size_mismatch_warns_and_broadcasts_like_torch(name, rng):
    x, y = rng.standard_normal((3, 1)), rng.standard_normal(3)
    with pytest.warns(UserWarning, match=r"Using a target size \(microtensor.Size\(\[3\]\)\)"):
        out = compare_with_torch(getattr(F, name), _quiet(getattr(TF, name)), [x, y], rng=rng)
    assert out.shape == ()


def _quiet(fn):
    def run(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)

    return run


def test_size_warning_points_at_the_caller():
    with pytest.warns(UserWarning) as record:
        F.mse_loss(mt.ones(3, 1), mt.ones(3))
    assert record[0].filename == __file__


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"])
def test_shapes_that_do_not_broadcast_name_both(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match=rf"{name}\(\).*\(3, 2\) and \(4,\)"):
            getattr(F, name)(mt.ones(3, 2), mt.ones(4), reduction="sum")


def test_kl_div_broadcasts_without_warning(rng):
    x, y = rng.standard_normal((3, 1)), rng.uniform(0.1, 1, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = compare_with_torch(
            lambda a, b: F.kl_div(a, b, reduction="none"),
            lambda a, b: TF.kl_div(a, b, reduction="none"),
            [x, y],
        )
    assert out.shape == (3, 3)


# --- reduction arguments (shared by every loss) ------------------------------------------------

LEGACY = [(False, None), (None, False), (True, False), (False, True), (True, True), (None, True)]


@pytest.mark.parametrize("size_average,reduce", LEGACY)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "kl_div"])
def test_legacy_size_average_and_reduce(name, size_average, reduce, rng):
    x, y = rng.standard_normal((2, 3)), rng.uniform(0.1, 1, (2, 3))
    expected = _quiet(getattr(TF, name))(torch.tensor(x), torch.tensor(y), size_average, reduce)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        out = getattr(F, name)(mt.tensor(x), mt.tensor(y), size_average, reduce)
    assert_same(out, expected)


def test_legacy_flags_override_reduction(rng):
    x, y = mt.tensor(rng.standard_normal(4)), mt.tensor(rng.standard_normal(4))
    with pytest.warns(UserWarning, match="reduction='none'"):
        out = F.mse_loss(x, y, reduce=False, reduction="sum")
    assert out.shape == (4,)


def test_elementwise_mean_is_a_deprecated_mean(rng):
    x, y = mt.tensor(rng.standard_normal(4)), mt.tensor(rng.standard_normal(4))
    with pytest.warns(UserWarning, match="elementwise_mean' is deprecated"):
        out = F.l1_loss(x, y, reduction="elementwise_mean")
    assert_same(out, F.l1_loss(x, y))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"])
def test_unknown_reduction(name):
    with pytest.raises(ValueError, match=rf"{name}\(\): avg is not a valid value for reduction"):
        getattr(F, name)(mt.ones(2), mt.ones(2), reduction="avg")


def test_mean_of_empty_is_nan_without_numpy_warnings():
    x = mt.zeros(0, 3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.mse_loss(x, mt.zeros(0, 3))
        loss.backward()
    assert np.isnan(loss.item()) and x.grad.shape == (0, 3)


# --- dtypes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_integer_inputs_are_rejected(name):
    with pytest.raises(NotImplementedError, match=rf"{name}\(\).*microtensor.int64"):
        getattr(F, name)(mt.tensor([1, 2]), mt.tensor([1, 3]))


def test_dtypes_promote_like_torch():
    assert F.mse_loss(mt.tensor([1, 2]), mt.tensor([1.0, 3.0])).dtype == mt.float32
    f64 = mt.tensor([1.0, 3.0], dtype=mt.float64)
    assert F.mse_loss(mt.tensor([1.0, 2.0]), f64).dtype == mt.float64


def test_non_tensor_arguments():
    with pytest.raises(
        TypeError, match=r"mse_loss\(\): argument 'target' must be Tensor, not list"
    ):
        F.mse_loss(mt.ones(2), [1.0, 2.0])


# --- option checks -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_weight_must_match_the_input(name):
    with pytest.raises(ValueError, match=r"Weights and input must have the same size.*\(3,\)"):
        getattr(F, name)(mt.ones(3), mt.ones(3), weight=mt.ones(1))


def test_smooth_l1_rejects_negative_beta():
    with pytest.raises(RuntimeError, match="does not support negative values for beta"):
        F.smooth_l1_loss(mt.ones(3), mt.zeros(3), beta=-1.0)


@pytest.mark.parametrize("delta", [0.0, -1.0])
def test_huber_rejects_non_positive_delta(delta):
    with pytest.raises(RuntimeError, match="does not support non-positive values for delta"):
        F.huber_loss(mt.ones(3), mt.zeros(3), delta=delta)


def test_smooth_l1_and_huber_kinks_match_torch():
    # exactly at |d| = beta and at d = 0 the gradient picks the same side as PyTorch
    x, y = np.array([0.0, 1.0, -1.0, 0.5, 2.0]), np.zeros(5)
    for name, kw in [("smooth_l1_loss", {"beta": 1.0}), ("huber_loss", {"delta": 1.0})]:
        compare_with_torch(
            lambda a, b, n=name, k=kw: getattr(F, n)(a, b, reduction="sum", **k),
            lambda a, b, n=name, k=kw: getattr(TF, n)(a, b, reduction="sum", **k),
            [x, y],
        )


# --- kl_div ------------------------------------------------------------------------------------


def test_kl_div_mean_warns_like_torch():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(mt.zeros(2, 2), mt.ones(2, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.kl_div(mt.zeros(2, 2), mt.ones(2, 2), reduction="batchmean")
    with pytest.warns(UserWarning) as record:  # the legacy flags warn, but not about 'mean'
        F.kl_div(mt.zeros(2, 2), mt.ones(2, 2), size_average=True)
    assert [str(w.message)[:25] for w in record] == ["size_average and reduce a"]


def test_kl_div_zero_and_negative_targets():
    x = np.array([-1.0, -2.0, -0.5])
    t = np.array([0.0, 0.5, -0.3])
    out = F.kl_div(mt.tensor(x), mt.tensor(t), reduction="none")
    assert_same(out, TF.kl_div(torch.tensor(x), torch.tensor(t), reduction="none"))
    assert out[0].item() == 0.0 and np.isnan(out[2].item())
    # the gradient w.r.t. the input at a zero target is 0, and w.r.t. the target finite
    xi, ti = mt.tensor(x[:2], requires_grad=True), mt.tensor(t[:2], requires_grad=True)
    gx, gt = mt.autograd.grad(F.kl_div(xi, ti, reduction="sum"), [xi, ti])
    assert_same(gx, torch.tensor([-0.0, -0.5], dtype=torch.float64))
    np.testing.assert_allclose(gt.numpy(), [1.0, np.log(0.5) + 1 + 2.0])


def test_kl_div_batchmean_edge_cases():
    assert_same(
        F.kl_div(mt.tensor(-1.0), mt.tensor(0.3), reduction="batchmean"),
        TF.kl_div(torch.tensor(-1.0), torch.tensor(0.3), reduction="batchmean"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(F.kl_div(mt.zeros(0, 2), mt.ones(0, 2), reduction="batchmean").item())


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_fused_mse_equals_the_composition_and_has_second_derivatives(reduction):
    rng = np.random.default_rng(3)
    a = mt.tensor(rng.standard_normal((4, 3)), dtype=mt.float64, requires_grad=True)
    b = mt.tensor(rng.standard_normal((4, 3)), dtype=mt.float64, requires_grad=True)
    fused = mt.nn.functional.mse_loss(a, b, reduction=reduction)
    assert fused.grad_fn.name() == "MseLossBackward0"  # one node, named as torch's
    composed = ((a - b) ** 2).mean() if reduction == "mean" else ((a - b) ** 2).sum()
    np.testing.assert_allclose(fused.item(), composed.item(), rtol=1e-14)
    ga = mt.autograd.grad(fused, [a, b])
    gb = mt.autograd.grad(composed, [a, b])
    for x, y in zip(ga, gb, strict=True):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-14)

    def fn(x, y):
        return mt.nn.functional.mse_loss(x, y, reduction=reduction)

    assert mt.autograd.gradcheck(fn, (a, b))
    assert mt.autograd.gradgradcheck(fn, (a, b))
