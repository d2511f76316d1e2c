"""Chebyshev, Hermite, Laguerre and Legendre polynomials against torch: degrees, dtypes, edges."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import assert_same
from tests.ops.pointwise_checks import assert_close

NAMES = [
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
]
X = np.array([-1.5, -1.0, -0.7, -0.2, 0.0, 0.3, 0.5, 0.99, 1.0, 2.5])


@pytest.mark.parametrize("name", NAMES)
def test_values_match_torch_for_many_degrees(name):
    mt_fn, torch_fn = getattr(mt.special, name), getattr(torch.special, name)
    degrees = np.array([0, 1, 2, 3, 5, 7, 9, 12, 20, 30, -1, -4], dtype=np.float64)[:, None]
    out = mt_fn(mt.tensor(X), mt.tensor(degrees))
    expected = torch_fn(torch.tensor(X), torch.tensor(degrees))
    # torch evaluates T_n and U_n through cos(n acos x) for large n: 1e-15 noise at x = 0
    assert_close(out, expected, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", NAMES)
def test_nan_gives_nan_except_at_degree_zero(name):
    # (on a 0-d x: torch's vectorised loop gives a neighbour's value in a nan lane of a grid)
    degrees = np.array([0.0, 1.0, 2.0, 5.0, 30.0, -1.0])
    out = getattr(mt.special, name)(mt.tensor(np.nan), mt.tensor(degrees))
    expected = getattr(torch.special, name)(torch.tensor(np.nan), torch.tensor(degrees))
    assert_same(out, expected)
    assert out.tolist()[0] == 1.0 and out.tolist()[-1] == 0.0
    # a nan or infinite degree gives 0, as torch's cast to int64 makes it negative (on x86)
    odd = mt.tensor([np.nan, np.inf, -np.inf])
    assert getattr(mt.special, name)(mt.tensor(0.5), odd).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("name", NAMES)
def test_degree_is_truncated_and_numbers_broadcast_as_torch(name):
    mt_fn, torch_fn = getattr(mt.special, name), getattr(torch.special, name)
    x = np.array([0.3, -0.6])
    assert_same(mt_fn(mt.tensor(x), 2.7), torch_fn(torch.tensor(x), 2.7))
    assert_same(mt_fn(mt.tensor(x), -0.5), torch_fn(torch.tensor(x), -0.5))
    assert_same(mt_fn(0.5, mt.tensor([2, 3])), torch_fn(0.5, torch.tensor([2, 3])))
    assert_same(
        mt_fn(mt.tensor([1, 2]), mt.tensor([2, 3])),
        torch_fn(torch.tensor([1, 2]), torch.tensor([2, 3])),
    )
    f32 = np.array([0.25, 0.75], dtype=np.float32)
    assert_same(mt_fn(mt.tensor(f32), 4), torch_fn(torch.tensor(f32), 4))


@pytest.mark.parametrize("name", NAMES)
def test_results_need_no_grad_and_errors(name):
    mt_fn = getattr(mt.special, name)
    out = mt_fn(mt.tensor([0.5], requires_grad=True), 3)
    assert not out.requires_grad and out.grad_fn is None
    with pytest.raises(RuntimeError, match=rf"{name}\(\): The size of tensor a \(2\) must match"):
        mt_fn(mt.ones(2), mt.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match=rf"{name}\(\): expected at least one Tensor"):
        mt_fn(0.5, 2)
