"""``F.pad`` is ``ops.pad`` (every mode; negative widths crop), documented there."""

from microtensor.ops.padding import pad

__all__ = ["pad"]
