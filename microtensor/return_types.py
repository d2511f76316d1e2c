"""``torch.return_types``: the named tuples that ops returning several tensors give back.

``x.max(dim=0)`` is a ``return_types.max`` with fields ``values`` and ``indices``; programs
unpack it (``values, indices = x.max(0)``), read its fields, or test its type
(``isinstance(r, microtensor.return_types.max)``). The classes live beside their ops; this
module gives them torch's names.

Example:
    >>> import microtensor as mt
    >>> r = mt.tensor([[1.0, 5.0], [3.0, 2.0]]).max(dim=0)
    >>> isinstance(r, mt.return_types.max), r.indices.tolist()
    (True, [1, 0])
"""

from __future__ import annotations

from microtensor.ops.counting import HistogramddResult as histogramdd
from microtensor.ops.counting import HistogramResult as histogram
from microtensor.ops.cumulative import CummaxResult as cummax
from microtensor.ops.cumulative import CumminResult as cummin
from microtensor.ops.extrema import AminmaxResult as aminmax
from microtensor.ops.extrema import MaxResult as max  # noqa: A004 - torch's name
from microtensor.ops.extrema import MinResult as min  # noqa: A004 - torch's name
from microtensor.ops.float_bits import FrexpResult as frexp
from microtensor.ops.linalg_results import PLU as linalg_lu
from microtensor.ops.linalg_results import QR as linalg_qr
from microtensor.ops.linalg_results import SVD as linalg_svd
from microtensor.ops.linalg_results import CholeskyEx as linalg_cholesky_ex
from microtensor.ops.linalg_results import Eig as linalg_eig
from microtensor.ops.linalg_results import InvEx as linalg_inv_ex
from microtensor.ops.linalg_results import LDLFactor as linalg_ldl_factor
from microtensor.ops.linalg_results import LDLFactorEx as linalg_ldl_factor_ex
from microtensor.ops.linalg_results import Lstsq as linalg_lstsq
from microtensor.ops.linalg_results import LUFactor as linalg_lu_factor
from microtensor.ops.linalg_results import LUFactorEx as linalg_lu_factor_ex
from microtensor.ops.linalg_results import OldSVD as svd
from microtensor.ops.linalg_results import SLogDet as linalg_slogdet
from microtensor.ops.linalg_results import SolveEx as linalg_solve_ex
from microtensor.ops.linalg_results import TriangularSolve as triangular_solve
from microtensor.ops.sorting import KthvalueResult as kthvalue
from microtensor.ops.sorting import MedianResult as median
from microtensor.ops.sorting import ModeResult as mode
from microtensor.ops.sorting import NanmedianResult as nanmedian
from microtensor.ops.sorting import SortResult as sort
from microtensor.ops.sorting import TopkResult as topk

# one class serves where torch has two of the same fields
linalg_eigh = linalg_eig
slogdet = linalg_slogdet
qr = linalg_qr
lu_unpack = linalg_lu

__all__ = [
    "aminmax", "cummax", "cummin", "frexp", "histogram", "histogramdd", "kthvalue",
    "linalg_cholesky_ex", "linalg_eig", "linalg_eigh", "linalg_inv_ex", "linalg_ldl_factor",
    "linalg_ldl_factor_ex", "linalg_lstsq", "linalg_lu", "linalg_lu_factor",
    "linalg_lu_factor_ex", "linalg_qr", "linalg_slogdet", "linalg_solve_ex", "linalg_svd",
    "lu_unpack", "max", "median", "min", "mode", "nanmedian", "qr", "slogdet", "sort", "svd",
    "topk", "triangular_solve",
]  # fmt: skip
