"""torch._foreach_* against torch: values, return types, in-place identity, list-length errors."""

import numpy as np
import pytest
import torch

import microtensor as mt

# name, extra arguments built from (lib, tensors) -> args after the tensor list
TWO = lambda lib, ts: [t * 0.5 + 1 for t in ts]  # noqa: E731 - a second list, positive
CASES = [
    ("_foreach_add", lambda lib, ts: (TWO(lib, ts),), {"alpha": 2}),
    ("_foreach_add", lambda lib, ts: (1.5,), {}),
    ("_foreach_sub", lambda lib, ts: (TWO(lib, ts),), {"alpha": 0.5}),
    ("_foreach_mul", lambda lib, ts: (TWO(lib, ts),), {}),
    ("_foreach_mul", lambda lib, ts: (lib.tensor(3.0),), {}),
    ("_foreach_div", lambda lib, ts: (TWO(lib, ts),), {}),
    ("_foreach_lerp", lambda lib, ts: (TWO(lib, ts), 0.25), {}),
    ("_foreach_addcmul", lambda lib, ts: (TWO(lib, ts), TWO(lib, ts), 0.5), {}),
    ("_foreach_addcdiv", lambda lib, ts: (TWO(lib, ts), TWO(lib, ts), [0.5, 2.0]), {}),
    ("_foreach_sqrt", lambda lib, ts: (), {}),
    ("_foreach_neg", lambda lib, ts: (), {}),
    ("_foreach_abs", lambda lib, ts: (), {}),
    ("_foreach_reciprocal", lambda lib, ts: (), {}),
    ("_foreach_sign", lambda lib, ts: (), {}),
    ("_foreach_maximum", lambda lib, ts: (0.5,), {}),
    ("_foreach_pow", lambda lib, ts: (2.0,), {}),
    ("_foreach_norm", lambda lib, ts: (), {}),
]


def _inputs(lib):
    data = [np.array([1.0, 4.0, 9.0]), np.array([[0.25, 2.0], [3.0, 0.5]])]
    return [lib.tensor(d, dtype=lib.float32) for d in data]


@pytest.mark.parametrize("name,extra,kwargs", CASES, ids=[c[0] for c in CASES])
def test_out_of_place_matches_torch(name, extra, kwargs):
    ours = getattr(mt, name)(_inputs(mt), *extra(mt, _inputs(mt)), **kwargs)
    theirs = getattr(torch, name)(_inputs(torch), *extra(torch, _inputs(torch)), **kwargs)
    assert type(ours) is type(theirs) is tuple
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


INPLACE = [c for c in CASES if c[0] + "_" in dir(torch) and hasattr(mt, c[0] + "_")]


@pytest.mark.parametrize("name,extra,kwargs", INPLACE, ids=[c[0] + "_" for c in INPLACE])
def test_in_place_matches_torch_and_returns_the_list(name, extra, kwargs):
    ours, theirs = _inputs(mt), _inputs(torch)
    result = getattr(mt, name + "_")(ours, *extra(mt, _inputs(mt)), **kwargs)
    expected = getattr(torch, name + "_")(theirs, *extra(torch, _inputs(torch)), **kwargs)
    assert result is ours and isinstance(expected, list)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)


def test_zero_copy_clamp_and_scalar_base_pow_match_torch():
    for lib in (mt, torch):
        ts = _inputs(lib)
        lib._foreach_clamp_max_(ts, 2.0)
        lib._foreach_clamp_min_(ts, 0.5)
        powers = lib._foreach_pow(2.0, ts)
        copies = [t.clone() for t in ts]
        lib._foreach_zero_(ts)
        lib._foreach_copy_(ts, copies, non_blocking=True)
        if lib is mt:
            ours = [t.numpy().copy() for t in (*ts, *powers)]
        else:
            for a, b in zip(ours, (*ts, *powers), strict=True):
                np.testing.assert_allclose(a, b.numpy(), rtol=1e-6)


def test_lists_of_other_lengths_are_refused():
    with pytest.raises(RuntimeError, match="Tensor lists must have the same number of tensors"):
        mt._foreach_add(_inputs(mt), [mt.ones(1)])
    with pytest.raises(TypeError, match="must be a list of tensors"):
        mt._foreach_neg(mt.ones(2))
