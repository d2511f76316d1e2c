"""Optimizers (``torch.optim``): each updates parameters in place on arrays, without a graph."""

from microtensor.optim import lr_scheduler, swa_utils  # noqa: E402
from microtensor.optim.adadelta import *  # noqa: F403
from microtensor.optim.adafactor import *  # noqa: F403
from microtensor.optim.adagrad import *  # noqa: F403
from microtensor.optim.adam import *  # noqa: F403
from microtensor.optim.adamax import *  # noqa: F403
from microtensor.optim.adamw import *  # noqa: F403
from microtensor.optim.asgd import *  # noqa: F403
from microtensor.optim.lbfgs import *  # noqa: F403
from microtensor.optim.muon import *  # noqa: F403
from microtensor.optim.nadam import *  # noqa: F403
from microtensor.optim.optimizer import *  # noqa: F403
from microtensor.optim.radam import *  # noqa: F403
from microtensor.optim.rmsprop import *  # noqa: F403
from microtensor.optim.rprop import *  # noqa: F403
from microtensor.optim.sgd import *  # noqa: F403
from microtensor.optim.sparse_adam import *  # noqa: F403
