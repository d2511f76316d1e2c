"""``torch.nn.modules.container``'s import path.

It re-exports ``microtensor.nn.containers``.
"""

from microtensor.nn.containers import *  # noqa: F403
