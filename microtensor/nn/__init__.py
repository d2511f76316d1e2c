"""Neural-network building blocks: ``Module``, layers, activations, losses (``torch.nn``)."""

from microtensor.nn import functional, init, utils  # noqa: E402
from microtensor.nn.activation import *  # noqa: F403
from microtensor.nn.containers import *  # noqa: F403
from microtensor.nn.conv import *  # noqa: F403
from microtensor.nn.dropout import *  # noqa: F403
from microtensor.nn.flatten import *  # noqa: F403
from microtensor.nn.linear import *  # noqa: F403
from microtensor.nn.loss import *  # noqa: F403
from microtensor.nn.module import *  # noqa: F403
from microtensor.nn.normalization import *  # noqa: F403
from microtensor.nn.parameter import *  # noqa: F403
from microtensor.nn.pooling import *  # noqa: F403
from microtensor.nn.rnn import *  # noqa: F403
from microtensor.nn.sparse import *  # noqa: F403
