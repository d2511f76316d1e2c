"""Activation modules against torch.nn, in-place variants, dtypes and errors."""

from contextlib import nullcontext

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from tests.helpers import assert_same, compare_with_torch

# microtensor module, torch module (same arguments)
MODULES = [
    (nn.ReLU(), torch.nn.ReLU()),
    (nn.ReLU(inplace=True), torch.nn.ReLU(inplace=True)),
    (nn.LeakyReLU(), torch.nn.LeakyReLU()),
    (nn.LeakyReLU(0.2, True), torch.nn.LeakyReLU(0.2, True)),
    (nn.ELU(), torch.nn.ELU()),
    (nn.ELU(2, inplace=True), torch.nn.ELU(2, inplace=True)),
    (nn.CELU(0.5), torch.nn.CELU(0.5)),
    (nn.SELU(), torch.nn.SELU()),
    (nn.SELU(True), torch.nn.SELU(True)),
    (nn.GELU(), torch.nn.GELU()),
    (nn.GELU("tanh"), torch.nn.GELU("tanh")),
    (nn.SiLU(), torch.nn.SiLU()),
    (nn.SiLU(inplace=True), torch.nn.SiLU(inplace=True)),
    (nn.Mish(), torch.nn.Mish()),
    (nn.Mish(True), torch.nn.Mish(True)),
    (nn.Softplus(), torch.nn.Softplus()),
    (nn.Softplus(beta=2, threshold=10), torch.nn.Softplus(beta=2, threshold=10)),
    (nn.Sigmoid(), torch.nn.Sigmoid()),
    (nn.Tanh(), torch.nn.Tanh()),
    (nn.Hardtanh(), torch.nn.Hardtanh()),
    (nn.Hardtanh(-2, 2, True), torch.nn.Hardtanh(-2, 2, True)),
    (nn.ReLU6(), torch.nn.ReLU6()),
    (nn.ReLU6(True), torch.nn.ReLU6(True)),
    # torch's hardsigmoid gradient uses float32's 1/6 in float64 too: compared in float32
    (nn.Hardsigmoid(), torch.nn.Hardsigmoid()),
    (nn.Hardsigmoid(True), torch.nn.Hardsigmoid(True)),
    (nn.Hardswish(), torch.nn.Hardswish()),
    (nn.Hardswish(True), torch.nn.Hardswish(True)),
    (nn.LogSigmoid(), torch.nn.LogSigmoid()),
    (nn.Softsign(), torch.nn.Softsign()),
    (nn.Tanhshrink(), torch.nn.Tanhshrink()),
    (nn.Threshold(0.1, 20), torch.nn.Threshold(0.1, 20)),
    (nn.Threshold(0.1, 20.0, True), torch.nn.Threshold(0.1, 20.0, True)),
    (nn.PReLU(), torch.nn.PReLU()),
    (nn.PReLU(3, 0.1), torch.nn.PReLU(3, 0.1)),
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
    (nn.Softmax(), torch.nn.Softmax()),
    (nn.LogSoftmax(-1), torch.nn.LogSoftmax(-1)),
    (nn.LogSoftmax(), torch.nn.LogSoftmax()),
    (nn.Softmin(dim=0), torch.nn.Softmin(dim=0)),
]
IDS = [repr(t) for _, t in MODULES]


@pytest.mark.parametrize("module,torch_module", MODULES, ids=IDS)
def test_repr_matches_torch(module, torch_module):
    assert repr(module) == repr(torch_module)


@pytest.mark.parametrize("module,torch_module", MODULES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_and_gradients_match_torch(module, torch_module, dtype):
    if isinstance(module, nn.Hardsigmoid) and dtype == np.float64:
        dtype = np.float32  # see MODULES; the float64 slope is tested in test_activation.py
    rng = np.random.default_rng(0)
    x = rng.uniform(-4, 4, (2, 3, 4))
    x = np.where(np.abs(x) < 0.05, 0.5, x).astype(dtype)  # away from the kinks at 0
    implicit_dim = isinstance(module, nn.Softmax | nn.LogSoftmax) and module.dim is None
    # PReLU's weight: the same values, in the input's dtype
    module.to(getattr(mt, np.dtype(dtype).name))
    torch_module.to(getattr(torch, np.dtype(dtype).name))
    for param, torch_param in zip(module.parameters(), torch_module.parameters(), strict=True):
        with mt.no_grad():
            param.copy_(mt.tensor(torch_param.detach().numpy()))
    with pytest.warns(UserWarning, match="Implicit dimension") if implicit_dim else nullcontext():
        # leaf -> non-leaf first (t * 1), so that the in-place variants are allowed
        compare_with_torch(lambda t: module(t * 1), lambda t: torch_module(t * 1), [x], rng=rng)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(shape=array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=3), seed=st.integers(0, 99))
def test_prelu_parameter_gradients_match_torch(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    channels = shape[1]
    name = np.dtype(dtype).name
    module = nn.PReLU(channels, dtype=getattr(mt, name))
    torch_module = torch.nn.PReLU(channels, dtype=getattr(torch, name))
    weight = rng.uniform(-0.5, 0.5, channels).astype(dtype)
    with mt.no_grad():
        module.weight.copy_(mt.tensor(weight))
    torch_module.weight.data = torch.tensor(weight)
    x, up = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    xm, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    module(xm).backward(mt.tensor(up))
    torch_module(xt).backward(torch.tensor(up))
    assert_same(xm.grad, xt.grad)
    assert_same(module.weight.grad, torch_module.weight.grad)


def test_prelu_refuses_mixed_dtypes_like_torch():
    with pytest.raises(RuntimeError, match="Type promoting not supported"):
        torch.nn.PReLU()(torch.ones(2, dtype=torch.float64))
    with pytest.raises(
        RuntimeError, match=r"prelu\(\): Type promoting not supported. Got .*float64 and .*float32"
    ):
        nn.PReLU()(mt.ones(2, dtype=mt.float64))


def test_prelu_module_parameters_and_reset():
    module = nn.PReLU(3, init=0.1)
    assert [name for name, _ in module.named_parameters()] == ["weight"]
    assert module.weight.shape == (3,) and module.weight.requires_grad
    assert module.weight.dtype == mt.get_default_dtype()
    with mt.no_grad():
        module.weight.fill_(2.0)
    module.reset_parameters()
    assert module.weight.tolist() == pytest.approx([0.1] * 3)
    assert nn.PReLU(dtype=mt.float64).weight.dtype == mt.float64


# --- in-place variants -------------------------------------------------------------------------

# microtensor in-place call, torch in-place call
INPLACE = [
    ("relu", lambda x: F.relu(x, inplace=True), lambda x: TF.relu(x, inplace=True)),
    ("relu_", F.relu_, TF.relu_),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.1, True), lambda x: TF.leaky_relu(x, 0.1, True)),
    ("leaky_relu_", lambda x: F.leaky_relu_(x, 0.1), lambda x: TF.leaky_relu_(x, 0.1)),
    ("elu", lambda x: F.elu(x, 0.5, inplace=True), lambda x: TF.elu(x, 0.5, inplace=True)),
    ("elu_", F.elu_, TF.elu_),
    ("selu", lambda x: F.selu(x, True), lambda x: TF.selu(x, True)),
    ("selu_", F.selu_, TF.selu_),
    ("celu", lambda x: F.celu(x, 2.0, True), lambda x: TF.celu(x, 2.0, True)),
    ("celu_", F.celu_, TF.celu_),
    ("silu", lambda x: F.silu(x, True), lambda x: TF.silu(x, True)),
    ("mish", lambda x: F.mish(x, True), lambda x: TF.mish(x, True)),
    ("hardtanh", lambda x: F.hardtanh(x, -2, 2, True), lambda x: TF.hardtanh(x, -2, 2, True)),
    ("hardtanh_", F.hardtanh_, TF.hardtanh_),
    ("relu6", lambda x: F.relu6(x, True), lambda x: TF.relu6(x, True)),
    # exact slope 1/6 (torch's float32 1/6 differs by 3e-8): relu6(x + 3) / 6 is the reference
    (
        "hardsigmoid",
        lambda x: F.hardsigmoid(x, True),
        lambda x: TF.relu6(x.add_(3), inplace=True).div_(6),
    ),
    ("hardswish", lambda x: F.hardswish(x, True), lambda x: TF.hardswish(x, True)),
    (
        "threshold",
        lambda x: F.threshold(x, 0.5, -1, True),
        lambda x: TF.threshold(x, 0.5, -1, True),
    ),
    ("threshold_", lambda x: F.threshold_(x, 0.5, -1), lambda x: TF.threshold_(x, 0.5, -1)),
]
INPLACE_IDS = [i[0] for i in INPLACE]
VALUES = np.array([[-4.0, -2.5, -0.7, 0.3], [1.2, 2.5, 3.7, 7.0]])


@pytest.mark.parametrize("name,mt_fn,torch_fn", INPLACE, ids=INPLACE_IDS)
def test_inplace_changes_input_and_keeps_gradients_like_torch(name, mt_fn, torch_fn):
    leaf, tleaf = mt.tensor(VALUES, requires_grad=True), torch.tensor(VALUES, requires_grad=True)
    x, tx = leaf * 1.0, tleaf * 1.0
    out, tout = mt_fn(x), torch_fn(tx)
    assert out is x
    assert_same(x, tx.detach())
    up = np.random.default_rng(0).standard_normal(VALUES.shape)
    out.backward(mt.tensor(up))
    tout.backward(torch.tensor(up))
    assert_same(leaf.grad, tleaf.grad)


@pytest.mark.parametrize("name,mt_fn,torch_fn", INPLACE, ids=INPLACE_IDS)
def test_inplace_without_grad_writes_into_the_input(name, mt_fn, torch_fn):
    x, tx = mt.tensor(VALUES, dtype=mt.float32), torch.tensor(VALUES, dtype=torch.float32)
    version = x._version
    assert mt_fn(x) is x
    torch_fn(tx)
    assert_same(x, tx)
    assert x._version > version


@pytest.mark.parametrize("name,mt_fn,torch_fn", INPLACE, ids=INPLACE_IDS)
def test_inplace_on_leaf_that_requires_grad_raises_like_torch(name, mt_fn, torch_fn):
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        torch_fn(torch.tensor(VALUES, requires_grad=True))
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        mt_fn(mt.tensor(VALUES, requires_grad=True))


def test_inplace_module_modifies_input():
    x = mt.tensor([-1.0, 2.0])
    assert nn.ReLU(inplace=True)(x) is x
    assert x.tolist() == [0.0, 2.0]


# --- dtypes and errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mt_fn,torch_fn",
    [
        (F.relu, TF.relu),
        (F.relu6, TF.relu6),
        (F.hardtanh, TF.hardtanh),
        (lambda x: F.threshold(x, 0, 5), lambda x: TF.threshold(x, 0, 5)),
        (F.softsign, TF.softsign),
        (F.tanhshrink, TF.tanhshrink),
        (F.sigmoid, torch.sigmoid),
    ],
)
def test_integer_input_dtype_matches_torch(mt_fn, torch_fn):
    assert_same(mt_fn(mt.tensor([3, -2, 0, 8])), torch_fn(torch.tensor([3, -2, 0, 8])))


FLOAT_ONLY = [
    "leaky_relu",
    "elu",
    "selu",
    "celu",
    "gelu",
    "silu",
    "mish",
    "softplus",
    "hardsigmoid",
    "hardswish",
    "logsigmoid",
]


@pytest.mark.parametrize("name", FLOAT_ONLY)
def test_float_only_activations_reject_integers_like_torch(name):
    with pytest.raises(NotImplementedError):
        getattr(TF, name)(torch.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match=rf"{name}\(\): not implemented for .*int64"):
        getattr(F, name)(mt.tensor([1, 2]))


@pytest.mark.parametrize("name", FLOAT_ONLY + ["relu", "hardtanh", "softsign", "prelu"])
def test_non_tensor_input_raises_type_error(name):
    args = (mt.ones(1),) if name == "prelu" else ()
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'input' must be Tensor, not list"):
        getattr(F, name)([1.0], *args)


def test_argument_errors():
    with pytest.raises(
        RuntimeError, match=r"gelu\(\): approximate argument must be either none or tanh"
    ):
        F.gelu(mt.ones(2), approximate="exact")
    with pytest.raises(RuntimeError, match="approximate argument"):
        nn.GELU("exact")(mt.ones(2))  # like torch: accepted by the constructor, raised on call
    with pytest.raises(RuntimeError, match="alpha cannot be 0 for CELU"):
        F.celu(mt.ones(2), alpha=0.0)
    with pytest.raises(ValueError, match=r"min_val cannot be greater than max_val \(got min_val=2"):
        F.hardtanh(mt.ones(2), 2.0, -2.0)
    with pytest.raises(ValueError, match=r"max_val \(-2\) must be greater than min_val \(2\)"):
        nn.Hardtanh(2, -2)


def test_softmax_family_reexports_and_implicit_dim():
    assert F.softmax is mt.softmax and F.log_softmax is mt.log_softmax
    assert F.sigmoid is mt.sigmoid and F.tanh is mt.tanh
    x = np.arange(6.0).reshape(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmin"):
        out = F.softmin(mt.tensor(x))
    assert_same(out, TF.softmin(torch.tensor(x), dim=1))
    assert_same(
        F.softmin(mt.tensor([1, 2]), 0, dtype=mt.float64),
        TF.softmin(torch.tensor([1, 2]), 0, dtype=torch.float64),
    )
