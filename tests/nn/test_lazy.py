"""Lazy modules: shapes from the first input, then the ordinary layer, as torch."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import nn


@pytest.mark.parametrize(
    "make, x_shape",
    [
        (lambda lib: lib.nn.LazyLinear(3), (2, 5)),
        (lambda lib: lib.nn.LazyConv1d(4, 3), (2, 3, 9)),
        (lambda lib: lib.nn.LazyConv2d(4, 3, stride=2, padding=1), (1, 2, 7, 7)),
        (lambda lib: lib.nn.LazyConv3d(2, 2), (1, 2, 3, 3, 3)),
        (lambda lib: lib.nn.LazyConvTranspose1d(4, 3, groups=1), (2, 3, 7)),
        (lambda lib: lib.nn.LazyConvTranspose2d(4, 3), (2, 3, 4, 4)),
        (lambda lib: lib.nn.LazyBatchNorm1d(), (4, 3)),
        (lambda lib: lib.nn.LazyBatchNorm2d(affine=False), (2, 3, 2, 2)),
        (lambda lib: lib.nn.LazyBatchNorm1d(bias=False), (4, 3)),
        (lambda lib: lib.nn.LazyInstanceNorm1d(), (2, 3, 4)),
        (lambda lib: lib.nn.LazyInstanceNorm2d(track_running_stats=False), (2, 3, 4, 4)),
    ],
)
def test_lazy_layer_becomes_the_torch_layer(make, x_shape):
    seen = []
    for lib in (torch, mt):
        module = make(lib)
        before = repr(module)
        x = lib.ones(*x_shape)
        out = module(x)
        seen.append((before, repr(module), tuple(out.shape), list(module.state_dict()),
                     {k: tuple(v.shape) for k, v in module.state_dict().items()}))  # fmt: skip
    assert seen[1] == seen[0]


def test_materialised_values_match_the_ordinary_layer_drawn_from_the_same_seed():
    mt.manual_seed(3)
    lazy = nn.LazyLinear(2)
    lazy(mt.ones(1, 4))
    mt.manual_seed(3)
    plain = nn.Linear(4, 2)
    np.testing.assert_array_equal(lazy.weight.detach().numpy(), plain.weight.detach().numpy())
    assert type(lazy) is nn.Linear and type(lazy.weight) is nn.Parameter


def test_load_state_dict_materialises_and_trains():
    lazy = nn.LazyLinear(1)
    source = nn.Linear(3, 1)
    lazy.load_state_dict(source.state_dict())
    assert tuple(lazy.weight.shape) == (1, 3) and not lazy.has_uninitialized_params()
    out = lazy(mt.ones(2, 3))
    np.testing.assert_allclose(out.detach().numpy(), source(mt.ones(2, 3)).detach().numpy())
    assert type(lazy) is nn.Linear


def test_uninitialized_parameter_and_errors():
    param = nn.UninitializedParameter()
    assert repr(param) == "<UninitializedParameter>"
    param.materialize(4)
    assert type(param) is nn.Parameter and tuple(param.shape) == (4,)
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input"):
        nn.LazyConv2d(2, 3)(mt.ones(5))
