"""``microtensor.sparse``: COO and compressed sparse tensors and their products with dense ones.

``microtensor.sparse_coo_tensor`` and ``Tensor.to_sparse()`` make COO tensors;
``sparse_csr_tensor``, ``sparse_csc_tensor``, ``sparse_bsr_tensor``, ``sparse_bsc_tensor``,
``sparse_compressed_tensor`` and ``Tensor.to_sparse_csr()`` (and kin) make compressed ones.
``sparse.mm``, ``sparse.addmm``, ``microtensor.spmm``, ``mm``, ``matmul`` and ``@`` multiply
them with dense matrices.
"""

from microtensor.sparse.compressed import SparseCompressedTensor
from microtensor.sparse.coo import SparseTensor
from microtensor.sparse.products import addmm, mm, sum

__all__ = ["SparseCompressedTensor", "SparseTensor", "addmm", "mm", "sum"]
