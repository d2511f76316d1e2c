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
from microtensor.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
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

# torch.autograd's submodules that load on first use (functional: a training script does not
# need it; gradcheck stays eager: its function shares the module's name and must replace it)
_LAZY_SUBMODULES = ("functional", "profiler", "profiler_util")


def __getattr__(name: str) -> object:
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "functional"})
