"""Adafactor: factored second moments and a step size relative to the parameters' scale."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.optim._complex_params import refuse_complex
from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_lr,
    lerp_,
    lr_scalar,
    new_step,
)
from microtensor.tensor import Tensor

__all__ = ["Adafactor"]


class Adafactor(Optimizer):
    """Adafactor, as ``torch.optim.Adafactor`` (PyTorch's single-tensor algorithm).

    For each parameter theta (of n elements) with gradient grad, at step t = 1, 2, ...::

        1. g = -grad if maximize else grad
        2. w = t ** beta2_decay                          (the weight of the new square, 1 - beta2_t)
        3. rho = min(lr, 1 / sqrt(t))
        4. alpha = max(eps2, RMS(theta)) * rho           (RMS(x) = sqrt(sum(x * x) / n))
        5. theta = theta * (1 - lr * weight_decay)
        6. if theta has 2 or more dims (factored over its last two, rows and columns):
               R = R + w * (mean(g * g, dim=-1) - R)     (row_var, shape [..., m, 1])
               C = C + w * (mean(g * g, dim=-2) - C)     (col_var, shape [..., 1, n])
               V = R * C / max(mean(R, dim=-2), eps1)
           else:
               V = V + w * (g * g - V)                   (variance, shaped like theta)
        7. U = g / sqrt(max(V, eps1 * eps1))
        8. theta = theta - alpha / max(1, RMS(U) / d) * U

    eps1 = None means the machine epsilon of the parameters' dtype (``finfo(dtype).eps``).
    ``state[p]`` keeps ``"step"`` (a 0-d tensor of the default float dtype, as in PyTorch) and
    either ``"row_var"`` and ``"col_var"`` or ``"variance"``, so PyTorch's state dicts load.

    Args:
        params: tensors or parameter groups to optimize (see ``Optimizer``).
        lr: the largest relative step size rho, and the weight decay's factor: a float or a
            1-element Tensor.
        beta2_decay: how fast beta2_t = 1 - t ** beta2_decay rises towards 1 (must be <= 0).
        eps: (eps1, eps2): eps1 floors the variance estimate and its row means (None: the
            dtype's epsilon); eps2 floors RMS(theta), so that zero parameters still move.
        d: the clipping threshold of the update's RMS.
        weight_decay: decoupled weight decay coefficient (multiplied by lr).
        foreach: PyTorch's kernel choice; accepted and kept in the groups (one implementation
            here, the same update).
        maximize: maximize the objective instead of minimizing it.

    Raises:
        ValueError: for a negative lr, eps1, eps2 or weight_decay, a positive beta2_decay,
            d < 1, or a Tensor lr with more than one element (PyTorch's messages).
        RuntimeError: at ``step()``, for a complex parameter with a gradient (as PyTorch,
            before the group's parameters are updated).

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
        >>> opt = mt.optim.Adafactor([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([[ 0.9044, -1.7067],
                [ 2.7892,  0.4461]], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
    ) -> None:
        check_lr("Adafactor", lr)
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = {
            "lr": lr,
            "beta2_decay": beta2_decay,
            "eps": eps,
            "d": d,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; return the closure's loss (if a closure is given)."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            with_grad = [p for p in group["params"] if p.grad is not None]
            refuse_complex("Adafactor", with_grad)
            eps1 = group["eps"][0]
            if eps1 is None and with_grad:
                # PyTorch takes the epsilon of the first parameter's dtype for the whole group
                eps1 = float(np.finfo(with_grad[0]._data.dtype).eps)
            for p in with_grad:
                self._update(p, group, eps1)
        return loss

    def _update(self, p: Tensor, group: dict[str, Any], eps1: float) -> None:
        lr, weight_decay = lr_scalar(group["lr"]), float(group["weight_decay"])
        param = p._data
        grad = -p.grad._data if group["maximize"] else p.grad._data  # type: ignore[union-attr]
        state = self.state[p]
        if len(state) == 0:
            state["step"] = new_step()
            if grad.ndim > 1:
                state["row_var"] = Tensor._make(np.zeros((*grad.shape[:-1], 1), param.dtype))
                state["col_var"] = Tensor._make(
                    np.zeros((*grad.shape[:-2], 1, grad.shape[-1]), param.dtype)
                )
            else:
                state["variance"] = Tensor._make(np.zeros_like(param))
        state["step"]._data += 1
        step = float(state["step"]._data)
        weight = step ** float(group["beta2_decay"])
        rho = min(lr, 1 / step**0.5)
        alpha = max(float(group["eps"][1]), _rms(param)) * rho
        if weight_decay != 0:
            param *= 1 - lr * weight_decay
        squared = grad * grad
        if grad.ndim > 1:
            row_var, col_var = state["row_var"]._data, state["col_var"]._data
            lerp_(row_var, squared.mean(axis=-1, keepdims=True), weight)
            lerp_(col_var, squared.mean(axis=-2, keepdims=True), weight)
            # row_var @ col_var in PyTorch: an outer product, one multiplication per element
            var_estimate = row_var * col_var
            var_estimate /= np.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
        else:
            variance = state["variance"]._data
            lerp_(variance, squared, weight)
            var_estimate = variance.copy()
        # eps1 squared, since the square root below brings it back to eps1's magnitude
        update = np.maximum(var_estimate, eps1 * eps1, out=var_estimate)
        np.sqrt(update, out=update)
        np.reciprocal(update, out=update)  # PyTorch's rsqrt, then the product with g
        update *= grad
        denom = max(1.0, _rms(update) / float(group["d"]))
        update *= -alpha / denom
        param += update
        p._version_counter[0] += 1  # an in-place update, as PyTorch counts it


def _rms(array: np.ndarray) -> float:
    """The root mean square, as PyTorch's ``x.norm(2).item() / x.numel() ** 0.5``."""
    return float(np.sqrt(np.vdot(array, array))) / array.size**0.5
