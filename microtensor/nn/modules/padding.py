"""``torch.nn.modules.padding``'s import path.

It re-exports ``microtensor.nn.padding``.
"""

from microtensor.nn.padding import *  # noqa: F403
from microtensor.nn.padding import _CircularPadNd, _ConstantPadNd, _PadNd, _ZeroPadNd  # noqa: F401
