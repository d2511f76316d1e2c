"""The ``differentiable=True`` steps of SGD and Adam/AdamW: the update rule in Tensor ops.

With ``differentiable=True`` PyTorch runs the step with autograd on, so the updated parameters
stay functions of the gradients (which may carry a graph from ``create_graph=True``), of the
parameters before the step, and of Tensor hyper-parameters that require grad (``lr``): a loss
computed after the step can be differentiated through it (meta-learning, hyper-parameter
gradients). These functions are PyTorch's single-tensor algorithms in that mode, written with
microtensor's in-place Tensor ops, which autograd records. The parameters given to such an
optimizer are then usually non-leaf tensors (``w.clone()``), as PyTorch allows in this mode.
"""

from __future__ import annotations

from typing import Any

from microtensor.autograd.grad_mode import enable_grad
from microtensor.creation import zeros_like
from microtensor.ops import maximum, view_as_complex, view_as_real
from microtensor.optim.optimizer import new_step
from microtensor.tensor import Tensor

__all__ = ["adam_group", "sgd_group"]


def _needs_grad(value: Any) -> bool:
    return isinstance(value, Tensor) and value.requires_grad


def sgd_group(group: dict[str, Any], state: Any) -> None:
    """One differentiable SGD step of a parameter group (see ``SGD`` for the equations)."""
    lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
    weight_decay = group["weight_decay"]
    with enable_grad():
        for p in group["params"]:
            if p.grad is None:
                continue
            grad = -p.grad if group["maximize"] else p.grad
            if weight_decay != 0:
                grad = grad.add(p, alpha=weight_decay)
            if momentum != 0:
                buf = state[p].get("momentum_buffer")
                if buf is None:
                    buf = grad.clone().detach()  # as PyTorch: the first buffer has no graph
                    state[p]["momentum_buffer"] = buf
                else:
                    buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                grad = grad.add(buf, alpha=momentum) if group["nesterov"] else buf
            if _needs_grad(lr):
                p.addcmul_(grad, lr, value=-1)
            else:
                p.add_(grad, alpha=-float(lr))


def adam_group(group: dict[str, Any], state: Any) -> None:
    """One differentiable Adam (or AdamW) step of a parameter group (see ``Adam``)."""
    lr, weight_decay, amsgrad = group["lr"], group["weight_decay"], group["amsgrad"]
    with enable_grad():
        for p in group["params"]:
            if p.grad is None:
                continue
            grad = -p.grad if group["maximize"] else p.grad
            entry = state[p]
            if len(entry) == 0:
                entry["step"] = new_step()
                entry["exp_avg"] = zeros_like(p).detach()
                entry["exp_avg_sq"] = zeros_like(p).detach()
                if amsgrad:
                    entry["max_exp_avg_sq"] = zeros_like(p).detach()
            step = entry["step"]
            if step.requires_grad:
                raise RuntimeError(
                    "Adam: `requires_grad` is not supported for `step` in differentiable mode; "
                    "keep state['step'] a tensor without grad"
                )
            step.add_(1)
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    p.mul_(1 - lr * weight_decay)
                else:
                    grad = grad.add(p, alpha=weight_decay)
            if p._data.dtype.kind == "c":
                _complex_adam_update(p, grad, entry, group)
            else:
                _adam_update(p, grad, entry, group)


def _adam_update(p: Tensor, grad: Tensor, entry: dict[str, Any], group: dict[str, Any]) -> None:
    """Adam's steps 3-7 on ``p`` and the moments in ``entry``, in place (recorded)."""
    lr, eps, (beta1, beta2) = group["lr"], group["eps"], group["betas"]
    step, exp_avg, exp_avg_sq = entry["step"], entry["exp_avg"], entry["exp_avg_sq"]
    exp_avg.lerp_(grad, 1 - beta1)
    if _needs_grad(beta2):  # PyTorch's lerp form, as addcmul's value is a number
        exp_avg_sq.lerp_(grad.square(), 1 - beta2)
    else:
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - float(beta2))
    # PyTorch's differentiable form: the bias corrections are tensors (of step's dtype)
    # and the step size is folded into the denominator; step is cloned where a beta
    # needs grad, as the next step changes it in place
    power1 = beta1 ** (step.clone() if _needs_grad(beta1) else step)
    power2 = beta2 ** (step.clone() if _needs_grad(beta2) else step)
    step_size_neg = -(lr / (1 - power1))
    bias_correction2_sqrt = (1 - power2).sqrt()
    second = exp_avg_sq
    if group["amsgrad"]:
        entry["max_exp_avg_sq"].copy_(maximum(entry["max_exp_avg_sq"].clone(), exp_avg_sq))
        second = entry["max_exp_avg_sq"]
    denom = second.sqrt() / (bias_correction2_sqrt * step_size_neg) + eps / step_size_neg
    p.addcdiv_(exp_avg.clone(), denom)


def _complex_adam_update(
    p: Tensor, grad: Tensor, entry: dict[str, Any], group: dict[str, Any]
) -> None:
    """Adam's steps 3-7 on a complex parameter, as PyTorch: on the real views of it and its state.

    PyTorch updates ``view_as_real`` of the parameter and of the moments in place; microtensor
    does not record in-place ops on views, so the views are cloned, updated, and copied back
    (the same values, and the same graph: the new parameter is a function of the old one).
    """
    names = [name for name in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if name in entry]
    real: dict[str, Tensor] = {name: view_as_real(entry[name]).clone() for name in names}
    param = view_as_real(p).clone()
    _adam_update(param, view_as_real(grad), {**entry, **real}, group)
    for name in names:
        entry[name].copy_(view_as_complex(real[name]))
    p.copy_(view_as_complex(param))
