"""Convolutions (nn/_functional/conv.py, nn/conv.py) against PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import assert_same, check_gradients, compare_with_torch

DTYPES = [np.float64, np.float32]


@st.composite
def conv_cases(draw, transposed=False):
    """Shapes and options of a convolution whose padded input fits the kernel."""
    nd = draw(st.sampled_from([1, 2]))
    groups = draw(st.sampled_from([1, 2]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    extents = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    if transposed:  # keep the output non-empty: 2 * padding < extent
        pads = tuple(min(draw(st.integers(0, 1)), (e - 1) // 2) for e in extents)
        padding = draw(st.sampled_from([pads, pads[0]])) if len(set(pads)) == 1 else pads
        size = tuple(draw(st.integers(1, 4)) for _ in range(nd))
    else:
        padding = draw(st.sampled_from([0, 1, (1,) * nd, "valid", "same"]))
        padding = "valid" if padding == "same" and max(stride) > 1 else padding
        pads = (padding,) * nd if isinstance(padding, int) else padding
        pads = (0,) * nd if padding in ("valid", "same") else pads
        size = tuple(
            max(1, e - 2 * p + draw(st.integers(0, 3))) for e, p in zip(extents, pads, strict=True)
        )
    case = {
        "nd": nd,
        "x": (draw(st.integers(1, 2)), cin, *size),
        "w": (cin, cout // groups, *kernel) if transposed else (cout, cin // groups, *kernel),
        "bias": cout if draw(st.booleans()) else None,
        "kwargs": {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups},
    }
    if transposed:
        case["kwargs"]["output_padding"] = tuple(
            draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation, strict=True)
        )
    return case


def _arrays(case, dtype, rng):
    arrays = [rng.standard_normal(case["x"]), rng.standard_normal(case["w"])]
    if case["bias"] is not None:
        arrays.append(rng.standard_normal(case["bias"]))
    return [a.astype(dtype) for a in arrays]


@pytest.mark.parametrize("dtype", DTYPES)
@given(case=conv_cases())
def test_conv_matches_torch(case, dtype):
    mt_fn, torch_fn = (F.conv1d, torch.nn.functional.conv1d) if case["nd"] == 1 else (
        F.conv2d, torch.nn.functional.conv2d)  # fmt: skip
    kwargs = case["kwargs"]
    compare_with_torch(
        lambda *a: mt_fn(*a, **kwargs),
        lambda *a: torch_fn(*a, **kwargs),
        _arrays(case, dtype, np.random.default_rng(1)),
    )


@pytest.mark.parametrize("dtype", DTYPES)
@given(case=conv_cases(transposed=True))
def test_conv_transpose_matches_torch(case, dtype):
    if case["nd"] == 1:
        mt_fn, torch_fn = F.conv_transpose1d, torch.nn.functional.conv_transpose1d
    else:
        mt_fn, torch_fn = F.conv_transpose2d, torch.nn.functional.conv_transpose2d
    kwargs = case["kwargs"]
    compare_with_torch(
        lambda *a: mt_fn(*a, **kwargs),
        lambda *a: torch_fn(*a, **kwargs),
        _arrays(case, dtype, np.random.default_rng(2)),
    )


def test_conv2d_unbatched_and_example_values():
    x = mt.arange(9.0).reshape(1, 3, 3)
    out = F.conv2d(x, mt.ones(2, 1, 2, 2), mt.tensor([0.0, 1.0]))
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out.numpy(), [[[8, 12], [20, 24]], [[9, 13], [21, 25]]])


GRAD_CASES = [
    (F.conv2d, (1, 2, 5, 4), (4, 1, 3, 2), {"stride": 2, "padding": 1, "groups": 2}),
    (F.conv2d, (2, 1, 4, 4), (2, 1, 2, 2), {"padding": "same", "dilation": (1, 2)}),
    (F.conv1d, (1, 2, 6), (2, 2, 3), {"stride": 2, "dilation": 2, "padding": 1}),
    (F.conv_transpose2d, (1, 2, 3, 3), (2, 1, 3, 2), {"stride": 2, "output_padding": 1}),
    (F.conv_transpose2d, (1, 2, 2, 3), (2, 2, 2, 2), {"padding": 1, "groups": 2, "dilation": 2}),
    (F.conv3d, (1, 2, 3, 2, 3), (2, 1, 2, 1, 2), {"padding": (1, 0, 0), "groups": 2}),
    (F.conv_transpose3d, (1, 1, 2, 2, 1), (1, 2, 2, 1, 2), {"stride": (2, 1, 1)}),
]


@pytest.mark.parametrize(("fn", "x_shape", "w_shape", "kwargs"), GRAD_CASES)
def test_conv_gradcheck_and_gradgradcheck(fn, x_shape, w_shape, kwargs):
    rng = np.random.default_rng(3)
    transposed = fn in (F.conv_transpose2d, F.conv_transpose3d)
    channels = w_shape[1] * kwargs.get("groups", 1) if transposed else w_shape[0]
    arrays = [rng.standard_normal(s) for s in (x_shape, w_shape, (channels,))]
    check_gradients(lambda x, w, b: fn(x, w, b, **kwargs), arrays)


def test_conv2d_double_backward_matches_torch():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    results = []
    for lib, fn in ((mt, F.conv2d), (torch, torch.nn.functional.conv2d)):
        xs, ws = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        (gx,) = lib.autograd.grad((fn(xs, ws, stride=2, padding=1) ** 2).sum(), [xs],
                                  create_graph=True)  # fmt: skip
        results.append(lib.autograd.grad((gx**2).sum(), [xs, ws]))
    for a, b in zip(*results, strict=True):
        assert_same(a, b)


# --- modules --------------------------------------------------------------------------------

MODULES = [
    ("Conv2d", (1, 16, 3), {}),
    ("Conv2d", (1, 16, (3, 5)), {"stride": 2, "padding": 1, "dilation": 2, "bias": False}),
    ("Conv2d", (2, 4, 3), {"padding": "same", "groups": 2}),
    ("Conv2d", (2, 4, 3), {"padding": 1, "padding_mode": "reflect"}),
    ("Conv2d", (2, 4, 2), {"padding": "same", "padding_mode": "replicate"}),
    ("Conv2d", (2, 4, 3), {"padding": (1, 2), "padding_mode": "circular"}),
    ("Conv1d", (2, 4, 3), {"stride": 2, "padding": 1}),
    ("ConvTranspose2d", (2, 4, 3), {"stride": 2, "output_padding": 1, "groups": 2}),
    ("ConvTranspose1d", (2, 4, 3), {"stride": 3, "padding": 1}),
    ("Conv3d", (2, 4, (2, 3, 2)), {"stride": (1, 2, 1), "padding": 1, "groups": 2}),
    ("Conv3d", (2, 3, 3), {"padding": "same", "padding_mode": "replicate"}),
    ("ConvTranspose3d", (2, 3, 2), {"stride": 2, "output_padding": (1, 0, 1)}),
]


def _twins(name, args, kwargs, dtype):
    m = getattr(mt.nn, name)(*args, **kwargs, dtype=getattr(mt, dtype))
    t = getattr(torch.nn, name)(*args, **kwargs, dtype=getattr(torch, dtype))
    with torch.no_grad():
        for key, value in m.state_dict().items():
            t.get_parameter(key).copy_(torch.tensor(value.numpy()))
    return m, t


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("name", "args", "kwargs"), MODULES)
def test_module_matches_torch(name, args, kwargs, dtype):
    m, t = _twins(name, args, kwargs, dtype)
    assert repr(m) == repr(t)
    shape = {"1": (2, args[0], 7), "2": (2, args[0], 6, 7), "3": (2, args[0], 3, 4, 5)}[name[-2]]
    x = np.random.default_rng(5).standard_normal(shape).astype(dtype)
    xm, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ym, yt = m(xm), t(xt)
    assert_same(ym, yt)
    upstream = np.random.default_rng(6).standard_normal(yt.shape).astype(dtype)
    ym.backward(mt.tensor(upstream))
    yt.backward(torch.tensor(upstream))
    assert_same(xm.grad, xt.grad)
    for key, param in m.named_parameters():
        assert_same(param.grad, t.get_parameter(key).grad, what=key)


@pytest.mark.parametrize(("name", "args", "kwargs"), MODULES)
def test_state_dict_keys_shapes_and_init(name, args, kwargs):
    mt.manual_seed(0)
    m = getattr(mt.nn, name)(*args, **kwargs)
    t = getattr(torch.nn, name)(*args, **kwargs)
    ours = {k: tuple(v.shape) for k, v in m.state_dict().items()}
    assert ours == {k: tuple(v.shape) for k, v in t.state_dict().items()}
    m.load_state_dict({k: mt.tensor(v.numpy()) for k, v in t.state_dict().items()})
    np.testing.assert_array_equal(m.weight.detach().numpy(), t.weight.detach().numpy())
    bound = 1 / math.sqrt(m.weight.shape[1] * math.prod(m.kernel_size))
    for p in m.parameters():
        assert p.dtype == mt.float32
        assert np.abs(p.detach().numpy()).max() <= bound
    assert np.abs(m.weight.detach().numpy()).max() > bound / 2


def test_conv2d_module_unbatched_input():
    m = mt.nn.Conv2d(3, 2, 2)
    assert m(mt.randn(3, 4, 4)).shape == (2, 3, 3)


# --- errors ---------------------------------------------------------------------------------


def test_conv2d_wrong_channel_count_uses_torch_wording():
    conv = mt.nn.Conv2d(1, 16, 3)
    with pytest.raises(RuntimeError, match=r"Given groups=1, weight of size \[16, 1, 3, 3\], "
                       r"expected input\[2, 3, 8, 8\] to have 1 channels, but got 3 channels"):  # fmt: skip
        conv(mt.randn(2, 3, 8, 8))


def test_conv_transpose_wrong_channel_count():
    with pytest.raises(RuntimeError, match=r"Given transposed=1, weight of size \[2, 3, 3, 3\]"):
        F.conv_transpose2d(mt.randn(2, 3, 4, 4), mt.randn(2, 3, 3, 3))


def test_conv_kernel_larger_than_padded_input():
    with pytest.raises(RuntimeError, match=r"conv2d\(\): calculated padded input size per "
                       r"channel: \(3 x 3\). Kernel size: \(5 x 5\)"):  # fmt: skip
        mt.nn.Conv2d(1, 2, 5)(mt.randn(2, 1, 3, 3))


@pytest.mark.parametrize(
    ("fn", "shape", "w_shape", "message"),
    [
        (F.conv2d, (3,), (1, 1, 1, 1), r"Expected 3D \(unbatched\) or 4D \(batched\) input to "
         r"conv2d, but got input of size: \[3\]"),
        (F.conv1d, (2, 1, 3, 3), (1, 1, 1), r"Expected 2D \(unbatched\) or 3D \(batched\) input "
         r"to conv1d, but got input of size: \[2, 1, 3, 3\]"),
        (F.conv2d, (1, 1, 3, 3), (1, 1, 1), r"conv2d\(\): expected a 4-D weight"),
    ],
)  # fmt: skip
def test_conv_wrong_rank(fn, shape, w_shape, message):
    with pytest.raises(RuntimeError, match=message):
        fn(mt.randn(*shape), mt.randn(*w_shape))


def test_conv_argument_errors():
    x, w = mt.randn(1, 2, 4, 4), mt.randn(2, 2, 3, 3)
    with pytest.raises(RuntimeError, match=r"input \(microtensor.float64\) and weight"):
        F.conv2d(x.double(), w)
    with pytest.raises(ValueError, match="not supported for strided"):
        F.conv2d(x, w, stride=2, padding="same")
    with pytest.raises(ValueError, match="Invalid padding string 'full'"):
        F.conv2d(x, w, padding="full")
    with pytest.raises(RuntimeError, match=r"expected bias of shape \(2,\)"):
        F.conv2d(x, w, mt.randn(3))
    with pytest.raises(TypeError, match="input must be a Tensor"):
        F.conv2d(x.numpy(), w)
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        F.conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        mt.nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        mt.nn.Conv2d(2, 3, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        mt.nn.Conv2d(2, 3, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        mt.nn.ConvTranspose2d(2, 3, 3, padding_mode="reflect")


@pytest.mark.parametrize("output_size", [(11, 12), (2, 8, 12, 11), (12, 11)])
def test_conv_transpose_output_size(output_size):
    m, t = _twins("ConvTranspose2d", (8, 4, 3), {"stride": 2, "padding": 1}, "float64")
    x = np.random.default_rng(7).standard_normal((2, 8, 6, 6))
    got, want = m(mt.tensor(x), output_size), t(torch.tensor(x), output_size)
    assert_same(got.detach(), want.detach())
    with pytest.raises(ValueError, match="valid sizes range from"):
        m(mt.tensor(x), (13, 11))
