"""``torch.nn.modules.flatten``'s import path.

It re-exports ``microtensor.nn.flatten``.
"""

from microtensor.nn.flatten import *  # noqa: F403
