"""``torch.nn.modules.batchnorm``'s import path.

It re-exports ``microtensor.nn.normalization`` and ``SyncBatchNorm``.
"""

from microtensor.nn.normalization import *  # noqa: F403
from microtensor.nn.normalization import _BatchNorm  # noqa: F401
from microtensor.nn.sync_batchnorm import SyncBatchNorm  # noqa: F401
