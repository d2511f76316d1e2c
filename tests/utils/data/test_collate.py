"""default_collate and default_convert (microtensor/utils/data/collate.py)."""

import collections

import numpy as np
import pytest
import torch
import torch.utils.data

import microtensor as mt
from microtensor.utils.data import default_collate, default_convert

Point = collections.namedtuple("Point", "x label")


def test_default_collate_numbers_and_strings_like_torch():
    for batch in ([1.0, 2.5], [1, 2], [True, False], ["a", "b"]):
        ours, theirs = default_collate(batch), torch.utils.data.default_collate(batch)
        if isinstance(theirs, list):
            assert ours == theirs
        else:
            assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
            assert ours.tolist() == theirs.tolist()


def test_collate_nested_structures():
    samples = [Point(np.array([i, i]), (i, [float(i), mt.tensor(i)])) for i in range(3)]
    batch = default_collate(samples)
    assert isinstance(batch, Point)
    assert batch.x.tolist() == [[0, 0], [1, 1], [2, 2]] and batch.x.dtype == mt.int64
    ints, (floats, tensors) = batch.label
    assert ints.tolist() == [0, 1, 2] and floats.dtype == mt.float64
    assert tensors.tolist() == [0, 1, 2]
    ordered = default_collate([collections.OrderedDict(b=1, a=2)] * 2)
    assert isinstance(ordered, collections.OrderedDict) and list(ordered) == ["b", "a"]


def test_collate_numpy_scalars_keep_dtype():
    out = default_collate([np.float32(1.5), np.float32(2.0)])
    assert out.dtype == mt.float32 and out.tolist() == [1.5, 2.0]


def test_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([mt.ones(2), mt.ones(3)])


def test_default_convert():
    out = default_convert((np.arange(2), {"a": np.float64(1.0)}, "s", 3, [np.zeros(1)]))
    assert isinstance(out, list)
    assert out[0].tolist() == [0, 1] and out[1]["a"].dtype == mt.float64
    assert out[2:4] == ["s", 3] and out[4][0].shape == (1,)


def test_torchs_private_import_path_of_collate():
    from microtensor.utils.data._utils.collate import default_collate, default_convert

    assert default_collate is mt.utils.data.default_collate
    assert default_convert is mt.utils.data.default_convert
    assert default_collate([(1, 2.0), (3, 4.0)])[0].tolist() == [1, 3]
