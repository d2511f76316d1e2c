"""Utilities for parameters and gradients (``torch.nn.utils``).

Gradient clipping, parameter vectors, ``skip_init`` and the weight and spectral norm hooks load
with the package; the submodules a training loop rarely needs (``prune``, ``parametrize``,
``parametrizations``, ``rnn``, ``stateless``) and the fusion functions load on first use.
"""

from typing import Any as _Any

from microtensor.nn.utils.clip_grad import *  # noqa: F403
from microtensor.nn.utils.convert_parameters import *  # noqa: F403
from microtensor.nn.utils.init import skip_init  # noqa: F401

# isort: split
# last: these functions share their module's name and must replace the module attribute
from microtensor.nn.utils.spectral_norm import remove_spectral_norm, spectral_norm  # noqa: F401
from microtensor.nn.utils.weight_norm import remove_weight_norm, weight_norm  # noqa: F401

# the functions that load on first use: public name -> its module under microtensor.nn.utils
_LAZY_NAMES = {
    "fuse_conv_bn_eval": "fusion",
    "fuse_conv_bn_weights": "fusion",
    "fuse_linear_bn_eval": "fusion",
    "fuse_linear_bn_weights": "fusion",
}
_LAZY_SUBMODULES = ("fusion", "parametrizations", "parametrize", "prune", "rnn", "stateless")


def __getattr__(name: str) -> _Any:
    import importlib

    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
        globals()[name] = value
        return value
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_NAMES, *_LAZY_SUBMODULES})
