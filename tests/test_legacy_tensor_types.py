import warnings

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


@pytest.mark.parametrize("spelling", ["DoubleTensor", "torch.DoubleTensor"])
def test_set_default_tensor_type_sets_the_default_dtype_and_warns(spelling):
    t = getattr(mt, spelling) if "." not in spelling else spelling
    try:
        with pytest.warns(UserWarning, match="set_default_tensor_type.. is deprecated"):
            mt.set_default_tensor_type(t)
        assert mt.get_default_dtype() == mt.float64
        assert mt.tensor([1.5]).dtype == mt.float64 and mt.zeros(2).dtype == mt.float64
    finally:
        mt.set_default_dtype(mt.float32)


@pytest.mark.parametrize("bad", ["LongTensor", "float64"])
def test_set_default_tensor_type_refuses_what_torch_refuses(bad):
    messages = []
    for lib in (torch, mt):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            with pytest.raises(TypeError) as err:
                lib.set_default_tensor_type(getattr(lib, bad))
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert mt.get_default_dtype() == mt.float32
