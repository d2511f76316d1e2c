"""conj, real, imag, resolve_conj ... on real tensors: the tensor itself, as in PyTorch."""

import numpy as np
import pytest
import torch

import microtensor as mt

IDENTITIES = ["conj", "conj_physical", "resolve_conj", "resolve_neg", "real"]


@pytest.mark.parametrize("name", IDENTITIES)
def test_identities_return_the_tensor_itself_as_torch(name):
    for data in ([1.0, -2.0], [1, 2]):
        x, tx = mt.tensor(data), torch.tensor(data)
        assert getattr(mt, name)(x) is x
        assert getattr(torch, name)(tx) is tx
    x = mt.tensor([1.5, -2.0], requires_grad=True)
    y = getattr(mt, name)(x) * 3.0
    assert mt.autograd.grad(y.sum(), x)[0].tolist() == [3.0, 3.0]
    if name != "real":
        assert getattr(x, name)() is x
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'input' must be Tensor"):
        getattr(mt, name)([1.0])


def test_real_and_imag_attributes_and_predicates_match_torch():
    x, tx = mt.tensor(np.array([1.0, -2.0])), torch.tensor(np.array([1.0, -2.0]))
    assert x.real is x and tx.real is tx
    for mod, t in ((mt, x), (torch, tx)):
        with pytest.raises(
            RuntimeError, match="imag is not implemented for tensors with non-complex"
        ):
            mod.imag(t)
        with pytest.raises(RuntimeError, match="imag is not implemented"):
            t.imag  # noqa: B018 - the attribute access is what raises
        assert mod.is_complex(t) is False and t.is_complex() is False
        assert mod.is_conj(t) is False and t.is_neg() is False
    assert x.conj_physical_() is x
