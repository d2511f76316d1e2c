"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

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

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop`` (PyTorch's single-tensor algorithm).

    For each parameter theta with gradient grad, at step t = 1, 2, ...::

        1. g = -grad if maximize else grad
        2. g = g + weight_decay * theta                  (if weight_decay != 0)
        3. v = alpha * v + (1 - alpha) * g * g
        4. avg = sqrt(v) + eps                           (if not centered)
           a = a + (1 - alpha) * (g - a);  avg = sqrt(v - a * a) + eps     (if centered)
        5. b = momentum * b + g / avg;  theta = theta - lr * b            (if momentum > 0)
           theta = theta - lr * g / avg                                   (otherwise)

    v, a and b start at zero; they are kept in ``state[p]`` as ``"square_avg"``,
    ``"grad_avg"`` and ``"momentum_buffer"``, with the step count ``"step"``.

    Args:
        params: tensors or parameter groups to optimize (see ``Optimizer``).
        lr: learning rate.
        alpha: smoothing constant of the squared-gradient average.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty added to the gradient.
        momentum: momentum factor.
        centered: normalize by an estimate of the gradient's variance instead of its second
            moment.
        maximize: maximize the objective instead of minimizing it.
        foreach: PyTorch's kernel choice; accepted and kept in the groups (one implementation
            here, the same update).
        capturable: must be False (see ``Optimizer``).
        differentiable: must be False (see ``Optimizer``).

    Raises:
        ValueError: for a negative lr, eps, momentum, weight_decay or alpha.

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.RMSprop([w], lr=0.01)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_implementation("RMSprop", capturable, differentiable)
        check_lr("RMSprop", lr)
        check_value("RMSprop", "learning rate", lr, 0.0 <= lr, "lr >= 0")
        check_value("RMSprop", "epsilon value", eps, 0.0 <= eps, "eps >= 0")
        check_value("RMSprop", "momentum value", momentum, 0.0 <= momentum, "momentum >= 0")
        ok = 0.0 <= weight_decay
        check_value("RMSprop", "weight_decay value", weight_decay, ok, "weight_decay >= 0")
        check_value("RMSprop", "alpha value", alpha, 0.0 <= alpha, "alpha >= 0")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; return the closure's loss (if a closure is given)."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
            weight_decay, momentum = float(group["weight_decay"]), float(group["momentum"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                param = p._data
                grad = -p.grad._data if group["maximize"] else p.grad._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step()
                    state["square_avg"] = zeros_state(p)
                    if momentum > 0:
                        state["momentum_buffer"] = zeros_state(p)
                    if group["centered"]:
                        state["grad_avg"] = zeros_state(p)
                state["step"]._data += 1
                if weight_decay != 0:
                    grad = grad + weight_decay * param
                square_avg = state["square_avg"]._data
                complex_param = param.dtype.kind == "c"
                if complex_param:  # PyTorch steps the real view (see real_views)
                    param, grad, square_avg = real_views(param, grad, square_avg)
                square_avg *= alpha
                square_avg += (1 - alpha) * grad * grad
                if group["centered"]:
                    grad_avg = state["grad_avg"]._data
                    if complex_param:
                        (grad_avg,) = real_views(grad_avg)
                    grad_avg += (1 - alpha) * (grad - grad_avg)  # PyTorch's lerp form
                    avg = np.sqrt(square_avg - grad_avg * grad_avg)
                else:
                    avg = np.sqrt(square_avg)
                avg += eps
                if momentum > 0:
                    buf = state["momentum_buffer"]._data
                    if complex_param:
                        (buf,) = real_views(buf)
                    buf *= momentum
                    buf += grad / avg
                    param -= lr * buf
                else:
                    param -= lr * grad / avg
                p._version_counter[0] += 1  # an in-place update, as PyTorch counts it
        return loss
