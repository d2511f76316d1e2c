"""A table of wrong calls: each gives PyTorch's exception type and a message naming the
problem (shapes, dims, dtypes), never a raw NumPy traceback."""

import pytest

import microtensor as mt


def _x():
    return mt.ones(2, 3)


WRONG_CALLS = [
    (
        "matmul shapes",
        lambda: mt.ones(3, 4) @ mt.ones(5, 2),
        RuntimeError,
        r"matmul\(\): shapes \(3, 4\) and \(5, 2\) cannot be multiplied",
    ),
    (
        "broadcast",
        lambda: mt.ones(2, 3) + mt.ones(4),
        RuntimeError,
        r"add\(\).*size of tensor a \(3\) must match the size of tensor b \(4\)",
    ),
    (
        "non-scalar backward",
        lambda: (mt.ones(2, requires_grad=True) * 2).backward(),
        RuntimeError,
        r"grad can be implicitly created only for scalar outputs",
    ),
    (
        "int requires_grad",
        lambda: mt.tensor([1, 2], requires_grad=True),
        RuntimeError,
        r"only Tensors of floating point dtype can require gradients",
    ),
    (
        "sum bad dim",
        lambda: _x().sum(dim=2),
        IndexError,
        r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)",
    ),
    ("mean bad dim", lambda: _x().mean(dim=-3), IndexError, r"Dimension out of range"),
    ("softmax bad dim", lambda: mt.softmax(_x(), dim=5), IndexError, r"Dimension out of range"),
    ("transpose bad dim", lambda: _x().transpose(0, 3), IndexError, r"Dimension out of range"),
    ("bad dtype", lambda: mt.zeros(2, dtype="complex64"), TypeError, r"unsupported dtype"),
    ("reshape", lambda: _x().reshape(4, 2), RuntimeError, r"shape '\[4, 2\]' is invalid .*6"),
    (
        "cat shapes",
        lambda: mt.cat([mt.ones(2, 3), mt.ones(2, 4)]),
        RuntimeError,
        r"Sizes of tensors must match except in dimension 0",
    ),
    (
        "index out of range",
        lambda: _x()[5],
        IndexError,
        r"index 5 is out of bounds for dimension 0 with size 2",
    ),
    (
        "mean of ints",
        lambda: mt.tensor([1, 2]).mean(),
        RuntimeError,
        r"Input dtype must be either a floating point",
    ),
    (
        "item of many",
        lambda: _x().item(),
        RuntimeError,
        r"6 elements cannot be converted to Scalar",
    ),
    (
        "leaf in-place",
        lambda: mt.ones(1, requires_grad=True).mul_(2),
        RuntimeError,
        r"a leaf Variable that requires grad is being used in an in-place operation",
    ),
    ("expand", lambda: mt.ones(2, 3).expand(4, 3), RuntimeError, r"expand"),
    ("mm rank", lambda: mt.mm(mt.ones(2), mt.ones(2, 2)), RuntimeError, r"mm"),
    ("gather index dtype", lambda: mt.gather(_x(), 0, mt.zeros(1, 3)), RuntimeError, r"gather"),
]


@pytest.mark.parametrize("name,call,exc,match", WRONG_CALLS, ids=[w[0] for w in WRONG_CALLS])
def test_wrong_call_gives_clear_error(name, call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    assert "numpy" not in type(info.value).__module__
