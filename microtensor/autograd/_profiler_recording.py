"""What a running profiler records, and the one switch that makes ops report to it.

While no profiler runs, nothing here is on any path: ``Function.apply``, ``Op.apply`` and the
two ``_call_backward`` methods (the engine's per-node call) are the classes' own. When the first
recorder starts, :func:`start` puts timed versions of those four methods on the two classes;
when the last one stops, the saved originals go back, the very same objects. Each running
recorder gets every event that ends while it runs, from any thread; events carry their thread
id, and nesting is rebuilt later from the time intervals.

Event names follow torch's: ``aten::<op>`` for a built-in op (its node's name in snake case,
``SliceBackward0``: ``aten::slice``, or torch's ATen name where the two differ), the class
name for a custom ``autograd.Function``, and ``autograd::engine::evaluate_function:
MulBackward0`` around ``MulBackward0`` for a backward node. ``AccumulateGrad`` runs inside the
engine's loop, without a method call to time: it is not recorded; nor are the functions that
compute without an op (comparisons, ``argmax``, ``detach``: nothing differentiable to record).
Optimizers' ``step`` and ``zero_grad`` are labelled as torch's (``Optimizer.step#SGD.step``).
"""

from __future__ import annotations

import functools
import os
import re
import sys
import threading
import types
from time import perf_counter_ns
from typing import Any

from microtensor.autograd import function as _function


class RawEvent:
    """One timed interval: an op, a backward node or a ``record_function`` block."""

    __slots__ = (
        *("name", "start_ns", "end_ns", "thread", "kind"),
        *("input_shapes", "memory", "stack", "flops"),
    )

    def __init__(
        self,
        name: str,
        start_ns: int,
        end_ns: int,
        thread: int,
        kind: str,  # "cpu_op" or "user_annotation"
        input_shapes: list[list[int]],
        memory: int,  # bytes of the output arrays the op made (0 for views, or unmeasured)
        stack: list[str],
        flops: int = 0,  # with_flops: torch's estimate for matrix products, convolutions, mul, add
    ) -> None:
        self.name, self.start_ns, self.end_ns, self.thread = name, start_ns, end_ns, thread
        self.kind, self.input_shapes, self.memory, self.stack = kind, input_shapes, memory, stack
        self.flops = flops


class Recorder:
    """The events one profiler collects, and what it asked to record."""

    def __init__(
        self, record_shapes: bool, profile_memory: bool, with_stack: bool, with_flops: bool = False
    ) -> None:
        self.record_shapes = record_shapes
        self.profile_memory = profile_memory
        self.with_stack = with_stack
        self.with_flops = with_flops
        self.events: list[RawEvent] = []


# The running recorders, replaced (never mutated) so a reader on another thread sees a whole tuple.
_recorders: tuple[Recorder, ...] = ()
_lock = threading.Lock()
_saved: list[tuple[type, str, Any]] = []  # (class, attribute, the original object in its __dict__)


def is_recording() -> bool:
    """Whether some profiler is collecting events now."""
    return bool(_recorders)


def start(recorder: Recorder) -> None:
    """Make ``recorder`` receive events; the first one switches the timing on."""
    global _recorders
    with _lock:
        if not _recorders:
            _install()
        _recorders = (*_recorders, recorder)


def stop(recorder: Recorder) -> None:
    """Stop sending events to ``recorder``; the last one puts the original methods back."""
    global _recorders
    with _lock:
        _recorders = tuple(r for r in _recorders if r is not recorder)
        if not _recorders:
            _uninstall()


def emit(name: str, start_ns: int, kind: str, args: tuple[Any, ...] = (), out: Any = None) -> None:
    """Give the interval from ``start_ns`` to now to every running recorder."""
    end_ns = perf_counter_ns()
    thread = threading.get_ident()
    for recorder in _recorders:
        shapes = _shapes(args) if recorder.record_shapes else []
        memory = _nbytes(out, args) if recorder.profile_memory and out is not None else 0
        stack = _user_stack() if recorder.with_stack else []
        flops = _flops(name, args, out) if recorder.with_flops and out is not None else 0
        event = RawEvent(name, start_ns, end_ns, thread, kind, shapes, memory, stack, flops)
        recorder.events.append(event)


# --- names -----------------------------------------------------------------------------------

# torch's ATen names where the snake case of the node's (or op's) name is not it
_ATEN_NAMES = {
    "FftC2C": "_fft_c2c",
    "FftC2CTranspose": "_fft_c2c",
    "FftR2C": "_fft_r2c",
    "FftR2CTranspose": "_fft_c2c",
    "MatMul": "matmul",
    "NLLLoss": "nll_loss",
    "CTCLoss": "ctc_loss",
    "CrossEntropy": "cross_entropy_loss",
    "Im2Col": "im2col",
    "Col2Im": "col2im",
    "GridSampler2D": "grid_sampler_2d",
    "GridSampler3D": "grid_sampler_3d",
    "XLogY": "xlogy",
    "LogSumExp": "logsumexp",
    "LogAddExp": "logaddexp",
    "LogCumSumExp": "logcumsumexp",
    "CumSum": "cumsum",
    "CumProd": "cumprod",
    "MaxDim": "max",
    "MedianDim": "median",
    "NanMedian": "nanmedian",
    "NanSum": "nansum",
    "GetItem": "index",
    "IndexPut": "index_put_",
    "Cast": "to",
    "CopyFrom": "copy_",
    "Fill": "fill_",
    "Conv": "convolution",
    "ConvTranspose": "convolution",
    "Det": "linalg_det",
    "Inverse": "linalg_inv",
    "Pinv": "linalg_pinv",
    "Solve": "linalg_solve",
    "MatrixExp": "linalg_matrix_exp",
    "VectorNorm": "linalg_vector_norm",
    "Cross": "linalg_cross",
    "FftC2R": "_fft_c2r",
    "FftC2RTranspose": "_fft_r2c",
    "Topk": "topk",
    "Log1P": "log1p",
    "ToCopy": "_to_copy",
    "UnsafeView": "_unsafe_view",
    "ReshapeAlias": "_reshape_alias",
    "MvLgamma": "mvlgamma",
    "PolyGamma": "polygamma",
    "ConstantPad": "constant_pad_nd",
}
# where a word starts: Log|Softmax, NLL|Loss2D, MaxPool2D|With (a digit stays with its word)
_CAMEL = r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z0-9])(?=[A-Z][a-z])"
_names: dict[type, str] = {}


def op_name(cls: type) -> str:
    """The event name of ``cls.apply``: ``aten::mul`` for ``Mul``, ``Cube`` for a Function."""
    name = _names.get(cls)
    if name is None:
        if issubclass(cls, _function.Op):
            # the node's name is torch's where the op gives one (SliceBackward0: aten::slice)
            base = re.sub(r"Backward\d*$", "", cls.__name__)
            name = "aten::" + (_ATEN_NAMES.get(base) or re.sub(_CAMEL, "_", base).lower())
        else:
            name = cls._op_name  # type: ignore[attr-defined]
        _names[cls] = name
    return name


# --- the timed methods -----------------------------------------------------------------------


def _timed_apply(original: Any) -> classmethod:  # type: ignore[type-arg]
    call = original.__func__

    def apply(cls: Any, *args: Any, **kwargs: Any) -> Any:
        start_ns = perf_counter_ns()
        out = None
        try:
            out = call(cls, *args, **kwargs)
            return out
        finally:
            emit(op_name(cls), start_ns, "cpu_op", args, out)

    apply.__doc__, apply.__wrapped__ = call.__doc__, call  # type: ignore[attr-defined]
    return classmethod(apply)


def _timed_backward(original: Any) -> Any:
    def _call_backward(self: Any, grads: list[Any], create_graph: bool) -> tuple[Any, ...]:
        name = self.name()
        outer = perf_counter_ns()
        try:
            inner = perf_counter_ns()
            try:
                return original(self, grads, create_graph)  # type: ignore[no-any-return]
            finally:
                emit(name, inner, "cpu_op")
        finally:
            emit("autograd::engine::evaluate_function: " + name, outer, "cpu_op")

    _call_backward.__wrapped__ = original  # type: ignore[attr-defined]
    return _call_backward


def _timed_optimizer_call(original: Any, method: str) -> Any:
    # wraps copies the original's attributes: Optimizer.__init__ sees its ``_hooked`` mark and
    # does not wrap step's hooks around it a second time
    @functools.wraps(original)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        key = (id(self), method)
        running = _optimizer_calls.__dict__.setdefault("running", set())
        if key in running:  # an override calling its base's: one event, as torch's
            return original(self, *args, **kwargs)
        running.add(key)
        start_ns = perf_counter_ns()
        try:
            return original(self, *args, **kwargs)
        finally:
            running.discard(key)
            name = type(self).__name__
            emit(f"Optimizer.{method}#{name}.{method}", start_ns, "user_annotation")

    return call


_optimizer_calls = threading.local()


def _install() -> None:
    function, op = _function.Function, _function.Op
    # A subclass that overrides apply ends in Function.apply (super().apply records the node),
    # so timing these two records every call once.
    for cls in (function, op):
        _replace(cls, "apply", _timed_apply(cls.__dict__["apply"]))
        _replace(cls, "_call_backward", _timed_backward(cls.__dict__["_call_backward"]))
    # torch labels optimizer steps (Optimizer.step#SGD.step); the optimizers are looked up, not
    # imported (they come after autograd)
    optimizer_module = sys.modules.get("microtensor.optim.optimizer")
    if optimizer_module is not None:
        base = optimizer_module.Optimizer
        for cls in (base, *_subclasses(base)):
            for method in ("step", "zero_grad"):
                original = cls.__dict__.get(method)
                if isinstance(original, types.FunctionType):
                    _replace(cls, method, _timed_optimizer_call(original, method))


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    todo: list[type] = list(cls.__subclasses__())
    while todo:
        sub = todo.pop()
        found.append(sub)
        todo.extend(sub.__subclasses__())
    return found


def _uninstall() -> None:
    while _saved:
        cls, attribute, original = _saved.pop()
        setattr(cls, attribute, original)


def _replace(cls: type, attribute: str, timed: Any) -> None:
    _saved.append((cls, attribute, cls.__dict__[attribute]))
    setattr(cls, attribute, timed)


# --- what an event carries -------------------------------------------------------------------


def _shapes(args: tuple[Any, ...]) -> list[list[int]]:
    tensor = _function.Tensor
    return [list(a.shape) if isinstance(a, tensor) else [] for a in args]


def _nbytes(out: Any, args: tuple[Any, ...]) -> int:
    """Bytes of the op's output arrays that are new memory (not views of an input's)."""
    inputs = {id(_root(a._data)) for a in args if isinstance(a, _function.Tensor)}
    outputs = out if isinstance(out, tuple) else (out,)
    total = 0
    for o in outputs:
        data = getattr(o, "_data", None)
        if data is not None and id(_root(data)) not in inputs:
            total += int(data.nbytes)
    return total


def _flops(name: str, args: tuple[Any, ...], out: Any) -> int:
    """The FLOPs torch estimates: 2 per product term (matmul, conv), 1 per element (mul, add)."""
    tensor = _function.Tensor
    shapes = [a._data.shape for a in args if isinstance(a, tensor)]
    result = getattr(out, "_data", None)
    if result is None:
        return 0
    if name in ("aten::mm", "aten::bmm", "aten::linear") and len(shapes) >= 2:
        return 2 * result.size * shapes[0][-1]  # (..., M, K) @ (K, N): 2 K per output element
    if name == "aten::convolution" and len(shapes) >= 2:
        weight = shapes[1]  # (C_out, C_in / groups, *kernel)
        return 2 * result.size * _prod(weight[1:])
    if name in ("aten::mul", "aten::add"):
        return int(result.size)
    return 0


def _prod(values: Any) -> int:
    total = 1
    for v in values:
        total *= int(v)
    return total


def _root(array: Any) -> Any:
    while getattr(array, "base", None) is not None:
        array = array.base
    return array


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # microtensor/


def _user_stack() -> list[str]:
    """The caller's frames, innermost first, as torch's ``file(line): fn``.

    The stack is cut where it enters microtensor: the frames below (microtensor's own, and
    NumPy's under them) are not the program's.
    """
    frames: list[str] = []
    frame = sys._getframe(1)
    while frame is not None:  # innermost first; the frames inside microtensor are dropped
        code = frame.f_code
        if code.co_filename.startswith(_PACKAGE):
            frames.clear()
        else:
            frames.append(f"{code.co_filename}({frame.f_lineno}): {code.co_name}")
        frame = frame.f_back  # type: ignore[assignment]
    return frames
