"""``torch.nn.modules.activation``'s import path.

It re-exports ``microtensor.nn.activation``, ``microtensor.nn.attention``.
"""

from microtensor.nn.activation import *  # noqa: F403
from microtensor.nn.activation import _DimActivation, _InplaceActivation  # noqa: F401
from microtensor.nn.attention import *  # noqa: F403
