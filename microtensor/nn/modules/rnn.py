"""``torch.nn.modules.rnn``'s import path.

It re-exports ``microtensor.nn.rnn``, ``microtensor.nn.rnn_cells``.
"""

from microtensor.nn.rnn import *  # noqa: F403
from microtensor.nn.rnn_cells import *  # noqa: F403
from microtensor.nn.rnn_cells import _RNNCellBase  # noqa: F401
