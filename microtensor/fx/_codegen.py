"""The Python source a ``GraphModule`` runs: one line per node, as torch.fx writes it.

``linear = self.linear(x);  x = None`` - each value is dropped (``= None``) right after its
last use, so intermediate tensors are freed as soon as possible, as in torch.

Differs from PyTorch: functions are named by their public microtensor path
(``microtensor.relu(x)``, ``microtensor.nn.functional.linear(x, w)``) where torch writes
``torch.relu``; the code's globals bind ``microtensor`` to the package.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from typing import TYPE_CHECKING, Any

from microtensor.fx._namespace import _RESERVED, _Namespace
from microtensor.fx._qualified_name import _get_qualified_name
from microtensor.fx.node import Node, _type_repr

if TYPE_CHECKING:
    from microtensor.fx.graph import Graph

_REFLECTABLE_MAGIC_METHODS = {
    "add": "{} + {}",
    "sub": "{} - {}",
    "mul": "{} * {}",
    "floordiv": "{} // {}",
    "truediv": "{} / {}",
    "div": "{} / {}",
    "mod": "{} % {}",
    "pow": "{} ** {}",
    "lshift": "{} << {}",
    "rshift": "{} >> {}",
    "and_": "{} & {}",
    "or_": "{} | {}",
    "xor": "{} ^ {}",
    "getitem": "{}[{}]",
    "matmul": "{} @ {}",
}
MAGIC_METHODS = {
    "eq": "{} == {}",
    "ne": "{} != {}",
    "lt": "{} < {}",
    "gt": "{} > {}",
    "le": "{} <= {}",
    "ge": "{} >= {}",
    "pos": "+{}",
    "neg": "-{}",
    "invert": "~{}",
    **_REFLECTABLE_MAGIC_METHODS,
}


@dataclasses.dataclass
class PythonCode:
    """The source of ``forward`` and the globals it must run with.

    Attributes:
        src: the Python source.
        globals: the names it uses that are not builtins (``microtensor``, wrapped functions).
    """

    src: str
    globals: dict[str, Any]


def _format_target(base: str, target: str) -> str:
    """``self.layers.0`` -> ``getattr(self.layers, "0")``: attribute paths as valid Python."""
    code = base
    for atom in target.split("."):
        code = f"{code}.{atom}" if atom.isidentifier() else f'getattr({code}, "{atom}")'
    return code


class _Writer:
    """Writes the lines of one graph's ``forward`` and collects the globals they need."""

    def __init__(self, root_module: str) -> None:
        self.root_module = root_module
        self.namespace = _Namespace()
        self.globals: dict[str, Any] = dict(_RESERVED)
        for name, value in _RESERVED.items():
            self.namespace.create_name(name, value)
        self.wrapped_fns: dict[str, None] = {}

    def add_global(self, name_hint: str, obj: Any) -> str:
        """The name the code uses for ``obj``, adding it to the globals when needed."""
        if _is_builtin_name(name_hint, obj):
            return name_hint
        if name_hint.startswith("microtensor.") and _resolves(name_hint, obj):
            return name_hint
        name = self.namespace.create_name(name_hint, obj)
        self.globals[name] = obj
        return name

    def repr_arg(self, arg: Any) -> str:
        if isinstance(arg, Node):
            return repr(arg)
        if isinstance(arg, tuple) and hasattr(arg, "_fields"):
            cls_name = self.add_global(_get_qualified_name(type(arg)), type(arg))
            return f"{cls_name}{tuple(arg)!r}"
        if isinstance(arg, enum.Enum):
            cls_name = self.add_global(type(arg).__name__, type(arg))
            return f"{cls_name}.{arg.name}"
        if isinstance(arg, list):
            return "[" + ", ".join(self.repr_arg(a) for a in arg) + "]"
        if isinstance(arg, tuple):
            comma = "," if len(arg) == 1 else ""
            return "(" + ", ".join(self.repr_arg(a) for a in arg) + comma + ")"
        if isinstance(arg, dict):
            return "{" + ", ".join(f"{k!r}: {self.repr_arg(v)}" for k, v in arg.items()) + "}"
        if isinstance(arg, float) and not math.isfinite(arg):
            return repr(arg)  # inf, -inf, nan: names in the code's globals
        return _repr_value(arg)

    def format_args(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        parts = [self.repr_arg(a) for a in args]
        parts += [f"{key} = {self.repr_arg(value)}" for key, value in kwargs.items()]
        return ", ".join(parts)

    def emit(self, node: Node, free_vars: list[str]) -> str | None:
        """The statement for ``node`` (None for a placeholder, which becomes an argument)."""
        name = repr(node)
        annotation = f": {_type_repr(node.type)}" if node.type is not None else ""
        if node.op == "placeholder":
            default = f" = {self.repr_arg(node.args[0])}" if node.args else ""
            free_vars.append(f"{node.target}{annotation}{default}")
            raw_name = node.target.replace("*", "")
            return f"{name} = {raw_name}" if raw_name != name else None
        if node.op == "call_method":
            call = _format_target(repr(node.args[0]), node.target)
            return f"{name}{annotation} = {call}({self.format_args(node.args[1:], node.kwargs)})"
        if node.op == "call_function":
            return self.emit_call_function(node, name + annotation)
        if node.op == "call_module":
            call = _format_target(self.root_module, node.target)
            return f"{name}{annotation} = {call}({self.format_args(node.args, node.kwargs)})"
        if node.op == "get_attr":
            return f"{name}{annotation} = {_format_target(self.root_module, node.target)}"
        return f"return {self.repr_arg(node.args[0])}"

    def emit_call_function(self, node: Node, lhs: str) -> str:
        target = node.target
        fn_name = getattr(target, "__name__", "")
        if getattr(target, "__module__", "") == "_operator" and fn_name in MAGIC_METHODS:
            return f"{lhs} = " + MAGIC_METHODS[fn_name].format(*(repr(a) for a in node.args))
        global_name = self.add_global(_get_qualified_name(target), target)
        if (
            global_name == "getattr"
            and len(node.args) == 2
            and isinstance(node.args[1], str)
            and node.args[1].isidentifier()
        ):
            return f"{lhs} = {_format_target(repr(node.args[0]), node.args[1])}"
        if node.meta.get("is_wrapped", False):
            self.wrapped_fns.setdefault(global_name)
        return f"{lhs} = {global_name}({self.format_args(node.args, node.kwargs)})"


def _is_builtin_name(name: str, obj: Any) -> bool:
    import builtins

    return getattr(builtins, name, None) is obj


def _resolves(dotted: str, obj: Any) -> bool:
    value: Any = _RESERVED["microtensor"]
    for atom in dotted.split(".")[1:]:
        value = getattr(value, atom, None)
    return value is obj


def _repr_value(arg: Any) -> str:
    text = repr(arg)
    if type(arg).__module__.startswith("microtensor") and not text.startswith("microtensor."):
        # device(type='cpu') and the like: spelled through the package
        return f"microtensor.{text}" if _is_constructor_repr(text) else text
    return text


def _is_constructor_repr(text: str) -> bool:
    import microtensor

    head = text.split("(", 1)[0]
    return (
        "(" in text and head.isidentifier() and isinstance(getattr(microtensor, head, None), type)
    )


def _last_uses(graph: Graph) -> dict[Node, list[Node]]:
    """For each node, the values whose last use it is (in the order torch lists them)."""
    seen: set[Node] = set()
    last_uses: dict[Node, list[Node]] = {}
    for node in reversed(graph.nodes):
        for input_node in node.all_input_nodes:
            if input_node not in seen:
                seen.add(input_node)
                last_uses.setdefault(node, []).append(input_node)
    return last_uses


def python_code(graph: Graph, root_module: str) -> PythonCode:
    """The source of ``def forward(self, ...)`` for ``graph`` and its globals."""
    writer = _Writer(root_module)
    for node in graph.nodes:
        writer.namespace.create_name(node.name, node)
    last_uses = _last_uses(graph)
    free_vars: list[str] = []
    body: list[str] = []
    for node in graph.nodes:
        statement = writer.emit(node, free_vars)
        if statement is None:
            continue
        dead = list(last_uses.get(node, []))
        if node.op in ("output", "placeholder"):
            dead = []
        elif not node.users:
            dead.append(node)  # kept for its side effect: freed at once
        if dead:
            statement += ";  " + " = ".join([repr(n) for n in dead] + ["None"])
        body.append(statement + "\n")
    if not body:
        body.append("pass\n")
    wrap_stmts = ""
    if writer.wrapped_fns:
        from microtensor.fx.tracer import wrap

        wrap_name = writer.add_global("wrap", wrap)
        wrap_stmts = "\n".join(f'{wrap_name}("{name}")' for name in writer.wrapped_fns)
    code = "".join(body).lstrip("\n")
    code = "\n".join("    " + line for line in code.split("\n"))
    signature = f"def forward({', '.join(['self', *free_vars])}):"
    return PythonCode(f"\n{wrap_stmts}\n\n{signature}\n{code}", writer.globals)
