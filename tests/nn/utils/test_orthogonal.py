"""nn.utils.parametrizations.orthogonal against torch: weights, gradients, keys, errors."""

import itertools

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.autograd import gradcheck, gradgradcheck
from microtensor.nn.utils.parametrizations import orthogonal

SHAPES = [(4, 4), (5, 3), (3, 5)]
MAPS = ["matrix_exp", "cayley", "householder", None]
CASES = list(itertools.product(SHAPES, MAPS, [True, False]))


def run(lib, shape, orthogonal_map, use_trivialization):
    """The orthogonal weight, the gradient of its original, the state-dict keys and repr."""
    lib.manual_seed(0)  # same seed, same randn (the completion of a rectangular weight)
    layer = lib.nn.Linear(shape[1], shape[0], dtype=lib.float64)
    lib.nn.utils.parametrizations.orthogonal(
        layer, orthogonal_map=orthogonal_map, use_trivialization=use_trivialization
    )
    x = lib.tensor(np.random.default_rng(1).standard_normal((2, shape[1])))
    upstream = lib.tensor(np.random.default_rng(2).standard_normal((2, shape[0])))
    (layer(x) * upstream).sum().backward()
    grad = layer.parametrizations.weight.original.grad.numpy()
    return layer.weight.detach().numpy(), grad, list(layer.state_dict()), repr(layer)


@pytest.mark.parametrize(("shape", "orthogonal_map", "use_trivialization"), CASES, ids=str)
def test_matches_torch(shape, orthogonal_map, use_trivialization):
    weight, grad, keys, text = run(mt, shape, orthogonal_map, use_trivialization)
    weight_t, grad_t, keys_t, text_t = run(torch, shape, orthogonal_map, use_trivialization)
    np.testing.assert_allclose(weight, weight_t, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad, grad_t, rtol=1e-10, atol=1e-12)
    assert keys == keys_t and text == text_t
    gram = weight.T @ weight if shape[0] >= shape[1] else weight @ weight.T
    np.testing.assert_allclose(gram, np.eye(min(shape)), atol=1e-12)


def test_assigning_a_weight_orthogonalises_it_as_torch():
    value = np.random.default_rng(3).standard_normal((4, 4))
    results = []
    for lib in (mt, torch):
        layer = (
            orthogonal(mt.nn.Linear(4, 4, dtype=mt.float64))
            if lib is mt
            else (
                torch.nn.utils.parametrizations.orthogonal(
                    torch.nn.Linear(4, 4, dtype=torch.float64)
                )
            )
        )
        layer.weight = lib.tensor(value)
        results.append(layer.weight.detach().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
def test_gradcheck_and_gradgradcheck(orthogonal_map):
    layer = orthogonal(mt.nn.Linear(3, 4, dtype=mt.float64), orthogonal_map=orthogonal_map)
    parametrization = layer.parametrizations.weight[0]
    x = mt.tensor(np.random.default_rng(4).standard_normal((4, 3)) * 0.3, requires_grad=True)
    assert gradcheck(parametrization, (x,))
    if orthogonal_map != "matrix_exp":  # matrix_exp's own tests cover its double backward (slow)
        assert gradgradcheck(parametrization, (x,))


def test_errors_as_torch():
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor"):
        orthogonal(mt.nn.Linear(3, 4), name="bias")
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'kernel'"):
        orthogonal(mt.nn.Linear(3, 4), name="kernel")
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp"'):
        orthogonal(mt.nn.Linear(3, 4), orthogonal_map="qr")
    layer = orthogonal(mt.nn.Linear(3, 4))
    with pytest.raises(ValueError, match=r"Expected a matrix or batch of matrices of shape"):
        layer.weight = mt.zeros(3, 3)
