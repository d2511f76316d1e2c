"""sym_int ... sym_sum and the SymInt types against torch's eager results."""

import math

import numpy as np
import pytest
import torch

import microtensor as mt

CALLS = [
    ("sym_int", (2.7,)),
    ("sym_int", (-2.7,)),
    ("sym_int", (5,)),
    ("sym_float", (3,)),
    ("sym_max", (3, 2)),
    ("sym_max", (3, 2.0)),
    ("sym_max", (True, 2)),
    ("sym_max", (np.int64(3), 2)),
    ("sym_max", (np.float32(1.5), 2)),
    ("sym_min", (3, 2)),
    ("sym_min", (1.5, 2)),
    ("sym_min", (2, 2.0)),
    ("sym_not", (0,)),
    ("sym_not", (True,)),
    ("sym_ite", (True, 1, 2)),
    ("sym_ite", (False, "a", "b")),
    ("sym_sqrt", (9,)),
    ("sym_sqrt", (2.0,)),
    ("sym_sum", ([1, 2, 3],)),
    ("sym_sum", (1, 2.5)),
    ("sym_sum", ([],)),
    ("sym_fresh_size", (3,)),
    ("sym_fresh_size", (2.5,)),
    ("sym_constrain_range", (3,)),
    ("sym_constrain_range_for_size", (3,)),
]


@pytest.mark.parametrize("name,args", CALLS)
def test_matches_torch(name, args):
    expected = getattr(torch, name)(*args)
    actual = getattr(mt, name)(*args)
    assert actual == expected and type(actual) is type(expected)


def test_on_tensors_as_torch():
    assert mt.sym_int(mt.tensor(2.7)) == torch.sym_int(torch.tensor(2.7)) == 2
    assert mt.sym_float(mt.tensor(2)) == 2.0
    assert mt.sym_not(mt.tensor(True)) is torch.sym_not(torch.tensor(True)) is False
    assert mt.sym_sqrt(mt.tensor(4.0)) == math.sqrt(4.0)


@pytest.mark.parametrize(
    "name,args",
    [
        ("sym_max", ("a", 2)),
        ("sym_min", (1, None)),
        ("sym_ite", (1, 2, 3)),
        ("sym_ite", (True, 1, 2.0)),
    ],
)
def test_assertion_errors_as_torch(name, args):
    with pytest.raises(AssertionError):
        getattr(torch, name)(*args)
    with pytest.raises(AssertionError, match=name):
        getattr(mt, name)(*args)


def test_plain_numbers_are_not_symbolic_as_in_eager_torch():
    for value, kind in ((3, "SymInt"), (3.0, "SymFloat"), (True, "SymBool")):
        assert isinstance(value, getattr(mt, kind)) == isinstance(value, getattr(torch, kind))


def test_sym_types_with_a_known_value_behave_as_the_value():
    n, x, b = mt.SymInt(3), mt.SymFloat(2.5), mt.SymBool(False)
    assert (n + 1, 1 + n, n * x, n // 2, n % 2, -n, n**2) == (4, 4, 7.5, 1, 1, -3, 9)
    assert [0, 1, 2, 3][n] == 3 and n == 3 and n > 2 and hash(n) == hash(3)
    assert mt.sym_int(n) is n and mt.sym_int(x) == 2 and mt.sym_float(x) is x
    assert mt.sym_max(n, 4) == 4 and mt.sym_min(2, n) == 2 and mt.sym_max(x, 1) == 2.5
    assert mt.sym_not(b) is True and mt.sym_ite(b, "t", "f") == "f"
    assert mt.sym_sqrt(mt.SymInt(16)) == 4.0 and mt.sym_sum([n, 1]) == 4
    assert repr(n) == "3" and float(x) == 2.5 and not b


RANGES = [
    ("sym_constrain_range", 7, {"min": 0, "max": 5}),
    ("sym_constrain_range", -1, {"min": 0}),
    ("sym_constrain_range", -5, {"max": -10}),
    ("sym_constrain_range", 3, {"min": 5, "max": 1}),
    ("sym_constrain_range_for_size", -1, {}),
    ("sym_constrain_range_for_size", 1, {"min": 2}),
    ("sym_constrain_range_for_size", 5, {"max": 3}),
]


@pytest.mark.parametrize("name,size,bounds", RANGES)
def test_range_checks_raise_torchs_error(name, size, bounds):
    with pytest.raises(RuntimeError) as expected:
        getattr(torch, name)(size, **bounds)
    with pytest.raises(RuntimeError) as actual:
        getattr(mt, name)(size, **bounds)
    assert str(actual.value) == str(expected.value)
    assert mt.sym_constrain_range(mt.tensor(3), min=3, max=3) is None
    assert mt.sym_fresh_size(mt.tensor(4)) == 4
