"""nn.functional on complex tensors against PyTorch: softsign, silu, l1_loss, normalize,
pairwise_distance and the triplet margin losses.

Values and dtypes (a complex result, or a real one for the norms and losses) in complex64 and
complex128; gradients with torch's convention (z.grad = dL/dx + i dL/dy) for a random upstream
gradient; second derivatives in complex128.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
import microtensor.nn.functional as F

SEED = 20261204


def _complex(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    return np.asarray(rng.standard_normal(shape) + 1j * rng.standard_normal(shape), dtype)


def _upstream(like, seed):
    """A random upstream gradient of ``like``'s dtype (complex for a complex output)."""
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(like.shape)
    if like.dtype.kind == "c":
        values = values + 1j * rng.standard_normal(like.shape)
    return np.asarray(values, like.dtype)


def _tol(dtype):
    return {"rtol": 1e-12, "atol": 1e-12} if np.dtype(dtype).itemsize == 16 else {"rtol": 2e-5}


def _with_zeros(arrays):
    """The first input with an entry equal to the second's (l1's and distances' kinks)."""
    first = arrays[0].copy()
    if len(arrays) > 1:
        first[0, 1] = arrays[1][0, 1]
    else:
        first[0, 1] = 0
    return [first, *arrays[1:]]


def _triplet(m):
    fn = m.nn.functional.triplet_margin_loss
    return lambda a, p, n: fn(a, p, n, margin=0.5, p=1.5, swap=True)


def _triplet_with_distance(m):
    fn = m.nn.functional.triplet_margin_with_distance_loss
    return lambda a, p, n: fn(a, p, n, distance_function=m.nn.PairwiseDistance(), margin=2.0)


# name: (microtensor function, torch function, number of (3, 4) complex inputs)
FUNCTIONS = {
    "softsign": (F.softsign, TF.softsign, 1),
    "l1_loss": (F.l1_loss, TF.l1_loss, 2),
    "l1_loss_none": (
        lambda a, b: F.l1_loss(a, b, reduction="none"),
        lambda a, b: TF.l1_loss(a, b, reduction="none"),
        2,
    ),
    "normalize_p2": (F.normalize, TF.normalize, 1),
    "normalize_p1_dim0": (
        lambda a: F.normalize(a, 1.0, 0),
        lambda a: TF.normalize(a, 1.0, 0),
        1,
    ),
    "pairwise_distance": (F.pairwise_distance, TF.pairwise_distance, 2),
    "pairwise_distance_p3_keepdim": (
        lambda a, b: F.pairwise_distance(a, b, 3.0, keepdim=True),
        lambda a, b: TF.pairwise_distance(a, b, 3.0, keepdim=True),
        2,
    ),
    "triplet_margin_loss": (_triplet(mt), _triplet(torch), 3),
    "triplet_margin_with_distance_loss": (
        _triplet_with_distance(mt),
        _triplet_with_distance(torch),
        3,
    ),
}


def _run(name, dtype):
    ours, theirs, count = FUNCTIONS[name]
    arrays = _with_zeros([_complex((3, 4), dtype, SEED + i) for i in range(count)])
    xs = [mt.tensor(a, requires_grad=True) for a in arrays]
    txs = [torch.tensor(a, requires_grad=True) for a in arrays]
    return arrays, xs, txs, ours(*xs), theirs(*txs)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_values_and_gradients_match_torch(name, dtype):
    arrays, xs, txs, out, tout = _run(name, dtype)
    want = tout.detach().numpy()
    assert out._data.dtype == want.dtype and out.shape == want.shape
    np.testing.assert_allclose(out.detach().numpy(), want, **_tol(dtype))
    v = _upstream(want, SEED + 7)
    grads = mt.autograd.grad(out, xs, grad_outputs=mt.tensor(v))
    tgrads = torch.autograd.grad(tout, txs, grad_outputs=torch.tensor(v))
    for g, t in zip(grads, tgrads, strict=True):
        assert g._data.dtype == np.dtype(dtype)
        np.testing.assert_allclose(g.numpy(), t.numpy(), **_tol(dtype))


@pytest.mark.parametrize("name", ["softsign", "l1_loss", "normalize_p2", "triplet_margin_loss"])
def test_second_derivatives_match_torch(name):
    arrays, xs, txs, out, tout = _run(name, np.complex128)
    v = _upstream(tout.detach().numpy(), SEED + 11)
    grads = mt.autograd.grad(out, xs, grad_outputs=mt.tensor(v), create_graph=True)
    tgrads = torch.autograd.grad(tout, txs, grad_outputs=torch.tensor(v), create_graph=True)
    w = [_upstream(t.detach().numpy(), SEED + 13 + i) for i, t in enumerate(tgrads)]
    second = mt.autograd.grad(grads, xs, grad_outputs=[mt.tensor(a) for a in w])
    tsecond = torch.autograd.grad(tgrads, txs, grad_outputs=[torch.tensor(a) for a in w])
    for g, t in zip(second, tsecond, strict=True):
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-10, atol=1e-12)


def test_l1_loss_of_complex_with_a_real_weight_matches_torch():
    a, b = _complex((2, 3), np.complex128, SEED), _complex((2, 3), np.complex128, SEED + 1)
    weight = np.abs(np.random.default_rng(SEED + 2).standard_normal((2, 3)))
    x, tx = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    loss = F.l1_loss(x, mt.tensor(b), weight=mt.tensor(weight))
    tloss = TF.l1_loss(tx, torch.tensor(b), weight=torch.tensor(weight))
    assert loss.dtype == mt.float64
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-12)
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_silu_of_complex_values_match_torch(dtype):
    a = _complex((3, 4), dtype, SEED)
    a[0, 0] = 0
    got, want = F.silu(mt.tensor(a)), TF.silu(torch.tensor(a))
    assert got._data.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got.numpy(), want.numpy(), **_tol(dtype))
    x, tx = mt.tensor(a), torch.tensor(a)
    assert F.silu(x, inplace=True) is x
    TF.silu(tx, inplace=True)
    np.testing.assert_allclose(x.numpy(), tx.numpy(), **_tol(dtype))
    np.testing.assert_allclose(mt.nn.SiLU()(mt.tensor(a)).numpy(), want.numpy(), **_tol(dtype))


def test_silu_of_complex_has_no_gradient_as_torch():
    a = _complex((3,), np.complex128, SEED)
    message = "silu does not support automatic differentiation for outputs with complex dtype."
    with pytest.raises(RuntimeError, match=message):
        TF.silu(torch.tensor(a, requires_grad=True))
    with pytest.raises(RuntimeError, match=message):
        F.silu(mt.tensor(a, requires_grad=True))
    with mt.no_grad():
        got = F.silu(mt.tensor(a, requires_grad=True))
    with torch.no_grad():
        want = TF.silu(torch.tensor(a, requires_grad=True))
    assert not got.requires_grad
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_integer_inputs_still_raise_as_torch():
    ints, tints = mt.tensor([[1, 2]]), torch.tensor([[1, 2]])
    with pytest.raises(NotImplementedError):
        TF.silu(tints)
    with pytest.raises(NotImplementedError, match="silu"):
        F.silu(ints)
    with pytest.raises(RuntimeError):
        TF.normalize(tints)
    with pytest.raises(RuntimeError, match="normalize"):
        F.normalize(ints)
