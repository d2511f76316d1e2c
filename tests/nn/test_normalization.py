"""batch_norm, layer_norm, group_norm and their modules against PyTorch."""

import math

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.functional as F
from tests.helpers import assert_same, check_gradients, compare_with_torch

TF = torch.nn.functional
DTYPES = [np.float64, np.float32]


# --- the functions: (name, mt fn, torch fn, param shape from input shape) --------------------


def _bn(f):
    return lambda x, w, b: f.batch_norm(x, None, None, w, b, True, 0.1, 1e-5)


def _ln(f, k):
    return lambda x, w, b: f.layer_norm(x, tuple(x.shape[-k:]), w, b, 1e-5)


def _gn(f, groups):
    return lambda x, w, b: f.group_norm(x, groups, w, b, 1e-5)


TABLE = [
    ("batch_norm", _bn(F), _bn(TF), lambda s: (s[1],)),
    ("layer_norm_1", _ln(F, 1), _ln(TF, 1), lambda s: s[-1:]),
    ("layer_norm_2", _ln(F, 2), _ln(TF, 2), lambda s: s[-2:]),
    ("group_norm", _gn(F, 2), _gn(TF, 2), lambda s: (s[1],)),
]

GROUP_SIZE = {
    "batch_norm": lambda s: s[0] * math.prod(s[2:]),
    "layer_norm_1": lambda s: s[-1],
    "layer_norm_2": lambda s: s[-1] * s[-2],
    "group_norm": lambda s: s[1] // 2 * math.prod(s[2:]),
}

input_shapes = st.tuples(
    st.integers(2, 4),  # N
    st.sampled_from([2, 4, 6]),  # C (even: group_norm uses 2 groups)
    st.lists(st.integers(1, 3), max_size=2),
).map(lambda t: (t[0], t[1], *t[2]))


def _arrays(rng, shape, param_shape, dtype, affine=True):
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    if not affine:
        return [x, None, None]
    w = rng.standard_normal(param_shape).astype(dtype)
    b = rng.standard_normal(param_shape).astype(dtype)
    return [x, w, b]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, mt_fn, torch_fn, param_shape", TABLE, ids=[t[0] for t in TABLE])
@given(shape=input_shapes, affine=st.booleans())
def test_matches_torch(name, mt_fn, torch_fn, param_shape, dtype, shape, affine):
    if dtype == np.float32:
        # tiny groups are ill-conditioned (1/std is large): torch's float32 rounding noise is
        # then above float32 tolerances (ours is closer to the float64 result)
        assume(GROUP_SIZE[name](shape) >= 4)
    rng = np.random.default_rng(len(shape))
    arrays = _arrays(rng, shape, param_shape(shape), dtype, affine)
    compare_with_torch(mt_fn, torch_fn, arrays, rng=rng)


def _composed(x, w, b, dims, eps=1e-5):
    """The reference composition the fused op replaces."""
    mean = x.mean(dim=dims, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dim=dims, keepdim=True)
    return centered / mt.sqrt(var + eps) * w + b


@pytest.mark.parametrize("shape, dims", [((6, 5), (1,)), ((3, 4, 2, 2), (0, 2, 3))])
def test_fused_equals_composition(shape, dims):
    rng = np.random.default_rng(1)
    pshape = tuple(1 if d in dims else n for d, n in enumerate(shape))
    arrays = [rng.standard_normal(s) for s in (shape, pshape, pshape)]
    fused = mt.nn._functional._normalize_ops.Normalize.apply
    xs = [mt.tensor(a, requires_grad=True) for a in arrays]
    ys = [mt.tensor(a, requires_grad=True) for a in arrays]
    out_fused = fused(xs[0], xs[1], xs[2], dims, 1e-5)
    out_comp = _composed(*ys, dims)
    assert_same(out_fused, out_comp.detach())
    g = mt.tensor(rng.standard_normal(shape))
    for a, b in zip(
        mt.autograd.grad(out_fused, xs, g), mt.autograd.grad(out_comp, ys, g), strict=True
    ):
        assert_same(a, b)


@pytest.mark.parametrize("name, mt_fn, torch_fn, param_shape", TABLE, ids=[t[0] for t in TABLE])
def test_gradcheck_and_gradgradcheck(name, mt_fn, torch_fn, param_shape):
    rng = np.random.default_rng(2)
    shape = (3, 4, 2)
    check_gradients(mt_fn, _arrays(rng, shape, param_shape(shape), np.float64))


def test_batch_norm_eval_uses_running_stats():
    rng = np.random.default_rng(3)
    x, w, b, rm = (rng.standard_normal(s) for s in ((5, 3, 2), (3,), (3,), (3,)))
    rv = rng.uniform(0.5, 2.0, 3)
    compare_with_torch(
        lambda x, w, b: F.batch_norm(x, mt.tensor(rm), mt.tensor(rv), w, b, False),
        lambda x, w, b: TF.batch_norm(x, torch.tensor(rm), torch.tensor(rv), w, b, False),
        [x, w, b],
    )
    check_gradients(lambda x, w, b: F.batch_norm(x, mt.tensor(rm), mt.tensor(rv), w, b), [x, w, b])


def test_batch_norm_updates_running_stats_in_place():
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 10.0]])
    rm, rv = mt.zeros(2, dtype=mt.float64), mt.ones(2, dtype=mt.float64)
    F.batch_norm(mt.tensor(x), rm, rv, training=True, momentum=0.5)
    assert_same(rm, np.array([1.5, 3.0]))  # 0.5 * 0 + 0.5 * mean
    assert_same(rv, 0.5 + 0.5 * x.var(axis=0, ddof=1))  # unbiased variance


# --- modules ---------------------------------------------------------------------------------


def _twins(mt_cls, torch_cls, *args, **kwargs):
    m, t = mt_cls(*args, **kwargs).double(), torch_cls(*args, **kwargs).double()
    rng = np.random.default_rng(4)
    for (_, p), (_, tp) in zip(m.named_parameters(), t.named_parameters(), strict=True):
        value = rng.standard_normal(tuple(p.shape))
        p.data.copy_(mt.tensor(value))
        tp.data = torch.tensor(value)
    return m, t


def _step_and_compare(m, t, x, rng):
    xm, xt = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_m, out_t = m(xm), t(xt)
    assert_same(out_m, out_t)
    g = rng.standard_normal(x.shape)
    out_m.backward(mt.tensor(g))
    out_t.backward(torch.tensor(g))
    assert_same(xm.grad, xt.grad, what="input grad")
    for (name, p), (_, tp) in zip(m.named_parameters(), t.named_parameters(), strict=True):
        assert_same(p.grad, tp.grad, what=name)
    for (name, buf), (_, tbuf) in zip(m.named_buffers(), t.named_buffers(), strict=True):
        assert_same(buf, tbuf, what=name)


BN_OPTIONS = [
    {},
    {"momentum": None},
    {"momentum": 0.3, "affine": False},
    {"track_running_stats": False},
    {"affine": False, "track_running_stats": False},
]


@pytest.mark.parametrize("options", BN_OPTIONS, ids=str)
@pytest.mark.parametrize(
    "mt_cls, torch_cls, shape",
    [
        (mt.nn.BatchNorm1d, torch.nn.BatchNorm1d, (6, 3)),
        (mt.nn.BatchNorm1d, torch.nn.BatchNorm1d, (4, 3, 5)),
        (mt.nn.BatchNorm2d, torch.nn.BatchNorm2d, (2, 3, 4, 3)),
    ],
)
def test_batch_norm_module_trajectory(mt_cls, torch_cls, shape, options):
    m, t = _twins(mt_cls, torch_cls, 3, **options)
    rng = np.random.default_rng(5)
    for _ in range(3):
        _step_and_compare(m, t, rng.standard_normal(shape) * 2 + 1, rng)
    m.eval()
    t.eval()
    _step_and_compare(m, t, rng.standard_normal(shape), rng)
    if m.track_running_stats:
        assert int(m.num_batches_tracked.item()) == 3


def test_batch_norm_float32_matches_torch():
    m, t = mt.nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    x = np.random.default_rng(6).standard_normal((8, 4, 3, 3)).astype(np.float32)
    assert_same(m(mt.tensor(x)), t(torch.tensor(x)))
    assert_same(m.running_var, t.running_var)
    m.eval()
    t.eval()
    assert_same(m(mt.tensor(x)), t(torch.tensor(x)))


def test_batch_norm_state_dict_loads_torch_checkpoint():
    t = torch.nn.BatchNorm2d(3)
    rng = np.random.default_rng(7)
    for _ in range(2):
        t(torch.tensor(rng.standard_normal((4, 3, 2, 2)), dtype=torch.float32))
    t.weight.data.uniform_(0.5, 1.5)
    m = mt.nn.BatchNorm2d(3)
    state = {k: mt.tensor(v.detach().numpy()) for k, v in t.state_dict().items()}
    m.load_state_dict(state)
    assert list(m.state_dict()) == list(t.state_dict())
    assert m.num_batches_tracked.dtype == mt.int64 and m.num_batches_tracked.item() == 2
    m.eval()
    t.eval()
    x = rng.standard_normal((2, 3, 2, 2)).astype(np.float32)
    assert_same(m(mt.tensor(x)), t(torch.tensor(x)))


def test_batch_norm_loads_old_checkpoint_without_count():
    m = mt.nn.BatchNorm1d(2)
    m.num_batches_tracked.fill_(5)
    state = {k: v for k, v in m.state_dict().items() if k != "num_batches_tracked"}
    m.load_state_dict(state)
    assert m.num_batches_tracked.item() == 0


@pytest.mark.parametrize(
    "module, text",
    [
        (
            mt.nn.BatchNorm2d(16),
            "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, "
            "track_running_stats=True)",
        ),
        (
            mt.nn.BatchNorm1d(4, momentum=None, affine=False),
            "BatchNorm1d(4, eps=1e-05, momentum=None, affine=False, bias=False, "
            "track_running_stats=True)",
        ),
        (
            mt.nn.LayerNorm((3, 4)),
            "LayerNorm((3, 4), eps=1e-05, elementwise_affine=True, bias=True)",
        ),
        (
            mt.nn.LayerNorm(3, bias=False),
            "LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=False)",
        ),
        (
            mt.nn.GroupNorm(2, 4, affine=False),
            "GroupNorm(2, 4, eps=1e-05, affine=False, bias=False)",
        ),
    ],
)
def test_repr_like_torch(module, text):
    assert repr(module) == text


@pytest.mark.parametrize("options", [{}, {"elementwise_affine": False}, {"bias": False}])
def test_layer_norm_module(options):
    m, t = _twins(mt.nn.LayerNorm, torch.nn.LayerNorm, (3, 4), **options)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    rng = np.random.default_rng(8)
    _step_and_compare(m, t, rng.standard_normal((2, 3, 4)), rng)


@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_module(affine):
    m, t = _twins(mt.nn.GroupNorm, torch.nn.GroupNorm, 3, 6, affine=affine)
    rng = np.random.default_rng(9)
    _step_and_compare(m, t, rng.standard_normal((2, 6, 2, 3)), rng)


# --- errors ----------------------------------------------------------------------------------


def test_training_with_one_value_per_channel_raises():
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\[1, 3\]"):
        mt.nn.BatchNorm1d(3)(mt.randn(1, 3))
    mt.nn.BatchNorm1d(3).eval()(mt.randn(1, 3))  # fine with running statistics


@pytest.mark.parametrize(
    "module, shape, match",
    [
        (mt.nn.BatchNorm1d(3), (2, 3, 4, 5), r"BatchNorm1d: expected 2D or 3D input \(got 4D"),
        (mt.nn.BatchNorm2d(3), (2, 3, 4), r"BatchNorm2d: expected 4D input \(got 3D"),
    ],
)
def test_batch_norm_wrong_rank(module, shape, match):
    with pytest.raises(ValueError, match=match):
        module(mt.randn(*shape))


def test_batch_norm_wrong_channels():
    with pytest.raises(RuntimeError, match=r"running_mean should contain 4 elements not 3"):
        mt.nn.BatchNorm2d(3)(mt.randn(2, 4, 2, 2))


def test_batch_norm_eval_without_running_stats():
    with pytest.raises(RuntimeError, match="must be defined in evaluation mode"):
        F.batch_norm(mt.randn(2, 3), None, None, training=False)
    with pytest.raises(RuntimeError, match="at least 2 dims"):
        F.batch_norm(mt.randn(3), None, None, training=True)
    with pytest.raises(TypeError, match="input must be a Tensor"):
        F.batch_norm([1.0, 2.0], None, None, training=True)


def test_layer_norm_shape_errors():
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[4\].*\[\*, 4\].*\[2, 3\]"):
        F.layer_norm(mt.randn(2, 3), 4)
    with pytest.raises(RuntimeError, match=r"expected weight of shape \(3,\)"):
        F.layer_norm(mt.randn(2, 3), 3, mt.ones(4))


def test_group_norm_errors():
    with pytest.raises(RuntimeError, match=r"divisible by num_groups.*\[2, 3, 4\].*num_groups=2"):
        F.group_norm(mt.randn(2, 3, 4), 2)
    with pytest.raises(RuntimeError, match="expected weight with 4 elements"):
        F.group_norm(mt.randn(2, 4), 2, mt.ones(3))
    with pytest.raises(ValueError, match="num_channels must be divisible by num_groups"):
        mt.nn.GroupNorm(2, 5)
