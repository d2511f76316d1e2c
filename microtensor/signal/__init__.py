"""``torch.signal``: signal-processing helpers; ``windows`` holds the window functions."""

from microtensor.signal import windows

__all__ = ["windows"]
