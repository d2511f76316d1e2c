"""Parameter: a leaf Tensor subclass sharing data, printed like torch's."""

import copy

import pytest
import torch

import microtensor as mt
from microtensor import nn


def test_parameter_is_a_leaf_tensor_sharing_data():
    data = mt.tensor([1.0, 2.0])
    p = nn.Parameter(data)
    assert isinstance(p, mt.Tensor) and p.is_leaf and p.requires_grad
    assert p.numpy(force=True) is data.numpy()
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert type(p * 2) is mt.Tensor and type(p.detach()) is mt.Tensor
    frozen = nn.Parameter(mt.tensor([1, 2]), requires_grad=False)
    assert repr(frozen) == repr(torch.nn.Parameter(torch.tensor([1, 2]), requires_grad=False))
    assert repr(nn.Parameter()) == repr(torch.nn.Parameter())
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(mt.tensor([1, 2]))
    with pytest.raises(TypeError, match="must be a Tensor"):
        nn.Parameter([1.0])


def test_parameter_deepcopy_copies_data_and_keeps_sharing_within_a_copy():
    p = nn.Parameter(mt.tensor([1.0]))
    q1, q2 = copy.deepcopy([p, p])
    assert q1 is q2 and q1 is not p and isinstance(q1, nn.Parameter)
    q1.numpy(force=True)[0] = 5.0
    assert p.item() == 1.0
