"""AdamW: Adam with decoupled weight decay."""

from __future__ import annotations

from typing import Any

from microtensor.optim.adam import Adam
from microtensor.optim.optimizer import ParamsT
from microtensor.tensor import Tensor

__all__ = ["AdamW"]


class AdamW(Adam):
    """AdamW, as ``torch.optim.AdamW``: the weight decay shrinks the parameters directly.

    For each parameter theta with gradient grad, at step t = 1, 2, ...::

        1. g = -grad if maximize else grad
        2. theta = theta * (1 - lr * weight_decay)
        3. m = m + (1 - beta1) * (g - m)                 (= beta1 * m + (1 - beta1) * g)
        4. v = beta2 * v + (1 - beta2) * g * g
        5. v_max = max(v_max, v)                         (if amsgrad; v_max replaces v below)
        6. denom = sqrt(v) / sqrt(1 - beta2 ** t) + eps
        7. theta = theta - lr / (1 - beta1 ** t) * m / denom

    Unlike Adam's L2 penalty, the decay never enters m or v. This is ``Adam`` with
    ``decoupled_weight_decay=True`` (as in PyTorch), whose ``step`` holds the code.

    Args:
        params: tensors or parameter groups to optimize (see ``Optimizer``).
        lr: learning rate: a float or a 1-element Tensor (see ``Adam``).
        betas: (beta1, beta2), the decay rates of the first and second moment averages.
        eps: added to the denominator for numerical stability.
        weight_decay: decoupled weight decay coefficient.
        amsgrad: use the maximum of past second moments (AMSGrad).
        maximize: maximize the objective instead of minimizing it.
        foreach: PyTorch's kernel choice; accepted and kept in the groups (one implementation
            here, the same update).
        fused: likewise accepted and kept (not with ``foreach=True`` or ``differentiable``).
        capturable: must be False (see ``Optimizer``).
        differentiable: run the step with autograd recording it (see ``Adam``).

    Raises:
        ValueError: for a negative lr, eps or weight_decay, a beta outside [0, 1), or a Tensor
            lr with more than one element or with ``foreach=True``.
        RuntimeError: for ``capturable=True``, or ``fused=True`` with ``foreach=True`` or
            ``differentiable=True``.

    Example:
        >>> import microtensor as mt
        >>> w = mt.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = mt.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> (w * w).sum().backward()
        >>> opt.step()
        >>> w
        tensor([ 0.8500, -1.8000], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float | Tensor = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach: bool | None = None,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state returned by ``state_dict()``; the weight decay stays decoupled."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
