"""Sparse @ dense products and sparse sums: values and gradients against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.autograd import gradcheck

# torch warns once per process that it does not check sparse invariants by default
pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")

TOL = {"float32": {"rtol": 1e-5, "atol": 1e-6}, "float64": {"rtol": 1e-12, "atol": 1e-12}}


def random_sparse(rng, n, k, nnz, dtype, duplicates=True):
    rows, cols = rng.integers(0, n, nnz), rng.integers(0, k, nnz)
    if duplicates:
        rows[-1], cols[-1] = rows[0], cols[0]
    return np.stack([rows, cols]), rng.standard_normal(nnz).astype(dtype)


def pair(indices, values, size, requires_grad=False, coalesce=False):
    ours = mt.sparse_coo_tensor(mt.tensor(indices), mt.tensor(values), size)
    theirs = torch.sparse_coo_tensor(torch.tensor(indices), torch.tensor(values), size)
    if coalesce:
        ours, theirs = ours.coalesce(), theirs.coalesce()
    if requires_grad:
        ours.requires_grad_()
        theirs = theirs.detach().requires_grad_()
    return ours, theirs


def close(ours, theirs, dtype):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), **TOL[dtype])


def same_sparse_grad(ours, theirs, dtype):
    theirs = theirs.coalesce() if not theirs.is_coalesced() else theirs
    np.testing.assert_array_equal(ours._indices().numpy(), theirs._indices().numpy())
    close(ours._values(), theirs._values(), dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("coalesce", [False, True])
def test_sparse_mm_values_and_gradients(dtype, coalesce):
    rng = np.random.default_rng(1)
    indices, values = random_sparse(rng, 6, 5, 12, dtype)
    dense = rng.standard_normal((5, 3)).astype(dtype)
    upstream = rng.standard_normal((6, 3)).astype(dtype)
    ours_a, theirs_a = pair(indices, values, (6, 5), requires_grad=True, coalesce=coalesce)
    ours_x = mt.tensor(dense, requires_grad=True)
    theirs_x = torch.tensor(dense, requires_grad=True)
    ours, theirs = mt.sparse.mm(ours_a, ours_x), torch.sparse.mm(theirs_a, theirs_x)
    close(ours, theirs, dtype)
    ours.backward(mt.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    close(ours_x.grad, theirs_x.grad, dtype)
    same_sparse_grad(ours_a.grad, theirs_a.grad, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mm_matmul_spmm_and_operator_match_torch(dtype):
    rng = np.random.default_rng(2)
    indices, values = random_sparse(rng, 4, 6, 9, dtype)
    dense = rng.standard_normal((6, 2)).astype(dtype)
    upstream = rng.standard_normal((4, 2)).astype(dtype)
    ours_a, theirs_a = pair(indices, values, (4, 6))
    for ours_fn, theirs_fn in [
        (mt.mm, torch.mm),
        (mt.matmul, torch.matmul),
        (mt.spmm, torch.spmm),
        (lambda a, b: a @ b, lambda a, b: a @ b),
    ]:
        ours_x = mt.tensor(dense, requires_grad=True)
        theirs_x = torch.tensor(dense, requires_grad=True)
        ours, theirs = ours_fn(ours_a, ours_x), theirs_fn(theirs_a, theirs_x)
        close(ours, theirs, dtype)
        ours.backward(mt.tensor(upstream))
        theirs.backward(torch.tensor(upstream))
        close(ours_x.grad, theirs_x.grad, dtype)
    vector = rng.standard_normal(6).astype(dtype)
    close(ours_a @ mt.tensor(vector), theirs_a @ torch.tensor(vector), dtype)


def test_integer_product_matches_torch():
    indices, values = [[0, 1, 1], [1, 0, 0]], [2, 3, 4]
    ours, theirs = pair(np.array(indices), np.array(values), (2, 2))
    dense = [[1, 2], [3, 4]]
    result = mt.sparse.mm(ours, mt.tensor(dense))
    assert result.tolist() == torch.sparse.mm(theirs, torch.tensor(dense)).tolist()
    assert result.dtype is mt.int64


def test_gradient_through_to_dense_and_values_tensor():
    rng = np.random.default_rng(3)
    indices, values = random_sparse(rng, 3, 4, 5, "float64")
    upstream = rng.standard_normal((3, 4))
    ours_a, theirs_a = pair(indices, values, (3, 4), requires_grad=True)
    ours_a.to_dense().backward(mt.tensor(upstream))
    theirs_a.to_dense().backward(torch.tensor(upstream))
    same_sparse_grad(ours_a.grad, theirs_a.grad, "float64")
    # values that require grad: the gradient reaches them (one per stored entry)
    ours_v, theirs_v = (
        mt.tensor(values, requires_grad=True),
        torch.tensor(values, requires_grad=True),
    )
    ours = mt.sparse_coo_tensor(mt.tensor(indices), ours_v * 2, (3, 4)).to_dense()
    theirs = torch.sparse_coo_tensor(torch.tensor(indices), theirs_v * 2, (3, 4)).to_dense()
    ours.backward(mt.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    close(ours_v.grad, theirs_v.grad, "float64")


def test_sparse_sum_gradients_match_torch():
    rng = np.random.default_rng(4)
    indices, values = random_sparse(rng, 3, 4, 6, "float64")
    upstream = rng.standard_normal(4)
    ours_a, theirs_a = pair(indices, values, (3, 4), requires_grad=True)
    ours = mt.sparse.sum(ours_a, 0).to_dense()
    theirs = torch.sparse.sum(theirs_a, 0).to_dense()
    close(ours, theirs, "float64")
    ours.backward(mt.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    same_sparse_grad(ours_a.grad, theirs_a.grad, "float64")
    total = mt.sparse.sum(ours_a, dtype=mt.float32)
    assert total.dim() == 0 and total.dtype is mt.float32


@pytest.mark.parametrize(("beta", "alpha"), [(1.0, 1.0), (0.5, 2.0), (0.0, -1.0)])
def test_addmm_matches_torch(beta, alpha):
    rng = np.random.default_rng(5)
    indices, values = random_sparse(rng, 4, 3, 5, "float64")
    ours_a, theirs_a = pair(indices, values, (4, 3))
    mat = rng.standard_normal((4, 2))
    if beta == 0:
        mat[0, 0] = np.nan  # torch ignores mat when beta is 0
    dense = rng.standard_normal((3, 2))
    ours = mt.sparse.addmm(mt.tensor(mat), ours_a, mt.tensor(dense), beta=beta, alpha=alpha)
    theirs = torch.sparse.addmm(
        torch.tensor(mat), theirs_a, torch.tensor(dense), beta=beta, alpha=alpha
    )
    close(ours, theirs, "float64")


def test_gradcheck_float64():
    rng = np.random.default_rng(6)
    indices, values = random_sparse(rng, 4, 3, 6, "float64")
    dense = mt.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    value = mt.tensor(values, requires_grad=True)

    def product(v, x):
        return mt.sparse.mm(mt.sparse_coo_tensor(mt.tensor(indices), v, (4, 3)), x)

    assert gradcheck(product, (value, dense))
    assert gradcheck(
        lambda v: mt.sparse_coo_tensor(indices, v, (4, 3)).coalesce().to_dense(), (value,)
    )


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda a: mt.sparse.mm(a, mt.ones(2, 2)), RuntimeError, "Expected dim 0 size 3, got 2"),
        (lambda a: mt.sparse.mm(a, mt.ones(3, 2, dtype=mt.float64)), RuntimeError,
         "expected scalar type Float but found Double"),
        (lambda a: mt.sparse.mm(a, mt.ones(3)), IndexError, "Dimension out of range"),
    ],
)  # fmt: skip
def test_product_errors_are_torchs(call, error, message):
    ours, theirs = pair(np.array([[0, 1], [0, 2]]), np.array([1.0, 2.0], "float32"), (2, 3))
    with pytest.raises(error, match=message):
        call(ours)
    torch_call = {
        "Expected dim 0": lambda: torch.sparse.mm(theirs, torch.ones(2, 2)),
        "expected scalar": lambda: torch.sparse.mm(theirs, torch.ones(3, 2, dtype=torch.float64)),
        "Dimension out": lambda: torch.sparse.mm(theirs, torch.ones(3)),
    }
    with pytest.raises(error, match=message):
        next(fn for key, fn in torch_call.items() if message.startswith(key))()


def test_unsupported_products_refuse_clearly():
    sparse = mt.sparse_coo_tensor([[0, 1], [0, 2]], [1.0, 2.0], (2, 3))
    with pytest.raises(NotImplementedError, match="sparse COO first operand times a dense"):
        mt.mm(mt.ones(3, 2), sparse)
    with pytest.raises(NotImplementedError, match="sparse COO first operand times a dense"):
        mt.sparse.mm(sparse, sparse.t())
    sparse.requires_grad_()
    with pytest.raises(NotImplementedError, match="dense gradient.*microtensor.sparse.mm"):
        sparse @ mt.ones(3, 2)


def test_gradgradcheck_float64():
    from microtensor.autograd import gradgradcheck

    rng = np.random.default_rng(7)
    indices, values = random_sparse(rng, 4, 3, 6, "float64")
    dense = mt.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    value = mt.tensor(values, requires_grad=True)

    def product(v, x):
        sparse = mt.sparse_coo_tensor(mt.tensor(indices), v, (4, 3))
        return mt.sparse.mm(sparse, x) + sparse.coalesce().to_dense().sum()

    assert gradgradcheck(product, (value, dense))


def test_documented_refusals():
    sparse = mt.sparse_coo_tensor([[0, 1], [0, 2]], [1.0, 2.0], (2, 3))
    with pytest.raises(NotImplementedError, match="reduce='amax' is not supported"):
        mt.sparse.mm(sparse, mt.ones(3, 2), "amax")
    with pytest.raises(NotImplementedError, match="sparse COO first operand"):
        mt.sparse.mm(mt.ones(2, 3), mt.ones(3, 2))
    with pytest.raises(RuntimeError, match=r"sparse.addmm\(\): mat of shape \(3, 2\)"):
        mt.sparse.addmm(mt.ones(3, 2), sparse, mt.ones(3, 2))
    with pytest.raises(TypeError, match="input must be a sparse tensor"):
        mt.sparse.sum(mt.ones(2))
    with pytest.raises(NotImplementedError, match="layout"):
        mt.ones(2, 2).to_sparse(layout=mt.strided)
    with pytest.raises(NotImplementedError, match="hybrid"):
        mt.ones(2, 2).to_sparse(1)
    with pytest.raises(NotImplementedError, match="dense gradient"):
        mt.spmm(sparse.requires_grad_(), mt.ones(3, 2))
    assert mt.spmm(mt.ones(2, 3), mt.ones(3, 1)).tolist() == [[3.0], [3.0]]
