"""Utilities: data loading (``microtensor.utils.data``)."""

from typing import Any

from microtensor.utils import checkpoint, dlpack, hooks
from microtensor.utils.summary import ModelSummary, summary


def __getattr__(name: str) -> Any:
    # torch.utils._pytree after `import torch`: loads on first use (import microtensor stays fast)
    if name == "_pytree":
        import importlib

        return importlib.import_module(f"{__name__}._pytree")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
