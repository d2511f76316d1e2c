"""embedding and Embedding against PyTorch."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import assert_same, check_gradients

TF = torch.nn.functional


def _compare(idx, weight, rng, **kwargs):
    """Forward and weight gradient of embedding against torch's, for a random upstream grad."""
    wm = mt.tensor(weight, requires_grad=True)
    wt = torch.tensor(weight, requires_grad=True)
    out_m = F.embedding(mt.tensor(idx), wm, **kwargs)
    out_t = TF.embedding(torch.tensor(idx), wt, **kwargs)
    assert_same(out_m, out_t)
    g = rng.standard_normal(out_t.shape).astype(weight.dtype)
    out_m.backward(mt.tensor(g))
    out_t.backward(torch.tensor(g))
    assert_same(wm.grad, wt.grad, what="weight grad")
    return wm, wt


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(
    idx_shape=array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
    rows=st.integers(1, 6),
    padding=st.one_of(st.none(), st.integers(-1, 0)),
    scale=st.booleans(),
)
def test_matches_torch(dtype, idx_shape, rows, padding, scale):
    rng = np.random.default_rng(rows)
    idx = rng.integers(0, rows, idx_shape)
    weight = rng.standard_normal((rows, 3)).astype(dtype)
    _compare(idx, weight, rng, padding_idx=padding, scale_grad_by_freq=scale)


def test_repeated_indices_accumulate_and_padding_gets_none():
    weight = mt.ones(4, 2, requires_grad=True)
    out = F.embedding(mt.tensor([[1, 1], [0, 1]]), weight, padding_idx=0)
    out.sum().backward()
    assert_same(weight.grad, np.array([[0.0, 0], [3, 3], [0, 0], [0, 0]], np.float32))
    assert_same(out[1, 0], np.array([1.0, 1.0], np.float32))  # the padding row is still read


def test_max_norm_renormalises_rows_in_place_as_torch():
    rng = np.random.default_rng(1)
    weight = rng.standard_normal((5, 4)) * 3
    idx = np.array([[0, 2], [2, 4]])
    wm, wt = _compare(idx, weight, rng, max_norm=1.5)
    assert_same(wm.detach(), wt.detach())
    assert np.linalg.norm(wm.detach().numpy()[1]) > 1.5  # an unused row is untouched


def test_gradcheck_and_gradgradcheck():
    idx = mt.tensor([[0, 2, 2], [1, 0, 3]])
    # the padding row (4, unused here) breaks finite differences by design, as in PyTorch
    check_gradients(lambda w: F.embedding(idx, w, padding_idx=4) ** 2, [np.ones((5, 2)) * 0.5])
    # scale_grad_by_freq is not a true gradient either, unless each index appears once
    unique = mt.tensor([[3, 0], [2, 1]])
    check_gradients(
        lambda w: F.embedding(unique, w, scale_grad_by_freq=True) ** 2,
        [np.random.default_rng(2).standard_normal((4, 2))],
    )


def test_module_init_and_forward():
    mt.manual_seed(0)
    emb = mt.nn.Embedding(1000, 20, padding_idx=3)
    w = emb.weight.detach().numpy()
    assert w.dtype == np.float32 and emb.weight.requires_grad
    assert np.all(w[3] == 0)
    others = np.delete(w, 3, axis=0)
    assert abs(others.mean()) < 0.02 and abs(others.std() - 1) < 0.02  # N(0, 1)
    assert list(emb.state_dict()) == list(torch.nn.Embedding(2, 2).state_dict())
    assert_same(emb(mt.tensor([3, 5])), np.stack([w[3], w[5]]))
    emb(mt.tensor([3, 5, 5])).sum().backward()
    assert_same(emb.weight.grad[5], np.full(20, 2.0, np.float32))
    assert_same(emb.weight.grad[3], np.zeros(20, np.float32))


def test_module_matches_torch_with_copied_weight():
    rng = np.random.default_rng(3)
    m, t = mt.nn.Embedding(6, 4, padding_idx=-1), torch.nn.Embedding(6, 4, padding_idx=-1)
    assert m.padding_idx == t.padding_idx == 5
    t.load_state_dict({"weight": torch.tensor(m.weight.detach().numpy())})
    idx = rng.integers(0, 6, (3, 5))
    out_m, out_t = m(mt.tensor(idx)), t(torch.tensor(idx))
    assert_same(out_m, out_t)
    g = rng.standard_normal(out_t.shape).astype(np.float32)
    out_m.backward(mt.tensor(g))
    out_t.backward(torch.tensor(g))
    assert_same(m.weight.grad, t.weight.grad)


@pytest.mark.parametrize(
    "module, text",
    [
        (mt.nn.Embedding(10, 3), "Embedding(10, 3)"),
        (
            mt.nn.Embedding(10, 3, padding_idx=0, max_norm=1.0, scale_grad_by_freq=True),
            "Embedding(10, 3, padding_idx=0, max_norm=1.0, scale_grad_by_freq=True)",
        ),
    ],
)
def test_repr_like_torch(module, text):
    assert repr(module) == text == repr(eval("torch.nn." + text))


@pytest.mark.parametrize("freeze", [True, False])
def test_from_pretrained(freeze):
    table = mt.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    emb = mt.nn.Embedding.from_pretrained(table, freeze=freeze, padding_idx=1)
    assert emb.weight.requires_grad is not freeze
    assert emb.padding_idx == 1
    assert_same(emb(mt.tensor([1, 2])), np.array([[3.0, 4.0], [5.0, 6.0]], np.float32))
    with pytest.raises(ValueError, match="expected to be 2-dimensional"):
        mt.nn.Embedding.from_pretrained(mt.ones(3))


def test_errors():
    weight = mt.randn(4, 2)
    with pytest.raises(IndexError, match="index out of range in self.*got index 4"):
        F.embedding(mt.tensor([0, 4]), weight)
    with pytest.raises(IndexError, match="index out of range in self.*got index -1"):
        F.embedding(mt.tensor([-1]), weight)
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar types"):
        F.embedding(mt.tensor([0.0]), weight)
    with pytest.raises(RuntimeError, match=r"'weight' must be 2-D, got \(4,\)"):
        F.embedding(mt.tensor([0]), mt.randn(4))
    with pytest.raises(ValueError, match="padding_idx=4 must be within num_embeddings"):
        F.embedding(mt.tensor([0]), weight, padding_idx=4)
    with pytest.raises(ValueError, match="padding_idx=-5 must be within num_embeddings"):
        mt.nn.Embedding(4, 2, padding_idx=-5)
    with pytest.raises(NotImplementedError, match="sparse=True"):
        F.embedding(mt.tensor([0]), weight, sparse=True)
