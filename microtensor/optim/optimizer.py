"""``Optimizer``: the base of every optimizer (parameter groups, per-parameter state, checkpoints).

An algorithm subclasses ``Optimizer``, validates its hyper-parameters in ``__init__`` and writes
its update rule in ``step()`` on the parameters' NumPy arrays, in place, without a graph.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

import numpy as np

from microtensor import dtypes
from microtensor.autograd.grad_mode import enable_grad
from microtensor.optim.optimizer_hooks import (
    OptimizerHooks,
    hooked_step,
    register_optimizer_step_post_hook,
    register_optimizer_step_pre_hook,
)
from microtensor.tensor import Tensor

__all__ = ["Optimizer"]  # the global hook registrations are here too, as in torch.optim.optimizer
_GLOBAL_HOOKS = (register_optimizer_step_pre_hook, register_optimizer_step_post_hook)

ParamsT: TypeAlias = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]


class Optimizer(OptimizerHooks):
    """Base class of all optimizers, with PyTorch's ``torch.optim.Optimizer`` interface.

    Args:
        params: the tensors to optimize: an iterable of Tensors, of ``(name, Tensor)`` pairs
            (``model.named_parameters()``), or of dicts (parameter groups) holding ``"params"``
            and any per-group options that override ``defaults``.
        defaults: the default options of every group (``lr``, ``momentum`` ...).

    Attributes:
        param_groups: a list of dicts, one per group: ``"params"`` and the group's options.
            Schedulers and users may change the options (``group["lr"] = 0.01``) between steps.
        state: a ``defaultdict(dict)`` keyed by parameter: what the algorithm keeps between
            steps (``"step"``, ``"exp_avg"`` ...), as Tensors of the parameter's dtype (``"step"``
            is a 0-d float tensor, as in PyTorch).
        defaults: the options a new group gets when it does not set them.

    Hooks as in PyTorch: ``register_step_pre_hook`` / ``register_step_post_hook`` run around
    every ``step()`` (also of a subclass's own ``step``); the state-dict and load-state-dict
    pre/post hooks around ``state_dict()`` and ``load_state_dict()``; and
    ``optim.optimizer.register_optimizer_step_pre_hook`` / ``..._post_hook`` around the steps
    of every optimizer.

    Raises:
        TypeError: if ``params`` is a single Tensor or a set, or holds something else than Tensors.
        ValueError: for an empty parameter list, a non-leaf tensor, or a tensor in two groups.

    ``lr`` may be a 1-element Tensor, kept in the groups as given (the schedulers fill it in
    place). ``differentiable=True`` (SGD, Adam, AdamW) runs the step with autograd recording
    it, so a loss after the step can be differentiated through it; parameters may then be
    non-leaf tensors.

    Complex parameters are stepped as PyTorch steps them: each real and imaginary part as an
    independent real number (the algorithms work on ``view_as_real`` of the parameter, its
    gradient and its state, which stays complex, shaped like the parameter), so an adaptive
    method scales the two parts apart. Adafactor and Muon refuse them at ``step()`` and
    SparseAdam at construction, as PyTorch's.

    Differs from PyTorch: each algorithm has one plain NumPy implementation, so the
    ``foreach`` and ``fused`` options are accepted (with PyTorch's checks) and kept in the
    groups but change nothing; ``capturable=True`` (CUDA graphs) raises an error, and so does
    ``differentiable=True`` for the optimizers other than SGD, Adam and AdamW;
    ``load_state_dict`` copies the loaded tensors instead of sharing them.

    Example:
        >>> import microtensor as mt
        >>> w, b = mt.ones(2, requires_grad=True), mt.zeros(1, requires_grad=True)
        >>> opt = mt.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
        >>> [group["lr"] for group in opt.param_groups]
        [0.1, 0.5]
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {_typename(params)}: wrap it in a list ([tensor])"
            )
        cls = type(self)
        if not getattr(cls.__dict__.get("step"), "_hooked", False):
            cls.step = hooked_step(cls.step)  # type: ignore[method-assign]
        self._init_hooks()
        self.defaults = defaults
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        text = f"{type(self).__name__} ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"  # PyTorch's layout: a blank line between groups
            text += "".join(
                f"    {key}: {group[key]}\n" for key in sorted(group) if key != "params"
            )
        return text + ")"

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters (with its own options) to ``param_groups``.

        Useful to start training frozen layers part-way through. Options the group does not
        set are taken from ``defaults``.

        Args:
            param_group: a dict with ``"params"`` (a Tensor, or an iterable of Tensors or of
                ``(name, Tensor)`` pairs) and optional per-group options.

        Raises:
            TypeError: if ``param_group`` is not a dict, its params are a set, or one is not a
                Tensor.
            ValueError: if a parameter is a non-leaf tensor or is already in another group.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        params = [params] if isinstance(params, Tensor) else list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(params):
            raise ValueError(
                "all optimizer params should be with/without names. Some param names are missing"
            )
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    + _typename(param)
                )
            differentiable = self.defaults.get("differentiable", False)
            if not (differentiable or param.is_leaf or param.retains_grad):
                raise ValueError(
                    "can't optimize a non-leaf Tensor (one computed from others); optimize the "
                    "leaves it was computed from, or detach().requires_grad_() a copy"
                )
        param_group["params"] = params
        if names:
            param_group["param_names"] = names
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information",
                stacklevel=3,
            )
        taken = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors.

        Args:
            set_to_none: set each ``.grad`` to None (default; the next backward allocates it
                afresh) instead of filling it with zeros in place.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                grad = p.grad.detach_()
                if grad._data.flags.writeable:
                    grad._data.fill(0)
                else:  # a read-only (broadcast) array cannot be zeroed in place
                    grad._data = np.zeros_like(grad._data)
                grad._version_counter[0] += 1

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step (implemented by each algorithm).

        Args:
            closure: a function that clears the gradients, re-evaluates the model, calls
                ``backward`` and returns the loss; it runs with gradient recording enabled.

        Returns:
            The closure's loss, or None without a closure.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def _evaluate(self, closure: Callable[[], Any] | None) -> Any:
        """Run ``closure`` (if any) with grad enabled and return its loss."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _step_each(self, closure: Callable[[], Any] | None) -> Any:
        """Run the closure, then ``self._update(p, group)`` for each parameter with a gradient.

        The step of the algorithms that update each parameter on its own; returns the loss.
        """
        loss = self._evaluate(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    self._update(p, group)  # type: ignore[attr-defined]
        return loss

    def state_dict(self) -> dict[str, Any]:
        """Return the optimizer's state in PyTorch's format.

        Returns:
            ``{"state": {index: {name: value}}, "param_groups": [group, ...]}``: parameters
            are replaced by their index in the order of ``param_groups`` (each group's
            ``"params"`` is a list of indices); state values are the optimizer's own tensors
            (not copies, as in PyTorch: save them, e.g. with ``microtensor.save``, before
            training on). The state-dict pre and post hooks run around it.
        """
        for pre_hook in self._optimizer_state_dict_pre_hooks.values():
            pre_hook(self)
        index: dict[int, int] = {}
        groups = []
        start = 0
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {
            (index[id(key)] if isinstance(key, Tensor) else key): value
            for key, value in self.state.items()
        }
        state_dict = {"state": state, "param_groups": groups}
        for post_hook in self._optimizer_state_dict_post_hooks.values():
            result = post_hook(self, state_dict)
            if result is not None:
                state_dict = result
        return state_dict

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state returned by ``state_dict()`` (of this optimizer or a PyTorch twin).

        Parameters are matched by position: the i-th index of the saved groups is the i-th
        parameter of this optimizer's groups. Floating state (except ``"step"``) is cast to its
        parameter's dtype; tensors and arrays are copied, so the loaded optimizer never shares
        memory with ``state_dict``. Saved group options replace the current ones (call it after
        creating any LR scheduler).

        Args:
            state_dict: a dict with ``"state"`` and ``"param_groups"``; state values may be
                Tensors, NumPy arrays or numbers.

        Raises:
            ValueError: if the number of groups or the size of a group differs.
        """
        state_dict = dict(state_dict)  # the pre hooks get a shallow copy, as in PyTorch
        for pre_hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = pre_hook(self, state_dict)
            if result is not None:
                state_dict = result
        self._load_state_dict(state_dict)
        for post_hook in self._optimizer_load_state_dict_post_hooks.values():
            post_hook(self)

    def _load_state_dict(self, state_dict: dict[str, Any]) -> None:
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                "loaded state dict has a different number of parameter groups "
                f"({len(saved_groups)}) than the optimizer ({len(self.param_groups)})"
            )
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups, strict=True)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group: group {i} has {len(saved['params'])} saved "
                    f"parameters, the optimizer {len(group['params'])}"
                )
        id_map = {
            saved_id: p
            for group, saved in zip(self.param_groups, saved_groups, strict=True)
            for saved_id, p in zip(saved["params"], group["params"], strict=True)
        }
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            param = id_map.get(_as_index(key))
            if param is None:
                state[key] = value
            else:
                state[param] = {name: _cast(param, name, v) for name, v in value.items()}
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups, strict=True):
            new_group = {key: _copy_option(value) for key, value in saved.items()}
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                new_group["param_names"] = group["param_names"]
            for name, default in self.defaults.items():
                new_group.setdefault(name, default)
            new_groups.append(new_group)
        self.state, self.param_groups = state, new_groups


def _typename(obj: Any) -> str:
    cls = type(obj)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def _as_index(key: Any) -> Any:
    """State keys may come back as strings from a JSON round trip ('0' -> 0)."""
    return int(key) if isinstance(key, str) and key.isdigit() else key


def _copy_option(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return type(value)(_copy_option(v) for v in value)
    return value


def _cast(param: Tensor, name: str, value: Any) -> Any:
    """Copy a saved state value; a floating parameter's float state takes its dtype (not step)."""
    if isinstance(value, dict):
        return {k: _cast(param, k, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_cast(param, name, v) for v in value)
    if name == "step" and not isinstance(value, Tensor | np.ndarray):
        return new_step(float(value))  # old PyTorch checkpoints store the step as a number
    if not isinstance(value, Tensor | np.ndarray):
        return value
    array = value._data if isinstance(value, Tensor) else value
    # as PyTorch, only a floating parameter casts its state: a complex one keeps the dtypes
    # saved (its float ``eta`` or ``mu_product`` stay float)
    if array.dtype.kind == "f" and name != "step" and param._data.dtype.kind == "f":
        return Tensor._make(array.astype(param._data.dtype, copy=True))
    return Tensor._make(np.array(array, copy=True))


def new_step(value: float = 0.0) -> Tensor:
    """A step counter like PyTorch's: a 0-d tensor of the default float dtype."""
    return Tensor._make(np.array(value, dtype=dtypes.get_default_dtype().numpy))


def zeros_state(param: Tensor, fill: complex = 0.0) -> Tensor:
    """A state tensor shaped and typed like ``param``, filled with ``fill``."""
    return Tensor._make(np.full_like(param._data, fill))


def check_implementation(
    optimizer: str, capturable: bool, differentiable: bool, differentiable_step: bool = False
) -> None:
    """Check PyTorch's implementation switches ``capturable`` and ``differentiable``.

    ``differentiable_step`` says that the optimizer has a step recorded by autograd (SGD, Adam,
    AdamW); the others refuse ``differentiable=True``. (``foreach`` and ``fused`` select among
    PyTorch's kernels, which compute the same update: microtensor has one implementation, so
    they are kept as group options and change nothing.)
    """
    if capturable:
        raise RuntimeError(
            f"{optimizer}: capturable=True needs CUDA graphs, and microtensor runs on the CPU "
            "only (PyTorch refuses it on the CPU too): leave capturable=False"
        )
    if differentiable and not differentiable_step:
        raise NotImplementedError(
            f"{optimizer}: differentiable=True (recording the optimizer step in the autograd "
            "graph) is not supported by this optimizer (only SGD, Adam and AdamW record their "
            "step): leave differentiable=False"
        )


def check_lr(
    optimizer: str, lr: Any, foreach: bool | None = None, capturable: bool = False
) -> None:
    """PyTorch's rules for a Tensor ``lr``.

    It must have one element; Adam and AdamW also refuse one with ``foreach=True`` unless
    ``capturable`` (pass ``foreach`` only for those). A Tensor lr is kept in the groups as
    given, and the schedulers update it in place.

    Raises:
        ValueError: with PyTorch's message, naming the optimizer and the fix.
    """
    if not isinstance(lr, Tensor):
        return
    if foreach and not capturable:
        raise ValueError(
            f"{optimizer}: lr as a Tensor is not supported for capturable=False and "
            "foreach=True; pass a float lr, or leave foreach unset"
        )
    if lr.numel() != 1:
        raise ValueError(
            f"{optimizer}: Tensor lr must be 1-element, got shape {tuple(lr.shape)}; pass a "
            "0-d tensor such as mt.tensor(0.01)"
        )


def lr_scalar(lr: Any) -> Any:
    """The learning rate as PyTorch computes with it: a float, or a NumPy scalar of lr's dtype.

    (With a float32 Tensor lr, PyTorch computes expressions such as ``lr / (1 - beta1**t)`` in
    float32; NumPy scalars do the same, since Python floats do not promote them.)
    """
    return lr._data.reshape(())[()] if isinstance(lr, Tensor) else float(lr)


def check_fused(
    optimizer: str, fused: bool | None, foreach: bool | None, differentiable: bool
) -> None:
    """PyTorch's checks of ``fused=True`` (its CPU kernel computes the same update).

    Raises:
        RuntimeError: with ``differentiable=True`` or ``foreach=True``, as PyTorch.
    """
    if not fused:
        return
    if differentiable:
        raise RuntimeError(
            f"{optimizer}: `fused` does not support `differentiable`; set fused=False (or leave "
            "it unset) to differentiate through the step"
        )
    if foreach:
        raise RuntimeError(
            f"{optimizer}: `fused` and `foreach` cannot be `True` together. Choose one of "
            "the kernels"
        )


def check_fused_param(p: Tensor) -> None:
    """PyTorch's check of a parameter's dtype for ``fused=True``: floating point only.

    Raises:
        RuntimeError: for a complex parameter, with PyTorch's message.
    """
    if p._data.dtype.kind == "c":
        raise RuntimeError(
            "`fused=True` requires all the params to be floating point Tensors of supported "
            f"devices: ['cpu'] but {p.dtype} and cpu; leave fused unset for complex parameters"
        )


def check_fused_group(optimizer: Any, params: list[Tensor]) -> bool:
    """PyTorch's checks before a ``fused=True`` step of SGD or Adagrad; returns has_complex.

    They check the dtype of one parameter only: the first with a gradient at the optimizer's
    first fused step (``check_fused_param``); their fused kernels then refuse complex ones.
    """
    if params and not getattr(optimizer, "_fused_dtype_checked", False):
        check_fused_param(params[0])
        optimizer._fused_dtype_checked = True
    return any(p._data.dtype.kind == "c" for p in params)


def check_adam_arguments(
    optimizer: str, lr: Any, betas: tuple[float, float], eps: float, weight_decay: float
) -> None:
    """The checks the Adam family shares: lr, eps, both betas and weight_decay (in that order).

    Raises:
        ValueError: naming the first value out of range, as PyTorch.
    """
    check_value(optimizer, "learning rate", lr, 0.0 <= lr, "lr >= 0")
    check_value(optimizer, "epsilon value", eps, 0.0 <= eps, "eps >= 0")
    for i in range(2):
        ok = 0.0 <= betas[i] < 1.0
        check_value(optimizer, f"beta parameter at index {i}", betas[i], ok, "0 <= beta < 1")
    ok = 0.0 <= weight_decay
    check_value(optimizer, "weight_decay value", weight_decay, ok, "weight_decay >= 0")


def check_value(optimizer: str, what: str, value: Any, ok: bool, expected: str) -> None:
    """Raise PyTorch's ``ValueError("Invalid <what>: <value>")``, naming the rule, unless ok."""
    if not ok:
        raise ValueError(f"Invalid {what}: {value} ({optimizer} expects {expected})")


def lerp_(start: np.ndarray, end: np.ndarray, weight: float) -> None:
    """Set start to start + weight * (end - start), in place, by PyTorch's two-sided formula."""
    diff = np.subtract(end, start)
    if abs(weight) < 0.5:
        diff *= weight
        start += diff
    else:  # the form exact at weight == 1, as PyTorch's lerp kernel
        diff *= 1 - weight
        np.subtract(end, diff, out=start)
