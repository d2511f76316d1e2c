"""``torch.nn.modules.transformer``'s import path.

It re-exports ``microtensor.nn.transformer``, ``microtensor.nn.transformer_layers``.
"""

from microtensor.nn.transformer import *  # noqa: F403
from microtensor.nn.transformer_layers import *  # noqa: F403
from microtensor.nn.transformer_layers import _Layer  # noqa: F401
