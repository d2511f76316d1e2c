"""``microtensor.autograd.profiler``: time every op of a block, as ``torch.autograd.profiler``.

Inside ``with profile() as prof:`` every op microtensor runs (``aten::mul``, ``aten::mm``
...), every backward node (``autograd::engine::evaluate_function: MulBackward0``) and every
``record_function`` block is timed with ``time.perf_counter_ns``; ``prof.key_averages().table()``
prints torch's table and ``prof.export_chrome_trace(path)`` writes a trace for
``chrome://tracing`` or Perfetto. Outside a profile nothing is timed and nothing costs: the op
classes' methods are the untouched originals (see ``_profiler_recording``).

Example:
    >>> import microtensor as mt
    >>> from microtensor.autograd import profiler
    >>> x = mt.ones(2, 3, requires_grad=True)
    >>> with profiler.profile() as prof:
    ...     with profiler.record_function("loss"):
    ...         loss = (x * 2).sum()
    ...     loss.backward()
    >>> [e.key for e in prof.key_averages()][:3]
    ['loss', 'aten::mul', 'aten::sum']
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from time import perf_counter_ns
from typing import TYPE_CHECKING, Any, TypeVar

from microtensor.autograd import _profiler_recording as _recording

if TYPE_CHECKING:
    from microtensor.autograd.profiler_util import EventList, FunctionEvent, FunctionEventAvg

__all__ = [
    "EventList",
    "FunctionEvent",
    "FunctionEventAvg",
    "emit_itt",
    "emit_nvtx",
    "profile",
    "record_function",
]

_F = TypeVar("_F", bound=Callable[..., Any])
_NO_CUDA = "CUDA is not available, disabling CUDA profiling"


class profile:  # noqa: N801 - torch's name
    """Record the ops, backward nodes and ``record_function`` blocks run inside the block.

    Args:
        enabled: False makes the block a no-op (nothing recorded).
        use_cuda: deprecated in torch; True warns that CUDA is not available (there is none).
        use_device: a device to profile besides the CPU; anything but None or "cpu" warns that
            it is not available and is ignored.
        record_shapes: keep each call's input shapes (``Input Shapes`` column, grouping).
        with_flops: estimate FLOPs as torch does (``mm``, ``bmm``, ``linear``, convolutions,
            ``mul``, ``add``): each event's ``flops``, a ``Total FLOPs`` column.
        profile_memory: keep the bytes of the arrays each op made (``CPU Mem`` columns).
        with_stack: keep the caller's Python frames (``Source Location`` column).
        with_modules: accepted; module scopes are not recorded.
        use_kineto: accepted; microtensor times ops itself.
        use_cpu: accepted; the CPU is always profiled.
        experimental_config: accepted; changes nothing.
        acc_events: accepted; changes nothing.
        custom_trace_id_callback: accepted; changes nothing.
        post_processing_timeout_s: accepted; changes nothing.
        activity_filters: accepted; changes nothing.

    Differs from PyTorch: ``AccumulateGrad`` and factories that make no op call (``ones``,
    ``tensor``) are not recorded; memory is the bytes of the outputs, frees are not recorded.
    """

    def __init__(
        self,
        enabled: bool = True,
        *,
        use_cuda: bool = False,
        use_device: str | None = None,
        record_shapes: bool = False,
        with_flops: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_modules: bool = False,
        use_kineto: bool = False,
        use_cpu: bool = True,
        experimental_config: Any = None,
        acc_events: bool = False,
        custom_trace_id_callback: Callable[[], str] | None = None,
        post_processing_timeout_s: float | None = None,
        activity_filters: Any = None,
    ) -> None:
        self.enabled = enabled
        if use_cuda:
            warnings.warn(
                "The attribute `use_cuda` will be deprecated soon, please use ``use_device = "
                "'cuda'`` instead.",
                FutureWarning,
                stacklevel=2,
            )
            use_device = "cuda"
        if enabled and use_device not in (None, "cpu"):
            warnings.warn(
                _NO_CUDA
                if use_device == "cuda"
                else f"{use_device} is not available "
                "(microtensor runs on the CPU only), disabling its profiling",
                stacklevel=2,
            )
        self.use_device = None
        self.record_shapes, self.profile_memory = record_shapes, profile_memory
        self.with_stack, self.with_flops, self.with_modules = with_stack, with_flops, with_modules
        self._recorder: _recording.Recorder | None = None
        self._origin_ns = 0
        self._events: EventList | None = None
        self.entered = False

    def __enter__(self) -> profile:
        if not self.enabled:
            return self
        if self.entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self.entered = True
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled and self._recorder is not None:
            self._stop()

    def _start(self) -> None:
        self._recorder = _recording.Recorder(
            self.record_shapes, self.profile_memory, self.with_stack, self.with_flops
        )
        self._origin_ns = perf_counter_ns()
        _recording.start(self._recorder)

    def _stop(self) -> None:
        recorder, self._recorder = self._recorder, None
        assert recorder is not None
        _recording.stop(recorder)
        from microtensor.autograd.profiler_util import build_events

        self._events = build_events(recorder.events, self._origin_ns)
        self._events._profile_memory = self.profile_memory
        self._events._with_flops = self.with_flops

    @property
    def function_events(self) -> EventList:
        """Every recorded call, in start order."""
        if self._events is None:
            raise RuntimeError("Profiler didn't finish running")
        return self._events

    def key_averages(
        self,
        group_by_input_shape: bool = False,
        group_by_stack_n: int = 0,
        group_by_overload_name: bool = False,
    ) -> EventList:
        """The calls averaged by name (and input shapes, stack frames): the table's rows."""
        return self.function_events.key_averages(
            group_by_input_shape, group_by_stack_n, group_by_overload_name
        )

    def table(
        self,
        sort_by: str | None = None,
        row_limit: int = 100,
        max_src_column_width: int = 75,
        max_name_column_width: int = 55,
        max_shapes_column_width: int = 80,
        header: str | None = None,
        top_level_events_only: bool = False,
    ) -> str:
        """The table of every call (not averaged; ``key_averages().table()`` averages)."""
        return self.function_events.table(
            sort_by=sort_by,
            row_limit=row_limit,
            max_src_column_width=max_src_column_width,
            max_name_column_width=max_name_column_width,
            max_shapes_column_width=max_shapes_column_width,
            header=header,
            top_level_events_only=top_level_events_only,
        )

    def total_average(self) -> FunctionEventAvg:
        """All calls added into one average."""
        return self.function_events.total_average()

    @property
    def self_cpu_time_total(self) -> float:
        """The summed self time of every call, in microseconds."""
        return self.function_events.self_cpu_time_total

    def export_chrome_trace(
        self, path: str, metadata: Any = None, use_python_export: bool = False
    ) -> None:
        """Write the calls as a Chrome trace JSON file (``.gz``: gzip-compressed)."""
        self.function_events.export_chrome_trace(path)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        """Write the stacks of the calls (``with_stack=True``) for a flame graph."""
        self.function_events.export_stacks(path, metric)

    def __str__(self) -> str:
        return self.table() if self._events is not None else "<unfinished torch.autograd.profile>"


class record_function:  # noqa: N801 - torch's name
    """Label a block (or every call of a function) in the profile: its name is a row.

    Args:
        name: the label shown in the table and the trace.
        args: an optional string kept with the label (torch's).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.autograd import profiler
        >>> with profiler.profile() as prof:
        ...     with profiler.record_function("block"):
        ...         y = mt.ones(2) + 1
        >>> prof.function_events[0].name, prof.function_events[1].name
        ('block', 'aten::add')
    """

    def __init__(self, name: str, args: str | None = None) -> None:
        self.name, self.args = name, args
        self.run_callbacks_on_exit = True
        self._starts: list[int | None] = []

    def __enter__(self) -> record_function:
        self._starts.append(perf_counter_ns() if _recording.is_recording() else None)
        return self

    def __exit__(self, *exc: object) -> None:
        start_ns = self._starts.pop()
        if start_ns is not None and self.run_callbacks_on_exit:
            _recording.emit(self.name, start_ns, "user_annotation")

    def __call__(self, fn: _F) -> _F:
        """Decorate ``fn``: each call runs inside this label."""

        @functools.wraps(fn)
        def labelled(*args: Any, **kwargs: Any) -> Any:
            with record_function(self.name, self.args):
                return fn(*args, **kwargs)

        return labelled  # type: ignore[return-value]


class emit_nvtx:  # noqa: N801 - torch's name
    """NVIDIA's NVTX ranges for nvprof / Nsight: raises, microtensor has no CUDA.

    Raises:
        AssertionError: on entering the block, as torch built without CUDA.
    """

    def __init__(self, enabled: bool = True, record_shapes: bool = False) -> None:
        self.enabled, self.record_shapes = enabled, record_shapes

    def __enter__(self) -> emit_nvtx:
        if self.enabled:
            raise AssertionError(
                "Torch not compiled with CUDA enabled: emit_nvtx() annotates CUDA work for "
                "nvprof/Nsight, and microtensor runs on the CPU only; use "
                "microtensor.profiler.profile() instead"
            )
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class emit_itt:  # noqa: N801 - torch's name
    """Intel's ITT ranges for VTune: raises, microtensor is not built with ITT.

    Raises:
        RuntimeError: on entering the block.
    """

    def __init__(self, enabled: bool = True, record_shapes: bool = False) -> None:
        self.enabled, self.record_shapes = enabled, record_shapes

    def __enter__(self) -> emit_itt:
        if self.enabled:
            raise RuntimeError(
                "ITT is not available: microtensor is not built with Intel's ITT API (VTune "
                "annotations); use microtensor.profiler.profile() instead"
            )
        return self

    def __exit__(self, *exc: object) -> None:
        return None


_RESULT_CLASSES = ("EventList", "FunctionEvent", "FunctionEventAvg")


def __getattr__(name: str) -> Any:
    # the result classes load with the first finished profile (import microtensor stays fast)
    if name in _RESULT_CLASSES:
        from microtensor.autograd import profiler_util

        return getattr(profiler_util, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
