"""Graph nodes: ``Function`` (PyTorch's custom-op API) and ``Op`` (the built-in ops' fast form).

A call ``y = Mul.apply(a, b)`` runs ``forward`` and, when grad mode is on and an input requires
grad, makes the ``Mul`` instance that was the ``ctx`` into ``y.grad_fn``: a node holding what
backward needs and ``next_functions``, one ``(node, output_nr)`` edge per input. A leaf input's
edge points to its ``AccumulateGrad`` node.

Two flavours share this mechanism:

* ``Function``: PyTorch's API. ``forward`` gets and returns Tensors (run under ``no_grad``),
  ``backward`` gets and returns Tensors.
* ``Op``: the built-in ops. ``forward`` gets NumPy arrays (Tensors unwrapped) and returns
  arrays. ``backward`` is written once with operators and ``ops.dual`` functions, so it runs on
  arrays (fast) during an ordinary backward, and on Tensors (recorded, so it can be
  differentiated again) under ``create_graph=True``. ``ctx.saved_tensors`` hands back arrays or
  Tensors to match.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any, cast

import numpy as np

from microtensor._allocation import out_of_memory
from microtensor.autograd import anomaly, graph, scope
from microtensor.autograd.grad_mode import state

# The Tensor class, set by microtensor.tensor when it is imported (tensor.py imports this module,
# so importing it back here would be a cycle).
Tensor: Any = None
_anomaly, _scope = anomaly.state, scope.state
# Creation order of the nodes: a node's inputs always come before it, so the engine runs nodes
# from the highest number down without counting dependencies first.
_sequence = itertools.count()

_CONST, _INPUT, _OUTPUT = 0, 1, 2


class _Freed:
    """Marker for saved values released after backward."""


_FREED = _Freed()


class Node:
    """A node of the backward graph; ``next_functions`` gives its edges, as in PyTorch."""

    __slots__ = ()
    _op_name = "Node"  # the op's own name (its class is named as torch's node, MulBackward0)
    _edges: tuple[Any, ...] = ()  # flat: node, output_nr, node, output_nr ... (one tuple)
    _out_meta: tuple[tuple[tuple[int, ...], np.dtype], ...] = ()
    _sequence_nr = -1
    _pre_hooks: dict[int, list[Any]] | None = None
    _retained: dict[int, Any] | None = None
    # For graph drawings: the module calls running when the op was recorded, and weak
    # references to its outputs (values can be shown while the tensors are alive).
    _scope: tuple[tuple[Any, int], ...] = ()
    _output_refs: tuple[Any, ...] = ()

    # The argument positions torch lists in next_functions, for ops whose torch overload takes
    # Python numbers as wrapped tensors (x * 2) or has tensor inputs without a derivative (a
    # mask, an index); None: every Tensor argument.
    _listed: tuple[int, ...] | None = None
    needs_input_grad: tuple[bool | None, ...] = ()  # an op's: None for an argument not a Tensor

    @property
    def next_functions(self) -> tuple[tuple[Node | None, int], ...]:
        """One ``(node, output_nr)`` pair per tensor input, as torch's; ``(None, 0)`` for none."""
        edges, listed = self._edges, self._listed
        if listed is None:
            listed = tuple([i for i, need in enumerate(self.needs_input_grad) if need is not None])
        return tuple([(edges[2 * i], edges[2 * i + 1]) for i in listed])

    def name(self) -> str:
        """The node's name as PyTorch prints it, such as ``MulBackward0``."""
        return type(self).__name__

    def __repr__(self) -> str:  # torch's: <MulBackward0 object at 0x7f...>
        return f"<{self.name()} object at {id(self):#x}>"

    def _add_pre_hook(self, output_nr: int, hook: Any) -> None:
        if self._pre_hooks is None:
            self._pre_hooks = {}  # type: ignore[misc]  # an attribute of every subclass
        self._pre_hooks.setdefault(output_nr, []).append(hook)


class AccumulateGrad(Node):
    """The node at a leaf tensor: the engine adds the incoming gradient into ``variable.grad``."""

    __slots__ = ("variable", "_sequence_nr", "_pre_hooks", "_retained", "__weakref__")

    def __init__(self, variable: Any) -> None:
        self.variable = variable  # the leaf holds only a weak reference back (no cycle)
        self._sequence_nr = next(_sequence)
        self._pre_hooks, self._retained = getattr(variable, "_hooks", None), None

    @property
    def _out_meta(self) -> tuple[tuple[tuple[int, ...], np.dtype], ...]:  # type: ignore[override]
        data = self.variable._data
        return ((data.shape, data.dtype),)

    def name(self) -> str:
        """``"torch::autograd::AccumulateGrad"``, the name torch gives this node."""
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:  # torch's: <AccumulateGrad object at 0x7f...>
        return f"<AccumulateGrad object at {id(self):#x}>"


def edge_of(tensor: Any) -> tuple[Node, int]:
    """The ``(node, output_nr)`` through which gradient reaches ``tensor``."""
    if tensor.grad_fn is not None:
        return tensor.grad_fn, tensor._output_nr
    acc = tensor._accumulator and tensor._accumulator()
    if acc is None:
        acc = AccumulateGrad(tensor)
        tensor._accumulator = weakref.ref(acc)
    return acc, 0


class Function(Node):
    """Base class for custom differentiable operations, as ``torch.autograd.Function``.

    Subclasses define ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as
    staticmethods and are called through ``apply``. ``forward`` gets Tensors (with grad mode
    off) and returns a Tensor or a tuple of them; ``backward`` gets one gradient per output and
    returns one per ``forward`` argument (None for non-tensors or where none is needed).
    In PyTorch's newer style, ``forward(*args)`` takes no ctx and a ``setup_context(ctx,
    inputs, output)`` staticmethod saves what backward needs.

    Example:
        >>> import microtensor as mt
        >>> class Cube(mt.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x ** 3
        ...     @staticmethod
        ...     def backward(ctx, grad_out):
        ...         (x,) = ctx.saved_tensors
        ...         return grad_out * 3 * x ** 2
        >>> x = mt.tensor([2.0], requires_grad=True)
        >>> Cube.apply(x).backward()
        >>> x.grad
        tensor([12.])
    """

    _to_save: tuple[Any, ...] = ()
    _saved: Any = None
    _non_differentiable: tuple[Any, ...] = ()
    _dirty: tuple[Any, ...] = ()
    _materialize_grads = True
    _trace: Any = None
    _node_class: type[Function]  # the class of this Function's graph nodes (see _node_class)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._op_name = cls.__name__

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        """Compute the outputs; override in subclasses."""
        raise NotImplementedError("You must implement the forward function for custom Function.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """Compute one gradient per ``forward`` input; override in subclasses."""
        raise NotImplementedError("You must implement the backward function for custom Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple[Any, ...], output: Any) -> Any:
        """New-style API: save on ``ctx`` what backward needs, from the inputs and output.

        Override it (and write ``forward`` without ``ctx``) to use this style.
        """
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def vmap(info: Any, in_dims: Any, *args: Any) -> Any:
        """Not supported: microtensor has no ``vmap`` (``torch.func``)."""
        raise NotImplementedError(
            "To use autograd.Function with vmap, you must either override the vmap staticmethod "
            "or set generate_vmap_rule=True; but microtensor has no vmap (torch.func) at all: "
            "loop over the batch, or write the Function for batched inputs"
        )

    _refs: Any = ()  # a weak reference to the one output, or a tuple of them

    @property
    def _output_refs(self) -> tuple[Any, ...]:  # type: ignore[override]
        refs = self._refs
        return refs if refs.__class__ is tuple else (refs,)

    # --- ctx API ---------------------------------------------------------------------------

    def save_for_backward(self, *values: Any) -> None:
        """Keep tensors for ``backward``; read them back with ``ctx.saved_tensors``."""
        self._to_save = values

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Declare outputs (such as indices) that get no gradient."""
        self._non_differentiable = outputs

    def mark_dirty(self, *tensors: Any) -> None:
        """Declare inputs that ``forward`` modified in place (and returns as outputs).

        Each such input becomes the output itself, with this node as its ``grad_fn``, as in
        PyTorch.
        """
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """If False, ``backward`` gets None (not zeros) for outputs that got no gradient."""
        self._materialize_grads = value

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The values given to ``save_for_backward``, checked against later in-place changes."""
        saved = self._saved
        if saved is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved "
                "tensors after they have already been freed). Saved intermediate values of the "
                "graph are freed when you call .backward() or autograd.grad(). Specify "
                "retain_graph=True if you need to backward through the graph a second time or "
                "if you need to access saved tensors after calling backward. "
                f"(The node whose saved tensors were freed: {self.name()}.)"
            )
        if saved is None:
            return self._to_save
        return tuple(map(self._unpack, saved))

    def _unpack(self, record: tuple[Any, ...]) -> Any:
        value = self._checked(record)
        if record[1] == _OUTPUT:  # kept without its grad_fn (no cycle): this node is it
            value = Tensor._make(getattr(value, "_data", value), True, self, record[2], record[3])
        return value

    def _checked(self, record: tuple[Any, ...]) -> Any:
        """The saved value of ``record``, unpacked by its hook and checked for in-place changes."""
        value, kind, _, counter, version = record
        if value.__class__ is graph.Packed:
            value = value.unpack()
        if counter is not None and counter[0] != version:
            what = "an input" if kind == _INPUT else "the output"
            raise RuntimeError(
                f"{self.name()}: one of the variables needed for gradient computation has been "
                f"modified by an inplace operation: {what} of shape {tuple(value.shape)} is at "
                f"version {counter[0]}; expected version {version} instead. Fix: avoid the "
                "in-place change (use the out-of-place op) or call .clone() before it."
            )
        return value

    # --- graph construction ----------------------------------------------------------------

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` and, when a gradient is needed, record this call in the graph."""
        ctx = _node_class(cls)()
        ctx.needs_input_grad = needs = _needs_grad(args)
        new_style = cls.setup_context is not Function.setup_context
        prev = state.enabled
        state.enabled = False
        try:
            if new_style:  # forward without ctx; setup_context fills ctx
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        finally:
            state.enabled = prev
        if True not in needs:
            return out
        outputs = out if isinstance(out, tuple) else (out,)
        non_diff = ctx._non_differentiable
        ctx._edges = _edges(args, needs)  # before a dirty input takes this node
        if len(args) != len(tensors := [i for i, a in enumerate(args) if isinstance(a, Tensor)]):
            ctx._listed = tuple(tensors)  # torch lists a custom Function's Tensor arguments only
        linked = []
        for i, o in enumerate(outputs):
            if _is_in(o, ctx._dirty):
                _check_dirty(cls, o)
            elif _is_in(o, args):
                o = Tensor._make(o._data, version_counter=o._version_counter)
            if not _is_in(o, non_diff) and o._data.dtype.kind in "fVc":
                o._requires_grad = True
                o.grad_fn = ctx
                o._output_nr = i
            linked.append(o)
        ctx._out_meta = tuple((o._data.shape, o._data.dtype) for o in linked)
        ctx._sequence_nr = next(_sequence)
        ctx._scope = _scope.current
        ctx._refs = tuple([weakref.ref(t) for t in linked])
        if ctx._to_save:
            ctx._saved = tuple(_record_tensor(t, linked) for t in ctx._to_save)
            ctx._to_save = ()
            if graph.state.stack:
                ctx._saved = _pack(ctx._saved, as_arrays=False, outputs=linked)
        if _anomaly.enabled:
            anomaly.check_forward(ctx, linked, args, skip=2)
        return tuple(linked) if isinstance(out, tuple) else linked[0]

    def _call_backward(self, grads: list[Any], create_graph: bool) -> tuple[Any, ...]:
        """Run ``backward`` on Tensors; return arrays, or Tensors when ``create_graph``."""
        wrapped = [Tensor._make(g) if isinstance(g, np.ndarray) else g for g in grads]
        prev = state.enabled
        state.enabled = create_graph
        try:
            result = type(self).backward(self, *wrapped)
        finally:
            state.enabled = prev
        result = result if isinstance(result, tuple) else (result,)
        if create_graph:
            return result
        return tuple(None if r is None else np.array(r._data) for r in result)


def _check_dirty(cls: type, tensor: Any) -> None:
    if tensor.grad_fn is None and tensor._requires_grad:
        raise RuntimeError(
            f"{cls.__name__}: a leaf Variable that requires grad is being used in an in-place "
            "operation (marked dirty by ctx.mark_dirty): modify a clone instead"
        )


def _needs_grad(args: tuple[Any, ...]) -> tuple[bool, ...]:
    return tuple([state.enabled and isinstance(a, Tensor) and a._requires_grad for a in args])


def _op_needs(args: tuple[Any, ...]) -> tuple[bool | None, ...]:
    """An op's ``needs_input_grad``: None marks an argument that is no Tensor (next_functions)."""
    return tuple(
        [a._requires_grad and state.enabled if isinstance(a, Tensor) else None for a in args]
    )


def _edges(args: tuple[Any, ...], needs: tuple[bool | None, ...]) -> tuple[Any, ...]:
    """The flat edges of a call: ``node, output_nr`` per argument (``None, 0``: no gradient)."""
    if len(args) == 2:
        a, b = args
        return (edge_of(a) if needs[0] else _NO_EDGE) + (edge_of(b) if needs[1] else _NO_EDGE)
    if len(args) == 1:
        return edge_of(args[0]) if needs[0] else _NO_EDGE
    flat: list[Any] = []
    for a, need in zip(args, needs):  # noqa: B905 - one length: needs is built from args
        flat += edge_of(a) if need else _NO_EDGE
    return tuple(flat)


def _is_in(value: Any, values: tuple[Any, ...]) -> bool:
    return any(value is v for v in values)


def _pack(records: tuple[Any, ...], as_arrays: bool, outputs: Any = ()) -> tuple[Any, ...]:
    """Give each saved tensor (a Function's own output itself) to the innermost pack hook."""
    pack_hook, unpack_hook = graph.state.stack[-1]
    packed = []
    for record in records:
        value, kind = record[0], record[1]
        if kind != _CONST:
            tensor = outputs[record[2]] if outputs and kind == _OUTPUT else value
            tensor = Tensor._make(tensor) if isinstance(tensor, np.ndarray) else tensor
            value = graph.Packed(pack_hook(tensor), unpack_hook, as_arrays)
        packed.append((value, *record[1:]))
    return tuple(packed)


def _record_tensor(t: Any, outputs: list[Any]) -> tuple[Any, ...]:
    if t is None or not isinstance(t, Tensor):
        return (t, _CONST, 0, None, 0)
    counter = t._version_counter
    for j, o in enumerate(outputs):  # an output is kept as its array: it holds this node
        if t is o and o.grad_fn is not None:
            return (t._data, _OUTPUT, j, counter, counter[0])
    return (t, _INPUT, 0, counter, counter[0])


def _node_class(cls: type[Function]) -> type[Function]:
    """The class of a custom Function's graph nodes: ``<Name>Backward``, a subclass, as torch's."""
    node = cls.__dict__.get("_node_class")
    if node is None:
        name = f"{cls.__name__}Backward"
        names = {"__module__": cls.__module__, "__qualname__": name}
        node = cast("type[Function]", type(name, (cls,), names))
        node._op_name = cls._op_name
        node._node_class = cls._node_class = node
    return node


class Op(Function):
    """A built-in op: ``forward`` and ``backward`` run on NumPy arrays.

    ``forward(ctx, *arrays, **options)`` gets each Tensor argument as its ``._data`` array and
    returns an array (or a tuple of arrays). ``backward(ctx, grad_out)`` gets arrays during an
    ordinary backward and Tensors under ``create_graph=True``; it is written with operators
    and ``microtensor.ops.dual`` functions, which work on both, so one formula serves both.

    Save only inputs, outputs and constants (masks, indices) with ``save_for_backward``: under
    ``create_graph=True`` an input or output comes back as a Tensor connected to the graph,
    anything else as a constant.
    """

    complex_grad = False  # True: backward is right for complex inputs and outputs too

    def __init_subclass__(cls, node_name: str | None = None, **kwargs: Any) -> None:
        # torch's node class name (``type(y.grad_fn).__name__ == "MulBackward0"``); the class
        # keeps its source name in ``__qualname__`` (reprs, tracebacks, pickling). A subclass
        # for one of torch's overloads gives its node's name (``class SumDim(Sum,
        # node_name="SumBackward1")``) and keeps its parent's op name (graph labels, errors).
        super().__init_subclass__(**kwargs)
        cls._node_class = cls  # an op's nodes are its instances
        if node_name is None:
            cls.__name__ = f"{cls.__name__}Backward0"
        else:
            cls.__name__ = node_name
            parent = cls.__bases__[0]
            if parent is not Op:
                cls._op_name = cast("type[Op]", parent)._op_name

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on arrays; record the call in the graph when a gradient is needed."""
        ctx = _new(cls)  # built-in ops have no __init__
        try:
            if len(args) == 2:  # the common arities without building lists: binary, then unary ops
                a, b = args
                x, need_a = (a._data, a._requires_grad) if isinstance(a, Tensor) else (a, 4)
                y, need_b = (b._data, b._requires_grad) if isinstance(b, Tensor) else (b, 4)
                needs: tuple[bool | None, ...] = _NEEDS[(need_a + 2 * need_b) * state.enabled]
                ctx.needs_input_grad = needs
                out = cls.forward(ctx, x, y, **kwargs)
                arrays: Any = (x, y)
            elif len(args) == 1 and isinstance(args[0], Tensor):
                a = args[0]
                ctx.needs_input_grad = needs = _NEEDS[10 + (a._requires_grad and state.enabled)]
                out = cls.forward(ctx, a._data, **kwargs)
                arrays = (a._data,)
            else:
                arrays = tuple([a._data if isinstance(a, Tensor) else a for a in args])
                ctx.needs_input_grad = needs = _op_needs(args)
                out = cls.forward(ctx, *arrays, **kwargs)
        except MemoryError as err:  # NumPy's bare error, given the op's name and its inputs
            raise out_of_memory(cls._op_name, err, args) from None
        if True not in needs:
            if out.__class__ is tuple:
                return tuple([_wrap(o, args) for o in out])
            return _wrap(out, args)
        return _link(ctx, args, arrays, needs, out)

    def _call_backward(self, grads: list[Any], create_graph: bool) -> tuple[Any, ...]:
        """Run ``backward`` on arrays, or on Tensors (recorded) when ``create_graph``."""
        if not create_graph:
            result = type(self).backward(self, *grads)
            return result if result.__class__ is tuple else (result,)
        grads = [Tensor._make(g) if isinstance(g, np.ndarray) else g for g in grads]
        prev = state.enabled
        state.enabled = self._as_tensors = True
        try:
            result = type(self).backward(self, *grads)
        finally:
            state.enabled, self._as_tensors = prev, False
        return result if result.__class__ is tuple else (result,)

    _as_tensors = False

    def _unpack(self, record: tuple[Any, ...]) -> Any:
        value = self._checked(record)
        if not self._as_tensors:
            return value
        kind, index = record[1], record[2]
        if kind == _INPUT:
            node, nr = self._edges[2 * index], self._edges[2 * index + 1]
            if node is None:
                return Tensor._make(value)
            if isinstance(node, AccumulateGrad):
                return node.variable
            return Tensor._make(value, requires_grad=True, grad_fn=node, output_nr=nr)
        if kind == _OUTPUT:
            return Tensor._make(value, requires_grad=True, grad_fn=self, output_nr=index)
        return value if value is None or np.isscalar(value) else Tensor._make(np.asarray(value))


def _wrap(array: Any, args: tuple[Any, ...]) -> Any:
    """Wrap an output array in a Tensor; a view of an input shares that input's version counter."""
    if array.__class__ is not np.ndarray:
        array = np.asarray(array)
    base = array.base
    if base is not None and args:
        for a in args:
            if isinstance(a, Tensor):
                data = a._data
                if base is data or base is data.base:
                    return Tensor._make(array, version_counter=a._version_counter, base=a)
    return Tensor._make(array)


def _link(
    ctx: Op, args: tuple[Any, ...], arrays: Any, needs: tuple[bool | None, ...], out: Any
) -> Any:
    """Make ``ctx`` the ``grad_fn`` of the outputs and record what backward will read."""
    if out.__class__ is tuple:
        outputs = tuple([_wrap(o, args) for o in out])
        non_diff = ctx._non_differentiable
        for i, t in enumerate(outputs):
            data = t._data
            ok = data.dtype.kind in "fV" or data.dtype.kind == "c" and _complex_ok(ctx)
            if ok and not (non_diff and _is_in(data, non_diff)):
                t._requires_grad = True
                t.grad_fn = ctx
                t._output_nr = i
        ctx._out_meta = tuple([(t._data.shape, t._data.dtype) for t in outputs])
        ctx._refs = tuple([weakref.ref(t) for t in outputs])
    else:  # the common case, without the loops
        t = _wrap(out, args)
        data = t._data
        kind = data.dtype.kind
        if (kind in "fV" or kind == "c" and _complex_ok(ctx)) and not ctx._non_differentiable:
            t._requires_grad = True
            t.grad_fn = ctx
        ctx._out_meta = _meta(data)
        ctx._refs = weakref.ref(t)
    ctx._edges = _edges(args, needs)
    ctx._sequence_nr = next(_sequence)
    ctx._scope = _scope.current
    if ctx._to_save:
        raw = out if out.__class__ is tuple else (out,)
        made = outputs if out.__class__ is tuple else (t,)
        ctx._saved = tuple([_record_array(v, args, arrays, raw, made) for v in ctx._to_save])
        ctx._to_save = ()
        if graph.state.stack:
            ctx._saved = _pack(ctx._saved, as_arrays=True)
    if _anomaly.enabled:
        anomaly.check_forward(ctx, out if out.__class__ is tuple else (out,), arrays, skip=3)
    return outputs if out.__class__ is tuple else t


def _complex_ok(ctx: Op) -> bool:
    """A complex output is recorded only by ops whose backward handles it (``complex_grad``)."""
    if ctx.complex_grad:
        return True
    raise RuntimeError(f"{ctx._op_name}: microtensor has no complex gradient for this op yet")


def _meta(data: np.ndarray) -> tuple[tuple[tuple[int, ...], np.dtype]]:
    """``_out_meta`` of a one-output node: one shared tuple per shape and dtype (less memory)."""
    key = (data.shape, data.dtype)
    meta = _metas.get(key)
    if meta is None:
        if len(_metas) > 4096:
            _metas.clear()
        meta = _metas[key] = (key,)
    return meta


_new = object.__new__
_metas: dict[Any, tuple[tuple[tuple[int, ...], np.dtype]]] = {}
# ``needs_input_grad`` of one- and two-input calls, indexed by need_a + 2 * need_b (10 + need_a
# for one input), so the common calls build no tuple; an argument that is no Tensor counts 4
# and gets None (next_functions leaves it out). Indices 5 and 7 never occur.
_NEEDS: tuple[Any, ...] = (
    (False, False), (True, False), (False, True), (True, True),
    (None, False), None, (None, True), None, (False, None), (True, None),
    (False,), (True,), (None, None),
)  # fmt: skip
_NO_EDGE = (None, 0)
_NONE_RECORD = (None, _CONST, 0, None, 0)


def _record_array(value: Any, args: Any, arrays: Any, raw_outputs: Any, outputs: Any) -> Any:
    """Note whether a saved value is input i, output j (forward's own object) or a constant."""
    if value is None:
        return _NONE_RECORD
    for i, arr in enumerate(arrays):
        if value is arr and isinstance(args[i], Tensor):
            counter = args[i]._version_counter
            return (value, _INPUT, i, counter, counter[0])
    for j, raw in enumerate(raw_outputs):
        if value is raw:
            t = outputs[j]
            return (t._data, _OUTPUT, j, t._version_counter, t._version_counter[0])
    return (value, _CONST, 0, None, 0)


# ``torch.autograd.function.once_differentiable`` lives here too; its code is in its own file.
from microtensor.autograd.once_differentiable import once_differentiable  # noqa: E402, F401
