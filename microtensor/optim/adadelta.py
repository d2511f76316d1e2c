"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.optim._complex_params import real_views
from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_implementation,
    check_lr,
    check_value,
    new_step,
    zeros_state,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta, as ``torch.optim.Adadelta`` (PyTorch's single-tensor algorithm).

    For each parameter theta with gradient grad, at step t = 1, 2, ...::

        1. g = -grad if maximize else grad
        2. g = g + weight_decay * theta                  (if weight_decay != 0)
        3. v = rho * v + (1 - rho) * g * g
        4. delta = sqrt(u + eps) / sqrt(v + eps) * g
        5. u = rho * u + (1 - rho) * delta * delta
        6. theta = theta - lr * delta

    v and u start at zero; they are kept in ``state[p]`` as ``"square_avg"`` and
    ``"acc_delta"``, with the step count ``"step"``.

    Args:
        params: tensors or parameter groups to optimize (see ``Optimizer``).
        lr: coefficient scaling delta before it is applied.
        rho: decay rate of the running averages.
        eps: added inside the square roots for numerical stability.
        weight_decay: L2 penalty added to the gradient.
        maximize: maximize the objective instead of minimizing it.
        foreach: PyTorch's kernel choice; accepted and kept in the groups (one implementation
            here, the same update).
        capturable: must be False (see ``Optimizer``).
        differentiable: must be False (see ``Optimizer``).

    Raises:
        ValueError: for a negative lr, eps or weight_decay, or rho outside [0, 1].

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.Adadelta([w], lr=1.0)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9968, -1.9968], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_implementation("Adadelta", capturable, differentiable)
        check_lr("Adadelta", lr)
        check_value("Adadelta", "learning rate", lr, 0.0 <= lr, "lr >= 0")
        check_value("Adadelta", "rho value", rho, 0.0 <= rho <= 1.0, "0 <= rho <= 1")
        check_value("Adadelta", "epsilon value", eps, 0.0 <= eps, "eps >= 0")
        ok = 0.0 <= weight_decay
        check_value("Adadelta", "weight_decay value", weight_decay, ok, "weight_decay >= 0")
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; return the closure's loss (if a closure is given)."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
            weight_decay = float(group["weight_decay"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                param = p._data
                grad = -p.grad._data if group["maximize"] else p.grad._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step()
                    state["square_avg"] = zeros_state(p)
                    state["acc_delta"] = zeros_state(p)
                state["step"]._data += 1
                if weight_decay != 0:
                    grad = grad + weight_decay * param
                square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
                if param.dtype.kind == "c":  # PyTorch steps the real view (see real_views)
                    param, grad, square_avg, acc_delta = real_views(
                        param, grad, square_avg, acc_delta
                    )
                square_avg *= rho
                square_avg += (1 - rho) * grad * grad
                delta = np.sqrt(acc_delta + eps)
                delta /= np.sqrt(square_avg + eps)
                delta *= grad
                acc_delta *= rho
                acc_delta += (1 - rho) * delta * delta
                param -= lr * delta
                p._version_counter[0] += 1  # an in-place update, as PyTorch counts it
        return loss
