"""``microtensor.linalg``: ``torch.linalg`` for real inputs, with gradients.

Every function lives in a module of ``microtensor.ops`` named for its concept (solvers,
inverses, decompositions, norms, matrix properties, functions and products); this module
gathers them under PyTorch's names.
"""

from microtensor.ops import matrix
from microtensor.ops._linalg_common import LinAlgError
from microtensor.ops.cholesky_decomposition import cholesky_ex
from microtensor.ops.cholesky_decomposition import linalg_cholesky as cholesky
from microtensor.ops.eigen_decomposition import eig, eigh, eigvals, eigvalsh
from microtensor.ops.inverses import inv_ex, pinv, tensorinv
from microtensor.ops.inverses import inverse as inv
from microtensor.ops.ldl_decomposition import ldl_factor, ldl_factor_ex, ldl_solve
from microtensor.ops.linalg import matmul
from microtensor.ops.lu_decomposition import linalg_lu as lu
from microtensor.ops.lu_decomposition import linalg_lu_solve as lu_solve
from microtensor.ops.lu_decomposition import lu_factor, lu_factor_ex
from microtensor.ops.matrix import cross
from microtensor.ops.matrix_functions import matrix_exp, matrix_power
from microtensor.ops.matrix_products import householder_product, multi_dot, vander, vecdot
from microtensor.ops.matrix_properties import cond, det, matrix_rank, slogdet
from microtensor.ops.norms import matrix_norm, norm, vector_norm
from microtensor.ops.qr_decomposition import linalg_qr as qr
from microtensor.ops.solvers import lstsq, solve, solve_ex, solve_triangular, tensorsolve
from microtensor.ops.svd_decomposition import linalg_svd as svd
from microtensor.ops.svd_decomposition import svdvals
from microtensor.tensor import Tensor

# fmt: off
__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh",
    "eigvals", "eigvalsh", "householder_product", "inv", "inv_ex", "ldl_factor", "ldl_factor_ex",
    "ldl_solve", "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matmul", "matrix_exp",
    "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet",
    "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander",
    "vecdot", "vector_norm",
]
# fmt: on


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: N803
    """``torch.linalg.diagonal``: ``diagonal(A, offset, dim1, dim2)`` with matrix defaults.

    Example:
        >>> import microtensor as mt
        >>> mt.linalg.diagonal(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
        tensor([1., 4.])
    """
    return matrix.diagonal(A, offset, dim1, dim2)
