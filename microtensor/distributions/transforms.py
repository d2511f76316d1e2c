"""Invertible maps between constrained spaces, as ``torch.distributions.transforms``.

A ``Transform`` maps ``x`` in its ``domain`` to ``y`` in its ``codomain``: ``t(x)`` is the
forward map, ``t.inv(y)`` the inverse and ``t.log_abs_det_jacobian(x, y)`` is
``log |dy/dx|`` (summed over the event dims). ``TransformedDistribution`` pushes a base
distribution through a list of them. With ``cache_size=1`` a transform remembers its last
``(x, y)`` pair, so inverting a value it just produced returns the exact input.
"""

from microtensor.distributions._pointwise_transforms import (
    AbsTransform,
    AffineTransform,
    CumulativeDistributionTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    SoftplusTransform,
    TanhTransform,
)
from microtensor.distributions._shape_transforms import (
    CatTransform,
    ReshapeTransform,
    StackTransform,
)
from microtensor.distributions._transform_base import (
    ComposeTransform,
    IndependentTransform,
    Transform,
    identity_transform,
)
from microtensor.distributions._vector_transforms import (
    CorrCholeskyTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    SoftmaxTransform,
    StickBreakingTransform,
)

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "CatTransform",
    "ComposeTransform",
    "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "ExpTransform",
    "IndependentTransform",
    "LowerCholeskyTransform",
    "PositiveDefiniteTransform",
    "PowerTransform",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "SoftplusTransform",
    "StackTransform",
    "StickBreakingTransform",
    "TanhTransform",
    "Transform",
    "identity_transform",
]
