"""out= (microtensor/_out_argument.py): results written into a given tensor, as torch's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt

A = np.arange(1, 13, dtype=np.float32).reshape(3, 4) / 5
B = np.linspace(-1, 2, 12, dtype=np.float32).reshape(3, 4)

CALLS = {
    "add": lambda lib, a, b, out: lib.add(a, b, alpha=2, out=out),
    "sub": lambda lib, a, b, out: lib.sub(a, b, out=out),
    "mul": lambda lib, a, b, out: lib.mul(a, b, out=out),
    "div": lambda lib, a, b, out: lib.div(a, b, out=out),
    "div floor": lambda lib, a, b, out: lib.div(a, b, rounding_mode="floor", out=out),
    "matmul": lambda lib, a, b, out: lib.matmul(a, b.T, out=out),
    "mm": lambda lib, a, b, out: lib.mm(a, b.T, out=out),
    "bmm": lambda lib, a, b, out: lib.bmm(a[None], b.T[None], out=out),
    "mv": lambda lib, a, b, out: lib.mv(a, b[0], out=out),
    "pow": lambda lib, a, b, out: lib.pow(a, 2, out=out),
    "exp": lambda lib, a, b, out: lib.exp(b, out=out),
    "log": lambda lib, a, b, out: lib.log(a, out=out),
    "sqrt": lambda lib, a, b, out: lib.sqrt(a, out=out),
    "abs": lambda lib, a, b, out: lib.abs(b, out=out),
    "neg": lambda lib, a, b, out: lib.neg(b, out=out),
    "tanh": lambda lib, a, b, out: lib.tanh(b, out=out),
    "sigmoid": lambda lib, a, b, out: lib.sigmoid(b, out=out),
    "clamp": lambda lib, a, b, out: lib.clamp(b, min=0.0, max=1.0, out=out),
    "cat": lambda lib, a, b, out: lib.cat([a, b], dim=1, out=out),
    "stack": lambda lib, a, b, out: lib.stack([a, b], out=out),
    "sum": lambda lib, a, b, out: lib.sum(a, 1, out=out),
    "mean": lambda lib, a, b, out: lib.mean(a, 0, keepdim=True, out=out),
    "prod": lambda lib, a, b, out: lib.prod(a, 1, out=out),
    "cumsum": lambda lib, a, b, out: lib.cumsum(a, 0, out=out),
    "maximum": lambda lib, a, b, out: lib.maximum(a, b, out=out),
    "minimum": lambda lib, a, b, out: lib.minimum(a, b, out=out),
    "where": lambda lib, a, b, out: lib.where(a > b, a, b, out=out),
}


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("start", ["right shape", "empty"])
def test_out_receives_torchs_result_and_is_returned(name, start):
    results = []
    for lib in (torch, mt):
        a, b = lib.tensor(A), lib.tensor(B)
        expected_shape = CALLS[name](lib, a, b, None).shape
        out = lib.empty(expected_shape if start == "right shape" else (0,))
        returned = CALLS[name](lib, a, b, out)
        assert returned is out
        results.append(out.numpy().copy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6, atol=1e-7)


def test_a_wrong_shape_is_resized_with_torchs_warning():
    for lib in (torch, mt):
        out = lib.zeros(2, 2)
        with pytest.warns(UserWarning, match=r"resized since it had shape \[2, 2\].*\[3\]"):
            lib.add(lib.ones(3), 1.0, out=out)
        assert out.tolist() == [2.0, 2.0, 2.0]


def test_results_are_cast_into_outs_dtype_within_its_kind_only():
    out = mt.zeros(2, dtype=mt.float64)
    mt.mul(mt.ones(2), 3.0, out=out)
    assert out.dtype == mt.float64 and out.tolist() == [3.0, 3.0]
    for lib in (torch, mt):
        with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
            lib.mul(lib.ones(2), 1.5, out=lib.zeros(2, dtype=lib.int64))


def test_out_records_no_graph_and_refuses_inputs_that_require_grad():
    x = mt.ones(2, requires_grad=True)
    for lib, t in ((torch, torch.ones(2, requires_grad=True)), (mt, x)):
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            lib.mul(t, 2.0, out=lib.zeros(2))
        with lib.no_grad():
            out = lib.mul(t, 2.0, out=lib.zeros(2))
        assert out.grad_fn is None and not out.requires_grad


def test_out_must_be_a_tensor_and_bumps_the_version():
    with pytest.raises(TypeError, match="argument 'out' must be Tensor, not list"):
        mt.add(mt.ones(2), 1, out=[0.0, 0.0])
    out = mt.zeros(2)
    before = out._version
    mt.add(mt.ones(2), 1, out=out)
    assert out._version == before + 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.add(mt.ones(3), 1, out=mt.empty(0))  # an empty out is resized silently
