"""Tensor.resize_ and resize_as_ (microtensor/ops/resizing.py) against PyTorch."""

from __future__ import annotations

import pytest
import torch

import microtensor as mt


@pytest.mark.parametrize("size", [(2, 3), (4,), (2, 2), (1, 1, 3), (0,), ()])
def test_shrinking_or_keeping_the_size_keeps_the_first_elements_as_torch(size):
    mine = mt.arange(6.0).reshape(2, 3)
    theirs = torch.arange(6.0).reshape(2, 3)
    assert mine.resize_(size).tolist() == theirs.resize_(size).tolist()
    assert mine.shape == theirs.shape


@pytest.mark.parametrize("size", [(3, 2), (2, 3), (2, 2)])
def test_a_transposed_tensor_is_resized_in_memory_order_as_torch(size):
    mine, theirs = mt.arange(6.0).reshape(2, 3).t(), torch.arange(6.0).reshape(2, 3).t()
    assert mine.resize_(size).tolist() == theirs.resize_(size).tolist()


def test_growing_keeps_the_elements_and_appends_zeros():
    x = mt.tensor([1.0, 2.0])
    version = x._version
    assert x.resize_(2, 2).tolist() == [[1.0, 2.0], [0.0, 0.0]]
    assert x._version == version + 1


def test_shrinking_shares_memory_with_the_old_elements():
    x = mt.arange(6.0)
    y = x.view(2, 3)
    x.resize_(4)
    x[0] = 9.0
    assert y[0, 0].item() == 9.0


def test_resize_as_takes_the_template_shape():
    x = mt.arange(4)
    assert mt.resize_as_(x, mt.zeros(2, 2)) is x
    assert x.tolist() == [[0, 1], [2, 3]]
    assert x.resize_as_(mt.zeros(1, 4)).shape == (1, 4)
    assert x.resize_([2, 2], memory_format=mt.contiguous_format).shape == (2, 2)


def test_errors():
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        mt.ones(2, requires_grad=True).resize_(3)
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        mt.ones(2).resize_(-1)
    with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last"):
        mt.ones(2).resize_(2, memory_format=mt.channels_last)
    assert not hasattr(mt, "resize_")  # a Tensor method only, as in torch
