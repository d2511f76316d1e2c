"""microtensor.masked against torch.masked: values, gradients, dtypes and errors."""

import math

import numpy as np
import pytest
import torch

import microtensor as mt
import microtensor.masked  # noqa: F401 - until microtensor/__init__.py imports it
from tests.helpers import assert_same, check_gradients, compare_with_torch

INF = math.inf

# (function, positional arguments after input, keyword arguments)
CASES = [
    ("sum", (1,), {"keepdim": True}),
    ("sum", ((0, 2),), {}),
    ("sum", (), {}),
    ("prod", (1,), {}),
    ("prod", ((0, 2),), {"keepdim": True}),
    ("cumsum", (1,), {}),
    ("cumprod", (2,), {}),
    ("amax", (2,), {}),
    ("amin", ((0, 1),), {"keepdim": True}),
    ("mean", (2,), {}),
    ("mean", (), {}),
    ("median", (1,), {}),
    ("median", (), {"keepdim": True}),
    ("norm", (2.0, 2), {}),
    ("norm", (1.0, (0, 1)), {}),
    ("norm", (INF, 1), {}),
    ("norm", (-INF, 2), {}),
    ("var", (2,), {}),
    ("var", (1,), {"correction": 0, "keepdim": True}),
    ("std", (2,), {"unbiased": False}),
    ("std", ((0, 1),), {}),
    ("softmax", (2,), {}),
    ("log_softmax", (1,), {}),
    ("softmin", (2,), {}),
    ("normalize", (2.0, 2), {}),
    ("normalize", (1.0, 0), {"eps": 0.5}),
    ("logsumexp", (2,), {}),
    ("logsumexp", ((1, 2),), {"keepdim": True}),
]


def _input_and_masks(seed: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """A (3, 4, 5) input; a full mask whose row [0, 1, :] is all masked out, and a (4, 1)
    mask that broadcasts (whole slices along dim 2 masked out)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 4, 5))
    full = rng.random((3, 4, 5)) < 0.6
    full[0, 1, :] = False
    return x, [full, np.array([[True], [False], [True], [True]])]


@pytest.mark.parametrize(("name", "args", "kwargs"), CASES)
def test_values_and_gradients_match_torch(name, args, kwargs):
    x, masks = _input_and_masks(0)
    ours, theirs = getattr(mt.masked, name), getattr(torch.masked, name)
    for mask in [*masks, None]:
        compare_with_torch(
            lambda t, m: ours(t, *args, **kwargs, mask=m),
            lambda t, m: theirs(t, *args, **kwargs, mask=m),
            [x, mask],
        )


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dim", [None, 1, -1])
def test_argmax_argmin_match_torch(name, dim):
    x, masks = _input_and_masks(1)
    for mask in masks:
        ours = getattr(mt.masked, name)(mt.tensor(x), dim, mask=mt.tensor(mask))
        theirs = getattr(torch.masked, name)(torch.tensor(x), dim, mask=torch.tensor(mask))
        assert_same(ours, theirs)  # float64 indices, as torch.masked casts them to input's dtype


def test_logaddexp_matches_torch():
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    x_mask, y_mask = rng.random((4, 3)) < 0.5, rng.random((3,)) < 0.5
    compare_with_torch(
        lambda a, b, m, n: mt.masked.logaddexp(a, b, input_mask=m, other_mask=n),
        lambda a, b, m, n: torch.masked.logaddexp(a, b, input_mask=m, other_mask=n),
        [x, y, x_mask, y_mask],
    )


def test_logaddexp_double_backward_is_torchs_where_one_operand_is_masked_out():
    # torch's derivative 1 / (1 + exp(a - b)) gives -inf / inf = NaN in the double backward
    x, y, mask = [0.5, -1.0], [2.0, 0.3], [True, False]
    grads = []
    for lib in (mt, torch):
        a = lib.tensor(x, dtype=lib.float64, requires_grad=True)
        b = lib.tensor(y, dtype=lib.float64, requires_grad=True)
        m = lib.tensor(mask)
        out = lib.masked.logaddexp(a, b, input_mask=m, other_mask=lib.logical_not(m))
        (ga,) = lib.autograd.grad(out.sum(), [a], create_graph=True)
        grads.append(lib.autograd.grad(ga.sum(), [b])[0])
    assert_same(*grads)
    assert np.isnan(grads[1].numpy()).any()


def test_fully_masked_slices_give_torchs_values():
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mt.float64)
    none = mt.tensor([[True, True], [False, False]])
    assert mt.masked.sum(x, 1, mask=none).tolist() == [3.0, 0.0]
    assert mt.masked.prod(x, 1, mask=none).tolist() == [2.0, 1.0]
    assert mt.masked.amax(x, 1, mask=none).tolist() == [2.0, -INF]
    assert mt.masked.amin(x, 1, mask=none).tolist() == [1.0, INF]
    assert mt.masked.logsumexp(x, 1, mask=none)[1].item() == -INF
    for fn in (mt.masked.mean, mt.masked.median, mt.masked.var, mt.masked.std):
        assert math.isnan(fn(x, 1, mask=none)[1].item()), fn.__name__
    assert np.isnan(mt.masked.softmax(x, 1, mask=none)[1].numpy()).all()
    partial = mt.tensor([True, False])
    assert mt.masked.softmax(x, 1, mask=partial)[:, 1].tolist() == [0.0, 0.0]


def test_masked_out_positions_get_zero_gradient():
    x = mt.tensor([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]], dtype=mt.float64, requires_grad=True)
    mask = mt.tensor([True, False, True])
    for name in ("sum", "prod", "mean", "amax", "norm", "var", "logsumexp"):
        args = (2.0, 1) if name == "norm" else (1,)
        (grad,) = mt.autograd.grad(getattr(mt.masked, name)(x, *args, mask=mask).sum(), [x])
        assert grad[:, 1].tolist() == [0.0, 0.0], name
        assert (grad[:, 2] != 0).all(), name


@pytest.mark.parametrize("name", ["sum", "prod", "cumsum", "amax", "argmax", "mean", "median"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "float32"])
def test_dtypes_follow_torch(name, dtype):
    x = np.array([[3, 1, 2], [5, 4, 6]]).astype(dtype)
    mask = np.array([[True, False, True], [True, True, False]])
    for kwargs in ({}, {"dtype": "float64"}):
        if name == "mean" and dtype != "float32" and not kwargs:
            continue  # an error (test_errors_are_torchs)
        mine = {k: getattr(mt, v) for k, v in kwargs.items()}
        theirs = {k: getattr(torch, v) for k, v in kwargs.items()}
        ours = getattr(mt.masked, name)(mt.tensor(x), 1, **mine, mask=mt.tensor(mask))
        expected = getattr(torch.masked, name)(
            torch.tensor(x), 1, **theirs, mask=torch.tensor(mask)
        )
        assert_same(ours, expected, what=f"{name} {dtype} {kwargs}")


def test_var_and_std_of_integers_are_float32():
    x = np.array([[3, 1, 2], [5, 4, 6]], dtype=np.int64)
    for name in ("var", "std"):
        ours = getattr(mt.masked, name)(mt.tensor(x), 1, mask=mt.tensor([True, True, False]))
        expected = getattr(torch.masked, name)(torch.tensor(x), 1, mask=torch.tensor([1, 1, 0]))
        assert_same(ours, expected)


@pytest.mark.parametrize(
    ("fn", "label"),
    [
        (lambda x, m: mt.masked.sum(x, (0, 1), mask=m), "sum"),
        (lambda x, m: mt.masked.var(x, 1, mask=m), "var"),
        (lambda x, m: mt.masked.softmax(x, 1, mask=m), "softmax"),
        (lambda x, m: mt.masked.normalize(x, 2.0, 1, mask=m), "normalize"),
        (lambda x, m: mt.masked.prod(x, 1, mask=m), "prod"),
    ],
)
def test_gradcheck(fn, label):
    rng = np.random.default_rng(3)
    mask = mt.tensor([[True, False, True, True], [True, True, True, False]])
    check_gradients(lambda x: fn(x, mask), [rng.standard_normal((2, 4))])


def test_errors_are_torchs():
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="Could not infer output dtype"):
        mt.masked.mean(mt.tensor([1, 2]), mask=mt.tensor([True, False]))
    with pytest.raises(ValueError, match="no fully masked out rows"):
        mt.masked.median(mt.tensor([1, 2]), 0, mask=mt.tensor([False, False]))
    with pytest.raises(IndexError, match="mask dimensionality higher"):
        mt.masked.sum(mt.tensor([1.0, 2.0]), mask=mt.tensor([[True, False]]))
    with pytest.raises(AssertionError, match="Only one of unbiased and correction"):
        mt.masked.var(x, 1, True, correction=0, mask=mt.tensor([True, True]))
    with pytest.raises(RuntimeError, match="appears multiple times"):
        mt.masked.sum(x, (1, -1), mask=mt.tensor([True, True]))
    with pytest.raises(IndexError, match="Dimension out of range"):
        mt.masked.amax(x, 2, mask=mt.tensor([True, True]))
    with pytest.raises(RuntimeError, match="logaddexp"):
        mt.masked.logaddexp(x, mt.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(NotImplementedError):
        mt.masked.logaddexp(mt.tensor([1, 2]), mt.tensor([1, 2]))


@pytest.mark.parametrize("name", ["mean", "logsumexp", "var", "std"])
def test_complex_values_dtypes_and_gradients_match_torch(name):
    # torch.masked.var / std of a complex input return a complex (real-valued) tensor
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    upstream = rng.standard_normal(3) + 1j * rng.standard_normal(3)
    mask = rng.random((3, 4)) < 0.7
    for m in (mask, None):
        results = []
        for lib in (mt, torch):
            z = lib.tensor(x, requires_grad=True)
            out = getattr(lib.masked, name)(z, 1, mask=None if m is None else lib.tensor(m))
            (grad,) = lib.autograd.grad(out, [z], lib.tensor(upstream))
            results.append((out, grad))
        for what, ours, theirs in zip(("output", "gradient"), *results, strict=True):
            assert ours.dtype == mt.complex128, f"{name} {what}: {ours.dtype}"
            np.testing.assert_allclose(
                ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-10, err_msg=what
            )
