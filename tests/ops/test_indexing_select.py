"""select, take, take_along_dim with negative indices, argwhere, nonzero(as_tuple=)."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch


@pytest.mark.parametrize("dim,index", [(0, 1), (1, -1), (-1, 0), (2, 3)])
def test_select_matches_torch(dim, index):
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    compare_with_torch(
        lambda t: mt.select(t, dim, index), lambda t: torch.select(t, dim, index), [x]
    )
    check_gradients(lambda t: t.select(dim, index), [x])


def test_select_is_a_view_and_errors():
    x = mt.zeros(2, 3)
    x.select(1, 2).add_(1.0)
    assert x.tolist() == [[0, 0, 1], [0, 0, 1]]
    with pytest.raises(IndexError, match=r"select\(\): index 5 out of range for tensor of size"):
        mt.select(x, 1, 5)
    with pytest.raises(IndexError, match=r"cannot be applied to a 0-dim tensor"):
        mt.select(mt.tensor(1.0), 0, 0)


@pytest.mark.parametrize("shape", [(2, 3), (), (4,)], ids=str)
def test_take_matches_torch(shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    size = max(x.size, 1)
    index = rng.integers(-size, size, (2, 3))
    compare_with_torch(
        lambda t: mt.take(t, mt.tensor(index)), lambda t: torch.take(t, torch.tensor(index)), [x]
    )
    check_gradients(lambda t: t.take(mt.tensor(index)), [x])


def test_take_errors():
    with pytest.raises(IndexError, match=r"tried to access index 6 on a tensor of 6 elements"):
        mt.take(mt.zeros(2, 3), mt.tensor([6]))
    with pytest.raises(RuntimeError, match=r"Expected dtype int32/int64 for index"):
        mt.take(mt.zeros(2, 3), mt.tensor([0.0]))


def test_take_along_dim_reads_negative_indices_from_the_end():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4))
    index = rng.integers(-4, 4, (3, 2))
    compare_with_torch(
        lambda t: mt.take_along_dim(t, mt.tensor(index), 1),
        lambda t: torch.take_along_dim(t, torch.tensor(index), 1),
        [x],
    )
    check_gradients(lambda t: t.take_along_dim(mt.tensor(index), -1), [x])
    with pytest.raises(RuntimeError, match=r"index -5 is out of bounds for dimension 1"):
        mt.take_along_dim(mt.zeros(3, 4), mt.tensor([[-5]]), 1)
    with pytest.raises(RuntimeError, match=r"index -1 is out of bounds for dimension 0 with size"):
        mt.take_along_dim(mt.zeros(3, 4), mt.tensor([-1]))
    with pytest.raises(IndexError, match=r"Dimension specified as 0 but tensor has no dimensions"):
        mt.take_along_dim(mt.tensor(2.0), mt.tensor(0), 0)


@pytest.mark.parametrize("values", [[[0.0, 1.0], [2.0, 0.0]], 3.0, 0.0, [], [[0, 0, 1]]], ids=str)
def test_argwhere_and_nonzero_match_torch(values):
    x = np.array(values)
    compare_with_torch(mt.argwhere, torch.argwhere, [x], grad=False)
    compare_with_torch(lambda t: t.argwhere(), lambda t: t.argwhere(), [x], grad=False)
    compare_with_torch(
        lambda t: t.nonzero(as_tuple=True), lambda t: t.nonzero(as_tuple=True), [x], grad=False
    )
    compare_with_torch(lambda t: t.nonzero(), lambda t: t.nonzero(), [x], grad=False)


# --- put, masked_scatter, nonzero_static, index_put and masked_select methods -------------------


@pytest.mark.parametrize("accumulate", [False, True])
def test_put_matches_torch(accumulate):
    rng = np.random.default_rng(3)
    x, source = rng.standard_normal((2, 3)), rng.standard_normal((2, 2))
    index = np.array([[0, -1], [4, 0]]) if accumulate else np.array([[0, -1], [4, 2]])
    compare_with_torch(
        lambda t, s: mt.put(t, mt.tensor(index), s, accumulate),
        lambda t, s: torch.put(t, torch.tensor(index), s, accumulate),
        [x, source],
        rng=rng,
    )
    check_gradients(lambda t, s: t.put(mt.tensor(index), s, accumulate), [x, source])
    y = mt.zeros(3)
    assert y.put_(mt.tensor([1]), mt.tensor([5.0])) is y and y.tolist() == [0.0, 5.0, 0.0]
    with pytest.raises(IndexError, match=r"tried to access index 6 on a tensor of 6 elements"):
        mt.put(mt.zeros(2, 3), mt.tensor([6]), mt.ones(1))
    with pytest.raises(IndexError, match=r"same number of elements, but got source.numel\(\) = 2"):
        mt.put(mt.zeros(2), mt.tensor([1]), mt.ones(2))


@pytest.mark.parametrize(
    "shape,mask_shape", [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 4)), ((), ())], ids=str
)
def test_masked_scatter_matches_torch(shape, mask_shape):
    rng = np.random.default_rng(4)
    x, source = rng.standard_normal(shape), rng.standard_normal(14)
    mask = rng.random(mask_shape) > 0.4
    compare_with_torch(
        lambda t, s: mt.masked_scatter(t, mt.tensor(mask), s),
        lambda t, s: torch.masked_scatter(t, torch.tensor(mask), s),
        [x, source],
        rng=rng,
    )
    check_gradients(lambda t, s: t.masked_scatter(mt.tensor(mask), s), [x, source])


def test_masked_scatter_in_place_and_errors():
    y = mt.zeros(3)
    y.masked_scatter_(mt.tensor([True, False, True]), mt.tensor([1.0, 2.0]))
    assert y.tolist() == [1.0, 0.0, 2.0]
    with pytest.raises(RuntimeError, match=r"Number of elements of source \(1\) < number of ones"):
        mt.masked_scatter(mt.zeros(2), mt.tensor([True, True]), mt.ones(1))
    with pytest.raises(RuntimeError, match=r"expected a boolean mask"):
        mt.masked_scatter(mt.zeros(2), mt.tensor([1, 0]), mt.ones(2))


@pytest.mark.parametrize("size,fill_value", [(3, -1), (1, -7), (0, 0), (5, 9)])
def test_nonzero_static_matches_torch(size, fill_value):
    for values in ([0, 3, 0, 4], [[0, 3], [1, 4]], 2.0):
        x = np.array(values)
        compare_with_torch(
            lambda t: mt.nonzero_static(t, size=size, fill_value=fill_value),
            lambda t: torch.nonzero_static(t, size=size, fill_value=fill_value),
            [x],
            grad=False,
        )


def test_index_put_and_masked_select_methods():
    x = np.arange(6.0).reshape(2, 3)
    idx = (np.array([0, 1, 1]), np.array([2, 0, 0]))
    compare_with_torch(
        lambda t, v: t.index_put(tuple(mt.tensor(i) for i in idx), v, True),
        lambda t, v: t.index_put(tuple(torch.tensor(i) for i in idx), v, True),
        [x, np.array([1.0, 2.0, 3.0])],
    )
    compare_with_torch(
        lambda t: t.masked_select(mt.tensor([True, False, True])),
        lambda t: t.masked_select(torch.tensor([True, False, True])),
        [x],
    )
    y = mt.zeros(2)
    assert y.index_put_((mt.tensor([1]),), mt.tensor(3.0)) is y and y.tolist() == [0.0, 3.0]
