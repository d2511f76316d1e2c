"""Learning-rate schedulers (``torch.optim.lr_scheduler``): they set ``group["lr"]`` per epoch.

Call ``scheduler.step()`` after ``optimizer.step()``, once per epoch (or per batch for
OneCycleLR); ``ReduceLROnPlateau.step(metric)`` takes the monitored value. The classes live
in ``lr_scheduler_*.py`` files, one family each, and are all importable from here.

Example:
    >>> import microtensor as mt
    >>> from microtensor.optim.lr_scheduler import StepLR
    >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = StepLR(opt, step_size=1, gamma=0.5)
    >>> opt.step(); sched.step()
    >>> sched.get_last_lr()
    [0.5]
"""

from microtensor.optim.lr_scheduler_base import LRScheduler, _LRScheduler  # noqa: F401 - old name
from microtensor.optim.lr_scheduler_combine import ChainedScheduler, SequentialLR
from microtensor.optim.lr_scheduler_cycle import CyclicLR, OneCycleLR
from microtensor.optim.lr_scheduler_decay import (
    ConstantLR,
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    PolynomialLR,
    StepLR,
)
from microtensor.optim.lr_scheduler_lambda import LambdaLR, MultiplicativeLR
from microtensor.optim.lr_scheduler_plateau import ReduceLROnPlateau
from microtensor.optim.lr_scheduler_restarts import CosineAnnealingWarmRestarts

__all__ = [
    "LRScheduler",
    "LambdaLR",
    "MultiplicativeLR",
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "SequentialLR",
    "ChainedScheduler",
    "ReduceLROnPlateau",
    "OneCycleLR",
    "CyclicLR",
    "CosineAnnealingWarmRestarts",
    "PolynomialLR",
]
