"""``torch.nn.modules.module``'s import path.

It re-exports ``microtensor.nn.module`` and the hooks of every module
(``microtensor.nn.module_global_hooks``).
"""

from microtensor.nn.module import *  # noqa: F403
from microtensor.nn.module_global_hooks import *  # noqa: F403
