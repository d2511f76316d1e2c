"""Tensor.set_, is_set_to, storage_type, as_strided_, as_subclass, resize, module_load ..."""

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import assert_same


def _both(fn):
    return fn(mt), fn(torch)


SET_CASES = {
    "tensor": lambda lib: lib.ones(2).set_(lib.arange(3.0)),
    "keyword source": lambda lib: lib.ones(2).set_(source=lib.arange(3.0)),
    "empty": lambda lib: lib.ones(2).set_(),
    "whole storage": lambda lib: lib.ones(2).set_(lib.arange(6.0).untyped_storage()),
    "offset and size": lambda lib: lib.ones(2).set_(lib.arange(6.0).untyped_storage(), 2, (2, 2)),
    "strides": lambda lib: lib.ones(2).set_(lib.arange(6.0).untyped_storage(), 2, (2, 2), (1, 2)),
    "keywords": lambda lib: lib.ones(2).set_(
        lib.arange(6.0).untyped_storage(), storage_offset=1, size=(2,), stride=(2,)
    ),
    "typed storage": lambda lib: lib.tensor([], dtype=lib.float32).set_(lib.FloatStorage([1, 2])),
    "empty view": lambda lib: lib.ones(2).set_(lib.arange(6.0).untyped_storage(), 6, (0,)),
}


@pytest.mark.parametrize("case", SET_CASES)
def test_set_matches_torch(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = _both(SET_CASES[case])
    assert_same(ours, theirs)
    assert ours.stride() == theirs.stride()


def test_set_shares_memory_with_the_source():
    x = mt.arange(6.0)
    y = mt.tensor([]).set_(x)
    y[0] = 100.0
    assert x[0].item() == 100.0 and y.is_set_to(x) and x.is_set_to(y)
    z = mt.tensor([]).set_(x.untyped_storage(), 1, (2,), (3,))
    x[4] = -1.0
    assert z.tolist() == [1.0, -1.0]
    assert z.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()


def test_set_bumps_the_version():
    y = mt.zeros(2)
    before = y._version
    y.set_(mt.ones(3))
    assert y._version == before + 1


def test_set_errors():
    with pytest.raises(RuntimeError, match="Could not set tensor of type float64"):
        mt.ones(2).set_(mt.ones(3, dtype=mt.float64))
    with pytest.raises(RuntimeError, match="Expected a Storage of type Float or an UntypedStorage"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mt.tensor([1.0]).set_(mt.DoubleStorage([1, 2, 3]))
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        mt.ones(2, requires_grad=True).set_(mt.ones(3))
    with pytest.raises(RuntimeError, match="cannot set a tensor that requires grad"):
        (mt.ones(2, requires_grad=True) * 2).set_(mt.ones(3))
    with pytest.raises(RuntimeError, match="out of bounds"):
        mt.ones(2).set_(mt.arange(6.0).untyped_storage(), 5, (2, 2))
    with pytest.raises(TypeError, match="invalid combination of arguments"):
        mt.ones(2).set_(3)


def test_is_set_to_matches_torch():
    cases = [lambda x: x, lambda x: x.view(2, 3), lambda x: x[:], lambda x: x.clone()]
    for make in cases:
        ours, theirs = mt.arange(6.0), torch.arange(6.0)
        assert ours.is_set_to(make(ours)) == theirs.is_set_to(make(theirs))
    assert mt.arange(6.0)[1:].is_set_to(mt.arange(6.0)[1:]) is False


def test_storage_type():
    assert mt.ones(2).storage_type() is mt.FloatStorage
    assert mt.ones(2, dtype=mt.complex128).storage_type() is mt.ComplexDoubleStorage


def test_as_strided_in_place_matches_torch():
    ours, theirs = mt.arange(6.0), torch.arange(6.0)
    assert ours.as_strided_((2, 2), (1, 2)) is ours
    theirs.as_strided_((2, 2), (1, 2))
    assert_same(ours, theirs)


def test_as_subclass_is_an_alias_in_the_graph():
    class Tagged(mt.Tensor):
        pass

    x = mt.ones(2, requires_grad=True)
    y = x.as_subclass(Tagged)
    assert type(y) is Tagged and y.requires_grad and not y.is_leaf
    (y * 3).sum().backward()
    assert_same(x.grad, torch.full((2,), 3.0))
    plain = mt.zeros(2)
    alias = plain.as_subclass(Tagged)
    alias.add_(1)
    assert plain.tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="does not inherit from Tensor"):
        plain.as_subclass(int)


def test_resize_out_of_place_matches_torch_and_warns():
    with pytest.warns(UserWarning, match="non-inplace resize is deprecated"):
        ours = mt.arange(4.0).resize(2, 2)
    with pytest.warns(UserWarning, match="non-inplace resize_as is deprecated"):
        ours_as = mt.arange(4.0).resize_as(mt.zeros(2, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.arange(4.0).resize(2, 2)
        assert mt.arange(4.0).resize((4, 1)).shape == (4, 1)  # torch rejects a tuple
        x = mt.tensor(np.arange(4.0), requires_grad=True)
        x.resize(2, 2).sum().backward()
        with pytest.raises(RuntimeError, match="requested resize to \\(3,\\) \\(3 elements"):
            mt.ones(2).resize(3)
    assert_same(ours, theirs)
    assert_same(ours_as, theirs)
    assert_same(x.grad, torch.ones(4, dtype=torch.float64))


def test_module_load_and_record_stream():
    target = mt.zeros(2)
    loaded = target.module_load(mt.ones(2))
    assert loaded is not target and target.tolist() == [1.0, 1.0] and loaded.tolist() == [1.0, 1.0]
    source = mt.ones(2, requires_grad=True)
    assigned = mt.zeros(2).module_load(source, assign=True)
    assert not assigned.requires_grad and np.shares_memory(
        assigned.numpy(), source.detach().numpy()
    )
    assert mt.ones(2).record_stream(mt.Stream()) is None
