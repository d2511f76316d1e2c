"""t[key] (getitem), t[key] = v (index_put), nonzero, iteration and len, vs PyTorch."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch

BOOL = np.array([[True, False, True], [False, False, True]])

# (name, key) for an input of shape (2, 3, 4). Arrays become index tensors of each library;
# lists stay lists.
KEYS = [
    ("int", 1),
    ("negative int", -1),
    ("ints to 0-d", (1, -1, 2)),
    ("slice", slice(1, None)),
    ("steps", (slice(None, None, 2), slice(None), slice(1, None, 2))),
    ("empty slice", (slice(None), slice(2, 1))),
    ("None and ellipsis", (None, Ellipsis, None)),
    ("ellipsis then int", (Ellipsis, 0)),
    ("repeated indices", (np.array([1, 1, 0]),)),
    ("repeated 2-d broadcast", (np.array([[0, 1], [1, 1]]), slice(None), np.array([[3], [3]]))),
    ("adjacent indices", (slice(None), np.array([2, 0, 2]), np.array([1, 1, 3]))),
    ("separated indices", (np.array([0, 1]), slice(None), np.array([3, 3]))),
    ("int then index (ints apply first)", (0, slice(None), np.array([0, 1]))),
    ("index then int", (np.array([1, 0]), 2)),
    ("index, None, int", (np.array([0, 1]), None, 1)),
    ("negative indices", (slice(None), np.array([-1, 0, -3]))),
    ("empty index", (np.array([], dtype=np.int64),)),
    ("0-d index tensor", (np.array(1), slice(1, 3))),
    ("list index", ([0, 0, 1],)),
    ("nested list", ([[0, 1], [1, 0]], 2)),
    ("full mask", (BOOL[:, :, None] & np.array([True, True, False, True]),)),
    ("leading mask", (BOOL,)),
    ("mask after slice", (slice(None), np.array([True, False, True]))),
    ("mask with index", (np.array([False, True]), slice(None), np.array([1, 2]))),
    ("python True", (True,)),
    ("python False", (Ellipsis, False)),
    ("True with index", (np.array([0, 1]), Ellipsis, True, np.array([1, 2]))),
]


def convert(key, lib):
    """The key with arrays as ``lib`` tensors."""
    items = key if isinstance(key, tuple) else (key,)
    return tuple(lib.tensor(k) if isinstance(k, np.ndarray) else k for k in items)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,key", KEYS, ids=[k[0] for k in KEYS])
def test_getitem_matches_torch(name, key, dtype):
    a = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(dtype)
    mt_key, torch_key = convert(key, mt), convert(key, torch)
    compare_with_torch(lambda x: x[mt_key], lambda x: x[torch_key], [a])


@pytest.mark.parametrize("key", [(), Ellipsis, None, True, False, (None, Ellipsis, True)])
def test_getitem_of_0d(key):
    compare_with_torch(lambda x: x[key], lambda x: x[key], [np.array(2.5)])


def test_getitem_empty_dim():
    a = np.zeros((3, 0, 2))
    compare_with_torch(lambda x: x[1:, :, [1, 0]], lambda x: x[1:, :, [1, 0]], [a])


@pytest.mark.parametrize(
    "key",
    [
        (np.array([1, 1, 0, 1]),),
        (np.array([[0, 1], [1, 1]]), slice(None), np.array([[3], [3]])),
        (0, slice(None), np.array([0, 0])),
        (BOOL,),
        (None, Ellipsis, slice(None, None, 2)),
    ],
)
def test_getitem_gradcheck(key):
    mt_key = convert(key, mt)
    a = np.random.default_rng(1).standard_normal((2, 3, 4))
    check_gradients(lambda x: x[mt_key], [a])


@st.composite
def shapes_and_keys(draw):
    """A shape and a random valid key: ints, slices, None, and index arrays of one length."""
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    length = draw(st.integers(0, 3))
    key = []
    for n in shape:
        if draw(st.booleans()):
            key.append(None)
        kind = draw(st.sampled_from(["int", "slice", "index", "all"]))
        if kind == "int":
            key.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start, stop = draw(st.integers(-n, n)), draw(st.integers(-n, n))
            key.append(slice(start, stop, draw(st.integers(1, 3))))
        elif kind == "index":
            key.append(
                np.array(
                    draw(st.lists(st.integers(-n, n - 1), min_size=length, max_size=length)),
                    dtype=np.int64,
                )
            )
        else:
            key.append(slice(None))
    return shape, tuple(key[: draw(st.integers(0, len(key)))])


@given(shapes_and_keys(), st.integers(0, 2**32 - 1))
def test_getitem_random_keys(shape_key, seed):
    shape, key = shape_key
    a = np.random.default_rng(seed).standard_normal(shape)
    mt_key, torch_key = convert(key, mt), convert(key, torch)
    compare_with_torch(lambda x: x[mt_key], lambda x: x[torch_key], [a])


def test_basic_indexing_returns_a_view():
    x = mt.zeros(2, 3)
    row, element = x[1], x[0, 2]
    row.add_(1.0)
    element.add_(5.0)
    assert x.tolist() == [[0.0, 0.0, 5.0], [1.0, 1.0, 1.0]]
    picked = x[mt.tensor([1])]
    picked.add_(10.0)  # advanced indexing copies
    assert x.tolist() == [[0.0, 0.0, 5.0], [1.0, 1.0, 1.0]]


@pytest.mark.parametrize(
    "key,error,match",
    [
        (5, IndexError, "index 5 is out of bounds for dimension 0 with size 2"),
        (-3, IndexError, "index -3 is out of bounds for dimension 0 with size 2"),
        ((slice(None), 7), IndexError, "index 7 is out of bounds for dimension 1 with size 3"),
        (
            (0, mt.tensor([0, 5])),
            IndexError,
            "index 5 is out of bounds for dimension 1 with size 3",
        ),
        ([0, -4], IndexError, "index -4 is out of bounds for dimension 0 with size 2"),
        (
            mt.tensor([0.0, 1.0]),
            IndexError,
            "tensors used as indices must be long, int, byte or bool",
        ),
        (np.array([0, 1], dtype=np.int16), IndexError, "must be long, int, byte or bool"),
        (1.0, IndexError, r"only integers, slices .* are valid indices \(got float\)"),
        ("a", IndexError, r"valid indices \(got str\)"),
        (slice(None, None, -1), ValueError, "step must be greater than zero"),
        (slice(None, None, 0), ValueError, "slice step cannot be zero"),
        ((0, 1, 2, 3), IndexError, "too many indices for tensor of dimension 3"),
        ((Ellipsis, 0, Ellipsis), IndexError, "an index can only have a single ellipsis"),
        (
            mt.tensor([True, False, True]),
            IndexError,
            r"The shape of the mask \[3\] at index 0 does not match the shape of the indexed "
            r"tensor \[2, 3, 4\] at index 0",
        ),
        (
            (mt.tensor([0, 1]), mt.tensor([0, 1, 2])),
            IndexError,
            r"shape mismatch: indexing tensors could not be broadcast together with shapes "
            r"\[2\], \[3\]",
        ),
        ([[0, 1], [1]], IndexError, "rectangular"),
    ],
)
def test_getitem_errors(key, error, match):
    with pytest.raises(error, match=match):
        mt.zeros(2, 3, 4)[key]


def test_uint8_index_is_a_mask():
    x = mt.tensor([1.0, 2.0, 3.0])
    assert x[mt.tensor([1, 0, 1], dtype=mt.uint8)].tolist() == [1.0, 3.0]


# --- iteration and len ---------------------------------------------------------------------


def test_iteration_and_len():
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    assert len(x) == 3
    rows = list(x)
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    total = rows[0].sum() * 1.0 + rows[2].sum() * 2.0
    total.backward()
    assert x.grad.tolist() == [[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]]
    assert [float(v) for v in mt.tensor([7.0, 8.0])] == [7.0, 8.0]


def test_len_and_iter_of_0d_raise():
    with pytest.raises(TypeError, match="len"):
        len(mt.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(mt.tensor(1.0))


# --- index_put and __setitem__ ------------------------------------------------------------

# (name, key, value shape or None for a Python number)
PUTS = [
    ("slice", (slice(1, None),), (2, 4)),
    ("int, broadcast value", (0,), (4,)),
    ("index", (np.array([2, 0]),), (2, 4)),
    ("index, broadcast column", (slice(None), np.array([3, 1])), (3, 1)),
    ("leading 1-dims of value", (np.array([0, 1]),), (1, 1, 4)),
    ("mask, 0-d value", (np.array([[True, False, False, True]] * 3),), ()),
    ("number", (Ellipsis, 1), None),
    ("0-d element", (1, 2), ()),
]


def setitem(x, key, value):
    y = x * 1
    y[key] = value
    return y


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,key,value_shape", PUTS, ids=[p[0] for p in PUTS])
def test_setitem_matches_torch(name, key, value_shape, dtype):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 4)).astype(dtype)
    mt_key, torch_key = convert(key, mt), convert(key, torch)
    if value_shape is None:
        compare_with_torch(
            lambda x: setitem(x, mt_key, 2.5), lambda x: setitem(x, torch_key, 2.5), [a]
        )
        return
    v = rng.standard_normal(value_shape).astype(dtype)
    compare_with_torch(
        lambda x, w: setitem(x, mt_key, w), lambda x, w: setitem(x, torch_key, w), [a, v]
    )


@pytest.mark.parametrize("name,key,value_shape", PUTS[:6], ids=[p[0] for p in PUTS[:6]])
def test_setitem_gradcheck(name, key, value_shape):
    rng = np.random.default_rng(3)
    mt_key = convert(key, mt)
    check_gradients(
        lambda x, w: setitem(x, mt_key, w),
        [rng.standard_normal((3, 4)), rng.standard_normal(value_shape)],
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_index_put_accumulate_matches_torch(dtype):
    rng = np.random.default_rng(4)
    a, v = rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal((5, 3)).astype(dtype)
    index = np.array([1, 3, 1, 1, 0])
    compare_with_torch(
        lambda x, w: mt.index_put(x, (mt.tensor(index),), w, accumulate=True),
        lambda x, w: torch.index_put(x, (torch.tensor(index),), w, accumulate=True),
        [a, v],
    )
    check_gradients(
        lambda x, w: mt.index_put(x, (mt.tensor(index),), w, accumulate=True),
        [a.astype(np.float64), v.astype(np.float64)],
    )


def test_setitem_gradients_like_torch_example():
    a = mt.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    b = mt.tensor(np.ones((2, 4)), requires_grad=True)
    y = a * 1
    y[1:] = b
    (y * mt.tensor([[1.0], [2.0], [3.0]])).sum().backward()
    assert a.grad.tolist() == [[1.0] * 4, [0.0] * 4, [0.0] * 4]
    assert b.grad.tolist() == [[2.0] * 4, [3.0] * 4]


def test_assigning_from_own_rows_matches_torch():
    def fn(x):
        y = x * 2
        y[0] = y[0] + y[1].exp()
        return y

    compare_with_torch(fn, fn, [np.random.default_rng(5).standard_normal((2, 3))])


def test_augmented_assignment_without_graph():
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    x[0] += x[1]
    x[:, 1] *= 10.0
    assert x.tolist() == [[4.0, 60.0], [3.0, 40.0]]


def test_setitem_on_leaf_under_no_grad():
    w = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with mt.no_grad():
        w[mt.tensor([0, 2])] = 0.0
    assert w.tolist() == [0.0, 2.0, 0.0]
    assert w.is_leaf and w.requires_grad and w.grad_fn is None


def test_setitem_on_leaf_requiring_grad_raises():
    w = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w[0] = 2.0


def test_setitem_of_grad_requiring_value_into_plain_tensor():
    z = mt.zeros(3)
    v = mt.tensor([1.0, 2.0], requires_grad=True)
    z[:2] = v
    assert z.requires_grad and z.tolist() == [1.0, 2.0, 0.0]
    (z * mt.tensor([3.0, 4.0, 5.0])).sum().backward()
    assert v.grad.tolist() == [3.0, 4.0]


def test_setitem_bumps_version_so_saved_values_are_checked():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    z = y * y
    y[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_setitem_casts_to_the_tensor_dtype():
    x = mt.zeros(3, dtype=mt.int64)
    x[0] = 1.7
    x[1:] = mt.tensor([2.0, 3.0])
    assert x.dtype == mt.int64 and x.tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    "key,value,match",
    [
        (
            slice(0, 2),
            mt.ones(3),
            r"value tensor of shape \[3\] cannot be broadcast to indexing "
            r"result of shape \[2, 4\]",
        ),
        ([0, 1], mt.ones(2, 1, 4), r"value tensor of shape \[2, 1, 4\] cannot be broadcast"),
    ],
)
def test_index_put_shape_errors(key, value, match):
    with pytest.raises(RuntimeError, match=match):
        mt.index_put(mt.zeros(3, 4), key, value)
    with pytest.raises(RuntimeError, match=match):
        mt.zeros(3, 4)[key] = value


def test_index_put_bad_key_raises_index_error():
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        mt.zeros(3)[3] = 1.0


def test_assert_same_sanity_for_int_results():
    assert_same(mt.tensor([[1, 2], [3, 4]])[:, 1], torch.tensor([[1, 2], [3, 4]])[:, 1])


# --- nonzero -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        np.array([[0.0, 1.0], [2.0, 0.0]]),
        np.array([0, 3, 0, 4]),
        np.array(5.0),
        np.array(0.0),
        np.zeros((2, 0)),
        np.array([[[True, False], [True, True]]]),
    ],
)
def test_nonzero_matches_torch(values):
    expected = torch.nonzero(torch.tensor(values))
    got = mt.nonzero(mt.tensor(values))
    assert got.dtype == mt.int64 and got.shape == tuple(expected.shape)
    assert got.tolist() == expected.tolist()
    expected_tuple = torch.nonzero(torch.tensor(values), as_tuple=True)
    got_tuple = mt.nonzero(mt.tensor(values), as_tuple=True)
    assert [g.tolist() for g in got_tuple] == [e.tolist() for e in expected_tuple]


def test_nonzero_gives_no_gradient():
    x = mt.tensor([0.0, 2.0], requires_grad=True)
    assert not mt.nonzero(x).requires_grad


def test_range_objects_index_as_integer_lists():
    """``logprobs[range(n), targets]`` (makemore's loss) is advanced indexing, as in torch."""
    for lib in (torch, mt):
        x = lib.arange(12.0).reshape(3, 4)
        assert x[range(3), [0, 1, 2]].tolist() == [0.0, 5.0, 10.0]
        assert tuple(x[range(0)].shape) == (0, 4)
        assert x[range(1, 3)].tolist() == [[4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0]]
        x[range(2), 1] = -1.0
        assert x[:, 1].tolist() == [-1.0, -1.0, 9.0]
    x = mt.zeros(3, 4, requires_grad=True)
    x[range(3), [3, 2, 1]].sum().backward()
    assert x.grad.tolist() == [[0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]]
