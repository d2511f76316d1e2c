"""``torch.nn.modules.upsampling``'s import path.

It re-exports ``microtensor.nn.upsampling``.
"""

from microtensor.nn.upsampling import *  # noqa: F403
