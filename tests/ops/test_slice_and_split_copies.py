"""detach/select/slice/split/view_as_* copies, unsafe_split_with_sizes and slice_inverse."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch
from tests.ops.test_view_copies import check_copy

COPIES = [
    ("select_copy", (3, 4), (1, -1)),
    ("select_copy", (3, 4), (0, 2)),
    ("slice_copy", (3, 4), ()),
    ("slice_copy", (3, 4), (1, 1, None, 2)),
    ("slice_copy", (3, 4), (-1, -3, 100)),
    ("slice_copy", (3, 4), (0, 2, 1)),
    ("split_copy", (3, 4), (2, 1)),
    ("split_copy", (5, 2), (2,)),
    ("unsafe_split_with_sizes", (3, 4), ([1, 3], 1)),
    ("unsafe_split_with_sizes", (3, 4), ([0, 3], 0)),
]


@pytest.mark.parametrize("name,shape,args", COPIES, ids=[f"{c[0]}-{c[2]}" for c in COPIES])
def test_copies_match_torch_and_do_not_share_memory(name, shape, args):
    check_copy(name, shape, args)


def test_detach_copy_is_a_detached_copy():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    out = mt.detach_copy(x)
    assert not out.requires_grad and out.grad_fn is None
    assert not np.shares_memory(out.numpy(), x.detach().numpy())
    assert_same(out, torch.detach_copy(torch.tensor([1.0, 2.0])))


def test_view_as_real_and_complex_copies_match_torch():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    assert_same(mt.view_as_real_copy(mt.tensor(z)), torch.view_as_real_copy(torch.tensor(z)))
    pairs = rng.standard_normal((2, 3, 2))
    compare_with_torch(mt.view_as_complex_copy, torch.view_as_complex_copy, [pairs], grad=False)
    source = mt.tensor(pairs)
    assert not np.shares_memory(mt.view_as_complex_copy(source).numpy(), source.numpy())


def test_slice_inverse_matches_torch_values_and_gradients():
    rng = np.random.default_rng(2)
    base = rng.standard_normal((6, 4))
    t_src = torch.tensor(base, requires_grad=True)
    t_base = torch.tensor(base, requires_grad=True)
    t_out = torch.slice_inverse(t_base[1:6:2], t_src, 0, 1, 6, 2)
    m_src = mt.tensor(base, requires_grad=True)
    m_slice = mt.tensor(base[1:6:2], requires_grad=True)
    m_out = mt.slice_inverse(m_slice, m_src, 0, 1, 6, 2)
    assert_same(m_out, t_out)
    upstream = rng.standard_normal((6, 4))
    t_grads = torch.autograd.grad(t_out, [t_base, t_src], torch.tensor(upstream))
    m_grads = mt.autograd.grad(m_out, [m_slice, m_src], mt.tensor(upstream))
    assert_same(m_grads[0], t_grads[0][1:6:2])
    assert_same(m_grads[1], t_grads[1])
    check_gradients(lambda a, b: mt.slice_inverse(a, b, 1, 0, 4, 2), [base[:, ::2], base])


def test_errors():
    x = mt.zeros(3, 4)
    for step in (0, -1):
        with pytest.raises(RuntimeError, match="slice step must be positive"):
            mt.slice_copy(x, 0, 0, 3, step)
    with pytest.raises(IndexError, match="index 5 out of range"):
        mt.select_copy(x, 1, 5)
    with pytest.raises(TypeError, match="'split_size' \\(position 2\\) must be int, not list"):
        mt.split_copy(x, [1, 3], 1)
    with pytest.raises(RuntimeError, match="split_sizes to sum exactly to 4"):
        mt.unsafe_split_with_sizes(x, [1, 2], 1)
    with pytest.raises(RuntimeError, match="only supported for complex tensors"):
        mt.view_as_real_copy(x)
    with pytest.raises(RuntimeError, match="last dimension of size 2"):
        mt.view_as_complex_copy(mt.zeros(2, 3))
    with pytest.raises(RuntimeError, match="slice step must be positive"):
        mt.slice_inverse(x, mt.zeros(6, 4), 0, 0, 6, 0)
