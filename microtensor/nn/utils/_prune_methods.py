"""The pruning methods behind ``torch.nn.utils.prune``: what a mask is and how it is computed.

A pruning method is a forward pre-hook: before every call it sets ``module.<name>`` to
``<name>_orig * <name>_mask``. ``BasePruningMethod.apply`` installs it (moving the parameter
to ``<name>_orig`` and registering the mask buffer); a second pruning of the same tensor wraps
both methods in a ``PruningContainer``, which computes the new mask only on what the old one
kept. The functions users call (``l1_unstructured``, ``remove``, ...) live in ``prune.py``.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

from microtensor import creation, ops
from microtensor.memory_format import contiguous_format
from microtensor.nn.module import Module
from microtensor.tensor import Tensor

__all__ = [
    "BasePruningMethod",
    "CustomFromMask",
    "Identity",
    "L1Unstructured",
    "LnStructured",
    "PruningContainer",
    "RandomStructured",
    "RandomUnstructured",
]


class BasePruningMethod(ABC):
    """The base class of pruning methods: subclasses define ``compute_mask`` and ``PRUNING_TYPE``.

    ``PRUNING_TYPE`` is ``"unstructured"`` (single entries), ``"structured"`` (whole channels
    along ``self.dim``) or ``"global"`` (the mask is given for every entry); it tells a
    ``PruningContainer`` which part of the tensor a later pruning acts on.
    """

    _tensor_name: str
    PRUNING_TYPE: str

    def __call__(self, module: Module, inputs: Any) -> None:
        """Set ``module.<name>`` to the pruned tensor (the forward pre-hook; ``inputs`` unused)."""
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The mask for ``t``: ``default_mask`` (ones before any pruning) with more zeros.

        Args:
            t: the importance scores of the tensor being pruned.
            default_mask: the mask of earlier prunings, shaped like ``t``; it must be kept.

        Returns:
            A mask shaped like ``t``.
        """

    def apply_mask(self, module: Module) -> Tensor:
        """``module.<name>_mask * module.<name>_orig`` (the mask cast to the original's dtype).

        Args:
            module: the module holding the pruned tensor.

        Returns:
            The pruned tensor; gradients flow to ``<name>_orig``.
        """
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned")
        mask = getattr(module, self._tensor_name + "_mask")
        orig = getattr(module, self._tensor_name + "_orig")
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(
        cls,
        module: Module,
        name: str,
        *args: Any,
        importance_scores: Tensor | None = None,
        **kwargs: Any,
    ) -> BasePruningMethod:
        """Prune ``module.<name>`` with ``cls(*args, **kwargs)`` and keep it pruned on the fly.

        The first pruning moves the parameter to ``<name>_orig``; every pruning registers the
        buffer ``<name>_mask``, sets ``module.<name> = orig * mask`` and installs the method
        as a forward pre-hook (joined with an earlier one in a ``PruningContainer``).

        Args:
            module: the module holding the tensor to prune.
            name: the parameter's name in ``module``.
            *args: passed to the method's constructor.
            importance_scores: scores shaped like the parameter that decide what is pruned;
                None uses the parameter itself.
            **kwargs: passed to the method's constructor.

        Returns:
            The method now installed on ``module`` (a ``PruningContainer`` after the first).

        Raises:
            AssertionError: if ``importance_scores`` is not shaped like the parameter.

        Differs from PyTorch: a pruning that raises (an amount larger than the tensor, say)
        leaves the module as it was; PyTorch drops the tensor's earlier pruning hook then.
        """
        method = cls(*args, **kwargs)
        method._tensor_name = name
        orig = getattr(module, name)
        importance_scores = _scores(importance_scores, orig, f"parameter {name} of {module}")
        old_key, old = _pruning_hook(module, name)
        if old is None:
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
            default_mask = creation.ones_like(orig)
        else:
            method = _joined(old, method)
            # orig is now the pruned tensor: the new mask starts from the one kept so far
            mask = getattr(module, name + "_mask")
            default_mask = mask.detach().clone(memory_format=contiguous_format)
        try:
            mask = method.compute_mask(importance_scores, default_mask=default_mask)
            module.register_buffer(name + "_mask", mask)
            setattr(module, name, method.apply_mask(module))
        except Exception:
            _undo_apply(module, name, old)
            raise
        if old_key is not None:
            del module._forward_pre_hooks[old_key]
        module.register_forward_pre_hook(method)
        return method

    def prune(
        self,
        t: Tensor,
        default_mask: Tensor | None = None,
        importance_scores: Tensor | None = None,
    ) -> Tensor:
        """``t * compute_mask(importance_scores, default_mask)``, without touching any module.

        Args:
            t: the tensor to prune.
            default_mask: the mask of earlier prunings; None means ones.
            importance_scores: scores shaped like ``t``; None uses ``t``.

        Returns:
            The pruned copy of ``t``.

        Raises:
            AssertionError: if ``importance_scores`` is not shaped like ``t``.
        """
        importance_scores = _scores(importance_scores, t, "tensor t")
        if default_mask is None:
            default_mask = creation.ones_like(t)
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module: Module) -> None:
        """Make the pruning permanent: ``<name>`` becomes a parameter holding ``orig * mask``.

        ``<name>_orig`` and ``<name>_mask`` are deleted; the pruned entries stay zero. The
        hook itself is left registered (``prune.remove`` deletes it).

        Args:
            module: the module holding the pruned tensor.
        """
        if self._tensor_name is None:
            raise AssertionError(f"Module {module} has to be pruned before pruning can be removed")
        weight = self.apply_mask(module)
        if hasattr(module, self._tensor_name):
            delattr(module, self._tensor_name)
        orig = module._parameters[self._tensor_name + "_orig"]
        assert orig is not None
        orig.data = weight.data
        del module._parameters[self._tensor_name + "_orig"]
        del module._buffers[self._tensor_name + "_mask"]
        setattr(module, self._tensor_name, orig)


def _scores(importance_scores: Tensor | None, t: Tensor, what: str) -> Tensor:
    """``importance_scores`` (checked to be shaped like ``t``), or ``t`` itself if None."""
    if importance_scores is None:
        return t
    if importance_scores.shape != t.shape:
        raise AssertionError(
            f"importance_scores should have the same shape as {what}, "
            f"got {importance_scores.shape} vs {t.shape}"
        )
    return importance_scores


def _pruning_hook(module: Module, name: str) -> tuple[int | None, BasePruningMethod | None]:
    """The key and the pruning method of ``module``'s pre-hook that prunes ``name``, if any."""
    found = [
        (key, hook)
        for key, hook in module._forward_pre_hooks.items()
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name
    ]
    if len(found) > 1:
        raise AssertionError(
            f"Avoid adding multiple pruning hooks to the same tensor {name} of module "
            f"{module}. Use a PruningContainer."
        )
    return found[0] if found else (None, None)


def _joined(old: BasePruningMethod, method: BasePruningMethod) -> PruningContainer:
    """``old``'s container with ``method`` appended (a new container if ``old`` is a method)."""
    container = old if isinstance(old, PruningContainer) else PruningContainer(old)
    container.add_pruning_method(method)
    return container


def _undo_apply(module: Module, name: str, old: BasePruningMethod | None) -> None:
    """Put ``module`` back as it was before a pruning of ``name`` that raised."""
    if old is None:  # the first pruning: the parameter goes back under its name
        module.register_parameter(name, getattr(module, name + "_orig"))
        del module._parameters[name + "_orig"]
    elif isinstance(old, PruningContainer):
        old._pruning_methods = old._pruning_methods[:-1]


class PruningContainer(BasePruningMethod):
    """The pruning methods applied, in order, to one tensor (iterative pruning).

    Its mask is the previous mask with the latest method applied on what that mask kept:
    the entries still one (``"unstructured"``), the channels not yet all zero
    (``"structured"``), or everything (``"global"``).

    Args:
        *args: the pruning methods, all acting on the same tensor name.

    Raises:
        TypeError: if an argument is not a ``BasePruningMethod``.
        ValueError: if the methods act on tensors of different names.
    """

    def __init__(self, *args: BasePruningMethod) -> None:
        self._pruning_methods: tuple[BasePruningMethod, ...] = ()
        if len(args) == 1:
            self._tensor_name = args[0]._tensor_name
            self.add_pruning_method(args[0])
        else:  # like torch, several methods need _tensor_name set on the container first
            for method in args:
                self.add_pruning_method(method)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        """Append ``method`` (it must act on this container's tensor).

        Raises:
            TypeError: if ``method`` is not a ``BasePruningMethod``.
            ValueError: if ``method`` acts on another tensor name.
        """
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(
                f"Can only add pruning methods acting on the parameter named "
                f"'{self._tensor_name}' to PruningContainer {self}. "
                f"Found '{method._tensor_name}'"
            )
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self) -> Iterator[BasePruningMethod]:
        return iter(self._pruning_methods)

    def __getitem__(self, idx: Any) -> Any:
        return self._pruning_methods[idx]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """``default_mask`` with the latest method's mask written over the part it still keeps.

        Raises:
            AttributeError: if a ``"structured"`` method has no ``dim``.
            IndexError: if its ``dim`` is out of range for ``t``.
            ValueError: if the method's ``PRUNING_TYPE`` is not one of the three.
        """
        method = self._pruning_methods[-1]
        new_mask = default_mask.to(dtype=t.dtype)
        slc = _unpruned_part(method, t, default_mask)
        partial = method.compute_mask(t[slc], default_mask=default_mask[slc])
        new_mask[slc] = partial.to(dtype=new_mask.dtype)
        return new_mask


def _unpruned_part(method: BasePruningMethod, t: Tensor, mask: Tensor) -> Any:
    """The index of ``t`` that ``method`` prunes next, given the previous ``mask``."""
    if method.PRUNING_TYPE == "unstructured":
        return mask == 1
    if method.PRUNING_TYPE == "structured":
        if not hasattr(method, "dim"):
            raise AttributeError(
                'Pruning methods of PRUNING_TYPE "structured" need to have the attribute '
                "`dim` defined."
            )
        n_dims = t.dim()
        dim = method.dim + n_dims if method.dim < 0 else method.dim
        if dim < 0:
            raise IndexError(f"Index is out of bounds for tensor with dimensions {n_dims}")
        keep_channel = mask.sum(dim=[d for d in range(n_dims) if d != dim]) != 0
        slc: list[Any] = [slice(None)] * n_dims
        slc[dim] = keep_channel
        return tuple(slc)
    if method.PRUNING_TYPE == "global":
        return (slice(None),) * len(t.shape)
    raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")


class Identity(BasePruningMethod):
    """Prunes nothing: the mask is all ones (installs the reparametrization only)."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """``default_mask`` unchanged."""
        return default_mask

    @classmethod
    def apply(cls, module: Module, name: str) -> BasePruningMethod:  # type: ignore[override]
        """Install the pruning reparametrization of ``module.<name>`` with a mask of ones."""
        return super().apply(module, name)


class _Unstructured(BasePruningMethod):
    """Prunes ``amount`` of the entries, those ranked first by ``_scores`` (see subclasses)."""

    PRUNING_TYPE = "unstructured"
    _largest = True  # prune the entries of largest score (False: smallest)

    def __init__(self, amount: int | float) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount

    def _scores(self, t: Tensor) -> Tensor:
        raise NotImplementedError

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """``default_mask`` with the ``amount`` entries of ``t`` ranked first set to zero.

        Raises:
            ValueError: if the int ``amount`` is larger than ``t.numel()``.
        """
        nparams_toprune = _nparams_toprune(self.amount, t.numel())
        mask = default_mask.clone(memory_format=contiguous_format)
        if nparams_toprune != 0:
            scores = self._scores(t).view(-1)
            topk = ops.topk(scores, k=nparams_toprune, largest=self._largest)
            mask.view(-1)[topk.indices] = 0
        return mask


class RandomUnstructured(_Unstructured):
    """Prunes ``amount`` of the (not yet pruned) entries, chosen at random.

    The entries pruned are those with the largest ``rand_like(t)`` draws, so a
    ``manual_seed`` gives the same mask as in PyTorch.

    Args:
        amount: the number of entries to prune (int) or their fraction in [0, 1] (float).

    Raises:
        TypeError: if ``amount`` is not a real number.
        ValueError: if ``amount`` is a negative int or a float outside [0, 1].
    """

    def _scores(self, t: Tensor) -> Tensor:
        return creation.rand_like(t)

    @classmethod
    def apply(  # type: ignore[override]
        cls, module: Module, name: str, amount: int | float
    ) -> BasePruningMethod:
        """Prune ``amount`` random entries of ``module.<name>`` (as ``BasePruningMethod.apply``)."""
        return super().apply(module, name, amount=amount)


class L1Unstructured(_Unstructured):
    """Prunes the ``amount`` (not yet pruned) entries of smallest absolute value.

    Args:
        amount: the number of entries to prune (int) or their fraction in [0, 1] (float).

    Raises:
        TypeError: if ``amount`` is not a real number.
        ValueError: if ``amount`` is a negative int or a float outside [0, 1].
    """

    _largest = False

    def _scores(self, t: Tensor) -> Tensor:
        return ops.abs(t)

    @classmethod
    def apply(  # type: ignore[override]
        cls,
        module: Module,
        name: str,
        amount: int | float,
        importance_scores: Tensor | None = None,
    ) -> BasePruningMethod:
        """Prune the smallest entries of ``module.<name>`` (see ``BasePruningMethod.apply``)."""
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prunes ``amount`` whole channels along ``dim``, chosen at random.

    A channel is pruned when its ``rand(channels)`` draw is among the ``amount`` smallest,
    so a ``manual_seed`` gives the same mask as in PyTorch.

    Args:
        amount: the number of channels to prune (int) or their fraction in [0, 1] (float).
        dim: the dim whose slices are the channels.

    Raises:
        TypeError: if ``amount`` is not a real number.
        ValueError: if ``amount`` is a negative int or a float outside [0, 1].
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, dim: int = -1) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """``default_mask`` times a mask that is zero on ``amount`` random channels.

        Raises:
            ValueError: if ``t`` has fewer than 2 dims, or ``amount`` exceeds the channels.
            IndexError: if ``dim`` is not a dim of ``t``.
        """
        nchannels = _channel_count(t, self.dim)
        nchannels_toprune = _nparams_toprune(self.amount, nchannels)
        if nchannels_toprune == 0:
            return default_mask
        scores = creation.rand(nchannels)
        threshold = ops.kthvalue(scores, k=nchannels_toprune).values
        mask = _channel_mask(t, self.dim, scores > threshold)
        mask *= default_mask.to(dtype=mask.dtype)
        return mask

    @classmethod
    def apply(  # type: ignore[override]
        cls, module: Module, name: str, amount: int | float, dim: int = -1
    ) -> BasePruningMethod:
        """Prune random channels of ``module.<name>`` (see ``BasePruningMethod.apply``)."""
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prunes the ``amount`` channels along ``dim`` of smallest L``n`` norm.

    Args:
        amount: the number of channels to prune (int) or their fraction in [0, 1] (float).
        n: the norm's order, as ``p`` of ``microtensor.norm`` (int, float, inf, -inf, "fro",
            "nuc").
        dim: the dim whose slices are the channels.

    Raises:
        TypeError: if ``amount`` is not a real number.
        ValueError: if ``amount`` is a negative int or a float outside [0, 1].
    """

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, n: int | float | str, dim: int = -1) -> None:
        _validate_pruning_amount_init(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """``default_mask`` times a mask that keeps the channels of largest norm.

        Raises:
            ValueError: if ``t`` has fewer than 2 dims, or ``amount`` exceeds the channels.
            IndexError: if ``dim`` is not a dim of ``t``.
        """
        nchannels = _channel_count(t, self.dim)
        nchannels_toprune = _nparams_toprune(self.amount, nchannels)
        dims = list(range(t.dim()))
        dims.remove(dims[self.dim])
        norm = ops.norm(t, p=self.n, dim=dims)
        # torch keeps the top (channels - amount) rather than dropping the bottom amount
        topk = ops.topk(norm, k=nchannels - nchannels_toprune, largest=True)
        if nchannels_toprune == 0:
            return default_mask
        mask = _channel_mask(t, self.dim, topk.indices)
        mask *= default_mask.to(dtype=mask.dtype)
        return mask

    @classmethod
    def apply(  # type: ignore[override]
        cls,
        module: Module,
        name: str,
        amount: int | float,
        n: int | float | str,
        dim: int,
        importance_scores: Tensor | None = None,
    ) -> BasePruningMethod:
        """Prune the weakest channels of ``module.<name>`` (see ``BasePruningMethod.apply``)."""
        return super().apply(
            module, name, amount=amount, n=n, dim=dim, importance_scores=importance_scores
        )


class CustomFromMask(BasePruningMethod):
    """Prunes where a given ``mask`` is zero.

    Args:
        mask: a mask shaped like the tensor to prune.
    """

    PRUNING_TYPE = "global"

    def __init__(self, mask: Tensor) -> None:
        self.mask = mask

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """``default_mask * mask``.

        Raises:
            AssertionError: if ``default_mask`` and ``mask`` differ in shape.
        """
        if default_mask.shape != self.mask.shape:
            raise AssertionError(
                f"default_mask shape {default_mask.shape} must match "
                f"self.mask shape {self.mask.shape}"
            )
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(  # type: ignore[override]
        cls, module: Module, name: str, mask: Tensor
    ) -> BasePruningMethod:
        """Prune ``module.<name>`` where ``mask`` is zero (see ``BasePruningMethod.apply``)."""
        return super().apply(module, name, mask=mask)


# --- validating and counting amounts (torch's messages) -------------------------------------


def _validate_pruning_amount_init(amount: Any) -> None:
    """An amount is a non-negative int or a float in [0, 1] (bools count as ints, as in torch)."""
    if not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    is_int = isinstance(amount, numbers.Integral)
    if (is_int and amount < 0) or (not is_int and not 0.0 <= float(amount) <= 1.0):
        raise ValueError(
            f"amount={amount} should either be a float in the range [0, 1] or a non-negative "
            "integer"
        )


def _nparams_toprune(amount: int | float, tensor_size: int) -> int:
    """How many units ``amount`` prunes of ``tensor_size`` (a fraction rounds half to even)."""
    if isinstance(amount, numbers.Integral):
        if amount > tensor_size:
            raise ValueError(
                f"amount={amount} should be smaller than the number of parameters to "
                f"prune={tensor_size}"
            )
        return int(amount)
    return round(amount * tensor_size)


def _channel_count(t: Tensor, dim: int) -> int:
    """The number of channels of ``t`` along ``dim``, after torch's checks on ``t`` and ``dim``."""
    if t.dim() <= 1:
        raise ValueError(
            "Structured pruning can only be applied to multidimensional tensors. Found tensor "
            f"of shape {t.shape} with {len(t.shape)} dims"
        )
    if dim >= t.dim():
        raise IndexError(f"Invalid index {dim} for tensor of size {t.shape}")
    return t.shape[dim]


def _channel_mask(t: Tensor, dim: int, channels: Tensor) -> Tensor:
    """Zeros shaped like ``t``, ones on the ``channels`` (indices or booleans) along ``dim``."""
    mask = creation.zeros_like(t)
    slc: list[Any] = [slice(None)] * t.dim()
    slc[dim] = channels
    mask[tuple(slc)] = 1
    return mask
