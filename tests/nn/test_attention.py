"""scaled_dot_product_attention, multi_head_attention_forward and MultiheadAttention vs torch."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import microtensor as mt
from microtensor import nn
from microtensor.nn import functional as F
from tests.helpers import assert_same, check_gradients, compare_with_torch


def module_pair(mt_cls, torch_cls, *args, **kwargs):
    """A float64 torch module and the microtensor one with the torch state dict loaded."""
    torch_mod = torch_cls(*args, **kwargs).double()
    mt_mod = mt_cls(*args, dtype=mt.float64, **kwargs)
    assert list(mt_mod.state_dict()) == list(torch_mod.state_dict())
    state = {k: mt.tensor(v.detach().numpy()) for k, v in torch_mod.state_dict().items()}
    mt_mod.load_state_dict(state)
    return mt_mod, torch_mod


def check_module_parity(mt_mod, torch_mod, arrays, call, seed=1):
    """``call(module, tensors, lib)`` on both sides: outputs, and gradients (random upstream) of
    every float input and every parameter, equal torch's in float64."""
    mt_in = [mt.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    t_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    mt_out, t_out = call(mt_mod, mt_in, mt), call(torch_mod, t_in, torch)
    mt_out = [o for o in (mt_out if isinstance(mt_out, tuple) else (mt_out,))]
    t_out = [o for o in (t_out if isinstance(t_out, tuple) else (t_out,))]
    assert len(mt_out) == len(t_out)
    rng = np.random.default_rng(seed)
    mt_loss, t_loss = 0, 0
    for i, (m, t) in enumerate(zip(mt_out, t_out, strict=True)):
        if t is None:
            assert m is None, f"output {i}: torch gives None"
            continue
        assert_same(m, t, what=f"output {i}")
        upstream = rng.standard_normal(tuple(t.shape))
        mt_loss = mt_loss + (mt.nan_to_num(m) * mt.tensor(upstream)).sum()
        t_loss = t_loss + (torch.nan_to_num(t) * torch.tensor(upstream)).sum()
    mt_loss.backward()
    t_loss.backward()
    for i, (m, t) in enumerate(zip(mt_in, t_in, strict=True)):
        if t.requires_grad:
            assert_same(m.grad, t.grad, what=f"grad of input {i}")
    t_params = dict(torch_mod.named_parameters())
    assert [n for n, _ in mt_mod.named_parameters()] == list(t_params)
    for name, p in mt_mod.named_parameters():
        expected = t_params[name].grad
        if expected is None:
            assert p.grad is None or not np.any(p.grad.numpy()), name
        else:
            assert_same(p.grad, expected, what=f"grad of {name}")


# --- scaled_dot_product_attention ------------------------------------------------------------

SDPA_CASES = {
    "plain": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), {}),
    "causal": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), {"is_causal": True}),
    "scale": ((1, 4, 5), (1, 6, 5), (1, 6, 2), {"scale": 0.3}),
    "unbatched 2-D": ((4, 5), (6, 5), (6, 3), {}),
    "broadcast batch": ((2, 1, 4, 5), (1, 3, 6, 5), (1, 3, 6, 5), {}),
    "gqa": ((2, 4, 3, 5), (2, 2, 6, 5), (2, 2, 6, 5), {"enable_gqa": True}),
}


@pytest.mark.parametrize("case", list(SDPA_CASES))
def test_sdpa_matches_torch(case):
    q_shape, k_shape, v_shape, kwargs = SDPA_CASES[case]
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in (q_shape, k_shape, v_shape)]
    compare_with_torch(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs),
        lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, **kwargs),
        arrays,
    )


@pytest.mark.parametrize("kind", ["bool", "float", "bool broadcast"])
def test_sdpa_masks_match_torch(kind):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 6, 5))]
    arrays.append(rng.standard_normal((2, 3, 6, 5)))
    if kind == "float":
        mask = rng.standard_normal((4, 6))
    else:
        mask = rng.random((2, 1, 4, 6) if kind == "bool broadcast" else (4, 6)) > 0.3
        mask[..., 1, :] = False  # a query row that may attend to nothing gives zeros
    output = compare_with_torch(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mt.tensor(mask)),
        lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, torch.tensor(mask)),
        arrays,
    )
    if kind != "float":
        assert np.all(output.detach().numpy()[..., 1, :] == 0)


def test_sdpa_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(0)
    mask = mt.tensor(rng.random((3, 4)) > 0.3)
    check_gradients(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mask, scale=0.7),
        [
            rng.standard_normal((2, 3, 2)),
            rng.standard_normal((2, 4, 2)),
            rng.standard_normal((2, 4, 3)),
        ],
    )
    check_gradients(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
        [
            rng.standard_normal((1, 3, 2)),
            rng.standard_normal((1, 3, 2)),
            rng.standard_normal((1, 3, 2)),
        ],
    )


def test_sdpa_dropout():
    q = mt.randn(2, 4, 5, dtype=mt.float64)
    assert np.all(F.scaled_dot_product_attention(q, q, q, dropout_p=1.0).numpy() == 0)
    mt.manual_seed(3)
    first = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5).numpy()
    mt.manual_seed(3)
    again = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5).numpy()
    plain = F.scaled_dot_product_attention(q, q, q).numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, plain)


def test_sdpa_errors():
    q = mt.zeros(1, 2, 3, 4, dtype=mt.float64)
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal"):
        F.scaled_dot_product_attention(
            q, q, q, attn_mask=mt.ones(3, 3, dtype=mt.bool), is_causal=True
        )
    with pytest.raises(RuntimeError, match="same dtype, but got query.dtype: float key.dtype: dou"):
        F.scaled_dot_product_attention(q.float(), q, q)
    with pytest.raises(RuntimeError, match="attn_mask dtype to be bool or float .* long int"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=mt.ones(3, 3, dtype=mt.int64))
    with pytest.raises(RuntimeError, match="at least 2 dimensional, but got query.dim: 1"):
        F.scaled_dot_product_attention(mt.zeros(4, dtype=mt.float64), q, q)
    with pytest.raises(RuntimeError, match="Number of heads in key and value must divide .* 3 q"):
        F.scaled_dot_product_attention(
            mt.zeros(1, 3, 3, 4, dtype=mt.float64), q, q, enable_gqa=True
        )
    with pytest.raises(
        ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"
    ):
        F.scaled_dot_product_attention(q, q, q, dropout_p=1.5)


# --- MultiheadAttention ------------------------------------------------------------------------

MHA_OPTIONS = {
    "default": {},
    "bias_kv, zero_attn": {"add_bias_kv": True, "add_zero_attn": True},
    "kdim/vdim, no bias": {"kdim": 3, "vdim": 5, "bias": False},
    "batch_first": {"batch_first": True},
}


def mha_inputs(options, rng, tgt_len=4, src_len=5, batch=3, embed=6):
    """query, key, value arrays in the layout the options ask for."""
    shapes = [(tgt_len, batch, embed), (src_len, batch, options.get("kdim", embed))]
    shapes.append((src_len, batch, options.get("vdim", embed)))
    arrays = [rng.standard_normal(s) for s in shapes]
    if options.get("batch_first"):
        arrays = [np.ascontiguousarray(a.transpose(1, 0, 2)) for a in arrays]
    return arrays


def extra_src(options):
    return int(options.get("add_bias_kv", False)) + int(options.get("add_zero_attn", False))


@pytest.mark.parametrize(("need_weights", "train"), [(True, True), (False, False)])
@pytest.mark.parametrize("name", list(MHA_OPTIONS))
def test_mha_matches_torch(name, need_weights, train):
    options = MHA_OPTIONS[name]
    mt_mod, torch_mod = module_pair(
        nn.MultiheadAttention, torch.nn.MultiheadAttention, 6, 2, **options
    )
    mt_mod.train(train)
    torch_mod.train(train)
    rng = np.random.default_rng(0)
    kpm = rng.random((3, 5)) > 0.7
    kpm[:, 0] = False
    arrays = [*mha_inputs(options, rng), kpm, rng.standard_normal((4, 5))]

    def call(mod, t, lib):
        return mod(
            t[0], t[1], t[2], key_padding_mask=t[3], attn_mask=t[4], need_weights=need_weights
        )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # bool key_padding_mask with a float attn_mask
        check_module_parity(mt_mod, torch_mod, arrays, call)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("mask", ["none", "bool kpm", "float kpm", "bool 2-D", "3-D", "causal"])
def test_mha_self_attention_masks(mask, batch_first):
    mt_mod, torch_mod = module_pair(
        nn.MultiheadAttention, torch.nn.MultiheadAttention, 6, 2, batch_first=batch_first
    )
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 6) if batch_first else (4, 3, 6))
    kwargs_np = {}
    if mask == "bool kpm":
        kwargs_np["key_padding_mask"] = np.array([[0, 0, 1, 1], [0, 0, 0, 0], [0, 1, 0, 1]], bool)
    elif mask == "float kpm":
        kwargs_np["key_padding_mask"] = rng.standard_normal((3, 4))
    elif mask == "bool 2-D":
        kwargs_np["attn_mask"] = np.triu(np.ones((4, 4), bool), 1)
    elif mask == "3-D":
        kwargs_np["attn_mask"] = rng.standard_normal((6, 4, 4))
    elif mask == "causal":
        kwargs_np["attn_mask"] = np.triu(np.full((4, 4), -np.inf), 1)
    names = list(kwargs_np)

    def call(mod, t, lib):
        kwargs = {n: lib.tensor(kwargs_np[n]) for n in names}
        causal = mask == "causal"
        out, averaged = mod(t[0], t[0], t[0], is_causal=causal, **kwargs)
        per_head = mod(t[0], t[0], t[0], average_attn_weights=False, **kwargs)[1]
        plain = mod(t[0], t[0], t[0], need_weights=False, is_causal=causal, **kwargs)[0]
        return out, averaged, per_head, plain

    check_module_parity(mt_mod, torch_mod, [x], call)


def test_mha_cross_attention_and_unbatched():
    mt_mod, torch_mod = module_pair(nn.MultiheadAttention, torch.nn.MultiheadAttention, 4, 2)
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 2, 4)), rng.standard_normal((5, 2, 4))]
    check_module_parity(mt_mod, torch_mod, arrays, lambda m, t, lib: m(t[0], t[1], t[1]))
    arrays = [
        rng.standard_normal((3, 4)),
        rng.standard_normal((5, 4)),
        np.array([0, 0, 1, 0, 1], bool),
    ]
    check_module_parity(
        mt_mod, torch_mod, arrays, lambda m, t, lib: m(t[0], t[1], t[1], key_padding_mask=t[2])
    )


def test_mha_functional_with_static_kv_matches_torch():
    rng = np.random.default_rng(0)
    arrays = [
        rng.standard_normal((3, 2, 4)),
        rng.standard_normal((12, 4)),
        rng.standard_normal((4, 4)),
    ]
    static = rng.standard_normal((4, 5, 2))

    def run(lib, fn):
        def call(x, w, ow):
            stat = lib.tensor(static)
            return fn(
                x,
                x,
                x,
                4,
                2,
                w,
                None,
                None,
                None,
                False,
                0.0,
                ow,
                None,
                static_k=stat,
                static_v=stat,
            )

        return call

    compare_with_torch(
        run(mt, F.multi_head_attention_forward), run(torch, TF.multi_head_attention_forward), arrays
    )


def test_mha_gradcheck():
    mha = nn.MultiheadAttention(4, 2, add_bias_kv=True, dtype=mt.float64)
    rng = np.random.default_rng(0)
    mask = mt.tensor(np.array([[0, 1, 0]], bool))
    check_gradients(
        lambda q, kv: mha(q, kv, kv, key_padding_mask=mask)[0],
        [rng.standard_normal((2, 1, 4)), rng.standard_normal((3, 1, 4))],
        second=False,
    )
    check_gradients(lambda x: mha(x, x, x, need_weights=False)[0], [rng.standard_normal((2, 1, 4))])


def test_mha_parameters_repr_and_init():
    mha = nn.MultiheadAttention(8, 2, add_bias_kv=True)
    assert repr(mha) == repr(torch.nn.MultiheadAttention(8, 2, add_bias_kv=True))
    assert type(mha.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(mha.out_proj, nn.Linear)
    assert np.all(mha.in_proj_bias.detach().numpy() == 0) and np.all(
        mha.out_proj.bias.detach().numpy() == 0
    )
    bound = np.sqrt(6 / (8 + 24))
    weights = mha.in_proj_weight.detach().numpy()
    assert np.abs(weights).max() <= bound and np.abs(weights).max() > 0.9 * bound
    separate = nn.MultiheadAttention(8, 2, kdim=3, vdim=5)
    assert separate.in_proj_weight is None and tuple(separate.k_proj_weight.shape) == (8, 3)
    assert (separate.head_dim, separate._qkv_same_embed_dim) == (4, False)


def test_mha_errors():
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0, got emb"):
        nn.MultiheadAttention(0, 2)
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(5, 2)
    mha = nn.MultiheadAttention(4, 2)
    x = mt.zeros(3, 2, 4)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask are supp"):
        mha(x, x, x, attn_mask=mt.zeros(3, 3, dtype=mt.int64))
    with pytest.raises(
        RuntimeError, match="The shape of the 2D attn_mask is .* should be \\(3, 3\\)"
    ):
        mha(x, x, x, attn_mask=mt.zeros(3, 4))
    with pytest.raises(RuntimeError, match="The shape of the 3D attn_mask is .* \\(4, 3, 3\\)"):
        mha(x, x, x, attn_mask=mt.zeros(2, 3, 3))
    with pytest.raises(AssertionError, match="expected `key` and `value` to be 3-D but found 2-D"):
        mha(x, mt.zeros(3, 4), mt.zeros(3, 4))
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 4, but got 5"):
        mha(mt.zeros(3, 2, 5), mt.zeros(3, 2, 5), mt.zeros(3, 2, 5))
    with pytest.raises(AssertionError, match="Expected key_padded_mask.shape\\[1\\] to be 3, but"):
        mha(x, x, x, key_padding_mask=mt.zeros(2, 4, dtype=mt.bool))
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask"):
        mha(x, x, x, key_padding_mask=mt.zeros(2, 3, dtype=mt.bool), attn_mask=mt.zeros(3, 3))


def test_mha_dropout_only_in_training():
    mha = nn.MultiheadAttention(4, 2, dropout=0.5, dtype=mt.float64)
    x = mt.randn(3, 2, 4, dtype=mt.float64)
    first, second = mha(x, x, x)[1].detach().numpy(), mha(x, x, x)[1].detach().numpy()
    assert not np.allclose(first, second)
    mha.eval()
    weights = mha(x, x, x)[1].detach().numpy()
    np.testing.assert_allclose(weights.sum(-1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(weights, mha(x, x, x)[1].detach().numpy())


def test_float32_matches_torch_with_float32_tolerances():
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 3, 4, 5)).astype(np.float32) for _ in range(3)]
    compare_with_torch(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
        lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, is_causal=True),
        arrays,
    )
    torch_mod = torch.nn.MultiheadAttention(6, 2, batch_first=True)
    mt_mod = nn.MultiheadAttention(6, 2, batch_first=True)
    mt_mod.load_state_dict({k: mt.tensor(v.numpy()) for k, v in torch_mod.state_dict().items()})
    x = rng.standard_normal((2, 4, 6)).astype(np.float32)
    out, weights = mt_mod(mt.tensor(x), mt.tensor(x), mt.tensor(x))
    t_out, t_weights = torch_mod(torch.tensor(x), torch.tensor(x), torch.tensor(x))
    assert out.dtype == mt.float32
    assert_same(out.detach(), t_out.detach())
    assert_same(weights.detach(), t_weights.detach())
