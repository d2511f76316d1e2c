"""microtensor.types has torch.types' public aliases, over microtensor's classes."""

import torch
import torch.types

import microtensor as mt
from microtensor import types


def test_public_names_match_torch():
    assert sorted(types.__all__) == sorted(torch.types.__all__)


def test_aliases_are_the_same_unions():
    assert types.Number == torch.types.Number == int | float | bool
    assert types._Number == torch.types._Number
    assert types.FileLike == torch.types.FileLike
    assert types.Device.__args__ == (mt.device, str, int, type(None))
    assert torch.types.Device.__args__ == (torch.device, str, int, type(None))
    assert types._size.__args__ == (mt.Size, list[int], tuple[int, ...])
    assert torch.types._size.__args__ == (torch.Size, list[int], tuple[int, ...])
    assert types._TensorOrTensors.__args__[0] is mt.Tensor


def test_private_builtin_names_as_torch():
    for name in ("_bool", "_bytes", "_complex", "_float", "_int", "_str"):
        assert getattr(types, name) is getattr(torch.types, name)
    assert types._dtype is mt.dtype and types._device is mt.device and types._layout is mt.layout
    assert isinstance(mt.ones(1).untyped_storage(), types.Storage.__args__)
