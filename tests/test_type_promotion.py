import itertools

import pytest
import torch

import microtensor as mt

PAIRS = [
    (mt.bool, torch.bool),
    (mt.uint8, torch.uint8),
    (mt.int8, torch.int8),
    (mt.int16, torch.int16),
    (mt.int32, torch.int32),
    (mt.int64, torch.int64),
    (mt.float16, torch.float16),
    (mt.float32, torch.float32),
    (mt.float64, torch.float64),
    (mt.bfloat16, torch.bfloat16),
    (mt.uint16, torch.uint16),
    (mt.uint32, torch.uint32),
    (mt.uint64, torch.uint64),
]


def name(d):
    return str(d).split(".")[-1]


@pytest.mark.parametrize(("a", "b"), itertools.product(PAIRS, PAIRS))
def test_promote_types_and_can_cast_match_torch(a, b):
    try:
        expected = name(torch.promote_types(a[1], b[1]))
    except RuntimeError:  # uint16/32/64 promote only with themselves and floating dtypes
        with pytest.raises(RuntimeError, match="Promotion for uint16, uint32, uint64 types"):
            mt.promote_types(a[0], b[0])
    else:
        assert name(mt.promote_types(a[0], b[0])) == expected
    assert mt.can_cast(a[0], b[0]) == torch.can_cast(a[1], b[1])


@pytest.mark.parametrize(
    ("x", "y"),
    [
        (([1, 2], "int32"), 2.5),
        (([1, 2], "int32"), 2),
        ((1.0, "float64"), ([1.0, 2.0], "float32")),
        ((1, "int64"), ([1.0], "float16")),
        (([True], "bool"), 1),
        (2, 3.0),
        (1, 2),
        (True, 2),
        (([1], "uint8"), ([1], "int8")),
        (([1.0], "bfloat16"), ([1.0], "float16")),
        (([1.0], "bfloat16"), 2.5),
        (([1], "int64"), ([1.0], "bfloat16")),
        ((1.0, "float32"), ([1.0], "bfloat16")),
        (([1], "uint16"), 2),
        (([1], "uint32"), 2.5),
        (([1], "uint64"), ([1.0], "bfloat16")),
        (([1], "uint16"), (1, "int8")),
    ],
)
def test_result_type_matches_torch(x, y):
    def make(spec, lib):
        if isinstance(spec, tuple):
            return lib.tensor(spec[0], dtype=getattr(lib, spec[1]))
        return spec

    ours = mt.result_type(make(x, mt), make(y, mt))
    assert name(ours) == name(torch.result_type(make(x, torch), make(y, torch)))


def test_result_type_rejects_other_objects():
    with pytest.raises(TypeError, match="result_type\\(\\): expected a Tensor or a number"):
        mt.result_type([1, 2], mt.ones(1))


@pytest.mark.parametrize("other", ["int64", "int8", "uint8", "bool", "uint32"])
def test_wide_unsigned_ints_refuse_mixing_with_other_integers(other):
    a = mt.tensor([1, 2], dtype=mt.uint16)
    b = mt.tensor([1, 2], dtype=getattr(mt, other))
    with pytest.raises(RuntimeError, match="attempted to promote UInt16 and"):
        torch.tensor([1, 2], dtype=torch.uint16) + torch.tensor([1, 2], dtype=getattr(torch, other))
    with pytest.raises(RuntimeError, match="attempted to promote UInt16 and .*convert one"):
        a * b
