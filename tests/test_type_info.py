import pytest
import torch

import microtensor as mt

FLOATS = [
    (mt.float16, torch.float16),
    (mt.bfloat16, torch.bfloat16),
    (mt.float32, torch.float32),
    (mt.float64, torch.float64),
]
INTS = [
    (mt.uint8, torch.uint8),
    (mt.int8, torch.int8),
    (mt.int16, torch.int16),
    (mt.int32, torch.int32),
    (mt.int64, torch.int64),
    (mt.uint16, torch.uint16),
    (mt.uint32, torch.uint32),
    (mt.uint64, torch.uint64),
]


@pytest.mark.parametrize(("ours", "theirs"), FLOATS)
def test_finfo_matches_torch(ours, theirs):
    a, b = mt.finfo(ours), torch.finfo(theirs)
    for name in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(a, name) == getattr(b, name), name
    assert repr(a) == repr(b)


def test_finfo_default_is_the_default_dtype():
    assert mt.finfo().dtype == "float32"
    mt.set_default_dtype(mt.float64)
    try:
        assert mt.finfo().eps == torch.finfo(torch.float64).eps
    finally:
        mt.set_default_dtype(mt.float32)


@pytest.mark.parametrize(("ours", "theirs"), INTS)
def test_iinfo_matches_torch(ours, theirs):
    a, b = mt.iinfo(ours), torch.iinfo(theirs)
    assert (a.bits, a.max, a.min, a.dtype) == (b.bits, b.max, b.min, b.dtype)
    assert repr(a) == repr(b)


def test_wrong_kinds_raise_type_error():
    with pytest.raises(TypeError, match="finfo\\(\\) requires a floating point input type"):
        mt.finfo(mt.int64)
    with pytest.raises(TypeError, match="iinfo\\(\\) requires an integer input type"):
        mt.iinfo(mt.float32)
    with pytest.raises(TypeError, match="bool is not supported"):
        mt.iinfo(mt.bool)
