"""The *_copy ops: equal to the view op's result, in fresh memory, with its gradient."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

COPIES = [
    ("alias_copy", (2, 3), ()),
    ("diagonal_copy", (3, 4), (1,)),
    ("expand_copy", (2, 1), ((2, 3),)),
    ("permute_copy", (2, 3, 4), ((2, 0, 1),)),
    ("squeeze_copy", (2, 1), (1,)),
    ("unsqueeze_copy", (2,), (0,)),
    ("t_copy", (2, 3), ()),
    ("transpose_copy", (2, 3, 4), (0, 2)),
    ("view_copy", (2, 3), ((3, 2),)),
    ("unfold_copy", (5,), (0, 2, 1)),
    ("unbind_copy", (2, 3), (1,)),
    ("split_with_sizes_copy", (5, 2), ([2, 3],)),
]


@pytest.mark.parametrize("name,shape,args", COPIES, ids=[c[0] for c in COPIES])
def test_copies_match_torch_and_do_not_share_memory(name, shape, args):
    check_copy(name, shape, args)


def check_copy(name, shape, args):
    """``mt.<name>`` equals ``torch.<name>`` (values, gradients) and shares no memory."""
    x = np.random.default_rng(0).standard_normal(shape)
    mt_fn, torch_fn = getattr(mt, name), getattr(torch, name)
    compare_with_torch(lambda t: mt_fn(t, *args), lambda t: torch_fn(t, *args), [x])
    check_gradients(lambda t: mt_fn(t, *args), [x])
    source = mt.tensor(x)
    out = mt_fn(source, *args)
    for piece in out if isinstance(out, tuple) else (out,):
        assert not np.shares_memory(piece.numpy(), source.numpy())
