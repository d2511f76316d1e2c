"""bfloat16 (ml_dtypes' NumPy dtype) against torch.bfloat16: conversion, printing, factories,
promotion, comparisons, reductions, matmul, autograd and files both ways.

Tolerances: elementwise results are compared exactly where both libraries round one float32
result to bfloat16 (casts, +, *, comparisons, max); otherwise with torch.testing's bfloat16
defaults (rtol 1.6e-2, atol 1e-5), i.e. about one bfloat16 rounding step.
"""

import io
import subprocess
import sys

import numpy as np
import pytest
import safetensors.torch
import torch

import microtensor as mt
from microtensor import dtypes

BF16_TOL = {"rtol": 1.6e-2, "atol": 1e-5}
# Without the core change (the autograd core and a few ops reading ml_dtypes' NumPy kind "V" as
# floating; see the lead's report), bfloat16 tensors are not floating: these tests must fail.
CORE_READY = mt.zeros(1, dtype=mt.bfloat16).is_floating_point()
needs_core = pytest.mark.xfail(
    not CORE_READY, reason="needs bfloat16 in the autograd core's floating check", strict=True
)


def values(tensor):
    """float32 values of a bfloat16 tensor of either library (NumPy has no bfloat16 of its own)."""
    if isinstance(tensor, torch.Tensor):
        return tensor.detach().float().numpy()
    return tensor.detach().float().numpy()


def pair(array):
    return mt.tensor(array).to(mt.bfloat16), torch.tensor(array).to(torch.bfloat16)


def random(shape, seed=0, scale=3.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def test_dtype_object():
    d = mt.bfloat16
    assert repr(d) == "microtensor.bfloat16" and d.name == "bfloat16"
    assert d.is_floating_point and d.is_signed and d.itemsize == 2
    assert dtypes.to_dtype("bfloat16") is d
    assert dtypes.to_dtype(d.numpy) is d and d.numpy.name == "bfloat16"


def test_import_does_not_load_ml_dtypes_until_a_bfloat16_array_is_made():
    code = (
        "import sys, microtensor as mt\n"
        "assert 'ml_dtypes' not in sys.modules\n"
        "assert mt.bfloat16.is_floating_point and 'ml_dtypes' not in sys.modules\n"
        "mt.zeros(1, dtype=mt.bfloat16)\n"
        "assert 'ml_dtypes' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_conversion_rounds_to_nearest_even_as_torch():
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e-39, 3.4e38, 1.00390625, 1.01171875]
    x = np.concatenate([random(200), np.array(special, np.float32)])
    ours, theirs = pair(x)
    assert ours.dtype == mt.bfloat16
    np.testing.assert_array_equal(values(ours), values(theirs))
    for target in ("float16", "float64", "int64", "uint8"):
        finite = np.abs(x) < 100  # casts to integers of out-of-range values are undefined
        a = ours[mt.tensor(finite)].abs().to(getattr(mt, target)).numpy()
        b = theirs[torch.tensor(finite)].abs().to(getattr(torch, target)).numpy()
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "data",
    [[1.5, 2.25, 3.0], [1e10, 3.0], [0.001, 1000.0], [np.nan, np.inf, 1.0], [], 7.0, [[1, 2]]],
)
def test_repr_matches_torch(data):
    ours, theirs = pair(np.asarray(data, np.float32))
    assert repr(ours) == repr(theirs).replace("torch.", "microtensor.")


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.tensor([1.5, 2.3, -7.1], dtype=lib.bfloat16),
        lambda lib: lib.zeros(2, 3, dtype=lib.bfloat16),
        lambda lib: lib.ones(4, dtype=lib.bfloat16),
        lambda lib: lib.full((2,), 3.3, dtype=lib.bfloat16),
        lambda lib: lib.arange(0, 3, 0.3, dtype=lib.bfloat16),
        lambda lib: lib.linspace(-1, 1, 7, dtype=lib.bfloat16),
        lambda lib: lib.eye(3, dtype=lib.bfloat16),
        lambda lib: lib.full_like(lib.ones(2), 0.1, dtype=lib.bfloat16),
        lambda lib: lib.tensor([1, 2]).to(lib.bfloat16),
    ],
)
def test_factories_take_bfloat16(make):
    ours, theirs = make(mt), make(torch)
    assert ours.dtype == mt.bfloat16 and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(values(ours), values(theirs), **BF16_TOL)


@pytest.mark.parametrize(
    "other",
    [
        lambda lib: lib.ones(3, dtype=lib.float16) * 1.1,
        lambda lib: lib.ones(3) * 1.1,
        lambda lib: lib.ones(3, dtype=lib.float64) * 1.1,
        lambda lib: lib.arange(3),
        lambda lib: lib.tensor([True, False, True]),
        lambda lib: lib.tensor(1.1, dtype=lib.float64),
        lambda lib: lib.tensor([1, 2, 3], dtype=lib.uint16),
        lambda lib: lib.ones(3, dtype=lib.bfloat16) * 1.1,
        lambda lib: 2.5,
        lambda lib: 3,
    ],
)
@pytest.mark.parametrize("op", ["add", "mul", "sub", "maximum"])
def test_binary_ops_promote_and_round_as_torch(other, op):
    x = random(3, seed=2)
    ours, theirs = pair(x)
    b_ours, b_theirs = other(mt), other(torch)
    if op == "maximum" and not isinstance(b_theirs, torch.Tensor):
        return  # maximum takes tensors only
    other_dtype = getattr(b_theirs, "dtype", torch.bfloat16)
    if (
        not CORE_READY
        and other_dtype != torch.bfloat16
        and torch.result_type(theirs, b_theirs) == torch.bfloat16
    ):
        pytest.xfail("casting the other operand to bfloat16 goes through ops.to (core change)")
    if op == "sub" and other_dtype is torch.bool:
        for lib, a, b in ((torch, theirs, b_theirs), (mt, ours, b_ours)):
            with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool"):
                lib.sub(a, b)
        return
    result, expected = getattr(mt, op)(ours, b_ours), getattr(torch, op)(theirs, b_theirs)
    assert str(result.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_array_equal(values(result), values(expected))


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons_match_torch(op):
    x = random(20, seed=3)
    ours, theirs = pair(x)
    y_ours, y_theirs = pair(np.round(x))
    np.testing.assert_array_equal(
        getattr(mt, op)(ours, y_ours).numpy(), getattr(torch, op)(theirs, y_theirs).numpy()
    )
    np.testing.assert_array_equal(
        getattr(mt, op)(ours, 0.5).numpy(), getattr(torch, op)(theirs, 0.5).numpy()
    )


@pytest.mark.parametrize("name", ["amax", "amin", "argmax", "argmin"])
def test_exact_reductions_match_torch(name):
    ours, theirs = pair(random((4, 50), seed=4))
    result, expected = getattr(mt, name)(ours, 1), getattr(torch, name)(theirs, 1)
    np.testing.assert_array_equal(result.float().numpy(), expected.float().numpy())


@needs_core
@pytest.mark.parametrize("name", ["sum", "mean", "prod", "cumsum"])
def test_accumulating_reductions_sum_in_float32(name):
    ours, theirs = pair(random((4, 300), seed=5, scale=1.0 if name != "prod" else 0.1) + 1)
    result = getattr(mt, name)(ours, 1)
    assert result.dtype == mt.bfloat16
    exact = getattr(np, name)(values(ours).astype(np.float64), 1)
    np.testing.assert_allclose(values(result), exact, rtol=2**-8)  # one rounding, at the end
    if name != "prod":  # torch's prod of bfloat16 rounds as it goes (7% off after 300 factors)
        expected = getattr(torch, name)(theirs, 1)
        np.testing.assert_allclose(values(result), values(expected), **BF16_TOL)


@needs_core
@pytest.mark.parametrize("shapes", [((8, 64), (64, 5)), ((2, 3, 70), (70, 4)), ((64,), (64,))])
def test_matmul_computes_in_float32_and_rounds_once(shapes):
    (a, ta), (b, tb) = pair(random(shapes[0], seed=6)), pair(random(shapes[1], seed=7))
    result, expected = a @ b, ta @ tb
    assert result.dtype == mt.bfloat16
    # torch's CPU kernel rounds the same float32 sum: at most one bfloat16 step apart
    np.testing.assert_allclose(values(result), values(expected), **BF16_TOL)
    exact = values(a).astype(np.float64) @ values(b).astype(np.float64)
    assert np.abs(values(result) - exact).max() <= np.abs(exact).max() * 2**-8


COMMON_OPS = {
    "add": (lambda x, y: x + y, 2),
    "mul": (lambda x, y: x * y, 2),
    "div": (lambda x, y: x / (y.abs() + 1), 2),
    "exp": (lambda x: x.exp(), 1),
    "tanh": (lambda x: x.tanh(), 1),
    "sigmoid": (lambda x: x.sigmoid(), 1),
    "relu": (lambda x: x.relu(), 1),
    "sum": (lambda x: x.sum(1), 1),
    "mean": (lambda x: x.mean(), 1),
    "matmul": (lambda x, y: x @ y.mT, 2),
    "softmax": (lambda x: x.softmax(-1), 1),
}


@needs_core
@pytest.mark.parametrize("name", sorted(COMMON_OPS))
def test_gradients_of_common_ops_are_bfloat16_and_match_torch(name):
    fn, arity = COMMON_OPS[name]
    arrays = [random((3, 4), seed=10 + i, scale=1.0) for i in range(arity)]
    ours = [mt.tensor(a).to(mt.bfloat16).requires_grad_() for a in arrays]
    theirs = [torch.tensor(a).to(torch.bfloat16).requires_grad_() for a in arrays]
    out, expected = fn(*ours), fn(*theirs)
    assert out.dtype == mt.bfloat16
    np.testing.assert_allclose(values(out), values(expected), **BF16_TOL)
    upstream = random(tuple(expected.shape), seed=20, scale=1.0)
    grads = mt.autograd.grad(out, ours, mt.tensor(upstream).to(mt.bfloat16))
    torch_grads = torch.autograd.grad(expected, theirs, torch.tensor(upstream).bfloat16())
    for g, tg in zip(grads, torch_grads, strict=True):
        assert g.dtype == mt.bfloat16
        np.testing.assert_allclose(values(g), values(tg), rtol=3e-2, atol=2e-2)


@needs_core
def test_tensor_and_module_bfloat16_methods():
    x = mt.tensor([1.0, 2.5]).bfloat16()
    assert x.dtype == mt.bfloat16 and x.is_floating_point()
    layer = mt.nn.Linear(3, 2).bfloat16()
    assert layer.weight.dtype == mt.bfloat16 and layer.weight.requires_grad
    out = layer(mt.ones(4, 3, dtype=mt.bfloat16))
    assert out.dtype == mt.bfloat16
    out.sum().backward()
    assert layer.weight.grad.dtype == mt.bfloat16


def _assert_same_bf16(ours, theirs):
    assert ours.dtype == mt.bfloat16 and theirs.dtype == torch.bfloat16
    np.testing.assert_array_equal(values(ours), values(theirs))


def test_safetensors_bf16_both_ways(tmp_path):
    ours, theirs = pair(random((3, 5), seed=8))
    mt.save({"w": ours}, tmp_path / "ours.safetensors")
    _assert_same_bf16(ours, safetensors.torch.load_file(tmp_path / "ours.safetensors")["w"])
    safetensors.torch.save_file({"w": theirs}, tmp_path / "theirs.safetensors")
    _assert_same_bf16(mt.load(tmp_path / "theirs.safetensors")["w"], theirs)
    _assert_same_bf16(mt.load(tmp_path / "theirs.safetensors", mmap=True)["w"], theirs)


def test_torch_zip_format_bfloat16_storage_both_ways(tmp_path):
    ours, theirs = pair(random(6, seed=9))
    mt.save({"w": ours, "view": ours[2:5], "dtype": mt.bfloat16}, tmp_path / "ours.pt")
    loaded = torch.load(tmp_path / "ours.pt")
    _assert_same_bf16(ours, loaded["w"])
    assert loaded["dtype"] is torch.bfloat16
    assert loaded["view"].untyped_storage().data_ptr() == loaded["w"].untyped_storage().data_ptr()
    buffer = io.BytesIO()
    torch.save({"w": theirs, "view": theirs[1:3]}, buffer)
    back = mt.load(io.BytesIO(buffer.getvalue()))
    _assert_same_bf16(back["w"], theirs)
    _assert_same_bf16(back["view"], theirs[1:3])
    torch.save({"w": theirs}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    _assert_same_bf16(mt.load(tmp_path / "legacy.pt")["w"], theirs)
