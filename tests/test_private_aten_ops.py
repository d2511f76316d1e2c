"""torch's private ATen operators (microtensor/_private_aten_ops.py and its two companions)
against torch: forward values, gradients for a random upstream gradient, gradcheck."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import _private_aten_ops as P
from tests.helpers import check_gradients, compare_with_torch

aten = torch.ops.aten
RNG = np.random.default_rng(0)


def randn(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


def index(values: list[int], view: tuple[int, ...]) -> np.ndarray:
    return np.array(values, dtype=np.int64).reshape(view)


# ---------------------------------------------------------------------------------------------
# indexing and shape


MASKED_INDEX_CASES = [  # (input shape, index per dim as (values, view)), out-of-range included
    ((4, 3), [([0, 3, 5, -1], (4, 1)), ([2, 0, 7], (1, 3))]),
    ((5,), [([4, 9, 0, 1, -6], (5,))]),
]


@pytest.mark.parametrize("shape, specs", MASKED_INDEX_CASES)
def test_unsafe_masked_index_matches_torch(shape, specs):
    idx = [index(v, view) for v, view in specs]
    mask = functools.reduce(
        np.logical_and, [(i >= 0) & (i < n) for i, n in zip(idx, shape, strict=True)]
    )

    compare_with_torch(
        lambda x, m, *ii: P._unsafe_masked_index(x, m, list(ii), -2.5),
        lambda x, m, *ii: aten._unsafe_masked_index(x, m, list(ii), -2.5),
        [randn(*shape), mask, *idx],
    )
    keys = [mt.tensor(i) for i in idx]
    check_gradients(
        lambda x: P._unsafe_masked_index(x, mt.tensor(mask), keys, 0.0), [randn(*shape)]
    )


def test_unsafe_masked_index_none_index_and_empty_input():
    x, i = randn(3, 4), index([3, 0], (2,))
    mask = np.array([False, True])
    compare_with_torch(
        lambda x, m, i: P._unsafe_masked_index(x, m, [None, i], 1.0),
        lambda x, m, i: aten._unsafe_masked_index(x, m, [None, i], 1.0),
        [x, mask, i],
    )
    for shape, key in (
        ((0, 2), [0]),
        ((2, 0), [None, 0]),
        ((0, 2), [None, 1]),
        ((0, 2), [0, None]),
    ):
        i = index([0, 1, 2], (3,))

        def indices(tensor, key=key, i=i):
            return [None if k is None else tensor(i) for k in key]

        mine = P._unsafe_masked_index(
            mt.zeros(*shape), mt.zeros(3, dtype=mt.bool), indices(mt.tensor), 7.0
        )
        theirs = aten._unsafe_masked_index(
            torch.zeros(shape), torch.zeros(3, dtype=torch.bool), indices(torch.tensor), 7.0
        )
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.parametrize("shape, specs", MASKED_INDEX_CASES)
def test_unsafe_masked_index_put_accumulate_matches_torch(shape, specs):
    idx = [index(v, view) for v, view in specs]
    mask = functools.reduce(
        np.logical_and, [(i >= -n) & (i < n) for i, n in zip(idx, shape, strict=True)]
    )
    values = randn(*mask.shape)
    compare_with_torch(
        lambda x, m, v, *ii: P._unsafe_masked_index_put_accumulate(x, m, list(ii), v),
        lambda x, m, v, *ii: aten._unsafe_masked_index_put_accumulate(x, m, list(ii), v),
        [randn(*shape), mask, values, *idx],
    )
    empty = P._unsafe_masked_index_put_accumulate(
        mt.zeros(0, 3), mt.tensor([True]), [mt.tensor([0])], mt.ones(1, 3)
    )
    assert tuple(empty.shape) == (0, 3)


@pytest.mark.parametrize("put", [False, True])
def test_masked_index_errors(put):
    def call(mask, indices):
        if put:
            return P._unsafe_masked_index_put_accumulate(mt.zeros(3), mask, indices, mt.zeros(2))
        return P._unsafe_masked_index(mt.zeros(3), mask, indices, 0.0)

    with pytest.raises(RuntimeError, match="index type"):
        call(mt.tensor([True, False]), [mt.tensor([0.0, 1.0])])
    with pytest.raises(RuntimeError, match="mask must be a bool"):
        call(mt.tensor([1, 0]), [mt.tensor([0, 1])])
    with pytest.raises(IndexError, match="too many indices"):
        call(mt.tensor([True, True]), [mt.tensor([0, 1])] * 2)


CHUNK_CAT_CASES = [  # (shapes, dim, num_chunks)
    ([(1, 2, 3), (1, 2, 5)], -1, 2),
    ([(3, 3, 2, 1), (1, 4, 2, 2), (2, 1, 3, 3)], 0, 2),
    ([(2, 3, 3), (2, 3, 1, 2), (2, 3), (2, 3, 7)], 1, 3),
]


@pytest.mark.parametrize("shapes, dim, num_chunks", CHUNK_CAT_CASES)
def test_chunk_cat_matches_torch(shapes, dim, num_chunks):
    arrays = [randn(*s) for s in shapes]
    compare_with_torch(
        lambda *ts: P._chunk_cat(list(ts), dim, num_chunks),
        lambda *ts: torch._chunk_cat(list(ts), dim, num_chunks),
        arrays,
        grad=False,  # torch has no derivative of _chunk_cat: gradcheck below
    )
    check_gradients(lambda *ts: P._chunk_cat(list(ts), dim, num_chunks), arrays)


@pytest.mark.parametrize(
    "shapes, dim, num_chunks, error, match",
    [
        ([(2, 3), (4,)], -1, 3, RuntimeError, "non-negative dim"),
        ([(2, 3), (4,)], 1, 3, RuntimeError, "dim < ndim"),
        ([(2, 3, 4), (4, 3)], 1, 3, RuntimeError, "same sizes of 0"),
        ([(2,), (3,)], 0, 0, RuntimeError, "positive num_chunks"),
        ([], 0, 1, RuntimeError, "non-empty input tensor list"),
        ([(0,), (3,)], 0, 1, RuntimeError, "non-empty tensor"),
        ([(2, 3), (2, 3)], 2, 1, IndexError, "out of range"),
    ],
)
def test_chunk_cat_errors(shapes, dim, num_chunks, error, match):
    tensors = [mt.zeros(*s) for s in shapes]
    with pytest.raises(error, match=match):
        P._chunk_cat(tensors, dim, num_chunks)
    with pytest.raises(error):
        torch._chunk_cat([torch.zeros(s) for s in shapes], dim, num_chunks)


def test_chunk_cat_mixed_dtypes_error():
    with pytest.raises(RuntimeError, match="same dtype"):
        P._chunk_cat([mt.zeros(2), mt.zeros(2, dtype=mt.float64)], 0, 1)


@pytest.mark.parametrize(
    "args", [(0,), (1, 1, -2), (1, 1, -2, 3), (0, -10, -2, 2), (2, 5, 1), (-1, None, None, 4)]
)
def test_slice_matches_torch(args):
    compare_with_torch(
        lambda x: P.slice_tensor(x, *args), lambda x: aten.slice.Tensor(x, *args), [randn(8, 6, 5)]
    )


def test_slice_errors():
    with pytest.raises(RuntimeError, match="0-dim"):
        P.slice_tensor(mt.tensor(1.0))
    with pytest.raises(RuntimeError, match="step must be positive"):
        P.slice_tensor(mt.zeros(3), 0, None, None, 0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        P.slice_tensor(mt.zeros(3), 1)


# ---------------------------------------------------------------------------------------------
# segment_reduce


def _offsets(lengths: np.ndarray) -> np.ndarray:
    zeros = np.zeros(lengths.shape[:-1] + (1,), np.int64)
    return np.concatenate([zeros, lengths], -1).cumsum(-1)


SEGMENT_CASES = [  # (data shape, axis, lengths)
    ((6,), 0, [[0, 1, 3, 2]]),
    ((6, 3), 0, [[2, 0, 4]]),
    ((3, 5, 2), 1, [[0, 1, 2, 2], [5, 0, 0, 0], [1, 1, 1, 2]]),
]


@pytest.mark.parametrize("reduce", ["max", "mean", "min", "sum", "prod"])
@pytest.mark.parametrize("initial", [None, 1.5])
@pytest.mark.parametrize("by", ["lengths", "offsets"])
@pytest.mark.parametrize("shape, axis, lengths", SEGMENT_CASES)
def test_segment_reduce_matches_torch(reduce, initial, by, shape, axis, lengths):
    counts = np.array(lengths if axis else lengths[0], np.int64)
    given = counts if by == "lengths" else _offsets(counts)
    kwargs = {"axis": axis, "initial": initial}
    compare_with_torch(
        lambda x, g: P.segment_reduce(x, reduce, **{by: g}, **kwargs),
        lambda x, g: torch.segment_reduce(x, reduce, **{by: g}, **kwargs),
        [randn(*shape), given],
    )


def test_segment_reduce_alias_gradcheck_and_unsafe():
    lengths = mt.tensor([2, 0, 3])
    for reduce in ("mean", "prod", "max"):
        check_gradients(
            lambda x, r=reduce: P._segment_reduce(x, r, lengths=lengths, initial=2.0),
            [randn(5, 2)],
            second=False,
        )
    short = np.array([1, 2], np.int64)  # covers 3 of 4 rows: only with unsafe=True
    compare_with_torch(
        lambda x, g: P.segment_reduce(x, "sum", lengths=g, unsafe=True),
        lambda x, g: torch.segment_reduce(x, "sum", lengths=g, unsafe=True),
        [randn(4), short],
    )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"reduce": "median", "lengths": [2]}, RuntimeError, "unsupported reduction"),
        ({"indices": [0, 1]}, RuntimeError, "indices based"),
        ({}, RuntimeError, "exactly one of"),
        ({"lengths": [1, 1], "offsets": [0, 1, 2]}, RuntimeError, "exactly one of"),
        ({"lengths": [3, -1]}, RuntimeError, "negative length"),
        ({"lengths": [1, 0]}, RuntimeError, "cover"),
        ({"lengths": [[1, 1]]}, RuntimeError, "last dimension of lengths"),
        ({"lengths": [1.0, 1.0]}, RuntimeError, "integer tensor"),
        ({"lengths": [2], "axis": 1}, IndexError, "out of range"),
    ],
)
def test_segment_reduce_errors(kwargs, error, match):
    kwargs = {k: mt.tensor(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    reduce = kwargs.pop("reduce", "sum")
    with pytest.raises(error, match=match):
        P.segment_reduce(mt.zeros(2), reduce, **kwargs)
