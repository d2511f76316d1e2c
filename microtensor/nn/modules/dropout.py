"""``torch.nn.modules.dropout``'s import path.

It re-exports ``microtensor.nn.dropout``.
"""

from microtensor.nn.dropout import *  # noqa: F403
from microtensor.nn.dropout import _DropoutNd  # noqa: F401
