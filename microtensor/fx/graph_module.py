"""``GraphModule``: an ``nn.Module`` whose ``forward`` is generated from a ``Graph``.

It holds the submodules, parameters and buffers the graph refers to (the very objects of
the traced module, under the same qualified names), and Python source generated from the
graph (``gm.code``), compiled into ``forward``. Change the graph, then ``recompile()``.
"""

from __future__ import annotations

import copy
import itertools
import linecache
from typing import Any

from microtensor.fx.graph import Graph
from microtensor.nn import Module, Parameter
from microtensor.tensor import Tensor

__all__ = ["GraphModule"]

_source_counter = itertools.count()


def _forward_from_src(src: str, globals_: dict[str, Any]) -> Any:
    """Compile the generated source; register it with linecache so tracebacks show it."""
    key = f"<eval_with_key>.{next(_source_counter)}"
    linecache.cache[key] = (len(src), None, src.splitlines(keepends=True), key)
    namespace = dict(globals_)
    exec(compile(src, key, "exec"), namespace)  # noqa: S102 - the code this module generated
    return namespace["forward"]


def _copy_attr(from_module: Module, to_module: Module, target: str) -> None:
    """Install ``from_module``'s object at ``target`` into ``to_module``.

    Plain ``Module``s stand in for missing parents; a tensor that is not a parameter becomes
    a buffer.
    """
    *prefix, field = target.split(".")
    for item in prefix:
        source = getattr(from_module, item)
        dest = getattr(to_module, item, None)
        if source is dest:
            return  # a parent is installed already: it brings its children
        if dest is None:
            dest = Module()
            setattr(to_module, item, dest)
        from_module, to_module = source, dest
    original = getattr(from_module, field)
    if isinstance(original, Tensor) and not isinstance(original, Parameter):
        to_module.register_buffer(field, original)
    else:
        setattr(to_module, field, original)


class GraphModule(Module):
    """A module that runs a ``Graph``; ``symbolic_trace`` returns one.

    Args:
        root: the module holding the graph's submodules and attributes, or a dict from
            qualified name to object.
        graph: the graph to run.
        class_name: the name the module's class shows (``repr``, ``type(gm).__name__``).

    Raises:
        RuntimeError: if ``root`` is a dict that lacks a target of the graph, or neither a
            Module nor a dict.

    Example:
        >>> import microtensor as mt
        >>> from microtensor import fx, nn
        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.linear = nn.Linear(3, 3)
        ...     def forward(self, x):
        ...         return mt.relu(self.linear(x))
        >>> gm = fx.symbolic_trace(Net())
        >>> print(gm.code.strip())
        def forward(self, x):
            linear = self.linear(x);  x = None
            relu = microtensor.relu(linear);  linear = None
            return relu
        >>> type(gm).__name__, list(gm.state_dict())
        ('Net', ['linear.weight', 'linear.bias'])
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> GraphModule:
        """Make the instance of a fresh subclass (see the comment below)."""

        # each instance gets its own class, so that the generated `forward` can be a class
        # attribute (found by Module.__call__) and `class_name` its name, as in torch
        class GraphModuleImpl(cls):  # type: ignore[valid-type, misc]
            pass

        return super().__new__(GraphModuleImpl)

    def __init__(
        self, root: Module | dict[str, Any], graph: Graph, class_name: str = "GraphModule"
    ) -> None:
        """Copy what ``graph`` refers to from ``root`` and compile its code."""
        super().__init__()
        self.__class__.__name__ = class_name
        self.__class__.__qualname__ = class_name
        if isinstance(root, Module):
            self.training = root.training
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    _copy_attr(root, self, node.target)
        elif isinstance(root, dict):
            targets = []
            for node in graph.nodes:
                if node.op in ("get_attr", "call_module"):
                    if node.target not in root:
                        raise RuntimeError(
                            f"Node {node} referenced target {node.target} but that target "
                            "was not provided in ``root``!"
                        )
                    targets.append(node.target)
            for target in sorted(targets, key=lambda t: t.count(".")):
                self._assign_attr(root[target], target)
        else:
            raise RuntimeError("Unsupported type " + str(root) + " passed for root!")
        self.meta: dict[str, Any] = {}
        self.graph = graph

    def _parent(self, target: str) -> tuple[Module | None, str]:
        """The module holding the last name of dotted ``target`` (empty parents are made).

        None if a step of the path exists but is not a Module.
        """
        *prefix, field = target.split(".")
        module: Module = self
        for item in prefix:
            child = getattr(module, item, None)
            if child is None:
                child = Module()
                setattr(module, item, child)
            if not isinstance(child, Module):
                return None, field
            module = child
        return module, field

    def _assign_attr(self, value: Any, target: str) -> None:
        module, field = self._parent(target)
        if module is None:
            raise RuntimeError(
                f"GraphModule: {target!r} passes through an attribute that is no Module"
            )
        if isinstance(value, Tensor) and not isinstance(value, Parameter):
            module.register_buffer(field, value)
        else:
            setattr(module, field, value)

    # --- the graph and its code ------------------------------------------------------------

    @property
    def graph(self) -> Graph:
        """The graph this module runs; assigning one recompiles."""
        return self._graph

    @graph.setter
    def graph(self, g: Graph) -> None:
        object.__setattr__(self, "_graph", g)
        g.owning_module = self
        self.recompile()

    @property
    def code(self) -> str:
        """The Python source of ``forward``, generated from the graph."""
        return self._code

    def recompile(self) -> Any:
        """Regenerate ``forward`` from ``self.graph`` (call after changing the graph).

        Returns:
            The ``PythonCode`` (source and globals).
        """
        python_code = self._graph.python_code(root_module="self")
        object.__setattr__(self, "_code", python_code.src)
        type(self).forward = _forward_from_src(python_code.src, python_code.globals)
        return python_code

    def print_readable(self, print_output: bool = True) -> str:
        """The module as ``class Net(microtensor.nn.Module):`` and its ``forward``.

        Printed unless ``print_output`` is False; returned either way.
        """
        body = self._code.lstrip("\n")
        text = f"class {type(self).__name__}(microtensor.nn.Module):\n"
        text += "\n".join(("    " + line) if line.strip() else "" for line in body.split("\n"))
        if print_output:
            print(text)
        return text

    def __str__(self) -> str:
        reminder = "# To see more debug info, please use `graph_module.print_readable()`"
        return "\n".join([super().__str__(), self._code, reminder])

    def __deepcopy__(self, memo: dict[int, Any]) -> GraphModule:
        holder = Module()
        for name, child in self._modules.items():
            setattr(holder, name, copy.deepcopy(child, memo))
        for name, param in self._parameters.items():
            setattr(holder, name, copy.deepcopy(param, memo))
        for name, buffer in self._buffers.items():
            holder.register_buffer(name, copy.deepcopy(buffer, memo))
        result = GraphModule(holder, copy.deepcopy(self._graph, memo), type(self).__name__)
        result.meta = copy.copy(self.meta)
        result.training = self.training
        return result

    def __copy__(self) -> GraphModule:
        result = GraphModule(self, self._graph, type(self).__name__)
        result.meta = copy.copy(self.meta)
        return result

    # --- submodules ------------------------------------------------------------------------

    def add_submodule(self, target: str, m: Module) -> bool:
        """Install ``m`` at the dotted path ``target``, creating empty parents as needed.

        Returns:
            False if a step of the path exists but is not a Module.
        """
        module, field = self._parent(target)
        if module is None:
            return False
        module.add_module(field, m)
        return True

    def delete_submodule(self, target: str) -> bool:
        """Remove the submodule at the dotted path ``target``.

        Returns:
            False if ``target`` does not name a submodule.
        """
        *path, field = target.split(".")
        module: Any = self
        for item in path:
            if not hasattr(module, item):
                return False
            module = getattr(module, item)
            if not isinstance(module, Module):
                return False
        if not hasattr(module, field) or not isinstance(getattr(module, field), Module):
            return False
        delattr(module, field)
        return True

    def delete_all_unused_submodules(self) -> None:
        """Remove every submodule that no ``call_module`` / ``get_attr`` node reaches."""
        used: set[str] = set()
        for node in self._graph.nodes:
            if node.op in ("call_module", "get_attr"):
                atoms = node.target.split(".")
                used.update(".".join(atoms[: i + 1]) for i in range(len(atoms)))
                if node.op == "call_module":
                    try:
                        submodule = self.get_submodule(node.target)
                    except AttributeError:
                        continue
                    used.update(f"{node.target}.{name}" for name, _ in submodule.named_modules())
        for name in [name for name, _ in self.named_modules() if name and name not in used]:
            self.delete_submodule(name)


def _make_graph_module(root: Module, graph: Graph, class_name: str = "GraphModule") -> GraphModule:
    return GraphModule(root, graph, class_name)
