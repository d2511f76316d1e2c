"""``torch.nn.modules.activation``'s import path.

It re-exports ``microtensor.nn.activation``, ``microtensor.nn.multihead_attention``.
"""

from microtensor.nn.activation import *  # noqa: F403
from microtensor.nn.activation import _DimActivation, _InplaceActivation  # noqa: F401
from microtensor.nn.multihead_attention import *  # noqa: F403
