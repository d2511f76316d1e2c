"""Dropout family: statistics, scaling (bit-equal to torch's), eval identity, seeding, errors."""

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from tests.helpers import check_gradients
from tests.parity.test_random_distributions import DEFAULT_BERNOULLI, OTHER_KERNEL

P_VALUES = [0.1, 0.3, 0.5, 0.9]
DTYPES = [(mt.float32, torch.float32), (mt.float64, torch.float64)]


@pytest.mark.parametrize("p", P_VALUES)
def test_fraction_zeroed_is_p_and_kept_values_scaled(p):
    mt.manual_seed(0)
    x = mt.ones(200_000)
    y = F.dropout(x, p).numpy()
    # The fraction's std is sqrt(p (1 - p) / n) < 0.0012: 0.005 is more than 4 sigma.
    assert abs((y == 0).mean() - p) < 0.005
    kept = y[y != 0]
    np.testing.assert_array_equal(kept, np.float32(1.0) / np.float32(1 - p))
    assert abs(y.mean() - 1.0) < 0.02  # inverted dropout keeps the expectation


@pytest.mark.parametrize("mt_dtype, torch_dtype", DTYPES)
@pytest.mark.parametrize("p", [*P_VALUES, 1 / 3, 0.77])
def test_scale_and_alpha_values_equal_torch_bit_for_bit(mt_dtype, torch_dtype, p):
    # Masks differ (NumPy's generator), but the set of values produced must be identical.
    for fn, torch_fn, make in [
        (F.dropout, torch.nn.functional.dropout, "ones"),
        (
            lambda x, p: F.alpha_dropout(x, p, True),
            lambda x, p: torch.nn.functional.alpha_dropout(x, p, True),
            "zeros",
        ),
        (
            lambda x, p: F.alpha_dropout(x, p, True),
            lambda x, p: torch.nn.functional.alpha_dropout(x, p, True),
            "ones",
        ),
    ]:
        ours = np.unique(fn(getattr(mt, make)(2000, dtype=mt_dtype), p).numpy())
        theirs = np.unique(torch_fn(getattr(torch, make)(2000, dtype=torch_dtype), p).numpy())
        np.testing.assert_array_equal(ours, theirs)


def test_eval_and_p_zero_return_the_input_itself():
    x = mt.randn(5, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert F.dropout(mt.zeros(0, 3), 0.5).shape == (0, 3)
    drop = nn.Dropout(0.5)
    assert drop.eval()(x) is x
    assert drop.train()(x) is not x
    assert F.alpha_dropout(x, 0.5) is x  # alpha_dropout's training defaults to False


def test_p_one_zeroes_everything_with_zero_gradient():
    x = mt.randn(6, requires_grad=True)
    y = F.dropout(x, 1.0)
    assert y.numpy(force=True).tolist() == [0.0] * 6
    y.sum().backward()
    assert x.grad.numpy().tolist() == [0.0] * 6


def test_manual_seed_makes_masks_reproducible():
    x = mt.ones(100)
    mt.manual_seed(3)
    a = F.dropout(x, 0.5).numpy()
    b = F.dropout(x, 0.5).numpy()
    mt.manual_seed(3)
    again = F.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, again)
    assert not np.array_equal(a, b)
    mt.manual_seed(3)
    np.testing.assert_array_equal(nn.Dropout(0.5)(x).numpy(), a)


def test_gradient_is_the_scaled_mask():
    mt.manual_seed(0)
    x = mt.randn(50, dtype=mt.float64, requires_grad=True)
    y = F.dropout(x, 0.4)
    y.backward(mt.ones(50, dtype=mt.float64))
    mask = y.detach().numpy() != 0
    np.testing.assert_allclose(x.grad.numpy(), mask / 0.6, rtol=1e-15)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: F.dropout(x, 0.3),
        lambda x: F.dropout1d(x, 0.5),
        lambda x: F.alpha_dropout(x, 0.2, training=True),
        lambda x: F.feature_alpha_dropout(x, 0.2, training=True),
    ],
)
def test_gradcheck_with_a_fixed_mask(fn):
    def seeded(x):
        mt.manual_seed(0)  # the same mask at every evaluation gradcheck makes
        return fn(x)

    check_gradients(seeded, [np.random.default_rng(0).standard_normal((2, 3, 4))])


def test_inplace_overwrites_the_input():
    mt.manual_seed(0)
    x = mt.ones(100)
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x and set(np.unique(x.numpy()).tolist()) == {0.0, 2.0}
    z = mt.ones(100)
    assert nn.Dropout(0.5, inplace=True)(z) is z
    leaf = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.dropout(leaf, 0.5, inplace=True)
    mt.manual_seed(1)
    w = mt.zeros(1000)
    assert F.alpha_dropout(w, 0.5, training=True, inplace=True) is w
    assert len(np.unique(w.numpy())) == 2


@pytest.mark.parametrize(
    "fn, shape, channel_dims",
    [
        (F.dropout1d, (8, 6, 5), 2),
        (F.dropout1d, (6, 5), 1),
        (F.dropout2d, (4, 6, 3, 3), 2),
        (F.dropout3d, (4, 6, 2, 2, 2), 2),
        (F.dropout3d, (6, 2, 2, 2), 1),
    ],
)
def test_channel_dropout_zeroes_whole_channels(fn, shape, channel_dims):
    mt.manual_seed(0)
    y = fn(mt.ones(*shape), 0.5).numpy()
    per_channel = y.reshape(*shape[:channel_dims], -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))
    assert 0 < (per_channel[..., 0] == 0).mean() < 1


def test_channel_dropout_rank_errors_and_warnings_match_torch():
    with pytest.raises(RuntimeError) as expected:
        torch.nn.functional.dropout1d(torch.ones(2, 2, 2, 2))
    with pytest.raises(RuntimeError) as actual:
        F.dropout1d(mt.ones(2, 2, 2, 2))
    assert str(actual.value) == str(expected.value)
    with pytest.raises(RuntimeError, match="dropout3d: Expected 4D or 5D input"):
        F.dropout3d(mt.ones(2, 2))
    with pytest.warns(UserWarning, match="dropout2d: Received a 3-D input"):
        y = F.dropout2d(mt.ones(4, 6, 5), 0.5)
    assert np.all((y.numpy() == 0).all(-1) | (y.numpy() == 2).all(-1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.dropout2d(mt.ones(2, 3, 4, 4), 0.5)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        F.feature_alpha_dropout(mt.ones(3), 0.5, training=True)


def test_feature_alpha_dropout_1d_when_nothing_is_dropped():
    x = np.arange(3.0)
    for p, training in ((0.5, False), (0.0, True), (1.0, True)):
        got = F.feature_alpha_dropout(mt.tensor(x), p, training).numpy()
        want = torch.nn.functional.feature_alpha_dropout(torch.tensor(x), p, training).numpy()
        np.testing.assert_array_equal(got, want)
    assert F.feature_alpha_dropout(mt.ones(0), 0.5, True).shape == (0,)


def test_alpha_dropout_keeps_mean_and_variance():
    mt.manual_seed(0)
    x = mt.randn(200_000)
    for y in [F.alpha_dropout(x, 0.2, training=True), nn.AlphaDropout(0.5)(x)]:
        assert abs(float(y.mean())) < 0.02 and abs(float(y.std()) - 1.0) < 0.02
    channels = F.feature_alpha_dropout(mt.zeros(100, 8, 3), 0.5, training=True).numpy()
    assert np.all(channels == channels[..., :1])


@pytest.mark.parametrize("p", [-0.1, 1.5])
@pytest.mark.parametrize(
    "make",
    [
        lambda lib, p: lib.nn.functional.dropout(lib.ones(1, 1, 1), p),
        lambda lib, p: lib.nn.functional.dropout2d(lib.ones(1, 1, 1, 1), p),
        lambda lib, p: lib.nn.functional.alpha_dropout(lib.ones(1), p),
        lambda lib, p: lib.nn.Dropout(p),
        lambda lib, p: lib.nn.AlphaDropout(p),
    ],
)
def test_invalid_p_raises_value_error_like_torch(p, make):
    with pytest.raises(ValueError) as expected:
        make(torch, p)
    with pytest.raises(ValueError) as actual:
        make(mt, p)
    assert str(actual.value) == str(expected.value)
    assert "dropout probability has to be between 0 and 1, but got" in str(actual.value)


def test_integer_input_raises():
    with pytest.raises(
        RuntimeError, match="expected a floating point input, got microtensor.int64"
    ):
        F.dropout(mt.tensor([1, 2, 3]), 0.5)


@pytest.mark.parametrize(
    "name",
    ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"],
)
def test_module_repr_matches_torch(name):
    assert repr(getattr(nn, name)(0.25, True)) == repr(getattr(torch.nn, name)(0.25, True))
    assert repr(getattr(nn, name)()) == repr(getattr(torch.nn, name)())


def test_dropout_module_in_a_model_follows_train_and_eval():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    x = mt.randn(3, 4)
    np.testing.assert_array_equal(model.eval()(x).numpy(force=True), model[0](x).numpy(force=True))
    out = model.train()(x).numpy(force=True)
    assert (out == 0).any()


@pytest.mark.skipif(not DEFAULT_BERNOULLI, reason=OTHER_KERNEL)
def test_masks_after_manual_seed_are_torchs():
    x = np.random.default_rng(1).standard_normal((4, 6, 3)).astype(np.float32)
    calls = [
        lambda lib, t: lib.nn.Dropout(0.4)(t),
        lambda lib, t: lib.nn.functional.dropout(t, 0.5, inplace=True),
        lambda lib, t: lib.nn.functional.dropout(t.transpose(0, 2), 0.3),
        lambda lib, t: lib.nn.Dropout1d(0.5)(t),
        lambda lib, t: lib.nn.AlphaDropout(0.3).train()(t),
        lambda lib, t: lib.nn.FeatureAlphaDropout(0.5).train()(t[None]),
    ]
    for i, call in enumerate(calls):
        mt.manual_seed(i)
        torch.manual_seed(i)
        want = call(torch, torch.tensor(x))
        np.testing.assert_array_equal(call(mt, mt.tensor(x)).numpy(), want.numpy())
        assert (mt.get_rng_state().numpy() == torch.get_rng_state().numpy()).all()


def test_dropout2d_of_fewer_than_2_dims_raises_like_torch():
    for lib in (mt, torch):
        with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lib.nn.functional.dropout2d(lib.ones(5), 0.5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = lib.nn.functional.dropout2d(lib.ones(5), 0.5, training=False)
        assert out.tolist() == [1.0] * 5
