"""``torch.nn.utils.parametrize``: a parameter computed from others by a module.

``register_parametrization(module, "weight", P())`` makes ``module.weight`` mean
``P()(module.parametrizations.weight.original)``, recomputed at every access (or once per
``cached()`` block), so the optimizer trains ``original`` while the module sees ``P``'s
output. Several parametrizations on one tensor chain in order. If ``P`` has
``right_inverse``, registration stores ``right_inverse(weight)`` as the original (one tensor,
or several: ``original0``, ``original1``, ...), and assigning ``module.weight = X`` stores
``right_inverse(X)``.

As in PyTorch, the module's class becomes a subclass named ``Parametrized<Class>`` that holds a
property per parametrized name; that is how an attribute can be computed on access.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from microtensor.autograd.grad_mode import no_grad
from microtensor.nn.containers import ModuleDict, ModuleList
from microtensor.nn.module import Module
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor

__all__ = [
    "ParametrizationList",
    "cached",
    "is_parametrized",
    "register_parametrization",
    "remove_parametrizations",
    "type_before_parametrizations",
]

_cache: dict[tuple[int, str], Tensor] = {}
_cache_depth = 0


@contextmanager
def cached() -> Iterator[None]:
    """Compute each parametrized tensor once inside this block (PyTorch's ``cached``)."""
    global _cache_depth
    _cache_depth += 1
    try:
        yield
    finally:
        _cache_depth -= 1
        if _cache_depth == 0:
            _cache.clear()


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor and its original(s) (``original`` or ``original0``...).

    Args:
        modules: the parametrizations, applied in order.
        original: the tensor being parametrized.
        unsafe: skip the shape and dtype checks.
    """

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        requires_grad = original.requires_grad
        with no_grad():
            new = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass  # as in torch: a right_inverse that cannot is the identity
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            self._set_original("original", original, new, requires_grad)
        else:
            for i, value in enumerate(new):
                if not isinstance(value, Tensor):
                    raise ValueError(
                        "'right_inverse' must return a Tensor or a Sequence of tensors "
                        f"(list, tuple...). Got element {i} of type {type(value).__name__}"
                    )
                self._set_original(f"original{i}", original, value, requires_grad)
        if not unsafe:
            self._check(original)

    def _set_original(self, name: str, original: Tensor, value: Tensor, grad: bool) -> None:
        if isinstance(original, Parameter) and name == "original" and value is original:
            self.register_parameter(name, original)
        elif isinstance(original, Parameter):
            self.register_parameter(name, Parameter(value.detach().clone(), requires_grad=grad))
        else:
            self.register_buffer(name, value.detach().clone())

    def _check(self, original: Tensor) -> None:
        value = self()
        if not isinstance(value, Tensor):
            raise ValueError(f"A parametrization must return a tensor. Got {type(value).__name__}.")
        if value.dtype != original.dtype:
            raise ValueError(
                "Registering a parametrization may not change the dtype of the tensor, unless "
                f"`unsafe` flag is enabled.\nunparametrized dtype: {original.dtype}\n"
                f"parametrized dtype: {value.dtype}"
            )
        if value.shape != original.shape:
            raise ValueError(
                "Registering a parametrization may not change the shape of the tensor, unless "
                f"`unsafe` flag is enabled.\nunparametrized shape: {original.shape}\n"
                f"parametrized shape: {value.shape}"
            )

    def right_inverse(self, value: Tensor) -> None:
        """Store the originals for which the parametrized tensor equals ``value``."""
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(
                        f"parametrization {type(module).__name__} does not implement right_inverse."
                    )
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(f"`right_inverse` should return a tensor. Got {type(value)}")
                self.original.copy_(value)
            else:
                for i, tensor in enumerate(value):
                    getattr(self, f"original{i}").copy_(tensor)

    def forward(self) -> Tensor:  # type: ignore[override]
        """The parametrized tensor: the parametrizations applied to the original(s)."""
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in list(self)[1:]:
            x = module(x)
        return x  # type: ignore[no-any-return]


def _parametrized_property(name: str) -> property:
    def get(self: Module) -> Tensor:
        parametrization = self.parametrizations[name]
        if _cache_depth == 0:
            return parametrization()  # type: ignore[no-any-return]
        key = (id(self), name)
        if key not in _cache:
            _cache[key] = parametrization()
        return _cache[key]

    def set_(self: Module, value: Tensor) -> None:
        self.parametrizations[name].right_inverse(value)

    return property(get, set_)


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> Module:
    """Make ``module.<tensor_name>`` the output of ``parametrization`` on a stored original.

    Args:
        module: the module whose parameter or buffer is parametrized.
        tensor_name: its name (``"weight"``).
        parametrization: a module mapping the original(s) to the tensor.
        unsafe: allow a parametrization that changes shape or dtype.

    Returns:
        ``module`` (its class is now ``Parametrized<Class>``).

    Raises:
        ValueError: the module has no parameter or buffer of that name, or the
            parametrization changes its shape or dtype (without ``unsafe``).

    Example:
        >>> import microtensor as mt
        >>> from microtensor import nn
        >>> from microtensor.nn.utils import parametrize
        >>> class Symmetric(nn.Module):
        ...     def forward(self, x):
        ...         return x.triu() + x.triu(1).transpose(0, 1)
        >>> lin = parametrize.register_parametrization(nn.Linear(3, 3), "weight", Symmetric())
        >>> bool((lin.weight == lin.weight.T).all()), type(lin).__name__
        (True, 'ParametrizedLinear')
        >>> sorted(lin.state_dict())
        ['bias', 'parametrizations.weight.original']
    """
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            value = parametrization(plist())
            if not isinstance(value, Tensor) or value.shape != plist().shape:
                raise ValueError(
                    "Registering a parametrization may not change the shape of the tensor, "
                    "unless `unsafe` flag is enabled."
                )
        plist.append(parametrization)
        return module
    if tensor_name not in module._parameters and tensor_name not in module._buffers:
        raise ValueError(
            f"Module '{module}' does not have a parameter, a buffer, or a parametrized element "
            f"with name '{tensor_name}'"
        )
    original = getattr(module, tensor_name)
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        # a subclass per parametrized module instance, to hold the properties (as PyTorch)
        cls = module.__class__
        subclass = type(f"Parametrized{cls.__name__}", (cls,), {"_type_before": cls})
        module.__class__ = subclass
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = plist
    setattr(module.__class__, tensor_name, _parametrized_property(tensor_name))
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """True if ``module`` has a parametrization (on ``tensor_name``, when given)."""
    parametrizations = module._modules.get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    return tensor_name is None or tensor_name in parametrizations


def type_before_parametrizations(module: Module) -> type:
    """The module's class before ``register_parametrization`` replaced it."""
    return module.__class__._type_before if is_parametrized(module) else type(module)  # type: ignore[attr-defined, no-any-return]


def remove_parametrizations(
    module: Module, tensor_name: str, leave_parametrized: bool = True
) -> Module:
    """Undo ``register_parametrization`` on ``tensor_name``.

    Args:
        module: the parametrized module.
        tensor_name: the parametrized name.
        leave_parametrized: keep the current parametrized value (else the original).

    Returns:
        ``module`` (its original class comes back when nothing stays parametrized).

    Raises:
        ValueError: ``tensor_name`` is not parametrized, or ``leave_parametrized=False`` with
            several originals.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"Module {module} does not have a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with no_grad():
                original.data = getattr(module, tensor_name).detach()
    elif leave_parametrized:
        value = getattr(module, tensor_name)  # with grad: does any original require it?
        original = Parameter(value.detach(), value.requires_grad)
    else:
        raise ValueError(
            "Cannot leave unparametrized (`leave_parametrized=False`) a tensor that is "
            "parametrized in terms of a sequence of tensors."
        )
    delattr(module.__class__, tensor_name)
    del module.parametrizations[tensor_name]
    if isinstance(original, Parameter):
        module.register_parameter(tensor_name, original)
    else:
        module.register_buffer(tensor_name, original)
    if len(module.parametrizations) == 0:
        delattr(module, "parametrizations")
        module.__class__ = module.__class__._type_before  # type: ignore[attr-defined]
    return module
