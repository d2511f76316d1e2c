"""Adam: adaptive moment estimation (with AMSGrad and decoupled weight decay options)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from microtensor.optim._complex_params import real_views
from microtensor.optim.differentiable_step import adam_group
from microtensor.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_adam_arguments,
    check_fused,
    check_fused_param,
    check_implementation,
    check_lr,
    lr_scalar,
    new_step,
    zeros_state,
)
from microtensor.tensor import Tensor

__all__ = ["Adam"]


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (PyTorch's single-tensor algorithm).

    For each parameter theta with gradient grad, at step t = 1, 2, ...::

        1. g = -grad if maximize else grad
        2. theta = theta * (1 - lr * weight_decay)       (if decoupled_weight_decay)
           g = g + weight_decay * theta                  (otherwise, if weight_decay != 0)
        3. m = m + (1 - beta1) * (g - m)                 (= beta1 * m + (1 - beta1) * g)
        4. v = beta2 * v + (1 - beta2) * g * g
        5. v_max = max(v_max, v)                         (if amsgrad; v_max replaces v below)
        6. denom = sqrt(v) / sqrt(1 - beta2 ** t) + eps
        7. theta = theta - lr / (1 - beta1 ** t) * m / denom

    m, v, v_max start at zero; they and t are kept in ``state[p]`` as ``"exp_avg"``,
    ``"exp_avg_sq"``, ``"max_exp_avg_sq"`` and ``"step"``.

    Args:
        params: tensors or parameter groups to optimize (see ``Optimizer``).
        lr: learning rate: a float, or a 1-element Tensor (kept in the groups as given; the
            schedulers update it in place; not with ``foreach=True`` unless ``capturable``).
        betas: (beta1, beta2), the decay rates of the first and second moment averages: two
            floats, or two 1-element Tensors (which may require grad with ``differentiable``).
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty (added to the gradient, or decoupled as in AdamW).
        amsgrad: use the maximum of past second moments (AMSGrad).
        maximize: maximize the objective instead of minimizing it.
        foreach: PyTorch's kernel choice; accepted and kept in the groups (one implementation
            here, the same update).
        fused: likewise accepted and kept (not with ``foreach=True`` or ``differentiable``).
        capturable: must be False (see ``Optimizer``).
        differentiable: run the step with autograd recording it (PyTorch's differentiable
            algorithm), so that a loss after the step can be differentiated through it;
            parameters may then be non-leaf tensors.
        decoupled_weight_decay: shrink the parameters directly (AdamW) instead of adding
            ``weight_decay * theta`` to the gradient.

    Raises:
        ValueError: for a negative lr, eps or weight_decay, a beta outside [0, 1), a Tensor
            lr with more than one element, a Tensor lr or Tensor betas with ``foreach=True``,
            or betas mixing a Tensor and a float.
        RuntimeError: for ``capturable=True``, or ``fused=True`` with ``foreach=True`` or
            ``differentiable=True``; at ``step()`` with ``fused=True``, for a complex parameter
            whose state is still to be made.

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.9000, -1.9000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        name = type(self).__name__
        check_implementation(name, capturable, differentiable, differentiable_step=True)
        check_lr(name, lr, foreach, capturable)
        check_adam_arguments(name, lr, betas, eps, weight_decay)
        betas = _check_tensor_betas(name, betas, foreach, capturable)
        defaults = {
            "lr": lr,
            "betas": (betas[0], betas[1]),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)
        check_fused(name, fused, foreach, differentiable)
        self._flat: dict[int, Any] = {}  # id(group) -> its moments end to end (_new_flat)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; return the closure's loss (if a closure is given)."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            if group["foreach"] and isinstance(group["lr"], Tensor) and not group["capturable"]:
                raise RuntimeError(
                    f"{type(self).__name__}: lr as a Tensor is not supported for "
                    "capturable=False and foreach=True; set the group's foreach to False"
                )
            if group["fused"]:  # PyTorch checks each parameter it makes a state for
                for p in group["params"]:
                    if p.grad is not None and not self.state.get(p):
                        check_fused_param(p)
            if group["differentiable"]:
                adam_group(group, self.state)
                continue
            eps, weight_decay = float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            amsgrad, lr = group["amsgrad"], lr_scalar(group["lr"])
            done = self._flat_step(group, lr, beta1, beta2, eps, weight_decay)
            for p in group["params"]:
                if p.grad is None or id(p) in done:
                    continue
                param = p._data
                grad = -p.grad._data if group["maximize"] else p.grad._data
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = new_step()
                    state["exp_avg"] = zeros_state(p)
                    state["exp_avg_sq"] = zeros_state(p)
                    if amsgrad:
                        state["max_exp_avg_sq"] = zeros_state(p)
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
                # the one temporary array (given as out=: on 0-d inputs NumPy returns a scalar)
                scratch = np.subtract(grad, exp_avg, out=np.empty_like(exp_avg))
                scratch *= 1 - beta1
                exp_avg += scratch  # PyTorch's lerp form
                exp_avg_sq *= beta2
                np.multiply(grad, grad, out=scratch)
                scratch *= 1 - beta2
                exp_avg_sq += scratch
                if amsgrad:
                    max_exp_avg_sq = state["max_exp_avg_sq"]._data
                    if max_exp_avg_sq.dtype.kind == "c":
                        (max_exp_avg_sq,) = real_views(max_exp_avg_sq)
                    np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                    np.sqrt(max_exp_avg_sq, out=scratch)
                else:
                    np.sqrt(exp_avg_sq, out=scratch)
                scratch /= (1 - beta2**step) ** 0.5
                scratch += eps
                np.divide(exp_avg, scratch, out=scratch)
                scratch *= float(lr / (1 - beta1**step))
                param -= scratch
                p._version_counter[0] += 1  # an in-place update, as PyTorch counts it
        return loss

    def _flat_step(
        self, group: dict[str, Any], lr: Any, beta1: float, beta2: float, eps: float, decay: float
    ) -> frozenset[int]:
        """Steps 3-7 once over the group's small tensors; returns the ids of those it updated.

        Each update is elementwise, so one pass over the moments of all the small tensors of a
        group (up to ``_FLAT_SIZE`` elements each), kept end to end in one array
        (``state[p]["exp_avg"]`` are views of it), gives the per-tensor loop's values bit for
        bit in 13 NumPy calls instead of 13 per tensor: on a small model most of the loop's
        time is those calls, not arithmetic. (Large tensors stay in the loop: for them the
        pass would only add a copy of the gradients.) Taken without AMSGrad or L2 weight
        decay, when each of these tensors has a gradient of its dtype and shape, the moments
        are still the views made at the first step, and their steps are equal.
        """
        if group["amsgrad"] or (decay != 0 and not group["decoupled_weight_decay"]):
            return _NONE
        params = group["params"]
        flat = self._flat.get(id(group))
        if flat is None or flat[0] is not group:
            flat = self._flat[id(group)] = self._new_flat(group)
        if len(flat) == 1:  # the first step could not make them: the loop, for good
            return _NONE
        _, ids, done, small, exp_avg, exp_avg_sq, grads, scratch, _ = flat
        if tuple(map(id, params)) != ids or not self._flat_state_intact(flat):
            return _NONE
        states = self.state
        step = float(states[small[0]]["step"]._data + 1)  # in the counter's dtype, as += 1
        np.concatenate([p.grad._data.reshape(-1) for p in small], out=grads)
        if group["maximize"]:
            np.negative(grads, out=grads)
        for p in small:
            states[p]["step"]._data.fill(step)  # = its += 1 (the counters are equal)
            if decay != 0:
                p._data *= float(1 - lr * decay)
        np.subtract(grads, exp_avg, out=scratch)
        scratch *= 1 - beta1
        exp_avg += scratch
        exp_avg_sq *= beta2
        np.multiply(grads, grads, out=scratch)
        scratch *= 1 - beta2
        exp_avg_sq += scratch
        np.sqrt(exp_avg_sq, out=scratch)
        scratch /= (1 - beta2**step) ** 0.5
        scratch += eps
        np.divide(exp_avg, scratch, out=scratch)
        scratch *= float(lr / (1 - beta1**step))
        start = 0
        for p in small:
            size = p._data.size
            p._data -= scratch[start : start + size].reshape(p._data.shape)
            p._version_counter[0] += 1  # an in-place update, as PyTorch counts it
            start += size
        return done  # type: ignore[no-any-return]

    def _flat_state_intact(self, flat: tuple[Any, ...]) -> bool:
        """Whether the flat pass may run on the small tensors of ``flat`` (see ``_flat_step``).

        Each needs a gradient of its dtype and shape, moments that are still the flat arrays'
        views, and the same step as the others.
        """
        _, _, _, small, exp_avg, exp_avg_sq, _, _, views = flat
        steps, dtype = set(), exp_avg.dtype
        for p, (m, v) in zip(small, views, strict=True):
            state = self.state[p]
            grad = p.grad
            if (
                grad is None
                or grad._data.dtype != dtype
                or p._data.dtype != dtype
                or grad._data.shape != m.shape
                or p._data.shape != m.shape
                or m.base is not exp_avg  # copies (deepcopy, pickle) are no views of it
                or v.base is not exp_avg_sq
                or getattr(state.get("exp_avg"), "_data", None) is not m
                or getattr(state.get("exp_avg_sq"), "_data", None) is not v
            ):
                return False
            steps.add(float(state["step"]._data))
        return len(steps) == 1

    def _new_flat(self, group: dict[str, Any]) -> tuple[Any, ...]:
        """At a group's first step: its small tensors' moments as views of two flat arrays.

        Returns ``(group,)`` when there is nothing to gain or it is too late: views of
        moments that already exist, or that a program holds, would change what it sees.
        """
        params = group["params"]
        # complex tensors stay in the loop, which steps their real views
        small = [p for p in params if p._data.size <= _FLAT_SIZE and p._data.dtype.kind != "c"]
        dtypes = {p._data.dtype for p in small}
        if (
            len(small) < 2
            or len(dtypes) != 1
            or any(self.state.get(p) or p.grad is None for p in params)
        ):
            return (group,)
        dtype = dtypes.pop()
        total = sum(p._data.size for p in small)
        exp_avg, exp_avg_sq = np.zeros(total, dtype), np.zeros(total, dtype)
        views, start = [], 0
        for p in small:
            size, shape = p._data.size, p._data.shape
            m = exp_avg[start : start + size].reshape(shape)
            v = exp_avg_sq[start : start + size].reshape(shape)
            self.state[p].update(
                step=new_step(), exp_avg=Tensor._make(m), exp_avg_sq=Tensor._make(v)
            )
            views.append((m, v))
            start += size
        ids, done = tuple(map(id, params)), frozenset(map(id, small))
        scratch = (np.empty(total, dtype), np.empty(total, dtype))
        return (group, ids, done, small, exp_avg, exp_avg_sq, *scratch, views)


# the largest tensor (in elements) that Adam's pass over a group's small tensors takes: the
# pass saves a tensor 13 NumPy calls (~0.5 us each) and costs it one more copy (its gradient,
# ~0.2 ns an element), about even at 32k elements (measured on W3's and W4's tensors)
_FLAT_SIZE = 16384
_NONE: frozenset[int] = frozenset()


def _check_tensor_betas(
    name: str, betas: tuple[Any, Any], foreach: bool | None, capturable: bool
) -> tuple[Any, Any]:
    """PyTorch's rules for Tensor betas: both or neither, and not with foreach.

    (A beta of several elements already failed the range check, as in PyTorch.)

    Returns:
        The betas, 1-element Tensors made 0-d (as PyTorch's ``_to_scalar``).
    """
    tensors = [isinstance(beta, Tensor) for beta in betas]
    if any(tensors) and not all(tensors):
        raise ValueError(
            f"{name}: betas must be either both floats or both Tensors, got "
            f"{tuple(type(beta).__name__ for beta in betas)}"
        )
    for i, beta in enumerate(betas):
        if not isinstance(beta, Tensor):
            continue
        if foreach and not capturable:
            raise ValueError(
                f"{name}: betas[{i}] as a Tensor is not supported for capturable=False and "
                "foreach=True; pass float betas, or leave foreach unset"
            )
    beta1, beta2 = (b.reshape(()) if isinstance(b, Tensor) and b.ndim else b for b in betas)
    return beta1, beta2
