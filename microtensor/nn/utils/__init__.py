"""Utilities for parameters and gradients (``torch.nn.utils``)."""

from microtensor.nn.utils.clip_grad import *  # noqa: F403
from microtensor.nn.utils.convert_parameters import *  # noqa: F403
