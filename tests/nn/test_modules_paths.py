"""``microtensor.nn.modules.*`` are torch.nn.modules' import paths for the same classes."""

import importlib

import pytest
import torch

import microtensor as mt

PATHS = [
    ("module", "Module"),
    ("linear", "Linear"),
    ("conv", "_ConvNd"),
    ("activation", "MultiheadAttention"),
    ("loss", "_Loss"),
    ("loss", "_WeightedLoss"),
    ("container", "Sequential"),
    ("batchnorm", "_BatchNorm"),
    ("instancenorm", "_InstanceNorm"),
    ("normalization", "LayerNorm"),
    ("dropout", "_DropoutNd"),
    ("sparse", "Embedding"),
    ("rnn", "RNNCellBase"),
    ("rnn", "LSTM"),
    ("pooling", "_MaxPoolNd"),
    ("padding", "ZeroPad2d"),
    ("transformer", "TransformerEncoderLayer"),
    ("flatten", "Flatten"),
]


@pytest.mark.parametrize(("module", "name"), PATHS)
def test_torch_import_paths_exist_and_hold_microtensor_classes(module, name):
    ours = getattr(importlib.import_module(f"microtensor.nn.modules.{module}"), name)
    assert hasattr(importlib.import_module(f"torch.nn.modules.{module}"), name)
    public = name.lstrip("_")
    if hasattr(mt.nn, public):
        assert ours is getattr(mt.nn, public)
    assert ours.__module__.startswith("microtensor.nn")


def test_package_namespace_and_subclassing():
    assert mt.nn.modules.Linear is mt.nn.Linear
    from microtensor.nn.modules.loss import _Loss

    class Halved(_Loss):
        def forward(self, a, b):
            return ((a - b) ** 2).sum() / 2

    assert Halved()(mt.ones(2), mt.zeros(2)).item() == 1.0
    assert torch.nn.modules.loss._Loss.__name__ == _Loss.__name__


def test_rnn_cell_base_is_torchs_public_base():
    mt.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = mt.nn.RNNCellBase(3, 4, True, 2), torch.nn.RNNCellBase(3, 4, True, 2)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        assert (a.detach().numpy() == b.detach().numpy()).all()  # torch's initial values too
    assert repr(ours) == repr(theirs)
    assert all(
        issubclass(c, mt.nn.RNNCellBase) for c in (mt.nn.RNNCell, mt.nn.LSTMCell, mt.nn.GRUCell)
    )
