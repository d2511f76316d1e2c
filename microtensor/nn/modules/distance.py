"""``torch.nn.modules.distance``'s import path.

It re-exports ``microtensor.nn.distance``.
"""

from microtensor.nn.distance import *  # noqa: F403
