"""Rprop: resilient backpropagation (per-weight step sizes driven by gradient signs)."""

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
from microtensor.tensor import Tensor

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop, as ``torch.optim.Rprop`` (PyTorch's single-tensor algorithm).

    For each parameter theta with gradient grad, element by element, at step t = 1, 2, ...::

        1. g = -grad if maximize else grad
        2. s = sign(g * g_prev)
        3. eta = eta_plus if s > 0, eta_minus if s < 0, 1 if s == 0
        4. step_size = clamp(step_size * eta, step_size_min, step_size_max)
        5. g = 0 where eta == eta_minus                  (a sign change: skip this update)
        6. theta = theta - sign(g) * step_size
        7. g_prev = g

    step_size starts at lr, g_prev at zero; ``state[p]`` keeps ``"step"``, ``"prev"``
    (g_prev) and ``"step_size"``. Only the signs of the gradients matter, so Rprop suits
    full-batch training.

    Args:
        params: tensors or parameter groups to optimize (see ``Optimizer``).
        lr: the initial step size.
        etas: (eta_minus, eta_plus), the factors that shrink and grow the step sizes.
        step_sizes: (step_size_min, step_size_max), the bounds of the step sizes.
        capturable: must be False (see ``Optimizer``).
        differentiable: must be False (see ``Optimizer``).
        foreach: PyTorch's kernel choice; accepted and kept in the groups (one implementation
            here, the same update).
        maximize: maximize the objective instead of minimizing it.

    Raises:
        ValueError: for a negative lr, or etas not satisfying 0 < eta_minus < 1 < eta_plus.

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.Rprop([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_implementation("Rprop", capturable, differentiable)
        check_lr("Rprop", lr)
        check_value("Rprop", "learning rate", lr, 0.0 <= lr, "lr >= 0")
        ok = 0.0 < etas[0] < 1.0 < etas[1]
        what = f"{etas[0]}, {etas[1]}"
        check_value("Rprop", "eta values", what, ok, "0 < eta_minus < 1 < eta_plus")
        defaults = {
            "lr": lr,
            "etas": etas,
            "step_sizes": step_sizes,
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
            eta_minus, eta_plus = float(group["etas"][0]), float(group["etas"][1])
            step_size_min, step_size_max = group["step_sizes"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                param = p._data
                grad = -p.grad._data if group["maximize"] else p.grad._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step()
                    state["prev"] = zeros_state(p)
                    lr = float(group["lr"])
                    # as PyTorch: both parts of a complex parameter start with the step size lr
                    fill = complex(lr, lr) if grad.dtype.kind == "c" else lr
                    state["step_size"] = Tensor._make(np.full_like(grad, fill))
                state["step"]._data += 1
                prev, step_size = state["prev"]._data, state["step_size"]._data
                if param.dtype.kind == "c":  # PyTorch steps the real view (see real_views)
                    param, grad, prev, step_size = real_views(param, grad, prev, step_size)
                sign = np.sign(grad * prev)
                eta = np.where(sign > 0, eta_plus, np.where(sign < 0, eta_minus, 1.0))
                eta = eta.astype(step_size.dtype, copy=False)
                step_size *= eta
                np.clip(step_size, step_size_min, step_size_max, out=step_size)
                grad = np.where(eta == eta_minus, 0, grad).astype(param.dtype, copy=False)
                param -= np.sign(grad) * step_size
                np.copyto(prev, grad)
                p._version_counter[0] += 1  # an in-place update, as PyTorch counts it
        return loss
