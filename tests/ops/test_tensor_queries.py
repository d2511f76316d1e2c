import numpy as np
import pytest
import torch

import microtensor as mt


def test_predicates_match_torch():
    for data in ([1.0, 2.0], [1, 2], [True]):
        a, b = mt.tensor(data), torch.tensor(data)
        assert mt.is_tensor(a) and not mt.is_tensor(data)
        assert mt.is_floating_point(a) == torch.is_floating_point(b)
        assert mt.numel(a) == torch.numel(b)
        assert mt.typename(a) == torch.typename(b).replace("torch.", "microtensor.")
    assert mt.is_tensor(mt.nn.Parameter(mt.ones(1)))
    assert not mt.is_storage(mt.ones(1))
    assert mt.is_same_size(mt.ones(2, 3), mt.zeros(2, 3))
    assert not mt.is_same_size(mt.ones(2), mt.ones(2, 1))
    assert mt.typename(3) == "int" and mt.typename(np.float64(1)) == "numpy.float64"


@pytest.mark.parametrize("data", [[0.0], [2.5], 3, [[0]], 0])
def test_is_nonzero(data):
    assert mt.is_nonzero(mt.tensor(data)) == torch.is_nonzero(torch.tensor(data))
    assert mt.tensor(data).is_nonzero() == torch.is_nonzero(torch.tensor(data))


@pytest.mark.parametrize(("data", "message"), [([], "no values"), ([1, 2], "more than one")])
def test_is_nonzero_errors(data, message):
    with pytest.raises(RuntimeError, match=f"Boolean value of Tensor with {message}"):
        mt.is_nonzero(mt.tensor(data))
    with pytest.raises(RuntimeError, match=f"Boolean value of Tensor with {message}"):
        torch.is_nonzero(torch.tensor(data))


def test_non_tensor_inputs_raise_type_error():
    with pytest.raises(TypeError, match="is_floating_point\\(\\): argument 'input'"):
        mt.is_floating_point(3.0)
    with pytest.raises(TypeError, match="numel\\(\\): argument 'input'"):
        mt.numel([1, 2])


def test_tensor_layout_and_memory_attributes():
    t, r = mt.ones(2, 3), torch.ones(2, 3)
    assert repr(t.layout) == "microtensor.strided" and t.layout is mt.strided
    assert (t.nbytes, t.itemsize) == (r.nbytes, r.itemsize)
    assert t.share_memory_() is t and not t.is_shared()
