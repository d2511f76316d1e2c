"""broadcast_shapes, broadcast_tensors, atleast_1d, atleast_2d, atleast_3d."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch


@pytest.mark.parametrize(
    "shapes", [((2, 1), (3,), 1), ((),), ((0, 1), (1, 4)), ((1,), (2, 1, 1))], ids=str
)
def test_broadcast_shapes_and_tensors_match_torch(shapes):
    assert tuple(mt.broadcast_shapes(*shapes)) == tuple(torch.broadcast_shapes(*shapes))
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((s,) if isinstance(s, int) else s) for s in shapes]
    compare_with_torch(
        lambda *ts: mt.broadcast_tensors(*ts), lambda *ts: torch.broadcast_tensors(*ts), arrays
    )
    check_gradients(lambda *ts: mt.broadcast_tensors(*ts), arrays)


def test_broadcast_errors():
    with pytest.raises(RuntimeError, match=r"Attempting to broadcast a dimension of length 4"):
        mt.broadcast_shapes((2, 3), (4,))
    with pytest.raises(RuntimeError, match=r"negative dimension"):
        mt.broadcast_shapes((-1,), (2,))
    with pytest.raises(RuntimeError, match=r"broadcast_tensors\(\): The size of tensor a \(2\)"):
        mt.broadcast_tensors(mt.ones(2), mt.ones(3))
    a, b = mt.broadcast_tensors([mt.ones(2, 1), mt.ones(3)])
    assert a.shape == b.shape == (2, 3)


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 1, 3), (1, 2, 3, 1)], ids=str)
def test_atleast_matches_torch(name, shape):
    x = np.random.default_rng(1).standard_normal(shape)
    compare_with_torch(getattr(mt, name), getattr(torch, name), [x])
    compare_with_torch(
        lambda a, b: getattr(mt, name)(a, b), lambda a, b: getattr(torch, name)(a, b), [x, x]
    )
    out = getattr(mt, name)([mt.tensor(x)])
    assert isinstance(out, tuple) and out[0].shape == getattr(torch, name)(torch.tensor(x)).shape
    check_gradients(getattr(mt, name), [x])
