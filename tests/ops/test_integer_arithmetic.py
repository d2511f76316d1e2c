"""gcd, lcm and the bit shifts (microtensor/ops/integer_arithmetic.py) against torch."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import assert_same

RNG = np.random.default_rng(0)
OPS = ["gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift"]


def both(name, a, b, dtype="int64"):
    mine = getattr(mt, name)(mt.tensor(a, dtype=getattr(mt, dtype)), mt.tensor(b))
    theirs = getattr(torch, name)(torch.tensor(a, dtype=getattr(torch, dtype)), torch.tensor(b))
    assert_same(mine, theirs, what=name)


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8"])
def test_values_and_dtypes_match_torch(name, dtype):
    low = 0 if dtype == "uint8" else -40
    a = RNG.integers(low, 40, (3, 4))
    b = RNG.integers(0, 9, (4,)) if "shift" in name else RNG.integers(low, 40, (3, 1))
    both(name, a, b, dtype)


@pytest.mark.parametrize("name", ["bitwise_left_shift", "bitwise_right_shift"])
@pytest.mark.parametrize("dtype", ["int64", "int8", "uint8"])
def test_shift_counts_out_of_range_follow_torch(name, dtype):
    bits = np.dtype(dtype).itemsize * 8
    low = 0 if dtype == "uint8" else -100
    a = RNG.integers(low, 100, (6,))
    counts = np.array([-1, 0, bits - 1, bits, bits + 3, 2])
    both(name, a, counts, dtype)


@pytest.mark.parametrize("name", ["bitwise_left_shift", "bitwise_right_shift"])
def test_shifts_with_python_numbers_and_bools_follow_torch(name):
    a = [3, -8, 100]
    assert_same(
        getattr(mt, name)(mt.tensor(a, dtype=mt.int8), 2),
        getattr(torch, name)(torch.tensor(a, dtype=torch.int8), 2),
    )
    assert_same(
        getattr(mt, name)(64, mt.tensor([1, 3])), getattr(torch, name)(64, torch.tensor([1, 3]))
    )
    assert_same(
        getattr(mt, name)(mt.tensor([True, False]), 1),
        getattr(torch, name)(torch.tensor([True, False]), 1),
    )


def test_gcd_and_lcm_edge_values_follow_torch():
    both("gcd", [0, 0, -12, 7, 2**40], [0, -5, -18, 0, 2**20])
    both("lcm", [0, 0, -12, 7, 6], [0, -5, -18, 0, -4])


@pytest.mark.parametrize("name", OPS)
def test_tensor_methods_and_in_place_forms_follow_torch(name):
    a, b = RNG.integers(1, 30, (5,)), RNG.integers(0, 5, (5,))
    assert_same(
        getattr(mt.tensor(a), name)(mt.tensor(b)), getattr(torch.tensor(a), name)(torch.tensor(b))
    )
    mine, theirs = mt.tensor(a), torch.tensor(a)
    version = mine._version
    assert getattr(mine, name + "_")(mt.tensor(b)) is mine
    getattr(theirs, name + "_")(torch.tensor(b))
    assert_same(mine, theirs)
    assert mine._version == version + 1


@pytest.mark.parametrize(
    ("name", "kernel"),
    [
        ("gcd", "gcd_cpu"),
        ("lcm", "lcm_cpu"),
        ("bitwise_left_shift", "lshift_cpu"),
        ("bitwise_right_shift", "rshift_cpu"),
    ],
)
def test_floating_operands_raise_torchs_error(name, kernel):
    for lib in (mt, torch):
        with pytest.raises(NotImplementedError, match=f"\"{kernel}\" not implemented for 'Float'"):
            getattr(lib, name)(lib.tensor([1.0]), lib.tensor([2.0]))


def test_gcd_refuses_bools_and_numbers_as_torch():
    for lib in (mt, torch):
        with pytest.raises(NotImplementedError, match="\"gcd_cpu\" not implemented for 'Bool'"):
            lib.gcd(lib.tensor([True]), lib.tensor([False]))
        with pytest.raises(TypeError, match="argument 'other' \\(position 2\\) must be Tensor"):
            lib.gcd(lib.tensor([4]), 2)


@pytest.mark.parametrize("name", OPS)
def test_shapes_that_do_not_broadcast_raise(name):
    with pytest.raises(
        RuntimeError, match=f"{name}\\(\\): The size of tensor a \\(2\\) must match"
    ):
        getattr(mt, name)(mt.tensor([1, 2]), mt.tensor([1, 2, 3]))
