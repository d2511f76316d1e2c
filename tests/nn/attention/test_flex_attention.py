"""flex_attention vs torch: outputs and lse vs torch's public function, gradients vs torch's
math implementation (torch's CPU refuses inputs that require grad), gradcheck, errors."""

import math
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
import torch.nn.attention.flex_attention as tfa
from torch._higher_order_ops.flex_attention import math_attention

import microtensor as mt
import microtensor.nn.attention.flex_attention as mfa
from tests.helpers import assert_same, check_gradients, to_numpy

LIBS = {"mt": (mt, mfa), "torch": (torch, tfa)}


# --- mods written once, for either library --------------------------------------------------


def causal(b, h, q_idx, kv_idx):
    return q_idx >= kv_idx


def sliding_window(b, h, q_idx, kv_idx):
    return (q_idx - kv_idx).abs() <= 2


def batch_head(b, h, q_idx, kv_idx):
    return (q_idx + b + 2 * h) % 3 != kv_idx % 2


def first_rows(b, h, q_idx, kv_idx):  # rows from 3 on attend nowhere
    return (q_idx < 3) & (kv_idx >= 0)


def padding(b, h, q_idx, kv_idx):  # keys past 100 are padding
    return kv_idx < 100


def relative(score, b, h, q_idx, kv_idx):
    return score + (q_idx - kv_idx) * 0.1


def alibi(score, b, h, q_idx, kv_idx):
    return score - (h + 1) * 0.25 * (q_idx - kv_idx).abs()


def position_only(score, b, h, q_idx, kv_idx):  # ignores the score: a (1, H, 1, S) result
    return (h - kv_idx) * score.new_ones(()) * 0.5  # a 0-d float: the score's dtype


def make_mod(name, lib, bias=None):
    """The named mod for ``lib`` (mods that need the library's functions or tensors)."""
    if name == "softcap":
        return lambda score, b, h, q, kv: 2.0 * lib.tanh(score / 2.0)
    if name == "document":
        doc = lib.tensor([0, 0, 1, 1, 1, 2, 2, 3])
        return lambda b, h, q, kv: doc[q] == doc[kv]
    if name == "bias":
        return lambda score, b, h, q, kv: score + bias[h, q - kv + 7]
    if name == "where":
        return lambda score, b, h, q, kv: lib.where(q >= kv, score, score * 2 - 1)
    return globals()[name]


# name: (B, Hq, Hkv, L, S, E, Ev), score_mod, (mask_mod, B, H) or None, kwargs, Bkv
CASES = {
    "plain": ((2, 2, 2, 6, 6, 4, 4), None, None, {}),
    "causal": ((2, 2, 2, 6, 6, 4, 4), None, ("causal", None, None), {}),
    "score_mod": ((2, 2, 2, 6, 7, 4, 4), "relative", None, {}),
    "both": ((2, 3, 3, 7, 6, 4, 4), "alibi", ("sliding_window", None, None), {}),
    "gqa": ((1, 4, 2, 5, 7, 4, 4), "alibi", ("causal", None, None), {"enable_gqa": True}),
    "scale": ((1, 2, 2, 5, 5, 4, 4), "relative", None, {"scale": 0.3}),
    "value_dim": ((1, 2, 2, 5, 7, 4, 6), None, ("causal", None, None), {}),
    "mask_b_h": ((2, 3, 3, 5, 6, 4, 4), None, ("batch_head", 2, 3), {}),
    "mask_b_h_none": ((2, 3, 3, 5, 6, 4, 4), "where", ("batch_head", None, None), {}),
    "document": ((1, 2, 2, 8, 8, 4, 4), "softcap", ("document", 1, None), {}),
    "padding": ((1, 1, 1, 130, 140, 4, 3), "relative", ("padding", None, None), {}),
    "dead_rows": ((1, 2, 2, 5, 4, 4, 4), None, ("first_rows", None, None), {}),
    "position_only": ((2, 2, 2, 4, 5, 4, 4), "position_only", None, {}),
    "batch_broadcast": ((2, 2, 2, 4, 5, 4, 4), None, ("causal", 2, None), {"kv_batch": 1}),
}


def inputs(shape, dtype, seed=0, kv_batch=None):
    batch, heads, kv_heads, q_len, kv_len, e, ev = shape
    rng = np.random.default_rng(seed)
    kv_batch = batch if kv_batch is None else kv_batch
    return [
        rng.standard_normal(s).astype(dtype)
        for s in [(batch, heads, q_len, e), (kv_batch, kv_heads, kv_len, e)]
        + [(kv_batch, kv_heads, kv_len, ev)]
    ]


def run_case(lib_name, name, arrays, bias=None, requires_grad=False):
    """flex_attention of a case in one library; returns (out, lse) and the input tensors.
    With a bias table, the score_mod is the "bias" one, indexing it."""
    lib, fa = LIBS[lib_name]
    shape, score_mod, mask, kwargs = CASES[name]
    score_mod = score_mod if bias is None else "bias"
    kwargs = {k: v for k, v in kwargs.items() if k != "kv_batch"}
    tensors = [lib.tensor(a, requires_grad=requires_grad) for a in arrays]
    block_mask = None
    if mask is not None:
        mask_mod, b, h = mask
        block_mask = fa.create_block_mask(make_mod(mask_mod, lib), b, h, shape[3], shape[4], "cpu")
    score_mod = None if score_mod is None else make_mod(score_mod, lib, bias)
    if lib_name == "torch" and requires_grad:  # torch's eager math, the gradient reference
        block_mask = block_mask or tfa._create_empty_block_mask(tensors[0], tensors[1])
        scale = kwargs.get("scale", 1 / math.sqrt(shape[5]))
        out, lse, _ = math_attention(*tensors, score_mod or tfa._identity, block_mask.as_tuple(),
                                     scale, {})  # fmt: skip
        return (out, lse * math.log(2)), tensors
    out, aux = fa.flex_attention(
        *tensors, score_mod, block_mask, return_aux=fa.AuxRequest(lse=True), **kwargs
    )
    return (out, aux.lse), tensors


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(CASES))
def test_forward_matches_torch(name, dtype):
    arrays = inputs(CASES[name][0], dtype, kv_batch=CASES[name][3].get("kv_batch"))
    (out, lse), _ = run_case("mt", name, arrays)
    (t_out, t_lse), _ = run_case("torch", name, arrays)
    assert_same(out, t_out, what="output")
    assert_same(lse, t_lse, what="lse")


def test_block_tables_without_mask_mod_mask_nothing():
    """As torch's eager flex_attention: the math reads mask_mod, not the block tables."""
    num, idx = [[[1, 1]]], [[[[0, 1], [1, 0]]]]
    arrays = inputs((1, 1, 1, 8, 8, 4, 4), np.float64)
    outs = []
    for lib, fa in LIBS.values():
        tables = (lib.tensor(num, dtype=lib.int32), lib.tensor(idx, dtype=lib.int32))
        mask = fa.BlockMask.from_kv_blocks(*tables, BLOCK_SIZE=4)
        outs.append(fa.flex_attention(*(lib.tensor(a) for a in arrays), block_mask=mask))
    assert_same(outs[0], outs[1])
    assert_same(outs[0], mfa.flex_attention(*(mt.tensor(a) for a in arrays)))


def test_fully_masked_rows_give_zero_and_minus_inf():
    (out, lse), _ = run_case("mt", "dead_rows", inputs(CASES["dead_rows"][0], np.float64))
    assert np.all(out.numpy()[:, :, 3:] == 0) and np.all(np.isneginf(lse.numpy()[:, :, 3:]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["causal", "both", "gqa", "value_dim", "document", "dead_rows",
                                  "batch_broadcast", "mask_b_h_none"])  # fmt: skip
def test_gradients_match_torch_math(name, dtype):
    """Gradients of q, k, v and of a bias table that score_mod indexes, for random upstream
    gradients of the output and the lse (torch's dead-row lse gradient is NaN: left out)."""
    shape = CASES[name][0]
    arrays = inputs(shape, dtype, seed=1, kv_batch=CASES[name][3].get("kv_batch"))
    rng = np.random.default_rng(2)
    table = rng.standard_normal((shape[1], 16)).astype(dtype)
    upstream = [rng.standard_normal(shape[:2] + (shape[3], shape[6])).astype(dtype)]
    upstream.append(rng.standard_normal(shape[:2] + (shape[3],)).astype(dtype))
    if name == "dead_rows":
        upstream[1][:, :, 3:] = 0
    grads = {}
    for lib_name, (lib, _) in LIBS.items():
        bias = lib.tensor(table, requires_grad=True)
        outs, tensors = run_case(lib_name, name, arrays, bias, requires_grad=True)
        lse = lib.where(lib.isneginf(outs[1]), 0.0, outs[1])
        loss = (outs[0] * lib.tensor(upstream[0])).sum() + (lse * lib.tensor(upstream[1])).sum()
        grads[lib_name] = lib.autograd.grad(loss, [*tensors, bias])
    for i, (m, t) in enumerate(zip(grads["mt"], grads["torch"], strict=True)):
        assert_same(m, t, what=f"grad {['q', 'k', 'v', 'bias'][i]}")


def test_gradcheck_and_gradgradcheck_float64():
    def attend(q, k, v, bias):
        def score_mod(score, b, h, q_idx, kv_idx):
            return score * bias[h, q_idx - kv_idx + 3]

        mask = mfa.create_block_mask(causal, None, None, 3, 4, BLOCK_SIZE=2)
        out, lse = mfa.flex_attention(q, k, v, score_mod, mask, enable_gqa=True, return_lse=True)
        return out, lse

    rng = np.random.default_rng(3)
    shapes = [(1, 2, 3, 2), (1, 1, 4, 2), (1, 1, 4, 3), (2, 7)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        check_gradients(attend, [rng.standard_normal(s) for s in shapes])


def test_max_scores_and_lse_forms(monkeypatch):
    """AuxRequest(max_scores=True): torch's math values (torch's CPU refuses the request)."""
    arrays = inputs(CASES["both"][0], np.float64)
    mask = mfa.create_block_mask(sliding_window, None, None, 7, 6)
    q, k, v = (mt.tensor(a) for a in arrays)
    out, aux = mfa.flex_attention(q, k, v, alibi, mask, return_aux=mfa.AuxRequest(max_scores=True))
    assert aux.lse is None
    t_mask = tfa.create_block_mask(sliding_window, None, None, 7, 6, "cpu")
    t_out, _, t_max = math_attention(*(torch.tensor(a) for a in arrays), alibi,
                                     t_mask.as_tuple(), 0.5, {})  # fmt: skip
    assert_same(out, t_out)
    assert_same(aux.max_scores, t_max * math.log(2))
    monkeypatch.setattr(mfa, "_WARNINGS_SHOWN", set())
    with pytest.warns(FutureWarning, match="return_lse is deprecated"):
        out_lse, lse = mfa.flex_attention(q, k, v, alibi, mask, return_lse=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per process, as torch's
        mfa.flex_attention(q, k, v, alibi, mask, return_lse=True)
    assert_same(out_lse, out)
    assert_same(lse, tfa.flex_attention(*(torch.tensor(a) for a in arrays), alibi, t_mask,
                                        return_aux=tfa.AuxRequest(lse=True))[1].lse)  # fmt: skip
    assert mfa.flex_attention(q, k, v, alibi, mask).shape == (2, 3, 7, 4)


def test_float16_inputs_compute_in_float32():
    arrays = inputs((1, 2, 2, 4, 5, 4, 4), np.float16)
    out, lse = mfa.flex_attention(*(mt.tensor(a) for a in arrays), relative, return_lse=True)
    t_out, t_aux = tfa.flex_attention(*(torch.tensor(a) for a in arrays), relative,
                                      return_aux=tfa.AuxRequest(lse=True))  # fmt: skip
    assert out.dtype == mt.float16 and lse.dtype == mt.float32
    np.testing.assert_allclose(to_numpy(out), to_numpy(t_out), atol=2e-3)
    assert_same(lse, t_aux.lse, dtype=np.float32)


# --- errors: the type and the text of torch's -----------------------------------------------


def error_call(lib_name, case):
    lib, fa = LIBS[lib_name]
    shapes, kwargs = case[:2]
    q, k, v = (lib.zeros(*s) for s in shapes)
    if len(case) > 2:
        fn, b, q_len, kv_len = case[2]
        mask = fa.create_block_mask(make_mod(fn, lib), b, None, q_len, kv_len, "cpu")
        kwargs = dict(kwargs, block_mask=mask)
    return fa.flex_attention(q, k, v, **kwargs)


ERRORS = {
    "one_dim": [[(4,), (3, 4), (3, 4)], {}],
    "embed_dim": [[(1, 1, 3, 4), (1, 1, 3, 5), (1, 1, 3, 4)], {}],
    "three_dim": [[(1, 3, 4), (1, 3, 4), (1, 3, 4)], {}],
    "heads": [[(1, 4, 3, 4), (1, 2, 3, 4), (1, 2, 3, 4)], {}],
    "gqa_heads": [[(1, 3, 3, 4), (1, 2, 3, 4), (1, 2, 3, 4)], {"enable_gqa": True}],
    "batch": [[(2, 1, 3, 4), (1, 1, 3, 4), (1, 1, 3, 4)], {}],
    "mask_batch": [[(2, 1, 3, 4), (1, 1, 3, 4), (1, 1, 3, 4)], {}, ("causal", 3, 3, 3)],
    "mask_short": [[(1, 1, 5, 4), (1, 1, 5, 4), (1, 1, 5, 4)], {}, ("causal", 1, 4, 5)],
    "mask_long": [[(1, 1, 5, 4), (1, 1, 5, 4), (1, 1, 5, 4)], {}, ("causal", 1, 6, 5)],
    "both_lse": [[(1, 1, 3, 4)] * 3, {"return_lse": True, "return_aux": tfa.AuxRequest()}],
    "backend": [[(1, 1, 3, 4)] * 3, {"kernel_options": {"BACKEND": "CUDA"}}],
    "backend_force": [
        [(1, 1, 3, 4)] * 3,
        {"kernel_options": {"BACKEND": "AUTO", "FORCE_USE_FLEX_ATTENTION": True}},
    ],
    "internal_option": [[(1, 1, 3, 4)] * 3, {"kernel_options": {"OUTPUT_LOGSUMEXP": True}}],
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name):
    case = ERRORS[name]
    if "return_aux" in case[1]:
        case = [case[0], dict(case[1], return_aux=mfa.AuxRequest())]
    with pytest.raises(Exception) as expected:
        error_call("torch", ERRORS[name])
    with pytest.raises(expected.type, match=re.escape(str(expected.value))):
        error_call("mt", case)


def test_sliced_block_mask_and_kv_batch_errors():
    q = mt.zeros(2, 1, 4, 4)
    mask = mfa.create_block_mask(causal, 2, 1, 4, 4)
    with pytest.raises(RuntimeError, match="Cannot use mask_mod from a sliced BlockMask"):
        mfa.flex_attention(q, q, q, block_mask=mask[0:2])
    kv = mt.zeros(3, 1, 4, 4)
    with pytest.raises(RuntimeError, match="Bq and Bkv must broadcast. Got Bq=2 and Bkv=3"):
        mfa.flex_attention(q, kv, kv, block_mask=mfa.create_block_mask(causal, 2, 1, 4, 4))


def test_module_loads_lazily():
    code = (
        "import sys, microtensor; print('microtensor.nn.attention.flex_attention' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False"
