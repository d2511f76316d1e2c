"""abs, relu, clamp/clip, maximum, minimum and where: values, kinks, dtypes, errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch

DTYPES = [np.float64, np.float32]
SHAPES = array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
PAIRS = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
TRIPLES = mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3)


def away_from(rng, shape, kink=0.0):
    """Values at least 0.1 from ``kink``, so finite differences never straddle it."""
    return np.asarray(kink + rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1.0, 1.0], shape))


# name, microtensor function, torch function (each of one tensor; kinks at 0, -0.5 and 0.5)
UNARY = [
    ("abs", mt.abs, torch.abs),
    ("absolute", mt.absolute, torch.absolute),
    ("relu", mt.relu, torch.relu),
    ("clamp", lambda x: mt.clamp(x, -0.5, 0.5), lambda x: torch.clamp(x, -0.5, 0.5)),
    ("clamp_min", lambda x: mt.clamp(x, min=-0.5), lambda x: torch.clamp(x, min=-0.5)),
    ("clip_max", lambda x: mt.clip(x, max=0.5), lambda x: torch.clip(x, max=0.5)),
]


def kink_free(rng, shape):
    """Values away from 0 and from +-0.5 (the kinks of the ops above)."""
    x = away_from(rng, shape) * 0.2
    return np.asarray(x + np.sign(x) * rng.choice([0.0, 0.5], shape))


@pytest.mark.parametrize("name,mt_fn,torch_fn", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("dtype", DTYPES)
@given(shape=SHAPES, seed=st.integers(0, 2**16))
def test_unary_matches_torch(name, mt_fn, torch_fn, dtype, shape, seed):
    rng = np.random.default_rng(seed)
    compare_with_torch(mt_fn, torch_fn, [kink_free(rng, shape).astype(dtype)], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn", UNARY, ids=[u[0] for u in UNARY])
def test_unary_gradcheck_and_gradgradcheck(name, mt_fn, torch_fn):
    check_gradients(mt_fn, [kink_free(np.random.default_rng(1), (2, 3))])


# name, microtensor function, torch function of two tensors (kink where they are equal)
BINARY = [
    ("maximum", mt.maximum, torch.maximum),
    ("minimum", mt.minimum, torch.minimum),
    ("clamp_tensor_min", lambda x, lo: mt.clamp(x, min=lo), lambda x, lo: torch.clamp(x, min=lo)),
    ("clamp_tensor_max", lambda x, hi: mt.clamp(x, max=hi), lambda x, hi: torch.clamp(x, max=hi)),
]


@pytest.mark.parametrize("name,mt_fn,torch_fn", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("dtype", DTYPES)
@given(shapes=PAIRS, seed=st.integers(0, 2**16))
def test_binary_matches_torch(name, mt_fn, torch_fn, dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes.input_shapes
    a = np.asarray(rng.standard_normal(a_shape)).astype(dtype)
    b = np.asarray(rng.choice([-1.0, 0.0, 1.0], b_shape)).astype(dtype)  # some ties with a
    a[rng.random(a_shape) < 0.2] = 0.0
    compare_with_torch(mt_fn, torch_fn, [a, b], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn", BINARY, ids=[b[0] for b in BINARY])
def test_binary_gradcheck_and_gradgradcheck(name, mt_fn, torch_fn):
    rng = np.random.default_rng(2)
    b = rng.standard_normal(3)
    check_gradients(mt_fn, [b + away_from(rng, (2, 3)), b])


@pytest.mark.parametrize("dtype", DTYPES)
@given(shapes=TRIPLES, seed=st.integers(0, 2**16))
def test_clamp_with_tensor_bounds_matches_torch(dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    # x has the result's shape: torch's backward fails when clamp broadcasts x itself
    x_shape, (lo_shape, hi_shape) = shapes.result_shape, shapes.input_shapes[1:]
    x, lo, hi = (
        np.asarray(rng.integers(-2, 3, s)).astype(dtype) for s in (x_shape, lo_shape, hi_shape)
    )
    compare_with_torch(mt.clamp, torch.clamp, [x, lo, hi], rng=rng)  # ties and lo > hi too


def test_clamp_with_tensor_bounds_gradcheck():
    rng = np.random.default_rng(3)
    lo, hi = rng.uniform(-1, 0, 3), rng.uniform(0.5, 1.5, (2, 1))
    hi[0, 0] = -2.0  # lo > hi in the first row: the result is hi
    x = np.where(rng.random((2, 3)) < 0.5, lo - 0.3, hi + 0.3)
    check_gradients(mt.clamp, [x, lo, hi])


@pytest.mark.parametrize("dtype", DTYPES)
@given(shapes=TRIPLES, seed=st.integers(0, 2**16))
def test_where_matches_torch(dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    cond_shape, a_shape, b_shape = shapes.input_shapes
    cond = np.asarray(rng.random(cond_shape) < 0.5)
    a, b = (np.asarray(rng.standard_normal(s)).astype(dtype) for s in (a_shape, b_shape))
    compare_with_torch(mt.where, torch.where, [cond, a, b], rng=rng)
    mt_fn, torch_fn = (lambda c, x: mt.where(c, x, 0.5)), (lambda c, x: torch.where(c, x, 0.5))
    compare_with_torch(mt_fn, torch_fn, [cond, a], rng=rng)


def test_where_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(4)
    cond = mt.tensor([[True, False, True], [False, False, True]])
    a, b = rng.standard_normal((2, 3)), rng.standard_normal(3)
    check_gradients(lambda a, b: mt.where(cond, a, b), [a, b])
    check_gradients(lambda a: mt.where(cond, a, 1.0) * a, [rng.standard_normal((2, 3))])


# --- behaviour at kinks and ties -------------------------------------------------------------


def _grads(mt_fn, torch_fn, *values):
    xs = [mt.tensor(v, requires_grad=True) for v in values]
    ts = [torch.tensor(v, requires_grad=True) for v in values]
    mt_fn(*xs).sum().backward()
    torch_fn(*ts).sum().backward()
    for x, t in zip(xs, ts, strict=True):
        assert_same(x.grad, t.grad)
    return [x.grad.tolist() for x in xs]


def test_maximum_and_minimum_split_ties_and_pass_nan_like_torch():
    a, b = [1.0, 2.0, 3.0, float("nan")], [1.0, 1.0, 4.0, 1.0]
    assert _grads(mt.maximum, torch.maximum, a, b) == [[0.5, 1, 0, 1], [0.5, 0, 1, 1]]
    assert _grads(mt.minimum, torch.minimum, a, b) == [[0.5, 0, 1, 1], [0.5, 1, 0, 1]]


def test_clamp_passes_gradient_at_its_bounds():
    x = [-1.0, 0.0, 1.0, 2.0, 3.0]
    assert _grads(lambda t: t.clamp(0.0, 2.0), lambda t: t.clamp(0.0, 2.0), x) == [[0, 1, 1, 1, 0]]


def test_clamp_tensor_bounds_at_ties_and_crossed_bounds_like_torch():
    # x == lo gives the gradient to x; lo > hi gives it to hi
    x, lo, hi = [0.0, 1.0, 2.0, 5.0], [0.0, 2.0, 3.0, 1.0], [1.0, 1.0, 1.0, 5.0]
    assert _grads(mt.clamp, torch.clamp, x, lo, hi) == [[1, 0, 0, 1], [0, 0, 0, 0], [0, 1, 1, 0]]
    x, lo = [0.0, 1.0, 2.0], [0.0, 1.5, 2.0]
    assert _grads(lambda a, b: mt.clamp(a, min=b), lambda a, b: torch.clamp(a, min=b), x, lo) == [
        [1, 0, 1],
        [0, 1, 0],
    ]


def test_relu_and_abs_gradient_at_zero_is_zero():
    x = [0.0, -0.0, 2.0, -2.0]
    assert _grads(mt.relu, torch.relu, x) == [[0, 0, 1, 0]]
    assert _grads(mt.abs, torch.abs, x) == [[0, 0, 1, -1]]


def test_nan_inputs_match_torch():
    nan = float("nan")
    _grads(mt.relu, torch.relu, [nan, 1.0])
    _grads(mt.abs, torch.abs, [nan, -1.0])
    _grads(lambda t: t.clamp(0.0, 2.0), lambda t: t.clamp(0.0, 2.0), [nan, 1.0])
    assert_same(mt.clamp(mt.tensor([1.0, nan]), min=nan), torch.tensor([nan, nan]))


# --- dtypes --------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_integer_inputs_keep_their_dtype(dtype):
    data = np.array([0, 3, 7], dtype=dtype) if dtype == "uint8" else np.array([-2, 0, 3], dtype)
    x, t = mt.tensor(data), torch.tensor(data)
    assert_same(mt.abs(x), torch.abs(t))
    assert_same(mt.relu(x), torch.relu(t))
    assert_same(mt.clamp(x, 0, 2), torch.clamp(t, 0, 2))
    assert_same(mt.maximum(x, mt.tensor(data[::-1].copy())), torch.maximum(t, t.flip(0)))
    assert_same(mt.where(x > 0, x, 0), torch.where(t > 0, t, 0))


@pytest.mark.parametrize(
    "make",
    [
        lambda m, x: m.clamp(x, 0.5, 1.5),
        lambda m, x: m.clamp(x, min=0.5),
        lambda m, x: m.where(x > 1, x, 0.5),
        lambda m, x: m.where(x > 1, 0.5, x),
        lambda m, x: m.relu(x),
    ],
)
def test_float32_stays_float32_with_python_floats(make):
    out = make(mt, mt.tensor([0.0, 1.0, 2.0]))
    assert out.dtype == mt.float32
    assert_same(out, make(torch, torch.tensor([0.0, 1.0, 2.0])))
    with pytest.raises(TypeError, match=r"maximum\(\): argument 'other' \(position 2\)"):
        mt.maximum(mt.tensor([1.0]), 2.5)  # as torch: both must be tensors


@pytest.mark.parametrize(
    "x,lo,hi",
    [
        (np.array([1, 2, 3]), 1.5, None),
        (np.array([1, 2, 3]), 2, None),
        (np.array([True, False]), 0, 1),
        (np.array([1.0, 2.0], np.float32), np.array(2.0), None),
        (np.array([1.0, 2.0], np.float32), np.array([2.0]), None),
        # dims win over 0-d tensors within a category; int with float32 gives float32
        (np.array([1, 2], np.int32), np.array(1.5), np.array([2.0], np.float32)),
        (np.array([1.0, 2.0], np.float32), np.array(0.5), np.array([2], np.int64)),
        (np.array([1, 2], np.int32), np.array(1.5), np.array([2], np.int64)),
        (np.array([1, 2], np.int8), np.array(1.5, np.float16), np.array([2], np.int16)),
    ],
)
def test_clamp_type_promotion_matches_torch(x, lo, hi):
    def as_arg(lib, v):
        return lib.tensor(v) if isinstance(v, np.ndarray) else v

    out = mt.clamp(mt.tensor(x), as_arg(mt, lo), as_arg(mt, hi))
    assert_same(out, torch.clamp(torch.tensor(x), as_arg(torch, lo), as_arg(torch, hi)))


@pytest.mark.parametrize("a,b", [(1.0, 0.0), (1, 0), (True, 2.5), (1, 0.5)])
def test_where_with_two_scalars_uses_torch_dtypes(a, b):
    cond = [True, False]
    assert_same(mt.where(mt.tensor(cond), a, b), torch.where(torch.tensor(cond), a, b))


def test_where_promotes_like_torch():
    cond = [True, False]
    out = mt.where(mt.tensor(cond), mt.tensor([1, 2]), 0.5)
    assert_same(out, torch.where(torch.tensor(cond), torch.tensor([1, 2]), 0.5))
    out = mt.where(mt.tensor(cond), mt.tensor([1.0, 2.0]), mt.tensor(0.5, dtype=mt.float64))
    assert out.dtype == mt.float32  # a 0-d tensor does not widen, as in torch


# --- where: forms, second order, errors --------------------------------------------------


@pytest.mark.parametrize(
    "cond", [[[True, False], [False, True]], True, False, [0.0, 2.0, -1.0], [[[1, 0, 1]]]], ids=str
)
def test_where_with_only_condition_gives_indices(cond):
    out, expected = mt.where(mt.tensor(cond)), torch.where(torch.tensor(cond))
    assert len(out) == len(expected)
    for o, e in zip(out, expected, strict=True):
        assert_same(o, e)


def test_where_accepts_numpy_masks_and_method_form():
    x = mt.tensor([1.0, -2.0])
    assert mt.where(np.array([True, False]), x, -x).tolist() == [1.0, 2.0]
    assert mt.where(np.bool_(True), x, 0.0).tolist() == [1.0, -2.0]
    assert x.where(x > 0, 0.0).tolist() == [1.0, 0.0]


def test_where_with_tensor_inputs_records_second_order_graph():
    # masks in backward formulas call where with Tensors under create_graph=True
    x = mt.tensor([0.5, -1.0, 2.0], dtype=mt.float64, requires_grad=True)
    y = mt.where(x > 0, x**3, -x)
    (g,) = mt.autograd.grad(y.sum(), x, create_graph=True)
    assert g.requires_grad and g.tolist() == [0.75, -1.0, 12.0]
    (gg,) = mt.autograd.grad(g.sum(), x)
    assert gg.tolist() == [3.0, 0.0, 12.0]
    with mt.enable_grad():
        out = mt.where(np.array([True, False, True]), g, 0.0)
    assert out.requires_grad


def test_second_derivatives_of_masked_ops_match_torch():
    values = [0.7, -1.3, 2.0, 0.2]
    fns = [
        (lambda x: mt.relu(x) * x, lambda x: torch.relu(x) * x),
        (lambda x: mt.abs(x) * x * x, lambda x: torch.abs(x) * x * x),
        (lambda x: mt.clamp(x, -1, 1) ** 2, lambda x: torch.clamp(x, -1, 1) ** 2),
        (lambda x: mt.maximum(x, x * 0.5) ** 2, lambda x: torch.maximum(x, x * 0.5) ** 2),
    ]
    for mt_fn, torch_fn in fns:
        x = mt.tensor(np.array(values), requires_grad=True)
        t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        (g,) = mt.autograd.grad(mt_fn(x).sum(), x, create_graph=True)
        (tg,) = torch.autograd.grad(torch_fn(t).sum(), t, create_graph=True)
        assert_same(mt.autograd.grad(g.sum(), x)[0], torch.autograd.grad(tg.sum(), t)[0])


X = mt.tensor([1.0, 2.0])
ERRORS = [
    (lambda: mt.clamp(X), RuntimeError, r"clamp\(\): at least one of 'min' or 'max'"),
    (
        lambda: mt.clamp(X, mt.zeros(3)),
        RuntimeError,
        r"clamp\(\): The size of tensor a \(2\) must match the size of tensor b \(3\)",
    ),
    (
        lambda: mt.clamp(X, 0.0, mt.zeros((3, 1, 5))),
        RuntimeError,
        r"clamp\(\): The size of tensor a \(2\) must match the size of tensor b \(5\)",
    ),
    (
        lambda: mt.maximum(X, mt.zeros(3)),
        RuntimeError,
        r"maximum\(\): The size of tensor a \(2\) must match",
    ),
    (lambda: mt.minimum(X, mt.zeros(3)), RuntimeError, r"minimum\(\): .*shapes \(2,\) and \(3,\)"),
    (
        lambda: mt.where(X, X, 0.0),
        RuntimeError,
        r"where\(\): expected condition to be a boolean tensor, but got a tensor with dtype "
        r"microtensor.float32",
    ),
    (
        lambda: mt.where(X > 0, mt.zeros(3), 0.0),
        RuntimeError,
        r"where\(\): The size of tensor a \(2\) must match the size of tensor b \(3\)",
    ),
    (
        lambda: mt.where(X > 0, X, mt.zeros((4, 3))),
        RuntimeError,
        r"where\(\): The size of tensor a \(2\) must match the size of tensor b \(3\) at "
        r"non-singleton dimension 1",
    ),
    (lambda: mt.where(X > 0, X), TypeError, r"where\(\): give both input and other, or neither"),
    (
        lambda: mt.abs(mt.tensor([True])),
        NotImplementedError,
        r"abs\(\): not implemented for bool tensors",
    ),
    (
        lambda: mt.relu(mt.tensor([True])),
        NotImplementedError,
        r"relu\(\): not implemented for bool tensors",
    ),
    (lambda: mt.abs(-1.0), TypeError, r"abs\(\): argument 'input' must be Tensor, not float"),
    (lambda: mt.clamp([1.0], 0.0), TypeError, r"clamp\(\): argument 'input' must be Tensor"),
]


@pytest.mark.parametrize("call,error,message", ERRORS, ids=range(len(ERRORS)))
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_numpy_ufuncs_on_tensors_stay_differentiable():
    x = mt.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = np.maximum(np.array([0.0, 0.0, 3.0]), x) + np.minimum(x, 0.0)
    assert isinstance(y, mt.Tensor)
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 0.5]  # the tie at 3 gets half


# --- fmax, fmin, heaviside -----------------------------------------------------------------

NAN_AWARE = [("fmax", mt.fmax, torch.fmax), ("fmin", mt.fmin, torch.fmin)]


@pytest.mark.parametrize("name,mt_fn,torch_fn", NAN_AWARE, ids=["fmax", "fmin"])
@pytest.mark.parametrize("dtype", DTYPES)
@given(shapes=PAIRS, seed=st.integers(0, 2**16))
def test_fmax_fmin_match_torch_with_nans_and_ties(name, mt_fn, torch_fn, dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    (sa, sb), _ = shapes
    a, b = (
        np.asarray(rng.integers(-2, 3, s) + rng.choice([0.0, np.nan], s, p=[0.8, 0.2]))
        for s in (sa, sb)
    )
    compare_with_torch(mt_fn, torch_fn, [a.astype(dtype), b.astype(dtype)], rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn", NAN_AWARE, ids=["fmax", "fmin"])
def test_fmax_fmin_gradcheck_integers_and_methods(name, mt_fn, torch_fn):
    check_gradients(mt_fn, [np.array([0.5, -1.0, 2.0]), np.array([1.0, -2.0, 0.0])])
    assert_same(
        mt_fn(mt.tensor([1, 5]), mt.tensor([3, 2])),
        torch_fn(torch.tensor([1, 5]), torch.tensor([3, 2])),
    )
    x, y = np.array([1.0, np.nan]), np.array([np.nan, 2.0])
    assert_same(
        getattr(mt.tensor(x), name)(mt.tensor(y)), getattr(torch.tensor(x), name)(torch.tensor(y))
    )


def test_heaviside_matches_torch_and_has_no_gradient():
    x = np.array([-1.5, -0.0, 0.0, 2.0, np.inf, -np.inf, np.nan])
    values = np.array([0.5])
    assert_same(
        mt.heaviside(mt.tensor(x), mt.tensor(values)),
        torch.heaviside(torch.tensor(x), torch.tensor(values)),
    )
    ints = torch.tensor([-1, 0, 2]), torch.tensor([7])
    assert_same(mt.heaviside(mt.tensor([-1, 0, 2]), mt.tensor([7])), torch.heaviside(*ints))
    assert_same(
        mt.tensor(x).heaviside(mt.tensor(values)), torch.tensor(x).heaviside(torch.tensor(values))
    )
    assert_same(
        mt.tensor(x).heaviside_(mt.tensor(values)), torch.tensor(x).heaviside_(torch.tensor(values))
    )
    with pytest.raises(RuntimeError, match="the derivative for heaviside is not implemented"):
        mt.heaviside(mt.tensor([1.0], requires_grad=True), mt.tensor([0.5])).sum().backward()


def test_heaviside_errors():
    with pytest.raises(
        RuntimeError, match="heaviside is not yet implemented for tensors with different dtypes"
    ):
        mt.heaviside(mt.tensor([-1, 0, 2]), mt.tensor([0.5]))
    with pytest.raises(
        TypeError, match=r"heaviside\(\): argument 'values' must be Tensor, not float"
    ):
        mt.heaviside(mt.tensor([1.0]), 0.5)
    with pytest.raises(RuntimeError, match=r"heaviside\(\): The size of tensor a \(2\) must match"):
        mt.heaviside(mt.ones(2), mt.ones(3))


def test_numpy_fmax_fmin_and_copysign_on_a_tensor_stay_differentiable():
    x = mt.tensor([1.0, -2.0, float("nan")], requires_grad=True)
    for ufunc, op in ((np.fmax, mt.fmax), (np.fmin, mt.fmin), (np.copysign, mt.copysign)):
        other = np.array([0.5, -1.0, 3.0], dtype=np.float32)
        out = ufunc(other, x)
        assert isinstance(out, mt.Tensor) and out.requires_grad
        assert np.array_equal(
            out.detach().numpy(), op(mt.tensor(other), x).detach().numpy(), equal_nan=True
        )


@pytest.mark.parametrize(
    "make",
    [
        lambda m, x, b: m.relu(x * 3),
        lambda m, x, b: m.clamp_max(x, b),
        lambda m, x, b: m.clamp_min(x, b),
        lambda m, x, b: m.clamp(x, b, b + 1),
        lambda m, x, b: m.clamp(x, max=0.5),
        lambda m, x, b: m.maximum(x, b),
    ],
)
def test_next_functions_list_what_torch_lists(make):
    def names(lib):
        x = lib.ones(3, requires_grad=True)
        b = lib.zeros(3, requires_grad=True)
        node = make(lib, x, b).grad_fn
        return node.name(), [None if n is None else n.name() for n, _ in node.next_functions]

    assert names(mt) == names(torch)
