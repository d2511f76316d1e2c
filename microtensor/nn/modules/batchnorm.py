"""``torch.nn.modules.batchnorm``'s import path.

It re-exports ``microtensor.nn.normalization``.
"""

from microtensor.nn.normalization import *  # noqa: F403
from microtensor.nn.normalization import _BatchNorm  # noqa: F401
