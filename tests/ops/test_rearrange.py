"""repeat, tile, flip, roll, tril, triu, pad."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)
SMALL = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=2)  # for gradcheck


def dims_of(ndim):
    n = max(ndim, 1)
    return st.integers(-n, n - 1)


@st.composite
def repeat_args(draw, shapes):
    shape = draw(shapes)
    repeats = draw(st.lists(st.integers(0, 2), min_size=len(shape), max_size=len(shape) + 2))
    return shape, (tuple(repeats),)


@st.composite
def tile_args(draw, shapes):
    shape = draw(shapes)
    return shape, (tuple(draw(st.lists(st.integers(0, 2), max_size=len(shape) + 1))),)


@st.composite
def flip_args(draw, shapes):
    shape = draw(shapes)
    dims = draw(st.lists(st.integers(0, max(len(shape), 1) - 1), unique=True))
    return shape, (tuple(d - max(len(shape), 1) if d % 2 else d for d in dims),)


@st.composite
def roll_args(draw, shapes):
    shape = draw(shapes)
    if not shape or draw(st.booleans()):
        return shape, (draw(st.integers(-4, 4)),)
    dims = draw(st.lists(dims_of(len(shape)), min_size=1, max_size=3))
    shifts = draw(st.lists(st.integers(-4, 4), min_size=len(dims), max_size=len(dims)))
    if len(dims) == 1 and draw(st.booleans()):
        return shape, (shifts[0], dims[0])
    return shape, (tuple(shifts), tuple(dims))


@st.composite
def triangle_args(draw, shapes):
    return draw(shapes.filter(lambda s: len(s) >= 2)), (draw(st.integers(-3, 3)),)


@st.composite
def constant_pad_args(draw, shapes):
    shape = draw(shapes)
    k = draw(st.integers(0, len(shape)))
    widths = []
    for n in shape[len(shape) - k :][::-1]:
        before = draw(st.integers(-n, 2))
        widths += [before, draw(st.integers(-(n + min(before, 0)), 2))]
    return shape, (tuple(widths), "constant", draw(st.sampled_from([None, 0.0, 1.5])))


@st.composite
def mode_pad_args(draw, shapes, mode):
    """Pad the last 1 or 2 dims of a 2-D or 3-D input (3-D padding: test_pad_3d)."""
    shape = draw(shapes.filter(lambda s: len(s) >= 2 and min(s) > 0))
    k = draw(st.integers(1, len(shape) - 1))
    widths = []
    for n in shape[::-1][:k]:
        most = {"reflect": n - 1, "circular": n, "replicate": 2}[mode]
        widths += [draw(st.integers(0, most)), draw(st.integers(0, most))]
    return shape, (tuple(widths), mode)


def pad_args(mode):
    return lambda shapes: mode_pad_args(shapes, mode)


# name, microtensor function, torch function, strategy of (shape, extra args) given shapes
OPS = [
    ("repeat", mt.ops.repeat, lambda x, s: x.repeat(s), repeat_args),
    ("tile", mt.tile, torch.tile, tile_args),
    ("flip", mt.flip, torch.flip, flip_args),
    ("roll", mt.roll, torch.roll, roll_args),
    ("tril", mt.tril, torch.tril, triangle_args),
    ("triu", mt.triu, torch.triu, triangle_args),
    ("pad_constant", mt.ops.pad, F.pad, constant_pad_args),
    ("pad_reflect", mt.ops.pad, F.pad, pad_args("reflect")),
    ("pad_replicate", mt.ops.pad, F.pad, pad_args("replicate")),
    ("pad_circular", mt.ops.pad, F.pad, pad_args("circular")),
]
IDS = [op[0] for op in OPS]


@pytest.mark.parametrize("name,mt_fn,torch_fn,args", OPS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_matches_torch(name, mt_fn, torch_fn, args, dtype, data, seed):
    rng = np.random.default_rng(seed)
    shape, extra = data.draw(args(SHAPES))
    compare_with_torch(mt_fn, torch_fn, [rng.standard_normal(shape).astype(dtype), *extra], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn,args", OPS, ids=IDS)
@given(data=st.data())
def test_gradcheck(name, mt_fn, torch_fn, args, data):
    shape, extra = data.draw(args(SMALL))
    check_gradients(mt_fn, [np.random.default_rng(0).standard_normal(shape), *extra])


@pytest.mark.parametrize("name,mt_fn,torch_fn,args", OPS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
@given(data=st.data())
def test_integer_and_bool_inputs(name, mt_fn, torch_fn, args, dtype, data):
    if dtype == np.bool_ and name in ("pad_reflect", "pad_replicate"):
        pytest.skip("torch implements no bool reflection or replication padding")
    shape, extra = data.draw(args(SHAPES))
    if dtype == np.bool_ and name.startswith("pad") and extra[-1] == 1.5:
        extra = (*extra[:-1], None)  # a float fill value for a bool tensor is an error in torch
    x = np.random.default_rng(0).integers(0, 2, size=shape).astype(dtype)
    compare_with_torch(mt_fn, torch_fn, [x, *extra], grad=False)


def test_pad_3d():
    rng = np.random.default_rng(0)
    for mode in ("reflect", "replicate", "circular"):
        x = rng.standard_normal((1, 2, 2, 3))
        compare_with_torch(mt.ops.pad, F.pad, [x, (2, 1, 1, 0, 0, 1), mode], rng=rng)
        pad_3d = lambda t, mode=mode: mt.ops.pad(t, (1, 0, 0, 1, 1, 0), mode)  # noqa: E731
        check_gradients(pad_3d, [x[:, :, :, :2]])


def test_results_are_copies():
    x = mt.zeros(2, 2)
    results = [
        x.flip(0),
        x.roll(1),
        x.repeat(1, 1),
        x.tile((1,)),
        x.tril(),
        x.triu(),
        mt.ops.pad(x, (0, 0)),
        mt.ops.pad(x, (1, 1)),
        mt.ops.pad(x.unsqueeze(0), (1, 1), mode="reflect"),
    ]
    with mt.no_grad():
        x.add_(1)
    assert all(np.all(r.numpy() == 0) for r in results)


def test_flip_with_no_dims_copies_unchanged():
    x = mt.tensor([1.0, 2.0])
    assert x.flip(()).tolist() == [1.0, 2.0]


def test_roll_without_dims_flattens():
    x = mt.tensor([[1, 2], [3, 4]])
    assert x.roll(1).tolist() == [[4, 1], [2, 3]]
    assert x.roll((1, 1), (0, 0)).tolist() == [[1, 2], [3, 4]]


def test_negative_constant_padding_crops():
    x = mt.arange(6.0).reshape(2, 3)
    assert mt.ops.pad(x, (-1, 1, 0, -1), value=7.0).tolist() == [[1.0, 2.0, 7.0]]


def test_pad_fill_value_does_not_change_the_gradient():
    x = mt.ones(2, requires_grad=True)
    mt.ops.pad(x, (1, 1), value=5.0).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_node_names_follow_pytorch():
    x = mt.zeros(2, 3, requires_grad=True)
    assert x.flip(0).grad_fn.name() == "FlipBackward0"
    assert x.repeat(2, 1).grad_fn.name() == "RepeatBackward0"
    assert x.tril().grad_fn.name() == "TrilBackward0"


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda x: x.repeat(2), r"Number of dimensions of repeat dims \(1\) can not be smaller"),
        (lambda x: x.repeat(2, -1), r"repeats must be non-negative, got \[2, -1\]"),
        (lambda x: x.tile((-1,)), "repeats must be non-negative"),
        (lambda x: x.flip((0, 0)), "flip\\(\\): dim .* appears multiple times"),
        (lambda x: x.roll((1, 2), 0), "shifts and dimensions must align. shifts: 2, dims:1"),
        (lambda x: x.roll((1, 2)), "shifts and dimensions must align. shifts: 2, dims:0"),
        (lambda x: mt.zeros(3).tril(), "tril: input tensor must have at least 2 dimensions"),
        (lambda x: mt.zeros(3).triu(), "triu: input tensor must have at least 2 dimensions"),
        (lambda x: mt.ops.pad(x, (1,)), "Padding length must be divisible by 2"),
        (lambda x: mt.ops.pad(x, (1,) * 6), "padding length 6 and input of dimension 2"),
        (
            lambda x: mt.ops.pad(x, (-2, -2)),
            r"input size 3, plus negative padding -2 and -2 resulted in "
            "a negative output size",
        ),
        (
            lambda x: mt.ops.pad(x.unsqueeze(0), (3, 3), mode="reflect"),
            r"Padding size should be less than the corresponding input dimension, but got: padding "
            r"\(3, 3\) at dimension 2",
        ),
        (
            lambda x: mt.ops.pad(x.unsqueeze(0), (4, 4), mode="circular"),
            "wrapping around more than once",
        ),
        (lambda x: mt.ops.pad(x[:, :0].unsqueeze(0), (1, 1), mode="replicate"), "non-empty dim"),
        (lambda x: mt.ops.pad(x.unsqueeze(0), (-4, 1), mode="replicate"), "too small for padding"),
        (
            lambda x: mt.ops.pad(x.unsqueeze(0), (1, 1), mode="replicate", value=1.0),
            'Padding mode "replicate" doesn\'t take in value argument',
        ),
    ],
)
def test_runtime_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call(mt.zeros(2, 3))


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda x: mt.ops.pad(x, (1, 1), mode="foo"), "Unrecognised padding mode foo"),
        (lambda x: mt.ops.pad(x.reshape(6), (1, 1), mode="reflect"), "size 2 is not supported for 1D"),
        (
            lambda x: mt.ops.pad(x, (1, 1, 1, 1), mode="reflect"),
            "Padding size 4 is not supported for 2D",
        ),
    ],
)
def test_unsupported_padding_raises_not_implemented(call, match):
    with pytest.raises(NotImplementedError, match=match):
        call(mt.zeros(2, 3))


@pytest.mark.parametrize("call", [lambda x: x.flip(2), lambda x: x.roll(1, -3)])
def test_bad_dims_raise_index_error(call):
    with pytest.raises(IndexError, match="Dimension out of range"):
        call(mt.zeros(2, 3))
