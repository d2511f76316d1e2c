"""Automatic mixed precision, as ``torch.amp``: ``GradScaler`` and ``autocast``.

``GradScaler`` is complete (loss scaling, inf/NaN checks, skipped steps, scale updates,
state dicts). ``autocast`` is accepted but changes no precision (see its docstring).
"""

from microtensor.amp.autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_enabled
from microtensor.amp.grad_scaler import GradScaler

__all__ = ["GradScaler", "autocast", "custom_bwd", "custom_fwd", "is_autocast_enabled"]
