"""Bad calls to the factories raise torch's exception type, with a message naming the op.

Each case runs in torch and in microtensor: the exception types must be equal, and
microtensor's message must start with the op's name (``zeros(): ...``) and say what was
wrong; no NumPy error reaches the user.
"""

import numpy as np
import pytest
import torch

import microtensor as mt


def _cases(lib):
    return {
        "full_like": ("tensor fill", lambda: lib.full_like(lib.ones(2), lib.ones(3))),
        "full": ("tensor fill", lambda: lib.full((2,), lib.ones(3))),
        "empty_strided": ("float stride", lambda: lib.empty_strided((2, 3), (1.5, 1))),
        "zeros_like": ("a list", lambda: lib.zeros_like([1, 2])),
        "ones_like": ("a list", lambda: lib.ones_like([1, 2])),
        "tensor": ("object array", lambda: lib.tensor(np.array([object()], dtype=object))),
        "tensor ": ("ragged", lambda: lib.tensor([[1, 2], [3]])),
        "tensor  ": ("ragged, dtype", lambda: lib.tensor([[1, 2], [3]], dtype=lib.float32)),
        "tensor   ": ("None", lambda: lib.tensor([1, None])),
        "tensor    ": ("text", lambda: lib.tensor("abc")),
        "tensor     ": ("text inside", lambda: lib.tensor([1, "a"])),
        "tensor         ": ("text first", lambda: lib.tensor(["a", 1])),
        "tensor          ": ("text nested first", lambda: lib.tensor([["a"]])),
        "tensor      ": ("int past int64", lambda: lib.tensor([2**70])),
        "tensor       ": ("overflow of dtype", lambda: lib.tensor([300], dtype=lib.int8)),
        "as_tensor": ("ragged", lambda: lib.as_tensor([[1], [2, 3]])),
        "zeros": ("negative", lambda: lib.zeros(-1)),
        "zeros ": ("float size", lambda: lib.zeros(2.5)),
        "zeros  ": ("text size", lambda: lib.zeros("a")),
        "ones": ("negative in a tuple", lambda: lib.ones((2, -3))),
        "ones ": ("None size", lambda: lib.ones(None)),
        "empty": ("negative", lambda: lib.empty(2, -1)),
        "full ": ("negative", lambda: lib.full((-2,), 1.0)),
        "full  ": ("text fill", lambda: lib.full((2,), "a")),
        "full_like ": ("text fill", lambda: lib.full_like(lib.ones(2), "x")),
        "eye": ("negative n", lambda: lib.eye(-1)),
        "eye ": ("negative m", lambda: lib.eye(2, -1)),
        "randint": ("low >= high", lambda: lib.randint(5, 3, (2,))),
        "randint ": ("float size", lambda: lib.randint(0, 5, (2.5,))),
        "randint_like": ("low >= high", lambda: lib.randint_like(lib.ones(2), 5, 3)),
        "randperm": ("negative", lambda: lib.randperm(-1)),
        "arange": ("zero step", lambda: lib.arange(0, 10, 0)),
        "arange ": ("step of the wrong sign", lambda: lib.arange(10, 0, 1)),
        "arange  ": ("infinite end", lambda: lib.arange(0, float("inf"))),
        "arange   ": ("nan end", lambda: lib.arange(0, float("nan"))),
        "linspace": ("negative steps", lambda: lib.linspace(0, 1, -1)),
        "logspace": ("negative steps", lambda: lib.logspace(0, 1, -2)),
        "tril_indices": ("negative rows", lambda: lib.tril_indices(-1, 2)),
        "rand": ("integer dtype", lambda: lib.rand(2, dtype=lib.int64)),
        "rand_like": ("integer dtype", lambda: lib.rand_like(lib.ones(2, dtype=lib.int64))),
        "randn": ("bool dtype", lambda: lib.randn(2, dtype=lib.bool)),
        "tensor        ": ("None, dtype", lambda: lib.tensor([1, None], dtype=lib.float32)),
        "eye  ": ("float n", lambda: lib.eye(2.5)),
        "randint  ": ("high 0", lambda: lib.randint(0, (2,))),
        "randint   ": ("float high", lambda: lib.randint(0, 2.5, (2,))),
        "randperm ": ("float n", lambda: lib.randperm(2.5)),
        "arange    ": ("text end", lambda: lib.arange("a")),
        "linspace ": ("float steps", lambda: lib.linspace(0, 1, 2.5)),
        "full   ": ("overflow of dtype", lambda: lib.full((2,), 300, dtype=lib.int8)),
        "scalar_tensor": ("a list", lambda: lib.scalar_tensor([1, 2])),
        "hann_window": ("negative length", lambda: lib.hann_window(-1)),
        "frombuffer": ("a list", lambda: lib.frombuffer([1, 2], dtype=lib.float32)),
    }


CASES = _cases(mt)
TORCH_CASES = _cases(torch)


def _error(fn):
    try:
        fn()
    except Exception as error:  # noqa: BLE001 - the type is what is compared
        return error
    return None


@pytest.mark.parametrize("key", CASES, ids=[f"{k.strip()}: {v[0]}" for k, v in CASES.items()])
def test_bad_factory_call_raises_torchs_type_with_the_op_named(key):
    expected = _error(TORCH_CASES[key][1])
    actual = _error(CASES[key][1])
    assert expected is not None and actual is not None
    assert type(actual) is type(expected), f"{actual!r} where torch raises {expected!r}"
    assert str(actual).startswith(f"{key.strip()}(): "), str(actual)
    assert "numpy" not in type(actual).__module__


def test_the_messages_carry_torchs_sentences():
    with pytest.raises(ValueError, match=r"expected sequence of length 2 at dim 1 \(got 1\)"):
        mt.tensor([[1, 2], [3]])
    with pytest.raises(RuntimeError, match=r"Trying to create tensor with negative dimension -1"):
        mt.zeros(-1)
    with pytest.raises(RuntimeError, match="random_ expects 'from' to be less than 'to', but"):
        mt.randint(5, 3, (2,))
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        mt.tensor([2**70])


def test_good_calls_next_to_the_bad_ones_still_work():
    assert mt.tensor([2**70], dtype=mt.float64).item() == float(2**70)
    assert mt.full((2,), mt.tensor(3.0)).tolist() == [3.0, 3.0]
    assert mt.tensor([[1, 2], [3, 4]], dtype=mt.float32).dtype == mt.float32
    assert mt.zeros(0).shape == (0,) and mt.eye(0).shape == (0, 0)
    assert mt.arange(0, 10, 3).tolist() == [0, 3, 6, 9]


def test_copy_constructing_from_a_tensor_warns_as_torch():
    for lib in (torch, mt):
        with pytest.warns(UserWarning, match="To copy construct from a tensor, it is recommended"):
            copy = lib.tensor(lib.ones(2))
        assert copy.tolist() == [1.0, 1.0]
