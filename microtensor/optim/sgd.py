"""Stochastic gradient descent, with optional (Nesterov) momentum and weight decay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.optim.differentiable_step import sgd_group
from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_fused,
    check_fused_group,
    check_implementation,
    check_lr,
    check_value,
)
from microtensor.tensor import Tensor

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    For each parameter theta with gradient grad, at step t = 1, 2, ...::

        1. g = -grad if maximize else grad
        2. g = g + weight_decay * theta                        (if weight_decay != 0)
        3. b = g if t == 1 else momentum * b + (1 - dampening) * g    (if momentum != 0)
        4. g = g + momentum * b if nesterov else b                    (if momentum != 0)
        5. theta = theta - lr * g

    The momentum buffer b starts as the first gradient (so dampening applies from step 2 on),
    as in PyTorch; it is kept in ``state[p]["momentum_buffer"]``.

    Args:
        params: tensors or parameter groups to optimize (see ``Optimizer``).
        lr: learning rate: a float, or a 1-element Tensor (kept in the groups as given; the
            schedulers update it in place; with ``differentiable=True`` it may require grad).
        momentum: momentum factor.
        dampening: dampening of the momentum.
        weight_decay: L2 penalty added to the gradient.
        nesterov: use Nesterov momentum (needs momentum > 0 and dampening == 0).
        maximize: maximize the objective instead of minimizing it.
        foreach: PyTorch's kernel choice; accepted and kept in the groups (one implementation
            here, the same update).
        fused: likewise accepted and kept (PyTorch's checks apply: not with ``foreach=True``
            or ``differentiable=True``).
        differentiable: run the step with autograd recording it, so that a loss after the step
            can be differentiated through it (w.r.t. earlier parameters, gradients made with
            ``create_graph=True``, or a Tensor lr that requires grad); parameters may then be
            non-leaf tensors.

    Raises:
        ValueError: for a negative lr, momentum or weight_decay, nesterov without momentum
            or with dampening, or a Tensor lr with more than one element.
        RuntimeError: for ``fused=True`` with ``foreach=True`` or ``differentiable=True``;
            at ``step()`` with ``fused=True``, if the first parameter with a gradient is complex.
        NotImplementedError: at ``step()`` with ``fused=True``, for another complex parameter
            with a gradient (PyTorch's fused kernel refuses them).

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.8000, -1.6000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        check_implementation("SGD", False, differentiable, differentiable_step=True)
        check_lr("SGD", lr)
        check_value("SGD", "learning rate", lr, not lr < 0.0, "lr >= 0")
        check_value("SGD", "momentum value", momentum, not momentum < 0.0, "momentum >= 0")
        check_value(
            "SGD", "weight_decay value", weight_decay, not weight_decay < 0.0, "weight_decay >= 0"
        )
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening (got momentum="
                f"{momentum}, dampening={dampening})"
            )
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        check_fused("SGD", fused, foreach, differentiable)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; return the closure's loss (if a closure is given)."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            if group["fused"]:
                _check_fused(self, group)
            if group["differentiable"]:
                sgd_group(group, self.state)
                continue
            lr, momentum = float(group["lr"]), float(group["momentum"])
            dampening, weight_decay = float(group["dampening"]), float(group["weight_decay"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                param = p._data
                grad = -p.grad._data if group["maximize"] else p.grad._data
                if weight_decay != 0:
                    grad = grad + weight_decay * param
                if momentum != 0:
                    state = self.state[p]
                    if state.get("momentum_buffer") is None:
                        buf = np.array(grad, copy=True)
                        state["momentum_buffer"] = Tensor._make(buf)
                    else:
                        buf = state["momentum_buffer"]._data
                        buf *= momentum
                        buf += (1 - dampening) * grad
                    grad = grad + momentum * buf if group["nesterov"] else buf
                param -= lr * grad
                p._version_counter[0] += 1  # an in-place update, as PyTorch counts it
        return loss


def _check_fused(optimizer: SGD, group: dict[str, Any]) -> None:
    """PyTorch's checks of a ``fused=True`` group (its fused kernel refuses complex tensors).

    Raises:
        RuntimeError: if the first parameter with a gradient is complex (``check_fused_group``).
        NotImplementedError: for another complex parameter, with PyTorch's message.
    """
    with_grad = [p for p in group["params"] if p.grad is not None]
    if check_fused_group(optimizer, with_grad):
        dtype = next(p._data.dtype for p in with_grad if p._data.dtype.kind == "c")
        name = "ComplexFloat" if dtype == np.complex64 else "ComplexDouble"
        raise NotImplementedError(
            f"\"fused_sgd_kernel\" not implemented for '{name}': leave fused unset for complex "
            "parameters"
        )
