"""``nn.init`` and the layers' default initialisation hold torch's exact values after a seed.

Each case seeds both libraries, builds the same thing, compares every value, and then compares
one more draw, so that it also checks that the same number of draws was taken. float32 is
compared bit for bit; ``orthogonal_`` (LAPACK's QR differs) to float32 rounding.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import microtensor as mt

SEEDS = (0, 1, 7)


def run_both(build: Callable[[Any], dict[str, Any]], seed: int, atol: float = 0.0) -> None:
    torch.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = build(torch)
    after_torch = torch.rand(2).numpy()
    mt.manual_seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        actual = build(mt)
    assert set(actual) == set(expected)
    for name, value in expected.items():
        got = actual[name].detach().numpy()
        want = value.detach().numpy()
        assert got.shape == want.shape and got.dtype == want.dtype, name
        np.testing.assert_allclose(got, want, rtol=0, atol=atol, err_msg=name)
    np.testing.assert_array_equal(mt.rand(2).numpy(), after_torch)


INITS = {
    "uniform_": lambda init, t: init.uniform_(t, -0.3, 0.2),
    "normal_": lambda init, t: init.normal_(t, 0.1, 0.3),
    "trunc_normal_": lambda init, t: init.trunc_normal_(t, std=0.02),
    "trunc_normal_wide": lambda init, t: init.trunc_normal_(t, mean=0.3, std=0.5, a=-1, b=0.7),
    "trunc_normal_narrow": lambda init, t: init.trunc_normal_(t, std=1.0, a=1.5, b=2.5),
    "xavier_uniform_": lambda init, t: init.xavier_uniform_(t, gain=0.5),
    "xavier_normal_": lambda init, t: init.xavier_normal_(t),
    "kaiming_uniform_": lambda init, t: init.kaiming_uniform_(t, a=math.sqrt(5)),
    "kaiming_normal_": lambda init, t: init.kaiming_normal_(t, mode="fan_out"),
    "eye_": lambda init, t: init.eye_(t) if t.dim() == 2 else init.dirac_(t),
    "constant_": lambda init, t: init.constant_(t, 0.25),
}


@pytest.mark.parametrize("name", list(INITS))
def test_init_functions(name):
    for seed in SEEDS:
        for shape in ((5, 3), (64, 33), (8, 4, 3, 3)):

            def build(lib: Any, shape: Any = shape) -> dict[str, Any]:
                return {"w": INITS[name](lib.nn.init, lib.empty(*shape))}

            run_both(build, seed)


def test_init_with_a_generator_leaves_the_default_stream_alone():
    def build(lib: Any) -> dict[str, Any]:
        g = lib.Generator().manual_seed(5)
        out = {}
        for name in INITS:
            if name not in ("eye_", "constant_"):
                fn = getattr(lib.nn.init, name.replace("_wide", "_").replace("_narrow", "_"))
                out[name] = fn(lib.empty(6, 4), generator=g)
        return out

    run_both(build, 0)


def test_sparse_uses_the_default_generator_for_the_zeroed_rows():
    run_both(lambda lib: {"w": lib.nn.init.sparse_(lib.empty(10, 6), sparsity=0.3)}, 3)


def test_orthogonal_to_float_rounding():
    for shape in ((5, 3), (3, 5), (4, 2, 3)):

        def build(lib: Any, shape: Any = shape) -> dict[str, Any]:
            return {"w": lib.nn.init.orthogonal_(lib.empty(*shape), gain=2.0)}

        run_both(build, 0, atol=2e-6)


LAYERS = {
    "Linear": lambda nn: nn.Linear(7, 5),
    "Linear_no_bias": lambda nn: nn.Linear(33, 2, bias=False),
    "Bilinear": lambda nn: nn.Bilinear(4, 3, 2),
    "Conv1d": lambda nn: nn.Conv1d(3, 4, 3),
    "Conv2d": lambda nn: nn.Conv2d(3, 8, 3, groups=1),
    "Conv3d": lambda nn: nn.Conv3d(2, 3, 2),
    "ConvTranspose2d": lambda nn: nn.ConvTranspose2d(3, 4, 3),
    "RNN": lambda nn: nn.RNN(4, 5, num_layers=2),
    "LSTM": lambda nn: nn.LSTM(4, 5, bidirectional=True),
    "GRU": lambda nn: nn.GRU(3, 4),
    "LSTMCell": lambda nn: nn.LSTMCell(3, 4),
    "GRUCell": lambda nn: nn.GRUCell(3, 4),
    "Embedding": lambda nn: nn.Embedding(10, 4, padding_idx=2),
    "EmbeddingBag": lambda nn: nn.EmbeddingBag(10, 3, padding_idx=0),
    "LayerNorm": lambda nn: nn.LayerNorm(5),
    "BatchNorm2d": lambda nn: nn.BatchNorm2d(3),
    "MultiheadAttention": lambda nn: nn.MultiheadAttention(8, 2),
    "TransformerEncoderLayer": lambda nn: nn.TransformerEncoderLayer(8, 2, 16),
    "Transformer": lambda nn: nn.Transformer(8, 2, 1, 1, 16),
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_layers_hold_torch_weights_after_the_same_seed(name):
    for seed in SEEDS[:2]:
        run_both(lambda lib: dict(LAYERS[name](lib.nn).named_parameters()), seed)


def test_a_small_model_equals_torch_end_to_end():
    """Two Linear layers after one seed: same weights, so the same forward values."""
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)

    def build(lib: Any) -> dict[str, Any]:
        model = lib.nn.Sequential(lib.nn.Linear(3, 8), lib.nn.Tanh(), lib.nn.Linear(8, 2))
        return {"out": model(lib.tensor(x))}

    run_both(build, 42, atol=1e-6)


def test_polynomial_fit_tutorial_prints_torch_losses():
    """PyTorch's nn tutorial (sin fitted by a cubic): the same seed gives the same losses."""

    def losses(lib: Any) -> list[float]:
        lib.manual_seed(0)
        x = lib.linspace(-math.pi, math.pi, 200)
        y = lib.sin(x)
        xx = x.unsqueeze(-1).pow(lib.tensor([1, 2, 3]))
        model = lib.nn.Sequential(lib.nn.Linear(3, 1), lib.nn.Flatten(0, 1))
        out = []
        for _ in range(10):
            loss = lib.nn.functional.mse_loss(model(xx), y, reduction="sum")
            model.zero_grad()
            loss.backward()
            with lib.no_grad():  # plain SGD (torch.optim's first use imports for seconds)
                for param in model.parameters():
                    param -= 1e-3 * param.grad
            out.append(loss.item())
        return out

    np.testing.assert_allclose(losses(mt), losses(torch), rtol=1e-5)
