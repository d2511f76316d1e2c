"""vmap against torch.func.vmap: in_dims/out_dims, nesting, vmap of grad, randomness, errors."""

import numpy as np
import pytest
import torch
import torch.func as tf
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
import microtensor.func as mf
from tests.func.trees import assert_tree_same, both, random_arrays


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    return both(tuple(random_arrays(rng, (4, 3), (3, 4), (3,), (2, 4, 3))))


def pair_fn(lib):
    return lambda x, y: (lib.tanh(x) * y, (x @ y).sum())


@pytest.mark.parametrize(
    ("in_dims", "pick"),
    [(0, (0, 0)), ((0, None), (0, 2)), ((1, 0), (1, 0)), ((-1, None), (1, 2)), ((None, 1), (2, 1))],
)
def test_in_dims_match_torch(arrays, in_dims, pick):
    mt_arrays, torch_arrays = arrays
    args, targs = _select(mt_arrays, pick), _select(torch_arrays, pick)
    actual = mf.vmap(pair_fn(mt), in_dims)(*args)
    assert_tree_same(actual, tf.vmap(pair_fn(torch), in_dims)(*targs), f"in_dims={in_dims}")


def _select(arrays, pick):
    # the 3 x 4 array mapped over dim 1 pairs with a (3,) slice of the 4 x 3 one
    x, yt, v, _ = arrays
    table = {0: x, 1: yt, 2: v}
    return tuple(table[i] for i in pick)


@pytest.mark.parametrize("out_dims", [0, 1, -1, (1, 0), (0, None)])
def test_out_dims_match_torch(arrays, out_dims):
    (x, _, v, _), (tx, _, tv, _) = arrays

    def f(lib, vec):
        return lambda row: (row[:, None] * vec, vec.sum() * 2)

    if out_dims == (0, None):
        actual = mf.vmap(f(mt, v), out_dims=out_dims)(x)
        assert_tree_same(actual, tf.vmap(f(torch, tv), out_dims=out_dims)(tx))
        return
    g = lambda lib, vec: lambda row: (row[:, None] * vec, row.sum() * vec)  # noqa: E731
    actual = mf.vmap(g(mt, v), out_dims=out_dims)(x)
    assert_tree_same(actual, tf.vmap(g(torch, tv), out_dims=out_dims)(tx), f"out_dims={out_dims}")


def test_nested_pytree_in_dims_and_kwargs(arrays):
    (x, yt, v, b), (tx, tyt, tv, tb) = arrays

    def f(lib):
        def fn(p, scale, *, power):
            return (lib.sin(p["a"]) * p["pair"][0] + p["pair"][1]) * scale**power

        return fn

    in_dims = ({"a": 0, "pair": (1, None)}, None)
    actual = mf.vmap(f(mt), in_dims)({"a": x, "pair": (yt, v)}, v, power=2)
    expected = tf.vmap(f(torch), in_dims)({"a": tx, "pair": (tyt, tv)}, tv, power=2)
    assert_tree_same(actual, expected)


def test_nested_vmap_and_gradient_through_vmap(arrays):
    (_, _, _, b), (_, _, _, tb) = arrays
    b.requires_grad_()
    tb.requires_grad_()
    out = mf.vmap(mf.vmap(lambda r: mt.softmax(r, 0) * r.sum(), in_dims=1, out_dims=1))(b)
    tout = tf.vmap(tf.vmap(lambda r: torch.softmax(r, 0) * r.sum(), in_dims=1, out_dims=1))(tb)
    assert_tree_same(out, tout, "nested vmap")
    up = np.random.default_rng(1).standard_normal(tuple(tout.shape))
    out.backward(mt.tensor(up))
    tout.backward(torch.tensor(up))
    assert_tree_same(b.grad, tb.grad, "gradient through vmap")
    assert mt.autograd.gradcheck(
        mf.vmap(lambda r: r.exp() / r.sum()), (b.detach()[0].requires_grad_(),)
    )


def test_vmap_of_grad_gives_per_sample_gradients(arrays):
    (x, _, v, _), (tx, _, tv, _) = arrays

    def loss(lib):
        return lambda w, row: (lib.tanh(row @ w) - 0.5) ** 2

    actual = mf.vmap(mf.grad(loss(mt)), in_dims=(None, 0))(v, x)
    expected = tf.vmap(tf.grad(loss(torch)), in_dims=(None, 0))(tv, tx)
    assert_tree_same(actual, expected, "per-sample grads")
    jac = mf.vmap(mf.jacrev(lambda r: mt.sin(r) * r.sum()))(x)
    assert_tree_same(jac, tf.vmap(tf.jacrev(lambda r: torch.sin(r) * r.sum()))(tx), "vmap(jacrev)")


@given(
    shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3),
    in_pick=st.integers(0, 5),
    out_pick=st.integers(0, 5),
    seed=st.integers(0, 2**16),
)
def test_random_shapes_in_dims_and_out_dims(shape, in_pick, out_pick, seed):
    ndim = len(shape)
    in_dim = in_pick % (2 * ndim) - ndim  # every valid dim, negative ones included
    out_dim = out_pick % (2 * ndim) - ndim  # the result of f(slice) has ndim - 1 + 1 dims
    (x,), (tx,) = both((np.random.default_rng(seed).standard_normal(shape),))

    def f(lib):
        return lambda s: lib.exp(s) * s.sum() if s.dim() else s * 2

    actual = mf.vmap(f(mt), in_dims=in_dim, out_dims=out_dim)(x)
    assert_tree_same(actual, tf.vmap(f(torch), in_dims=in_dim, out_dims=out_dim)(tx))


def test_randomness_modes():
    x = mt.ones(3)
    with pytest.raises(RuntimeError, match="called random operation while in randomness error"):
        mf.vmap(lambda a: a * mt.rand(2))(x)
    same = mf.vmap(lambda a: mt.rand(2), randomness="same")(x)
    assert same.shape == (3, 2) and bool((same[0] == same[1]).all())
    mt.manual_seed(5)
    same = mf.vmap(lambda a: mt.rand(2), randomness="same")(x)
    mt.manual_seed(5)
    assert bool((same == mt.rand(2)).all())  # every slice draws what one unbatched call draws
    different = mf.vmap(lambda a: mt.rand(2), randomness="different")(x)
    assert not bool((different[0] == different[1]).all())
    assert mf.vmap(lambda a: a * 2)(x).shape == (3,)  # no draw: no error


def test_unbatched_outputs_are_broadcast():
    out = mf.vmap(lambda a: mt.tensor(3.0))(mt.ones(2))
    assert_tree_same(out, tf.vmap(lambda a: torch.tensor(3.0))(torch.ones(2)))


def test_vmap_errors(arrays):
    (x, yt, v, _), _ = arrays
    add = lambda a, b: a + b  # noqa: E731
    with pytest.raises(ValueError, match="got sizes \\[4, 3\\] for the mapped dimension"):
        mf.vmap(add)(x, v)
    with pytest.raises(ValueError, match="in_dims is not compatible with the structure"):
        mf.vmap(add, in_dims=(0,))(x, x)
    with pytest.raises(ValueError, match="expected `in_dims` to be int or a \\(potentially"):
        mf.vmap(add, in_dims=[0, 0])(x, x)
    with pytest.raises(ValueError, match="We cannot vmap over non-Tensor arguments"):
        mf.vmap(add)(x, 1.0)
    with pytest.raises(ValueError, match="expected in_dim to satisfy -1 <= in_dim < 1"):
        mf.vmap(add, in_dims=(None, 1))(x, v)
    with pytest.raises(ValueError, match="in_dim must be either an integer dimension or None"):
        mf.vmap(add, in_dims=(0, 0.5))(x, x)
    with pytest.raises(ValueError, match="Expected at least one Tensor to vmap over"):
        mf.vmap(add, in_dims=(None, None))(x, x)
    with pytest.raises(ValueError, match="got no inputs"):
        mf.vmap(lambda: mt.ones(1))()
    with pytest.raises(ValueError, match="out_dims is not compatible with the structure"):
        mf.vmap(lambda a: a, out_dims=(0, 1))(x)
    with pytest.raises(ValueError, match="`out_dims` must be an int, None or a python collection"):
        mf.vmap(lambda a: a, out_dims="0")(x)
    with pytest.raises(ValueError, match="must only return Tensors, got type <class 'float'>"):
        mf.vmap(lambda a: 3.0)(x)
    with pytest.raises(ValueError, match="can not return a BatchedTensor when out_dim is None"):
        mf.vmap(lambda a: a, out_dims=None)(x)
    with pytest.raises(ValueError, match="chunk_size should be None or greater than 0"):
        mf.vmap(add, chunk_size=0)
    with pytest.raises(RuntimeError, match="Only allowed values for randomness are"):
        mf.vmap(add, randomness="never")
    with pytest.raises(ValueError, match="cannot map over a dimension of size 0"):
        mf.vmap(lambda a: a)(mt.ones(0, 2))
