"""Linear, Bilinear, Identity, Flatten, Unflatten and F.linear / F.bilinear against torch."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from tests.helpers import assert_same, check_gradients, compare_with_torch

DTYPES = [np.float64, np.float32]


def _copy_params(mt_module, torch_module):
    """Give the torch twin the microtensor module's values (and dtype)."""
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(
            mt_module.named_parameters(), torch_module.named_parameters(), strict=True
        ):
            assert name == tname
            tp.data = torch.tensor(p.detach().numpy())


def _check_module_parity(mt_module, torch_module, inputs):
    """Same output, same input gradients and same parameter gradients for a random upstream."""
    _copy_params(mt_module, torch_module)
    mt_in = [mt.tensor(a, requires_grad=True) for a in inputs]
    t_in = [torch.tensor(a, requires_grad=True) for a in inputs]
    out, t_out = mt_module(*mt_in), torch_module(*t_in)
    assert_same(out, t_out, what="output")
    upstream = np.random.default_rng(1).standard_normal(t_out.shape).astype(inputs[0].dtype)
    out.backward(mt.tensor(upstream))
    t_out.backward(torch.tensor(upstream))
    for i, (a, b) in enumerate(zip(mt_in, t_in, strict=True)):
        assert_same(a.grad, b.grad, what=f"grad of input {i}")
    for (name, p), (_, tp) in zip(
        mt_module.named_parameters(), torch_module.named_parameters(), strict=True
    ):
        assert_same(p.grad, tp.grad, what=f"grad of {name}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("batch", [(), (5,), (2, 3), (0,), (1, 1, 4)])
def test_linear_module_matches_torch(dtype, bias, batch):
    np_dtype = np.dtype(dtype)
    mt_dtype = mt.float64 if np_dtype == np.float64 else mt.float32
    m = nn.Linear(4, 3, bias=bias, dtype=mt_dtype)
    t = torch.nn.Linear(4, 3, bias=bias, dtype=torch.float64 if dtype is np.float64 else None)
    x = np.random.default_rng(0).standard_normal((*batch, 4)).astype(dtype)
    _check_module_parity(m, t, [x])
    assert m.weight.dtype == mt_dtype


@settings(max_examples=10)
@given(
    batch=st.lists(st.integers(1, 3), max_size=2),
    in_features=st.integers(1, 4),
    out_features=st.integers(1, 4),
    bias=st.booleans(),
)
def test_functional_linear_matches_torch_and_composition(batch, in_features, out_features, bias):
    rng = np.random.default_rng(len(batch) + in_features)
    x = rng.standard_normal((*batch, in_features))
    w = rng.standard_normal((out_features, in_features))
    arrays = [x, w] + ([rng.standard_normal(out_features)] if bias else [])
    out = compare_with_torch(F.linear, torch.nn.functional.linear, arrays)
    composed = mt.tensor(x) @ mt.tensor(w).T + (mt.tensor(arrays[2]) if bias else 0.0)
    np.testing.assert_allclose(out.detach().numpy(), composed.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "shapes",
    [
        [(3,), (2, 3), (2,)],  # 1-D input
        [(4, 3), (2, 3), (2,)],
        [(2, 2, 3), (2, 3), (2,)],  # batch dims
        [(4, 3), (2, 3)],  # no bias
        [(4, 3), (2, 3), (1,)],  # broadcast bias
        [(4, 3), (3,)],  # 1-D weight: a dot product per row
        [(4, 3), (2, 3), (4, 2)],  # a full-shape bias takes the composed path
    ],
)
def test_functional_linear_gradcheck_and_torch(shapes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    compare_with_torch(F.linear, torch.nn.functional.linear, arrays)
    check_gradients(F.linear, arrays)


def test_linear_fused_op_is_used_and_names_its_node():
    x = mt.randn(2, 3, requires_grad=True)
    assert F.linear(x, mt.randn(4, 3), mt.randn(4)).grad_fn.name() == "AddmmBackward0"  # torch's


def test_functional_linear_errors():
    with pytest.raises(
        RuntimeError,
        match=r"linear\(\): mat1 and mat2 shapes cannot be multiplied \(4x3 and 5x2\): input shape \(4, 3\) and weight shape \(2, 5\) cannot be multiplied \(3 != 5\)",
    ):
        F.linear(mt.zeros(4, 3), mt.zeros(2, 5))
    # torch's messages: matmul's mm without a bias, addmm's checks with one
    with pytest.raises(
        RuntimeError,
        match=r"^linear\(\): expected m1 and m2 to have the same dtype, but got: double != float",
    ):
        F.linear(mt.zeros(4, 3, dtype=mt.float64), mt.zeros(2, 3))
    with pytest.raises(
        RuntimeError, match="self and mat2 must have the same dtype, but got Double and Float"
    ):
        F.linear(mt.zeros(4, 3), mt.zeros(2, 3), mt.zeros(2, dtype=mt.float64))
    with pytest.raises(RuntimeError, match="at least 1 dim"):
        F.linear(mt.tensor(1.0), mt.zeros(2, 3))
    with pytest.raises(RuntimeError, match="at least 1 dim and weight 1 or 2 dims"):
        F.linear(mt.zeros(3), mt.zeros(1, 2, 3))
    with pytest.raises(TypeError, match="input must be a Tensor"):
        F.linear(np.zeros(3), mt.zeros(2, 3))
    with pytest.raises(TypeError, match="bias must be a Tensor or None"):
        F.linear(mt.zeros(3), mt.zeros(2, 3), 1.0)
    with pytest.raises(RuntimeError, match="same dtype"):
        nn.Linear(2, 2)(mt.zeros(1, 2, dtype=mt.float64))


def test_linear_init_bounds_statistics_and_reproducibility():
    mt.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = layer.weight.detach().numpy().copy(), layer.bias.detach().numpy().copy()
    assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-a, a): mean 0, std a / sqrt(3); 120000 draws pin both to well under 1%.
    assert abs(w.mean()) < 0.01 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert np.abs(w).max() > 0.99 * bound and abs(b.mean()) < 0.2 * bound
    mt.manual_seed(0)
    again = nn.Linear(400, 300)
    np.testing.assert_array_equal(again.weight.detach().numpy(), w)
    np.testing.assert_array_equal(again.bias.detach().numpy(), b)
    assert not np.array_equal(nn.Linear(400, 300).weight.detach().numpy(), w)
    before = layer.weight
    layer.reset_parameters()
    assert layer.weight is before and not np.array_equal(layer.weight.detach().numpy(), w)


def test_linear_attributes_dtype_device_and_zero_features():
    layer = nn.Linear(3, 2, bias=False, dtype=mt.float64, device="cpu")
    assert layer.bias is None and layer.weight.dtype == mt.float64
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    assert repr(layer) == repr(torch.nn.Linear(3, 2, bias=False))
    empty = nn.Linear(0, 2)
    assert empty.bias.numpy(force=True).tolist() == [0.0, 0.0]
    assert empty(mt.zeros(5, 0)).shape == (5, 2)
    with pytest.raises(RuntimeError, match="CPU only"):
        nn.Linear(2, 2, device="cuda")


@pytest.mark.parametrize("dtype", DTYPES)
def test_bilinear_module_matches_torch(dtype):
    m = nn.Bilinear(3, 2, 4, dtype=mt.float64 if dtype is np.float64 else None)
    t = torch.nn.Bilinear(3, 2, 4, dtype=torch.float64 if dtype is np.float64 else None)
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal((5, 3)).astype(dtype), rng.standard_normal((5, 2)).astype(dtype)
    _check_module_parity(m, t, [x1, x2])
    bound = 1 / math.sqrt(3)
    assert np.abs(m.weight.detach().numpy()).max() <= bound
    assert repr(m) == repr(t)


@pytest.mark.parametrize("batch", [(), (4,), (2, 3)])
def test_functional_bilinear_gradcheck_and_torch(batch):
    rng = np.random.default_rng(0)
    arrays = [
        rng.standard_normal((*batch, 2)),
        rng.standard_normal((*batch, 3)),
        rng.standard_normal((4, 2, 3)),
        rng.standard_normal(4),
    ]
    compare_with_torch(F.bilinear, torch.nn.functional.bilinear, arrays)
    check_gradients(F.bilinear, arrays)


def test_bilinear_errors():
    with pytest.raises(RuntimeError, match="do not fit weight shape"):
        F.bilinear(mt.zeros(4, 2), mt.zeros(4, 3), mt.zeros(1, 3, 3))
    with pytest.raises(RuntimeError, match="do not fit weight shape"):
        F.bilinear(mt.zeros(4, 2), mt.zeros(5, 3), mt.zeros(1, 2, 3))
    with pytest.raises(RuntimeError, match="3-D weight"):
        F.bilinear(mt.zeros(4, 2), mt.zeros(4, 3), mt.zeros(2, 3))


def test_identity_returns_input_and_ignores_arguments():
    x = mt.randn(3)
    assert nn.Identity(3, foo=1)(x) is x
    assert repr(nn.Identity()) == repr(torch.nn.Identity())


@pytest.mark.parametrize(
    "args, shape",
    [((), (2, 3, 4, 5)), ((0,), (2, 3)), ((1, 2), (2, 3, 4, 5)), ((-3, -2), (2, 3, 4, 5))],
)
def test_flatten_matches_torch(args, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    m, t = nn.Flatten(*args), torch.nn.Flatten(*args)
    compare_with_torch(m, t, [x])
    assert repr(m) == repr(t)


@pytest.mark.parametrize("dim, sizes", [(1, (2, 3)), (-1, [3, -1]), (0, (2, 1))])
def test_unflatten_matches_torch(dim, sizes):
    x = np.random.default_rng(0).standard_normal((2, 6))
    m, t = nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
    compare_with_torch(m, t, [x])
    assert repr(m) == repr(t)


def test_unflatten_rejects_non_int_sizes_like_torch():
    for bad in [(2, 3.0), 6]:
        with pytest.raises(TypeError) as expected:
            torch.nn.Unflatten(1, bad)
        with pytest.raises(TypeError) as actual:
            nn.Unflatten(1, bad)
        assert str(actual.value) == str(expected.value)


def test_linear_reads_a_weight_or_bias_moved_out_of_its_parameters():
    # forward reads _parameters directly; a parametrized bias, or a weight given for one
    # call (functional_call), must still be the one used, as in torch
    class Shift(nn.Module):
        def forward(self, b):
            return b + 1

    class TorchShift(torch.nn.Module):
        def forward(self, b):
            return b + 1

    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3))
    ours, theirs = nn.Linear(3, 2).double(), torch.nn.Linear(3, 2).double()
    _copy_params(ours, theirs)
    nn.utils.parametrize.register_parametrization(ours, "bias", Shift())
    torch.nn.utils.parametrize.register_parametrization(theirs, "bias", TorchShift())
    got = ours(mt.tensor(x)).detach().numpy()
    np.testing.assert_allclose(got, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    weight = rng.standard_normal((2, 3))
    got = mt.func.functional_call(
        ours, {"parametrizations.bias.original": mt.zeros(2, dtype=mt.float64)}, (mt.tensor(x),)
    )
    np.testing.assert_allclose(got.detach().numpy(), x @ ours.weight.detach().numpy().T + 1)
    plain = nn.Linear(3, 2).double()
    got = mt.func.functional_call(plain, {"weight": mt.tensor(weight)}, (mt.tensor(x),))
    np.testing.assert_allclose(
        got.detach().numpy(), x @ weight.T + plain.bias.detach().numpy(), rtol=1e-12
    )
