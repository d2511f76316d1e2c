"""grad, grad_and_value, vjp, jacrev against torch.func, nested, with pytrees and errors."""

import numpy as np
import pytest
import torch
import torch.func as tf

import microtensor as mt
import microtensor.func as mf
from tests.func.trees import assert_tree_same, both, random_arrays


def scalar_fn(lib):
    return lambda x, y: (lib.sin(x) * y.exp()).sum() + (x**3).sum() * y.sum()


def vector_fn(lib):
    return lambda x, y: (lib.tanh(x) * y, x.sum() * y**2)


def dict_fn(lib):
    return lambda p, x: (lib.tanh(x @ p["w"] + p["b"]) ** 2).sum()


@pytest.fixture
def xy():
    rng = np.random.default_rng(0)
    return both(tuple(random_arrays(rng, (3,), (3,))))


@pytest.mark.parametrize("argnums", [0, 1, -1, (0, 1), (1, 0)])
def test_grad_matches_torch(xy, argnums):
    (x, y), (tx, ty) = xy
    actual = mf.grad(scalar_fn(mt), argnums)(x, y)
    assert_tree_same(actual, tf.grad(scalar_fn(torch), argnums)(tx, ty), "grad")


def test_grad_and_value_with_aux(xy):
    (x, y), (tx, ty) = xy

    def f(lib):
        return lambda x, y: (scalar_fn(lib)(x, y), {"double": 2 * x, "y": y})

    actual = mf.grad_and_value(f(mt), has_aux=True)(x, y)
    expected = tf.grad_and_value(f(torch), has_aux=True)(tx, ty)
    assert_tree_same(actual, expected, "grad_and_value")
    grads, aux = mf.grad(f(mt), argnums=(0, 1), has_aux=True)(x, y)
    assert_tree_same((grads, aux), tf.grad(f(torch), argnums=(0, 1), has_aux=True)(tx, ty))


def test_grad_of_a_dict_of_parameters():
    rng = np.random.default_rng(1)
    tree = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    (p, x), (tp, tx) = both((tree, rng.standard_normal((4, 3))))
    actual = mf.grad(dict_fn(mt))(p, x)
    assert_tree_same(actual, tf.grad(dict_fn(torch))(tp, tx), "dict grad")


def test_results_are_plain_tensors_at_the_outermost_level(xy):
    (x, y), _ = xy
    g = mf.grad(scalar_fn(mt))(x, y)
    assert not g.requires_grad and g.grad_fn is None
    out, vjp_fn = mf.vjp(vector_fn(mt), x, y)
    assert not any(o.requires_grad for o in out)
    assert not vjp_fn((mt.ones(3, dtype=mt.float64), mt.ones(3, dtype=mt.float64)))[0].requires_grad


def test_results_require_grad_exactly_when_torchs_do():
    def cases(lib, func):
        p = lib.ones(2, dtype=lib.float64, requires_grad=True)
        ones = lib.ones(2, dtype=lib.float64)
        out, vjp_fn = func.vjp(lambda a: a * 2, p)
        return [
            func.grad(lambda a: (a**2).sum())(p),
            func.grad(lambda a: a.sum())(p),  # a constant gradient: no graph
            out,
            vjp_fn(ones)[0],
            func.jvp(lambda a: a**2, (p,), (ones,))[1],
            func.jacrev(lambda a: a**3)(p),
            func.vmap(lambda a: a * p)(ones),
        ]

    flags = [t.requires_grad for t in cases(mt, mf)]
    assert flags == [t.requires_grad for t in cases(torch, tf)]
    assert flags == [True, False, True, False, True, True, True]


def test_grad_keeps_the_graph_of_closed_over_parameters(xy):
    (x, y), (tx, ty) = xy
    w, tw = mt.tensor(x.numpy(), requires_grad=True), torch.tensor(tx.numpy(), requires_grad=True)
    g = mf.grad(lambda v: (w * v**3).sum())(y)
    tg = tf.grad(lambda v: (tw * v**3).sum())(ty)
    assert_tree_same(g, tg)
    (g**2).sum().backward()
    (tg**2).sum().backward()
    assert_tree_same(w.grad, tw.grad, "w.grad")


def test_unused_input_gets_zeros(xy):
    (x, y), (tx, ty) = xy
    actual = mf.grad(lambda a, b: (a**2).sum(), argnums=(0, 1))(x, y)
    assert_tree_same(actual, tf.grad(lambda a, b: (a**2).sum(), argnums=(0, 1))(tx, ty))


def test_nested_grad_and_perturbation_confusion():
    x, tx = mt.tensor(1.5, dtype=mt.float64), torch.tensor(1.5, dtype=torch.float64)

    def f(lib, grad):
        # d/dx [x * d/dy (x * y)] = d/dx [x * x] = 2x, not 3x (perturbations kept apart)
        return lambda x: x * grad(lambda y: x * y)(x)

    assert_tree_same(mf.grad(f(mt, mf.grad))(x), tf.grad(f(torch, tf.grad))(tx))
    assert mf.grad(f(mt, mf.grad))(x).item() == pytest.approx(3.0)
    third = mf.grad(mf.grad(mf.grad(lambda v: mt.sin(v) * v**4)))(x)
    assert_tree_same(third, tf.grad(tf.grad(tf.grad(lambda v: torch.sin(v) * v**4)))(tx))


def test_vjp_matches_torch_and_can_be_called_twice(xy):
    (x, y), (tx, ty) = xy
    out, vjp_fn = mf.vjp(vector_fn(mt), x, y)
    tout, tvjp_fn = tf.vjp(vector_fn(torch), tx, ty)
    assert_tree_same(out, tout, "output")
    rng = np.random.default_rng(2)
    for _ in range(2):
        cot, tcot = both(tuple(random_arrays(rng, (3,), (3,))))
        assert_tree_same(vjp_fn(cot), tvjp_fn(tcot), "vjp")


def test_vjp_with_aux(xy):
    (x, y), (tx, ty) = xy
    out, vjp_fn, aux = mf.vjp(lambda a: (a**2, {"a": a.sum()}), x, has_aux=True)
    tout, tvjp_fn, taux = tf.vjp(lambda a: (a**2, {"a": a.sum()}), tx, has_aux=True)
    assert_tree_same((out, aux), (tout, taux))
    assert_tree_same(vjp_fn(y), tvjp_fn(ty))


@pytest.mark.parametrize("argnums", [0, (0, 1)])
def test_jacrev_matches_torch(xy, argnums):
    (x, y), (tx, ty) = xy
    actual = mf.jacrev(vector_fn(mt), argnums)(x, y)
    assert_tree_same(actual, tf.jacrev(vector_fn(torch), argnums)(tx, ty), "jacrev")


def test_jacrev_of_pytree_input_with_aux():
    rng = np.random.default_rng(3)
    tree = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    (p, x), (tp, tx) = both((tree, rng.standard_normal((4, 3))))

    def f(lib):
        return lambda p, x: (lib.tanh(x @ p["w"] + p["b"]), x.sum())

    actual = mf.jacrev(f(mt), has_aux=True, chunk_size=2)(p, x)
    assert_tree_same(actual, tf.jacrev(f(torch), has_aux=True)(tp, tx), "jacrev")


def test_jacrev_of_jacrev_is_the_hessian(xy):
    (x, y), (tx, ty) = xy
    actual = mf.jacrev(mf.jacrev(scalar_fn(mt)))(x, y)
    assert_tree_same(actual, tf.hessian(scalar_fn(torch))(tx, ty), "jacrev(jacrev)")


def test_transform_results_pass_gradcheck(xy):
    (x, y), _ = xy
    x.requires_grad_()
    f = scalar_fn(mt)
    assert mt.autograd.gradcheck(lambda v: mf.grad(f)(v, y), (x,))
    assert mt.autograd.gradgradcheck(lambda v: mf.grad(f)(v, y), (x,))
    assert mt.autograd.gradcheck(lambda v: mf.jacrev(vector_fn(mt), 1)(y, v)[0], (x,))


def test_grad_errors(xy):
    (x, y), _ = xy
    with pytest.raises(RuntimeError, match="to return a scalar Tensor, got tensor with 1 dims"):
        mf.grad(lambda a: a**2)(x)
    with pytest.raises(RuntimeError, match="Expected f\\(\\*args\\) to return a Tensor"):
        mf.grad(lambda a: 3.0)(x)
    with pytest.raises(RuntimeError, match="should be a tuple: \\(output, aux\\)"):
        mf.grad(lambda a: a.sum(), has_aux=True)(x)
    with pytest.raises(RuntimeError, match="Got argnum=2, but only 2 positional inputs"):
        mf.grad(scalar_fn(mt), argnums=2)(x, y)
    with pytest.raises(RuntimeError, match="argnums must be non-empty"):
        mf.grad(scalar_fn(mt), argnums=())(x, y)
    with pytest.raises(RuntimeError, match="argnums elements must be unique, got \\(0, 0\\)"):
        mf.grad(scalar_fn(mt), argnums=(0, 0))(x, y)
    with pytest.raises(RuntimeError, match="argnum must be int"):
        mf.grad(scalar_fn(mt), argnums=(0, "1"))(x, y)
    with pytest.raises(ValueError, match="Thing passed to transform API must be Tensor"):
        mf.grad(lambda a: mt.tensor(1.0))(1.0)


def test_vjp_and_jacrev_errors(xy):
    (x, y), _ = xy
    _, vjp_fn = mf.vjp(lambda a: a * 2, x)
    with pytest.raises(RuntimeError, match="cotangents: \\(\\*,\\), primal output: \\*"):
        vjp_fn((y,))
    with pytest.raises(RuntimeError, match="Mismatch in shape: grad_output\\[0\\]"):
        vjp_fn(mt.ones(4, dtype=mt.float64))
    with pytest.raises(RuntimeError, match="must be floating-point or complex Tensors"):
        mf.vjp(lambda a: (a > 0).long(), x)
    with pytest.raises(RuntimeError, match="vjp\\(f, \\*primals\\): expected f\\(\\*primals\\) to "
                       "return only tensors, got unsupported type <class 'float'>"):  # fmt: skip
        mf.jacrev(lambda a: 3.0)(x)
    with pytest.raises(ValueError, match="`chunk_size` should be greater than 0"):
        mf.jacrev(lambda a: a, chunk_size=0)
