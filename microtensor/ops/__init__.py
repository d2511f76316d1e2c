"""Differentiable operations, grouped by kind; re-exported from ``microtensor``.

Each module lists its public functions in ``__all__``; they are gathered here.
"""

from microtensor.ops._ufunc import ufunc_op
from microtensor.ops.arithmetic import *  # noqa: F403
from microtensor.ops.comparison import *  # noqa: F403
from microtensor.ops.conversion import *  # noqa: F403
from microtensor.ops.cumulative import *  # noqa: F403
from microtensor.ops.elementwise import *  # noqa: F403
from microtensor.ops.hyperbolic import *  # noqa: F403
from microtensor.ops.indexing import *  # noqa: F403
from microtensor.ops.joining import *  # noqa: F403
from microtensor.ops.linalg import *  # noqa: F403
from microtensor.ops.linalg_extra import *  # noqa: F403
from microtensor.ops.matrix import *  # noqa: F403
from microtensor.ops.misc import *  # noqa: F403
from microtensor.ops.misc_math import *  # noqa: F403
from microtensor.ops.rearrange import *  # noqa: F403
from microtensor.ops.reduction import *  # noqa: F403
from microtensor.ops.searching import *  # noqa: F403
from microtensor.ops.shape import *  # noqa: F403
from microtensor.ops.softmax import *  # noqa: F403
from microtensor.ops.sorting import *  # noqa: F403
from microtensor.ops.special import *  # noqa: F403
from microtensor.ops.statistics import *  # noqa: F403
