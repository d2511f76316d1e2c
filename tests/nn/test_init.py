"""nn.init: fans, gains, distributions (statistics on large tensors), seeding, errors."""

import math
import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import nn
from microtensor.nn import init
from microtensor.nn.init import _calculate_fan_in_and_fan_out
from tests.helpers import assert_same

GAINS = [
    ("linear", None),
    ("conv1d", None),
    ("conv2d", None),
    ("conv3d", None),
    ("conv_transpose1d", None),
    ("conv_transpose2d", None),
    ("conv_transpose3d", None),
    ("sigmoid", None),
    ("tanh", None),
    ("relu", None),
    ("leaky_relu", None),
    ("leaky_relu", 0.2),
    ("leaky_relu", 1),
    ("selu", None),
]


@pytest.mark.parametrize("nonlinearity,param", GAINS)
def test_calculate_gain_equals_torch(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(
        nonlinearity, param
    )


def test_calculate_gain_errors_match_torch():
    for fn in (init.calculate_gain, torch.nn.init.calculate_gain):
        with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
            fn("gelu")
        with pytest.raises(ValueError, match="negative_slope True not a valid number"):
            fn("leaky_relu", True)
        with pytest.raises(ValueError, match="negative_slope 0.1 not a valid number"):
            fn("leaky_relu", "0.1")


@pytest.mark.parametrize("shape", [(3, 5), (7, 2, 3), (4, 6, 2, 3), (2, 3, 1, 2, 2), (0, 4)])
def test_fans_equal_torch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert _calculate_fan_in_and_fan_out(mt.empty(*shape)) == expected


@pytest.mark.parametrize("shape", [(), (5,)])
def test_fans_need_two_dims_like_torch(shape):
    message = "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
    with pytest.raises(ValueError, match=message):
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    with pytest.raises(ValueError, match=message):
        _calculate_fan_in_and_fan_out(mt.empty(shape))
    with pytest.raises(ValueError, match=message):
        init.xavier_uniform_(mt.empty(shape))


# --- distributions: mean / std / bounds on large tensors ---------------------------------------

N = 400_000  # the std of a sample mean is about std / 630


@pytest.fixture(autouse=True)
def _seeded():
    mt.manual_seed(0)  # deterministic; the tolerances hold for any seed with overwhelming odds


def _check_moments(values, mean, std, low=None, high=None, *, fills=True):
    """Sample mean within 5 standard errors, std within 6 / sqrt(n) relative (over 8 standard
    errors for normal and uniform samples), values inside [low, high] (and, when ``fills``,
    reaching within 1% of both ends)."""
    values = values.numpy().ravel().astype(np.float64)
    assert abs(values.mean() - mean) < 5 * std / math.sqrt(values.size) + 1e-12
    assert abs(values.std() - std) < 6 * std / math.sqrt(values.size)
    if low is not None:
        assert values.min() >= low and values.max() <= high
        if fills:
            assert values.min() < low + 0.01 * (high - low)
            assert values.max() > high - 0.01 * (high - low)


def test_uniform_and_normal_statistics():
    _check_moments(init.uniform_(mt.empty(N), -2.0, 4.0), 1.0, 6 / math.sqrt(12), -2.0, 4.0)
    _check_moments(init.normal_(mt.empty(N), 3.0, 0.5), 3.0, 0.5)


@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_xavier_statistics(gain):
    fan_in, fan_out = 100 * 3 * 3, 50 * 3 * 3
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    _check_moments(init.xavier_uniform_(mt.empty(50, 100, 3, 3), gain), 0.0, std, -bound, bound)
    _check_moments(init.xavier_normal_(mt.empty(50, 100, 3, 3), gain=gain), 0.0, std)


@pytest.mark.parametrize(
    "a,mode,nonlinearity",
    [
        (0, "fan_in", "leaky_relu"),
        (0.2, "fan_out", "leaky_relu"),
        (0, "fan_in", "relu"),
        (0, "Fan_Out", "tanh"),
    ],
)
def test_kaiming_statistics(a, mode, nonlinearity):
    shape = (80, 500)  # fan_in 500, fan_out 80
    fan = 500 if mode.lower() == "fan_in" else 80
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    _check_moments(
        init.kaiming_uniform_(mt.empty(*shape), a, mode, nonlinearity), 0.0, std, -bound, bound
    )
    _check_moments(
        init.kaiming_normal_(mt.empty(*shape), a=a, mode=mode, nonlinearity=nonlinearity), 0.0, std
    )


@pytest.mark.parametrize(
    "mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (1.0, 0.5, 0.0, 3.0), (0.0, 1.0, 1.0, 5.0)]
)
def test_trunc_normal_statistics_equal_the_truncated_distribution(mean, std, a, b):
    values = init.trunc_normal_(mt.empty(N, dtype=mt.float64), mean, std, a, b)
    dist = torch.distributions.Normal(mean, std)
    alpha, beta = (a - mean) / std, (b - mean) / std
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    mass = float(dist.cdf(torch.tensor(b)) - dist.cdf(torch.tensor(a)))
    expected_mean = mean + std * (phi(alpha) - phi(beta)) / mass
    variance = std**2 * (
        1 + (alpha * phi(alpha) - beta * phi(beta)) / mass - ((phi(alpha) - phi(beta)) / mass) ** 2
    )
    _check_moments(values, expected_mean, math.sqrt(variance), a, b, fills=b < 4)


def test_trunc_normal_warns_like_torch_when_mean_is_far_outside():
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        torch.nn.init.trunc_normal_(torch.empty(10), mean=10.0)
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(mt.empty(10), mean=10.0)


def test_constant_ones_zeros_eye():
    np.testing.assert_array_equal(
        init.constant_(mt.empty(2, 2), 0.3).numpy(), np.full((2, 2), 0.3, np.float32)
    )
    assert init.ones_(mt.empty(3)).tolist() == [1.0, 1.0, 1.0]
    assert init.zeros_(mt.empty(2, dtype=mt.float64)).tolist() == [0.0, 0.0]
    for shape in [(3, 3), (2, 4), (4, 2)]:
        assert_same(init.eye_(mt.empty(*shape)), torch.nn.init.eye_(torch.empty(shape)))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.eye_(mt.empty(2, 2, 2))


@pytest.mark.parametrize(
    "shape,groups",
    [
        ((3, 16, 5), 1),
        ((4, 2, 3, 3), 1),
        ((6, 4, 3, 3), 2),
        ((3, 24, 5, 5), 3),
        ((2, 2, 3, 3, 3), 1),
    ],
)
def test_dirac_equals_torch(shape, groups):
    assert_same(
        init.dirac_(mt.empty(*shape), groups), torch.nn.init.dirac_(torch.empty(shape), groups)
    )


def test_dirac_errors_match_torch():
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        init.dirac_(mt.empty(2, 2))
    with pytest.raises(ValueError, match="dim 0 must be divisible by groups"):
        init.dirac_(mt.empty(3, 2, 3), groups=2)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (6, 2, 3), (2, 3, 2, 2)])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal_rows_or_columns_are_orthonormal(shape, gain):
    w = init.orthogonal_(mt.empty(*shape, dtype=mt.float64), gain).numpy().reshape(shape[0], -1)
    gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    np.testing.assert_allclose(gram, gain**2 * np.eye(len(gram)), atol=1e-12)


def test_orthogonal_errors_and_empty():
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(mt.empty(3))
    assert init.orthogonal_(mt.empty(0, 3)).shape == (0, 3)


def test_sparse_zeroes_a_fraction_of_each_column():
    w = init.sparse_(mt.empty(100, 40), sparsity=0.25, std=0.5)
    zeros = (w.numpy() == 0).sum(axis=0)
    assert np.all(zeros == 25)
    nonzero = w.numpy()[w.numpy() != 0]
    assert abs(nonzero.std() - 0.5) < 0.05
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.sparse_(mt.empty(3), 0.1)


def test_kaiming_on_zero_element_tensor_warns_and_is_a_no_op():
    for fn in (init.kaiming_uniform_, init.kaiming_normal_):
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            assert fn(mt.empty(0, 3)).shape == (0, 3)


def test_kaiming_mode_error_matches_torch():
    message = r"Mode fan_avg not supported, please use one of \['fan_in', 'fan_out'\]"
    with pytest.raises(ValueError, match=message):
        torch.nn.init.kaiming_uniform_(torch.empty(2, 2), mode="fan_avg")
    with pytest.raises(ValueError, match=message):
        init.kaiming_uniform_(mt.empty(2, 2), mode="fan_avg")


# --- seeding, in-place semantics, parameters ---------------------------------------------------

RANDOM_INITS = [
    lambda t, g=None: init.uniform_(t, generator=g),
    lambda t, g=None: init.normal_(t, generator=g),
    lambda t, g=None: init.trunc_normal_(t, generator=g),
    lambda t, g=None: init.xavier_uniform_(t, generator=g),
    lambda t, g=None: init.xavier_normal_(t, generator=g),
    lambda t, g=None: init.kaiming_uniform_(t, generator=g),
    lambda t, g=None: init.kaiming_normal_(t, generator=g),
    lambda t, g=None: init.orthogonal_(t, generator=g),
    lambda t, g=None: init.sparse_(t, 0.3, generator=g),
]
NAMES = [
    "uniform",
    "normal",
    "trunc_normal",
    "xavier_uniform",
    "xavier_normal",
    "kaiming_uniform",
    "kaiming_normal",
    "orthogonal",
    "sparse",
]


@pytest.mark.parametrize("fn", RANDOM_INITS, ids=NAMES)
def test_reproducible_with_manual_seed_and_generator(fn):
    mt.manual_seed(0)
    a = fn(mt.empty(6, 4))
    b = fn(mt.empty(6, 4))
    mt.manual_seed(0)
    assert np.array_equal(fn(mt.empty(6, 4)).numpy(), a.numpy())
    assert not np.array_equal(a.numpy(), b.numpy())
    g = mt.Generator().manual_seed(7)
    c = fn(mt.empty(6, 4), g)
    g.manual_seed(7)
    mt.manual_seed(123)  # the global seed does not matter when a generator is given ...
    d = fn(mt.empty(6, 4), g)
    if fn is RANDOM_INITS[NAMES.index("sparse")]:
        # ... except for sparse_'s zeroed rows, which torch draws from the global generator
        assert np.array_equal(
            d.numpy()[(d != 0).numpy() & (c != 0).numpy()],
            c.numpy()[(d != 0).numpy() & (c != 0).numpy()],
        )
    else:
        assert np.array_equal(d.numpy(), c.numpy())


@pytest.mark.parametrize("fn", RANDOM_INITS, ids=NAMES)
@pytest.mark.parametrize("dtype", [mt.float32, mt.float64])
def test_fills_a_parameter_in_place_without_a_graph(fn, dtype):
    param = nn.Parameter(mt.zeros(6, 4, dtype=dtype))
    version = param._version
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = fn(param)
    assert out is param
    assert param.dtype == dtype and param.requires_grad and param.grad_fn is None
    assert param._version > version
    assert np.any(param.detach().numpy() != 0)
