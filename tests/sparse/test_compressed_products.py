"""Products of CSR, CSC, BSR and BSC matrices with dense ones: values and gradients vs torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.autograd import gradcheck, gradgradcheck
from microtensor.sparse.products import dense_addmm
from tests.sparse.test_compressed import assert_same_error

pytestmark = pytest.mark.filterwarnings("ignore:Sparse")

TOL = {"float32": {"rtol": 1e-5, "atol": 1e-6}, "float64": {"rtol": 1e-12, "atol": 1e-12}}
CROW, COL = [0, 2, 3, 3, 5], [0, 3, 1, 0, 2]  # 4 x 4, an empty row


def close(ours, theirs, dtype):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), **TOL[dtype])


def csr_pair(rng, dtype, requires_grad=False):
    """A CSR matrix whose values are a graph input (torch: grad flows to them, masked)."""
    values = rng.standard_normal(len(COL)).astype(dtype)
    ours_v = mt.tensor(values, requires_grad=requires_grad)
    theirs_v = torch.tensor(values, requires_grad=requires_grad)
    ours = mt.sparse_csr_tensor(CROW, COL, ours_v, (4, 4))
    theirs = torch.sparse_csr_tensor(CROW, COL, theirs_v, (4, 4))
    return (ours, ours_v), (theirs, theirs_v)


PRODUCTS = {
    "mm": (lambda lib, a, b: lib.mm(a, b)),
    "matmul": (lambda lib, a, b: lib.matmul(a, b)),
    "@": (lambda lib, a, b: a @ b),
    "sparse.mm": (lambda lib, a, b: lib.sparse.mm(a, b)),
    "sparse.addmm": (
        lambda lib, a, b: lib.sparse.addmm(
            lib.ones(4, b.shape[1], dtype=b.dtype), a, b, beta=0.5, alpha=2.0
        )
    ),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(PRODUCTS))
def test_csr_times_dense_values_and_gradients(dtype, name):
    rng = np.random.default_rng(1)
    (ours_a, ours_v), (theirs_a, theirs_v) = csr_pair(rng, dtype, requires_grad=True)
    dense = rng.standard_normal((4, 3)).astype(dtype)
    upstream = rng.standard_normal((4, 3)).astype(dtype)
    ours_x, theirs_x = mt.tensor(dense, requires_grad=True), torch.tensor(dense, requires_grad=True)
    ours = PRODUCTS[name](mt, ours_a, ours_x)
    theirs = PRODUCTS[name](torch, theirs_a, theirs_x)
    close(ours, theirs, dtype)
    ours.backward(mt.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    close(ours_x.grad, theirs_x.grad, dtype)
    close(ours_v.grad, theirs_v.grad, dtype)


@pytest.mark.parametrize("name", ["mm", "matmul", "@"])
def test_dense_times_csr_values_and_gradients(name):
    rng = np.random.default_rng(2)
    (ours_a, ours_v), (theirs_a, theirs_v) = csr_pair(rng, "float64", requires_grad=True)
    dense = rng.standard_normal((2, 4))
    upstream = rng.standard_normal((2, 4))
    ours_x, theirs_x = mt.tensor(dense, requires_grad=True), torch.tensor(dense, requires_grad=True)
    ours, theirs = PRODUCTS[name](mt, ours_x, ours_a), PRODUCTS[name](torch, theirs_x, theirs_a)
    close(ours, theirs, "float64")
    ours.backward(mt.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    close(ours_x.grad, theirs_x.grad, "float64")
    close(ours_v.grad, theirs_v.grad, "float64")


def test_matrix_vector_products_match_torch():
    rng = np.random.default_rng(3)
    (ours_a, _), (theirs_a, _) = csr_pair(rng, "float64")
    vector = rng.standard_normal(4)
    close(
        mt.matmul(ours_a, mt.tensor(vector)),
        torch.matmul(theirs_a, torch.tensor(vector)),
        "float64",
    )
    close(mt.tensor(vector) @ ours_a, torch.tensor(vector) @ theirs_a, "float64")


def test_sparse_mm_gives_a_csr_leaf_a_csr_gradient():
    rng = np.random.default_rng(4)
    (ours_a, _), (theirs_a, _) = csr_pair(rng, "float64")
    ours_a = ours_a.detach().requires_grad_()
    theirs_a = theirs_a.detach().requires_grad_()
    dense, upstream = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    mt.sparse.mm(ours_a, mt.tensor(dense)).backward(mt.tensor(upstream))
    torch.sparse.mm(theirs_a, torch.tensor(dense)).backward(torch.tensor(upstream))
    assert ours_a.grad.layout is mt.sparse_csr and theirs_a.grad.layout is torch.sparse_csr
    np.testing.assert_array_equal(
        ours_a.grad.crow_indices().numpy(), theirs_a.grad.crow_indices().numpy()
    )
    close(ours_a.grad.values(), theirs_a.grad.values(), "float64")
    assert repr(ours_a.grad).replace("microtensor.", "torch.") == repr(theirs_a.grad)


@pytest.mark.parametrize(("name", "blocksize"), [("csc", None), ("bsr", (2, 2)), ("bsc", (2, 1))])
def test_other_layouts_match_the_dense_product(name, blocksize):
    """torch has no backward for these layouts: the reference is the dense product, masked."""
    rng = np.random.default_rng(5)
    matrix = rng.standard_normal((4, 4)) * (rng.random((4, 4)) < 0.5)
    args = () if blocksize is None else (blocksize,)
    ours_a = getattr(mt.tensor(matrix), f"to_sparse_{name}")(*args).requires_grad_()
    mask = torch.zeros(4, 4, dtype=torch.float64)  # 1 on the stored elements (whole blocks)
    mask[tuple(ours_a.detach().to_sparse_coo()._indices().numpy())] = 1
    dense, upstream = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    ours_x = mt.tensor(dense, requires_grad=True)
    theirs_dense = torch.tensor(matrix, requires_grad=True)
    theirs_x = torch.tensor(dense, requires_grad=True)
    ours = mt.sparse.mm(ours_a, ours_x)
    theirs = theirs_dense @ theirs_x
    close(ours, theirs, "float64")
    close(mt.mm(ours_a.detach(), ours_x), theirs, "float64")
    ours.backward(mt.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    close(ours_x.grad, theirs_x.grad, "float64")
    close(ours_a.grad.to_dense(), theirs_dense.grad * mask, "float64")


def test_gradcheck_float64():
    rng = np.random.default_rng(6)
    values = mt.tensor(rng.standard_normal(len(COL)), requires_grad=True)
    dense = mt.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    left = mt.tensor(rng.standard_normal((3, 4)), requires_grad=True)

    def product(v, x):
        return mt.mm(mt.sparse_csr_tensor(CROW, COL, v, (4, 4)), x)

    def transposed(v, x):
        return mt.mm(x, mt.sparse_csr_tensor(CROW, COL, v, (4, 4)).t())

    def blocks(v, x):
        return mt.sparse.mm(mt.sparse_bsr_tensor([0, 1, 2], [1, 0], v.reshape(2, 2, 2)), x)

    assert gradcheck(product, (values, dense))
    assert gradcheck(transposed, (values, left))
    block_values = mt.tensor(rng.standard_normal(8), requires_grad=True)
    assert gradcheck(blocks, (block_values, dense))
    assert gradgradcheck(product, (values, dense))


def test_addmm_with_a_compressed_operand_matches_torch():
    rng = np.random.default_rng(7)
    (ours_a, ours_v), (theirs_a, theirs_v) = csr_pair(rng, "float64", requires_grad=True)
    bias, dense = rng.standard_normal(3), rng.standard_normal((4, 3))
    ours = dense_addmm(mt.tensor(bias), ours_a, mt.tensor(dense), beta=0.5, alpha=3.0)
    theirs = torch.addmm(torch.tensor(bias), theirs_a, torch.tensor(dense), beta=0.5, alpha=3.0)
    close(ours, theirs, "float64")
    ours.sum().backward()
    theirs.sum().backward()
    close(ours_v.grad, theirs_v.grad, "float64")


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda lib, a: lib.mm(a, lib.ones(3, 2)), RuntimeError),
        (lambda lib, a: lib.sparse.mm(a, lib.ones(3, 2)), RuntimeError),
        (lambda lib, a: lib.mm(lib.ones(2, 3), a), RuntimeError),
        (lambda lib, a: lib.mm(a, lib.ones(4, 2, dtype=lib.float64)), RuntimeError),
        (lambda lib, a: lib.sparse.mm(a, lib.ones(4, 2, dtype=lib.float64)), RuntimeError),
        (lambda lib, a: lib.mm(a, lib.ones(4)), IndexError),
        (lambda lib, a: lib.sparse.mm(a, lib.ones(4)), RuntimeError),
        (lambda lib, a: lib.mm(lib.ones(2, 4, 4).to_sparse_csr(), lib.ones(4, 2)), RuntimeError),
        (
            lambda lib, a: lib.sparse.mm(lib.ones(2, 4, 4).to_sparse_csr(), lib.ones(4, 2)),
            RuntimeError,
        ),
    ],
)
def test_product_errors_are_torchs(call, error):
    dense = np.eye(4, dtype="float32")
    assert_same_error(
        error,
        lambda: call(torch, torch.tensor(dense).to_sparse_csr()),
        lambda: call(mt, mt.tensor(dense).to_sparse_csr()),
    )


def test_documented_refusals():
    csr = mt.eye(3).to_sparse_csr()
    with pytest.raises(NotImplementedError, match="two sparse tensors"):
        mt.mm(csr, csr)
    with pytest.raises(NotImplementedError, match="two sparse tensors"):
        mt.sparse.mm(csr, mt.eye(3).to_sparse())
    with pytest.raises(NotImplementedError, match="dense gradient"):
        mt.mm(csr.detach().requires_grad_(), mt.ones(3, 2))
    with pytest.raises(NotImplementedError, match="dense gradient"):
        mt.ones(2, 3) @ csr.detach().requires_grad_()
    with pytest.raises(TypeError, match="mat2 must be a Tensor"):
        mt.sparse.mm(csr, [[1.0]])


@pytest.mark.parametrize(
    "chain",
    [lambda s: s.t(), lambda s: s * 2.5, lambda s: -s.transpose(0, 1), lambda s: s.clone()],
)
def test_values_gradient_through_sparse_ops_matches_torch(chain):
    rng = np.random.default_rng(8)
    (ours_a, ours_v), (theirs_a, theirs_v) = csr_pair(rng, "float64", requires_grad=True)
    dense, upstream = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    ours = mt.mm(chain(ours_a), mt.tensor(dense))
    theirs = torch.mm(chain(theirs_a), torch.tensor(dense))
    close(ours, theirs, "float64")
    ours.backward(mt.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    close(ours_v.grad, theirs_v.grad, "float64")
    (ours_a, ours_v), (theirs_a, theirs_v) = csr_pair(rng, "float64", requires_grad=True)
    chain(ours_a).sum().backward()
    chain(theirs_a).sum().backward()
    close(ours_v.grad, theirs_v.grad, "float64")


@pytest.mark.parametrize(
    "convert", [lambda x: x.to_sparse_csr(), lambda x: x.to_sparse().to_sparse_csr()]
)
def test_converted_tensors_that_require_grad_are_refused_where_torchs_gradient_is_dense(convert):
    """torch gives the dense source of a conversion a dense gradient (not the pattern's) here."""
    x = torch.tensor([[1.0, 0.0], [2.0, 3.0]], requires_grad=True)
    torch.mm(convert(x), torch.ones(2, 2)).sum().backward()
    assert x.grad[0, 1] != 0  # a dense gradient: the pattern would give 0
    ours = convert(mt.tensor([[1.0, 0.0], [2.0, 3.0]], requires_grad=True))
    with pytest.raises(NotImplementedError, match="dense gradient in mm"):
        mt.mm(ours, mt.ones(2, 2))
    with pytest.raises(NotImplementedError, match="dense gradient in sum"):
        ours.sum()
    assert mt.sparse.mm(ours, mt.ones(2, 2)).shape == (2, 2)  # the pattern's gradient, as torch
