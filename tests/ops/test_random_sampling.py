"""multinomial: shapes, dtype, frequencies, sampling without replacement, generators, errors."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients


def test_shapes_and_dtype_match_torch():
    for shape, n, replacement in [((4,), 3, False), ((2, 5), 7, True), ((3, 3), 3, False)]:
        weights = np.ones(shape)
        ours = mt.multinomial(mt.tensor(weights), n, replacement)
        theirs = torch.multinomial(torch.tensor(weights), n, replacement)
        assert tuple(ours.shape) == tuple(theirs.shape) and ours.dtype == mt.int64


def test_frequencies_follow_the_weights_with_replacement():
    weights = np.array([[1.0, 0.0, 3.0, 6.0], [0.0, 5.0, 5.0, 0.0]])
    draws = mt.multinomial(mt.tensor(weights), 20000, True, generator=mt.Generator().manual_seed(0))
    for row, w in zip(draws.numpy(), weights, strict=True):
        freq = np.bincount(row, minlength=4) / row.size
        expected = w / w.sum()
        # 4 standard deviations of a binomial proportion at 20000 draws
        assert np.all(
            np.abs(freq - expected) <= 4 * np.sqrt(expected * (1 - expected) / 2e4) + 1e-12
        )
        assert np.all(freq[w == 0] == 0)


def test_without_replacement_draws_distinct_categories():
    weights = mt.tensor([[0.1, 5.0, 1.0, 2.0, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0]])
    for seed in range(20):
        draws = mt.multinomial(weights, 4, generator=mt.Generator().manual_seed(seed)).numpy()
        assert all(len(set(row)) == 4 for row in draws)
        assert 4 not in draws[0]  # zero weight, and enough positive weights remain
    # the heaviest category comes first most often: P(first = 1) = 5 / 8.1
    firsts = [
        int(mt.multinomial(weights[0], 1, generator=mt.Generator().manual_seed(s)))
        for s in range(400)
    ]
    assert 0.5 < firsts.count(1) / 400 < 0.75


def test_without_replacement_fills_up_with_zero_weights_as_torch():
    draws = mt.multinomial(mt.tensor([1.0, 0.0, 0.0]), 2).tolist()
    assert draws[0] == 0 and draws[1] in (1, 2)
    assert sorted(mt.multinomial(mt.tensor([0.0, 2.0, 0.0, 1.0]), 4).tolist()) == [0, 1, 2, 3]


def test_generator_and_manual_seed_reproduce():
    weights = mt.tensor([0.2, 0.3, 0.5])
    a = mt.multinomial(weights, 10, True, generator=mt.Generator().manual_seed(7))
    b = mt.multinomial(weights, 10, True, generator=mt.Generator().manual_seed(7))
    assert a.tolist() == b.tolist()
    mt.manual_seed(1)
    c = weights.multinomial(10, replacement=True)
    mt.manual_seed(1)
    assert weights.multinomial(10, replacement=True).tolist() == c.tolist()


@pytest.mark.parametrize(
    ("weights", "n", "replacement", "message"),
    [
        (np.ones((2, 2, 2)), 1, False, "prob_dist must be 1 or 2 dim"),
        (
            np.ones(3, np.int64),
            1,
            False,
            "only supports floating-point dtypes for input, got: Long",
        ),
        (np.ones(3), 0, True, "cannot sample n_sample <= 0 samples"),
        (np.ones(3), 4, False, "cannot sample n_sample > prob_dist.size\\(-1\\) samples without"),
        (np.array([1.0, -1.0, 1.0]), 1, False, "probability tensor contains either `inf`, `nan`"),
        (np.array([1.0, np.nan]), 1, True, "probability tensor contains either `inf`, `nan`"),
        (np.zeros(3), 1, False, "invalid multinomial distribution \\(sum of probabilities <= 0\\)"),
    ],
)
def test_errors_match_torch(weights, n, replacement, message):
    with pytest.raises(RuntimeError, match=message):
        mt.multinomial(mt.tensor(weights), n, replacement)
    with pytest.raises(RuntimeError, match=message):
        torch.multinomial(torch.tensor(weights), n, replacement)


def test_bernoulli_draws_ones_with_the_given_probabilities():
    mt.manual_seed(0)
    probs = mt.tensor([0.0, 0.25, 1.0]).expand(20000, 3)
    draws = mt.bernoulli(probs)
    assert draws.dtype == mt.float32 and set(np.unique(draws.numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(draws.mean(0).numpy(), [0.0, 0.25, 1.0], atol=0.01)
    assert abs(mt.bernoulli(mt.zeros(20000), 0.6).mean().item() - 0.6) < 0.01
    with pytest.raises(RuntimeError, match="p_in >= 0 && p_in <= 1"):
        mt.bernoulli(mt.tensor([1.5]))


@pytest.mark.parametrize(
    "method, args, mean",
    [
        ("exponential_", (2.0,), 0.5),
        ("geometric_", (0.25,), 4.0),
        ("log_normal_", (0.0, 0.5), float(np.exp(0.125))),
        ("bernoulli_", (0.3,), 0.3),
    ],
)
def test_in_place_distributions_have_torchs_means(method, args, mean):
    mt.manual_seed(1)
    t = mt.zeros(40000, dtype=mt.float64)
    assert getattr(t, method)(*args) is t
    assert abs(t.mean().item() - mean) < 0.03 * max(mean, 1.0)


def test_cauchy_median_and_bernoulli_with_tensor_probabilities():
    mt.manual_seed(2)
    t = mt.zeros(40001).cauchy_(median=3.0, sigma=0.5)
    assert abs(t.median().item() - 3.0) < 0.02
    t = mt.zeros(2, 20000).bernoulli_(mt.tensor([[0.1], [0.9]]))
    np.testing.assert_allclose(t.mean(1).numpy(), [0.1, 0.9], atol=0.01)
    with pytest.raises(RuntimeError, match="geometric_ expects p to be in \\(0, 1\\)"):
        mt.zeros(2).geometric_(1.5)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([1.0, np.nan, 1.0], "encountering probability entry < 0"),  # NaN fails `>= 0` first
        ([1.0, -2.0], "encountering probability entry < 0"),
        ([1.0, np.inf], "encountering probability entry = infinity or NaN"),
        ([0.0, 0.0], "sum of probabilities <= 0"),
    ],
)
def test_errors_with_replacement_match_torch(weights, message):
    for lib in (mt, torch):
        with pytest.raises(RuntimeError, match=message):
            lib.multinomial(lib.tensor(weights), 3, True)


def test_multinomial_with_replacement_is_torchs_inverse_cdf():
    # the first category whose cumulative weight (normalised, in float32) reaches u
    weights = np.array([[0.5, 0.0, 1.5, 2.0], [0.0, 0.0, 0.0, 3.0]], dtype=np.float32)
    uniform = mt.Generator().manual_seed(8)._uniform(2 * 50, np.float64).reshape(2, 50)
    cumulative = np.cumsum(weights, -1) / weights.sum(-1, keepdims=True)
    want = [
        np.searchsorted(c.astype(np.float64), u) for c, u in zip(cumulative, uniform, strict=True)
    ]
    got = mt.multinomial(mt.tensor(weights), 50, True, generator=mt.Generator().manual_seed(8))
    np.testing.assert_array_equal(got.numpy(), np.stack(want))
    assert not np.isin(got.numpy()[1], [0, 1, 2]).any()


def test_bernoulli_errors_match_torch():
    for lib in (mt, torch):
        with pytest.raises(NotImplementedError, match="bernoulli_tensor_cpu_p_.*'Long'"):
            lib.bernoulli(lib.tensor([1, 0]))
        with pytest.raises(RuntimeError, match="bernoulli_ expects p to be in \\[0, 1\\]"):
            lib.zeros(3).bernoulli_(1.5)
        with pytest.raises(RuntimeError, match="p_in >= 0 && p_in <= 1"):
            lib.zeros(3).bernoulli_(lib.tensor([0.5, -0.5, 0.5]))


def test_bernoulli_keeps_the_dtype_and_fills_in_place():
    g = mt.Generator().manual_seed(0)
    t = mt.zeros(4, dtype=mt.int64)
    assert t.bernoulli_(0.5, generator=g) is t and t.dtype == mt.int64
    assert set(t.tolist()) <= {0, 1}
    draws = mt.tensor([0.9, 0.1], dtype=mt.float64).bernoulli(generator=g)
    assert draws.dtype == mt.float64 and not draws.requires_grad


def test_poisson_equals_torch_and_counts_rate_zero_without_a_draw():
    rates = np.array([[0.0, 0.5, 3.0], [9.99, 10.0, 250.0]])
    for dtype in (np.float32, np.float64):
        torch.manual_seed(4)
        mt.manual_seed(4)
        want = torch.poisson(torch.tensor(rates.astype(dtype)))
        got = mt.poisson(mt.tensor(rates.astype(dtype)))
        assert got.dtype == (mt.float32 if dtype == np.float32 else mt.float64)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        assert mt.rand(4).tolist() == torch.rand(4).tolist()
    g = mt.Generator().manual_seed(1)
    state = g.get_state()
    assert mt.poisson(mt.zeros(5), g).tolist() == [0.0] * 5
    assert (g.get_state().numpy() == state.numpy()).all()


def test_poisson_errors_match_torch():
    for lib in (mt, torch):
        with pytest.raises(RuntimeError, match="invalid Poisson rate, expected rate to be non-neg"):
            lib.poisson(lib.tensor([1.0, -1.0]))
        with pytest.raises(NotImplementedError, match="\"poisson_cpu\" not implemented for 'Long'"):
            lib.poisson(lib.tensor([1, 2]))


@pytest.mark.parametrize(
    ("name", "draw"),
    [
        ("Bernoulli", lambda lib, x: lib.bernoulli(x.sigmoid())),
        ("Poisson", lambda lib, x: lib.poisson(x.exp() * 3)),
    ],
)
def test_samples_pass_a_zero_gradient_as_torch(name, draw):
    x = np.random.default_rng(0).standard_normal((3, 4))
    upstream = np.random.default_rng(1).standard_normal((3, 4))
    grads = []
    for lib in (mt, torch):
        lib.manual_seed(2)
        leaf = lib.tensor(x, requires_grad=True)
        out = draw(lib, leaf)
        assert out.grad_fn is not None and f"{name}Backward0" in str(out.grad_fn)
        out.backward(lib.tensor(upstream))
        grads.append(leaf.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    assert not grads[0].any()

    def seeded(t):
        mt.manual_seed(2)  # the same draw at every evaluation gradcheck makes
        return draw(mt, t)

    check_gradients(seeded, [x])


def test_more_than_2_pow_24_categories_raise_like_torch():
    for lib in (mt, torch):
        weights = lib.ones(1).expand(2**24 + 1)  # no memory behind the 2**24 + 1 weights
        with pytest.raises(RuntimeError, match="number of categories cannot exceed 2\\^24"):
            lib.multinomial(weights, 1)
