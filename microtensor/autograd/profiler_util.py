"""``microtensor.autograd.profiler_util``: a profile's results, as torch.autograd.profiler_util.

``FunctionEvent`` is one recorded interval with its parent and children (rebuilt from the time
intervals of each thread), ``FunctionEventAvg`` the sum of the events that share a key, and
``EventList`` a list of either with torch's ``table()``, ``key_averages()`` and
``export_chrome_trace()``. Times are in microseconds (floats), as torch's.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any

from microtensor.autograd._profiler_recording import RawEvent


class DeviceType:
    """The device an event ran on: always the CPU here (torch's ``DeviceType.CPU``)."""

    CPU = "CPU"


class Interval:
    """An event's start and end, in microseconds."""

    def __init__(self, start: float, end: float) -> None:
        self.start, self.end = start, end

    def elapsed_us(self) -> float:
        """The length of the interval."""
        return self.end - self.start


def _format_time(time_us: float) -> str:
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_share(time_us: float, total_us: float) -> str:
    return "NaN" if total_us == 0 else f"{time_us * 100.0 / total_us:.2f}%"


def _format_memory(nbytes: int) -> str:
    for unit, size in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} B"


class _Times:
    """The formatted-time properties both event kinds share (torch's FormattedTimesMixin)."""

    cpu_time_total: float
    self_cpu_time_total: float
    count: int
    # no device: the device columns and memory are always zero
    device_time_total = self_device_time_total = 0.0
    device_memory_usage = self_device_memory_usage = 0
    use_device = None
    device_type = DeviceType.CPU
    node_id = -1
    overload_name = ""
    is_async = is_legacy = is_remote = False
    scope = 0

    @property
    def cpu_time(self) -> float:
        """The average total time of one call."""
        return 0.0 if self.count == 0 else self.cpu_time_total / self.count

    @property
    def device_time(self) -> float:
        """The average device time of one call: 0 (CPU only)."""
        return 0.0

    @property
    def cpu_time_str(self) -> str:
        """``cpu_time`` formatted as torch's table prints it."""
        return _format_time(self.cpu_time)

    @property
    def cpu_time_total_str(self) -> str:
        """``cpu_time_total`` formatted."""
        return _format_time(self.cpu_time_total)

    @property
    def self_cpu_time_total_str(self) -> str:
        """``self_cpu_time_total`` formatted."""
        return _format_time(self.self_cpu_time_total)


class FunctionEvent(_Times):
    """One recorded call: an op, a backward node or a ``record_function`` block."""

    def __init__(self, id: int, raw: RawEvent, origin_ns: int) -> None:  # noqa: A002
        self.id = id
        # torch's wildcard: the steps of a schedule share one row (ProfilerStep#3 -> ProfilerStep*)
        name = "ProfilerStep*" if raw.name.startswith("ProfilerStep#") else raw.name
        self.name = self.key = name
        self.thread = raw.thread
        self.time_range = Interval((raw.start_ns - origin_ns) / 1e3, (raw.end_ns - origin_ns) / 1e3)
        self.input_shapes = raw.input_shapes
        self.stack = raw.stack
        self._own_memory = raw.memory
        self.is_user_annotation = raw.kind == "user_annotation"
        self.sequence_nr = -1
        self.flops = raw.flops
        self.cpu_children: list[FunctionEvent] = []
        self.cpu_parent: FunctionEvent | None = None
        self.count = 1

    @property
    def cpu_time_total(self) -> float:  # type: ignore[override]
        """The call's wall time, children included."""
        return self.time_range.elapsed_us()

    @property
    def self_cpu_time_total(self) -> float:  # type: ignore[override]
        """The call's time less its children's."""
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def cpu_memory_usage(self) -> int:
        """Bytes of the arrays made during the call, its children's included."""
        return self._own_memory + sum(c.cpu_memory_usage for c in self.cpu_children)

    @property
    def self_cpu_memory_usage(self) -> int:
        """Bytes of the arrays this call made itself."""
        return self._own_memory

    def __repr__(self) -> str:
        return (
            f"<FunctionEvent id={self.id} name={self.name} "
            f"cpu_time={self.cpu_time_total_str} start_us={self.time_range.start:.3f} "
            f"end_us={self.time_range.end:.3f} input_shapes={self.input_shapes}>"
        )


class FunctionEventAvg(_Times):
    """The events that share a key, added up (``EventList.key_averages`` rows)."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.count = 0
        self.cpu_time_total = 0.0  # type: ignore[misc]
        self.self_cpu_time_total = 0.0  # type: ignore[misc]
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.flops = 0
        self.input_shapes: list[list[int]] | str | None = None  # "": not grouped by them
        self.stack: list[str] | None = None
        self.is_user_annotation = False
        self.cpu_parent = None
        self.cpu_children: list[Any] = []

    def add(self, other: Any) -> FunctionEventAvg:
        """Add an event (or another average) into this one."""
        if self.key is None:
            self.key, self.input_shapes, self.stack = other.key, other.input_shapes, other.stack
            self.is_user_annotation = other.is_user_annotation
        self.count += other.count
        self.cpu_time_total += other.cpu_time_total
        self.self_cpu_time_total += other.self_cpu_time_total
        self.cpu_memory_usage += other.cpu_memory_usage
        self.self_cpu_memory_usage += other.self_cpu_memory_usage
        self.flops += other.flops
        return self

    def __iadd__(self, other: Any) -> FunctionEventAvg:
        return self.add(other)

    def __repr__(self) -> str:
        return (
            f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
            f"cpu_time={self.cpu_time_str} input_shapes={self.input_shapes}>"
        )


class EventList(list):  # type: ignore[type-arg]
    """A list of events (or averages) with torch's summaries."""

    def __init__(
        self, *args: Any, profile_memory: bool = False, with_flops: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args)
        self._profile_memory, self._with_flops = profile_memory, with_flops

    @property
    def self_cpu_time_total(self) -> float:
        """The sum of every event's self time: the table's "Self CPU time total"."""
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(
        self,
        group_by_input_shapes: bool = False,
        group_by_stack_n: int = 0,
        group_by_overload_name: bool = False,
    ) -> EventList:
        """One ``FunctionEventAvg`` per name (and input shapes, and top stack frames), in order."""
        averages: dict[tuple[Any, ...], FunctionEventAvg] = {}
        for event in self:
            key: tuple[Any, ...] = (event.key,)
            if group_by_input_shapes:
                key += (str(event.input_shapes),)
            if group_by_stack_n > 0:
                key += tuple(event.stack[:group_by_stack_n])
            averages.setdefault(key, FunctionEventAvg()).add(event)
        for average in averages.values():  # what is not grouped by is not shown, as torch's
            if average.stack is not None:
                average.stack = average.stack[:group_by_stack_n]
            if not group_by_input_shapes:
                average.input_shapes = ""
        return EventList(
            averages.values(), profile_memory=self._profile_memory, with_flops=self._with_flops
        )

    def total_average(self) -> FunctionEventAvg:
        """All events added into one average, keyed ``Total``."""
        total = FunctionEventAvg()
        for event in self:
            total.add(event)
        total.key = "Total"
        return total

    def table(
        self,
        sort_by: str | None = None,
        row_limit: int = 100,
        max_src_column_width: int = 75,
        max_name_column_width: int = 55,
        max_shapes_column_width: int = 80,
        header: str | None = None,
        top_level_events_only: bool = False,
        time_unit: str | None = None,
    ) -> str:
        """The events as torch's profiler table (Name, Self CPU %, ..., # of Calls)."""
        from microtensor.autograd._profiler_table import build_table

        return build_table(
            self,
            sort_by=sort_by,
            row_limit=row_limit,
            max_src_column_width=max_src_column_width,
            max_name_column_width=max_name_column_width,
            max_shapes_column_width=max_shapes_column_width,
            header=header,
            profile_memory=self._profile_memory,
            with_flops=self._with_flops,
            top_level_events_only=top_level_events_only,
            time_unit=time_unit,
        )

    def __str__(self) -> str:
        return self.table()

    def export_chrome_trace(self, path: str) -> None:
        """Write the events as a Chrome trace (``chrome://tracing``, Perfetto) JSON file."""
        write_chrome_trace(self, path)

    def export_stacks(self, path: str, metric: str) -> None:
        """Write ``frame;frame;... value`` lines (flame graph input) for events with stacks."""
        with open(path, "w") as f:
            for event in self:
                if event.stack:
                    frames = ";".join(reversed([s.replace(";", ":") for s in event.stack]))
                    f.write(f"{frames} {int(getattr(event, metric))}\n")


def build_events(raw_events: Iterable[RawEvent], origin_ns: int) -> EventList:
    """``FunctionEvent``s in start order, each thread's nesting rebuilt from the intervals."""
    ordered = sorted(raw_events, key=lambda r: (r.start_ns, -r.end_ns))
    events = [FunctionEvent(i + 1, raw, origin_ns) for i, raw in enumerate(ordered)]
    open_by_thread: dict[int, list[FunctionEvent]] = {}
    for event in events:
        stack = open_by_thread.setdefault(event.thread, [])
        while stack and stack[-1].time_range.end < event.time_range.end:
            stack.pop()
        if stack:
            event.cpu_parent = stack[-1]
            stack[-1].cpu_children.append(event)
        stack.append(event)
    return EventList(events)


def write_chrome_trace(
    events: Iterable[Any], path: str, metadata: dict[str, Any] | None = None
) -> None:
    """The trace-event JSON torch writes: one complete ("X") event per call, metadata on top."""
    pid = os.getpid()
    trace: list[dict[str, Any]] = [
        {"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": "python"}},
    ]
    for event in events:
        args: dict[str, Any] = {"External id": event.id}
        if event.input_shapes:
            args["Input Dims"] = event.input_shapes
        if event.cpu_memory_usage:
            args["Memory"] = event.cpu_memory_usage
        trace.append(
            {
                "ph": "X",
                "cat": "user_annotation" if event.is_user_annotation else "cpu_op",
                "name": event.name,
                "pid": pid,
                "tid": event.thread,
                "ts": event.time_range.start,
                "dur": event.time_range.elapsed_us(),
                "args": args,
            }
        )
    document = {
        **(metadata or {}),
        "schemaVersion": 1,
        "deviceProperties": [],
        "displayTimeUnit": "ms",
        "traceEvents": trace,
    }
    opener: Any = open
    if str(path).endswith(".gz"):
        import gzip

        opener = gzip.open
    with opener(path, "wt") as f:
        json.dump(document, f, indent=1)
