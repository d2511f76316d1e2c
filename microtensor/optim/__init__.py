"""Optimizers (``torch.optim``): each updates parameters in place on arrays, without a graph.

``Optimizer``, ``SGD``, ``Adam`` and ``AdamW`` load with the package; the other optimizers and
the ``lr_scheduler`` and ``swa_utils`` submodules load on first use (``_LAZY_NAMES``), so that
``import microtensor`` stays light: ``microtensor.optim.RMSprop`` loads its module.
"""

from typing import Any as _Any

from microtensor.optim.adam import *  # noqa: F403
from microtensor.optim.adamw import *  # noqa: F403
from microtensor.optim.optimizer import *  # noqa: F403
from microtensor.optim.sgd import *  # noqa: F403

# the optimizers that load on first use: public name -> its module under microtensor.optim
_LAZY_NAMES = {
    "ASGD": "asgd",
    "Adadelta": "adadelta",
    "Adafactor": "adafactor",
    "Adagrad": "adagrad",
    "Adamax": "adamax",
    "LBFGS": "lbfgs",
    "Muon": "muon",
    "NAdam": "nadam",
    "RAdam": "radam",
    "RMSprop": "rmsprop",
    "Rprop": "rprop",
    "SparseAdam": "sparse_adam",
}
_LAZY_SUBMODULES = ("lr_scheduler", "swa_utils", *sorted(set(_LAZY_NAMES.values())))


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
