"""microtensor.hash_tensor (ops/hashing.py) against torch.hash_tensor."""

import numpy as np
import pytest
import torch

import microtensor as mt

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64"]
DTYPES += ["float16", "bfloat16", "float32", "float64"]


def _pair(dtype, shape, seed=0):
    values = np.random.default_rng(seed).standard_normal(shape) * 50
    theirs = torch.tensor(values).to(getattr(torch, dtype))
    return mt.tensor(theirs.double().numpy()).to(getattr(mt, dtype)), theirs


def _same(ours, theirs):
    assert ours.dtype == mt.uint64 and theirs.dtype == torch.uint64
    assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("dtype", DTYPES)
def test_hash_of_all_elements_matches_torch(dtype):
    ours, theirs = _pair(dtype, (3, 4))
    _same(mt.hash_tensor(ours), torch.hash_tensor(theirs))
    _same(ours.hash_tensor(), theirs.hash_tensor())


@pytest.mark.parametrize(
    "dim,keepdim",
    [(0, False), (-1, True), ((0, 2), False), ((1,), True), ([], False), (None, True)],
)
def test_hash_over_dims_matches_torch(dim, keepdim):
    ours, theirs = _pair("float32", (2, 3, 4), seed=1)
    _same(
        mt.hash_tensor(ours, dim, keepdim=keepdim), torch.hash_tensor(theirs, dim, keepdim=keepdim)
    )


def test_hash_of_special_values_and_0d_matches_torch():
    values = [0.0, -0.0, float("nan"), float("inf"), -float("inf"), 1e-40]
    _same(mt.hash_tensor(mt.tensor(values)), torch.hash_tensor(torch.tensor(values)))
    _same(mt.hash_tensor(mt.tensor(5.0), 0), torch.hash_tensor(torch.tensor(5.0), 0))
    _same(mt.hash_tensor(mt.ones(2, 0), 0), torch.hash_tensor(torch.ones(2, 0), 0))


def test_hash_is_order_free_and_not_differentiable():
    x = mt.tensor([1.5, -2.0, 3.25], requires_grad=True)
    assert mt.hash_tensor(x).item() == mt.hash_tensor(x.flip(0)).item()
    assert not mt.hash_tensor(x).requires_grad


def test_hash_errors_match_torch():
    cases = [
        (
            lambda lib: lib.hash_tensor(lib.ones(2), mode=1),
            RuntimeError,
            "Unknown hash_tensor mode",
        ),
        (lambda lib: lib.hash_tensor(lib.ones(0)), RuntimeError, "Expected reduction dim to be"),
        (lambda lib: lib.hash_tensor(lib.ones(2, 0), 1), IndexError, "reduction dim 1 to have"),
        (lambda lib: lib.hash_tensor(lib.ones(2), 3), IndexError, "Dimension out of range"),
        (
            lambda lib: lib.hash_tensor(lib.ones(2, dtype=lib.uint16)),
            NotImplementedError,
            "xor_sum_cpu",
        ),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call(torch)
        with pytest.raises(error, match=message):
            call(mt)
