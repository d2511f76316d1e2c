"""Automatic differentiation: Function, backward, grad, grad modes, gradcheck, anomaly mode."""

from microtensor.autograd import anomaly_mode, graph, variable
from microtensor.autograd.anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from microtensor.autograd.api import backward, grad
from microtensor.autograd.function import Function
from microtensor.autograd.grad_mode import (
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from microtensor.autograd.inference import inference_mode
from microtensor.autograd.multithreading import (
    is_multithreading_enabled,
    set_multithreading_enabled,
)
from microtensor.autograd.variable import Variable

__all__ = [
    "Function",
    "GradcheckError",
    "Variable",
    "anomaly_mode",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "functional",
    "graph",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "is_multithreading_enabled",
    "no_grad",
    "set_detect_anomaly",
    "set_grad_enabled",
    "set_multithreading_enabled",
    "variable",
]

# last: forward_ad needs Tensor, whose ops import the names above
from microtensor.autograd import forward_ad  # noqa: E402

# loaded on first use (a training script needs neither): public name -> its module
_LAZY_NAMES = {
    "GradcheckError": "gradcheck",
    "gradcheck": "gradcheck",
    "gradgradcheck": "gradcheck",
}
# torch.autograd's submodules that load on first use; dir() lists those it listed when eager
_LAZY_SUBMODULES = ("functional", "gradcheck", "profiler", "profiler_util")


def __getattr__(name: str) -> object:
    import importlib

    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
        globals()[name] = value
        return value
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_NAMES, "functional", "gradcheck"})
