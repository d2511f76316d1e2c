"""Issue 13 spot checks with the same weights as torch: MultiheadAttention over its flags,
Transformer encoder/decoder over norm_first, activation, train (dropout 0) and eval (where torch
takes its fast path: the numbers must still be the same).

The default run takes an even sample of each grid; ``MICROTENSOR_FULL_GRIDS=1`` runs all of it
(4320 attention calls, 192 transformer cases; a few minutes).
"""

import itertools
import os
import warnings

import numpy as np
import pytest
import torch

import microtensor as mt

FULL = os.environ.get("MICROTENSOR_FULL_GRIDS") == "1"
E, H, L, S, N = 6, 2, 4, 5, 3


def sample(cases, every, offset=0):
    """All cases in a full run; else every ``every``-th, starting at ``offset % every``."""
    return cases if FULL else cases[offset % every :: every]


def copy_weights(mine, theirs):
    mine.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


MODULE_FLAGS = [
    (bias_kv, zero_attn, kv, batch_first, bias, self_attention)
    for bias_kv, zero_attn, kv, batch_first, bias, self_attention in itertools.product(
        [False, True], repeat=6
    )
    if not (kv and self_attention)
]
CALL_FLAGS = [
    c
    for c in itertools.product(
        ["none", "bool", "float"],  # key_padding_mask
        ["none", "bool 2-D", "float 2-D", "float 3-D"],  # attn_mask
        [True, False],  # need_weights
        [True, False],  # average_attn_weights
        [False, True],  # is_causal
        [True, False],  # train
    )
    if not (c[4] and c[1] == "none")  # is_causal needs a mask in the module API
    and (c[2] or c[3])  # average_attn_weights only matters with weights
    and not (c[0] == "bool" and c[1].startswith("float"))  # mixed mask types: deprecated
    and not (c[0] == "float" and c[1] == "bool 2-D")
]


def masks(rng, key_padding, attn, src_len):
    kpm = None
    if key_padding == "bool":
        kpm = rng.random((N, src_len)) > 0.7
        kpm[:, 0] = False
    elif key_padding == "float":
        kpm = rng.standard_normal((N, src_len))
    attn_mask = {
        "none": None,
        "bool 2-D": np.triu(np.ones((L, src_len), bool), 1),
        "float 2-D": rng.standard_normal((L, src_len)),
        "float 3-D": rng.standard_normal((N * H, L, src_len)),
    }[attn]
    return kpm, attn_mask


def run_attention(lib, module, arrays, self_attention, options):
    key_padding, attn, need_weights, average, causal, train = options
    module.train(train)

    def as_tensor(a):
        return None if a is None else lib.tensor(a)

    query, key, value, kpm, attn_mask = (as_tensor(a) for a in arrays)
    if self_attention:
        key = value = query
    grad_mode = torch.no_grad() if lib is torch and not train else torch.enable_grad()
    with grad_mode, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, weights = module(
            query, key, value, key_padding_mask=kpm, need_weights=need_weights,
            attn_mask=attn_mask, average_attn_weights=average, is_causal=causal,
        )  # fmt: skip
    return out.detach().numpy(), None if weights is None else weights.detach().numpy()


@pytest.mark.parametrize("flags", sample(MODULE_FLAGS, 3), ids=str)
def test_multihead_attention_flags_match_torch(flags):
    bias_kv, zero_attn, kv, batch_first, bias, self_attention = flags
    options = {"add_bias_kv": bias_kv, "add_zero_attn": zero_attn, "batch_first": batch_first}
    options.update({"bias": bias, "kdim": 3 if kv else None, "vdim": 5 if kv else None})
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(E, H, dtype=torch.float64, **options)
    mine = mt.nn.MultiheadAttention(E, H, dtype=mt.float64, **options)
    copy_weights(mine, theirs)
    rng = np.random.default_rng(sum(flags))
    src_len = L if self_attention else S
    query = rng.standard_normal((L, N, E))
    key = rng.standard_normal((src_len, N, 3 if kv else E))
    value = rng.standard_normal((src_len, N, 5 if kv else E))
    if batch_first:
        query, key, value = (
            np.ascontiguousarray(a.transpose(1, 0, 2)) for a in (query, key, value)
        )
    for call in sample(CALL_FLAGS, 29, offset=MODULE_FLAGS.index(flags) * 7):
        arrays = (query, key, value, *masks(rng, call[0], call[1], src_len))
        out, weights = run_attention(mt, mine, arrays, self_attention, call)
        out_t, weights_t = run_attention(torch, theirs, arrays, self_attention, call)
        np.testing.assert_allclose(out, out_t, rtol=1e-10, atol=1e-12, err_msg=str(call))
        assert (weights is None) == (weights_t is None), call
        if weights is not None:
            np.testing.assert_allclose(weights, weights_t, rtol=1e-10, atol=1e-12)


TRANSFORMER_CASES = list(
    itertools.product(
        [False, True],  # norm_first
        ["relu", "gelu", "callable"],  # activation
        [False, True],  # batch_first
        [True, False],  # train (dropout 0) or eval (torch's fast path where it applies)
        [False, True],  # final norm on the stacks
        [False, True],  # key padding masks
        [False, True],  # causal masks
    )
)


def build_stacks(lib, case):
    norm_first, activation, batch_first, _, final_norm, _, _ = case
    act = {"relu": "relu", "gelu": "gelu", "callable": lib.nn.functional.silu}[activation]
    options = {"dropout": 0.0, "activation": act, "batch_first": batch_first}
    options.update({"norm_first": norm_first, "dtype": lib.float64})
    torch.manual_seed(0)
    mt.manual_seed(0)

    def norm():
        return lib.nn.LayerNorm(8, dtype=lib.float64) if final_norm else None

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: nested tensors ruled out by norm_first
        layer = lib.nn.TransformerEncoderLayer(8, 2, 16, **options)
        return (
            lib.nn.Transformer(8, 2, 2, 2, 16, **options),
            lib.nn.TransformerEncoder(layer, 2, norm=norm()),
            lib.nn.TransformerDecoder(
                lib.nn.TransformerDecoderLayer(8, 2, 16, **options), 2, norm()
            ),
        )


def run_stacks(lib, modules, case, arrays):
    train, padded, causal = case[3], case[5], case[6]
    x, y, kpm, tgt_kpm = (lib.tensor(a) for a in arrays)
    kpm, tgt_kpm = (kpm, tgt_kpm) if padded else (None, None)
    mask = lib.nn.Transformer.generate_square_subsequent_mask
    tgt_mask = mask(L, dtype=lib.float64) if causal else None
    src_mask = mask(S, dtype=lib.float64) if causal else None
    transformer, encoder, decoder = modules
    for module in modules:
        module.train(train)
    grad_mode = torch.no_grad() if lib is torch and not train else torch.enable_grad()
    with grad_mode, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outputs = (
            transformer(x, y, tgt_mask=tgt_mask, src_key_padding_mask=kpm,
                        tgt_key_padding_mask=tgt_kpm, memory_key_padding_mask=kpm,
                        tgt_is_causal=causal),
            encoder(x, mask=src_mask, src_key_padding_mask=kpm, is_causal=causal),
            decoder(y, x, tgt_mask=tgt_mask, tgt_key_padding_mask=tgt_kpm,
                    memory_key_padding_mask=kpm),
        )  # fmt: skip
    return [o.detach().numpy() for o in outputs]


@pytest.mark.parametrize("case", sample(TRANSFORMER_CASES, 37, offset=5), ids=str)
def test_transformer_stacks_match_torch(case):
    theirs = build_stacks(torch, case)
    mine = build_stacks(mt, case)
    for m, t in zip(mine, theirs, strict=True):
        copy_weights(m, t)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((S, N, 8)), rng.standard_normal((L, N, 8))
    if case[2]:
        x, y = (np.ascontiguousarray(a.transpose(1, 0, 2)) for a in (x, y))
    kpm, tgt_kpm = rng.random((N, S)) > 0.6, rng.random((N, L)) > 0.6
    kpm[:, 0] = tgt_kpm[:, 0] = False
    arrays = (x, y, kpm, tgt_kpm)
    for ours, torchs in zip(
        run_stacks(mt, mine, case, arrays), run_stacks(torch, theirs, case, arrays), strict=True
    ):
        np.testing.assert_allclose(ours, torchs, rtol=1e-9, atol=1e-10)
