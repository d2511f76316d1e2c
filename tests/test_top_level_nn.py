"""torch's aten-style nn functions at the top level (microtensor/_nn_top_level.py and
_loss_top_level.py): values and gradients against torch, torch's argument names, gradcheck."""

from __future__ import annotations

import functools
import inspect

import numpy as np
import pytest
import torch

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import assert_same, check_gradients, compare_with_torch

rng = np.random.default_rng(21)


def _x(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


class _Const:
    """An array both frameworks get as a tensor without requires_grad."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array


def _unwrap(args: tuple, tensor) -> list:
    return [tensor(a.array) if isinstance(a, _Const) else a for a in args]


def _sign(*shape: int) -> np.ndarray:
    return np.where(rng.standard_normal(shape) > 0, 1.0, -1.0)


_CTC = (
    np.log(np.exp(_x(6, 2, 4)) / np.exp(_x(6, 2, 4)).sum(-1, keepdims=True)),
    np.array([[1, 2, 2], [3, 1, 0]]),
    [6, 5],
    [3, 2],
)

# name -> positional arguments; float arrays get requires_grad (see compare_with_torch)
CASES = {
    "convolution": (_x(1, 2, 5), _x(3, 2, 2), _x(3), [2], [1], [1], False, [0], 1),
    "convolution_transposed": (
        _x(1, 2, 4, 3),
        _x(2, 3, 2, 2),
        None,
        [2, 1],
        [0, 1],
        [1, 1],
        True,
        [1, 0],
        1,
    ),
    "max_pool1d": (_x(1, 2, 7), 2),
    "max_pool1d_with_indices": (_x(2, 6), 3, 2, 1),
    "max_pool2d": (_x(1, 1, 4, 5), [2, 2], [], 0, 1, True),
    "max_pool3d": (_x(1, 1, 4, 4, 4), 2, 1),
    "adaptive_max_pool1d": (_x(1, 2, 7), 3),
    "embedding": (_x(5, 3), np.array([[1, 4], [1, 0]]), 1),
    "embedding_negative_padding": (_x(5, 3), np.array([1, 4, 4]), -1, True),
    "embedding_plain": (_x(5, 3), np.array([1, 4, 4])),
    "layer_norm": (_x(2, 3, 4), [4], _x(4), _x(4), 1e-5, True),
    "group_norm": (_x(2, 4, 3), 2, _x(4), _x(4), 1e-5, True),
    "batch_norm": (_x(4, 3), _x(3), _x(3), None, None, True, 0.1, 1e-5, False),
    "instance_norm": (_x(2, 3, 4), _x(3), _x(3), None, None, True, 0.1, 1e-5, False),
    "selu": (_x(3, 4),),
    "celu": (_x(3, 4), 0.5),  # torch rounds 1 / alpha to float32 in backward
    "threshold": (_x(3, 4), 0.1, -2.0),
    "rrelu": (_x(3, 4), 0.1, 0.3, False, None),
    "native_channel_shuffle": (_x(1, 4, 2), 2),
    "affine_grid_generator": (_x(2, 2, 3), [2, 1, 3, 4], False),
    "kl_div": (_x(3, 4), _x(3, 4) ** 2, 0),
    "kl_div_log_target": (_x(3, 4), _x(3, 4), 2),
    "binary_cross_entropy_with_logits": (
        _x(3, 4),
        rng.random((3, 4)),
        _Const(_x(4)),
        _Const(np.abs(_x(4))),
        2,
    ),
    "cosine_embedding_loss": (_x(3, 4), _x(3, 4), _sign(3), 0.1, 0),
    "margin_ranking_loss": (_x(5), _x(5), _sign(5), 0.2, 1),
    "hinge_embedding_loss": (_x(3, 4), _sign(3, 4), 0.5, 2),
    "triplet_margin_loss": (_x(3, 4), _x(3, 4), _x(3, 4), 1.0, 2.0, 1e-6, True, 1),
    "poisson_nll_loss": (_x(3, 4), rng.random((3, 4)) * 3, True, True, 1e-8, 1),
    "poisson_nll_loss_rate": (np.abs(_x(3, 4)), rng.random((3, 4)), False, False, 1e-8, 0),
    "ctc_loss": (*_CTC, 0, 1, False),
}

_VARIANTS = ("_plain", "_transposed", "_negative_padding", "_log_target", "_rate")


def _name(case: str) -> str:
    for suffix in _VARIANTS:
        case = case.removesuffix(suffix)
    return case


def _keywords(name: str, args: tuple) -> tuple[tuple, dict]:
    """Positional args before microtensor's keyword-only ones, the rest by keyword."""
    params = inspect.signature(getattr(mt, name)).parameters
    names = [p for p, v in params.items() if v.kind is v.POSITIONAL_OR_KEYWORD]
    if name == "kl_div" and len(args) == 4:
        return args[:3], {"log_target": args[3]}
    return (), dict(zip(names, args, strict=False))


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_torch(case):
    name, args = _name(case), CASES[case]
    if case == "kl_div_log_target":
        args = (*args, True)
    pos, kw = _keywords(name, args)
    nargs = len(pos)

    # by keyword with microtensor's names: torch accepts the same names
    def mt_fn(*a):
        a = _unwrap(a, mt.tensor)
        return getattr(mt, name)(*a[:nargs], **dict(zip(kw, a[nargs:], strict=True)))

    def torch_fn(*a):
        a = _unwrap(a, torch.tensor)
        return getattr(torch, name)(*a[:nargs], **dict(zip(kw, a[nargs:], strict=True)))

    no_derivative_in_torch = name == "native_channel_shuffle"
    compare_with_torch(mt_fn, torch_fn, [*pos, *kw.values()], grad=not no_derivative_in_torch)


@pytest.mark.parametrize(
    "case",
    [
        "convolution",
        "convolution_transposed",
        "embedding_plain",
        "layer_norm",
        "group_norm",
        "batch_norm",
        "instance_norm",
        "selu",
        "celu",
        "threshold",
        "kl_div",
        "binary_cross_entropy_with_logits",
        "cosine_embedding_loss",
        "margin_ranking_loss",
        "triplet_margin_loss",
        "poisson_nll_loss",
        "max_pool2d",
    ],
)
def test_gradcheck(case):
    name, args = _name(case), list(CASES[case])
    grad_free = {"cosine_embedding_loss": [2], "margin_ranking_loss": [2]}
    for i in grad_free.get(name, []):
        args[i] = mt.tensor(args[i])
    args = _unwrap(tuple(args), mt.tensor)
    args = [mt.tensor(a) if isinstance(a, np.ndarray) and a.dtype.kind == "i" else a for a in args]
    check_gradients(getattr(mt, name), args)


SAME_AS_FUNCTIONAL = (
    "adaptive_avg_pool1d avg_pool1d bilinear celu_ channel_shuffle conv1d conv2d conv3d "
    "conv_transpose1d conv_transpose2d conv_transpose3d cosine_similarity hardshrink "
    "pairwise_distance pdist pixel_shuffle pixel_unshuffle prelu relu_ rms_norm selu_ "
    "threshold_"
).split()


@pytest.mark.parametrize("name", SAME_AS_FUNCTIONAL)
def test_same_signature_binds_the_functional(name):
    assert getattr(mt, name) is getattr(F, name)
    assert hasattr(torch, name)


def test_same_signature_values_by_torch_names():
    x, w = _x(1, 2, 6, 5), _x(4, 2, 3, 3)
    out = mt.conv2d(input=mt.tensor(x), weight=mt.tensor(w), stride=2, padding=1)
    assert_same(
        out, torch.conv2d(input=torch.tensor(x), weight=torch.tensor(w), stride=2, padding=1)
    )
    y = _x(5, 3)
    assert_same(mt.pdist(input=mt.tensor(y), p=3.0), torch.pdist(input=torch.tensor(y), p=3.0))
    z = _x(1, 8, 2, 2)
    assert_same(mt.pixel_shuffle(mt.tensor(z), 2), torch.pixel_shuffle(torch.tensor(z), 2))


@pytest.mark.parametrize(
    "name", ["dropout", "alpha_dropout", "feature_dropout", "feature_alpha_dropout"]
)
def test_dropout_masks_are_torchs(name):
    x = _x(4, 3, 5).astype(np.float32)
    mt.manual_seed(7)
    torch.manual_seed(7)
    compare_with_torch(
        lambda a: getattr(mt, name)(a, 0.3, True), lambda a: getattr(torch, name)(a, 0.3, True), [x]
    )
    assert_same(getattr(mt, name)(mt.tensor(x), 0.3, False), x)


@pytest.mark.parametrize(
    "name", ["dropout_", "alpha_dropout_", "feature_dropout_", "feature_alpha_dropout_"]
)
def test_inplace_dropout_is_torchs(name):
    x = _x(4, 3, 5).astype(np.float32)
    mine, theirs = mt.tensor(x), torch.tensor(x)
    mt.manual_seed(3)
    torch.manual_seed(3)
    assert getattr(mt, name)(mine, 0.4, True) is mine
    getattr(torch, name)(theirs, 0.4, True)
    assert_same(mine, theirs)


@pytest.mark.parametrize("train", [True, False])
def test_native_dropout_output_and_mask(train):
    x = _x(3, 6).astype(np.float32)
    mt.manual_seed(11)
    torch.manual_seed(11)
    compare_with_torch(
        lambda a: mt.native_dropout(a, 0.35, train),
        lambda a: torch.native_dropout(a, 0.35, train),
        [x],
    )


def test_native_dropout_train_none_trains():
    # torch's derivative formula takes train=None as evaluation (scale 1); the output trains
    x = _x(3, 6).astype(np.float32)
    mt.manual_seed(11)
    torch.manual_seed(11)
    compare_with_torch(
        lambda a: mt.native_dropout(a, 0.35, None),
        lambda a: torch.native_dropout(a, 0.35, None),
        [x],
        grad=False,
    )
    mine = mt.tensor(x, requires_grad=True)
    out, mask = mt.native_dropout(mine, 0.35, None)
    out.sum().backward()
    expected = mask.numpy() * np.float32(1 / 0.65)
    np.testing.assert_allclose(mine.grad.numpy(), expected, rtol=1e-6)


def test_feature_dropout_needs_two_dims():
    with pytest.raises(RuntimeError, match=r"at least 2 dimensions.*feature_dropout\(\)"):
        mt.feature_dropout(mt.ones(5), 0.5, True)


def test_batch_norm_updates_running_stats_as_torch():
    x = _x(6, 3)
    stats = [np.zeros(3), np.ones(3)]
    mine = [mt.tensor(s) for s in stats]
    theirs = [torch.tensor(s) for s in stats]
    mt.batch_norm(mt.tensor(x), None, None, *mine, True, 0.2, 1e-5, False)
    torch.batch_norm(torch.tensor(x), None, None, *theirs, True, 0.2, 1e-5, False)
    for m, t in zip(mine, theirs, strict=True):
        assert_same(m, t)
    evaluated = mt.batch_norm(mt.tensor(x), None, None, *mine, False, 0.2, 1e-5, False)
    assert_same(
        evaluated, torch.batch_norm(torch.tensor(x), None, None, *theirs, False, 0.2, 1e-5, False)
    )


def test_rrelu_training_slopes_are_torchs():
    x = _x(4, 5).astype(np.float32)
    mt.manual_seed(5)
    torch.manual_seed(5)
    assert_same(
        mt.rrelu(mt.tensor(x), 0.1, 0.4, True), torch.rrelu(torch.tensor(x), 0.1, 0.4, True)
    )
    mine, theirs = mt.tensor(x), torch.tensor(x)
    assert mt.rrelu_(mine, training=True) is mine
    torch.rrelu_(theirs, training=True)
    assert_same(mine, theirs)


def test_rrelu_generator_is_refused():
    with pytest.raises(NotImplementedError, match="rrelu.*generator"):
        mt.rrelu(mt.ones(2), generator=mt.Generator())


def test_integer_reduction_errors():
    x = mt.ones(2)
    with pytest.raises(TypeError, match="kl_div.*'reduction' must be int, not str"):
        mt.kl_div(x, x, "mean")
    with pytest.raises(ValueError, match="hinge_embedding_loss.*got 3"):
        mt.hinge_embedding_loss(x, x, 1.0, 3)
    with pytest.raises(TypeError):
        torch.kl_div(torch.ones(2), torch.ones(2), "mean")


def test_convolution_weight_rank_error():
    with pytest.raises(RuntimeError, match=r"convolution\(\).*\(2, 2\)"):
        mt.convolution(mt.ones(1, 2), mt.ones(2, 2), None, [1], [0], [1], False, [0], 1)


@pytest.mark.parametrize("mode", [0, 1, 2])
@pytest.mark.parametrize(
    "offsets, extra",
    [([0, 3, 3], ()), ([0, 3, 3], (False, None, False, 4)), ([0, 3, 8], (False, None, True))],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_embedding_bag_outputs_are_torchs(mode, offsets, extra, dtype):
    weight = _x(10, 3).astype(dtype)
    indices, starts = np.array([1, 2, 4, 5, 4, 3, 2, 9]), np.array(offsets)
    compare_with_torch(
        lambda w, i, o: mt.embedding_bag(w, i, o, False, mode, *extra),
        lambda w, i, o: torch.embedding_bag(w, i, o, False, mode, *extra),
        [weight, indices, starts],
    )


def test_embedding_bag_gradcheck_and_errors():
    indices, starts = mt.tensor([1, 2, 4, 0]), mt.tensor([0, 1])
    for mode in (0, 1):
        bags = functools.partial(mt.embedding_bag, indices=indices, offsets=starts, mode=mode)
        check_gradients(lambda w, bags=bags: bags(w)[0], [_x(5, 2)])
    with pytest.raises(ValueError, match="embedding_bag.*mode must be 0"):
        mt.embedding_bag(mt.ones(3, 2), indices, starts, mode=3)
