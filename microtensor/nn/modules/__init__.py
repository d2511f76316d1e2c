"""``torch.nn.modules``: the import paths PyTorch code uses for the layers.

``from torch.nn.modules.loss import _Loss`` becomes ``from microtensor.nn.modules.loss import
_Loss``; each submodule re-exports the ``microtensor.nn`` modules that hold those layers.
"""

# the submodules first: a star import below would otherwise bind microtensor.nn.rnn as `rnn`
from microtensor.nn.modules import (  # noqa: F401
    activation,
    batchnorm,
    container,
    conv,
    distance,
    dropout,
    flatten,
    fold,
    instancenorm,
    lazy,
    linear,
    loss,
    module,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
)
from microtensor.nn.modules.activation import *  # noqa: F403
from microtensor.nn.modules.batchnorm import *  # noqa: F403
from microtensor.nn.modules.container import *  # noqa: F403
from microtensor.nn.modules.conv import *  # noqa: F403
from microtensor.nn.modules.distance import *  # noqa: F403
from microtensor.nn.modules.dropout import *  # noqa: F403
from microtensor.nn.modules.flatten import *  # noqa: F403
from microtensor.nn.modules.fold import *  # noqa: F403
from microtensor.nn.modules.instancenorm import *  # noqa: F403
from microtensor.nn.modules.lazy import *  # noqa: F403
from microtensor.nn.modules.linear import *  # noqa: F403
from microtensor.nn.modules.loss import *  # noqa: F403
from microtensor.nn.modules.module import *  # noqa: F403
from microtensor.nn.modules.normalization import *  # noqa: F403
from microtensor.nn.modules.padding import *  # noqa: F403
from microtensor.nn.modules.pixelshuffle import *  # noqa: F403
from microtensor.nn.modules.pooling import *  # noqa: F403
from microtensor.nn.modules.rnn import *  # noqa: F403
from microtensor.nn.modules.sparse import *  # noqa: F403
from microtensor.nn.modules.transformer import *  # noqa: F403
from microtensor.nn.modules.upsampling import *  # noqa: F403
