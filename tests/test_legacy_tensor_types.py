import numpy as np
import pytest
import torch

import microtensor as mt

NAMES = [
    "FloatTensor",
    "DoubleTensor",
    "HalfTensor",
    "ByteTensor",
    "CharTensor",
    "ShortTensor",
    "IntTensor",
    "LongTensor",
    "BoolTensor",
]


@pytest.mark.parametrize("name", NAMES)
def test_constructors_match_torch(name):
    ours, theirs = getattr(mt, name), getattr(torch, name)
    for args in [(2, 3), ([1, 0, 1],), ((2, 3),), (), (np.array([1, 0]),)]:
        a, b = ours(*args), theirs(*args)
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype)[12:] == str(b.dtype)[6:]
        if args and not isinstance(args[0], int):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert tuple(ours(mt.Size([2, 1])).shape) == (2, 1)


def test_a_tensor_of_the_same_type_passes_through_and_another_raises():
    t = mt.ones(2)
    assert mt.FloatTensor(t) is t
    with pytest.raises(TypeError, match="FloatTensor\\(\\): expected a tensor of dtype"):
        mt.FloatTensor(mt.ones(2, dtype=mt.int64))
    with pytest.raises(TypeError, match="expected sizes"):
        mt.FloatTensor(2, 3.0)


@pytest.mark.parametrize("name", NAMES)
def test_tensor_type_converts_like_torch(name):
    a = mt.tensor([1.5, 0.0]).type(getattr(mt, name))
    b = torch.tensor([1.5, 0.0]).type(getattr(torch, name))
    assert a.type() == b.type().replace("torch.", "microtensor.")
    assert mt.tensor([1.5, 0.0]).type(f"torch.{name}").type() == a.type()
    np.testing.assert_array_equal(a.numpy(), b.numpy())
