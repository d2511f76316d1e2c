"""jacobian/hessian with vectorize=True and strategy="forward-mode" against torch."""

import inspect

import numpy as np
import pytest
import torch
import torch.autograd.functional as TF

import microtensor as mt
import microtensor.autograd.functional as MF
from tests.autograd.test_functional import (
    X,
    Y,
    assert_same,
    cubic,
    pair_outputs,
    pair_scalar,
    tensors,
)

STRATEGIES = [(True, "reverse-mode"), (True, "forward-mode")]


def many_outputs(x):
    return x.exp() * x[0], x.sum(), (x[:2] ** 2).reshape(2, 1)


JACOBIAN_CASES = [
    (pair_outputs, (X, Y)),
    (many_outputs, (X,)),
    (lambda x, y: x**2, (X, Y)),  # y does not enter: zeros
    (lambda x: x.sum() * 3.0, (np.array(2.0),)),  # 0-d input and output
    (lambda x: mt.ones(2) if isinstance(x, mt.Tensor) else torch.ones(2), (X,)),  # constant
]


def jacobian(lib, fn, arrays, **options):
    args = tensors(lib, *arrays)
    module = MF if lib is mt else TF
    return as_tuples(module.jacobian(fn, args if len(args) > 1 else args[0], **options))


def as_tuples(value):
    """torch's forward mode returns lists where its reverse mode returns tuples."""
    if isinstance(value, list | tuple):
        return tuple(as_tuples(v) for v in value)
    return value.detach()


@pytest.mark.parametrize("vectorize, strategy", STRATEGIES)
@pytest.mark.parametrize("case", range(len(JACOBIAN_CASES)))
def test_jacobian_strategies_give_torchs_and_the_plain_result(case, vectorize, strategy):
    fn, arrays = JACOBIAN_CASES[case]
    options = {"vectorize": vectorize, "strategy": strategy}
    mine = jacobian(mt, fn, arrays, **options)
    assert_same(mine, jacobian(torch, fn, arrays, **options))
    assert_same(mine, jacobian(mt, fn, arrays))


@pytest.mark.parametrize("fn, arrays", [(cubic, (X,)), (pair_scalar, (X, Y))], ids=["1", "2"])
@pytest.mark.parametrize("vectorize, strategy", STRATEGIES)
def test_hessian_strategies_give_torchs_and_the_plain_result(fn, arrays, vectorize, strategy):
    options = {"vectorize": vectorize, "outer_jacobian_strategy": strategy}
    results = []
    for lib, module in ((mt, MF), (torch, TF)):
        args = tensors(lib, *arrays)
        results.append(module.hessian(fn, args if len(args) > 1 else args[0], **options))
    mine, theirs = results
    assert_same(mine, as_tuples(theirs))
    assert_same(
        mine, MF.hessian(fn, tensors(mt, *arrays) if len(arrays) > 1 else tensors(mt, *arrays)[0])
    )


def test_vectorized_reverse_mode_with_create_graph_differentiates_like_torch():
    grads = []
    for lib, module in ((mt, MF), (torch, TF)):
        x = lib.tensor(X, dtype=lib.float64, requires_grad=True)
        jac = module.jacobian(lambda t: t.sin() * t.sum(), x, create_graph=True, vectorize=True)
        (jac**2).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def failure(lib, call):
    with pytest.raises(Exception) as info:
        call(MF if lib is mt else TF, tensors(lib, X)[0])
    return type(info.value), str(info.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda F, x: F.jacobian(lambda t: t, x, strategy="sideways"),
        lambda F, x: F.jacobian(lambda t: t, x, strategy="forward-mode"),
        lambda F, x: F.jacobian(lambda t: t, x, vectorize=True, strategy="forward-mode",
                                create_graph=True),
        lambda F, x: F.jacobian(lambda t: t, x, vectorize=True, strategy="forward-mode",
                                strict=True),
        lambda F, x: F.jacobian(lambda t: t * 2, x, vectorize=True, strict=True),
        lambda F, x: F.hessian(lambda t: t.sum(), x, outer_jacobian_strategy="up"),
        lambda F, x: F.hessian(lambda t: t.sum(), x, outer_jacobian_strategy="forward-mode"),
    ],
)  # fmt: skip
def test_argument_checks_are_torchs(call):
    error, text = failure(torch, call)
    assert failure(mt, call) == (error, text.replace("isonly", "is only"))  # torch's typo


@pytest.mark.parametrize("name", ["jacobian", "hessian", "vjp", "jvp", "vhp", "hvp"])
def test_signatures_are_torchs(name):
    def params(fn):
        return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]

    assert params(getattr(MF, name)) == params(getattr(TF, name))
