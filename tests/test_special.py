"""``microtensor.special`` as a namespace: torch.special's names, aliases, top-level names."""

import inspect
import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import assert_same, compare_with_torch

# torch.special names microtensor does not have, each with its reason
NOT_PROVIDED = {
    "Tensor": "torch.special re-exports the Tensor class by accident of its imports",
    "torch": "the torch module itself, imported by torch/special/__init__.py",
    "common_args": "a docstring helper of torch's",
    "multi_dim_common": "a docstring helper of torch's",
}


def test_microtensor_special_is_the_public_namespace():
    assert mt.special.__name__ == "microtensor.special"
    assert inspect.ismodule(mt.special)
    import microtensor.special as imported

    assert imported is mt.special


def test_every_torch_special_name_exists_or_is_explained():
    public = {name for name in dir(torch.special) if not name.startswith("_")}
    missing = sorted(public - set(dir(mt.special)) - set(NOT_PROVIDED))
    assert missing == []
    assert set(mt.special.__all__) == public - set(NOT_PROVIDED)
    assert set(NOT_PROVIDED) <= public  # the list only holds names torch has


X = np.array([0.3, 1.7, 2.5, 4.0])
P = np.array([0.1, 0.4, 0.75])
SHAPE = np.array([[0.5], [2.0]])  # the first argument of gammainc/gammaincc: no gradient

# name, call given the namespace and the tensor constructor, differentiable array arguments
CALLS = [
    ("gammaln", lambda sp, t, x: sp.gammaln(x), [X]),
    ("digamma", lambda sp, t, x: sp.digamma(x), [X]),
    ("psi", lambda sp, t, x: sp.psi(x), [X]),
    ("polygamma", lambda sp, t, x: sp.polygamma(2, x), [X]),
    ("multigammaln", lambda sp, t, x: sp.multigammaln(x + 1.0, 3), [X]),
    ("erf", lambda sp, t, x: sp.erf(x), [P]),
    ("erfc", lambda sp, t, x: sp.erfc(x), [P]),
    ("erfinv", lambda sp, t, x: sp.erfinv(x), [P]),
    ("expit", lambda sp, t, x: sp.expit(x), [X - 2.0]),
    ("logit", lambda sp, t, x: sp.logit(x, eps=0.2), [P]),
    ("xlogy", lambda sp, t, x, y: sp.xlogy(x, y), [X, P[:1]]),
    ("xlog1py", lambda sp, t, x, y: sp.xlog1py(x, y), [X, P[:1]]),
    ("gammainc", lambda sp, t, x: sp.gammainc(t(SHAPE), x), [X]),
    ("gammaincc", lambda sp, t, x: sp.gammaincc(t(SHAPE), x), [X]),
    ("i0", lambda sp, t, x: sp.i0(x), [X]),
    ("sinc", lambda sp, t, x: sp.sinc(x), [X]),
    ("entr", lambda sp, t, x: sp.entr(x), [P]),
    ("log1p", lambda sp, t, x: sp.log1p(x), [X]),
    ("expm1", lambda sp, t, x: sp.expm1(x), [X]),
    ("exp2", lambda sp, t, x: sp.exp2(x), [X]),
    ("softmax", lambda sp, t, x: sp.softmax(x, dim=0), [X]),
    ("log_softmax", lambda sp, t, x: sp.log_softmax(x, dim=0), [X]),
    ("logsumexp", lambda sp, t, x: sp.logsumexp(x, dim=0), [X]),
]


@pytest.mark.parametrize("name,call,arrays", CALLS, ids=[c[0] for c in CALLS])
def test_aliases_and_reexports_match_torch_special(name, call, arrays):
    compare_with_torch(
        lambda *xs: call(mt.special, mt.tensor, *xs),
        lambda *xs: call(torch.special, torch.tensor, *xs),
        arrays,
    )


def test_special_round_matches_torch():
    x = np.array([0.25, 1.55, -2.5])
    assert_same(
        mt.special.round(mt.tensor(x), decimals=1), torch.special.round(torch.tensor(x), decimals=1)
    )


# top-level torch names of the special functions, each with a Tensor method in torch
TOP_LEVEL = [
    "lgamma", "digamma", "polygamma", "mvlgamma", "i0", "sinc", "logit", "xlogy", "erfinv",
    "exp2", "hypot", "sgn", "fmax", "fmin", "copysign", "nextafter", "heaviside", "float_power",
    "frexp", "ldexp", "igamma", "igammac",
]  # fmt: skip


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_names_and_methods_exist_as_in_torch(name):
    assert callable(getattr(mt, name))
    assert hasattr(torch, name) and hasattr(torch.Tensor, name)
    assert callable(getattr(mt.Tensor, name))
    if hasattr(torch.Tensor, name + "_") and name not in ("float_power",):
        assert callable(getattr(mt.Tensor, name + "_"))


def test_names_torch_keeps_in_special_only_are_not_top_level():
    for name in ("erfcx", "ndtr", "ndtri", "log_ndtr", "entr", "xlog1py", "zeta", "i0e", "i1"):
        assert not hasattr(torch, name)
        assert not hasattr(mt, name), name


@pytest.mark.parametrize(
    "mt_fn,torch_fn", [(mt.logaddexp, torch.logaddexp), (mt.logaddexp2, torch.logaddexp2)]
)
def test_logaddexp_family_at_infinities_and_large_gaps(mt_fn, torch_fn):
    a = np.array([-np.inf, np.inf, -np.inf, 800.0, -800.0, 0.0, 1e308, np.nan])
    b = np.array([-np.inf, np.inf, 3.0, 1.0, -801.0, -1e308, 1e308, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # inf - inf in the gradient, nan as torch
        compare_with_torch(mt_fn, torch_fn, [a, b])
