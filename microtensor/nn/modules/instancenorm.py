"""``torch.nn.modules.instancenorm``'s import path.

It re-exports ``microtensor.nn.instancenorm``.
"""

from microtensor.nn.instancenorm import *  # noqa: F403
from microtensor.nn.instancenorm import _InstanceNorm  # noqa: F401
