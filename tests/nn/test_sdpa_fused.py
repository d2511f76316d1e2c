"""scaled_dot_product_attention's fused op (torch's CPU flash node) against torch, case by case."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
from microtensor.autograd import gradcheck, gradgradcheck
from microtensor.nn import functional as F
from microtensor.nn.attention import SDPBackend, sdpa_kernel

B, H, L, S, E = 2, 4, 5, 6, 8
_BOOL = np.random.default_rng(3).random((L, S)) > 0.4
_BOOL[2] = False  # a query row with no key: zeros on both of torch's paths
CASES = {
    "none": ((B, H, L, E), (B, H, S, E), (B, H, S, E), None, False, {}),
    "causal": ((B, H, 7, E), (B, H, S, E), (B, H, S, E), None, False, {"is_causal": True}),
    "bool": ((B, H, L, E), (B, H, S, E), (B, H, S, E), _BOOL, False, {}),
    "float": ((B, H, L, E), (B, H, S, E), (B, H, S, E), (B, 1, L, S), False, {}),
    "float_rg": ((B, H, L, E), (B, H, S, E), (B, H, S, E), (L, S), True, {}),
    "mask_3d": ((B, H, L, E), (B, H, S, E), (B, H, S, E), (H, L, S), False, {}),
    "gqa": ((B, H, L, E), (B, 2, S, E), (B, 2, S, E), _BOOL, False, {"enable_gqa": True}),
    "scale": ((B, H, L, E), (B, H, S, E), (B, H, S, E), None, False, {"scale": 0.37}),
    "3d": ((H, L, E), (H, S, E), (H, S, E), None, False, {}),
    "value_dim": ((B, H, L, E), (B, H, S, E), (B, H, S, 3), None, False, {}),
}


def _run(lib, fn, arrays, mask, mask_rg, kwargs, upstream):
    q, k, v = (lib.tensor(a, requires_grad=True) for a in arrays)
    m = None if mask is None else lib.tensor(mask, requires_grad=mask_rg)
    out = fn(q, k, v, attn_mask=m, **kwargs)
    (out * lib.tensor(upstream)).sum().backward()
    grads = [q.grad, k.grad, v.grad] + ([m.grad] if mask_rg else [])
    return out, [np.asarray(g.numpy()) for g in grads]


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-13), (np.float32, 2e-6)])
@pytest.mark.parametrize("case", list(CASES))
def test_values_gradients_and_node_equal_torch(case, dtype, tol):
    rng = np.random.default_rng(0)
    qs, ks, vs, mask, mask_rg, kwargs = CASES[case]
    arrays = [rng.standard_normal(s).astype(dtype) for s in (qs, ks, vs)]
    if isinstance(mask, tuple):
        mask = rng.standard_normal(mask).astype(dtype)
    upstream = rng.standard_normal((*qs[:-1], vs[-1])).astype(dtype)
    t_out, t_grads = _run(
        torch, TF.scaled_dot_product_attention, arrays, mask, mask_rg, kwargs, upstream
    )
    m_out, m_grads = _run(
        mt, F.scaled_dot_product_attention, arrays, mask, mask_rg, kwargs, upstream
    )
    assert m_out.grad_fn.name() == type(t_out.grad_fn).__name__
    np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy(), rtol=tol, atol=tol)
    for m, t in zip(m_grads, t_grads, strict=True):
        np.testing.assert_allclose(m, t, rtol=tol, atol=tol)


def test_flash_cases_are_one_node():
    q = mt.randn(B, H, L, E, requires_grad=True)
    out = F.scaled_dot_product_attention(q, q, q, is_causal=True)
    assert out.grad_fn.name() == "ScaledDotProductFlashAttentionForCpuBackward0"
    assert [n.name() for n, _ in out.grad_fn.next_functions] == [
        "torch::autograd::AccumulateGrad"
    ] * 3
    drop = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    assert drop.grad_fn.name() == "UnsafeViewBackward0"  # torch's math path
    with sdpa_kernel(SDPBackend.MATH):
        assert F.scaled_dot_product_attention(q, q, q).grad_fn.name() == "UnsafeViewBackward0"


@pytest.mark.parametrize("case", ["none", "causal", "bool", "gqa"])
def test_gradcheck_and_gradgradcheck(case):
    rng = np.random.default_rng(1)
    qs, ks, vs, mask, _, kwargs = CASES[case]
    small = [(2, s[1], 3 if i == 0 else 4, 3) for i, s in enumerate((qs, ks, vs))]
    inputs = [mt.tensor(rng.standard_normal(s), requires_grad=True) for s in small]
    m = None if mask is None else mt.tensor(mask[:3, :4])

    def fn(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=m, **kwargs)

    assert fn(*inputs).grad_fn.name() == "ScaledDotProductFlashAttentionForCpuBackward0"
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_errors_as_torch():
    q = mt.randn(B, H, L, E)
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=mt.ones(L) > 0)
    with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
        with pytest.raises(RuntimeError, match="No available kernel"):
            F.scaled_dot_product_attention(q[0], q[0], q[0])
