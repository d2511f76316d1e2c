"""SparseAdam: Adam for sparse gradients (such as ``nn.Embedding(sparse=True)``'s)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microtensor.optim.optimizer import Optimizer, ParamsT, check_lr, check_value

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """SparseAdam, as ``torch.optim.SparseAdam``: Adam applied to the rows a sparse gradient has.

    PyTorch's SparseAdam only takes sparse gradients and refuses dense ones, telling the user
    to use ``Adam`` instead. microtensor has no sparse tensors (``nn.Embedding(sparse=True)``
    is refused), so every gradient is dense: ``step()`` raises that same error as soon as a
    parameter has a gradient. ``Adam`` gives the same result on dense gradients (SparseAdam
    updates only the rows the gradient touches, which for a dense gradient is all of them).

    Args:
        params: tensors or parameter groups to optimize (see ``Optimizer``).
        lr: learning rate (> 0).
        betas: (beta1, beta2), the decay rates of the first and second moment averages.
        eps: added to the denominator for numerical stability (> 0).
        maximize: maximize the objective instead of minimizing it.

    Raises:
        ValueError: for lr <= 0, eps <= 0, a beta outside [0, 1), or a complex parameter
            (PyTorch's message lists the [group, index] of each).
        RuntimeError: from ``step()``, for a dense gradient (the only kind microtensor has).

    Differs from PyTorch: no sparse tensors, so no gradient SparseAdam can use.

    Example:
        >>> import microtensor as mt
        >>> w = mt.ones(2, requires_grad=True)
        >>> opt = mt.optim.SparseAdam([w], lr=0.1)
        >>> w.sum().backward()
        >>> opt.step()
        Traceback (most recent call last):
        ...
        RuntimeError: SparseAdam does not support dense gradients, please consider Adam instead
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        maximize: bool = False,
    ) -> None:
        check_lr("SparseAdam", lr)
        check_value("SparseAdam", "learning rate", lr, 0.0 < lr, "lr > 0")
        check_value("SparseAdam", "epsilon value", eps, 0.0 < eps, "eps > 0")
        for i in range(2):
            ok = 0.0 <= betas[i] < 1.0
            what = f"beta parameter at index {i}"
            check_value("SparseAdam", what, betas[i], ok, "0 <= beta < 1")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize}
        super().__init__(params, defaults)
        complex_params = [
            [i, j]
            for i, group in enumerate(self.param_groups)
            for j, p in enumerate(group["params"])
            if p._data.dtype.kind == "c"
        ]
        if complex_params:
            raise ValueError(
                f"Complex params at indices {complex_params}: SparseAdam does not support "
                "complex parameters"
            )

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; refuses dense gradients, as PyTorch does."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    raise RuntimeError(
                        "SparseAdam does not support dense gradients, please consider Adam instead"
                    )
        return loss
