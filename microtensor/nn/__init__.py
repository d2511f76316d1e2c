"""Neural-network building blocks: ``Module``, layers, activations, losses (``torch.nn``).

The pieces every training script builds (Module, Parameter, the containers, Linear, the
activations, losses and dropouts, Flatten) load with the package; the other layers (Conv,
pooling, normalization, Embedding, the recurrent and transformer layers...) load on first use,
listed in ``_LAZY_NAMES`` (name -> the module under ``microtensor.nn`` that defines it) and
``_LAZY_SUBMODULES``, so that ``import microtensor`` stays light. Every name stays where it was:
``microtensor.nn.LazyLinear`` and ``from microtensor.nn import LSTM`` load their module.
"""

import importlib as _importlib
from typing import Any as _Any

from microtensor.nn import (  # noqa: E402
    functional,
    init,
)
from microtensor.nn.activation import *  # noqa: F403
from microtensor.nn.containers import *  # noqa: F403
from microtensor.nn.dropout import *  # noqa: F403
from microtensor.nn.flatten import *  # noqa: F403
from microtensor.nn.linear import *  # noqa: F403
from microtensor.nn.loss import *  # noqa: F403
from microtensor.nn.module import *  # noqa: F403
from microtensor.nn.parameter import *  # noqa: F403

# the layers that load on first use: public name -> its module under microtensor.nn
_LAZY_NAMES = {
    "AdaptiveMaxPool1d": "adaptive_pooling",
    "AdaptiveMaxPool2d": "adaptive_pooling",
    "AdaptiveMaxPool3d": "adaptive_pooling",
    "FractionalMaxPool2d": "adaptive_pooling",
    "FractionalMaxPool3d": "adaptive_pooling",
    "AdaptiveLogSoftmaxWithLoss": "adaptive_softmax",
    "Conv1d": "conv",
    "Conv2d": "conv",
    "Conv3d": "conv",
    "ConvTranspose1d": "conv",
    "ConvTranspose2d": "conv",
    "ConvTranspose3d": "conv",
    "CrossMapLRN2d": "cross_map_lrn2d",
    "DataParallel": "data_parallel",
    "CosineSimilarity": "distance",
    "PairwiseDistance": "distance",
    "EmbeddingBag": "embedding_bag",
    "Fold": "fold",
    "Unfold": "fold",
    "InstanceNorm1d": "instancenorm",
    "InstanceNorm2d": "instancenorm",
    "InstanceNorm3d": "instancenorm",
    "LazyBatchNorm1d": "lazy",
    "LazyBatchNorm2d": "lazy",
    "LazyBatchNorm3d": "lazy",
    "LazyConv1d": "lazy",
    "LazyConv2d": "lazy",
    "LazyConv3d": "lazy",
    "LazyConvTranspose1d": "lazy",
    "LazyConvTranspose2d": "lazy",
    "LazyConvTranspose3d": "lazy",
    "LazyInstanceNorm1d": "lazy",
    "LazyInstanceNorm2d": "lazy",
    "LazyInstanceNorm3d": "lazy",
    "LazyLinear": "lazy",
    "LazyModuleMixin": "lazy",
    "UninitializedBuffer": "lazy",
    "UninitializedParameter": "lazy",
    "LinearCrossEntropyLoss": "linear_cross_entropy",
    "CTCLoss": "loss_ctc",
    "HingeEmbeddingLoss": "loss_margin",
    "MultiLabelMarginLoss": "loss_margin",
    "MultiLabelSoftMarginLoss": "loss_margin",
    "MultiMarginLoss": "loss_margin",
    "TripletMarginLoss": "loss_margin",
    "TripletMarginWithDistanceLoss": "loss_margin",
    "MultiheadAttention": "multihead_attention",
    "NLLLoss2d": "nll_loss2d",
    "BatchNorm1d": "normalization",
    "BatchNorm2d": "normalization",
    "BatchNorm3d": "normalization",
    "GroupNorm": "normalization",
    "LayerNorm": "normalization",
    "LocalResponseNorm": "normalization",
    "RMSNorm": "normalization",
    "CircularPad1d": "padding",
    "CircularPad2d": "padding",
    "CircularPad3d": "padding",
    "ConstantPad1d": "padding",
    "ConstantPad2d": "padding",
    "ConstantPad3d": "padding",
    "ReflectionPad1d": "padding",
    "ReflectionPad2d": "padding",
    "ReflectionPad3d": "padding",
    "ReplicationPad1d": "padding",
    "ReplicationPad2d": "padding",
    "ReplicationPad3d": "padding",
    "ZeroPad1d": "padding",
    "ZeroPad2d": "padding",
    "ZeroPad3d": "padding",
    "ChannelShuffle": "pixelshuffle",
    "PixelShuffle": "pixelshuffle",
    "PixelUnshuffle": "pixelshuffle",
    "AdaptiveAvgPool1d": "pooling",
    "AdaptiveAvgPool2d": "pooling",
    "AdaptiveAvgPool3d": "pooling",
    "AvgPool1d": "pooling",
    "AvgPool2d": "pooling",
    "AvgPool3d": "pooling",
    "LPPool1d": "pooling",
    "LPPool2d": "pooling",
    "LPPool3d": "pooling",
    "MaxPool1d": "pooling",
    "MaxPool2d": "pooling",
    "MaxPool3d": "pooling",
    "GRU": "rnn",
    "GRUCell": "rnn",
    "LSTM": "rnn",
    "LSTMCell": "rnn",
    "RNN": "rnn",
    "RNNBase": "rnn",
    "RNNCell": "rnn",
    "RNNCellBase": "rnn",
    "Embedding": "sparse",
    "SyncBatchNorm": "sync_batchnorm",
    "Transformer": "transformer",
    "TransformerDecoder": "transformer",
    "TransformerEncoder": "transformer",
    "TransformerDecoderLayer": "transformer_layers",
    "TransformerEncoderLayer": "transformer_layers",
    "MaxUnpool1d": "unpooling",
    "MaxUnpool2d": "unpooling",
    "MaxUnpool3d": "unpooling",
    "Upsample": "upsampling",
    "UpsamplingBilinear2d": "upsampling",
    "UpsamplingNearest2d": "upsampling",
}

# submodules reachable as attributes (torch.nn.utils, torch.nn.modules ...), loaded on first use
_LAZY_SUBMODULES = (
    "attention",  # torch.nn.attention: the scaled-dot-product-attention backends
    "common_types",
    "grad",  # torch.nn.grad: the convolutions' input and weight gradients
    "modules",  # torch.nn.modules' import paths
    "parallel",
    "utils",
    *sorted(set(_LAZY_NAMES.values())),
)


def __getattr__(name: str) -> _Any:
    if name in _LAZY_NAMES:
        value = getattr(_importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
        globals()[name] = value
        return value
    if name in _LAZY_SUBMODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    lazy = [name for name in _LAZY_SUBMODULES if name != "common_types"]
    return sorted({*globals(), *_LAZY_NAMES, *lazy})
