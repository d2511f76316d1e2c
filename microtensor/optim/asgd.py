"""ASGD: averaged stochastic gradient descent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.dtypes import get_default_dtype
from microtensor.optim._complex_params import real_views
from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_implementation,
    check_lr,
    check_value,
    lr_scalar,
    new_step,
    zeros_state,
)

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged SGD, as ``torch.optim.ASGD`` (PyTorch's single-tensor algorithm).

    For each parameter theta with gradient grad, at step t = 1, 2, ...::

        1. g = -grad if maximize else grad
        2. g = g + weight_decay * theta                  (if weight_decay != 0)
        3. theta = theta * (1 - lambd * eta)
           theta = theta - eta * g
        4. ax = ax + mu * (theta - ax)                   (ax = theta while mu == 1)
        5. eta = lr / (1 + lambd * lr * t) ** alpha      (for the next step)
           mu = 1 / max(1, t - t0)

    eta starts at lr and mu at 1. ``state[p]`` keeps ``"step"``, ``"eta"``, ``"mu"`` (0-d
    tensors of the default float dtype, as in PyTorch) and ``"ax"``, the running average of
    the parameter, which is what ASGD returns as its answer.

    Args:
        params: tensors or parameter groups to optimize (see ``Optimizer``).
        lr: learning rate.
        lambd: decay term.
        alpha: power of the eta update.
        t0: the step from which averaging starts.
        weight_decay: L2 penalty added to the gradient.
        foreach: PyTorch's kernel choice; accepted and kept in the groups (one implementation
            here, the same update).
        maximize: maximize the objective instead of minimizing it.
        differentiable: must be False (see ``Optimizer``).
        capturable: must be False (see ``Optimizer``).

    Raises:
        ValueError: for a negative lr or weight_decay.

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.ASGD([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_implementation("ASGD", capturable, differentiable)
        check_lr("ASGD", lr)
        check_value("ASGD", "learning rate", lr, 0.0 <= lr, "lr >= 0")
        ok = 0.0 <= weight_decay
        check_value("ASGD", "weight_decay value", weight_decay, ok, "weight_decay >= 0")
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; return the closure's loss (if a closure is given)."""
        return self._step_each(closure)

    def _update(self, p: Any, group: dict[str, Any]) -> None:
        lr, lambd, alpha = lr_scalar(group["lr"]), float(group["lambd"]), float(group["alpha"])
        t0, weight_decay = float(group["t0"]), float(group["weight_decay"])
        param = p._data
        grad = -p.grad._data if group["maximize"] else p.grad._data
        state = self.state[p]
        if len(state) == 0:
            state["step"] = new_step()
            state["eta"] = new_step(float(lr))
            state["mu"] = new_step(1.0)
            state["ax"] = zeros_state(p)
        state["step"]._data += 1
        step = float(state["step"]._data)
        ax = state["ax"]._data
        if param.dtype.kind == "c":  # PyTorch steps the real view (see real_views)
            param, grad, ax = real_views(param, grad, ax)
        if weight_decay != 0:
            grad = grad + weight_decay * param
        eta = float(state["eta"]._data)
        param *= 1 - lambd * eta
        param += -eta * grad
        mu = float(state["mu"]._data)
        if mu != 1:
            ax += (param - ax) * mu
        else:
            np.copyto(ax, param)
        # PyTorch makes the new eta and mu tensors (a Python float in the default float dtype)
        # and copies them into the state, which keeps its own dtype (a float64 parameter's
        # after load_state_dict): a float rounds through the default dtype on the way
        state["eta"]._data[...] = _as_tensor_value(lr / ((1 + lambd * lr * step) ** alpha))
        state["mu"]._data[...] = _as_tensor_value(1 / max(1, step - t0))
        p._version_counter[0] += 1  # an in-place update, as PyTorch counts it


def _as_tensor_value(value: Any) -> Any:
    """``value`` as ``torch.as_tensor`` types it: a Python float in the default float dtype."""
    return np.asarray(value, get_default_dtype().numpy) if type(value) is float else value
