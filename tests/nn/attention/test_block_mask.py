"""BlockMask, create_block_mask, create_mask, and_masks, or_masks vs torch: every table,
the pictures, slicing, from_kv_blocks, _adjust and the errors."""

import re

import numpy as np
import pytest
import torch
import torch.nn.attention.flex_attention as tfa

import microtensor as mt
import microtensor.nn.attention.flex_attention as mfa
from tests.nn.attention.test_flex_attention import (
    LIBS,
    causal,
    make_mod,
    padding,
    relative,
    sliding_window,
)

TABLES = ["kv_num_blocks", "kv_indices", "full_kv_num_blocks", "full_kv_indices"]
TABLES += ["q_num_blocks", "q_indices", "full_q_num_blocks", "full_q_indices"]


def nowhere(b, h, q_idx, kv_idx):
    return q_idx < 0


def assert_same_block_mask(mask, expected):
    """Every table equal (values, int32, shapes), and the same shape, sizes and sparsity."""
    for name in TABLES:
        table, torch_table = getattr(mask, name), getattr(expected, name)
        if torch_table is None:
            assert table is None, name
            continue
        assert table.dtype == mt.int32, name
        np.testing.assert_array_equal(table.numpy(), torch_table.numpy(), err_msg=name)
    assert mask.shape == expected.shape and mask.BLOCK_SIZE == expected.BLOCK_SIZE
    assert mask.seq_lengths == expected.seq_lengths
    assert mask.sparsity() == pytest.approx(expected.sparsity(), rel=1e-12)
    np.testing.assert_array_equal(mask.to_dense().numpy(), expected.to_dense().numpy())


# mask_mod, B, H, Q_LEN, KV_LEN, keyword arguments
BLOCK_CASES = {
    "causal": ("causal", None, None, 256, 256, {}),
    "causal_odd_lengths": ("causal", None, None, 300, 260, {}),
    "causal_small_blocks": ("causal", 2, 3, 300, 260, {"BLOCK_SIZE": (64, 32)}),
    "sliding_window": ("sliding_window", None, 2, 100, 70, {"BLOCK_SIZE": 16}),
    "document": ("document", 1, 1, 8, 8, {"BLOCK_SIZE": 2}),
    "padding": ("padding", 2, None, 130, 260, {}),
    "batch_head": ("batch_head", 2, 3, 40, 24, {"BLOCK_SIZE": (8, 4)}),
    "batch_head_none": ("batch_head", None, None, 40, 24, {"BLOCK_SIZE": 8}),
    "not_separated": ("causal", 1, 2, 200, 200, {"BLOCK_SIZE": 32, "separate_full_blocks": False}),
    "nowhere": ("nowhere", None, None, 64, 64, {"BLOCK_SIZE": 16}),
}


def block_mask(lib_name, name):
    _, fa = LIBS[lib_name]
    fn, b, h, q_len, kv_len, kwargs = BLOCK_CASES[name]
    mask_mod = nowhere if fn == "nowhere" else make_mod(fn, LIBS[lib_name][0])
    return fa.create_block_mask(mask_mod, b, h, q_len, kv_len, "cpu", **kwargs)


@pytest.mark.parametrize("name", list(BLOCK_CASES))
def test_create_block_mask_tables_match_torch(name):
    mask, expected = block_mask("mt", name), block_mask("torch", name)
    assert_same_block_mask(mask, expected)
    assert str(mask) == str(expected)
    assert repr(mask) == repr(expected).replace("torch.Size", "microtensor.Size")
    assert mask.to_string(grid_size=5, limit=1) == expected.to_string(grid_size=5, limit=1)
    assert mask.to_string(grid_size=-1) == expected.to_string(grid_size=-1)
    assert mask.numel() == expected.numel()


@pytest.mark.parametrize("index", [0, (1, 2), -1, (slice(0, 2), slice(1, 2)), (0, 1, [1, 3])])
def test_getitem_matches_torch(index):
    mask, expected = (
        block_mask("mt", "causal_small_blocks"),
        block_mask("torch", "causal_small_blocks"),
    )
    if isinstance(index, tuple) and isinstance(index[-1], list):
        mt_index = (*index[:-1], mt.tensor(index[-1]))
        torch_index = (*index[:-1], torch.tensor(index[-1]))
    else:
        mt_index = torch_index = index
    sliced, torch_sliced = mask[mt_index], expected[torch_index]
    assert_same_block_mask(sliced, torch_sliced)
    with pytest.raises(RuntimeError, match="Cannot use mask_mod from a sliced BlockMask"):
        sliced.mask_mod(*(mt.tensor(0),) * 4)


@pytest.mark.parametrize("with_full", [False, True])
@pytest.mark.parametrize("block_size", [128, (16, 8)])
def test_from_kv_blocks_matches_torch(with_full, block_size):
    rng = np.random.default_rng(0)
    arrays = [
        rng.integers(0, 4, (2, 1, 3)),
        rng.permuted(np.tile(np.arange(4), (2, 1, 3, 1)), axis=-1),
    ]
    if with_full:
        arrays += [rng.integers(0, 2, (2, 1, 3)), np.tile(np.arange(4)[::-1], (2, 1, 3, 1))]
    mask = mfa.BlockMask.from_kv_blocks(*(mt.tensor(a, dtype=mt.int32) for a in arrays),
                                        BLOCK_SIZE=block_size)  # fmt: skip
    expected = tfa.BlockMask.from_kv_blocks(*(torch.tensor(a, dtype=torch.int32) for a in arrays),
                                            BLOCK_SIZE=block_size)  # fmt: skip
    assert_same_block_mask(mask, expected)
    assert mask.mask_mod is mfa.noop_mask
    no_q = mfa.BlockMask.from_kv_blocks(*(mt.tensor(a, dtype=mt.int32) for a in arrays[:2]),
                                        seq_lengths=(40, 30), compute_q_blocks=False)  # fmt: skip
    assert no_q.q_indices is None and no_q.shape == (2, 1, 40, 30)


def test_adjust_and_to_match_torch():
    mask = mfa.create_block_mask(causal, 1, 2, 512, 512, BLOCK_SIZE=64)
    expected = tfa.create_block_mask(causal, 1, 2, 512, 512, "cpu", BLOCK_SIZE=64)
    assert_same_block_mask(mask._adjust(256, 256), expected._adjust(256, 256))
    moved = mask.to("cpu")
    assert_same_block_mask(moved, expected)
    assert moved.mask_mod is causal


def test_as_tuple_order():
    mask = mfa.create_block_mask(causal, None, None, 4, 4, BLOCK_SIZE=2)
    flat = mask.as_tuple()
    assert flat[:3] == (4, 4, mask.kv_num_blocks) and flat[-3:] == (2, 2, causal)
    assert len(flat) == len(tfa.create_block_mask(causal, None, None, 4, 4, "cpu", 2).as_tuple())
    assert mask.as_tuple(flatten=False)[0] == (4, 4)


@pytest.mark.parametrize("fn", ["causal", "batch_head", "relative", "softcap", "noop_mask"])
def test_create_mask_matches_torch(fn):
    masks = []
    for lib, fa in LIBS.values():
        mod = fa.noop_mask if fn == "noop_mask" else make_mod(fn, lib)
        masks.append(fa.create_mask(mod, 2, 3, 5, 7, "cpu"))
    assert masks[0].dtype == mt.bool and masks[0].shape == (2, 3, 5, 7)
    np.testing.assert_array_equal(masks[0].numpy(), masks[1].numpy())


def test_and_or_masks_match_torch():
    for combine in ("and_masks", "or_masks"):
        results = []
        for lib, fa in LIBS.values():
            mod = getattr(fa, combine)(causal, sliding_window, make_mod("document", lib))
            results.append(fa.create_mask(mod, None, 2, 8, 8, "cpu").numpy())
        np.testing.assert_array_equal(*results)
        assert results[0].any() and not results[0].all()
    empty_and = mfa.create_mask(mfa.and_masks(), 1, 1, 2, 2).numpy()
    assert empty_and.all() and not mfa.create_mask(mfa.or_masks(), 1, 1, 2, 2).numpy().any()


ERRORS = {
    "score_mod_for_block_mask": lambda fa: fa.create_block_mask(relative, 1, 1, 4, 4, "cpu"),
    "three_args": lambda fa: fa.create_mask(lambda b, h, q: q, 1, 1, 4, 4, "cpu"),
    "not_callable": lambda fa: fa.and_masks(causal, 3),
    "or_not_callable": lambda fa: fa.or_masks(None),
    "dq_kv_order": lambda fa: fa.create_block_mask(causal, 1, 1, 4, 4, "cpu", dq_kv_order=1),
    "dq_without_q_tables": lambda fa: fa.BlockMask.from_kv_blocks(
        fa_zeros(fa, 1, 1, 2),
        fa_zeros(fa, 1, 1, 2, 2),
        compute_q_blocks=False,
        dq_write_order=fa_zeros(fa, 1, 1, 2, 2),
    )[0],
    "one_dim_tables": lambda fa: fa.BlockMask.from_kv_blocks(*[fa_zeros(fa, 3)] * 2),
    "half_full_pair": lambda fa: fa.BlockMask.from_kv_blocks(
        fa_zeros(fa, 1, 2), fa_zeros(fa, 1, 2, 2), fa_zeros(fa, 1, 2)
    ),
}


def fa_zeros(fa, *shape):
    lib = torch if fa is tfa else mt
    return lib.zeros(*shape, dtype=lib.int32)


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_match_torch(name):
    with pytest.raises(Exception) as expected:
        ERRORS[name](tfa)
    message = re.escape(str(expected.value)).replace("torch", "microtensor")
    message = message.split(r"<function")[0]  # function reprs differ in their addresses
    with pytest.raises(expected.type, match=message):
        ERRORS[name](mfa)


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("separate", [True, False])
def test_dq_write_order_matches_torch(descending, separate):
    masks = []
    for lib, fa in LIBS.values():
        mod = fa.and_masks(causal, make_mod("document", lib))
        kwargs = {"BLOCK_SIZE": 2, "separate_full_blocks": separate, "dq_kv_order": descending}
        masks.append(fa.create_block_mask(mod, 2, None, 8, 8, "cpu", compute_dq_write_order=True,
                                          **kwargs))  # fmt: skip
    mask, expected = masks
    for pair in [
        (mask, expected),
        (mask[1], expected[1]),
        (mask._adjust(6, 6), expected._adjust(6, 6)),
    ]:
        for name in ["dq_write_order", "dq_write_order_full"]:
            table, torch_table = getattr(pair[0], name), getattr(pair[1], name)
            assert (table is None) == (torch_table is None), name
            if table is not None:
                np.testing.assert_array_equal(table.numpy(), torch_table.numpy(), err_msg=name)
        assert pair[0].dq_kv_order is None and pair[0].dq_kv_order_spt is descending
    assert mask.to("cpu").dq_write_order is not None


def test_device_other_than_cpu_raises():
    with pytest.raises(RuntimeError, match="microtensor runs on the CPU only"):
        mfa.create_block_mask(causal, 1, 1, 4, 4, device="cuda")


def test_noop_mask_and_padding_mask():
    i = mt.tensor(0)
    assert mfa.noop_mask(i, i, i, i).dtype == mt.bool and mfa.noop_mask(i, i, i, i).item()
    dense = mfa.create_mask(padding, 1, 1, 2, 102).numpy()
    assert dense[..., :100].all() and not dense[..., 100:].any()
