"""``torch.nn.modules.loss``'s import path.

It re-exports ``microtensor.nn.loss``, ``microtensor.nn.loss_ctc``, ``microtensor.nn.loss_margin``.
"""

from microtensor.nn.loss import *  # noqa: F403
from microtensor.nn.loss import _Loss, _WeightedLoss  # noqa: F401
from microtensor.nn.loss_ctc import *  # noqa: F403
from microtensor.nn.loss_margin import *  # noqa: F403
