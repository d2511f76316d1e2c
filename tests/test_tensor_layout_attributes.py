"""The layout attributes a program checks: is_sparse ... is_xla, storage_offset(), dim_order(),
to_dense() (microtensor/_dim_order.py and the properties in _tensor_methods.py)."""

from __future__ import annotations

import pytest
import torch

import microtensor as mt

FLAGS = (
    "is_sparse is_sparse_csr is_quantized is_nested is_meta is_mkldnn is_mps is_xpu is_vulkan "
    "is_ipu is_maia is_mtia is_xla"
).split()


@pytest.mark.parametrize("name", FLAGS)
def test_backend_flags_are_false_properties_as_torch(name):
    assert getattr(mt.ones(2), name) is False
    assert getattr(torch.ones(2), name) is False
    assert isinstance(getattr(mt.Tensor, name), property)


# the same view, built the same way in both libraries
VIEWS = {
    "whole": lambda x: x,
    "row slice": lambda x: x[1:],
    "inner slice": lambda x: x[:, 1, 2:],
    "transpose then index": lambda x: x.transpose(0, 1)[1],
    "step": lambda x: x[:, ::2, 1::2],
    "select": lambda x: x[1, 2],
    "reshape of slice": lambda x: x[1].reshape(12)[5:],
    "narrow": lambda x: x.narrow(2, 1, 2),
    "expand of slice": lambda x: x[1, :, 3:].expand(2, 3, 1),
    "copy": lambda x: x[1:] + 0,
}


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_storage_offset_is_torchs(view):
    mine = VIEWS[view](mt.arange(24.0).reshape(2, 3, 4))
    theirs = VIEWS[view](torch.arange(24.0).reshape(2, 3, 4))
    assert mine.tolist() == theirs.tolist()
    assert mine.storage_offset() == theirs.storage_offset()


LAYOUTS = {
    "contiguous": lambda x: x,
    "transposed": lambda x: x.transpose(0, 2),
    "permuted": lambda x: x.permute(1, 2, 0),
    "channels last": lambda x: x.unsqueeze(0).permute(0, 3, 1, 2),
    "size one": lambda x: x[:, :1],
    "size one transposed": lambda x: x[:, :1].transpose(0, 2),
    "expanded": lambda x: x[:1].expand(3, 3, 4),
    "vector": lambda x: x[0, 0],
    "scalar": lambda x: x[0, 0, 0],
    "stepped": lambda x: x[:, ::2].transpose(1, 2),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_dim_order_is_torchs(layout):
    mine = LAYOUTS[layout](mt.arange(24.0).reshape(2, 3, 4))
    theirs = LAYOUTS[layout](torch.arange(24.0).reshape(2, 3, 4))
    assert mine.stride() == theirs.stride()
    assert mine.dim_order() == theirs.dim_order()
    try:
        expected = theirs.dim_order(ambiguity_check=True)
    except RuntimeError as error:
        with pytest.raises(RuntimeError, match=str(error)[:30]):
            mine.dim_order(ambiguity_check=True)
    else:
        assert mine.dim_order(ambiguity_check=True) == expected


def test_to_dense_is_self_for_a_dense_tensor():
    x = mt.ones(2, 3, requires_grad=True)
    assert x.to_dense() is x
    y = x.to_dense(mt.float64)
    assert y.dtype == mt.float64 and y.requires_grad
    y.sum().backward()
    assert x.grad.tolist() == [[1.0] * 3] * 2
    assert torch.ones(2).to_dense(torch.float64).dtype == torch.float64
