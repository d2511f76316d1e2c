"""``torch.nn.modules.pooling``'s import path.

It re-exports ``microtensor.nn.pooling``, ``microtensor.nn.adaptive_pooling`` and
``microtensor.nn.unpooling``.
"""

from microtensor.nn.adaptive_pooling import *  # noqa: F403
from microtensor.nn.adaptive_pooling import _AdaptiveMaxPoolNd, _FractionalMaxPoolNd  # noqa: F401
from microtensor.nn.pooling import *  # noqa: F403
from microtensor.nn.pooling import _LPPoolNd, _MaxPoolNd  # noqa: F401
from microtensor.nn.unpooling import *  # noqa: F403
from microtensor.nn.unpooling import _MaxUnpoolNd  # noqa: F401
