"""jvp, linearize, jacfwd, hessian against torch.func, nested, with pytrees and errors."""

import numpy as np
import pytest
import torch
import torch.func as tf

import microtensor as mt
import microtensor.func as mf
from tests.func.trees import assert_tree_same, both, random_arrays


def vector_fn(lib):
    return lambda x, y: (lib.tanh(x) * y, (x**2).sum() * lib.exp(y))


def scalar_fn(lib):
    return lambda x, y: (lib.sin(x) * y**2).sum() + (x**3).prod()


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return both(tuple(random_arrays(rng, (3,), (3,), (3,), (3,))))


def test_jvp_matches_torch(data):
    (x, y, u, v), (tx, ty, tu, tv) = data
    actual = mf.jvp(vector_fn(mt), (x, y), (u, v))
    assert_tree_same(actual, tf.jvp(vector_fn(torch), (tx, ty), (tu, tv)), "jvp")


def test_jvp_of_pytree_primals_with_aux(data):
    (x, y, u, v), (tx, ty, tu, tv) = data

    def f(lib):
        return lambda p: (lib.tanh(p["a"]) * p["b"][0], {"sum": p["a"].sum()})

    actual = mf.jvp(f(mt), ({"a": x, "b": [y]},), ({"a": u, "b": [v]},), has_aux=True)
    expected = tf.jvp(f(torch), ({"a": tx, "b": [ty]},), ({"a": tu, "b": [tv]},), has_aux=True)
    assert_tree_same(actual, expected, "jvp")


def test_jvp_results_are_differentiable(data):
    (x, y, u, v), _ = data
    x.requires_grad_()
    f = vector_fn(mt)
    assert mt.autograd.gradcheck(lambda a: mf.jvp(f, (a, y), (u, v))[1][0], (x,))
    assert mt.autograd.gradgradcheck(lambda a: mf.jvp(f, (a, y), (u, v))[1][1], (x,))
    out, tangent = mf.jvp(lambda a: a * 2, (y,), (v,))
    assert not out.requires_grad and not tangent.requires_grad


def test_linearize_matches_torch(data):
    (x, y, u, v), (tx, ty, tu, tv) = data
    # torch.func.linearize traces f (seconds); its jvp_fn gives torch.func.jvp's numbers
    out, jvp_fn = mf.linearize(vector_fn(mt), x, y)
    tout, tangent = tf.jvp(vector_fn(torch), (tx, ty), (tu, tv))
    assert_tree_same(out, tout, "output")
    assert_tree_same(jvp_fn(u, v), tangent, "jvp_fn")
    assert_tree_same(jvp_fn(v, u), tf.jvp(vector_fn(torch), (tx, ty), (tv, tu))[1], "again")
    with pytest.raises(RuntimeError, match="to have the same argument structure"):
        jvp_fn(u)


@pytest.mark.parametrize("argnums", [0, 1, (0, 1)])
def test_jacfwd_matches_torch(data, argnums):
    (x, y, _, _), (tx, ty, _, _) = data
    actual = mf.jacfwd(vector_fn(mt), argnums)(x, y)
    assert_tree_same(actual, tf.jacfwd(vector_fn(torch), argnums)(tx, ty), "jacfwd")


def test_jacfwd_of_matrix_input_with_aux():
    rng = np.random.default_rng(1)
    (w, x), (tw, tx) = both(tuple(random_arrays(rng, (2, 3), (4, 3))))

    def f(lib):
        return lambda w, x: (lib.sigmoid(x @ w.T), w.sum())

    actual = mf.jacfwd(f(mt), has_aux=True)(w, x)
    assert_tree_same(actual, tf.jacfwd(f(torch), has_aux=True)(tw, tx), "jacfwd")


@pytest.mark.parametrize("argnums", [0, (0, 1)])
def test_hessian_matches_torch(data, argnums):
    (x, y, _, _), (tx, ty, _, _) = data
    actual = mf.hessian(scalar_fn(mt), argnums)(x, y)
    assert_tree_same(actual, tf.hessian(scalar_fn(torch), argnums)(tx, ty), "hessian")


def test_jacfwd_of_jacrev_and_vmap_of_jvp(data):
    (x, y, u, v), (tx, ty, tu, tv) = data
    actual = mf.jacfwd(mf.jacrev(scalar_fn(mt), 1), 0)(x, y)
    assert_tree_same(actual, tf.jacfwd(tf.jacrev(scalar_fn(torch), 1), 0)(tx, ty))
    tangents, ttangents = mt.stack([u, v]), torch.stack([tu, tv])

    def push(lib_jvp, lib):
        return lambda t: lib_jvp(lambda a: lib.sin(a) * a, (x if lib is mt else tx,), (t,))[1]

    assert_tree_same(mf.vmap(push(mf.jvp, mt))(tangents), tf.vmap(push(tf.jvp, torch))(ttangents))


def test_jvp_errors(data):
    (x, y, u, v), _ = data
    f = vector_fn(mt)
    with pytest.raises(RuntimeError, match="Expected primals to be a tuple"):
        mf.jvp(f, x, (u,))
    with pytest.raises(RuntimeError, match="Expected tangents to be a tuple"):
        mf.jvp(lambda a: a, (x,), u)
    with pytest.raises(RuntimeError, match="the same python structure.*TreeSpec\\(tuple, None"):
        mf.jvp(f, (x, y), ((u, v), v))
    with pytest.raises(RuntimeError, match="Tensor is of size \\[3\\] while the given forward "
                       "gradient is of size \\[2\\]"):  # fmt: skip
        mf.jvp(lambda a: a, (x,), (mt.ones(2, dtype=mt.float64),))
    with pytest.raises(RuntimeError, match="The output of f is independent of the inputs"):
        mf.jvp(lambda a: mt.ones(2), (x,), (u,), strict=True)
    with pytest.raises(RuntimeError, match="expected f\\(\\*args\\) to return only tensors"):
        mf.jvp(lambda a: (a, 2.0), (x,), (u,))
    with pytest.raises(RuntimeError, match="should be a tuple: \\(output, aux\\)"):
        mf.jvp(lambda a: a, (x,), (u,), has_aux=True)


def test_jacfwd_randomness():
    x = mt.ones(2, dtype=mt.float64)
    with pytest.raises(RuntimeError, match="called random operation while in randomness error"):
        mf.jacfwd(lambda a: a * mt.rand(2, dtype=mt.float64))(x)
    noise = mf.jacfwd(lambda a: a * mt.rand(2, dtype=mt.float64), randomness="different")(x)
    assert noise.shape == (2, 2) and noise[0, 1].item() == 0.0 and 0 < noise[0, 0].item() < 1
    with pytest.raises(RuntimeError, match="Only allowed values for randomness are"):
        mf.jacfwd(lambda a: a, randomness="sometimes")
