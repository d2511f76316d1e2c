"""Fused regression losses: squared error, smooth L1 and Huber, each one graph node.

torch computes these losses with one kernel per loss (``MseLossBackward0``,
``SmoothL1LossBackward0``, ``HuberLossBackward0``) for every reduction, so each is one op
here: the elementwise loss, reduced inside the op ('none', 'mean' or 'sum'). Inputs arrive with
one shape (the caller broadcasts them first, as torch's ``broadcast_tensors``). Each backward
is written with operators and ``ops.dual`` on the saved inputs, so it is recorded under
``create_graph=True``; masks (which branch of a piecewise loss) are constants from forward.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from microtensor.autograd.function import Op
from microtensor.nn._functional._loss_common import reduce_array
from microtensor.ops import dual


def _reduced(ctx: Any, loss: np.ndarray, reduction: str) -> np.ndarray:
    """``loss`` reduced; ``ctx.norm`` is the factor 'mean' puts on every gradient."""
    ctx.norm = 1.0 / loss.size if reduction == "mean" and loss.size else 1.0
    return reduce_array(loss, reduction)


class MseLoss(Op, node_name="MseLossBackward0"):
    """loss = (a - b)**2, reduced;  dloss/da = 2 (a - b) * norm = -dloss/db.

    One node instead of sub, square and sum (a W1 training step: about -20%); tested against
    the composition.
    """

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any, reduction: str) -> Any:
        ctx.save_for_backward(a, b)
        diff = a - b
        return _reduced(ctx, diff * diff, reduction)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b = ctx.saved_tensors
        grad = (a - b) * (grad_out * (2.0 * ctx.norm))
        return grad, -grad if ctx.needs_input_grad[1] else None, None


class SmoothL1Loss(Op, node_name="SmoothL1LossBackward0"):
    """loss = s * (0.5 d**2 / beta if |d| < beta else |d| - 0.5 beta),  d = a - b, reduced.

    dloss/da = s * (d / beta if |d| < beta else sign(d)) * norm = -dloss/db (torch's choice at
    |d| = beta: the linear branch, whose slope is the same). ``s = 1`` for smooth L1;
    ``HuberLoss`` is ``s = beta = delta``.
    """

    scaled_by_beta = False

    @staticmethod
    def forward(ctx: Any, a: Any, b: Any, reduction: str, beta: float) -> Any:
        ctx.save_for_backward(a, b)
        diff = a - b
        dist = np.abs(diff)
        ctx.inner = dist < beta
        ctx.sign = np.sign(diff)
        ctx.beta = beta
        ctx.scale = scale = beta if ctx.scaled_by_beta else 1.0
        # the two branches evaluated where they hold: no 0 / beta for beta = 0
        quadratic = diff * diff * (0.5 * scale / beta) if beta > 0 else np.zeros_like(diff)
        loss = np.where(ctx.inner, quadratic, (dist - 0.5 * beta) * scale)
        return _reduced(ctx, loss.astype(diff.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:
        a, b = ctx.saved_tensors
        g = grad_out * (ctx.scale * ctx.norm)
        slope = ctx.sign
        if ctx.inner.any():
            slope = dual.where(ctx.inner, (a - b) * (1.0 / ctx.beta), slope)
        grad = g * slope
        return grad, -grad if ctx.needs_input_grad[1] else None, None, None


class HuberLoss(SmoothL1Loss, node_name="HuberLossBackward0"):
    """loss = 0.5 d**2 if |d| < delta else delta (|d| - 0.5 delta): ``delta * smooth_l1``."""

    scaled_by_beta = True
