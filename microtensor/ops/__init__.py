"""Differentiable operations, grouped by kind; re-exported from ``microtensor``.

Each module lists its public functions in ``__all__``; they are gathered here.
"""

from microtensor.ops._ufunc import ufunc_op
from microtensor.ops.arithmetic import *  # noqa: F403
from microtensor.ops.bessel import *  # noqa: F403
from microtensor.ops.broadcasting import *  # noqa: F403
from microtensor.ops.calculus import *  # noqa: F403
from microtensor.ops.cholesky_decomposition import *  # noqa: F403
from microtensor.ops.combinatorics import *  # noqa: F403
from microtensor.ops.comparison import *  # noqa: F403
from microtensor.ops.complex_parts import *  # noqa: F403
from microtensor.ops.conversion import *  # noqa: F403
from microtensor.ops.counting import *  # noqa: F403
from microtensor.ops.cumulative import *  # noqa: F403
from microtensor.ops.division import *  # noqa: F403
from microtensor.ops.eigen_decomposition import *  # noqa: F403
from microtensor.ops.einsum import *  # noqa: F403
from microtensor.ops.elementwise import *  # noqa: F403
from microtensor.ops.encoding import *  # noqa: F403
from microtensor.ops.extrema import *  # noqa: F403
from microtensor.ops.float_bits import *  # noqa: F403
from microtensor.ops.gamma import *  # noqa: F403
from microtensor.ops.hashing import *  # noqa: F403
from microtensor.ops.hyperbolic import *  # noqa: F403
from microtensor.ops.index_update import *  # noqa: F403
from microtensor.ops.indexing import *  # noqa: F403
from microtensor.ops.integer_arithmetic import *  # noqa: F403
from microtensor.ops.inverses import *  # noqa: F403
from microtensor.ops.joining import *  # noqa: F403
from microtensor.ops.linalg import *  # noqa: F403
from microtensor.ops.logaddexp import *  # noqa: F403
from microtensor.ops.logarithmic import *  # noqa: F403
from microtensor.ops.lowrank import *  # noqa: F403
from microtensor.ops.lu_decomposition import *  # noqa: F403
from microtensor.ops.matrix import *  # noqa: F403
from microtensor.ops.matrix_functions import *  # noqa: F403
from microtensor.ops.matrix_products import *  # noqa: F403
from microtensor.ops.matrix_properties import *  # noqa: F403
from microtensor.ops.moments import *  # noqa: F403
from microtensor.ops.nan import *  # noqa: F403
from microtensor.ops.native_norms import *  # noqa: F403
from microtensor.ops.norms import *  # noqa: F403
from microtensor.ops.padding import *  # noqa: F403
from microtensor.ops.piecewise import *  # noqa: F403
from microtensor.ops.pnorm import *  # noqa: F403
from microtensor.ops.qr_decomposition import *  # noqa: F403
from microtensor.ops.quantile import *  # noqa: F403
from microtensor.ops.random_sampling import *  # noqa: F403
from microtensor.ops.rearrange import *  # noqa: F403
from microtensor.ops.reduction import *  # noqa: F403
from microtensor.ops.resizing import *  # noqa: F403
from microtensor.ops.scatter import *  # noqa: F403
from microtensor.ops.searching import *  # noqa: F403
from microtensor.ops.shape import *  # noqa: F403
from microtensor.ops.softmax import *  # noqa: F403
from microtensor.ops.solvers import *  # noqa: F403
from microtensor.ops.sorting import *  # noqa: F403
from microtensor.ops.special import *  # noqa: F403
from microtensor.ops.splitting import *  # noqa: F403
from microtensor.ops.statistics import *  # noqa: F403
from microtensor.ops.strided import *  # noqa: F403
from microtensor.ops.svd_decomposition import *  # noqa: F403
from microtensor.ops.tensor_queries import *  # noqa: F403
from microtensor.ops.vandermonde import *  # noqa: F403
from microtensor.ops.view_copies import *  # noqa: F403
