"""The Bessel family: i0/i0e/i1/i1e with gradients, the others as constants, against torch."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch
from tests.ops.pointwise_checks import assert_close, second_derivative

SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
EDGES = np.array(
    [-np.inf, -30.0, -3.0, -0.5, -0.0, 0.0, 1e-300, 0.5, 1.0, 7.3, 30.0, 800.0, np.inf, np.nan]
)

# name, microtensor function, torch function (all with a gradient)
MODIFIED = [
    ("i0", mt.i0, torch.i0),
    ("i0e", mt.special.i0e, torch.special.i0e),
    ("i1", mt.special.i1, torch.special.i1),
    ("i1e", mt.special.i1e, torch.special.i1e),
]
IDS = [m[0] for m in MODIFIED]


@pytest.mark.parametrize("name,mt_fn,torch_fn", MODIFIED, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(shape=SHAPES, seed=st.integers(0, 2**16))
def test_modified_bessel_values_and_gradients_match_torch(
    name, mt_fn, torch_fn, dtype, shape, seed
):
    rng = np.random.default_rng(seed)
    x = np.asarray(rng.uniform(-6.0, 6.0, shape) * rng.choice([0.0, 1.0], shape, p=[0.2, 0.8]))
    compare_with_torch(mt_fn, torch_fn, [x.astype(dtype)], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn", MODIFIED, ids=IDS)
def test_modified_bessel_gradcheck_and_second_derivative(name, mt_fn, torch_fn):
    x = np.array([-2.5, -0.7, 0.4, 1.0, 3.2])
    check_gradients(mt_fn, [x])
    second_derivative(mt_fn, torch_fn, np.concatenate([x, [0.0]]))


@pytest.mark.parametrize("name,mt_fn,torch_fn", MODIFIED, ids=IDS)
def test_modified_bessel_edges_and_integer_input(name, mt_fn, torch_fn):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same(mt_fn(mt.tensor(EDGES)), torch_fn(torch.tensor(EDGES)))
    assert_same(mt_fn(mt.tensor([0, 1, -2])), torch_fn(torch.tensor([0, 1, -2])))


def test_i0_method_in_place_and_node_name():
    x = mt.tensor([0.5, -1.5], dtype=mt.float64, requires_grad=True)
    tx = torch.tensor([0.5, -1.5], dtype=torch.float64, requires_grad=True)
    assert mt.i0(x).grad_fn.name() == torch.i0(tx).grad_fn.name()
    assert mt.special.i1e(x).grad_fn.name() == torch.special.i1e(tx).grad_fn.name()
    assert_same(x.detach().i0(), tx.detach().i0())
    assert_same(x.detach().clone().i0_(), tx.detach().clone().i0_())


# name, microtensor function, torch function, tolerance against torch: PyTorch's float64 J, Y
# and Airy kernels are off by up to ~8e-7 (J, Y near x = 5) and ~2.5e-6 (Ai for x < 0)
# absolute; SciPy's, used here, are accurate to double precision (checked against mpmath below)
CONSTANT = [
    ("bessel_j0", mt.special.bessel_j0, torch.special.bessel_j0, 1e-6),
    ("bessel_j1", mt.special.bessel_j1, torch.special.bessel_j1, 1e-6),
    ("bessel_y0", mt.special.bessel_y0, torch.special.bessel_y0, 1e-6),
    ("bessel_y1", mt.special.bessel_y1, torch.special.bessel_y1, 1e-6),
    ("modified_bessel_i0", mt.special.modified_bessel_i0, torch.special.modified_bessel_i0, 1e-12),
    ("modified_bessel_i1", mt.special.modified_bessel_i1, torch.special.modified_bessel_i1, 1e-12),
    ("modified_bessel_k0", mt.special.modified_bessel_k0, torch.special.modified_bessel_k0, 1e-12),
    ("modified_bessel_k1", mt.special.modified_bessel_k1, torch.special.modified_bessel_k1, 1e-12),
    (
        "scaled_modified_bessel_k0",
        mt.special.scaled_modified_bessel_k0,
        torch.special.scaled_modified_bessel_k0,
        1e-12,
    ),
    (
        "scaled_modified_bessel_k1",
        mt.special.scaled_modified_bessel_k1,
        torch.special.scaled_modified_bessel_k1,
        1e-12,
    ),
    (
        "spherical_bessel_j0",
        mt.special.spherical_bessel_j0,
        torch.special.spherical_bessel_j0,
        1e-12,
    ),
    ("airy_ai", mt.special.airy_ai, torch.special.airy_ai, 3e-6),
]


@pytest.mark.parametrize("name,mt_fn,torch_fn,rtol", CONSTANT, ids=[c[0] for c in CONSTANT])
def test_constant_functions_match_torch_and_need_no_grad(name, mt_fn, torch_fn, rtol):
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-10.0, 10.0, 300), EDGES, [1e10]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SciPy's domain warnings (y0 below 0 ...)
        out = mt_fn(mt.tensor(x, requires_grad=True))
    assert not out.requires_grad and out.grad_fn is None
    assert_close(
        out, torch_fn(torch.tensor(x)), rtol=rtol, atol=rtol * 1e-3 if rtol < 1e-9 else rtol
    )
    ints = mt_fn(mt.tensor([1, 2, 3]))
    assert_close(ints, torch_fn(torch.tensor([1, 2, 3])), rtol=1e-5, atol=1e-6)
    f32 = rng.uniform(0.5, 5.0, 50).astype(np.float32)
    assert_close(mt_fn(mt.tensor(f32)), torch_fn(torch.tensor(f32)), rtol=1e-4, atol=1e-5)


def test_bessel_and_airy_are_accurate_where_torch_is_not():
    mpmath = pytest.importorskip("mpmath")
    x = np.array([-8.0, -5.0, -3.0, -2.5, 2.0, 7.3])
    j0 = np.array([float(mpmath.besselj(0, v)) for v in x])
    ai = np.array([float(mpmath.airyai(v)) for v in x])
    np.testing.assert_allclose(mt.special.bessel_j0(mt.tensor(x)).numpy(), j0, rtol=1e-14)
    np.testing.assert_allclose(mt.special.airy_ai(mt.tensor(x)).numpy(), ai, rtol=1e-13)
    # and torch is off by more than the 1e-7 of the OpInfo comparison there
    assert np.abs(torch.special.airy_ai(torch.tensor(x)).numpy() - ai).max() > 1e-7


def test_non_tensor_input_raises_type_error():
    with pytest.raises(TypeError, match=r"bessel_j0\(\): argument 'input' must be Tensor"):
        mt.special.bessel_j0([1.0])
    with pytest.raises(TypeError, match=r"i0\(\): argument 'input' must be Tensor"):
        mt.i0(1.0)
