"""``microtensor.linalg``: the part of ``torch.linalg`` that microtensor has."""

from microtensor.ops.linalg_extra import det, vector_norm
from microtensor.ops.linalg_extra import inverse as inv
from microtensor.ops.matrix import cross

__all__ = ["cross", "det", "inv", "vector_norm"]
