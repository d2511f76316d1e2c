"""``torch.nn.modules.lazy``'s import path.

It re-exports ``microtensor.nn.lazy``.
"""

from microtensor.nn.lazy import *  # noqa: F403
from microtensor.nn.lazy import (  # noqa: F401
    _LazyConvMixin,
    _LazyConvTransposeMixin,
    _LazyNormMixin,
    _Uninitialized,
)
