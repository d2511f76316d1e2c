"""cross_entropy (the fused op and probability targets) and nll_loss: values and gradients
against PyTorch for every option, against the composition of ops, and second derivatives."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import assert_same, check_gradients, compare_with_torch

REDUCTIONS = ["none", "mean", "sum"]


@st.composite
def problems(draw, max_batch=4, max_side=3):
    """Logits (C,), (N, C) or (N, C, d1, ..., dK), class indices with some ignored, options."""
    n_classes = draw(st.integers(1, 5))
    if draw(st.integers(0, 4)) == 0:
        shape = (n_classes,)
    else:
        extra = draw(st.lists(st.integers(1, max_side), max_size=2))
        shape = (draw(st.integers(0, max_batch)), n_classes, *extra)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    ignore_index = draw(st.sampled_from([-100, 0, n_classes - 1, 7]))
    target_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    target = rng.integers(0, n_classes, target_shape)
    target = np.where(rng.random(target_shape) < 0.25, ignore_index, target)
    weight = rng.uniform(0.2, 2.0, n_classes) if draw(st.booleans()) else None
    return rng.standard_normal(shape) * 2, target, weight, ignore_index, rng


def loss_fn(lib, name, target, weight, ignore_index, reduction, **kwargs):
    tensor = mt.tensor if lib is F else torch.tensor
    w = None if weight is None else tensor(weight)
    return lambda x: getattr(lib, name)(
        x, tensor(target), w, ignore_index=ignore_index, reduction=reduction, **kwargs
    )


@pytest.mark.parametrize(
    "name,smoothing", [("cross_entropy", 0.0), ("cross_entropy", 0.3), ("nll_loss", None)]
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data())
def test_class_indices_match_torch(name, smoothing, dtype, data):
    logits, target, weight, ignore_index, rng = data.draw(problems())
    kwargs = {} if smoothing is None else {"label_smoothing": smoothing}
    weight = None if weight is None else weight.astype(dtype)
    for reduction in REDUCTIONS:
        compare_with_torch(
            loss_fn(F, name, target, weight, ignore_index, reduction, **kwargs),
            loss_fn(TF, name, target, weight, ignore_index, reduction, **kwargs),
            [logits.astype(dtype)],
            rng=rng,
        )


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data())
def test_probability_targets_match_torch(smoothing, dtype, data):
    logits, _, weight, _, rng = data.draw(problems())
    dim = 1 if logits.ndim > 1 else 0
    probs = np.exp(rng.standard_normal(logits.shape))
    probs = probs / probs.sum(dim, keepdims=True)
    arrays = [logits, probs] + ([] if weight is None else [weight])
    for reduction in REDUCTIONS:
        kwargs = {"reduction": reduction, "label_smoothing": smoothing}
        compare_with_torch(  # gradients for the logits, the target and the weight
            lambda x, p, *w, k=kwargs: F.cross_entropy(x, p, *w, **k),
            lambda x, p, *w, k=kwargs: TF.cross_entropy(x, p, *w, **k),
            [a.astype(dtype) for a in arrays],
            rng=rng,
        )


@settings(max_examples=5)
@given(data=st.data())
def test_gradcheck_and_gradgradcheck(data):
    logits, target, weight, ignore_index, _ = data.draw(problems(max_batch=2, max_side=2))
    all_ignored = (target == ignore_index).all()
    for reduction in ["none", "sum"] if all_ignored else REDUCTIONS:  # mean: nan
        for name, kwargs in [
            ("cross_entropy", {}),
            ("cross_entropy", {"label_smoothing": 0.2}),
            ("nll_loss", {}),
        ]:
            check_gradients(
                loss_fn(F, name, target, weight, ignore_index, reduction, **kwargs), [logits]
            )
        probs = np.abs(np.random.default_rng(0).standard_normal(logits.shape))
        check_gradients(
            lambda x, p, r=reduction: F.cross_entropy(x, p, reduction=r, label_smoothing=0.1),
            [logits, probs],
        )


# --- the fused op against compositions and PyTorch's second derivatives -------------------------


def composed(x, target, weight, ignore_index, reduction, label_smoothing):
    """cross_entropy built from log_softmax and nll_loss, smoothing written out as PyTorch."""
    log_p = mt.log_softmax(x, 1)
    t = mt.tensor(target)
    w = None if weight is None else mt.tensor(weight)
    nll = F.nll_loss(log_p, t, w, ignore_index=ignore_index, reduction=reduction)
    if not label_smoothing:
        return nll
    terms = log_p if w is None else log_p * w.reshape(1, -1)
    keep = mt.tensor(target != ignore_index)
    smooth = mt.where(keep, -terms.sum(1), 0.0)
    total = (
        keep.sum() if w is None else mt.where(keep, w[mt.tensor(np.maximum(target, 0))], 0.0).sum()
    )
    smooth = {"none": smooth, "sum": smooth.sum(), "mean": smooth.sum() / total}[reduction]
    n_classes = x.shape[1]
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / n_classes)


def derivatives(fn, x, lib=mt):
    """The loss, its gradient, and the gradient of sum(grad ** 2) (a second derivative)."""
    xt = lib.tensor(x, requires_grad=True)
    loss = fn(xt)
    grad_fn = mt.autograd.grad if lib is mt else torch.autograd.grad
    upstream = lib.tensor(np.linspace(0.5, 1.5, int(np.prod(loss.shape))).reshape(loss.shape))
    (gx,) = grad_fn(loss, [xt], upstream, create_graph=True)
    (ggx,) = grad_fn((gx * gx).sum(), [xt])
    return loss, gx, ggx


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
@pytest.mark.parametrize("use_weight", [False, True])
def test_fused_equals_composition_and_torch_second_derivatives(
    reduction, smoothing, use_weight, rng
):
    x = rng.standard_normal((6, 4)) * 3
    target = np.array([0, 3, -100, 1, 2, 3])
    weight = rng.uniform(0.2, 2.0, 4) if use_weight else None
    args = (target, weight, -100, reduction)
    fused = derivatives(loss_fn(F, "cross_entropy", *args, label_smoothing=smoothing), x)
    reference = derivatives(lambda t: composed(t, *args, smoothing), x)
    theirs = derivatives(loss_fn(TF, "cross_entropy", *args, label_smoothing=smoothing), x, torch)
    for mine, comp, torch_value in zip(fused, reference, theirs, strict=True):
        np.testing.assert_allclose(
            mine.detach().numpy(), comp.detach().numpy(), rtol=1e-12, atol=1e-14
        )
        assert_same(mine, torch_value)


def test_fused_equals_gather_composition_on_kdim_input(rng):
    x = rng.standard_normal((2, 3, 4, 2))
    target = rng.integers(0, 3, (2, 4, 2))
    fused = derivatives(lambda t: F.cross_entropy(t, mt.tensor(target)), x)
    gathered = derivatives(
        lambda t: -mt.log_softmax(t, 1).gather(1, mt.tensor(target).unsqueeze(1)).mean(), x
    )
    for mine, reference in zip(fused, gathered, strict=True):
        np.testing.assert_allclose(mine.detach().numpy(), reference.detach().numpy(), rtol=1e-12)


def test_nll_gradient_is_constant(rng):
    x = mt.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    upstream = mt.tensor(2.0, dtype=mt.float64, requires_grad=True)
    loss = F.nll_loss(x, mt.tensor([0, 1, 3]))
    (gx,) = mt.autograd.grad(loss, [x], upstream, create_graph=True)
    assert_same(gx, torch.tensor(np.array([[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 0, -1]]) * 2 / 3))
    # gx depends on the upstream gradient only: the second derivative w.r.t. x is zero
    assert gx.grad_fn is not None and mt.autograd.grad(gx.sum(), [upstream])[0].item() == -1.0


# --- edge cases ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_extreme_logits_stay_finite(dtype):
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0], [0.0, 0.0, 1000.0]], dtype)
    for kwargs in [{}, {"label_smoothing": 0.1}, {"weight": np.array([1.0, 2.0, 0.5], dtype)}]:
        w = kwargs.pop("weight", None)
        out = compare_with_torch(
            loss_fn(F, "cross_entropy", np.array([1, 0, 2]), w, -100, "none", **kwargs),
            loss_fn(TF, "cross_entropy", np.array([1, 0, 2]), w, -100, "none", **kwargs),
            [x],
        )
        assert np.isfinite(out.detach().numpy()).all()


def test_every_target_ignored(rng):
    x = rng.standard_normal((3, 5))
    ignored = np.full(3, -100)
    for reduction, smoothing, weight in [
        ("mean", 0.0, None),
        ("mean", 0.2, np.ones(5)),
        ("sum", 0.0, None),
    ]:
        out = compare_with_torch(  # mean is 0 / 0 = nan and the gradient 0, as PyTorch
            loss_fn(
                F, "cross_entropy", ignored, weight, -100, reduction, label_smoothing=smoothing
            ),
            loss_fn(
                TF, "cross_entropy", ignored, weight, -100, reduction, label_smoothing=smoothing
            ),
            [x],
        )
        assert np.isnan(out.item()) == (reduction == "mean")
    for name in ["cross_entropy", "nll_loss"]:  # zero class weights: nan gradients, as PyTorch
        compare_with_torch(
            loss_fn(F, name, np.array([1, 2, 3]), np.zeros(5), -100, "mean"),
            loss_fn(TF, name, np.array([1, 2, 3]), np.zeros(5), -100, "mean"),
            [x],
        )


def test_empty_batch(rng):
    for reduction, expected in [("mean", np.nan), ("sum", 0.0)]:
        for target in [np.zeros(0, np.int64), np.zeros((0, 4))]:
            out = F.cross_entropy(mt.zeros(0, 4), mt.tensor(target), reduction=reduction)
            np.testing.assert_array_equal(out.numpy(), expected)


def test_unbatched_input_and_byte_targets(rng):
    x = rng.standard_normal(5)
    for target in [np.array(2), np.array([2])]:  # PyTorch accepts a (1,) target for (C,) input
        for name in ["cross_entropy", "nll_loss"]:
            out = compare_with_torch(
                loss_fn(F, name, target, None, -100, "none"),
                loss_fn(TF, name, target, None, -100, "none"),
                [x],
                grad=target.ndim == 0,  # PyTorch's backward fails for the (1,) target
            )
            assert out.shape == ()
    x = rng.standard_normal((3, 4))
    compare_with_torch(
        loss_fn(F, "cross_entropy", np.array([0, 3, 1], np.uint8), None, -100, "sum"),
        loss_fn(TF, "cross_entropy", np.array([0, 3, 1], np.uint8), None, -100, "sum"),
        [x],
    )


def test_probability_targets_promote_like_torch():
    x = mt.zeros(2, 3)
    assert F.cross_entropy(x, mt.full((2, 3), 1 / 3, dtype=mt.float64)).dtype == mt.float64
    assert F.cross_entropy(x, mt.full((2, 3), 1 / 3)).dtype == mt.float32


def test_negative_label_smoothing_is_no_smoothing_like_torch(rng):
    x, t = mt.tensor(rng.standard_normal((3, 4))), mt.tensor([0, 1, 2])
    assert_same(F.cross_entropy(x, t, label_smoothing=-0.5), F.cross_entropy(x, t))


@pytest.mark.parametrize("size_average,reduce", [(False, None), (None, False), (True, True)])
def test_legacy_flags(size_average, reduce, rng):
    x, t = rng.standard_normal((3, 4)), np.array([0, 1, -100])
    for name in ["cross_entropy", "nll_loss"]:
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            out = getattr(F, name)(mt.tensor(x), mt.tensor(t), None, size_average, -100, reduce)
        with pytest.warns(UserWarning):
            expected = getattr(TF, name)(
                torch.tensor(x), torch.tensor(t), None, size_average, -100, reduce
            )
        assert_same(out, expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_many_rows_few_classes(dtype, rng):
    # (N >= 128, C <= 32) takes the class-major reduction path
    x = (rng.standard_normal((300, 7)) * 3).astype(dtype)
    x[5] = [1000.0, -1000.0, 0, 0, 0, 0, 0]
    target = rng.integers(0, 7, 300)
    target[::10] = -100
    weight = rng.uniform(0.5, 2.0, 7).astype(dtype)
    for reduction in REDUCTIONS:
        compare_with_torch(
            loss_fn(F, "cross_entropy", target, weight, -100, reduction, label_smoothing=0.1),
            loss_fn(TF, "cross_entropy", target, weight, -100, reduction, label_smoothing=0.1),
            [x],
            rng=rng,
        )


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "target", "kwargs"),
    [((4, 3), (5, 3), np.array([0, 4, 2, 1]), {}),
     ((3,), (5, 3), np.array(2), {"reduction": "sum", "label_smoothing": 0.1}),
     ((4, 3), (2, 2, 3), np.array([[0, 1], [1, 1], [0, 0], [1, 0]]), {"reduction": "none"}),
     ((4, 3), (5, 3), np.array([0, 4, -100, 1]), {"ignore_index": -100})],
)  # fmt: skip
def test_linear_cross_entropy_matches_torch(x_shape, w_shape, target, kwargs):
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(
        (w_shape[0], *w_shape[1:-1]))  # fmt: skip
    compare_with_torch(
        lambda a, c, d: F.linear_cross_entropy(a, c, mt.tensor(target), linear_bias=d, **kwargs),
        lambda a, c, d: torch.nn.functional.linear_cross_entropy(
            a, c, torch.tensor(target), linear_bias=d, **kwargs),
        [x, w, b],
    )  # fmt: skip
    with pytest.raises(RuntimeError, match="in_features"):
        F.linear_cross_entropy(mt.ones(2, 3), mt.ones(4, 2), mt.tensor([0, 1]))


@pytest.mark.parametrize(
    "options",
    [{}, {"out_features": (2,), "bias": True, "reduction": "sum"},
     {"weight": np.arange(1.0, 5.0), "label_smoothing": 0.2}],
)  # fmt: skip
def test_linear_cross_entropy_module(options):
    ours = mt.nn.LinearCrossEntropyLoss(
        3, 4, **{k: mt.tensor(v) if k == "weight" else v for k, v in options.items()},
        dtype=mt.float64,
    )  # fmt: skip
    theirs = torch.nn.LinearCrossEntropyLoss(
        3, 4, **{k: torch.tensor(v) if k == "weight" else v for k, v in options.items()},
        dtype=torch.float64,
    )  # fmt: skip
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: mt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 3))
    target = rng.integers(0, 4, (5, *options.get("out_features", ())))
    got, want = ours(mt.tensor(x), mt.tensor(target)), theirs(torch.tensor(x), torch.tensor(target))
    assert_same(got.detach(), want.detach())
