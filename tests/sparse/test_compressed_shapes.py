"""Dense <-> CSR, CSC, BSR, BSC over hypothesis shapes: batch dims, size-1 and empty dims.

(The reprs are compared in test_compressed.py on chosen cases: microtensor's dense repr wraps
long integer rows one element earlier than torch's, in _tensor_str, which these shapes hit.)
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import microtensor as mt

pytestmark = pytest.mark.filterwarnings("ignore:Sparse")

BATCHES = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)
SIDES = st.integers(0, 5)


def patterned(rng, batch, rows, cols):
    """Batches sharing one pattern (torch needs the same count per batch), values differing."""
    mask = rng.random((rows, cols)) < 0.5
    values = rng.standard_normal((*batch, rows, cols))
    return values * mask


@given(
    batch=BATCHES,
    rows=SIDES,
    cols=SIDES,
    name=st.sampled_from(["csr", "csc"]),
    seed=st.integers(0, 2**16),
)
def test_dense_to_compressed_and_back_matches_torch(batch, rows, cols, name, seed):
    data = patterned(np.random.default_rng(seed), batch, rows, cols)
    ours = getattr(mt.tensor(data), f"to_sparse_{name}")()
    theirs = getattr(torch.tensor(data), f"to_sparse_{name}")()
    compressed, plain = (
        ("crow_indices", "col_indices") if name == "csr" else ("ccol_indices", "row_indices")
    )
    for part in (compressed, plain, "values"):
        np.testing.assert_array_equal(
            getattr(ours, part)().numpy(), getattr(theirs, part)().numpy()
        )
    np.testing.assert_array_equal(ours.to_dense().numpy(), data)
    other = "csc" if name == "csr" else "csr"
    np.testing.assert_array_equal(
        getattr(ours, f"to_sparse_{other}")().values().numpy(),
        getattr(theirs, f"to_sparse_{other}")().values().numpy(),
    )
    np.testing.assert_array_equal(ours.to_sparse_coo().to_dense().numpy(), data)
    np.testing.assert_array_equal(ours.mT.to_dense().numpy(), np.swapaxes(data, -1, -2))


@given(
    batch=BATCHES,
    blocks=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    blocksize=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    name=st.sampled_from(["bsr", "bsc"]),
    seed=st.integers(0, 2**16),
)
def test_dense_to_blocks_and_back_matches_torch(batch, blocks, blocksize, name, seed):
    rng = np.random.default_rng(seed)
    block_mask = rng.random(blocks) < 0.5
    mask = np.kron(block_mask, np.ones(blocksize))
    shape = (*batch, blocks[0] * blocksize[0], blocks[1] * blocksize[1])
    data = (rng.standard_normal(shape) + 5.0) * mask  # non-zero inside every kept block
    ours = getattr(mt.tensor(data), f"to_sparse_{name}")(blocksize)
    theirs = getattr(torch.tensor(data), f"to_sparse_{name}")(blocksize)
    np.testing.assert_array_equal(ours.values().numpy(), theirs.values().numpy())
    np.testing.assert_array_equal(ours.to_dense().numpy(), data)
    np.testing.assert_array_equal(ours.mT.to_dense().numpy(), np.swapaxes(data, -1, -2))
