"""The legacy storage classes (FloatStorage ...), Storage/StorageBase and storage constructors."""

import warnings

import pytest
import torch

import microtensor as mt

LEGACY = [
    "FloatStorage",
    "DoubleStorage",
    "HalfStorage",
    "BFloat16Storage",
    "LongStorage",
    "IntStorage",
    "ShortStorage",
    "CharStorage",
    "ByteStorage",
    "BoolStorage",
    "ComplexFloatStorage",
    "ComplexDoubleStorage",
]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _name(dtype):
    return str(dtype).split(".")[-1]


@pytest.mark.parametrize("name", LEGACY)
def test_class_dtype_and_constructors_match_torch(name):
    ours, theirs = getattr(mt, name), getattr(torch, name)
    assert _name(ours.dtype) == _name(theirs.dtype)
    data = [1, 0, 1]
    assert ours(data).tolist() == theirs(data).tolist()
    assert ours(4).size() == theirs(4).size() == 4 and ours().size() == 0
    assert ours(2).element_size() == theirs(2).element_size()
    assert isinstance(ours(2), mt.TypedStorage) and not isinstance(ours(2), mt.StorageBase)
    assert ours(2).type() == theirs(2).type().replace("torch", "microtensor")
    assert issubclass(ours, mt.TypedStorage)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool", "complex64", "bfloat16"])
def test_tensor_storage_is_its_dtypes_class(dtype):
    x = mt.ones(3, dtype=getattr(mt, dtype))
    t = torch.ones(3, dtype=getattr(torch, dtype))
    assert x.storage_type().__name__ == t.storage_type().__name__
    assert isinstance(x.storage(), x.storage_type())
    assert isinstance(t.storage(), t.storage_type())


def test_wrap_storage_reads_the_same_memory():
    x = mt.arange(3.0)
    wrapped = mt.FloatStorage(wrap_storage=x.untyped_storage())
    assert (
        wrapped.tolist()
        == torch.FloatStorage(wrap_storage=torch.arange(3.0).untyped_storage()).tolist()
    )
    assert wrapped.data_ptr() == x.untyped_storage().data_ptr()
    as_ints = mt.TypedStorage(wrap_storage=x.untyped_storage(), dtype=mt.int16)
    assert as_ints.size() == 6 and as_ints.dtype == mt.int16


def test_storage_aliases_as_torch():
    assert mt.Storage is mt.FloatStorage and torch.Storage is torch.FloatStorage
    assert issubclass(mt.UntypedStorage, mt.StorageBase)
    assert issubclass(torch.UntypedStorage, torch.StorageBase)
    assert isinstance(mt.ones(2).untyped_storage(), mt.StorageBase)


def test_untyped_and_typed_constructors_match_torch():
    assert mt.UntypedStorage([1, 2]).tolist() == torch.UntypedStorage([1, 2]).tolist()
    assert mt.UntypedStorage(3).size() == torch.UntypedStorage(3).size()
    assert mt.TypedStorage(3).dtype == mt.float32
    assert (
        mt.TypedStorage([1, 2], dtype=mt.int64).tolist()
        == torch.TypedStorage([1, 2], dtype=torch.int64).tolist()
    )


def test_from_buffer_matches_torch():
    raw = bytes([1, 0, 0, 0, 2, 0, 0, 0])
    assert mt.ByteStorage.from_buffer(raw).tolist() == torch.ByteStorage.from_buffer(raw).tolist()
    for order in ("little", "big"):
        assert (
            mt.IntStorage.from_buffer(raw, order).tolist()
            == torch.IntStorage.from_buffer(raw, order).tolist()
        )
    with pytest.raises(ValueError, match="byte_order must be"):
        mt.IntStorage.from_buffer(raw, "middle")


def test_constructor_errors():
    with pytest.raises(RuntimeError, match="Keyword argument 'dtype' cannot be specified"):
        mt.FloatStorage(3, dtype=mt.float64)
    with pytest.raises(TypeError, match="invalid data type 'str'"):
        mt.FloatStorage("a")
    with pytest.raises(RuntimeError, match="negative size"):
        mt.FloatStorage(-1)
    with pytest.raises(RuntimeError, match="No positional arguments"):
        mt.TypedStorage(2, wrap_storage=mt.UntypedStorage(4))
    with pytest.raises(RuntimeError, match="live on the CPU"):
        mt.UntypedStorage(2, device="cuda")
