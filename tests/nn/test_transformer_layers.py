"""TransformerEncoderLayer and TransformerDecoderLayer vs torch: state dicts, outputs, grads."""

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import nn
from microtensor.nn import functional as F
from tests.helpers import check_gradients
from tests.nn.test_attention import check_module_parity, module_pair


def layout(array, batch_first):
    return np.ascontiguousarray(array.transpose(1, 0, 2)) if batch_first else array


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's nested-tensor notices
        yield


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize(("activation", "norm_first"), [("relu", False), ("gelu", True)])
def test_encoder_layer_matches_torch(activation, norm_first, batch_first, train):
    options = {"dropout": 0.0, "activation": activation, "batch_first": batch_first}
    mt_mod, torch_mod = module_pair(
        nn.TransformerEncoderLayer,
        torch.nn.TransformerEncoderLayer,
        6,
        2,
        10,
        norm_first=norm_first,
        **options,
    )
    mt_mod.train(train)
    torch_mod.train(train)
    rng = np.random.default_rng(0)
    src = layout(rng.standard_normal((4, 3, 6)), batch_first)
    kpm = np.array([[0, 0, 1, 1], [0, 0, 0, 0], [0, 1, 0, 0]], bool)
    mask = np.triu(np.full((4, 4), -np.inf), 1)

    def call(mod, t, lib):
        plain = mod(t[0])
        masked = mod(t[0], src_mask=lib.tensor(mask), src_key_padding_mask=t[1], is_causal=True)
        return plain, masked

    check_module_parity(mt_mod, torch_mod, [src, kpm], call)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_torch(norm_first, batch_first):
    mt_mod, torch_mod = module_pair(
        nn.TransformerDecoderLayer,
        torch.nn.TransformerDecoderLayer,
        6,
        3,
        8,
        dropout=0.0,
        batch_first=batch_first,
        norm_first=norm_first,
    )
    rng = np.random.default_rng(0)
    tgt = layout(rng.standard_normal((4, 2, 6)), batch_first)
    memory = layout(rng.standard_normal((5, 2, 6)), batch_first)
    mem_kpm = np.array([[0, 0, 0, 1, 1], [0, 1, 0, 0, 0]], bool)
    tgt_mask = np.triu(np.ones((4, 4), bool), 1)

    def call(mod, t, lib):
        return mod(t[0], t[1], tgt_mask=lib.tensor(tgt_mask), memory_key_padding_mask=t[2])

    check_module_parity(mt_mod, torch_mod, [tgt, memory, mem_kpm], call)


def test_activation_as_callable_and_module():
    mt_mod, torch_mod = module_pair(
        nn.TransformerEncoderLayer,
        torch.nn.TransformerEncoderLayer,
        4,
        2,
        8,
        dropout=0.0,
        activation=torch.nn.functional.silu,
    )
    mt_mod.activation = F.silu
    x = np.random.default_rng(0).standard_normal((3, 2, 4))
    check_module_parity(mt_mod, torch_mod, [x], lambda m, t, lib: m(t[0]))
    with_module = nn.TransformerEncoderLayer(4, 2, 8, activation=nn.GELU())
    assert "(activation): GELU(approximate='none')" in repr(with_module)
    assert with_module.activation_relu_or_gelu == 2  # as torch: a GELU module counts as gelu
    assert mt_mod.activation_relu_or_gelu == 0
    assert nn.TransformerEncoderLayer(4, 2, activation="gelu").activation is F.gelu


def test_dropout_in_training_is_random_and_off_in_eval():
    model = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.5, dtype=mt.float64)
    x = mt.randn(3, 2, 4, dtype=mt.float64)
    first, second = model(x).detach().numpy(), model(x).detach().numpy()
    assert not np.allclose(first, second)
    model.eval()
    np.testing.assert_array_equal(model(x).detach().numpy(), model(x).detach().numpy())


def test_encoder_gradcheck():
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, dtype=mt.float64)
    rng = np.random.default_rng(0)
    check_gradients(lambda x: layer(x), [rng.standard_normal((3, 1, 4))], second=False)


def test_activation_error():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
