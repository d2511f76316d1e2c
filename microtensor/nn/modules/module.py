"""``torch.nn.modules.module``'s import path.

It re-exports ``microtensor.nn.module``.
"""

from microtensor.nn.module import *  # noqa: F403
