"""Transformer, TransformerEncoder and TransformerDecoder vs torch: state dicts, outputs, grads."""

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import nn
from tests.helpers import assert_same
from tests.nn.test_attention import check_module_parity, module_pair


def layout(array, batch_first):
    return np.ascontiguousarray(array.transpose(1, 0, 2)) if batch_first else array


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's nested-tensor notices
        yield


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(batch_first):
    kwargs = {"dim_feedforward": 8, "dropout": 0.0, "batch_first": batch_first}
    mt_mod, torch_mod = module_pair(nn.Transformer, torch.nn.Transformer, 4, 2, 2, 2, **kwargs)
    rng = np.random.default_rng(0)
    src = layout(rng.standard_normal((5, 2, 4)), batch_first)
    tgt = layout(rng.standard_normal((3, 2, 4)), batch_first)
    src_kpm = np.array([[0, 0, 0, 0, 1], [0, 0, 1, 1, 1]], bool)

    def call(mod, t, lib):
        tgt_mask = mod.generate_square_subsequent_mask(3, dtype=lib.float64)
        return mod(
            t[0],
            t[1],
            tgt_mask=tgt_mask,
            src_key_padding_mask=t[2],
            memory_key_padding_mask=t[2],
        )

    check_module_parity(mt_mod, torch_mod, [src, tgt, src_kpm], call)


def test_encoder_with_norm_and_unbatched_input():
    layer = torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0).double()
    torch_mod = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(4).double())
    mt_layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, dtype=mt.float64)
    mt_mod = nn.TransformerEncoder(mt_layer, 2, norm=nn.LayerNorm(4, dtype=mt.float64))
    assert list(mt_mod.state_dict()) == list(torch_mod.state_dict())
    assert "layers.1.self_attn.in_proj_weight" in mt_mod.state_dict()
    mt_mod.load_state_dict({k: mt.tensor(v.numpy()) for k, v in torch_mod.state_dict().items()})
    rng = np.random.default_rng(0)
    check_module_parity(mt_mod, torch_mod, [rng.standard_normal((5, 4))], lambda m, t, lib: m(t[0]))
    mask = np.triu(np.full((5, 5), -np.inf), 1)
    check_module_parity(
        mt_mod,
        torch_mod,
        [rng.standard_normal((5, 2, 4))],
        lambda m, t, lib: m(t[0], mask=lib.tensor(mask)),
    )


def test_layers_are_independent_copies():
    layer = nn.TransformerEncoderLayer(4, 2, 8)
    encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    first, second = encoder.layers[0].linear1.weight, encoder.layers[1].linear1.weight
    assert first is not second and np.array_equal(first.detach().numpy(), second.detach().numpy())
    assert encoder.enable_nested_tensor is False and encoder.use_nested_tensor is False


def test_transformer_init_is_xavier():
    mt.manual_seed(0)
    model = nn.Transformer(8, 2, 1, 1, 16)
    weight = model.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6 / (8 + 16))
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.9 * bound


def test_generate_square_subsequent_mask():
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    assert_same(mask, torch.nn.Transformer.generate_square_subsequent_mask(4))
    assert mask.dtype == mt.float32
    assert nn.Transformer.generate_square_subsequent_mask(2, dtype=mt.float64).dtype == mt.float64


def test_errors():
    model = nn.Transformer(4, 2, 1, 1, 8)
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(mt.zeros(3, 2, 4), mt.zeros(3, 1, 4))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_"):
        model(mt.zeros(3, 2, 4), mt.zeros(3, 2, 5))
    with pytest.raises(AssertionError, match="only bool and floating types of src_key_padding_mas"):
        model.encoder(mt.zeros(3, 2, 4), src_key_padding_mask=mt.zeros(2, 3, dtype=mt.int64))


def test_encoder_zeros_padding_in_inference_as_torch_nested_tensors():
    layer = torch.nn.TransformerEncoderLayer(6, 2, 10, dropout=0.0, batch_first=True).double()
    torch_mod = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(6).double()).eval()
    mt_layer = nn.TransformerEncoderLayer(6, 2, 10, dropout=0.0, batch_first=True, dtype=mt.float64)
    mt_mod = nn.TransformerEncoder(mt_layer, 2, norm=nn.LayerNorm(6, dtype=mt.float64)).eval()
    mt_mod.load_state_dict({k: mt.tensor(v.numpy()) for k, v in torch_mod.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((3, 4, 6))
    left_aligned = np.array([[0, 0, 1, 1], [0, 0, 0, 0], [0, 0, 0, 1]], bool)
    scattered = np.array([[0, 1, 0, 1], [0, 0, 0, 0], [0, 0, 0, 1]], bool)
    for kpm in (left_aligned, scattered):
        for grad in (False, True):
            with torch.set_grad_enabled(grad):
                expected = torch_mod(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
            with mt.set_grad_enabled(grad):
                actual = mt_mod(mt.tensor(x), src_key_padding_mask=mt.tensor(kpm))
            assert_same(actual.detach(), expected.detach())
    with mt.no_grad():
        out = nn.TransformerEncoder(mt_layer, 1).eval()(
            mt.tensor(x), src_key_padding_mask=mt.tensor(left_aligned)
        )
    assert np.all(out.numpy()[left_aligned] == 0) and np.all(out.numpy()[~left_aligned] != 0)


def test_encoder_warns_as_torch_when_nested_tensors_are_ruled_out():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, batch_first=True), 1)
    for layer, reason in [
        (nn.TransformerEncoderLayer(4, 2), "self_attn.batch_first was not True"),
        (nn.TransformerEncoderLayer(4, 2, batch_first=True, norm_first=True), "norm_first was"),
        (nn.TransformerEncoderLayer(4, 1, batch_first=True), "self_attn.num_heads is odd"),
    ]:
        with pytest.warns(UserWarning, match=f"self.use_nested_tensor is False because .*{reason}"):
            encoder = nn.TransformerEncoder(layer, 1)
        assert encoder.use_nested_tensor is False and encoder.enable_nested_tensor is True
