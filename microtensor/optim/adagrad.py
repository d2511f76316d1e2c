"""Adagrad: per-coordinate learning rates from the sum of squared gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.optim._complex_params import real_views
from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_fused,
    check_fused_group,
    check_implementation,
    check_lr,
    check_value,
    new_step,
    zeros_state,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad`` (PyTorch's single-tensor algorithm).

    For each parameter theta with gradient grad, at step t = 1, 2, ...::

        1. g = -grad if maximize else grad
        2. g = g + weight_decay * theta                  (if weight_decay != 0)
        3. clr = lr / (1 + (t - 1) * lr_decay)
        4. s = s + g * g
        5. theta = theta - clr * g / (sqrt(s) + eps)

    s starts at ``initial_accumulator_value``; it and t are kept in ``state[p]`` as ``"sum"``
    and ``"step"``. As in PyTorch, the state of the parameters given here is created at
    once (parameters added later get it at their first step), and the initial value is the
    constructor's, even for a group that sets its own.

    Args:
        params: tensors or parameter groups to optimize (see ``Optimizer``).
        lr: learning rate.
        lr_decay: learning rate decay per step.
        weight_decay: L2 penalty added to the gradient.
        initial_accumulator_value: starting value of the sum of squared gradients.
        eps: added to the denominator for numerical stability.
        maximize: maximize the objective instead of minimizing it.
        foreach: PyTorch's kernel choice; accepted and kept in the groups (one implementation
            here, the same update).
        fused: likewise accepted and kept (not with ``foreach=True``).
        differentiable: must be False (see ``Optimizer``).

    Raises:
        ValueError: for a negative lr, lr_decay, weight_decay, initial_accumulator_value or
            eps.
        RuntimeError: at ``step()`` with ``fused=True``, for a complex parameter with a
            gradient (PyTorch's messages).

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.Adagrad([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_implementation("Adagrad", False, differentiable)
        check_lr("Adagrad", lr)
        check_value("Adagrad", "learning rate", lr, 0.0 <= lr, "lr >= 0")
        check_value("Adagrad", "lr_decay value", lr_decay, 0.0 <= lr_decay, "lr_decay >= 0")
        ok = 0.0 <= weight_decay
        check_value("Adagrad", "weight_decay value", weight_decay, ok, "weight_decay >= 0")
        value, ok = initial_accumulator_value, 0.0 <= initial_accumulator_value
        what = "initial_accumulator_value value"
        check_value("Adagrad", what, value, ok, "initial_accumulator_value >= 0")
        check_value("Adagrad", "epsilon value", eps, 0.0 <= eps, "eps >= 0")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        check_fused("Adagrad", fused, foreach, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p: Any) -> None:
        state = self.state[p]
        state["step"] = new_step()
        value = float(self.defaults["initial_accumulator_value"])
        # as PyTorch: both parts of a complex sum start at the value
        state["sum"] = zeros_state(p, complex(value, value) if p._data.dtype.kind == "c" else value)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; return the closure's loss (if a closure is given)."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
            weight_decay = float(group["weight_decay"])
            if group["fused"]:
                with_grad = [p for p in group["params"] if p.grad is not None]
                if check_fused_group(self, with_grad):
                    raise RuntimeError("`fused` does not support sparse grad or complex param")
            for p in group["params"]:
                if p.grad is None:
                    continue
                param = p._data
                grad = -p.grad._data if group["maximize"] else p.grad._data
                if len(self.state[p]) == 0:
                    self._init_state(p)
                state = self.state[p]
                state["step"]._data += 1
                step = float(state["step"]._data)
                if weight_decay != 0:
                    grad = grad + weight_decay * param
                clr = lr / (1 + (step - 1) * lr_decay)
                state_sum = state["sum"]._data
                if param.dtype.kind == "c":  # PyTorch steps the real view (see real_views)
                    param, grad, state_sum = real_views(param, grad, state_sum)
                state_sum += grad * grad
                std = np.sqrt(state_sum)
                std += eps
                param -= clr * grad / std
                p._version_counter[0] += 1  # an in-place update, as PyTorch counts it
        return loss
