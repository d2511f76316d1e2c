"""``torch.nn.modules.fold``'s import path.

It re-exports ``microtensor.nn.fold``.
"""

from microtensor.nn.fold import *  # noqa: F403
