"""autograd.functional against torch.autograd.functional (vectorize=False, reverse mode).

test_functional_strategies.py covers vectorize=True and forward mode.
"""

import numpy as np
import pytest
import torch
import torch.autograd.functional as TF

import microtensor as mt
import microtensor.autograd.functional as MF

RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=3), RNG.normal(size=(2, 3))
V_X, V_Y, V_OUT = RNG.normal(size=3), RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))


def cubic(x):
    return (x**3).sum() + (x[0] * x[1]).sin()


def pair_scalar(x, y):
    return ((x * y).tanh() ** 2).sum() + (x.exp() * y[0]).sum()


def pair_outputs(x, y):
    return x * y.exp(), (x.sin() * y).sum(0)


def tensors(lib, *arrays):
    return tuple(lib.tensor(a, dtype=lib.float64) for a in arrays)


def as_arrays(value):
    if isinstance(value, tuple):
        return tuple(as_arrays(v) for v in value)
    return value.detach().numpy()


def assert_same(mine, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(mine, tuple) and len(mine) == len(theirs)
        for a, b in zip(mine, theirs, strict=True):
            assert_same(a, b)
    else:
        assert tuple(mine.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)


# (name, function, inputs, v): every function with a single and a tuple input where it applies
CASES = [
    ("jacobian", pair_outputs, (X, Y), None),
    ("jacobian", lambda x: x.exp() * x[0], (X,), None),
    ("hessian", cubic, (X,), None),
    ("hessian", pair_scalar, (X, Y), None),
    ("vjp", pair_outputs, (X, Y), (V_OUT, V_X)),
    ("vjp", lambda x: x.exp() * x[0], (X,), (V_X,)),
    ("jvp", pair_outputs, (X, Y), (V_X, V_Y)),
    ("jvp", lambda x: x.exp() * x[0], (X,), (V_X,)),
    ("vhp", pair_scalar, (X, Y), (V_X, V_Y)),
    ("vhp", cubic, (X,), (V_X,)),
    ("hvp", pair_scalar, (X, Y), (V_X, V_Y)),
    ("hvp", cubic, (X,), (V_X,)),
]


def run(lib, name, fn, inputs, v, **options):
    module = MF if lib is mt else TF
    args = tensors(lib, *inputs)
    args = args if len(args) > 1 else args[0]
    if v is None:
        return getattr(module, name)(fn, args, **options)
    vs = tensors(lib, *v)
    return getattr(module, name)(fn, args, vs if len(vs) > 1 else vs[0], **options)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_values_match_torch(case):
    assert_same(as_arrays(run(mt, *case)), as_arrays(run(torch, *case)))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0])
def test_create_graph_results_differentiate_like_torch(case):
    name, fn, inputs, v = case
    grads = []
    for lib in (mt, torch):
        module = MF if lib is mt else TF
        leaves = tensors(lib, *inputs)
        for leaf in leaves:
            leaf.requires_grad_()
        args = leaves if len(leaves) > 1 else leaves[0]
        extra = () if v is None else (tensors(lib, *v) if len(v) > 1 else tensors(lib, *v)[0],)
        result = getattr(module, name)(fn, args, *extra, create_graph=True)
        flat = []

        def collect(value, flat=flat):
            if isinstance(value, tuple):
                for item in value:
                    collect(item)
            else:
                flat.append(value)

        collect(result)
        total = sum((t * t).sum() for t in flat if t.requires_grad)
        grads.append(as_arrays(lib.autograd.grad(total, leaves, allow_unused=True)))
    for a, b in zip(*grads, strict=True):
        if b is None or isinstance(b, type(None)):
            continue
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_without_create_graph_results_are_detached():
    x = mt.tensor(X, requires_grad=True)
    out, grad = MF.vjp(lambda t: (t**2).sum(), x)
    assert not out.requires_grad and not grad.requires_grad
    assert not MF.jacobian(lambda t: t**2, x).requires_grad
    assert MF.jacobian(lambda t: t**2, x, create_graph=True).requires_grad


def message(lib, call):
    with pytest.raises(RuntimeError) as info:
        call(lib, MF if lib is mt else TF)
    return str(info.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, F: F.jacobian(lambda x, y: x**2, tensors(lib, X, Y), strict=True),
        lambda lib, F: F.vjp(lambda x, y: (x**2).sum(), tensors(lib, X, Y), strict=True),
        lambda lib, F: F.hessian(lambda x: x.sum() * 2, tensors(lib, X)[0], strict=True),
        lambda lib, F: F.vjp(lambda x: x**2, tensors(lib, X)[0]),
        lambda lib, F: F.vjp(lambda x: x**2, tensors(lib, X)[0], tensors(lib, Y)[0]),
        lambda lib, F: F.hessian(lambda x: x**2, tensors(lib, X)[0]),
        lambda lib, F: F.hvp(lambda x: x**2, tensors(lib, X)[0], tensors(lib, X)[0]),
        lambda lib, F: F.jvp(lambda x, y: x, tensors(lib, X, Y), tensors(lib, X)),
    ],
)
def test_errors_match_torch(call):
    assert message(mt, call).replace("microtensor.Size", "torch.Size") == message(torch, call)


def test_independent_inputs_give_zeros_without_strict():
    x, y = tensors(mt, X, Y)
    jac = MF.jacobian(lambda a, b: a**2, (x, y))
    assert jac[1].shape == (3, 2, 3) and not jac[1].numpy().any()


def test_inputs_must_be_tensors():
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        MF.jacobian(lambda x: x, [1.0])
