"""Utilities: data loading (``microtensor.utils.data``)."""

from typing import Any

from microtensor.utils import dlpack, hooks
from microtensor.utils.summary import ModelSummary, summary

# torch.utils' submodules that load on first use (import microtensor stays light)
_LAZY_SUBMODULES = ("_pytree", "checkpoint", "data")


def __getattr__(name: str) -> Any:
    if name in _LAZY_SUBMODULES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "checkpoint", "data"})
