"""frexp, ldexp, copysign, nextafter: values bit for bit, gradients, dtypes and errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch

PAIRS = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
SPECIAL = np.array([0.0, -0.0, 1.0, -1.5, 3e-310, -7e300, np.inf, -np.inf, np.nan, 0.75])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(shape=st.sampled_from([(), (0,), (4,), (2, 3)]), seed=st.integers(0, 2**16))
def test_frexp_matches_torch(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    x = np.asarray(rng.standard_normal(shape) * 10.0 ** rng.integers(-5, 6, shape)).astype(dtype)
    compare_with_torch(lambda t: tuple(mt.frexp(t)), lambda t: tuple(torch.frexp(t)), [x], rng=rng)


def test_frexp_special_values_result_type_and_gradient():
    result = mt.frexp(mt.tensor(SPECIAL))
    expected = torch.frexp(torch.tensor(SPECIAL))
    assert_same(result.mantissa, expected.mantissa)
    assert_same(result.exponent, expected.exponent)
    assert np.array_equal(
        np.signbit(result.mantissa.numpy()), np.signbit(expected.mantissa.numpy())
    )
    assert repr(result).startswith("microtensor.return_types.frexp(\nmantissa=tensor(")
    finite = np.array([1e-310, -5e-324, 1e308, 0.0, 3.5])  # 1 / 2^e of subnormals, huge values
    x, tx = mt.tensor(finite, requires_grad=True), torch.tensor(finite, requires_grad=True)
    grad = mt.autograd.grad(mt.frexp(x).mantissa, x, mt.ones_like(x))[0]
    assert_same(grad, torch.autograd.grad(torch.frexp(tx).mantissa, tx, torch.ones_like(tx))[0])
    assert not result.exponent.requires_grad
    check_gradients(lambda x: mt.frexp(x).mantissa, [np.array([0.3, -5.0, 40.0])])
    m, e = mt.tensor([8.0, 3.0]).frexp()
    assert m.tolist() == [0.5, 0.75] and e.tolist() == [4, 2]


def test_frexp_rejects_integers():
    with pytest.raises(RuntimeError, match=r"frexp\(\) only supports floating-point dtypes"):
        mt.frexp(mt.tensor([1, 2]))
    with pytest.raises(RuntimeError):
        torch.frexp(torch.tensor([1, 2]))


@given(shapes=PAIRS, seed=st.integers(0, 2**16))
def test_ldexp_matches_torch(shapes, seed):
    rng = np.random.default_rng(seed)
    (sx, se), _ = shapes
    x, e = rng.standard_normal(sx), rng.integers(-4, 5, se).astype(np.float64)
    compare_with_torch(mt.ldexp, torch.ldexp, [x, e], rng=rng)


def test_ldexp_dtypes_methods_and_second_derivative():
    ints = torch.tensor([1, 2]), torch.tensor([2, 3])
    assert_same(mt.ldexp(mt.tensor([1, 2]), mt.tensor([2, 3])), torch.ldexp(*ints))
    x64 = np.array([1.5, -2.0])
    assert_same(
        mt.ldexp(mt.tensor(x64), mt.tensor([2, 3])), torch.ldexp(torch.tensor(x64), ints[1])
    )
    assert_same(
        mt.tensor(x64).ldexp(mt.tensor([1, 1])), torch.tensor(x64).ldexp(torch.tensor([1, 1]))
    )
    assert_same(
        mt.tensor(x64).ldexp_(mt.tensor([1, 1])), torch.tensor(x64).ldexp_(torch.tensor([1, 1]))
    )
    check_gradients(mt.ldexp, [x64, np.array([0.5, 2.0])])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(shapes=PAIRS, seed=st.integers(0, 2**16))
def test_copysign_matches_torch(dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    (sa, sb), _ = shapes
    a = np.asarray(rng.standard_normal(sa) * rng.choice([0.0, 1.0], sa, p=[0.2, 0.8]))
    b = np.asarray(rng.standard_normal(sb))
    compare_with_torch(mt.copysign, torch.copysign, [a.astype(dtype), b.astype(dtype)], rng=rng)


def test_copysign_signed_zeros_numbers_integers_and_gradcheck():
    a = mt.tensor(SPECIAL, requires_grad=True)
    ta = torch.tensor(SPECIAL, requires_grad=True)
    b = np.array([-0.0, 0.0, -1.0, 2.0, -1.0, 1.0, -0.0, 0.0, -1.0, np.nan])
    out, expected = mt.copysign(a, mt.tensor(b)), torch.copysign(ta, torch.tensor(b))
    assert np.array_equal(out.detach().numpy(), expected.detach().numpy(), equal_nan=True)
    assert np.array_equal(np.signbit(out.detach().numpy()), np.signbit(expected.detach().numpy()))
    ones, tones = mt.ones_like(out), torch.ones_like(expected)
    assert_same(mt.autograd.grad(out, a, ones)[0], torch.autograd.grad(expected, ta, tones)[0])
    assert_same(
        mt.copysign(mt.tensor([1, 2]), mt.tensor([-1, 1])),
        torch.copysign(torch.tensor([1, 2]), torch.tensor([-1, 1])),
    )
    assert_same(mt.copysign(mt.tensor([1, 2]), -1), torch.copysign(torch.tensor([1, 2]), -1))
    assert_same(mt.tensor([1.0, -2.0]).copysign_(-1.0), torch.tensor([1.0, -2.0]).copysign_(-1.0))
    check_gradients(mt.copysign, [np.array([0.5, -2.0, 3.0]), np.array([-1.0, -2.0, 4.0])])


def test_nextafter_matches_torch_bit_for_bit():
    a = np.concatenate([SPECIAL, [1.0, 5e-324, -5e-324]])
    b = np.concatenate(
        [[1.0, -1.0, 2.0, -2.0, 0.0, np.inf, 0.0, 0.0, 1.0, np.nan], [0.0, 0.0, 0.0]]
    )
    for dtype, tdtype in ((np.float64, torch.float64), (np.float32, torch.float32)):
        with np.errstate(over="ignore"):  # -7e300 is -inf in float32 (torch's cast too)
            a_cast, b_cast = a.astype(dtype), b.astype(dtype)
        out = mt.nextafter(mt.tensor(a_cast), mt.tensor(b_cast))
        expected = torch.nextafter(torch.tensor(a, dtype=tdtype), torch.tensor(b, dtype=tdtype))
        assert np.array_equal(out.numpy(), expected.numpy(), equal_nan=True)
        assert out.dtype == getattr(mt, str(tdtype).split(".")[1])
    one = mt.tensor([1.0], dtype=mt.float64)
    assert (one.nextafter(mt.tensor([0.0], dtype=mt.float64)) - one).item() == -(2.0**-53)


def test_nextafter_gradient_is_torchs():
    data = np.array([1.0, 2.0, -3.0])
    compare_with_torch(mt.nextafter, torch.nextafter, [data, np.array([0.0, 3.0, -3.0])])


def test_copysign_second_derivative_is_zero_as_torch():
    a, b = np.array([1.0, -2.0, 0.5]), np.array([-1.0, 3.0, -0.0])
    x, tx = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (g,) = mt.autograd.grad(mt.copysign(x, mt.tensor(b)).sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(torch.copysign(tx, torch.tensor(b)).sum(), tx, create_graph=True)
    assert_same(g, tg)
    assert_same(mt.autograd.grad(g.sum(), x)[0], torch.autograd.grad(tg.sum(), tx)[0])


def test_nextafter_errors():
    with pytest.raises(
        TypeError, match=r"nextafter\(\): argument 'other' must be Tensor, not float"
    ):
        mt.nextafter(mt.tensor([1.0]), 2.0)
    with pytest.raises(
        NotImplementedError, match=r"nextafter\(\): not implemented for microtensor.int64"
    ):
        mt.nextafter(mt.tensor([1]), mt.tensor([2]))
    with pytest.raises(RuntimeError, match=r"copysign\(\): The size of tensor a \(2\) must match"):
        mt.copysign(mt.ones(2), mt.ones(3))


def test_signbit_matches_torch():
    with np.errstate(over="ignore"):  # -7e300 is -inf in float32
        f32 = SPECIAL.astype(np.float32)
    for data in (SPECIAL, f32, np.array([-3, 0, 4]), np.array([True])):
        assert_same(mt.signbit(mt.tensor(data)), torch.signbit(torch.tensor(data)))
    x = mt.tensor([-1.0, 2.0], requires_grad=True)
    assert not mt.signbit(x).requires_grad
    assert mt.tensor([-0.0]).signbit().tolist() == [True]
