"""Adam: adaptive moment estimation (with AMSGrad and decoupled weight decay options)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_adam_arguments,
    check_implementation,
    new_step,
    zeros_state,
)

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (PyTorch's single-tensor algorithm).

    For each parameter theta with gradient grad, at step t = 1, 2, ...::

        1. g = -grad if maximize else grad
        2. theta = theta * (1 - lr * weight_decay)       (if decoupled_weight_decay)
           g = g + weight_decay * theta                  (otherwise, if weight_decay != 0)
        3. m = m + (1 - beta1) * (g - m)                 (= beta1 * m + (1 - beta1) * g)
        4. v = beta2 * v + (1 - beta2) * g * g
        5. v_max = max(v_max, v)                         (if amsgrad; v_max replaces v below)
        6. denom = sqrt(v) / sqrt(1 - beta2 ** t) + eps
        7. theta = theta - lr / (1 - beta1 ** t) * m / denom

    m, v, v_max start at zero; they and t are kept in ``state[p]`` as ``"exp_avg"``,
    ``"exp_avg_sq"``, ``"max_exp_avg_sq"`` and ``"step"``.

    Args:
        params: tensors or parameter groups to optimize (see ``Optimizer``).
        lr: learning rate.
        betas: (beta1, beta2), the decay rates of the first and second moment averages.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty (added to the gradient, or decoupled as in AdamW).
        amsgrad: use the maximum of past second moments (AMSGrad).
        maximize: maximize the objective instead of minimizing it.
        foreach: PyTorch's kernel choice; accepted and kept in the groups (one implementation
            here, the same update).
        fused: likewise accepted and kept.
        capturable: must be False (see ``Optimizer``).
        differentiable: must be False (see ``Optimizer``).
        decoupled_weight_decay: shrink the parameters directly (AdamW) instead of adding
            ``weight_decay * theta`` to the gradient.

    Raises:
        ValueError: for a negative lr, eps or weight_decay, or a beta outside [0, 1).

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        name = type(self).__name__
        check_implementation(name, capturable, differentiable)
        check_adam_arguments(name, lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": (betas[0], betas[1]),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; return the closure's loss (if a closure is given)."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), group["weight_decay"]
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            weight_decay, amsgrad = float(weight_decay), group["amsgrad"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                param = p._data
                grad = -p.grad._data if group["maximize"] else p.grad._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step()
                    state["exp_avg"] = zeros_state(p)
                    state["exp_avg_sq"] = zeros_state(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = zeros_state(p)
                state["step"]._data += 1
                step = float(state["step"]._data)
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        param *= 1 - lr * weight_decay
                    else:
                        grad = grad + weight_decay * param
                exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
                scratch = np.subtract(grad, exp_avg)  # the one temporary array
                scratch *= 1 - beta1
                exp_avg += scratch  # PyTorch's lerp form
                exp_avg_sq *= beta2
                np.multiply(grad, grad, out=scratch)
                scratch *= 1 - beta2
                exp_avg_sq += scratch
                if amsgrad:
                    max_exp_avg_sq = state["max_exp_avg_sq"]._data
                    np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                    np.sqrt(max_exp_avg_sq, out=scratch)
                else:
                    np.sqrt(exp_avg_sq, out=scratch)
                scratch /= (1 - beta2**step) ** 0.5
                scratch += eps
                np.divide(exp_avg, scratch, out=scratch)
                scratch *= lr / (1 - beta1**step)
                param -= scratch
                p._version_counter[0] += 1  # an in-place update, as PyTorch counts it
        return loss
