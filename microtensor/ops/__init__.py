"""Differentiable operations, grouped by kind; re-exported from ``microtensor``."""

from microtensor.ops.arithmetic import (
    add,
    addcdiv,
    addcmul,
    div,
    divide,
    floor_divide,
    fmod,
    mul,
    multiply,
    neg,
    negative,
    pow,
    remainder,
    sub,
    subtract,
    true_divide,
)
from microtensor.ops.conversion import (
    clone,
    copy_op,
    full_like_op,
    new_full,
    new_tensor,
    random_like_op,
    to,
)
from microtensor.ops.reduction import mean, sum
