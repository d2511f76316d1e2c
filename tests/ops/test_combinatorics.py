"""meshgrid, cartesian_prod, combinations."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.helpers import check_gradients, compare_with_torch

# --- meshgrid -----------------------------------------------------------------------------------


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("sizes", [(2,), (2, 3), (0, 3), (2, None, 4), (1, 3, 2)], ids=str)
def test_meshgrid_matches_torch(sizes, indexing):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(()) if n is None else rng.standard_normal(n) for n in sizes]
    compare_with_torch(
        lambda *t: mt.meshgrid(*t, indexing=indexing),
        lambda *t: torch.meshgrid(*t, indexing=indexing),
        arrays,
        rng=rng,
    )


def test_meshgrid_takes_a_list_and_is_differentiable():
    x, y = mt.tensor([1, 2]), mt.tensor([3, 4, 5])
    rows, cols = mt.meshgrid([x, y])
    assert rows.tolist() == [[1, 1, 1], [2, 2, 2]] and cols.tolist() == [[3, 4, 5], [3, 4, 5]]
    check_gradients(lambda a, b: mt.meshgrid(a, b, indexing="xy")[0] * 2, [np.ones(2), np.ones(3)])


def test_meshgrid_errors():
    with pytest.raises(RuntimeError, match=r"Expected 0D or 1D tensor in the tensor list"):
        mt.meshgrid(mt.ones(1, 2))
    with pytest.raises(RuntimeError, match=r"meshgrid expects all tensors to have the same dtype"):
        mt.meshgrid(mt.tensor([1, 2]), mt.tensor([1.0]))
    with pytest.raises(
        RuntimeError, match=r'indexing must be one of "xy" or "ij", but received: foo'
    ):
        mt.meshgrid(mt.ones(2), indexing="foo")
    with pytest.raises(RuntimeError, match=r"meshgrid expects a non-empty TensorList"):
        mt.meshgrid()


# --- cartesian_prod, combinations ---------------------------------------------------------------


@pytest.mark.parametrize("sizes", [(2, 3), (2,), (1, 2, 3), (0, 2)], ids=str)
def test_cartesian_prod_matches_torch(sizes):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(n) for n in sizes]
    compare_with_torch(mt.cartesian_prod, torch.cartesian_prod, arrays, rng=rng)
    check_gradients(mt.cartesian_prod, arrays)


@pytest.mark.parametrize("r", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("with_replacement", [False, True])
def test_combinations_matches_torch(r, with_replacement):
    x = np.random.default_rng(1).standard_normal(4)
    compare_with_torch(
        lambda t: mt.combinations(t, r, with_replacement),
        lambda t: torch.combinations(t, r, with_replacement),
        [x],
    )
    if r:
        check_gradients(lambda t: mt.combinations(t, r, with_replacement), [x])


def test_combinations_and_cartesian_prod_errors():
    with pytest.raises(RuntimeError, match=r"combinations\(\): Expect a 1D vector, but got shape"):
        mt.combinations(mt.ones(2, 2))
    with pytest.raises(RuntimeError, match=r"cartesian_prod\(\): Expect a 1D vector"):
        mt.cartesian_prod(mt.ones(2, 2))
    with pytest.raises(RuntimeError, match=r"Expect a non-negative number"):
        mt.combinations(mt.ones(2), -1)
