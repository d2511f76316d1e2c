"""NAdam: Adam with Nesterov momentum (and a momentum schedule)."""

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
    check_value,
    lerp_,
    lr_scalar,
    new_step,
    zeros_state,
)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam, as ``torch.optim.NAdam`` (PyTorch's single-tensor algorithm).

    For each parameter theta with gradient grad, at step t = 1, 2, ...::

        1. g = -grad if maximize else grad
        2. theta = theta * (1 - lr * weight_decay)       (if decoupled_weight_decay)
           g = g + weight_decay * theta                  (otherwise, if weight_decay != 0)
        3. mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay)), likewise mu_{t+1}
        4. P_t = P_{t-1} * mu_t                          (P_0 = 1, the product of the mus)
        5. m = beta1 * m + (1 - beta1) * g
        6. v = beta2 * v + (1 - beta2) * g * g
        7. denom = sqrt(v / (1 - beta2 ** t)) + eps
        8. theta = theta - lr * (1 - mu_t) / (1 - P_t) * g / denom
                         - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / denom

    ``state[p]`` keeps ``"step"``, ``"mu_product"`` (P_t, a 0-d tensor of the default float
    dtype, as in PyTorch), ``"exp_avg"`` (m) and ``"exp_avg_sq"`` (v).

    Args:
        params: tensors or parameter groups to optimize (see ``Optimizer``).
        lr: learning rate.
        betas: (beta1, beta2), the decay rates of the first and second moment averages.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty (or decoupled weight decay, see below).
        momentum_decay: how fast mu_t grows towards beta1.
        decoupled_weight_decay: shrink the parameters directly (NAdamW) instead of adding
            ``weight_decay * theta`` to the gradient.
        foreach: PyTorch's kernel choice; accepted and kept in the groups (one implementation
            here, the same update).
        maximize: maximize the objective instead of minimizing it.
        capturable: must be False (see ``Optimizer``).
        differentiable: must be False (see ``Optimizer``).

    Raises:
        ValueError: for a negative lr, eps, weight_decay or momentum_decay, or a beta outside
            [0, 1).

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.NAdam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.8944, -1.8944], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_implementation("NAdam", capturable, differentiable)
        check_lr("NAdam", lr)
        check_adam_arguments("NAdam", lr, betas, eps, weight_decay)
        ok = 0.0 <= momentum_decay
        check_value("NAdam", "momentum_decay value", momentum_decay, ok, "momentum_decay >= 0")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; return the closure's loss (if a closure is given)."""
        return self._step_each(closure)

    def _update(self, p: Any, group: dict[str, Any]) -> None:
        lr, eps, weight_decay = lr_scalar(group["lr"]), float(group["eps"]), group["weight_decay"]
        beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
        momentum_decay = float(group["momentum_decay"])
        param = p._data
        grad = -p.grad._data if group["maximize"] else p.grad._data
        state = self.state[p]
        if len(state) == 0:
            state["step"] = new_step()
            state["mu_product"] = new_step(1.0)
            state["exp_avg"] = zeros_state(p)
            state["exp_avg_sq"] = zeros_state(p)
        state["step"]._data += 1
        step = float(state["step"]._data)
        exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
        if param.dtype.kind == "c":  # PyTorch steps the real view (see real_views)
            param, grad, exp_avg, exp_avg_sq = real_views(param, grad, exp_avg, exp_avg_sq)
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param *= float(1 - lr * weight_decay)
            else:
                grad = grad + weight_decay * param
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product = state["mu_product"]._data
        mu_product *= mu  # in the default float dtype, as PyTorch keeps it
        lerp_(exp_avg, grad, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        denom = np.sqrt(exp_avg_sq / (1 - beta2**step))
        denom += eps
        product = float(mu_product)
        # the two step sizes in a Tensor lr's dtype, as PyTorch
        param += float(-lr * (1.0 - mu) / (1.0 - product)) * grad / denom
        param += float((-lr * mu_next) / (1.0 - product * mu_next)) * exp_avg / denom
        p._version_counter[0] += 1  # an in-place update, as PyTorch counts it
