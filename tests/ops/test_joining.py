"""cat, stack, hstack, vstack, split, chunk, unbind, narrow."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

SHAPES = array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3)
SMALL = array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=2)  # for gradcheck


def dims_of(ndim):
    return st.integers(-ndim, ndim - 1)


@st.composite
def cat_args(draw, shapes, max_side):
    shape = draw(shapes)
    dim = draw(dims_of(len(shape)))
    sizes = draw(st.lists(st.integers(0, max_side), min_size=1, max_size=3))
    pieces = [shape[: dim % len(shape)] + (n,) + shape[dim % len(shape) + 1 :] for n in sizes]
    return pieces, (dim,)


@st.composite
def stack_args(draw, shapes, max_side):
    shape = draw(shapes)
    count = draw(st.integers(1, 3))
    return [shape] * count, (draw(st.integers(-len(shape) - 1, len(shape))),)


@st.composite
def hstack_args(draw, shapes, max_side):
    rows = draw(st.integers(0, max_side))
    cols = draw(st.lists(st.integers(0, max_side), min_size=1, max_size=3))
    if draw(st.booleans()):
        return [(c,) for c in cols], ()
    return [(rows, c) for c in cols], ()


@st.composite
def vstack_args(draw, shapes, max_side):
    cols = draw(st.integers(0, max_side))
    rows = draw(st.lists(st.integers(1, max_side), min_size=1, max_size=3))
    return [(cols,) if r == 1 and draw(st.booleans()) else (r, cols) for r in rows], ()


@st.composite
def split_args(draw, shapes, max_side):
    shape = draw(shapes)
    dim = draw(dims_of(len(shape)))
    n = shape[dim]
    if draw(st.booleans()):
        return [shape], (draw(st.integers(1, 4)) if n else draw(st.integers(0, 2)), dim)
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
    sections = [b - a for a, b in zip([0, *cuts], [*cuts, n], strict=True)]
    return [shape], (sections, dim)


@st.composite
def chunk_args(draw, shapes, max_side):
    shape = draw(shapes)
    return [shape], (draw(st.integers(1, 5)), draw(dims_of(len(shape))))


@st.composite
def unbind_args(draw, shapes, max_side):
    shape = draw(shapes)
    return [shape], (draw(dims_of(len(shape))),)


@st.composite
def narrow_args(draw, shapes, max_side):
    shape = draw(shapes)
    dim = draw(dims_of(len(shape)))
    n = shape[dim]
    start = draw(st.integers(0, n))
    length = draw(st.integers(0, n - start))
    if start < n and draw(st.booleans()):
        start -= n
    return [shape], (dim, start, length)


def joined(fn):
    """``fn(tensors, *options)`` called as ``f(*tensors, *options)``, tensors being arrays."""

    def call(*args):
        tensors = [a for a in args if isinstance(a, mt.Tensor | torch.Tensor)]
        return fn(tensors, *args[len(tensors) :])

    return call


# name, microtensor function, torch function, strategy of (input shapes, extra args)
JOINING_OPS = [
    ("cat", joined(mt.cat), joined(torch.cat), cat_args),
    ("concat", joined(mt.concat), joined(torch.concat), cat_args),
    ("concatenate", joined(mt.concatenate), joined(torch.concatenate), cat_args),
    ("stack", joined(mt.stack), joined(torch.stack), stack_args),
    ("hstack", joined(mt.hstack), joined(torch.hstack), hstack_args),
    ("vstack", joined(mt.vstack), joined(torch.vstack), vstack_args),
    ("split", mt.split, torch.split, split_args),
    ("chunk", mt.chunk, torch.chunk, chunk_args),
    ("unbind", mt.unbind, torch.unbind, unbind_args),
    ("narrow", mt.narrow, torch.narrow, narrow_args),
]
IDS = [op[0] for op in JOINING_OPS]


@pytest.mark.parametrize("name,mt_fn,torch_fn,args", JOINING_OPS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_matches_torch(name, mt_fn, torch_fn, args, dtype, data, seed):
    rng = np.random.default_rng(seed)
    shapes, extra = data.draw(args(SHAPES, 3))
    arrays = [(rng.standard_normal(s) * 3).astype(dtype) for s in shapes]
    compare_with_torch(mt_fn, torch_fn, [*arrays, *extra], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn,args", JOINING_OPS, ids=IDS)
@given(data=st.data())
def test_gradcheck(name, mt_fn, torch_fn, args, data):
    shapes, extra = data.draw(args(SMALL, 2))
    rng = np.random.default_rng(0)
    check_gradients(mt_fn, [*(rng.standard_normal(s) for s in shapes), *extra])


# --- PyTorch's special rules -----------------------------------------------------------------


def test_cat_skips_legacy_empty_1d_tensors():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3))
    empty = np.zeros(0)
    out = compare_with_torch(joined(mt.cat), joined(torch.cat), [empty, x, empty, 1], rng=rng)
    assert out.shape == (2, 3)
    compare_with_torch(joined(mt.cat), joined(torch.cat), [empty, empty, 0], rng=rng)
    check_gradients(joined(mt.cat), [empty, x, 0])


def test_cat_of_empty_tensors():
    assert mt.cat([mt.zeros(0, 3), mt.zeros(0, 3)]).shape == (0, 3)
    assert mt.cat([mt.zeros(2, 0), mt.zeros(2, 3)], dim=1).shape == (2, 3)


@pytest.mark.parametrize(
    "dtypes,expected",
    [
        ((np.float32, np.float64), mt.float64),
        ((np.int32, np.int64), mt.int64),
        ((np.bool_, np.int64), mt.int64),
        ((np.uint8, np.int8), mt.int16),
        ((np.int64, np.float32), mt.float32),
    ],
)
def test_cat_and_stack_promote_dtypes(dtypes, expected):
    tensors = [mt.tensor(np.ones(2, dtype=d)) for d in dtypes]
    assert mt.cat(tensors).dtype == expected
    assert mt.stack(tensors).dtype == expected


def test_gradients_flow_back_in_each_inputs_dtype():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 2)).astype(np.float32), rng.standard_normal((1, 2))
    compare_with_torch(joined(mt.cat), joined(torch.cat), [a, b, 0], rng=rng)


def test_chunk_sizes_follow_pytorch():
    assert [c.shape[0] for c in mt.chunk(mt.zeros(6), 4)] == [2, 2, 2]
    assert [c.shape[0] for c in mt.chunk(mt.zeros(5), 3)] == [2, 2, 1]
    assert [c.shape[0] for c in mt.chunk(mt.zeros(2), 5)] == [1, 1]
    assert [c.shape[0] for c in mt.chunk(mt.zeros(0), 3)] == [0, 0, 0]


def test_split_returns_tuples_and_tensor_methods_delegate():
    x = mt.arange(5.0)
    assert isinstance(mt.split(x, 2), tuple) and isinstance(x.unbind(), tuple)
    assert [p.tolist() for p in x.split([1, 4])] == [[0.0], [1.0, 2.0, 3.0, 4.0]]
    assert [p.tolist() for p in x.chunk(2)] == [[0.0, 1.0, 2.0], [3.0, 4.0]]
    assert x.narrow(0, -2, 2).tolist() == [3.0, 4.0]


def test_unused_pieces_get_zero_gradient():
    x = mt.arange(6.0, requires_grad=True)
    a, b, c = x.split(2)
    (b * 3).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 3.0, 3.0, 0.0, 0.0]


def test_node_names_follow_pytorch():
    x = mt.zeros(2, 3, requires_grad=True)
    assert mt.cat([x, x]).grad_fn.name() == "CatBackward0"
    assert mt.stack([x, x]).grad_fn.name() == "StackBackward0"
    assert x.split(1)[0].grad_fn.name() == "SplitBackward0"
    assert x.unbind()[0].grad_fn.name() == "UnbindBackward0"


# --- views and copies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pieces",
    [
        lambda x: x.split(2),
        lambda x: x.split([1, 3], 0),
        lambda x: x.chunk(2, 0),
        lambda x: x.unbind(),
        lambda x: x.unbind(1),
        lambda x: (x.narrow(0, 1, 2), x.narrow(1, -1, 1)),
    ],
    ids=["split", "split_sections", "chunk", "unbind", "unbind_1", "narrow"],
)
def test_pieces_are_views(pieces):
    x = mt.zeros(4, 2)
    parts = pieces(x)
    with mt.no_grad():
        x.add_(1)
    assert all(np.all(p.numpy() == 1) and p._version == 1 for p in parts)


@pytest.mark.parametrize("join", [mt.cat, mt.stack, mt.hstack, mt.vstack])
def test_joins_copy(join):
    x = mt.zeros(2, 2)
    y = join([x, x])
    with mt.no_grad():
        x.add_(1)
    assert np.all(y.numpy() == 0) and y._version == 0


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call,match",
    [
        (
            lambda: mt.cat([mt.zeros(2, 3), mt.zeros(3, 3)], 1),
            r"Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 "
            r"for tensor number 1 in the list \(shapes \(2, 3\) and \(3, 3\)\)",
        ),
        (lambda: mt.cat([mt.zeros(2, 3), mt.zeros(3)]), "same number of dimensions: got 2 and 1"),
        (
            lambda: mt.cat([mt.zeros(2), mt.tensor(1.0)]),
            r"zero-dimensional tensor \(at position 1\)",
        ),
        (lambda: mt.stack([]), "stack expects a non-empty TensorList"),
        (
            lambda: mt.stack([mt.zeros(2), mt.zeros(3)]),
            r"equal size, but got \[2\] at entry 0 and \[3\] at entry 1",
        ),
        (lambda: mt.split(mt.tensor(1.0), 1), "split expects at least a 1-dimensional tensor"),
        (lambda: mt.split(mt.zeros(3), -1), "split_size be non-negative, but got split_size=-1"),
        (lambda: mt.split(mt.zeros(3), 0), "split_size can only be 0 if dimension size is 0"),
        (lambda: mt.split(mt.zeros(3), [1, 1]), r"sum exactly to 3 .* split_sizes=\[1, 1\]"),
        (lambda: mt.split(mt.zeros(3), [-1, 4]), "only non-negative entries"),
        (lambda: mt.chunk(mt.zeros(3), 0), "chunk expects `chunks` to be greater than 0, got: 0"),
        (lambda: mt.chunk(mt.tensor(1.0), 1), "chunk expects at least a 1-dimensional tensor"),
        (lambda: mt.narrow(mt.tensor(1.0), 0, 0, 1), "cannot be applied to a 0-dim tensor"),
        (lambda: mt.narrow(mt.zeros(3), 0, 1, -1), "length must be non-negative"),
        (
            lambda: mt.narrow(mt.zeros(3), 0, 1, 3),
            r"start \(1\) \+ length \(3\) exceeds dimension "
            r"size \(3\)",
        ),
    ],
)
def test_runtime_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: mt.cat([mt.zeros(2), mt.zeros(2)], 1), r"cat\(\): Dimension out of range"),
        (lambda: mt.stack([mt.zeros(2), mt.zeros(2)], -3), r"stack\(\): Dimension out of range"),
        (lambda: mt.split(mt.zeros(2), 1, 1), r"split\(\): Dimension out of range"),
        (lambda: mt.chunk(mt.zeros(2), 1, -2), r"chunk\(\): Dimension out of range"),
        (lambda: mt.unbind(mt.zeros(2), 1), r"unbind\(\): Dimension out of range"),
        (
            lambda: mt.unbind(mt.tensor(1.0)),
            "Dimension specified as 0 but tensor has no dimensions",
        ),
        (lambda: mt.narrow(mt.zeros(2), 1, 0, 1), r"narrow\(\): Dimension out of range"),
        (
            lambda: mt.narrow(mt.zeros(3), 0, 4, 0),
            r"start out of range \(expected to be in range "
            r"of \[-3, 3\], but got 4\)",
        ),
    ],
)
def test_index_errors(call, match):
    with pytest.raises(IndexError, match=match):
        call()


def test_cat_of_nothing_raises_value_error():
    with pytest.raises(ValueError, match="expected a non-empty list of Tensors"):
        mt.cat([])


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: mt.cat(mt.zeros(2)), "argument 'tensors' must be a tuple or list of Tensors"),
        (lambda: mt.stack([mt.zeros(2), [1.0, 2.0]]), "expected a Tensor at position 1"),
    ],
)
def test_type_errors(call, match):
    with pytest.raises(TypeError, match=match):
        call()
