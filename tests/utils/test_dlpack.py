"""DLPack and NumPy interop: zero-copy exchange with NumPy and torch (microtensor.utils.dlpack)."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.utils.dlpack import from_dlpack, to_dlpack

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int8", "uint8", "bool"]


def _array(dtype):
    return (np.arange(12) % 2 == 0) if dtype == "bool" else np.arange(12).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_from_microtensor_shares_memory_and_dtype(dtype):
    t = mt.tensor(_array(dtype).reshape(3, 4))
    shared = torch.from_dlpack(t)
    assert str(shared.dtype) == str(t.dtype).replace("microtensor", "torch")
    assert shared.shape == (3, 4)
    np.testing.assert_array_equal(shared.numpy(), t.numpy())
    shared[0, 0] = ~shared[0, 0] if dtype == "bool" else 7
    assert t[0, 0].item() == shared[0, 0].item()


@pytest.mark.parametrize("dtype", DTYPES)
def test_microtensor_from_torch_shares_memory_and_dtype(dtype):
    source = torch.from_numpy(_array(dtype).reshape(3, 4))
    t = mt.from_dlpack(source)
    assert str(t.dtype) == str(source.dtype).replace("torch", "microtensor")
    source[1, 2] = True if dtype == "bool" else 5
    assert t[1, 2].item() == source[1, 2].item()
    t[2, 3] = False if dtype == "bool" else 9
    assert source[2, 3].item() == t[2, 3].item()


def test_numpy_both_ways():
    t = mt.zeros(2, 3)
    array = np.from_dlpack(t)
    array[1, 1] = 4.0
    assert t[1, 1].item() == 4.0
    back = mt.from_dlpack(array)
    back[0, 0] = -2.0
    assert t[0, 0].item() == -2.0 and array[0, 0] == -2.0


def test_strides_preserved_for_non_contiguous_views():
    base = torch.arange(24.0).reshape(4, 6)
    view = base.t()[::2]  # shape (3, 4), strides (2, 6) in elements
    t = mt.from_dlpack(view)
    assert tuple(t.shape) == (3, 4)
    assert tuple(s // 4 for s in np.asarray(t).strides) == view.stride()
    assert not t.is_contiguous()
    np.testing.assert_array_equal(t.numpy(), view.numpy())
    base[1, 2] = -1.0  # view[i, j] is base[j, 2 * i]
    assert t[1, 1].item() == -1.0

    m = mt.arange(24.0).reshape(4, 6).transpose(0, 1)
    out = torch.from_dlpack(m)
    assert out.stride() == tuple(s // 4 for s in np.asarray(m).strides) == (1, 6)
    np.testing.assert_array_equal(out.numpy(), m.numpy())


def test_read_only_source_is_shared_and_stays_read_only():
    array = np.arange(4.0)
    array.flags.writeable = False
    t = mt.from_dlpack(array)
    assert np.shares_memory(np.asarray(t), array)
    assert not np.asarray(t).flags.writeable
    # torch also shares a read-only NumPy array rather than copying it
    assert torch.from_dlpack(array).data_ptr() == array.ctypes.data


def test_capsules_round_trip_and_with_torch():
    t = mt.ones(3)
    view = from_dlpack(to_dlpack(t))
    view[2] = 5.0
    assert t.tolist() == [1.0, 1.0, 5.0]
    x = torch.zeros(2)
    y = from_dlpack(torch.utils.dlpack.to_dlpack(x))
    x[0] = 3.0
    assert y.tolist() == [3.0, 0.0]
    with pytest.raises(RuntimeError, match="clone"):  # NumPy reads bare legacy capsules read-only
        y[1] = 1.0
    z = torch.utils.dlpack.from_dlpack(to_dlpack(t))
    z[0] = -1.0
    assert t[0].item() == -1.0


def test_dlpack_protocol_methods():
    t = mt.ones(2)
    assert t.__dlpack_device__() == (1, 0) == torch.ones(2).__dlpack_device__()
    assert type(t.__dlpack__()).__name__ == "PyCapsule"
    assert mt.from_dlpack(t) is t


def test_requires_grad_cannot_be_exported_as_torch():
    t = mt.ones(2, requires_grad=True)
    with pytest.raises(BufferError, match="require gradient, use tensor.detach"):
        torch.from_dlpack(t)
    with pytest.raises(BufferError, match="require gradient"):
        to_dlpack(t)
    assert torch.from_dlpack(t.detach()).tolist() == [1.0, 1.0]


def test_errors():
    with pytest.raises(TypeError, match="expected a Tensor"):
        to_dlpack(np.ones(2))
    with pytest.raises(RuntimeError, match=r"from_dlpack\(\): expected an object with __dlpack__"):
        mt.from_dlpack([1, 2])
    with pytest.raises(BufferError, match="on the CPU"):
        mt.ones(2).__dlpack__(dl_device=(2, 0))

    class OnGpu:
        def __dlpack__(self, **kwargs):
            raise AssertionError("not reached")

        def __dlpack_device__(self):
            return (2, 0)

    with pytest.raises(RuntimeError, match=r"CPU.*device \(2, 0\)"):
        mt.from_dlpack(OnGpu())


def test_numpy_and_torch_from_numpy_share_memory():
    t = mt.zeros(3)
    np.asarray(t)[0] = 1.0
    torch.from_numpy(t.numpy())[1] = 2.0
    assert t.tolist() == [1.0, 2.0, 0.0]
    assert np.shares_memory(np.asarray(t), t.numpy())
    interface = t.__array_interface__ if hasattr(t, "__array_interface__") else None
    if interface is not None:
        assert interface["data"][0] == t.numpy().ctypes.data
