"""reshape, view, flatten, unflatten, transpose, t, permute, movedim, squeeze, unsqueeze, expand."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

SHAPES = array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3)
SMALL = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=2)  # for gradcheck


def dims_of(ndim):
    """A valid dim of a tensor with ``ndim`` dims (0-d tensors accept -1 and 0)."""
    n = max(ndim, 1)
    return st.integers(-n, n - 1)


@st.composite
def reshape_args(draw, shapes):
    shape = draw(shapes)
    numel = math.prod(shape)
    targets = [(numel,), (-1,), (1, *shape), (*shape, 1), shape[::-1]]
    if numel == 1:
        targets.append(())
    if shape and shape[-1]:
        targets.append((-1, shape[-1]))
    return shape, (draw(st.sampled_from(targets)),)


@st.composite
def flatten_args(draw, shapes):
    shape = draw(shapes)
    start, end = draw(dims_of(len(shape))), draw(dims_of(len(shape)))
    n = max(len(shape), 1)
    if start % n > end % n:
        start, end = end, start
    return shape, (start, end)


@st.composite
def unflatten_args(draw, shapes):
    shape = draw(shapes.filter(len))
    dim = draw(dims_of(len(shape)))
    n = shape[dim]
    sizes = [(n,), (1, n), (n, 1), (1, n, 1)] + ([(-1,), (1, -1)] if n else [])
    return shape, (dim, draw(st.sampled_from(sizes)))


@st.composite
def two_dims(draw, shapes):
    shape = draw(shapes)
    return shape, (draw(dims_of(len(shape))), draw(dims_of(len(shape))))


@st.composite
def permute_args(draw, shapes):
    shape = draw(shapes)
    order = draw(st.permutations(range(len(shape))))
    negative = draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))
    dims = (d - len(shape) if neg else d for d, neg in zip(order, negative, strict=True))
    return shape, (tuple(dims),)


@st.composite
def movedim_args(draw, shapes):
    shape = draw(shapes.filter(len))
    k = draw(st.integers(1, len(shape)))
    src = draw(st.permutations(range(len(shape))))[:k]
    dst = draw(st.permutations(range(-len(shape), 0)))[:k]
    if k == 1 and draw(st.booleans()):
        return shape, (src[0], dst[0])
    return shape, (tuple(src), tuple(dst))


@st.composite
def squeeze_args(draw, shapes):
    shape = draw(shapes)
    ndim = len(shape)
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if choice == "none":
        return shape, ()
    if choice == "int":
        return shape, (draw(dims_of(ndim)),)
    dims = draw(st.lists(st.integers(0, max(ndim, 1) - 1), min_size=1, unique=True))
    return shape, (tuple(dims) if ndim else (0,),)


@st.composite
def unsqueeze_args(draw, shapes):
    shape = draw(shapes)
    return shape, (draw(dims_of(len(shape) + 1)),)


@st.composite
def expand_args(draw, shapes):
    shape = draw(shapes)
    lead = draw(st.lists(st.integers(0, 2), max_size=2))
    sizes = [
        draw(st.sampled_from([1, 2, 0, -1])) if n == 1 else draw(st.sampled_from([n, -1]))
        for n in shape
    ]
    return shape, (tuple(lead + sizes),)


def no_args(shapes):
    return st.tuples(shapes, st.just(()))


def matrix_args(shapes):
    return no_args(shapes.filter(lambda s: len(s) <= 2))


def batched_matrix_args(shapes):
    return no_args(shapes.filter(lambda s: len(s) >= 2))


# name, microtensor function, torch function, strategy of (shape, extra args) given shapes
SHAPE_OPS = [
    ("reshape", mt.reshape, torch.reshape, reshape_args),
    ("view", mt.ops.view, lambda x, s: x.view(s), reshape_args),
    ("flatten", mt.flatten, torch.flatten, flatten_args),
    ("unflatten", mt.unflatten, torch.unflatten, unflatten_args),
    ("transpose", mt.transpose, torch.transpose, two_dims),
    ("swapaxes", mt.swapaxes, torch.swapaxes, two_dims),
    ("swapdims", mt.swapdims, torch.swapdims, two_dims),
    ("t", mt.t, torch.t, matrix_args),
    ("T", lambda x: x.T, lambda x: x.permute(tuple(range(x.ndim - 1, -1, -1))), no_args),
    ("mT", lambda x: x.mT, lambda x: x.mT, batched_matrix_args),
    ("permute", mt.permute, torch.permute, permute_args),
    ("movedim", mt.movedim, torch.movedim, movedim_args),
    ("squeeze", mt.squeeze, torch.squeeze, squeeze_args),
    ("unsqueeze", mt.unsqueeze, torch.unsqueeze, unsqueeze_args),
    ("expand", mt.ops.expand, lambda x, s: x.expand(s), expand_args),
    ("broadcast_to", mt.broadcast_to, torch.broadcast_to, expand_args),
]
IDS = [op[0] for op in SHAPE_OPS]


def sample(rng, shape, dtype):
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(bool)
    if np.dtype(dtype).kind == "i":
        return rng.integers(-5, 5, size=shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("name,mt_fn,torch_fn,args", SHAPE_OPS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.bool_])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_matches_torch(name, mt_fn, torch_fn, args, dtype, data, seed):
    rng = np.random.default_rng(seed)
    shape, extra = data.draw(args(SHAPES))
    compare_with_torch(mt_fn, torch_fn, [sample(rng, shape, dtype), *extra], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn,args", SHAPE_OPS, ids=IDS)
@given(data=st.data())
def test_gradcheck(name, mt_fn, torch_fn, args, data):
    shape, extra = data.draw(args(SMALL))
    check_gradients(mt_fn, [np.random.default_rng(0).standard_normal(shape), *extra])


# --- views share memory and version counter with their base ----------------------------------

VIEWS = [
    ("reshape", lambda x: x.reshape(3, 2)),
    ("view", lambda x: x.view(-1)),
    ("flatten", lambda x: x.flatten()),
    ("unflatten", lambda x: x.unflatten(1, (3, 1))),
    ("transpose", lambda x: x.transpose(0, 1)),
    ("t", lambda x: x.t()),
    ("permute", lambda x: x.permute(1, 0)),
    ("movedim", lambda x: x.movedim(0, 1)),
    ("squeeze", lambda x: x.unsqueeze(0).squeeze()),
    ("unsqueeze", lambda x: x.unsqueeze(1)),
    ("expand", lambda x: x.expand(4, 2, 3)),
    ("broadcast_to", lambda x: mt.broadcast_to(x, (1, 2, 3))),
]


@pytest.mark.parametrize("make_view", [v[1] for v in VIEWS], ids=[v[0] for v in VIEWS])
def test_view_sees_writes_to_its_base(make_view):
    x = mt.zeros(2, 3)
    view = make_view(x)
    with mt.no_grad():
        x.add_(1)
    assert np.all(view.numpy() == 1)
    assert view._version == x._version == 1


def test_view_example_from_the_docs():
    x = mt.zeros(4)
    v = x.view(2, 2)
    with mt.no_grad():
        x.add_(1)
    assert v.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_write_through_a_view_reaches_the_base():
    x = mt.zeros(2, 3)
    with mt.no_grad():
        x.t().mul_(0).add_(mt.tensor([1.0, 2.0]))
    assert x.tolist() == [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]


def test_expanded_view_is_read_only():
    x = mt.zeros(1, 3)
    e = x.expand(2, 3)
    with pytest.raises(RuntimeError, match="clone"), mt.no_grad():
        e.add_(1)


def test_reshape_of_non_contiguous_input_copies():
    x = mt.arange(6.0).reshape(2, 3)
    y = x.t().reshape(6)
    assert y.tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    assert not np.shares_memory(y.numpy(), x.numpy())


def test_saved_view_modified_in_place_is_detected():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y.view(2, 1)
    w = (z * z).sum()
    with mt.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.backward()


# --- gradients and second derivatives through other ops --------------------------------------


def test_double_backward_of_sum_and_mean_uses_expand_and_unsqueeze():
    x = np.random.default_rng(0).standard_normal((2, 3))
    check_gradients(lambda t: (t * t).sum(dim=1), [x])
    check_gradients(lambda t: (t * t).mean(dim=0, keepdim=True), [x])


def test_gradient_through_a_chain_of_views():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4))
    compare_with_torch(
        lambda t: t.permute(2, 0, 1).reshape(4, 6).t().unsqueeze(0).expand(2, 6, 4) * 2.0,
        lambda t: t.permute(2, 0, 1).reshape(4, 6).t().unsqueeze(0).expand(2, 6, 4) * 2.0,
        [x],
        rng=rng,
    )


def test_node_names_follow_pytorch():
    x = mt.zeros(2, 3, requires_grad=True)
    assert x.transpose(0, 1).grad_fn.name() == "TransposeBackward0"
    assert x.permute(1, 0).grad_fn.name() == "PermuteBackward0"
    assert x.expand(2, 2, 3).grad_fn.name() == "ExpandBackward0"
    assert x.unsqueeze(0).grad_fn.name() == "UnsqueezeBackward0"
    assert x.view(6).grad_fn.name() == "ViewBackward0"


# --- argument forms and edge cases -----------------------------------------------------------


def test_size_arguments_accept_varargs_lists_and_tensors():
    x = mt.arange(6)
    assert x.reshape(2, 3).shape == x.reshape((2, 3)).shape == x.reshape([2, 3]).shape == (2, 3)
    assert mt.reshape(x, (mt.tensor(3), 2)).shape == (3, 2)
    assert x.view(-1).shape == (6,)
    assert mt.zeros(2, 1).expand([2, 4]).shape == (2, 4)


def test_zero_dim_tensors():
    s = mt.tensor(3.0)
    assert s.reshape(1, 1).shape == (1, 1)
    assert s.unsqueeze(0).shape == (1,) and s.unsqueeze(-1).shape == (1,)
    assert s.flatten().shape == (1,)
    assert s.t().shape == () and s.transpose(0, -1).shape == ()
    assert s.squeeze(0).shape == () and s.permute().shape == ()
    assert s.expand(2, 3).tolist() == [[3.0] * 3] * 2


def test_squeeze_of_a_non_unit_dim_is_a_no_op():
    x = mt.zeros(2, 1, 3)
    assert x.squeeze(0).shape == (2, 1, 3)
    assert x.squeeze((0, 1)).shape == (2, 3)
    assert x.squeeze([]).shape == (2, 1, 3)


def test_reshape_of_empty_tensor():
    x = mt.zeros(0, 3)
    assert x.reshape(3, 0).shape == (3, 0)
    assert x.reshape(-1).shape == (0,)
    assert x.reshape(-1, 3).shape == (0, 3)


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda x: x.reshape(5), r"reshape\(\): shape '\[5\]' is invalid for input of size 6"),
        (lambda x: x.view(4, -1), r"view\(\): shape '\[4, -1\]' is invalid for input of size 6"),
        (lambda x: x.reshape(-1, -1), "only one dimension can be inferred"),
        (lambda x: x.reshape(-2, 3), "invalid shape dimension -2"),
        (lambda x: mt.zeros(0, 3).reshape(0, -1), "ambiguous"),
        (lambda x: x.flatten(1, 0), "start_dim cannot come after end_dim"),
        (
            lambda x: x.unflatten(1, (2, 2)),
            r"sizes \[2, 2\] don't multiply up to the size of dim 1",
        ),
        (lambda x: x.unflatten(1, ()), "sizes must be non-empty"),
        (lambda x: mt.zeros(1, 2, 3).t(), r"t\(\) expects a tensor with <= 2 dimensions, .* 3D"),
        (lambda x: x.permute(0, 1, 2), "input.dim\\(\\) = 2 is not equal to len\\(dims\\) = 3"),
        (lambda x: x.permute(0, 0), "duplicate dims"),
        (lambda x: x.movedim((0, 1), (0,)), "same number of dims"),
        (lambda x: x.movedim((0, 0), (0, 1)), "repeated dim in `source`"),
        (
            lambda x: x.expand(2, 4),
            r"expanded size of the tensor \(4\) must match the existing size "
            r"\(3\) at non-singleton dimension 1",
        ),
        (lambda x: x.expand(3), r"number of sizes provided \(1\) must be greater or equal"),
        (lambda x: x.expand(-1, 2, 3), "isn't allowed in a leading, non-existing dimension 0"),
        (lambda x: mt.broadcast_to(x, (3, 3)), r"broadcast_to\(\): the expanded size"),
    ],
)
def test_runtime_errors(call, match):
    with pytest.raises(RuntimeError, match=match):
        call(mt.zeros(2, 3))


@pytest.mark.parametrize(
    "call",
    [
        lambda x: x.transpose(0, 2),
        lambda x: x.swapaxes(-3, 0),
        lambda x: x.permute(0, 2),
        lambda x: x.movedim(0, 2),
        lambda x: x.squeeze(2),
        lambda x: x.squeeze((0, 5)),
        lambda x: x.unsqueeze(3),
        lambda x: x.unsqueeze(-4),
        lambda x: x.flatten(0, 2),
        lambda x: x.unflatten(2, (1, 1)),
    ],
)
def test_bad_dims_raise_index_error(call):
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of"):
        call(mt.zeros(2, 3))


def test_bad_size_types_raise_type_error():
    with pytest.raises(TypeError, match=r"reshape\(\): shape must be an int or a sequence of ints"):
        mt.reshape(mt.zeros(2), (2.0,))


@given(shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3))
def test_ravel_matches_torch(shape):
    x = np.random.default_rng(0).standard_normal(shape)
    compare_with_torch(mt.ravel, torch.ravel, [x])


VIEW_CASES = [
    (lambda x: x.t().view(6), False),
    (lambda x: x.t().view(3, 2), True),
    (lambda x: x[:, 1:].view(4), False),
    (lambda x: x[:, ::2].view(-1), False),
    (lambda x: x.t()[None].view(3, 1, 2), True),
    (lambda x: x.unsqueeze(1).expand(2, 4, 3).view(8, 3), False),
    (lambda x: x[:1].t().view(3), True),
    (lambda x: x.t().view_as(x.t()), True),
    (lambda x: x.permute(1, 0).contiguous().view(6), True),
]


@pytest.mark.parametrize(("call", "viewable"), VIEW_CASES)
def test_view_of_strides_that_need_a_copy_raises_torchs_error(call, viewable):
    x, expected_x = mt.arange(6.0).reshape(2, 3), torch.arange(6.0).reshape(2, 3)
    if not viewable:
        for lib_x in (x, expected_x):
            with pytest.raises(RuntimeError, match="view size is not compatible"):
                call(lib_x)
        return
    got, expected = call(x), call(expected_x)
    assert got.shape == tuple(expected.shape) and got.tolist() == expected.tolist()
    got.fill_(-1.0)  # a view shares the input's memory
    expected.fill_(-1.0)
    assert x.tolist() == expected_x.tolist()
