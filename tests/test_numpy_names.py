"""NumPy's argument names (microtensor/_numpy_names.py): axis, keepdims, x/a/x1 and x2, as torch."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor._numpy_names import numpy_names

DATA = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7 - 1

CALLS = {
    "sum keepdims": lambda lib, x: x.sum(1, keepdims=True),
    "sum axis": lambda lib, x: lib.sum(x, axis=2),
    "sum x= axis=": lambda lib, x: lib.sum(x=x, axis=0),
    "mean axis keepdims": lambda lib, x: x.mean(axis=0, keepdims=True),
    "prod": lambda lib, x: lib.prod(x, axis=1),
    "max values": lambda lib, x: x.max(axis=1).values,
    "max indices keepdims": lambda lib, x: lib.max(x, axis=2, keepdims=True).indices,
    "amax": lambda lib, x: x.amax(axis=(0, 2)),
    "argmax": lambda lib, x: x.argmax(axis=1),
    "argmin keepdims": lambda lib, x: lib.argmin(x, axis=1, keepdims=True),
    "std": lambda lib, x: lib.std(x, axis=0),
    "var": lambda lib, x: x.var(axis=2, keepdims=True),
    "logsumexp": lambda lib, x: lib.logsumexp(x, axis=1),
    "all": lambda lib, x: (x > -2).all(axis=1),
    "any": lambda lib, x: lib.any(x > 0, axis=0),
    "cumsum": lambda lib, x: x.cumsum(axis=1),
    "cat": lambda lib, x: lib.cat([x, x], axis=1),
    "concatenate": lambda lib, x: lib.concatenate([x, x], axis=0),
    "stack": lambda lib, x: lib.stack([x, x], axis=3),
    "softmax": lambda lib, x: lib.softmax(x, axis=1),
    "log_softmax method": lambda lib, x: x.log_softmax(axis=2),
    "unsqueeze": lambda lib, x: x.unsqueeze(axis=0),
    "squeeze": lambda lib, x: lib.squeeze(x[:1], axis=0),
    "sort": lambda lib, x: lib.sort(x, axis=1, descending=True).values,
    "argsort": lambda lib, x: x.argsort(axis=2),
    "topk": lambda lib, x: x.topk(2, axis=1).values,
    "gather": lambda lib, x: lib.gather(x, axis=1, index=lib.zeros(2, 1, 4, dtype=lib.long)),
    "index_select": lambda lib, x: x.index_select(axis=2, index=lib.tensor([0, 3])),
    "median": lambda lib, x: lib.median(x, axis=1).values,
    "count_nonzero": lambda lib, x: lib.count_nonzero(x, axis=0),
    "size": lambda lib, x: lib.tensor(x.size(axis=2)),
    "sum input= axis=": lambda lib, x: lib.sum(input=x, axis=1),
}


@pytest.mark.parametrize("name", CALLS)
def test_numpy_names_give_torchs_results(name):
    call = CALLS[name]
    want = call(torch, torch.tensor(DATA))
    got = call(mt, mt.tensor(DATA))
    assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-6)


def test_gradients_flow_through_the_renamed_call():
    x = mt.tensor(DATA, requires_grad=True)
    x.sum(axis=1, keepdims=True).exp().sum().backward()
    t = torch.tensor(DATA, requires_grad=True)
    t.sum(axis=1, keepdims=True).exp().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)


def test_both_names_for_one_parameter_raise_type_error():
    x = mt.ones(2, 3)
    with pytest.raises(TypeError, match="multiple values for argument 'dim'.*'axis'"):
        mt.sum(x, dim=0, axis=1)
    with pytest.raises(TypeError, match="multiple values for argument 'dim'"):
        x.sum(0, axis=1)  # positional dim and axis: Python's own error
    with pytest.raises(TypeError, match="multiple values for argument 'keepdim'"):
        x.mean(0, keepdim=True, keepdims=True)


def test_a_function_keeps_its_own_parameter_of_an_alias_name():
    y = mt.tensor([1.0, 2.0, 4.0])
    x = mt.tensor([0.0, 1.0, 3.0])
    assert (
        mt.trapezoid(y, x=x).item()
        == torch.trapezoid(torch.tensor([1.0, 2, 4]), x=torch.tensor([0.0, 1, 3])).item()
    )


def test_decorator_passes_calls_without_aliases_through_and_keeps_the_signature():
    def reduce(input, dim=None, keepdim=False):
        return input, dim, keepdim

    wrapped = numpy_names(reduce)
    assert wrapped(1, 2) == (1, 2, False)
    assert wrapped(x1=1, axis=0, keepdims=True) == (1, 0, True)
    assert wrapped.__wrapped__ is reduce and wrapped.__name__ == "reduce"

    def plain(a, b):
        return a + b

    assert numpy_names(plain) is plain  # nothing to rename: no wrapper


def _numpy_names_wrappers_called_by_the_methods():
    """``(name, called through __wrapped__)`` for each op the Tensor methods call."""
    from pathlib import Path

    import microtensor._tensor_methods as methods

    source = Path(methods.__file__).read_text()
    calls = re.findall(r"\bops\.([a-z_]\w*)(\.__wrapped__)?\b", source)
    return {(name, bool(raw)) for name, raw in calls}


def test_methods_call_what_is_under_the_public_wrapper_and_nothing_else():
    wrapper_code = numpy_names(lambda input, dim=None: input).__code__
    calls = _numpy_names_wrappers_called_by_the_methods()
    raw = {name for name, is_raw in calls if is_raw}
    assert {"sum", "mean", "max", "softmax", "unsqueeze"} <= raw
    for name, is_raw in calls:
        public = getattr(mt.ops, name)
        is_wrapper = getattr(public, "__code__", None) is wrapper_code
        # __wrapped__ is only ever taken off a @numpy_names wrapper (no other decorator is
        # skipped), and no method goes through a wrapper its own one already did the work of
        assert is_wrapper == is_raw, name


def test_methods_and_functions_take_torchs_names_as_keywords():
    x = mt.tensor(DATA)
    t = torch.tensor(DATA)
    np.testing.assert_allclose(
        x.var(dim=1, keepdim=True, correction=0).numpy(),
        t.var(dim=1, keepdim=True, correction=0).numpy(),
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        mt.sum(input=x, dim=2, dtype=mt.float64).numpy(),
        torch.sum(input=t, dim=2, dtype=torch.float64).numpy(),
        rtol=1e-12,
    )
    assert x.max(dim=0, keepdim=True).indices.tolist() == t.max(0, True).indices.tolist()
    with pytest.raises(TypeError, match="unexpected keyword argument 'axes'"):
        x.sum(axes=0)
