"""The state half of ``Module``: dtype conversion and ``state_dict`` / ``load_state_dict``.

Keys, checks, metadata (``state_dict()._metadata``, each module's ``version``) and error
messages follow PyTorch, so state dicts move between the two. Subclasses may override
``_save_to_state_dict`` / ``_load_from_state_dict`` to add or translate keys, keep extra
state through ``get_extra_state`` / ``set_extra_state`` (the ``_extra_state`` key), and
register state-dict hooks, as in PyTorch.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from microtensor import dtypes
from microtensor._device import check_cpu as _device
from microtensor._device import device as _device_type
from microtensor.autograd.grad_mode import no_grad
from microtensor.nn.module_hooks import add_hook
from microtensor.nn.parameter import Parameter
from microtensor.tensor import Tensor

_POSITIONAL_STATE_DICT = (  # torch's words
    "Positional args are being deprecated, use kwargs instead. Refer to "
    "https://pytorch.org/docs/main/generated/torch.nn.Module.html#torch.nn.Module.state_dict"
    " for details."
)


class _IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns: the keys it missed and the keys it did not use."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (
            f"_IncompatibleKeys(missing_keys={self.missing_keys}, "
            f"unexpected_keys={self.unexpected_keys})"
        )

    def __str__(self) -> str:
        return self.__repr__()


class ModuleState:
    """Conversion and state-dict methods of ``Module`` (a base class of it; not used alone)."""

    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent_buffers_set: set[str]
    _modules: dict[str, Any]
    children: Callable[[], Iterator[Any]]  # defined by Module
    _state_dict_pre_hooks: OrderedDict[int, Callable[..., Any]]
    _state_dict_hooks: OrderedDict[int, Callable[..., Any]]
    _load_state_dict_pre_hooks: OrderedDict[int, Callable[..., Any]]
    _load_state_dict_post_hooks: OrderedDict[int, Callable[..., Any]]
    _version: int = 1  # stored in the state dict's metadata; bump to translate old checkpoints

    # --- conversion ------------------------------------------------------------------------

    def _apply(self, fn: Callable[[Tensor], Tensor], recurse: bool = True) -> Any:
        """Convert every parameter (in place, keeping the Parameter objects) and buffer."""
        if recurse:
            for module in self.children():
                module._apply(fn)
        with no_grad():
            for param in self._parameters.values():
                if param is None:
                    continue
                param.data = fn(param)
                if param.grad is not None:
                    param.grad.data = fn(param.grad)
            for key, buf in self._buffers.items():
                if buf is not None:
                    self._buffers[key] = fn(buf)
        return self

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """Convert the floating parameters and buffers to a dtype, in place; returns self.

        Accepts ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)`` and the
        keywords ``dtype``, ``device``, ``non_blocking``, ``memory_format`` (which lays out the
        4-D and 5-D parameters and buffers, e.g. ``channels_last``, as torch). Integer buffers
        keep their dtype; a complex dtype makes floating and complex ones complex (with torch's
        warning that complex modules are new).
        The Parameter objects are kept (their data is replaced), so an optimizer built before
        the call still holds them.

        Raises:
            TypeError: for a dtype neither floating nor complex.
            RuntimeError: for a device other than the CPU.

        Example:
            >>> import microtensor as mt
            >>> lin = mt.nn.Linear(2, 2)
            >>> w = lin.weight
            >>> lin.to(mt.float64).weight is w, w.dtype
            (True, microtensor.float64)
        """
        fmt = kwargs.pop("memory_format", None)
        target = _parse_to(args, kwargs)
        if target is not None and not (target.is_floating_point or target.is_complex):
            raise TypeError(
                "nn.Module.to only accepts floating point or complex dtypes, but got desired "
                f"dtype={target}"
            )
        if target is not None and target.is_complex:
            warnings.warn(
                "Complex modules are a new feature under active development whose design may "
                "change, and some modules might not work as expected when using complex tensors "
                "as parameters or buffers. Please file an issue at "
                "https://github.com/pytorch/pytorch/issues/new?template=bug-report.yml if a "
                "complex module does not work as expected.",
                UserWarning,
                stacklevel=2,
            )

        def convert(t: Tensor) -> Tensor:
            if target is not None and (t.is_floating_point() or t.is_complex()):
                t = t.to(target)
            return t.to(memory_format=fmt) if fmt is not None and t.dim() in (4, 5) else t

        return self if target is None and fmt is None else self._apply(convert)

    def float(self) -> Any:
        """Convert floating parameters and buffers to float32; returns self."""
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self) -> Any:
        """Convert floating parameters and buffers to float64; returns self."""
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def half(self) -> Any:
        """Convert floating parameters and buffers to float16; returns self."""
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def type(self, dst_type: Any) -> Any:
        """Convert ALL parameters and buffers (integer ones too) to ``dst_type``; returns self."""
        return self._apply(lambda t: t.type(dst_type))

    def bfloat16(self) -> Any:
        """Convert floating parameters and buffers to bfloat16; returns self."""
        return self._apply(lambda t: t.bfloat16() if t.is_floating_point() else t)

    def cpu(self) -> Any:
        """Nothing to move (microtensor runs on the CPU); returns self."""
        return self

    def cuda(self, device: Any = None) -> Any:
        """Raises: microtensor computes on the CPU only.

        Raises:
            RuntimeError: always (there is no CUDA device to move to).
        """
        raise RuntimeError(
            "Module.cuda(): microtensor runs on the CPU only (microtensor.cuda.is_available() "
            "is False); keep the module on the CPU, e.g. device = 'cuda' if "
            "microtensor.cuda.is_available() else 'cpu'"
        )

    def share_memory(self) -> Any:
        """Nothing to do (one process's NumPy arrays); returns self, as PyTorch on the CPU."""
        return self

    def to_empty(self, *, device: Any, recurse: bool = True) -> Any:
        """Give every parameter and buffer new, uninitialised storage of the same shape.

        Args:
            device: the target device (only the CPU exists).
            recurse: also the submodules' parameters and buffers.

        Returns:
            self.
        """
        if device is not None:
            _device(device)
        from microtensor.creation import empty_like

        return self._apply(lambda t: empty_like(t), recurse=recurse)

    # --- extra state and state-dict hooks -----------------------------------------------------

    def get_extra_state(self) -> Any:
        """Extra state to put in the state dict (override with ``set_extra_state``).

        Raises:
            RuntimeError: when not overridden (it is only called for modules that override it).
        """
        raise RuntimeError(
            "Reached a code path in Module.get_extra_state() that should never be called. "
            "Please file an issue to report this bug."
        )

    def set_extra_state(self, state: Any) -> None:
        """Restore what ``get_extra_state`` returned (override both together).

        Raises:
            RuntimeError: when not overridden.
        """
        raise RuntimeError(
            "Reached a code path in Module.set_extra_state() that should never be called. "
            "Please file an issue to report this bug."
        )

    def register_state_dict_pre_hook(self, hook: Callable[..., Any]) -> Any:
        """Call ``hook(module, prefix, keep_vars)`` before ``state_dict`` collects this module.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        return add_hook(self._state_dict_pre_hooks, hook)

    def register_state_dict_post_hook(self, hook: Callable[..., Any]) -> Any:
        """Call ``hook(module, state_dict, prefix, local_metadata)`` after ``state_dict``.

        The hook edits ``state_dict`` in place and returns None.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        handle = add_hook(self._state_dict_hooks, hook)
        self._state_dict_hooks[handle.id] = _PublicHook(hook)
        return handle

    def _register_state_dict_hook(self, hook: Callable[..., Any]) -> Any:
        """The older private form third-party modules use: the hook may return a new dict."""
        return add_hook(self._state_dict_hooks, hook)

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any]) -> Any:
        """Call ``hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)`` before this module's entries are loaded.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """  # noqa: D205
        return self._register_load_state_dict_pre_hook(hook, with_module=True)

    def _register_load_state_dict_pre_hook(
        self, hook: Callable[..., Any], with_module: bool = False
    ) -> Any:
        """The private form: without ``with_module`` the hook gets no module argument."""
        call = (lambda *args: hook(self, *args)) if with_module else hook
        return add_hook(self._load_state_dict_pre_hooks, call)

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any]) -> Any:
        """Call ``hook(module, incompatible_keys)`` after ``load_state_dict`` loaded the module.

        The hook may edit ``incompatible_keys.missing_keys`` / ``.unexpected_keys`` in place
        (a strict load then judges the edited lists) and must return None.

        Returns:
            A handle whose ``remove()`` unregisters the hook.
        """
        return add_hook(self._load_state_dict_post_hooks, hook)

    # --- state dict ------------------------------------------------------------------------

    def state_dict(
        self, *args: Any, destination: Any = None, prefix: str = "", keep_vars: bool = False
    ) -> Any:
        """An ordered dict of every parameter and persistent buffer, keyed by dotted name.

        Tensors are detached (they share memory with the module). A parameter shared by two
        modules appears under both names, as in PyTorch.

        Args:
            destination: a dict to fill (a new ``OrderedDict`` when None).
            prefix: prepended to every key.
            keep_vars: keep the Parameter objects instead of detached tensors.
            *args: the deprecated positional form ``(destination, prefix, keep_vars)``,
                accepted with torch's FutureWarning.

        Example:
            >>> from microtensor import nn
            >>> list(nn.Sequential(nn.Linear(2, 3)).state_dict())
            ['0.weight', '0.bias']
        """
        if args:
            warnings.warn(_POSITIONAL_STATE_DICT, FutureWarning, stacklevel=2)
            destination = args[0] if destination is None else destination
            prefix = args[1] if len(args) > 1 and prefix == "" else prefix
            keep_vars = args[2] if len(args) > 2 and keep_vars is False else keep_vars
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()  # type: ignore[attr-defined]
        local_metadata = {"version": self._version}
        if hasattr(destination, "_metadata"):
            destination._metadata[prefix[:-1]] = local_metadata
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(
                    destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars
                )
        for hook in self._state_dict_hooks.values():
            result = hook(self, destination, prefix, local_metadata)
            if isinstance(hook, _PublicHook):
                if result is not None:
                    raise RuntimeError("state_dict post-hook must return None")
            elif result is not None:
                destination = result
        return destination

    def _save_to_state_dict(self, destination: Any, prefix: str, keep_vars: bool) -> None:
        """Add this module's own parameters and persistent buffers (not its children's)."""
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        if _overrides(self, "get_extra_state"):
            destination[prefix + _EXTRA_STATE] = self.get_extra_state()

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> _IncompatibleKeys:
        """Copy the values of ``state_dict`` into this module's parameters and buffers.

        Args:
            state_dict: name -> Tensor, as made by ``state_dict()``.
            strict: raise if the keys differ from this module's ``state_dict()`` keys.
            assign: take the given tensors as the new parameters and buffers instead of
                copying into the existing ones.

        Returns:
            ``(missing_keys, unexpected_keys)``, a named tuple.

        Raises:
            RuntimeError: on a shape mismatch, or a key mismatch when ``strict``; the message
                lists every problem.
            TypeError: if ``state_dict`` is not a mapping.

        Example:
            >>> from microtensor import nn
            >>> a, b = nn.Linear(2, 1), nn.Linear(2, 1)
            >>> b.load_state_dict(a.state_dict())
            <All keys matched successfully>
            >>> bool((a.weight == b.weight).all())
            True
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing: list[str] = []
        unexpected: list[str] = []
        errors: list[str] = []
        metadata = getattr(state_dict, "_metadata", None)
        _load(self, dict(state_dict), "", (metadata, assign), (missing, unexpected, errors))
        if strict:
            if unexpected:
                errors.insert(0, f"Unexpected key(s) in state_dict: {_quoted(unexpected)}. ")
            if missing:
                errors.insert(0, f"Missing key(s) in state_dict: {_quoted(missing)}. ")
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        return _IncompatibleKeys(missing, unexpected)

    def _load_from_state_dict(
        self,
        state_dict: Mapping[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        """Load this module's own entries; note missing, unexpected and wrong-shaped keys."""
        for hook in self._load_state_dict_pre_hooks.values():
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                 error_msgs)  # fmt: skip
        local_state: dict[str, Tensor] = {
            k: v for k, v in self._parameters.items() if v is not None
        }
        for k, b in self._buffers.items():
            if b is not None and k not in self._non_persistent_buffers_set:
                local_state[k] = b
        assign = local_metadata.get("assign_to_params_buffers", False)
        for name, param in local_state.items():
            key = prefix + name
            if key in state_dict:
                error = _load_one(self, name, key, param, state_dict[key], assign)
                if error:
                    error_msgs.append(error)
            elif strict:
                missing_keys.append(key)
        extra_key = prefix + _EXTRA_STATE
        if _overrides(self, "set_extra_state"):
            if extra_key in state_dict:
                self.set_extra_state(state_dict[extra_key])
            elif strict:
                missing_keys.append(extra_key)
        elif strict and extra_key in state_dict:
            unexpected_keys.append(extra_key)
        if strict:
            for key in state_dict:
                if not key.startswith(prefix) or key == extra_key:
                    continue
                first, *rest = key[len(prefix) :].split(".", 1)
                if (first not in self._modules) if rest else (first not in local_state):
                    unexpected_keys.append(key)


_EXTRA_STATE = "_extra_state"


class _PublicHook:
    """A post-hook registered through the public API: it must return None."""

    def __init__(self, hook: Callable[..., Any]) -> None:
        self.hook = hook

    def __call__(self, *args: Any) -> Any:
        return self.hook(*args)


def _overrides(module: Any, method: str) -> bool:
    return getattr(type(module), method) is not getattr(ModuleState, method)


def _load(
    module: Any,
    local: dict[str, Any],
    prefix: str,
    options: tuple[Any, bool],
    out: tuple[list[str], list[str], list[str]],
) -> None:
    """Load ``module``'s own entries, recurse with each child's share, then run post-hooks."""
    metadata, assign = options
    local_metadata = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
    if assign:
        local_metadata["assign_to_params_buffers"] = True
    module._load_from_state_dict(local, prefix, local_metadata, True, *out)
    for name, child in module._modules.items():
        if child is not None:
            child_prefix = prefix + name + "."
            child_local = {k: v for k, v in local.items() if k.startswith(child_prefix)}
            _load(child, child_local, child_prefix, options, out)
    incompatible = _IncompatibleKeys(out[0], out[1])
    for hook in module._load_state_dict_post_hooks.values():
        if hook(module, incompatible) is not None:
            raise RuntimeError(
                "Hooks registered with ``register_load_state_dict_post_hook`` are not expected "
                "to return new values, if incompatible_keys need to be modified, it should be "
                "done inplace."
            )


def _load_one(
    module: Any, name: str, key: str, param: Tensor, value: Any, assign: bool
) -> str | None:
    """Copy (or assign) one value; return PyTorch's error message for it, or None."""
    if not isinstance(value, Tensor):
        return (
            f'While copying the parameter named "{key}", expected microtensor.Tensor or '
            f"Tensor-like object from checkpoint but received {type(value)}"
        )
    # PyTorch's backward compatibility: a 1-element 1-d value loads into a 0-d parameter.
    if param.ndim == 0 and value.shape == (1,):
        value = value[0]
    if value.shape != param.shape:
        return (
            f"size mismatch for {key}: copying a param with shape {value.shape} from "
            f"checkpoint, the shape in current model is {param.shape}."
        )
    try:
        with no_grad():
            if not assign:
                param.copy_(value)
            elif isinstance(param, Parameter):
                if isinstance(value, Parameter):
                    value.requires_grad_(param.requires_grad)
                else:
                    value = Parameter(value, requires_grad=param.requires_grad)
                setattr(module, name, value)
            else:
                setattr(module, name, value)
    except Exception as ex:  # noqa: BLE001 - reported with the key, as PyTorch does
        return (
            f'While copying the parameter named "{key}", whose dimensions in the model are '
            f"{param.shape} and whose dimensions in the checkpoint are "
            f"{value.shape}, an exception occurred : {ex.args}."
        )
    return None


def _quoted(keys: list[str]) -> str:
    return ", ".join(f'"{k}"' for k in keys)


def _parse_to(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dtypes.dtype | None:
    """The dtype named by ``Module.to``'s arguments (None if only a device is given)."""
    target = kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    if "device" in kwargs:
        _device(kwargs.pop("device") or "cpu")
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for arg in args:
        if isinstance(arg, Tensor):
            target = arg.dtype
        elif arg is None or isinstance(arg, bool):
            continue
        elif isinstance(arg, _device_type) or (
            isinstance(arg, str) and arg.split(":")[0] in ("cpu", "cuda", "mps", "meta")
        ):
            _device(arg)
        else:
            target = arg
    return None if target is None else dtypes.to_dtype(target)
