"""Checks of the arguments every factory shares with PyTorch's (``device=``)."""

from __future__ import annotations

from typing import Any


def on_cpu(device: Any, caller: str) -> None:
    """Accept PyTorch's ``device=``: None, ``"cpu"``, ``"cpu:0"`` or a CPU ``device``.

    Raises:
        RuntimeError: for any other device (microtensor computes on the CPU).
    """
    if device is not None and str(device).split(":")[0] != "cpu":
        raise RuntimeError(
            f"{caller}(): microtensor runs on the CPU only; device={device!r} is not "
            f"available: pass device='cpu' or leave the argument out"
        )
