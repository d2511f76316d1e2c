"""torch.cond and torch.while_loop, eagerly, against torch."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import assert_same


@pytest.mark.parametrize("pred", [True, False, 1, 0.0, "tensor-true", "tensor-false", "float"])
def test_cond_picks_torchs_branch(pred):
    x = np.array([1.0, -2.0, 3.0])

    def make(lib):
        p = pred
        if pred == "tensor-true":
            p = lib.tensor(True)
        elif pred == "tensor-false":
            p = lib.tensor([False])
        elif pred == "float":
            p = lib.tensor(1.0)
        return lib.cond(p, lambda t: t.cos(), lambda t: t.sin() * 2, (lib.tensor(x),))

    assert_same(make(mt), make(torch))


def test_cond_gradient_flows_through_the_branch_taken():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    mt.cond(x.sum() > 0, lambda t: (t * t).sum(), lambda t: t.sum(), (x,)).backward()
    assert_same(x.grad, torch.tensor([2.0, 4.0]))


def test_cond_nested_operands():
    x = mt.ones(2)
    out = mt.cond(mt.tensor(True), lambda d: d["a"][0] + 1, lambda d: d["a"][0], ({"a": [x]},))
    assert_same(out, torch.full((2,), 2.0))


CONDITION_ERRORS = [
    (
        "pred",
        lambda lib: lib.cond("a", abs, abs, (lib.ones(1),)),
        "Expected pred to be bool or tensor",
    ),
    (
        "numel",
        lambda lib: lib.cond(lib.tensor([True, False]), abs, abs, (lib.ones(1),)),
        "Expected pred to be bool or single-element tensor",
    ),
    (
        "callable",
        lambda lib: lib.cond(lib.tensor(True), 3, abs, (lib.ones(1),)),
        "Expect both branches to be callable.",
    ),
    (
        "operands",
        lambda lib: lib.cond(lib.tensor(True), abs, abs, lib.ones(1)),
        "Expect operands to be a tuple",
    ),
    (
        "leaves",
        lambda lib: lib.cond(lib.tensor(True), abs, abs, (lib.ones(1), 3)),
        "only consists of tensor leaves",
    ),
]


@pytest.mark.parametrize(
    "case,call,message", CONDITION_ERRORS, ids=[c[0] for c in CONDITION_ERRORS]
)
def test_cond_errors_as_torch(case, call, message):
    with pytest.raises(RuntimeError, match=message):
        call(torch)
    with pytest.raises(RuntimeError, match=message):
        call(mt)


@pytest.mark.parametrize("start", [0, 5])
@pytest.mark.parametrize("counter", ["tensor", "int"])
def test_while_loop_matches_torch(start, counter):
    def run(lib):
        i = lib.tensor(start) if counter == "tensor" else start
        return lib.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2), [i, lib.ones(3)])

    actual, expected = run(mt), run(torch)
    assert isinstance(actual, tuple) and len(actual) == 2
    assert int(actual[0]) == int(expected[0])
    assert_same(actual[1], expected[1])


def test_while_loop_returns_copies_when_the_body_never_runs():
    x = mt.ones(2)
    out = mt.while_loop(lambda a: a.sum() < 0, lambda a: (a + 1,), (x,))
    assert out[0] is not x and not np.shares_memory(out[0].numpy(), x.numpy())


def test_while_loop_gradient():
    x = mt.tensor(1.5, requires_grad=True)
    _, y = mt.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * a), (0, x))
    y.backward()
    assert_same(x.grad, torch.tensor(8 * 1.5**7))


def test_while_loop_errors():
    with pytest.raises(RuntimeError, match="Expect cond_fn and body_fn to be callable."):
        mt.while_loop(3, lambda a: (a,), (mt.ones(1),))
    with pytest.raises(RuntimeError, match="carried_inputs must be a tuple or list"):
        mt.while_loop(lambda a: False, lambda a: (a,), mt.ones(1))
    with pytest.raises(RuntimeError, match="tensor or int leaves"):
        mt.while_loop(lambda a, b: False, lambda a, b: (a, b), (mt.ones(1), "x"))
    with pytest.raises(RuntimeError, match="cond_fn must return a boolean scalar tensor"):
        mt.while_loop(lambda a: a, lambda a: (a,), (mt.tensor(0),))
    with pytest.raises(AssertionError, match="body_fn should return a tuple"):
        mt.while_loop(lambda a: a < 3, lambda a: [a + 1], (mt.tensor(0),))
    with pytest.raises(AssertionError, match="same number of elements as carried_inputs"):
        mt.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1,), (mt.tensor(0), mt.ones(1)))


def test_fork_and_wait_as_torchs():
    ours = mt.wait(mt.fork(lambda x, k: x + k, mt.ones(2), k=2))
    theirs = torch.wait(torch.fork(lambda x, k: x + k, torch.ones(2), k=2))
    assert_same(ours, theirs)
