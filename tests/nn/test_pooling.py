"""Pooling (nn/_functional/pooling.py, nn/pooling.py) against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import assert_same, check_gradients, compare_with_torch

DTYPES = [np.float64, np.float32]


@st.composite
def pool_cases(draw, dilation=True):
    """Input shape and options of a pooling whose output is non-empty."""
    nd = draw(st.sampled_from([1, 2]))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dil = tuple(draw(st.integers(1, 2)) if dilation else 1 for _ in range(nd))
    extents = [d * (k - 1) + 1 for k, d in zip(kernel, dil, strict=True)]
    pads = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    stride = draw(st.sampled_from([None, 1, 2, tuple(draw(st.integers(1, 3)) for _ in range(nd))]))
    # windows made only of padding (index unspecified in PyTorch) need size < extent: avoid
    size = tuple(e + draw(st.integers(0, 3)) for e in extents)
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size)
    if draw(st.booleans()):
        shape = shape[1:]  # unbatched
    kwargs = {"kernel_size": kernel, "stride": stride, "padding": pads}
    kwargs["ceil_mode"] = draw(st.booleans())
    if dilation:
        kwargs["dilation"] = dil
    return nd, shape, kwargs


def _data(shape, dtype, seed, ties=False):
    x = np.random.default_rng(seed).standard_normal(shape)
    return (np.round(x) if ties else x).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@given(case=pool_cases(), ties=st.booleans(), return_indices=st.booleans())
def test_max_pool_matches_torch(case, dtype, ties, return_indices):
    nd, shape, kwargs = case
    kwargs = {**kwargs, "return_indices": return_indices}
    mt_fn, torch_fn = (F.max_pool1d, TF.max_pool1d) if nd == 1 else (F.max_pool2d, TF.max_pool2d)
    compare_with_torch(
        lambda x: mt_fn(x, **kwargs),
        lambda x: torch_fn(x, **kwargs),
        [_data(shape, dtype, 0, ties)],
    )


@pytest.mark.parametrize("dtype", DTYPES)
@given(case=pool_cases(dilation=False), include_pad=st.booleans(), override=st.booleans())
def test_avg_pool_matches_torch(case, dtype, include_pad, override):
    nd, shape, kwargs = case
    kwargs = {**kwargs, "count_include_pad": include_pad}
    if nd == 1:
        mt_fn, torch_fn = F.avg_pool1d, TF.avg_pool1d
    else:
        mt_fn, torch_fn = F.avg_pool2d, TF.avg_pool2d
        kwargs["divisor_override"] = 3 if override else None
    compare_with_torch(
        lambda x: mt_fn(x, **kwargs), lambda x: torch_fn(x, **kwargs), [_data(shape, dtype, 1)]
    )


@pytest.mark.parametrize("dtype", DTYPES)
@given(
    size=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    out=st.tuples(st.integers(1, 6), st.none() | st.integers(1, 6)),
)
def test_adaptive_avg_pool_matches_torch(size, out, dtype):
    x = _data((2, 2, *size), dtype, 2)
    compare_with_torch(
        lambda t: F.adaptive_avg_pool2d(t, out), lambda t: TF.adaptive_avg_pool2d(t, out), [x]
    )
    compare_with_torch(
        lambda t: F.adaptive_avg_pool1d(t, out[0]),
        lambda t: TF.adaptive_avg_pool1d(t, out[0]),
        [x[0]],
    )


def test_max_pool_gradient_goes_to_first_maximum():
    x = mt.tensor([[[[1.0, 1.0], [1.0, 0.0]]]], requires_grad=True)
    y, idx = F.max_pool2d(x, 2, return_indices=True)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[1.0, 0.0], [0.0, 0.0]]]])
    assert idx.dtype == mt.int64 and idx.item() == 0


def test_max_pool_propagates_nan():
    x = np.array([[[1.0, np.nan, 3.0, 2.0]]])
    compare_with_torch(lambda t: F.max_pool1d(t, 2), lambda t: TF.max_pool1d(t, 2), [x])


GRAD_CASES = [
    (F.max_pool2d, (1, 2, 5, 5), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    (F.max_pool1d, (2, 1, 6), {"kernel_size": 2, "dilation": 2}),
    (
        F.avg_pool2d,
        (1, 2, 5, 4),
        {
            "kernel_size": 3,
            "stride": 2,
            "padding": 1,
            "ceil_mode": True,
            "count_include_pad": False,
        },
    ),  # fmt: skip
    (F.adaptive_avg_pool2d, (1, 2, 5, 7), {"output_size": (3, 4)}),
]


@pytest.mark.parametrize(("fn", "shape", "kwargs"), GRAD_CASES)
def test_pool_gradcheck_and_gradgradcheck(fn, shape, kwargs):
    # distinct values keep the maxima away from ties, where max is not differentiable
    x = np.random.default_rng(3).permutation(np.prod(shape)).reshape(shape) / 7.0
    check_gradients(lambda t: fn(t, **kwargs), [x])


# --- modules --------------------------------------------------------------------------------

MODULES = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3, 2, 1, 2, True, True), {}),
    ("MaxPool1d", (3,), {"stride": 2, "ceil_mode": True}),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3, 2, 1, True, False, 2), {}),
    ("AvgPool1d", (3,), {"stride": 2, "padding": 1}),
    ("AdaptiveAvgPool2d", ((3, None),), {}),
    ("AdaptiveAvgPool2d", (2,), {}),
    ("AdaptiveAvgPool1d", (4,), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), MODULES)
def test_module_matches_torch(name, args, kwargs):
    m, t = getattr(mt.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(m) == repr(t)
    assert m.state_dict() == {} and list(t.state_dict()) == []
    shape = (2, 3, 9) if name.endswith("1d") else (2, 3, 7, 9)
    x = _data(shape, np.float64, 4)
    ym, yt = m(mt.tensor(x)), t(torch.tensor(x))
    for a, b in zip(*[o if isinstance(o, tuple) else (o,) for o in (ym, yt)], strict=True):
        assert_same(a, b)


# --- errors ---------------------------------------------------------------------------------


def test_pool_output_too_small():
    with pytest.raises(RuntimeError, match=r"max_pool2d\(\): Given input size: \(1x3x3\). "
                       r"Calculated output size: \(1x0x0\). Output size is too small"):  # fmt: skip
        mt.nn.MaxPool2d(5)(mt.randn(1, 1, 3, 3))


def test_pool_padding_too_large():
    with pytest.raises(RuntimeError, match="pad at most half of kernel size, but got "
                       "pad=2, kernel_size=2"):  # fmt: skip
        F.max_pool2d(mt.randn(1, 1, 3, 3), 2, padding=2)
    with pytest.raises(RuntimeError, match=r"avg_pool2d\(\).*pad=2"):
        F.avg_pool2d(mt.randn(1, 1, 3, 3), 3, padding=2)


def test_pool_wrong_rank_and_types():
    with pytest.raises(RuntimeError, match=r"max_pool2d\(\): Expected 3D or 4D .* input of "
                       r"size: \[3, 3\]"):  # fmt: skip
        F.max_pool2d(mt.randn(3, 3), 2)
    with pytest.raises(RuntimeError, match=r"avg_pool1d\(\): Expected 2D or 3D"):
        F.avg_pool1d(mt.randn(1, 1, 3, 3), 2)
    with pytest.raises(TypeError, match="input must be a Tensor"):
        F.max_pool2d(np.ones((1, 1, 2, 2)), 2)
    with pytest.raises(RuntimeError, match="kernel_size must be an int or a tuple of 2 ints"):
        F.max_pool2d(mt.randn(1, 1, 4, 4), (2, 2, 2))
    with pytest.raises(TypeError, match="kernel_size must be an int or a tuple of 2 ints"):
        F.max_pool2d(mt.randn(1, 1, 4, 4), 2.5)
    with pytest.raises(RuntimeError, match="output_size must have 2 elements"):
        F.adaptive_avg_pool2d(mt.randn(1, 1, 4, 4), (2, 2, 2))
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        F.avg_pool2d(mt.randn(1, 1, 4, 4), 2, divisor_override=0)
