"""``torch.nn.modules.pixelshuffle``'s import path.

It re-exports ``microtensor.nn.pixelshuffle``.
"""

from microtensor.nn.pixelshuffle import *  # noqa: F403
