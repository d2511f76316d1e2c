"""Neural-network building blocks: ``Module``, layers, activations, losses (``torch.nn``)."""

from microtensor.nn import (  # noqa: E402
    attention,  # torch.nn.attention: the scaled-dot-product-attention backends
    functional,
    grad,  # torch.nn.grad: the convolutions' input and weight gradients
    init,
    modules,  # torch.nn.modules' import paths
    parallel,
    utils,
)
from microtensor.nn.activation import *  # noqa: F403
from microtensor.nn.adaptive_pooling import *  # noqa: F403
from microtensor.nn.adaptive_softmax import *  # noqa: F403
from microtensor.nn.containers import *  # noqa: F403
from microtensor.nn.conv import *  # noqa: F403
from microtensor.nn.cross_map_lrn2d import *  # noqa: F403
from microtensor.nn.data_parallel import *  # noqa: F403
from microtensor.nn.distance import *  # noqa: F403
from microtensor.nn.dropout import *  # noqa: F403
from microtensor.nn.embedding_bag import *  # noqa: F403
from microtensor.nn.flatten import *  # noqa: F403
from microtensor.nn.fold import *  # noqa: F403
from microtensor.nn.instancenorm import *  # noqa: F403
from microtensor.nn.lazy import *  # noqa: F403
from microtensor.nn.linear import *  # noqa: F403
from microtensor.nn.linear_cross_entropy import *  # noqa: F403
from microtensor.nn.loss import *  # noqa: F403
from microtensor.nn.loss_ctc import *  # noqa: F403
from microtensor.nn.loss_margin import *  # noqa: F403
from microtensor.nn.module import *  # noqa: F403
from microtensor.nn.multihead_attention import *  # noqa: F403
from microtensor.nn.nll_loss2d import *  # noqa: F403
from microtensor.nn.normalization import *  # noqa: F403
from microtensor.nn.padding import *  # noqa: F403
from microtensor.nn.parameter import *  # noqa: F403
from microtensor.nn.pixelshuffle import *  # noqa: F403
from microtensor.nn.pooling import *  # noqa: F403
from microtensor.nn.rnn import *  # noqa: F403
from microtensor.nn.sparse import *  # noqa: F403
from microtensor.nn.sync_batchnorm import *  # noqa: F403
from microtensor.nn.transformer import *  # noqa: F403
from microtensor.nn.transformer_layers import *  # noqa: F403
from microtensor.nn.unpooling import *  # noqa: F403
from microtensor.nn.upsampling import *  # noqa: F403


def __getattr__(name: str) -> object:
    # torch.nn.common_types after `import torch`: loads on first use (import microtensor stays fast)
    if name in ("common_types",):
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
