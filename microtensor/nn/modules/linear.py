"""``torch.nn.modules.linear``'s import path.

It re-exports ``microtensor.nn.linear``.
"""

from microtensor.nn.linear import *  # noqa: F403
