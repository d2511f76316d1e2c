"""nn.utils: gradient clipping and parameter vectors, against torch.nn.utils."""

import math

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    clip_grads_with_norm_,
    get_total_norm,
    parameters_to_vector,
    vector_to_parameters,
)
from tests.helpers import assert_same

SHAPES = [(3, 4), (5,), (), (2, 1, 3)]
NORM_TYPES = [2.0, 1, 3.5, 0.5, 0, math.inf, -math.inf, "inf"]


def _twins(dtype, rng, scale=1.0, with_none=True):
    """Parameters of both libraries with identical random gradients (the last one without)."""
    mt_params, torch_params = [], []
    for i, shape in enumerate(SHAPES):
        value = rng.standard_normal(shape).astype(dtype)
        m = mt.tensor(value, requires_grad=True)
        t = torch.tensor(value, requires_grad=True)
        if not (with_none and i == len(SHAPES) - 1):
            grad = (rng.standard_normal(shape) * scale).astype(dtype)
            m.grad, t.grad = mt.tensor(grad), torch.tensor(grad)
        mt_params.append(m)
        torch_params.append(t)
    return mt_params, torch_params


def _assert_grads_same(mt_params, torch_params):
    for i, (m, t) in enumerate(zip(mt_params, torch_params, strict=True)):
        if t.grad is None:
            assert m.grad is None
        else:
            assert_same(m.grad, t.grad, what=f"grad {i}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", NORM_TYPES)
@pytest.mark.parametrize("max_norm", [0.3, 1e6])
def test_clip_grad_norm_matches_torch(dtype, norm_type, max_norm):
    mt_params, torch_params = _twins(dtype, np.random.default_rng(0))
    mt_grads = [p.grad for p in mt_params]
    total = clip_grad_norm_(mt_params, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(torch_params, max_norm, norm_type)
    assert_same(total, expected, what="total norm")
    _assert_grads_same(mt_params, torch_params)
    assert all(p.grad is g for p, g in zip(mt_params, mt_grads, strict=True))  # in place


def test_clip_grad_norm_scales_to_max_norm():
    mt_params, _ = _twins(np.float64, np.random.default_rng(1), scale=10.0)
    before = clip_grad_norm_(mt_params, 2.0).item()
    after = get_total_norm([p.grad for p in mt_params if p.grad is not None]).item()
    assert before > 10
    assert after == pytest.approx(2.0 * before / (before + 1e-6), rel=1e-12)


def test_clip_grad_norm_leaves_small_gradients_alone():
    p = mt.zeros(2, requires_grad=True)
    p.grad = mt.tensor([0.3, 0.4])
    assert clip_grad_norm_(p, 1.0).item() == pytest.approx(0.5)
    assert p.grad.tolist() == pytest.approx([0.3, 0.4])


def test_clip_grad_norm_single_tensor_and_generator():
    p = mt.zeros(2, dtype=mt.float64, requires_grad=True)
    p.grad = mt.tensor([3.0, 4.0], dtype=mt.float64)
    assert clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    assert p.grad.tolist() == pytest.approx([0.6, 0.8], rel=1e-6)
    q = mt.zeros(2, requires_grad=True)
    q.grad = mt.tensor([3.0, 4.0])
    assert clip_grad_norm_((x for x in [q]), 1.0).item() == pytest.approx(5.0)


def test_clip_grad_norm_without_gradients():
    total = clip_grad_norm_([mt.zeros(2, requires_grad=True)], 1.0)
    expected = torch.nn.utils.clip_grad_norm_([torch.zeros(2, requires_grad=True)], 1.0)
    assert_same(total, expected)
    with pytest.warns(UserWarning, match="`parameters` is an empty generator"):
        assert clip_grad_norm_((p for p in []), 1.0).item() == 0.0


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_clip_grad_norm_nonfinite(bad):
    def twins():
        value = np.array([1.0, bad, 2.0])
        m, t = mt.zeros(3, requires_grad=True), torch.zeros(3, requires_grad=True)
        m.grad, t.grad = mt.tensor(value.astype(np.float32)), torch.tensor(value.astype(np.float32))
        return m, t

    m, t = twins()
    with pytest.raises(
        RuntimeError,
        match="The total norm of order 2.0 for gradients from `parameters` is non-finite",
    ):
        clip_grad_norm_([m], 1.0, error_if_nonfinite=True)
    assert m.grad.numpy()[0] == 1.0  # unchanged
    with pytest.raises(RuntimeError, match="is non-finite"):
        torch.nn.utils.clip_grad_norm_([t], 1.0, error_if_nonfinite=True)
    m, t = twins()
    assert_same(clip_grad_norm_([m], 1.0), torch.nn.utils.clip_grad_norm_([t], 1.0))
    assert_same(m.grad, t.grad)  # scaled by the non-finite norm, as in torch
    with pytest.raises(RuntimeError, match="order inf .* is non-finite"):
        clip_grad_norm_([twins()[0]], 1.0, norm_type="inf", error_if_nonfinite=True)


def test_inf_norm_of_empty_gradient():
    p = mt.zeros(0, requires_grad=True)
    p.grad = mt.zeros(0)
    with pytest.raises(RuntimeError, match="cannot compute the inf norm of an empty gradient"):
        clip_grad_norm_([p], 1.0, norm_type=math.inf)
    assert clip_grad_norm_([p], 1.0).item() == 0.0


def test_mixed_dtypes_promote_like_torch():
    m32, t32 = mt.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    m64 = mt.zeros(2, dtype=mt.float64, requires_grad=True)
    t64 = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    for m, t, g in [(m32, t32, [3.0, 4.0]), (m64, t64, [1.0, 2.0])]:
        m.grad, t.grad = mt.tensor(g, dtype=m.dtype), torch.tensor(g, dtype=t.dtype)
    total = clip_grad_norm_([m32, m64], 0.5)
    assert_same(total, torch.nn.utils.clip_grad_norm_([t32, t64], 0.5))
    assert_same(m32.grad, t32.grad)
    assert_same(m64.grad, t64.grad)


@pytest.mark.parametrize("norm_type", [2.0, math.inf])
def test_get_total_norm_and_clip_grads_with_norm_match_torch(norm_type):
    mt_params, torch_params = _twins(np.float64, np.random.default_rng(2))
    mt_total = get_total_norm([p.grad for p in mt_params if p.grad is not None], norm_type)
    torch_total = torch.nn.utils.get_total_norm(
        [p.grad for p in torch_params if p.grad is not None], norm_type
    )
    assert_same(mt_total, torch_total)
    clip_grads_with_norm_(mt_params, 0.1, mt_total)
    torch.nn.utils.clip_grads_with_norm_(torch_params, 0.1, torch_total)
    _assert_grads_same(mt_params, torch_params)
    clip_grads_with_norm_([mt.zeros(1, requires_grad=True)], 0.1, mt_total)  # no grads: no-op


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("clip_value", [0.5, 2, 0.0])
def test_clip_grad_value_matches_torch(dtype, clip_value):
    mt_params, torch_params = _twins(dtype, np.random.default_rng(3), scale=2.0)
    grads = [p.grad for p in mt_params]
    assert clip_grad_value_(mt_params, clip_value) is None
    torch.nn.utils.clip_grad_value_(torch_params, clip_value)
    _assert_grads_same(mt_params, torch_params)
    assert all(p.grad is g for p, g in zip(mt_params, grads, strict=True))
    assert (
        max(np.abs(p.grad.numpy()).max(initial=0) for p in mt_params if p.grad is not None)
        <= clip_value
    )


def test_clip_grad_value_single_tensor_and_nan():
    p = mt.zeros(3, requires_grad=True)
    p.grad = mt.tensor([-5.0, math.nan, 5.0])
    clip_grad_value_(p, 1)
    assert p.grad.numpy()[0] == -1.0 and math.isnan(p.grad.numpy()[1]) and p.grad.numpy()[2] == 1.0


# --- parameters_to_vector / vector_to_parameters -------------------------------------------------


def test_parameters_to_vector_matches_torch_and_is_differentiable():
    mt_params, torch_params = _twins(np.float64, np.random.default_rng(4), with_none=False)
    vec = parameters_to_vector(mt_params)
    expected = torch.nn.utils.parameters_to_vector(torch_params)
    assert_same(vec, expected)
    weights = np.arange(vec.shape[0], dtype=np.float64)
    (vec * mt.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for m, t in zip(mt_params, torch_params, strict=True):
        assert_same(m.grad, t.grad)


def test_parameters_to_vector_empty():
    with pytest.raises(ValueError, match="expected a non-empty list of Tensors"):
        parameters_to_vector([])
    with pytest.raises(ValueError, match="expected a non-empty list of Tensors"):
        torch.nn.utils.parameters_to_vector([])


def test_vector_to_parameters_matches_torch_and_shares_memory():
    mt_params, torch_params = _twins(np.float64, np.random.default_rng(5), with_none=False)
    values = np.arange(sum(p.numel() for p in mt_params) + 2, dtype=np.float64)
    vec = mt.tensor(values)
    vector_to_parameters(vec, mt_params)
    torch.nn.utils.vector_to_parameters(torch.tensor(values), torch_params)
    for m, t in zip(mt_params, torch_params, strict=True):
        assert_same(m.detach(), t.detach())
        assert m.requires_grad and m.is_leaf
    vec.numpy()[0] = -7.0
    assert mt_params[0].detach().numpy()[0, 0] == -7.0  # views of vec, as in torch


def test_vector_to_parameters_errors():
    with pytest.raises(TypeError, match="expected microtensor.Tensor, but got: ndarray"):
        vector_to_parameters(np.zeros(3), [mt.zeros(3)])
    with pytest.raises(RuntimeError, match="vec has 3 elements but the parameters need 4"):
        vector_to_parameters(mt.zeros(3), [mt.zeros(2, 2)])


@pytest.mark.skipif(not hasattr(mt.nn, "Linear"), reason="microtensor.nn.Linear not available yet")
def test_round_trip_through_a_module():
    model = mt.nn.Linear(3, 2)
    vec = parameters_to_vector(model.parameters())
    assert vec.shape == (8,)
    vector_to_parameters(mt.zeros(8), model.parameters())
    assert all(not p.detach().numpy().any() for p in model.parameters())
    vector_to_parameters(vec.detach(), model.parameters())
    assert_same(model.weight.detach(), vec.detach()[:6].reshape(2, 3))
