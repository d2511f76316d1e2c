"""torch's in-place functions at the top level (microtensor/_inplace_top_level.py): the same
tensor back, torch's values, and the gradient through the rewritten tensor."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import _inplace_top_level
from tests.helpers import assert_same

rng = np.random.default_rng(13)

# each op's domain: a float64 array it is defined (and differentiable) on
_OPEN_UNIT = rng.uniform(-0.9, 0.9, (3, 4))
_ABOVE_ONE = rng.uniform(1.1, 3.0, (3, 4))
_POSITIVE = rng.uniform(0.2, 3.0, (3, 4))
_ANY = rng.uniform(-2.0, 2.0, (3, 4))
DOMAIN = {
    **dict.fromkeys(["acos_", "asin_", "atanh_", "arccos_", "arcsin_", "arctanh_"], _OPEN_UNIT),
    **dict.fromkeys(["acosh_", "arccosh_"], _ABOVE_ONE),
    **dict.fromkeys(["log_", "log10_", "log2_", "sqrt_", "rsqrt_", "reciprocal_"], _POSITIVE),
    "log1p_": _POSITIVE,
    "logit_": rng.uniform(0.1, 0.9, (3, 4)),
}
UNARY = sorted(
    name
    for name, fn in vars(_inplace_top_level).items()
    if name in _inplace_top_level.__all__ and len(inspect.signature(fn).parameters) == 1
)
NO_GRAD = {"ceil_", "floor_", "fix_", "trunc_", "conj_physical_"}
# torch 2.13 has no derivative for these in-place forms: compare with its out-of-place op
TORCH_NO_INPLACE_GRAD = {"acosh_", "arccosh_", "asinh_", "arcsinh_", "atanh_", "arctanh_"}


@pytest.mark.parametrize("name", UNARY)
def test_unary_matches_torch(name):
    x = DOMAIN.get(name, _ANY)
    upstream = rng.standard_normal(x.shape)
    leaf_mt = mt.tensor(x, requires_grad=True)
    leaf_torch = torch.tensor(x, requires_grad=True)
    mine, theirs = leaf_mt * 1, leaf_torch * 1  # in-place on a non-leaf, as autograd allows
    assert getattr(mt, name)(mine) is mine
    if name in TORCH_NO_INPLACE_GRAD:
        theirs = getattr(torch, name[:-1])(theirs)
    else:
        assert getattr(torch, name)(theirs) is theirs
    assert_same(mine, theirs)
    mine.backward(mt.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    assert_same(leaf_mt.grad, leaf_torch.grad)
    if name not in NO_GRAD:
        assert np.abs(leaf_mt.grad.numpy()).max() > 0


CALLS = {
    "clamp_": ((_ANY,), {"min": -0.5, "max": 0.7}),
    "clip_": ((_ANY,), {"max": 0.3}),
    "clamp_max_": ((_ANY,), {"max": 0.1}),
    "clamp_min_": ((_ANY,), {"min": -0.1}),
    "xlogy_": ((_ANY, _POSITIVE), {}),
    "logit_": ((rng.uniform(0.0, 1.0, (3, 4)),), {"eps": 0.05}),
    "round_": ((_ANY * 10,), {"decimals": 1}),
    "gcd_": ((np.array([12, 18, -7]), np.array([8, 12, 21])), {}),
    "lcm_": ((np.array([4, 6, -5]), np.array([6, 8, 3])), {}),
    "ldexp_": ((_ANY, np.array([1, 2, 3, -1])), {}),
    "addmv_": ((_ANY[0, :3], _ANY, _ANY[1]), {"beta": 0.5, "alpha": 2.0}),
    "index_put_": ((_ANY, (np.array([0, 2]), np.array([1, 3])), np.array([5.0, 6.0])), {}),
}


def _both(value, tensor):
    if isinstance(value, tuple):
        return tuple(_both(v, tensor) for v in value)
    return tensor(value) if isinstance(value, np.ndarray) else value


@pytest.mark.parametrize("name", sorted(CALLS))
def test_with_arguments_matches_torch(name):
    args, kwargs = CALLS[name]
    mine, theirs = _both(args, mt.tensor), _both(args, torch.tensor)
    assert getattr(mt, name)(*mine, **kwargs) is mine[0]
    getattr(torch, name)(*theirs, **kwargs)
    assert_same(mine[0], theirs[0])


def test_nan_to_num_defaults_as_torch():
    x = np.array([np.nan, np.inf, -np.inf, 1.5])
    mine, theirs = mt.tensor(x), torch.tensor(x)
    assert mt.nan_to_num_(mine) is mine
    torch.nan_to_num_(theirs)
    assert_same(mine, theirs)
    mine, theirs = mt.tensor(x), torch.tensor(x)
    mt.nan_to_num_(mine, nan=2.0, posinf=9.0, neginf=-9.0)
    torch.nan_to_num_(theirs, nan=2.0, posinf=9.0, neginf=-9.0)
    assert_same(mine, theirs)


def test_every_function_is_torchs_and_delegates():
    for name in _inplace_top_level.__all__:
        assert hasattr(torch, name), name
        assert hasattr(mt.Tensor, name), name
        assert getattr(mt, name) is getattr(_inplace_top_level, name)


def test_inplace_on_a_leaf_that_requires_grad_raises_as_torch():
    with pytest.raises(RuntimeError):
        torch.exp_(torch.ones(2, requires_grad=True))
    with pytest.raises(RuntimeError):
        mt.exp_(mt.ones(2, requires_grad=True))
