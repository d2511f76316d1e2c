"""``microtensor.sparse``: COO sparse tensors and their products with dense tensors.

``microtensor.sparse_coo_tensor`` and ``Tensor.to_sparse()`` make them; ``sparse.mm``,
``sparse.addmm``, ``microtensor.spmm``, ``mm``, ``matmul`` and ``@`` multiply them with dense
matrices.
"""

from microtensor.sparse.coo import SparseTensor
from microtensor.sparse.products import addmm, mm, sum

__all__ = ["SparseTensor", "addmm", "mm", "sum"]
