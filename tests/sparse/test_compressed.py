"""CSR, CSC, BSR and BSC tensors: creation, queries, repr, checks and conversions, vs torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import microtensor as mt

# torch warns that it does not check invariants by default, and that CSR is in beta
pytestmark = pytest.mark.filterwarnings("ignore:Sparse")

CROW, COL, VALUES = [0, 1, 1, 3], [2, 0, 1], [1.0, 2.0, 3.0]
LAYOUTS = ["sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc"]
PARTS = {
    "sparse_csr": ("crow_indices", "col_indices"),
    "sparse_csc": ("ccol_indices", "row_indices"),
    "sparse_bsr": ("crow_indices", "col_indices"),
    "sparse_bsc": ("ccol_indices", "row_indices"),
}


def text(sparse):
    return repr(sparse).replace("microtensor.", "torch.")


def assert_same_error(error, torch_call, our_call):
    """Both calls raise ``error``; ours says the first line of torch's message."""
    with pytest.raises(error) as reference:
        torch_call()
    with pytest.raises(error) as ours:
        our_call()
    assert str(ours.value) == str(reference.value).split("\n")[0]


def assert_same_compressed(ours, theirs):
    """Same layout, size, nnz, index arrays (values and dtype) and values."""
    assert ours.layout.name == str(theirs.layout).removeprefix("torch.")
    assert tuple(ours.shape) == tuple(theirs.shape) and ours._nnz() == theirs._nnz()
    for part in (*PARTS[ours.layout.name], "values"):
        mine, reference = getattr(ours, part)().detach(), getattr(theirs, part)().detach()
        np.testing.assert_array_equal(mine.numpy(), reference.numpy())
        assert mine.numpy().dtype == reference.numpy().dtype


def dense_pair(rng, shape, density=0.5, dtype="float64"):
    data = (rng.standard_normal(shape) * (rng.random(shape) < density)).astype(dtype)
    return mt.tensor(data), torch.tensor(data)


@pytest.mark.parametrize("size", [None, (3, 3), (3, 5)])
def test_csr_creation_and_queries(size):
    ours = mt.sparse_csr_tensor(CROW, COL, VALUES, size)
    args = (CROW, COL, VALUES) if size is None else (CROW, COL, VALUES, size)
    theirs = torch.sparse_csr_tensor(*args)
    assert_same_compressed(ours, theirs)
    assert (ours.is_sparse, ours.is_sparse_csr) == (theirs.is_sparse, theirs.is_sparse_csr)
    assert ours.layout is mt.sparse_csr and ours.dtype is mt.float32
    assert (ours.dim(), ours.sparse_dim(), ours.dense_dim()) == (2, 2, 0)
    assert ours.size() == tuple(theirs.size()) and ours.size(-1) == theirs.size(-1)
    assert ours.numel() == theirs.numel() and len(ours) == len(theirs)
    np.testing.assert_array_equal(ours.to_dense().numpy(), theirs.to_dense().numpy())
    assert text(ours) == repr(theirs)


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_layout_from_its_constructor(name):
    blocks = name.endswith(("bsr", "bsc"))
    values = np.arange(1.0, 1 + 3 * 4).reshape(3, 2, 2) if blocks else np.array(VALUES)
    ours = getattr(mt, f"{name}_tensor")(CROW, COL, mt.tensor(values))
    theirs = getattr(torch, f"{name}_tensor")(CROW, COL, torch.tensor(values))
    assert_same_compressed(ours, theirs)
    assert ours.is_sparse_csr == theirs.is_sparse_csr and ours.is_sparse is False
    np.testing.assert_array_equal(ours.to_dense().numpy(), theirs.to_dense().numpy())
    assert text(ours) == repr(theirs)
    general = mt.sparse_compressed_tensor(CROW, COL, mt.tensor(values), layout=getattr(mt, name))
    assert_same_compressed(general, theirs)


@pytest.mark.parametrize("index_dtype", ["int32", "int64"])
def test_int32_indices_are_kept_as_torch(index_dtype):
    crow, col = np.array(CROW, dtype=index_dtype), np.array(COL, dtype=index_dtype)
    ours = mt.sparse_csr_tensor(mt.tensor(crow), mt.tensor(col), VALUES, (3, 3))
    theirs = torch.sparse_csr_tensor(torch.tensor(crow), torch.tensor(col), VALUES, (3, 3))
    assert_same_compressed(ours, theirs)
    assert text(ours) == repr(theirs)
    assert_same_compressed(ours.to_sparse_csc(), theirs.to_sparse_csc())
    np.testing.assert_array_equal(ours.to_dense().numpy(), theirs.to_dense().numpy())


@pytest.mark.parametrize(
    ("crow", "col", "values", "size", "kwargs"),
    [
        (CROW, COL, VALUES, (3, 3), {"dtype": torch.float64, "requires_grad": True}),
        (CROW, COL, [1, 2, 3], None, {}),
        ([0, 0, 0], np.zeros(0, dtype=np.int64), np.zeros(0), None, {}),
        ([0], np.zeros(0, dtype=np.int64), np.zeros(0), (0, 4), {}),
        ([[0, 1, 2], [0, 1, 2]], [[0, 1], [1, 0]], [[1.0, 2.0], [3.0, 4.0]], None, {}),
        ([0, 2, 3], [0, 40000, 7], [1.5, -2.0, 1e-4], (2, 40001), {"dtype": torch.float64}),
    ],
)
def test_repr_matches_torch(crow, col, values, size, kwargs):
    dtype = kwargs.pop("dtype", None)
    tensors = [np.asarray(a) for a in (crow, col, values)]
    ours = mt.sparse_csr_tensor(
        *(mt.tensor(a) for a in tensors), size, dtype=dtype and mt.float64, **kwargs
    )
    sized = () if size is None else (size,)
    theirs = torch.sparse_csr_tensor(
        *(torch.tensor(a) for a in tensors), *sized, dtype=dtype, **kwargs
    )
    assert text(ours) == repr(theirs)
    assert text(ours.detach().to_sparse_csc()) == repr(theirs.detach().to_sparse_csc())


# (constructor, compressed, plain, values, size): each breaks one of torch's rules
BROKEN = [
    ("sparse_csr_tensor", CROW, COL, VALUES, (3, 2)),  # a column out of range
    ("sparse_csr_tensor", [1, 1, 1, 3], COL, VALUES, (3, 3)),  # compressed[0] != 0
    ("sparse_csr_tensor", [0, 1, 1, 2], COL, VALUES, (3, 3)),  # compressed[-1] != nnz
    ("sparse_csr_tensor", [0, 2, 1, 3], COL, VALUES, (3, 3)),  # row 0 unsorted
    ("sparse_csr_tensor", CROW, [2, 1, 1], VALUES, (3, 3)),  # duplicate columns
    ("sparse_csr_tensor", [0, 4, 3, 4], [0, 1, 2, 0], VALUES + [4.0], (3, 3)),  # count > ncols
    ("sparse_csr_tensor", [1, 1, 0, 4], [0, 1, 5, 0], VALUES + [4.0], (3, 3)),  # bounds first
    ("sparse_csr_tensor", [0, 1, 3], COL, VALUES, (3, 3)),  # compressed length
    ("sparse_csr_tensor", CROW, COL, [1.0, 2.0], (3, 3)),  # values length
    ("sparse_csr_tensor", CROW, COL, VALUES, (3,)),  # size length
    ("sparse_csr_tensor", [CROW], COL, VALUES, (1, 3, 3)),  # index dims differ
    ("sparse_csr_tensor", [CROW], [COL], [VALUES], (2, 3, 3)),  # batch dims differ
    ("sparse_csr_tensor", CROW, COL, 1.0, (3, 3)),  # 0-d values
    ("sparse_csr_tensor", np.array(CROW, "int16"), np.array(COL, "int16"), VALUES, (3, 3)),
    ("sparse_csr_tensor", np.array(CROW, "int32"), COL, VALUES, (3, 3)),  # dtypes differ
    ("sparse_csr_tensor", [[0, 1, 0, 2], [1, 1, 1, 2]], [[0, 1]] * 2, [[1.0] * 2] * 2, (2, 3, 3)),
    ("sparse_csc_tensor", [0, 2, 1, 3], COL, VALUES, (3, 3)),
    ("sparse_csc_tensor", CROW, [2, 0, 5], VALUES, (3, 3)),
    ("sparse_csc_tensor", [0, 1, 3, 2], [0, 0, 1], VALUES, (3, 3)),
    ("sparse_bsr_tensor", CROW, COL, VALUES, (3, 3)),  # values without blocks
    ("sparse_bsr_tensor", [0, 1], [0], [[[1.0, 2.0], [3.0, 4.0]]], (3, 2)),  # blocks misfit
    ("sparse_bsr_tensor", [0, 1, 1], [1], [[[1.0, 2.0], [3.0, 4.0]]], (4, 2)),
    ("sparse_bsc_tensor", [0, 1, 1], [0], [[[1.0, 2.0], [3.0, 4.0]]], (4, 2)),
]


@pytest.mark.parametrize(("constructor", "compressed", "plain", "values", "size"), BROKEN)
def test_invariant_errors_are_torchs(constructor, compressed, plain, values, size):
    arrays = [np.asarray(a) for a in (compressed, plain, values)]
    assert_same_error(
        RuntimeError,
        lambda: getattr(torch, constructor)(
            *(torch.tensor(a) for a in arrays), size, check_invariants=True
        ),
        lambda: getattr(mt, constructor)(*(mt.tensor(a) for a in arrays), size),
    )


def test_empty_list_indices_are_float_as_torchs():
    assert_same_error(
        RuntimeError,
        lambda: torch.sparse_csr_tensor([0], [], [], (0, 4), check_invariants=True),
        lambda: mt.sparse_csr_tensor([0], [], [], (0, 4)),
    )


@pytest.mark.parametrize("layout", [None, "strided", "sparse_coo"])
def test_sparse_compressed_tensor_needs_a_compressed_layout(layout):
    with pytest.raises(RuntimeError) as reference:
        torch.sparse_compressed_tensor(CROW, COL, VALUES, layout=layout and getattr(torch, layout))
    with pytest.raises(RuntimeError) as ours:
        mt.sparse_compressed_tensor(CROW, COL, VALUES, layout=layout and getattr(mt, layout))
    assert str(ours.value) == str(reference.value)


def test_hybrid_values_are_refused():
    with pytest.raises(NotImplementedError, match="hybrid"):
        mt.sparse_csr_tensor(CROW, COL, [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    with pytest.raises(NotImplementedError, match="hybrid"):
        mt.ones(2, 2, 2).to_sparse_csr(dense_dim=1)
    with pytest.raises(RuntimeError, match=r"dense_dim argument must be in \[0,0\] range"):
        mt.ones(2, 2).to_sparse_csr(dense_dim=1)


@pytest.mark.parametrize("name", ["csr", "csc"])
@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4), (0, 3), (3, 0), (2, 2, 3, 3)])
def test_dense_round_trip_matches_torch(name, shape):
    rng = np.random.default_rng(len(shape))
    ours, theirs = dense_pair(rng, shape)
    if len(shape) > 2:  # torch needs the same count per batch: repeat one pattern
        data = np.broadcast_to(ours.numpy()[(0,) * (len(shape) - 2)], shape) * np.arange(
            1, 1 + np.prod(shape[:-2])
        ).reshape(*shape[:-2], 1, 1)
        ours, theirs = mt.tensor(data), torch.tensor(data)
    mine, reference = getattr(ours, f"to_sparse_{name}")(), getattr(theirs, f"to_sparse_{name}")()
    assert_same_compressed(mine, reference)
    assert_same_compressed(ours.to_sparse(layout=getattr(mt, f"sparse_{name}")), reference)
    np.testing.assert_array_equal(mine.to_dense().numpy(), ours.numpy())
    assert_same_compressed(mine.to_sparse_csr(), reference.to_sparse_csr())
    assert_same_compressed(mine.to_sparse_csc(), reference.to_sparse_csc())
    coo, reference_coo = mine.to_sparse_coo(), reference.to_sparse_coo()
    np.testing.assert_array_equal(coo._indices().numpy(), reference_coo._indices().numpy())
    np.testing.assert_array_equal(coo._values().numpy(), reference_coo._values().numpy())
    assert coo.is_coalesced() == reference_coo.is_coalesced()
    assert mine.to_sparse()._nnz() == reference.to_sparse()._nnz()


@pytest.mark.parametrize("name", ["bsr", "bsc"])
@pytest.mark.parametrize(
    ("shape", "blocksize"), [((4, 6), (2, 3)), ((4, 4), (1, 1)), ((2, 4, 2), (2, 1))]
)
def test_block_round_trip_matches_torch(name, shape, blocksize):
    rng = np.random.default_rng(3)
    data = rng.standard_normal(shape)
    data[..., : blocksize[0], :] = 0  # a row of empty blocks
    ours, theirs = mt.tensor(data), torch.tensor(data)
    mine = getattr(ours, f"to_sparse_{name}")(blocksize)
    reference = getattr(theirs, f"to_sparse_{name}")(blocksize)
    assert_same_compressed(mine, reference)
    assert text(mine) == repr(reference)
    np.testing.assert_array_equal(mine.to_dense().numpy(), data)
    for other in ("bsr", "bsc"):
        converted = getattr(mine, f"to_sparse_{other}")(blocksize)
        assert_same_compressed(converted, getattr(reference, f"to_sparse_{other}")(blocksize))
    np.testing.assert_array_equal(mine.to_sparse_coo().to_dense().numpy(), data)


def test_conversions_between_layouts_match_torch():
    rng = np.random.default_rng(5)
    ours, theirs = dense_pair(rng, (4, 6))
    coo, reference_coo = ours.to_sparse(), theirs.to_sparse()
    for name in ("csr", "csc"):
        assert_same_compressed(
            getattr(coo, f"to_sparse_{name}")(), getattr(reference_coo, f"to_sparse_{name}")()
        )
    duplicated = mt.sparse_coo_tensor([[0, 0, 1], [1, 1, 0]], [1.0, 2.0, 4.0], (2, 2))
    reference = torch.sparse_coo_tensor([[0, 0, 1], [1, 1, 0]], [1.0, 2.0, 4.0], (2, 2))
    assert_same_compressed(duplicated.to_sparse_csr(), reference.to_sparse_csr())
    csr, reference_csr = ours.to_sparse_csr(), theirs.to_sparse_csr()
    assert_same_compressed(csr.to_sparse_bsr((2, 3)), reference_csr.to_sparse_bsr((2, 3)))
    assert_same_compressed(
        csr.to_sparse(layout=mt.sparse_csc), reference_csr.to_sparse(layout=torch.sparse_csc)
    )
    assert csr.to_sparse_csr() is csr
    np.testing.assert_array_equal(csr.to_sparse(layout=mt.strided).numpy(), ours.numpy())


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda lib, s: s.to_sparse_bsr((2, 3)).to_sparse_csr(), RuntimeError),
        (lambda lib, s: s.to_sparse_bsr((2, 3)).to_sparse_csc(), RuntimeError),
        (lambda lib, s: s.to_sparse_bsr((2, 3)).to_sparse_bsr((1, 1)), RuntimeError),
        (lambda lib, s: s.to_sparse_bsr((2, 3)).to_sparse_bsc((1, 1)), RuntimeError),
        (lambda lib, s: s.to_dense().to_sparse_bsr((3, 3)), RuntimeError),
        (lambda lib, s: s.to_dense().to_sparse(layout=lib.sparse_bsr), RuntimeError),
        (lambda lib, s: s.to_sparse(1), RuntimeError),
        (lambda lib, s: s.to_dense()[None].to_sparse().to_sparse_csr(), RuntimeError),
        (lambda lib, s: lib.stack([s.to_dense(), s.to_dense() * 0]).to_sparse_csr(), RuntimeError),
        (lambda lib, s: s.to_dense().to_sparse(blocksize=(1, 1)), RuntimeError),
        (
            lambda lib, s: s.to_dense().to_sparse(layout=lib.sparse_csc, blocksize=(1, 1)),
            RuntimeError,
        ),
        (lambda lib, s: s.to_sparse(layout=lib.sparse_csc, blocksize=(1, 1)), RuntimeError),
        (lambda lib, s: s.to_sparse(layout=lib.sparse_bsc), RuntimeError),
        (
            lambda lib, s: s.to_sparse().to_sparse(layout=lib.sparse_csr, blocksize=(1, 1)),
            RuntimeError,
        ),
        (lambda lib, s: s.to_sparse().to_sparse(layout=lib.sparse_bsr), RuntimeError),
        (lambda lib, s: s.ccol_indices(), RuntimeError),
        (lambda lib, s: s.to_sparse_csc().col_indices(), RuntimeError),
        (lambda lib, s: s.indices(), RuntimeError),
        (lambda lib, s: s.to_dense().crow_indices(), RuntimeError),
        (lambda lib, s: s.to_dense().row_indices(), RuntimeError),
        (lambda lib, s: s.to_sparse().crow_indices(), RuntimeError),
        (lambda lib, s: lib.ones(2, 3, 3).to_sparse_csr().transpose(0, 1), RuntimeError),
        (lambda lib, s: lib.ones(2, 3, 3).to_sparse_csr().t(), RuntimeError),
        (lambda lib, s: lib.sparse.sum(s), RuntimeError),
        (lambda lib, s: s.sum(0), RuntimeError),
    ],
)
def test_refusals_are_torchs(call, error):
    dense = np.array([[1.0, 0.0, 2.0, 0.0, 0.0, 3.0], [0.0] * 6, [4.0] + [0.0] * 5, [0.0] * 6])
    assert_same_error(
        error,
        lambda: call(torch, torch.tensor(dense).to_sparse_csr()),
        lambda: call(mt, mt.tensor(dense).to_sparse_csr()),
    )


def test_transpose_scale_and_sum_match_torch():
    ours = mt.sparse_csr_tensor(CROW, COL, VALUES, (3, 4))
    theirs = torch.sparse_csr_tensor(CROW, COL, VALUES, (3, 4))
    for call in (
        lambda s: s.t(),
        lambda s: s.transpose(0, 1),
        lambda s: s.transpose(-1, -2).t(),
        lambda s: s.mT,
        lambda s: s * 2,
        lambda s: 3 * s,
        lambda s: -s,
        lambda s: s.mul(2.5),
        lambda s: s.to_sparse_csc().t(),
        lambda s: s.to_dense().to_sparse_bsr((1, 2)).t(),
    ):
        assert_same_compressed(call(ours), call(theirs))
        assert text(call(ours)) == repr(call(theirs))
    batched, reference = mt.ones(2, 3, 3).to_sparse_csr(), torch.ones(2, 3, 3).to_sparse_csr()
    assert_same_compressed(batched.transpose(1, 2), reference.transpose(1, 2))
    assert float(ours.sum()) == float(theirs.sum())
    with pytest.raises(NotImplementedError, match="dense gradient in sum"):
        ours.detach().requires_grad_().sum()
    for ref_error, call in ((RuntimeError, lambda s: s / 4), (RuntimeError, lambda s: s.div(2))):
        with pytest.raises(ref_error) as reference_error:
            call(theirs)
        with pytest.raises(ref_error) as error:
            call(ours)
        assert str(error.value) == str(reference_error.value)
    assert ours.sum(dtype=mt.float64).dtype is mt.float64


def test_copies_are_fresh_and_equal_torchs():
    ours = mt.sparse_csr_tensor(CROW, COL, VALUES, (3, 3))
    theirs = torch.sparse_csr_tensor(CROW, COL, VALUES, (3, 3))
    for name in ("crow_indices", "col_indices", "values"):
        copy = getattr(mt, f"{name}_copy")(ours)
        np.testing.assert_array_equal(copy.numpy(), getattr(torch, f"{name}_copy")(theirs).numpy())
        copy[0] = 7
        assert getattr(ours, name)()[0].item() != 7
    csc, reference = ours.to_sparse_csc(), theirs.to_sparse_csc()
    for name in ("ccol_indices", "row_indices"):
        copy = getattr(mt, f"{name}_copy")(csc)
        np.testing.assert_array_equal(
            copy.numpy(), getattr(torch, f"{name}_copy")(reference).numpy()
        )
    coo = mt.eye(3).to_sparse()
    np.testing.assert_array_equal(
        mt.indices_copy(coo).numpy(), torch.eye(3).to_sparse().indices().numpy()
    )
    for name in ("crow_indices_copy", "indices_copy", "values_copy"):
        with pytest.raises(RuntimeError) as reference_error:
            getattr(torch, name)(torch.eye(2))
        with pytest.raises(RuntimeError) as error:
            getattr(mt, name)(mt.eye(2))
        assert str(error.value) == str(reference_error.value).split("\n")[0]
    with pytest.raises(RuntimeError, match="ccol_indices expected sparse column compressed"):
        mt.ccol_indices_copy(ours)


def test_dense_ops_refuse_compressed_with_the_op_name():
    sparse = mt.sparse_csr_tensor(CROW, COL, VALUES)
    with pytest.raises(RuntimeError, match=r"relu\(\): got a sparse CSR tensor.*\.to_dense\(\)"):
        sparse.relu()
    with pytest.raises(RuntimeError, match=r"add\(\): got a sparse CSR tensor"):
        sparse + 1
    with pytest.raises(RuntimeError, match="multiplied only by a Python number"):
        sparse * mt.ones(3, 3)
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        _ = sparse.no_such_name


def test_leaf_gradient_has_the_pattern_as_torchs():
    rng = np.random.default_rng(7)
    upstream = rng.standard_normal((3, 3))
    ours = mt.sparse_csr_tensor(CROW, COL, VALUES, (3, 3), dtype=mt.float64, requires_grad=True)
    theirs = torch.sparse_csr_tensor(
        CROW, COL, VALUES, (3, 3), dtype=torch.float64, requires_grad=True
    )
    assert ours.is_leaf and ours.requires_grad and ours.grad is None
    (ours * 2).to_dense().backward(mt.tensor(upstream))
    (theirs * 2).to_dense().backward(torch.tensor(upstream))
    assert_same_compressed(ours.grad, theirs.grad)
    ours.grad = None
    assert ours.grad is None


@pytest.mark.parametrize("name", ["csr", "csc", "bsr"])
def test_gradient_through_dense_to_compressed(name):
    rng = np.random.default_rng(8)
    data = rng.standard_normal((4, 4)) * (rng.random((4, 4)) < 0.6)
    ours, theirs = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    args = ((2, 2),) if name == "bsr" else ()
    mine = getattr(ours, f"to_sparse_{name}")(*args)
    reference = getattr(theirs, f"to_sparse_{name}")(*args)
    weights = rng.standard_normal(tuple(reference.values().shape))
    (mine.values() * mt.tensor(weights)).sum().backward()
    (reference.values() * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_values_that_require_grad_make_a_non_leaf_as_torch():
    ours_v, theirs_v = (
        mt.tensor(VALUES, requires_grad=True),
        torch.tensor(VALUES, requires_grad=True),
    )
    ours = mt.sparse_csr_tensor(CROW, COL, ours_v, (3, 3))
    theirs = torch.sparse_csr_tensor(CROW, COL, theirs_v, (3, 3))
    assert (ours.is_leaf, ours.requires_grad) == (theirs.is_leaf, theirs.requires_grad)
    assert text(ours) == repr(theirs)
    upstream = np.random.default_rng(9).standard_normal((3, 3)).astype("float32")
    ours.to_dense().backward(mt.tensor(upstream))
    theirs.to_dense().backward(torch.tensor(upstream))
    np.testing.assert_array_equal(ours_v.grad.numpy(), theirs_v.grad.numpy())
