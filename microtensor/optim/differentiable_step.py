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
from microtensor.ops import maximum
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
    lr, eps, weight_decay, amsgrad = (
        group["lr"],
        group["eps"],
        group["weight_decay"],
        group["amsgrad"],
    )
    beta1, beta2 = group["betas"]
    with enable_grad():
        for p in group["params"]:
            if p.grad is None:
                continue
            if p._data.dtype.kind == "c":  # PyTorch steps view_as_real(p): not recorded here yet
                raise NotImplementedError(
                    "Adam: differentiable=True does not support complex parameters yet; use "
                    "differentiable=False, or optimize the real and imaginary parts as real tensors"
                )
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
            exp_avg, exp_avg_sq = entry["exp_avg"], entry["exp_avg_sq"]
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
            if amsgrad:
                entry["max_exp_avg_sq"].copy_(maximum(entry["max_exp_avg_sq"].clone(), exp_avg_sq))
                second = entry["max_exp_avg_sq"]
            denom = second.sqrt() / (bias_correction2_sqrt * step_size_neg) + eps / step_size_neg
            p.addcdiv_(exp_avg.clone(), denom)
