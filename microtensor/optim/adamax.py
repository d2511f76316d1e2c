"""Adamax: Adam with the infinity norm in place of the second moment."""

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
    lr_scalar,
    new_step,
    zeros_state,
)

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax, as ``torch.optim.Adamax`` (PyTorch's single-tensor algorithm).

    For each parameter theta with gradient grad, at step t = 1, 2, ...::

        1. g = -grad if maximize else grad
        2. g = g + weight_decay * theta                  (if weight_decay != 0)
        3. m = beta1 * m + (1 - beta1) * g
        4. u = max(beta2 * u, |g| + eps)
        5. theta = theta - lr / (1 - beta1 ** t) * m / u

    ``state[p]`` keeps ``"step"``, ``"exp_avg"`` (m) and ``"exp_inf"`` (u).

    Args:
        params: tensors or parameter groups to optimize (see ``Optimizer``).
        lr: learning rate.
        betas: (beta1, beta2), the decay rates of the first moment and of the infinity norm.
        eps: added to |g| for numerical stability.
        weight_decay: L2 penalty added to the gradient.
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
        >>> opt = mt.optim.Adamax([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_implementation("Adamax", capturable, differentiable)
        check_lr("Adamax", lr)
        check_adam_arguments("Adamax", lr, betas, eps, weight_decay)
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; return the closure's loss (if a closure is given)."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = (
                lr_scalar(group["lr"]),
                float(group["eps"]),
                group["weight_decay"],
            )
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            for p in group["params"]:
                if p.grad is None:
                    continue
                param = p._data
                grad = -p.grad._data if group["maximize"] else p.grad._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step()
                    state["exp_avg"] = zeros_state(p)
                    state["exp_inf"] = zeros_state(p)
                state["step"]._data += 1
                step = float(state["step"]._data)
                if weight_decay != 0:
                    grad = grad + float(weight_decay) * param
                exp_avg, exp_inf = state["exp_avg"]._data, state["exp_inf"]._data
                if param.dtype.kind == "c":  # PyTorch steps the real view (see real_views)
                    param, grad, exp_avg, exp_inf = real_views(param, grad, exp_avg, exp_inf)
                lerp_(exp_avg, grad, 1 - beta1)
                exp_inf *= beta2
                np.maximum(exp_inf, np.abs(grad) + eps, out=exp_inf)
                clr = float(lr / (1 - beta1**step))  # in a Tensor lr's dtype, as PyTorch
                param += -clr * exp_avg / exp_inf
                p._version_counter[0] += 1  # an in-place update, as PyTorch counts it
        return loss
