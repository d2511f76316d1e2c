"""torch.from_file against torch: copies, shared mappings, sizes and errors."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import assert_same


@pytest.fixture
def path(tmp_path):
    file = tmp_path / "values.bin"
    np.arange(4, dtype=np.float32).tofile(file)
    return str(file)


@pytest.mark.parametrize("shared", [None, False, True])
@pytest.mark.parametrize(
    ("size", "dtype"),
    [(4, "float32"), (2, "float32"), (0, "float32"), (2, "float64"), (16, "uint8")],
)
def test_matches_torch(path, shared, size, dtype):
    ours = mt.from_file(path, shared, size, dtype=getattr(mt, dtype))
    theirs = torch.from_file(path, shared, size, dtype=getattr(torch, dtype))
    assert_same(ours, theirs)


def test_shared_writes_reach_the_file_and_a_copy_does_not(path):
    copy = mt.from_file(path, False, 4)
    copy[1] = 7.0
    assert np.fromfile(path, np.float32).tolist() == [0.0, 1.0, 2.0, 3.0]
    mapped = mt.from_file(path, True, 4)
    mapped[0] = 9.0
    assert np.fromfile(path, np.float32).tolist() == [9.0, 1.0, 2.0, 3.0]


def test_shared_creates_and_extends_the_file(tmp_path):
    fresh = tmp_path / "fresh.bin"
    assert mt.from_file(str(fresh), True, 3).tolist() == [0.0, 0.0, 0.0]
    assert fresh.stat().st_size == 12


def test_requires_grad(path):
    assert mt.from_file(path, size=4, requires_grad=True).requires_grad


def test_errors(path, tmp_path):
    with pytest.raises(
        RuntimeError, match="size <16> is smaller than the required mapping size <32>"
    ):
        mt.from_file(path, size=8)
    with pytest.raises(RuntimeError, match="unable to open file <.*> in read-only mode"):
        mt.from_file(str(tmp_path / "missing.bin"), size=2)
    with pytest.raises(RuntimeError):
        mt.from_file(path, size=2, device="cuda")


@pytest.mark.parametrize("nbytes", [0, 8, 16])
def test_untyped_storage_from_file_matches_torch(path, nbytes):
    ours = mt.UntypedStorage.from_file(path, False, nbytes)
    assert ours.tolist() == torch.UntypedStorage.from_file(path, False, nbytes).tolist()


def test_legacy_storage_from_file_matches_torch_and_typed_storage_refuses(path):
    with pytest.warns(UserWarning):
        expected = torch.FloatStorage.from_file(path, False, 3).tolist()
    assert mt.FloatStorage.from_file(path, False, 3).tolist() == expected
    assert mt.DoubleStorage.from_file(path, False, 2).size() == 2
    with pytest.raises(RuntimeError, match="from_file can only be called on derived classes"):
        torch.TypedStorage.from_file(path, False, 2)
    with pytest.raises(RuntimeError, match="from_file can only be called on derived classes"):
        mt.TypedStorage.from_file(path, False, 2)


def test_shared_storage_writes_reach_the_file(path):
    storage = mt.UntypedStorage.from_file(path, True, 16)
    storage[0] = 5
    assert np.fromfile(path, np.uint8)[0] == 5
    with pytest.raises(RuntimeError, match="smaller than the required mapping size"):
        mt.UntypedStorage.from_file(path, False, 100)


def test_storage_item_assignment_writes_the_tensor():
    x = mt.zeros(3)
    x.untyped_storage()[0:4] = np.frombuffer(np.float32(2.0).tobytes(), np.uint8)
    assert x.tolist() == [2.0, 0.0, 0.0]
