"""``torch.nn.modules.conv``'s import path.

It re-exports ``microtensor.nn.conv``.
"""

from microtensor.nn.conv import *  # noqa: F403
from microtensor.nn.conv import _ConvNd, _ConvTransposeNd  # noqa: F401
