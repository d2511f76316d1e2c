"""COO sparse tensors: creation, checks, coalesce, conversions and repr, against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt

# torch warns once per process that it does not check sparse invariants by default
pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")

INDICES = [[1, 0, 1, 2], [2, 0, 2, 1]]  # (1, 2) twice: uncoalesced, unsorted
VALUES = [3.0, 4.0, 5.0, -1.5]


def both(indices, values, size=None, **kwargs):
    ours = mt.sparse_coo_tensor(indices, values, size, **kwargs)
    args = (indices, values) if size is None else (indices, values, size)
    return ours, torch.sparse_coo_tensor(*args, **kwargs)


def assert_same_sparse(ours, theirs):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.is_coalesced() == theirs.is_coalesced()
    assert ours._nnz() == theirs._nnz()
    np.testing.assert_array_equal(ours._indices().numpy(), theirs._indices().numpy())
    np.testing.assert_array_equal(
        ours._values().detach().numpy(), theirs._values().detach().numpy()
    )


@pytest.mark.parametrize("size", [None, (3, 4), (5, 3)])
def test_creation_and_queries(size):
    ours, theirs = both(INDICES, VALUES, size)
    assert_same_sparse(ours, theirs)
    assert ours.is_sparse and ours.layout is mt.sparse_coo and ours.dtype is mt.float32
    assert (ours.dim(), ours.sparse_dim(), ours.dense_dim()) == (2, 2, 0)
    assert ours.size() == tuple(theirs.size()) and ours.size(-1) == theirs.size(-1)
    np.testing.assert_array_equal(ours.to_dense().numpy(), theirs.to_dense().numpy())


def test_empty_and_inferred_size():
    ours, theirs = both(torch.zeros(2, 0, dtype=torch.long), torch.zeros(0))
    assert tuple(ours.shape) == tuple(theirs.shape) == (0, 0)
    assert repr(ours).replace("microtensor", "torch") == repr(theirs)


def test_dense_tensor_is_not_sparse():
    x = mt.ones(2, 2)
    assert x.is_sparse is False and x.layout is mt.strided and x.to_dense() is x


@pytest.mark.parametrize(
    ("indices", "values", "size", "error", "message"),
    [
        ([0, 1], [1.0, 2.0], None, RuntimeError, r"indices must be sparse_dim x nnz, but got: \[2\]"),
        (INDICES, [1.0, 2.0], None, RuntimeError, "same nnz, but got nnz from indices: 4, nnz from values: 2"),
        (INDICES, VALUES, (3,), RuntimeError, r"len\(size\) = 1, sparse_dim = 2, dense_dim = 0"),
        (INDICES, VALUES, (2, 3), RuntimeError, "for dim 0, size is 2 but found index 2"),
        ([[0, -1]], [1.0, 2.0], None, RuntimeError, "found negative index -1 for dim 0"),
    ],
)  # fmt: skip
def test_argument_errors_are_torchs(indices, values, size, error, message):
    args = (indices, values) if size is None else (indices, values, size)
    with pytest.raises(error, match=message):
        torch.sparse_coo_tensor(*args, check_invariants=True)
    with pytest.raises(error, match=message):
        mt.sparse_coo_tensor(indices, values, size)


def test_hybrid_values_are_refused():
    with pytest.raises(NotImplementedError, match="hybrid"):
        mt.sparse_coo_tensor([[0, 1]], [[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_coalesce_sums_duplicates_and_sorts(dtype):
    values = np.array(VALUES).astype(dtype) if dtype != "int64" else [3, 4, 5, -1]
    ours, theirs = both(INDICES, torch.tensor(values).tolist(), (3, 4))
    ours, theirs = ours.to_dense().to_sparse(), theirs.to_dense().to_sparse()
    assert_same_sparse(ours, theirs)
    ours, theirs = both(INDICES, torch.tensor(values).tolist(), (3, 4))
    assert_same_sparse(ours.coalesce(), theirs.coalesce())
    assert ours.coalesce().indices().dtype == mt.int64


def test_indices_and_values_need_coalesced():
    ours, _ = both(INDICES, VALUES)
    for method in ("indices", "values"):
        with pytest.raises(RuntimeError, match=f"Cannot get {method} on an uncoalesced tensor"):
            getattr(ours, method)()
    assert ours.coalesce().values().tolist() == [4.0, 8.0, -1.5]


@pytest.mark.parametrize("shape", [(3, 4), (5,), (2, 3, 2), ()])
def test_to_sparse_matches_torch(shape):
    rng = np.random.default_rng(0)
    dense = rng.standard_normal(shape) * (rng.random(shape) < 0.5)
    ours, theirs = mt.tensor(dense).to_sparse(), torch.tensor(dense).to_sparse()
    assert_same_sparse(ours, theirs)
    assert_same_sparse(mt.tensor(dense).to_sparse_coo(), theirs)
    np.testing.assert_array_equal(ours.to_dense().numpy(), theirs.to_dense().numpy())


def test_transpose_scale_and_sum_match_torch():
    ours, theirs = both(INDICES, VALUES, (3, 4))
    ours, theirs = ours.coalesce(), theirs.coalesce()
    assert_same_sparse(ours.t(), theirs.t())
    assert_same_sparse(ours * 2, theirs * 2)
    assert_same_sparse(3 * ours, 3 * theirs)
    assert_same_sparse(ours / 4, theirs / 4)
    assert float(mt.sparse.sum(ours)) == float(torch.sparse.sum(theirs))
    assert mt.sparse.sum(ours).dim() == 0
    for dim in (0, 1, -1, (0, 1)):
        mine, reference = mt.sparse.sum(ours, dim), torch.sparse.sum(theirs, dim)
        if reference.is_sparse:
            assert_same_sparse(mine, reference)
        else:
            assert float(mine) == float(reference)


def test_three_dim_sum_and_transpose_error():
    indices, values = [[0, 1, 1], [0, 2, 2], [1, 0, 0]], [1.0, 2.0, 3.0]
    ours, theirs = both(indices, values, (2, 3, 2))
    assert_same_sparse(mt.sparse.sum(ours, (0, 2)), torch.sparse.sum(theirs, (0, 2)))
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 sparse"):
        ours.t()
    with pytest.raises(IndexError, match="out of range"):
        mt.sparse.sum(ours, 3)


@pytest.mark.parametrize(
    ("values", "size", "kwargs"),
    [
        (VALUES, (3, 4), {}),
        (VALUES, (3, 4), {"dtype": torch.float64}),
        ([3, 4, 5, 1], None, {}),
        (VALUES, (3, 4), {"requires_grad": True}),
        (VALUES, (30, 4000000), {"dtype": torch.float64, "requires_grad": True}),
    ],
)
def test_repr_matches_torch(values, size, kwargs):
    dtype = kwargs.pop("dtype", None)
    ours = mt.sparse_coo_tensor(INDICES, values, size, dtype=dtype and mt.float64, **kwargs)
    args = (INDICES, values) if size is None else (INDICES, values, size)
    theirs = torch.sparse_coo_tensor(*args, dtype=dtype, **kwargs)
    assert repr(ours).replace("microtensor.", "torch.") == repr(theirs)
    assert repr(ours.coalesce()).replace("microtensor.", "torch.") == repr(theirs.coalesce())


def test_dense_ops_refuse_sparse_with_the_op_name():
    sparse = mt.sparse_coo_tensor(INDICES, VALUES)
    with pytest.raises(RuntimeError, match=r"relu\(\): got a sparse COO tensor.*\.to_dense\(\)"):
        sparse.relu()
    with pytest.raises(RuntimeError, match=r"add\(\): got a sparse COO tensor"):
        sparse + 1
    with pytest.raises(RuntimeError, match=r"add\(\): got a sparse COO tensor"):
        mt.ones(3, 4) + sparse
    with pytest.raises(RuntimeError, match=r"^sum\(\): got a sparse COO tensor"):
        mt.sum(sparse)
    with pytest.raises(RuntimeError, match=r"^where\(\): got a sparse COO tensor"):
        mt.where(mt.ones(3, 3) > 0, sparse, 0.0)
    with pytest.raises(RuntimeError, match="multiplied or divided only by a Python number"):
        sparse * mt.ones(3, 4)
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        _ = sparse.no_such_name


def test_sparse_leaf_requires_grad():
    ours, theirs = both(INDICES, VALUES, (3, 4), requires_grad=True)
    assert ours.requires_grad and ours.is_leaf and ours.grad is None
    ours.to_dense().sum().backward()
    theirs.to_dense().sum().backward()
    assert_same_sparse(ours.grad, theirs.grad)
    ours.grad = None
    assert ours.grad is None


def test_conversions_keep_the_pattern():
    ours, theirs = both(INDICES, VALUES, (3, 4))
    assert_same_sparse(ours.double(), theirs.double())
    assert_same_sparse(ours.to(mt.float64), theirs.to(torch.float64))
    assert ours.double().dtype is mt.float64 and ours.float().dtype is mt.float32
    assert ours.to("cpu") is ours and ours.cpu() is ours
    copy = ours.clone()
    assert_same_sparse(copy, theirs.clone())
    copy._values()[0] = 100.0
    assert ours._values()[0].item() == 3.0


def test_is_tensor_says_true_for_sparse_tensors_as_torch():
    for lib in (mt, torch):
        sparse = lib.eye(2).to_sparse()
        assert lib.is_tensor(sparse) and lib.is_tensor(lib.ones(1)) and not lib.is_tensor(3)
