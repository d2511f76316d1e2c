"""Tensor methods PyTorch programs use: in-place forms, aliases, strides, ``new``.

Every in-place method is checked against PyTorch: its values, that it returns self and bumps the
version counter, and (for differentiable ones) the gradient through it on a non-leaf for a
random upstream gradient.
"""

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch

RNG = np.random.default_rng(0)


def _x(low=-2.0, high=2.0, shape=(2, 3)):
    return RNG.uniform(low, high, shape)


UNIT = (-0.9, 0.9)
POSITIVE = (0.2, 3.0)
ABOVE_ONE = (1.1, 3.0)
ANY = (-2.0, 2.0)

# name, extra arguments (arrays become tensors), input domain, differentiable
INPLACE_TABLE = [
    ("acos_", (), UNIT, True),
    ("arccos_", (), UNIT, True),
    ("asin_", (), UNIT, True),
    ("arcsin_", (), UNIT, True),
    ("atan_", (), ANY, True),
    ("arctan_", (), ANY, True),
    ("atan2_", (_x(0.5, 2.0),), ANY, True),
    ("arctan2_", (_x(0.5, 2.0),), ANY, True),
    ("acosh_", (), ABOVE_ONE, True),
    ("arccosh_", (), ABOVE_ONE, True),
    ("asinh_", (), ANY, True),
    ("arcsinh_", (), ANY, True),
    ("atanh_", (), UNIT, True),
    ("arctanh_", (), UNIT, True),
    ("cos_", (), ANY, True),
    ("cosh_", (), ANY, True),
    ("sin_", (), ANY, True),
    ("sinh_", (), ANY, True),
    ("tan_", (), UNIT, True),
    ("expm1_", (), ANY, True),
    ("log10_", (), POSITIVE, True),
    ("log1p_", (), POSITIVE, True),
    ("log2_", (), POSITIVE, True),
    ("reciprocal_", (), POSITIVE, True),
    ("rsqrt_", (), POSITIVE, True),
    ("square_", (), ANY, True),
    ("negative_", (), ANY, True),
    ("absolute_", (), POSITIVE, True),
    ("float_power_", (1.7,), POSITIVE, True),
    ("fmod_", (0.7,), ANY, True),
    ("remainder_", (0.7,), ANY, True),
    ("true_divide_", (_x(0.5, 2.0),), ANY, True),
    ("divide_", (_x(0.5, 2.0),), ANY, True),
    ("multiply_", (_x(),), ANY, True),
    ("subtract_", (_x(),), ANY, True),
    ("clamp_min_", (0.1,), ANY, True),
    ("clamp_max_", (0.1,), ANY, True),
    ("nan_to_num_", (), ANY, True),
    ("addmm_", (_x(shape=(2, 4)), _x(shape=(4, 3))), ANY, True),
    ("addr_", (_x(shape=(2,)), _x(shape=(3,))), ANY, True),
    ("addbmm_", (_x(shape=(5, 2, 4)), _x(shape=(5, 4, 3))), ANY, True),
    ("cumsum_", (1,), ANY, True),
    ("cumprod_", (1,), ANY, True),
    ("tril_", (), ANY, True),
    ("triu_", (1,), ANY, True),
    ("ceil_", (), ANY, False),
    ("floor_", (), ANY, False),
    ("round_", (), ANY, False),
    ("trunc_", (), ANY, False),
    ("fix_", (), ANY, False),
    ("sign_", (), ANY, False),
    ("floor_divide_", (0.7,), ANY, False),
    ("eq_", (_x().round(),), ANY, False),
    ("ne_", (0.5,), ANY, False),
    ("not_equal_", (0.5,), ANY, False),
    ("lt_", (_x(),), ANY, False),
    ("less_", (_x(),), ANY, False),
    ("le_", (0.0,), ANY, False),
    ("less_equal_", (0.0,), ANY, False),
    ("gt_", (_x(),), ANY, False),
    ("greater_", (_x(),), ANY, False),
    ("ge_", (0.0,), ANY, False),
    ("greater_equal_", (0.0,), ANY, False),
    ("logical_and_", (_x().round(),), ANY, False),
    ("logical_or_", (_x().round(),), ANY, False),
    ("logical_xor_", (_x().round(),), ANY, False),
    ("logical_not_", (), ANY, False),
]


def _args(lib, extra):
    return [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in extra]


@pytest.mark.parametrize(("name", "extra", "domain", "differentiable"), INPLACE_TABLE)
def test_in_place_method_matches_torch(name, extra, domain, differentiable):
    x = (
        RNG.uniform(*domain, (2, 3)).round(1)
        if not differentiable
        else RNG.uniform(*domain, (2, 3))
    )
    mine, theirs = mt.tensor(x), torch.tensor(x)
    version = mine._version
    returned = getattr(mine, name)(*_args(mt, extra))
    getattr(theirs, name)(*_args(torch, extra))
    assert returned is mine
    assert mine._version == version + 1
    assert_same(mine, theirs, what=name)


@pytest.mark.parametrize(
    ("name", "extra", "domain"), [(n, e, d) for n, e, d, diff in INPLACE_TABLE if diff]
)
def test_in_place_method_gradient_matches_torch(name, extra, domain):
    x = RNG.uniform(*domain, (2, 3))
    arrays = [x, *extra]

    def run(lib, method):
        return lambda a, *rest: getattr(a * 1, method)(*rest)

    # PyTorch has no derivative for in-place acosh (NotImplementedError at backward); the
    # out-of-place one is the reference
    inverse_hyperbolic = ("acosh_", "arccosh_", "asinh_", "arcsinh_", "atanh_", "arctanh_")
    reference = name.removesuffix("_") if name in inverse_hyperbolic else name
    compare_with_torch(run(mt, name), run(torch, reference), arrays)


def test_in_place_gradcheck_and_gradgradcheck():
    def fn(a, b):
        y = a * 1
        y.atan2_(b)
        y.sinh_()
        return y.addmm_(a.T.matmul(b) * 0 + b[:, :2].T.matmul(a)[:2, :2], a[:2, :2] * 1)

    a, b = RNG.uniform(0.5, 1.0, (2, 2)), RNG.uniform(0.5, 1.0, (2, 2))
    check_gradients(fn, [a, b])


def test_in_place_on_a_leaf_that_requires_grad_raises():
    x = mt.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="sin_: a leaf Variable that requires grad"):
        x.sin_()
    with pytest.raises(RuntimeError, match="t_: a leaf Variable that requires grad"):
        x.t_()


def test_in_place_float_result_into_an_integer_tensor_raises():
    x = mt.arange(6)
    with pytest.raises(RuntimeError, match="sin_: result type microtensor.float32 can't be cast"):
        x.sin_()


def test_addmv_and_baddbmm_in_place_with_beta_alpha():
    mats = [RNG.standard_normal((3,)), RNG.standard_normal((3, 4)), RNG.standard_normal((4,))]
    batch = [RNG.standard_normal(s) for s in ((2, 3, 5), (2, 3, 4), (2, 4, 5))]
    for name, arrays in (("addmv_", mats), ("baddbmm_", batch)):

        def run(lib, name=name):
            return lambda s, m, v: getattr(s * 1, name)(m, v, beta=0.5, alpha=2.0)

        compare_with_torch(run(mt), run(torch), arrays)


def test_bitwise_methods_match_torch():
    a, b = np.array([5, 3, -8, 0]), np.array([3, 6, 7, -1])
    for name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
        assert_same(
            getattr(mt.tensor(a), name)(mt.tensor(b)),
            getattr(torch.tensor(a), name)(torch.tensor(b)),
            what=name,
        )
        mine, theirs = mt.tensor(a), torch.tensor(a)
        assert getattr(mine, name + "_")(mt.tensor(b)) is mine
        getattr(theirs, name + "_")(torch.tensor(b))
        assert_same(mine, theirs, what=name + "_")
    assert_same(mt.tensor(a).bitwise_not(), torch.tensor(a).bitwise_not())
    mine, theirs = mt.tensor(a), torch.tensor(a)
    mine.bitwise_not_()
    theirs.bitwise_not_()
    assert_same(mine, theirs)


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("t_", ()),
        ("transpose_", (0, 2)),
        ("swapaxes_", (1, 2)),
        ("swapdims_", (-1, 0)),
        ("squeeze_", ()),
        ("squeeze_", (1,)),
        ("unsqueeze_", (-1,)),
    ],
)
def test_in_place_view_ops_change_the_shape_and_keep_the_gradient(name, args):
    x = RNG.standard_normal((3, 1, 2) if name != "t_" else (3, 2))
    upstream = None
    results = []
    for lib in (mt, torch):
        leaf = lib.tensor(x, requires_grad=True)
        y = leaf * 2
        returned = getattr(y, name)(*args)
        assert returned is y
        if upstream is None:
            upstream = RNG.standard_normal(tuple(y.shape))
        (y * lib.tensor(upstream)).sum().backward()
        results.append((y, leaf.grad))
    assert tuple(results[0][0].shape) == tuple(results[1][0].shape)
    assert results[0][0].stride() == results[1][0].stride()
    assert_same(results[0][0], results[1][0])
    assert_same(results[0][1], results[1][1])


def test_in_place_view_op_shares_memory_with_the_original():
    x = mt.zeros(2, 3)
    view = x[:]
    view.t_()
    view[0, 1] = 5.0
    assert x[1, 0].item() == 5.0


def test_aliases_match_torch():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    for name in ("greater", "greater_equal", "less", "less_equal", "not_equal"):
        assert_same(
            getattr(mt.tensor(a), name)(mt.tensor(b)),
            getattr(torch.tensor(a), name)(torch.tensor(b)),
            what=name,
        )
    assert_same(mt.tensor(a).fix(), torch.tensor(a).fix())
    assert mt.tensor(a).ndimension() == 2
    x = RNG.standard_normal((2, 3, 4))
    assert_same(mt.tensor(x).moveaxis(0, -1), torch.tensor(x).moveaxis(0, -1))
    v, w = RNG.standard_normal(3), RNG.standard_normal(4)
    compare_with_torch(lambda p, q: p.ger(q), lambda p, q: p.ger(q), [v, w])
    compare_with_torch(lambda p: p.hardshrink(0.3), lambda p: p.hardshrink(0.3), [a])
    compare_with_torch(
        lambda p: p.unsafe_split_with_sizes([1, 2], 1),
        lambda p: p.unsafe_split_with_sizes([1, 2], 1),
        [a],
    )
    weight = np.array([0.25])
    compare_with_torch(lambda p, q: p.prelu(q), lambda p, q: p.prelu(q), [a, weight])


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.ones(2, 3, 4),
        lambda lib: lib.ones(2, 1, 3),
        lambda lib: lib.ones(0, 3),
        lambda lib: lib.ones(3, 4).t(),
        lambda lib: lib.ones(3, 4)[:, ::2],
        lambda lib: lib.ones(3, 4)[1:, 1:3],
        lambda lib: lib.ones(3).expand(2, 3),
        lambda lib: lib.ones(2, 3, 4).permute(2, 0, 1),
        lambda lib: lib.tensor(5.0),
    ],
)
def test_stride_matches_torch(make):
    mine, theirs = make(mt), make(torch)
    assert mine.stride() == theirs.stride()
    for dim in range(-mine.ndim, mine.ndim):
        assert mine.stride(dim) == theirs.stride(dim)


def test_stride_of_a_bad_dim_raises():
    with pytest.raises(IndexError, match="stride"):
        mt.ones(2, 3).stride(2)


def test_data_ptr_is_the_address_of_the_first_element():
    x = mt.zeros(4, 5, dtype=mt.float64)
    assert x.data_ptr() == x.numpy().ctypes.data
    assert x[1].data_ptr() - x.data_ptr() == 5 * 8
    assert x.view(20).data_ptr() == x.data_ptr()
    assert x.clone().data_ptr() != x.data_ptr()
    assert x.const_data_ptr() == x.data_ptr()


def test_new_follows_torch():
    for lib in (mt, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64)
        assert x.new().shape == (0,) and x.new().dtype == lib.float64
        assert tuple(x.new(2, 3).shape) == (2, 3) and x.new(2, 3).dtype == lib.float64
        assert tuple(x.new(lib.Size([4, 1])).shape) == (4, 1)
        assert x.new([3, 4]).tolist() == [3.0, 4.0] and x.new([3, 4]).dtype == lib.float64
        assert x.new((2, 3)).tolist() == [2.0, 3.0]


def test_queries_match_torch():
    for dtype in ("float32", "int64", "uint8", "bool", "int8"):
        mine, theirs = (
            mt.zeros(2, dtype=getattr(mt, dtype)),
            torch.zeros(2, dtype=getattr(torch, dtype)),
        )
        assert mine.is_signed() == theirs.is_signed(), dtype
    assert mt.ones(2, 3).is_same_size(mt.zeros(2, 3))
    assert not mt.ones(2, 3).is_same_size(mt.zeros(3, 2))
    assert mt.ones(1).is_cpu


def test_apply_map_and_map2_match_torch():
    x, other, third = RNG.standard_normal((2, 3)), RNG.standard_normal(3), RNG.standard_normal(3)
    results = []
    for lib in (mt, torch):
        a = lib.tensor(x)
        assert a.apply_(lambda v: v * 2 + 1) is a
        b = lib.tensor(x).map_(lib.tensor(other), lambda p, q: p * q - 1)
        c = lib.tensor(x).map2_(lib.tensor(other), lib.tensor(third), lambda p, q, r: p + q * r)
        ints = lib.tensor([1, 2, -3]).apply_(lambda v: v * 1.7)
        bools = lib.zeros(2, dtype=lib.bool).apply_(lambda v: 1)
        results.append((a, b, c, ints, bools))
    for mine, theirs in zip(*results, strict=True):
        assert_same(mine, theirs)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda lib: lib.ones(2, requires_grad=True).apply_(abs),
            RuntimeError,
            r"Can't call apply_\(\) on Variable that requires grad",
        ),
        (
            lambda lib: lib.ones(2).map_(lib.ones(2, requires_grad=True), max),
            RuntimeError,
            r"Can't call map_\(\) on Variable that requires grad",
        ),
        (
            lambda lib: lib.ones(2).map_([1.0, 2.0], max),
            TypeError,
            r"map_\(\): argument 'other' \(position 1\) must be Tensor, not list",
        ),
        (
            lambda lib: lib.ones(2).map_(lib.ones(2, dtype=lib.float64), max),
            TypeError,
            r"map_: expected \w+.FloatTensor for 'other' \(got \w+.DoubleTensor\)",
        ),
        (
            lambda lib: lib.ones(3).map_(lib.ones(2, 3), max),
            RuntimeError,
            "cannot be broadcast|expand",
        ),
    ],
)
def test_apply_and_map_errors_follow_torch(call, error, message):
    for lib in (mt, torch):
        with pytest.raises(error, match=message):
            call(lib)


def test_is_inference_is_false_for_tensors_made_in_inference_mode():
    with mt.inference_mode():
        x = mt.ones(2) * 2
    assert x.is_inference() is False and not x.requires_grad


def test_volatile_warns_as_torch():
    for lib in (mt, torch):
        x = lib.ones(2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert x.volatile is False
            x.volatile = True
        assert [str(w.message) for w in caught] == [
            "volatile was removed (Variable.volatile is always False)",
            "volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
        ]
        assert [w.filename for w in caught] == [__file__, __file__]


def test_in_place_view_op_invalidates_a_saved_tensor_as_torch():
    for lib in (mt, torch):
        x = lib.ones(2, 3, requires_grad=True)
        y = x * 2
        z = (y * y).sum()
        y.t_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.backward()


@pytest.mark.parametrize(
    "expression",
    [
        "x << 2",
        "3 << x",
        "x >> 1",
        "64 >> x",
        "x << y",
        "x >> y",
        "x & 6",
        "6 | x",
        "x ^ y",
    ],
)
def test_shift_and_bitwise_operators_equal_torchs(expression):
    got = eval(expression, {"x": mt.tensor([5, 3, 0, 7]), "y": mt.tensor([1, 2, 3, 0])})
    expected = eval(expression, {"x": torch.tensor([5, 3, 0, 7]), "y": torch.tensor([1, 2, 3, 0])})
    assert got.tolist() == expected.tolist() and str(got.dtype)[12:] == str(expected.dtype)[6:]


@pytest.mark.parametrize("operator", ["<<=", ">>=", "&=", "|=", "^=", "//=", "%="])
def test_augmented_operators_change_the_tensor_in_place_as_torchs(operator):
    results = []
    for lib in (mt, torch):
        x = lib.tensor([7, 3, 12, 5])
        alias = x
        namespace = {"x": x}
        exec(f"x {operator} lib.tensor([1, 2, 3, 2])", {"lib": lib}, namespace)
        assert namespace["x"] is alias  # in place: the same tensor, as torch's
        results.append(alias.tolist())
    assert results[0] == results[1]


def test_shifting_a_float_tensor_raises_torchs_error():
    with pytest.raises(NotImplementedError, match="lshift_cpu"):
        mt.tensor([1.5]) << 1
    with pytest.raises(NotImplementedError, match="lshift_cpu"):
        torch.tensor([1.5]) << 1
