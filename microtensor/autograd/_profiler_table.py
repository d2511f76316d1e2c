"""torch's profiler table: right-aligned columns two spaces apart, dashes above and below.

The layout is torch's ``_build_table`` for a CPU-only profile: a name column as wide as the
longest name plus 4 (at most ``max_name_column_width``), 12-character columns Self CPU %, Self
CPU, CPU total %, CPU total, CPU time avg (then CPU Mem, Self CPU Mem with ``profile_memory``),
# of Calls, then Input Shapes, Source Location and Total FLOPs when the events have them, and a
last line "Self CPU time total". Percentages are shares of the summed self times.
"""

from __future__ import annotations

import math
from typing import Any

from microtensor.autograd.profiler_util import _format_memory, _format_share, _format_time

_COLUMN = 12
_SPACING = 2


def _time(time_us: float, unit: str | None) -> str:
    if unit == "s":
        return f"{time_us / 1e6:.3f}s"
    if unit == "ms":
        return f"{time_us / 1e3:.3f}ms"
    if unit == "us":
        return f"{time_us:.3f}us"
    return _format_time(time_us)


class _Layout:
    def __init__(self) -> None:
        self.row_format, self.separator = "", ""

    def add(self, width: int, align: str = ">") -> None:
        self.row_format += "{: " + align + str(width) + "}" + " " * _SPACING
        self.separator += "-" * width + " " * _SPACING


def build_table(
    events: Any,
    sort_by: str | None,
    row_limit: int,
    max_src_column_width: int,
    max_name_column_width: int,
    max_shapes_column_width: int,
    header: str | None,
    profile_memory: bool,
    top_level_events_only: bool,
    time_unit: str | None,
    with_flops: bool = False,
) -> str:
    """The table of ``events`` (FunctionEvents or their averages)."""
    if len(events) == 0:
        return ""
    events = list(events)
    if sort_by is not None:
        key = sort_by.replace("cuda", "device").replace("xpu", "device")
        events.sort(key=lambda e: getattr(e, key), reverse=True)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
    headers.append("# of Calls")
    layout = _Layout()
    layout.add(min(max(len(e.key) for e in events) + 4, max_name_column_width))
    for _ in headers[1:]:
        layout.add(_COLUMN)
    columns = _Columns(max_name_column_width)
    if any(e.input_shapes for e in events):
        columns.shapes = min(
            max(len(str(e.input_shapes)) for e in events) + 4, max_shapes_column_width
        )
        headers.append("Input Shapes")
        layout.add(columns.shapes)
    frames = [frame for e in events for frame in e.stack or ()]
    if frames:
        columns.source = min(max(len(frame) for frame in frames) + 4, max_src_column_width)
        headers.append("Source Location")
        layout.add(columns.source, "<")
    positive = [e.flops for e in events if e.flops > 0]
    if with_flops and positive:
        columns.flops_scale, unit = _flops_unit(min(positive))
        headers.append(f"Total {unit}")
        layout.add(_COLUMN)
    total = sum(e.self_cpu_time_total for e in events)
    rule = "=" * (len(layout.separator) - _SPACING)
    lines = [rule, header] if header is not None else []
    if top_level_events_only:
        lines += [rule, "This report only display top-level ops statistics"]
    lines += [layout.separator, layout.row_format.format(*headers), layout.separator]
    shown = 0
    for event in events:
        if shown == row_limit:
            break
        if top_level_events_only and event.cpu_parent is not None:
            continue
        shown += 1
        lines += _rows(event, layout, columns, total, time_unit, profile_memory)
    lines += [layout.separator, f"Self CPU time total: {_time(total, time_unit)}"]
    return "\n".join(lines) + "\n"


class _Columns:
    """The widths the rows cut their texts to (0: the column is not shown)."""

    def __init__(self, name: int) -> None:
        self.name, self.shapes, self.source = name, 0, 0
        self.flops_scale = 0.0  # 0: no FLOPs column


def _flops_unit(smallest: int) -> tuple[float, str]:
    """The scale and unit of the FLOPs column: the smallest count's power of 1000 (torch's)."""
    units = ["FLOPs", "KFLOPs", "MFLOPs", "GFLOPs", "TFLOPs", "PFLOPs"]
    power = int(max(0.0, min(math.log10(smallest) / 3, float(len(units) - 1))))
    return 10.0 ** (-3 * power), units[power]


def _trim_path(path: str, width: int) -> str:
    if len(path) > width:
        path = path[len(path) - width :]
        if len(path) > 3:
            path = "..." + path[3:]
    return path


def _rows(
    event: Any,
    layout: _Layout,
    columns: _Columns,
    total: float,
    time_unit: str | None,
    profile_memory: bool,
) -> list[str]:
    name = event.key
    if len(name) >= columns.name - 3:
        name = name[: columns.name - 3] + "..."
    values: list[Any] = [
        name,
        _format_share(event.self_cpu_time_total, total),
        _time(event.self_cpu_time_total, time_unit),
        _format_share(event.cpu_time_total, total),
        _time(event.cpu_time_total, time_unit),
        _time(event.cpu_time, time_unit),
    ]
    if profile_memory:
        values += [
            _format_memory(event.cpu_memory_usage),
            _format_memory(event.self_cpu_memory_usage),
        ]
    values.append(event.count)
    if columns.shapes:
        values.append(str(event.input_shapes)[: columns.shapes])
    # torch's order: the FLOPs value comes before the source frame (its headers have them the
    # other way round); the frames below go in the last column
    if columns.flops_scale:
        values.append("--" if event.flops <= 0 else f"{event.flops * columns.flops_scale:8.3f}")
    stack = event.stack or []
    if columns.source:
        values.append(_trim_path(stack[0], columns.source) if stack else "")
    if not columns.source:
        return [layout.row_format.format(*values)]
    rows = [layout.row_format.format(*values)]
    blank = [""] * (len(values) - 1)
    rows += [layout.row_format.format(*blank, _trim_path(f, columns.source)) for f in stack[1:]]
    rows.append(layout.row_format.format(*blank, ""))
    return rows
