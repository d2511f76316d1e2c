"""Utilities for parameters and gradients (``torch.nn.utils``)."""

from microtensor.nn.utils import (  # noqa: F401
    parametrizations,
    parametrize,
    prune,
    rnn,  # noqa: F401
    stateless,
)
from microtensor.nn.utils.clip_grad import *  # noqa: F403
from microtensor.nn.utils.convert_parameters import *  # noqa: F403
from microtensor.nn.utils.fusion import *  # noqa: F403
from microtensor.nn.utils.init import skip_init  # noqa: F401
from microtensor.nn.utils.spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401
from microtensor.nn.utils.weight_norm import remove_weight_norm, weight_norm  # noqa: F401
