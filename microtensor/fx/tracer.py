"""``symbolic_trace``, ``Tracer`` and ``wrap``: record a module's ``forward`` as a ``Graph``.

Tracing calls ``forward`` once with ``Proxy`` arguments. While it runs, ``Module.__call__``
asks ``Tracer.call_module`` (leaf modules become one ``call_module`` node, the others are
traced through), ``Module.__getattr__`` turns parameters into ``get_attr`` nodes, and
microtensor's functions and Tensor methods hand proxy calls to ``Proxy.__torch_function__``
(see ``_dispatch``). Everything is restored when the trace ends.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import math
import types
from collections.abc import Callable
from itertools import chain
from types import ModuleType
from typing import Any

from microtensor.fx import _dispatch
from microtensor.fx.graph import Graph
from microtensor.fx.graph_module import GraphModule
from microtensor.fx.node import Argument
from microtensor.fx.proxy import Proxy, TracerBase
from microtensor.nn import Module, ModuleDict, ModuleList, Parameter, Sequential
from microtensor.tensor import Tensor

__all__ = ["PH", "Tracer", "symbolic_trace", "wrap"]

# (id of a module's globals, function name) -> those globals: the functions fx.wrap marked
_wrapped_fns_to_patch: dict[tuple[int, str], dict[str, Any]] = {}


class PHBase:
    """An object representing an input placeholder to ``concrete_args``."""

    def __repr__(self) -> str:
        return "PH"


PH = PHBase()


def _assert(condition: Any, message: str) -> None:
    """``assert condition, message`` as a function, which a graph can record.

    Raises:
        AssertionError: if ``condition`` is false.
    """
    if not condition:
        raise AssertionError(message)


def _assert_is_none(value: Any, msg: str) -> None:
    """Check that an argument traced as a concrete ``None`` is still None.

    Raises:
        AssertionError: if ``value`` is not None.
    """
    if value is not None:
        raise AssertionError(msg)


class Tracer(TracerBase):
    """Turns a module or function into a ``Graph`` by running it on ``Proxy`` values.

    Subclass it to decide which modules stay whole (``is_leaf_module``) or to change how
    nodes are made (``create_node``, ``create_proxy``, ``call_module``).

    Args:
        autowrap_modules: modules whose functions are recorded as ``call_function`` when
            called on proxies (``math.sqrt(x.size(0))``).
        autowrap_functions: more such functions, found in the traced code's globals.
        param_shapes_constant: accepted for torch's signature; unused.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import fx, nn
        >>> class Block(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.linear = nn.Linear(4, 4)
        ...     def forward(self, x):
        ...         return mt.relu(self.linear(x)) + x
        >>> graph = fx.Tracer().trace(Block())
        >>> [n.name for n in graph.nodes]
        ['x', 'linear', 'relu', 'add', 'output']
    """

    proxy_buffer_attributes: bool = False

    def __init__(
        self,
        autowrap_modules: tuple[ModuleType, ...] = (math,),
        autowrap_functions: tuple[Callable[..., Any], ...] = (),
        param_shapes_constant: bool = False,
    ) -> None:
        """Record calls to ``autowrap_modules``' functions and ``autowrap_functions``."""
        self._autowrap_function_ids = {
            id(value)
            for name, value in chain.from_iterable(m.__dict__.items() for m in autowrap_modules)
            if not name.startswith("_") and callable(value)
        } | {id(fn) for fn in autowrap_functions}
        self._autowrap_modules = list(autowrap_modules)
        self._autowrap_functions = list(autowrap_functions)
        self.param_shapes_constant = param_shapes_constant
        self.submodule_paths: dict[Module, str] | None = None
        self.root: Module = Module()
        self.graph = Graph()
        self.tensor_attrs: dict[Tensor, str] = {}

    # --- decisions a subclass may change ---------------------------------------------------

    def is_leaf_module(self, m: Module, module_qualified_name: str) -> bool:
        """Whether ``m`` is recorded as one ``call_module`` node instead of traced through.

        microtensor's own modules are leaves (as torch's are), except ``Sequential``.
        """
        return type(m).__module__.startswith("microtensor.nn") and not isinstance(
            m, Sequential | ModuleList | ModuleDict
        )

    def path_of_module(self, mod: Module) -> str:
        """The qualified name of ``mod`` in the root module (``"layers.0"``).

        Raises:
            NameError: if ``mod`` is not a submodule of the root.
        """
        if self.submodule_paths:
            path = self.submodule_paths.get(mod)
            if path is None:
                raise NameError("module is not installed as a submodule")
            return path
        for name, candidate in self.root.named_modules():
            if candidate is mod:
                return name
        raise NameError("module is not installed as a submodule")

    def call_module(
        self,
        m: Module,
        forward: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """What calling submodule ``m`` does while tracing.

        A leaf becomes one ``call_module`` node; otherwise ``forward`` is traced through.
        """
        module_qualified_name = self.path_of_module(m)
        if not self.is_leaf_module(m, module_qualified_name):
            return forward(*args, **kwargs)
        return self.create_proxy("call_module", module_qualified_name, args, kwargs)

    def getattr(self, attr: str, attr_val: Any, parameter_proxy_cache: dict[str, Any]) -> Any:
        """What reading ``module.attr`` gives while tracing.

        A parameter of the root gives a ``get_attr`` proxy (one per parameter); anything
        else gives the value itself.
        """
        if isinstance(attr_val, Parameter):
            proxy = self._attr_proxy(attr_val, self.root.named_parameters(), parameter_proxy_cache)
            if proxy is not None:
                return proxy
        if self.proxy_buffer_attributes and isinstance(attr_val, Tensor):
            proxy = self._attr_proxy(attr_val, self.root.named_buffers(), parameter_proxy_cache)
            if proxy is not None:
                return proxy
        return attr_val

    def _attr_proxy(self, value: Any, named: Any, cache: dict[str, Any]) -> Proxy | None:
        for name, candidate in named:
            if value is candidate:
                if name not in cache:
                    cache[name] = self.create_proxy("get_attr", name, (), {})
                return cache[name]  # type: ignore[no-any-return]
        return None

    def create_arg(self, a: Any) -> Argument:
        """As ``TracerBase.create_arg``, and tensors become ``get_attr`` nodes.

        Parameters and buffers of the root keep their names, tensor attributes theirs, other
        tensors become new ``_tensor_constant<i>`` attributes of the root.
        """
        if isinstance(a, Parameter):
            for name, param in self.root.named_parameters():
                if a is param:
                    return self.create_node("get_attr", name, (), {})
            raise NameError("parameter is not a member of this module")
        if isinstance(a, Tensor):
            for name, buffer in self.root.named_buffers():
                if a is buffer:
                    return self.create_node("get_attr", name, (), {})
            qualname = self.tensor_attrs.get(a)
            if qualname is None:
                i = 0
                while hasattr(self.root, f"_tensor_constant{i}"):
                    i += 1
                qualname = f"_tensor_constant{i}"
                self.tensor_attrs[a] = qualname
                setattr(self.root, qualname, a)
            return self.create_node("get_attr", qualname, (), {})
        if isinstance(a, Module):
            raise NotImplementedError(f"argument of type: {type(a)}")
        return super().create_arg(a)

    # --- tracing ---------------------------------------------------------------------------

    def trace(
        self,
        root: Module | Callable[..., Any],
        concrete_args: dict[str, Any] | tuple[Any, ...] | None = None,
    ) -> Graph:
        """Trace ``root`` (a module's ``forward``, or a function) into a new ``Graph``.

        Args:
            root: the module or function.
            concrete_args: values for some arguments, fixed while tracing (``if flag:`` then
                follows the given value); each still gets a placeholder, checked by an
                ``_assert`` node when it is a bool, a number or None.

        Returns:
            The graph, also kept as ``self.graph``.
        """
        if isinstance(root, Module):
            self.root = root
            fn = type(root).forward
            self.submodule_paths = {mod: name for name, mod in root.named_modules()}
        else:
            self.root = Module()
            fn = root
        self.graph = Graph(tracer_cls=type(self))
        self.tensor_attrs = {}
        self._collect_tensor_attrs(self.root, [])
        fn_globals = getattr(fn, "__globals__", {})
        fn, args = self.create_args_for_root(fn, isinstance(root, Module), concrete_args)
        with _dispatch._Patcher() as patcher:
            self._install_patches(patcher)
            _dispatch.patch_globals(patcher, fn_globals)
            _dispatch.patch_closure(patcher, fn)
            self._autowrap_check(patcher, fn_globals)
            for module in self._autowrap_modules:
                self._autowrap_check(patcher, module.__dict__)
            result = fn(*args)
            return_type = getattr(fn, "__annotations__", {}).get("return", None)
            self.create_node("output", "output", (self.create_arg(result),), {}, None, return_type)
        self.submodule_paths = None
        return self.graph

    def _collect_tensor_attrs(self, module: Module, prefix: list[str]) -> None:
        for key, value in module.__dict__.items():
            if isinstance(value, Tensor):
                self.tensor_attrs[value] = ".".join([*prefix, key])
        for key, child in module.named_children():
            self._collect_tensor_attrs(child, [*prefix, key])

    def _install_patches(self, patcher: _dispatch._Patcher) -> None:
        original_getattr = Module.__getattr__
        original_call = Module.__call__
        parameter_proxy_cache: dict[str, Any] = {}
        tracer = self

        @functools.wraps(original_getattr)
        def module_getattr(mod: Module, attr: str) -> Any:
            return tracer.getattr(attr, original_getattr(mod, attr), parameter_proxy_cache)

        @functools.wraps(original_call)
        def module_call(mod: Module, *args: Any, **kwargs: Any) -> Any:
            def forward(*args: Any, **kwargs: Any) -> Any:
                return original_call(mod, *args, **kwargs)

            mod_globals = getattr(getattr(mod, "forward", mod), "__globals__", {})
            _dispatch.patch_globals(patcher, mod_globals)
            _dispatch.patch_closure(patcher, getattr(type(mod), "forward", None))
            tracer._autowrap_check(patcher, mod_globals)
            return tracer.call_module(mod, forward, args, kwargs)

        patcher.patch_method(Module, "__getattr__", module_getattr)
        patcher.patch_method(Module, "__call__", module_call)
        _dispatch.patch_microtensor(patcher)
        for (_, name), frame_dict in list(_wrapped_fns_to_patch.items()):
            if name not in frame_dict and hasattr(builtins, name):
                original = getattr(builtins, name)
            elif name in frame_dict:
                original = frame_dict[name]
            else:  # the module that asked for the wrap dropped the name (a finished doctest)
                continue
            patcher.patch(frame_dict, name, _create_wrapped_func(original))

    def _autowrap_check(self, patcher: _dispatch._Patcher, frame_dict: dict[str, Any]) -> None:
        if not patcher.visit_once(("autowrap", id(frame_dict))):
            return
        for name, value in list(frame_dict.items()):
            if not name.startswith("_") and callable(value):
                if id(value) in self._autowrap_function_ids:
                    patcher.patch(frame_dict, name, _create_wrapped_func(value))

    def create_args_for_root(
        self,
        root_fn: Callable[..., Any],
        is_module: bool,
        concrete_args: dict[str, Any] | tuple[Any, ...] | None = None,
    ) -> tuple[Callable[..., Any], list[Any]]:
        """Placeholders for ``root_fn``'s parameters, and ``root_fn`` taking them positionally.

        ``*args`` and ``**kwargs`` get a placeholder each (``*args``, ``**kwargs``).

        Raises:
            RuntimeError: if a tuple of ``concrete_args`` does not match the parameters.
        """
        fn = inspect.unwrap(root_fn)
        code = fn.__code__
        total_args = code.co_argcount + code.co_kwonlyargcount
        names = list(code.co_varnames)
        args: list[Any] = []
        skip = 0
        if is_module:
            if total_args == 0:
                raise RuntimeError("``self`` argument cannot be part of *args expansion!")
            skip = 1
            args.append(self.root)
        sig = inspect.signature(fn)
        arg_names = names[skip:total_args]
        if isinstance(concrete_args, tuple):
            if len(arg_names) != len(concrete_args):
                raise RuntimeError(
                    f"Tracing expected {len(arg_names)} arguments but got "
                    f"{len(concrete_args)} concrete arguments"
                )
            concrete_args = dict(zip(arg_names, concrete_args, strict=True))
        for name in arg_names:
            args.append(self._proxy_placeholder(name, concrete_args, sig))
        var_flags = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS
        if code.co_kwonlyargcount or code.co_flags & var_flags:
            position = total_args
            for flag, stars in ((inspect.CO_VARARGS, "*"), (inspect.CO_VARKEYWORDS, "**")):
                if code.co_flags & flag:
                    args.append(self._proxy_placeholder(stars + names[position], None, sig))
                    position += 1
            root_fn = _positional_only(fn, len(args))
        return root_fn, args

    def _proxy_placeholder(
        self, name: str, concrete_args: dict[str, Any] | None, sig: inspect.Signature
    ) -> Any:
        if concrete_args is not None and name in concrete_args:
            value = concrete_args[name]
            param = sig.parameters[name]
            default = () if param.default is inspect.Parameter.empty else (param.default,)
            placeholder = self.create_proxy("placeholder", f"{name}_1", default, {})
            if isinstance(value, PHBase):
                return placeholder
            if type(value) in (bool, int, float, complex, str):
                message = f"{name} has been specialized to have value {value} but got another value"
                self.create_proxy("call_function", _assert, (placeholder == value, message), {})
            elif value is None:
                message = f"{name} has been specialized to have value None but got another value"
                self.create_proxy("call_function", _assert_is_none, (placeholder, message), {})
            return value
        declared = inspect.Parameter.empty if name[0] == "*" else sig.parameters[name].default
        default = () if declared is inspect.Parameter.empty else (declared,)
        return self.create_proxy("placeholder", name, default, {})


def _positional_only(fn: Callable[..., Any], nargs: int) -> Callable[..., Any]:
    """``fn`` with keyword-only, ``*args`` and ``**kwargs`` parameters taken positionally."""
    code = fn.__code__  # type: ignore[attr-defined]
    flags = code.co_flags & ~(inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)
    new_code = code.replace(co_flags=flags, co_argcount=nargs, co_kwonlyargcount=0)
    return types.FunctionType(
        new_code,
        fn.__globals__,
        fn.__name__,
        fn.__defaults__,
        fn.__closure__,  # type: ignore[attr-defined]
    )


def _find_proxy(*objects: Any) -> Proxy | None:
    for value in objects:
        if isinstance(value, Proxy):
            return value
        if isinstance(value, list | tuple):
            found = _find_proxy(*value)
            if found is not None:
                return found
        if isinstance(value, dict):
            found = _find_proxy(*value.values())
            if found is not None:
                return found
    return None


def _create_wrapped_func(orig_fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig_fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        proxy = _find_proxy(args, kwargs)
        if proxy is not None:
            return_proxy = proxy.tracer.create_proxy("call_function", orig_fn, args, kwargs)
            return_proxy.node.meta["is_wrapped"] = True
            return return_proxy
        return orig_fn(*args, **kwargs)

    return wrapped


def wrap(fn_or_name: str | Callable[..., Any]) -> str | Callable[..., Any]:
    """Record calls of a module-level function (or its name) as one ``call_function`` node.

    Call it at the top level of the function's module.

    Raises:
        RuntimeError: if ``fn_or_name`` is neither a callable nor a str.
        NotImplementedError: if called inside a function.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import fx
        >>> def halve_len(x):
        ...     return len(x) // 2
        >>> _ = fx.wrap("halve_len")  # at module level: here, the doctest's module
        >>> gm = fx.symbolic_trace(lambda x: x[: halve_len(x)])
        >>> [n.op for n in gm.graph.nodes]
        ['placeholder', 'call_function', 'call_function', 'output']
        >>> gm(mt.arange(6))
        tensor([0, 1, 2])
    """
    if not callable(fn_or_name) and not isinstance(fn_or_name, str):
        raise RuntimeError(
            "Unsupported type for global function! Must be either a callable or string name"
        )
    fn_name = fn_or_name if isinstance(fn_or_name, str) else fn_or_name.__name__
    caller = inspect.currentframe().f_back  # type: ignore[union-attr]
    if caller is None or caller.f_code.co_name != "<module>":
        raise NotImplementedError("wrap must be called at the top level of a module")
    _wrapped_fns_to_patch[(id(caller.f_globals), fn_name)] = caller.f_globals
    return fn_or_name


def symbolic_trace(
    root: Module | Callable[..., Any],
    concrete_args: dict[str, Any] | None = None,
) -> GraphModule:
    """Trace ``root`` and return a ``GraphModule`` that runs the recorded graph.

    Args:
        root: an ``nn.Module`` or a function.
        concrete_args: arguments fixed while tracing (see ``Tracer.trace``).

    Returns:
        A ``GraphModule`` named after ``root``'s class (or the function).

    Example:
        >>> import microtensor as mt
        >>> from microtensor import fx, nn
        >>> model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
        >>> gm = fx.symbolic_trace(model)
        >>> print(gm.code.strip())
        def forward(self, input):
            input_1 = input
            _0 = getattr(self, "0")(input_1);  input_1 = None
            _1 = getattr(self, "1")(_0);  _0 = None
            return _1
        >>> x = mt.randn(4, 3)
        >>> bool((gm(x) == model(x)).all())
        True
    """
    tracer = Tracer()
    graph = tracer.trace(root, concrete_args)
    name = type(root).__name__ if isinstance(root, Module) else root.__name__
    return GraphModule(tracer.root, graph, name)
