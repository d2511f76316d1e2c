"""Stochastic Weight Averaging and EMA (``torch.optim.swa_utils``).

``AveragedModel`` keeps a running average of a model's parameters (equal weights: SWA, or an
exponential moving average through ``get_ema_multi_avg_fn``); ``SWALR`` anneals each group's
learning rate to a constant ``swa_lr``; ``update_bn`` recomputes BatchNorm statistics for the
averaged weights with one pass over the data.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any

from microtensor import dtypes
from microtensor._data_factories import tensor
from microtensor.autograd.grad_mode import no_grad
from microtensor.nn.instancenorm import _InstanceNorm
from microtensor.nn.module import Module
from microtensor.nn.normalization import _BatchNorm
from microtensor.optim.lr_scheduler_base import LRScheduler, per_group
from microtensor.optim.optimizer import Optimizer
from microtensor.tensor import Tensor

__all__ = [
    "SWALR",
    "AveragedModel",
    "get_ema_avg_fn",
    "get_ema_multi_avg_fn",
    "get_swa_avg_fn",
    "get_swa_multi_avg_fn",
    "update_bn",
]

MultiAvgFn = Callable[[list[Tensor], list[Tensor], Any], None]
AvgFn = Callable[[Tensor, Tensor, Any], Tensor]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(
            f"Invalid decay value {decay} provided. Please provide a value in [0,1] range."
        )


def get_ema_multi_avg_fn(decay: float = 0.999) -> MultiAvgFn:
    """The in-place EMA update of lists of parameters, for ``AveragedModel(multi_avg_fn=)``.

    ``W_ema <- decay * W_ema + (1 - decay) * W_model`` (for floating and complex tensors:
    ``W_ema.lerp_(W_model, 1 - decay)``, as PyTorch).

    Args:
        decay: weight of the old average, in [0, 1].

    Returns:
        ``fn(ema_params, model_params, num_averaged)``, updating ``ema_params`` in place.

    Raises:
        ValueError: if ``decay`` is outside [0, 1].

    Example:
        >>> import microtensor as mt
        >>> ema, current = [mt.tensor([0.0, 1.0])], [mt.tensor([1.0, 1.0])]
        >>> mt.optim.swa_utils.get_ema_multi_avg_fn(0.75)(ema, current, 1)
        >>> ema[0]
        tensor([0.2500, 1.0000])
    """
    _check_decay(decay)

    def ema_update(ema_params: list[Tensor], current_params: list[Tensor], _: Any) -> None:
        with no_grad():
            if ema_params[0].is_floating_point() or ema_params[0].is_complex():
                for p_ema, p_model in zip(ema_params, current_params, strict=True):
                    p_ema.lerp_(p_model, 1 - decay)
            else:
                for p_ema, p_model in zip(ema_params, current_params, strict=True):
                    p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> MultiAvgFn:
    """The in-place equal-weight (SWA) update of lists of parameters.

    ``W_swa <- W_swa + (W_model - W_swa) / (n + 1)`` with ``n`` the number already averaged
    (for floating and complex tensors: ``W_swa.lerp_(W_model, 1 / (n + 1))``, as PyTorch).

    Returns:
        ``fn(averaged_params, model_params, num_averaged)``, updating ``averaged_params``.

    Example:
        >>> import microtensor as mt
        >>> avg, current = [mt.tensor([0.0, 2.0])], [mt.tensor([3.0, 2.0])]
        >>> mt.optim.swa_utils.get_swa_multi_avg_fn()(avg, current, 2)
        >>> avg[0]
        tensor([1., 2.])
    """

    def swa_update(averaged: list[Tensor], current: list[Tensor], num_averaged: Any) -> None:
        with no_grad():
            if averaged[0].is_floating_point() or averaged[0].is_complex():
                weight = 1 / (num_averaged + 1)
                weight = weight.item() if isinstance(weight, Tensor) else weight
                for p_avg, p_model in zip(averaged, current, strict=True):
                    p_avg.lerp_(p_model, weight)
            else:
                for p_avg, p_model in zip(averaged, current, strict=True):
                    p_avg.copy_(p_avg + (p_model - p_avg) / (num_averaged + 1))

    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> AvgFn:
    """The EMA of one parameter, for ``AveragedModel(avg_fn=)``: ``decay * ema + (1 - decay) * p``.

    Args:
        decay: weight of the old average, in [0, 1].

    Returns:
        ``fn(ema_param, current_param, num_averaged)`` returning the new average.

    Raises:
        ValueError: if ``decay`` is outside [0, 1].

    Example:
        >>> import microtensor as mt
        >>> mt.optim.swa_utils.get_ema_avg_fn(0.5)(mt.tensor([0.0]), mt.tensor([4.0]), 3)
        tensor([2.])
    """
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> AvgFn:
    """The equal-weight average of one parameter: ``avg + (p - avg) / (n + 1)``.

    Returns:
        ``fn(averaged_param, current_param, num_averaged)`` returning the new average.

    Example:
        >>> import microtensor as mt
        >>> mt.optim.swa_utils.get_swa_avg_fn()(mt.tensor([1.0]), mt.tensor([4.0]), 2)
        tensor([2.])
    """

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters are a running average of ``model``'s (SWA / EMA).

    The first ``update_parameters(model)`` copies the parameters; each later call averages
    them in with ``avg_fn`` (one tensor at a time) or ``multi_avg_fn`` (lists of tensors of one
    dtype), or equal weights (SWA) when neither is given. Buffers are copied from ``model``
    each time, or averaged as the parameters are with ``use_buffers=True``. The state dict
    holds ``module.<name>`` for the copy and ``n_averaged``, the number of models averaged.

    Args:
        model: the model to average.
        device: if given, the copy is moved there (only the CPU exists in microtensor).
        avg_fn: ``fn(averaged, current, num_averaged) -> new averaged`` for one tensor.
        multi_avg_fn: ``fn(averaged_list, current_list, num_averaged)`` updating in place.
        use_buffers: average the buffers too (instead of copying them).

    Raises:
        AssertionError: if both ``avg_fn`` and ``multi_avg_fn`` are given (PyTorch's type).

    Example:
        >>> import microtensor as mt
        >>> model = mt.nn.Linear(1, 1, bias=False)
        >>> swa = mt.optim.swa_utils.AveragedModel(model)
        >>> for value in (1.0, 2.0, 6.0):
        ...     with mt.no_grad():
        ...         _ = model.weight.fill_(value)
        ...     swa.update_parameters(model)
        >>> swa.module.weight.item(), swa.n_averaged.item(), list(swa.state_dict())
        (3.0, 3, ['n_averaged', 'module.weight'])
    """

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: AvgFn | None = None,
        multi_avg_fn: MultiAvgFn | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, dtype=dtypes.int64))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Call the averaged copy of the model."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Average ``model``'s current parameters (and buffers, with ``use_buffers``) in."""
        if self.use_buffers:
            mine: Iterable[Tensor] = itertools.chain(
                self.module.parameters(), self.module.buffers()
            )
            theirs: Iterable[Tensor] = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        averaged, current = [], []
        first = self.n_averaged.item() == 0
        with no_grad():
            for p_averaged, p_model in zip(mine, theirs, strict=False):
                averaged.append(p_averaged.detach())
                current.append(p_model.detach())
                if first:
                    p_averaged.detach().copy_(p_model.detach())
            if not first:
                self._average(averaged, current)
            if not self.use_buffers:  # keep the buffers in sync with the source model
                for b_swa, b_model in zip(self.module.buffers(), model.buffers(), strict=True):
                    b_swa.detach().copy_(b_model.detach())
            self.n_averaged += 1

    def _average(self, averaged: list[Tensor], current: list[Tensor]) -> None:
        n_averaged = self.n_averaged
        if self.avg_fn is not None:
            for p_averaged, p_model in zip(averaged, current, strict=True):
                p_averaged.copy_(self.avg_fn(p_averaged, p_model, n_averaged))
            return
        if self.multi_avg_fn is None:  # CPU: PyTorch's one-tensor SWA formula, not foreach
            swa = get_swa_avg_fn()
            for p_averaged, p_model in zip(averaged, current, strict=True):
                p_averaged.copy_(swa(p_averaged, p_model, n_averaged))
            return
        groups: dict[Any, tuple[list[Tensor], list[Tensor]]] = {}
        for p_averaged, p_model in zip(averaged, current, strict=True):
            group = groups.setdefault(p_averaged.dtype, ([], []))
            group[0].append(p_averaged)
            group[1].append(p_model)
        for group_averaged, group_current in groups.values():
            self.multi_avg_fn(group_averaged, group_current, n_averaged)


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running statistics of every BatchNorm in ``model`` with one pass.

    Each BatchNorm's statistics are reset and accumulated as a cumulative average
    (``momentum=None``) over the batches of ``loader``; the momenta and the model's
    train/eval mode are restored afterwards.

    Args:
        loader: batches: tensors, or lists/tuples whose first element is the input.
        model: the model (often an ``AveragedModel``).
        device: if given, each input is moved there first.

    Example:
        >>> import microtensor as mt
        >>> model = mt.nn.BatchNorm1d(1)
        >>> mt.optim.swa_utils.update_bn([mt.tensor([[1.0], [3.0]]), mt.tensor([[5.0], [7.0]])],
        ...                              model)
        >>> model.running_mean, model.momentum
        (tensor([4.]), 0.1)
    """
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for batch in loader:
            if isinstance(batch, list | tuple):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs``, then hold it.

    At step ``s`` with ``t = clamp(s / max(1, anneal_epochs), 0, 1)`` and ``alpha =
    anneal(t)`` (``cos``: ``(1 - cos(pi t)) / 2``; ``linear``: ``t``), the learning rate is
    ``swa_lr * alpha + lr0 * (1 - alpha)``, where ``lr0`` is recovered from the group's
    current lr and the previous step's alpha (the chainable form, as PyTorch).

    Args:
        optimizer: the optimizer.
        swa_lr: the final learning rate, one for all groups or a list with one per group.
        anneal_epochs: number of annealing steps (>= 0).
        anneal_strategy: ``"cos"`` or ``"linear"``.
        last_epoch: index of the last epoch (-1 starts a new schedule).

    Raises:
        ValueError: for an unknown ``anneal_strategy``, a negative or non-int
            ``anneal_epochs``, or a ``swa_lr`` list of the wrong length.

    Example:
        >>> import microtensor as mt
        >>> opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = mt.optim.swa_utils.SWALR(opt, swa_lr=0.5, anneal_epochs=2,
        ...                                  anneal_strategy="linear")
        >>> lrs = []
        >>> for _ in range(3):
        ...     opt.step()
        ...     sched.step()
        ...     lrs.append(round(sched.get_last_lr()[0], 4))
        >>> lrs
        [0.75, 0.5, 0.5]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: Any,
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        swa_lrs = per_group("swa_lr", optimizer, swa_lr)
        for value, group in zip(swa_lrs, optimizer.param_groups, strict=True):
            group["swa_lr"] = value.clone() if isinstance(value, Tensor) else value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: Any, swa_lr: Any, alpha: float) -> Any:
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self) -> list[Any]:
        """The learning rates of the current step (called by ``step``)."""
        self._warn_if_called_outside_step()
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / max(1, self.anneal_epochs))))
        return [
            g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs, strict=True)
        ]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer and the annealing function."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state returned by ``state_dict()``."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
