"""RAdam: Adam with the variance of the adaptive learning rate rectified."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.optim._complex_params import real_views
from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_adam_arguments,
    check_implementation,
    check_lr,
    lerp_,
    new_step,
    zeros_state,
)

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam, as ``torch.optim.RAdam`` (PyTorch's single-tensor algorithm).

    For each parameter theta with gradient grad, at step t = 1, 2, ...::

        1. g = -grad if maximize else grad
        2. theta = theta * (1 - lr * weight_decay)       (if decoupled_weight_decay)
           g = g + weight_decay * theta                  (otherwise, if weight_decay != 0)
        3. m = beta1 * m + (1 - beta1) * g
        4. v = beta2 * v + (1 - beta2) * g * g
        5. m_hat = m / (1 - beta1 ** t)
        6. rho_inf = 2 / (1 - beta2) - 1
           rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
        7. if rho_t > 5:
               r = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))
               theta = theta - m_hat * lr * sqrt(1 - beta2 ** t) / (sqrt(v) + eps) * r
           else:
               theta = theta - m_hat * lr

    ``state[p]`` keeps ``"step"``, ``"exp_avg"`` (m) and ``"exp_avg_sq"`` (v).

    Args:
        params: tensors or parameter groups to optimize (see ``Optimizer``).
        lr: learning rate.
        betas: (beta1, beta2), the decay rates of the first and second moment averages.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty (or decoupled weight decay, see below).
        decoupled_weight_decay: shrink the parameters directly (as AdamW) instead of adding
            ``weight_decay * theta`` to the gradient.
        foreach: PyTorch's kernel choice; accepted and kept in the groups (one implementation
            here, the same update).
        maximize: maximize the objective instead of minimizing it.
        capturable: must be False (see ``Optimizer``).
        differentiable: must be False (see ``Optimizer``).

    Raises:
        ValueError: for a negative lr, eps or weight_decay, or a beta outside [0, 1).

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.RAdam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_implementation("RAdam", capturable, differentiable)
        check_lr("RAdam", lr)
        check_adam_arguments("RAdam", lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; return the closure's loss (if a closure is given)."""
        return self._step_each(closure)

    def _update(self, p: Any, group: dict[str, Any]) -> None:
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), group["weight_decay"]
        beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
        param = p._data
        grad = -p.grad._data if group["maximize"] else p.grad._data
        state = self.state[p]
        if len(state) == 0:
            state["step"] = new_step()
            state["exp_avg"] = zeros_state(p)
            state["exp_avg_sq"] = zeros_state(p)
        state["step"]._data += 1
        step = float(state["step"]._data)
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        if param.dtype.kind == "c":  # PyTorch steps the real view (see real_views)
            param, grad, exp_avg, exp_avg_sq = real_views(param, grad, exp_avg, exp_avg_sq)
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param
        lerp_(exp_avg, grad, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        bias_correction1, bias_correction2 = 1 - beta1**step, 1 - beta2**step
        corrected_exp_avg = exp_avg / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:  # the variance of the adaptive lr is tractable: rectify it
            rect = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5
            adaptive_lr = bias_correction2**0.5 / (np.sqrt(exp_avg_sq) + eps)
            param -= corrected_exp_avg * lr * adaptive_lr * rect
        else:  # early steps: plain momentum SGD
            param -= corrected_exp_avg * lr
        p._version_counter[0] += 1  # an in-place update, as PyTorch counts it
