"""``microtensor.profiler.profile``: torch's scheduled profiler over the op timing.

Each ``step()`` asks the schedule what the new step is (``NONE``, ``WARMUP``, ``RECORD``,
``RECORD_AND_SAVE``) and runs torch's actions for the change from the previous one: start
recording, stop it, hand the finished trace to ``on_trace_ready``. With a schedule, each step
is also labelled ``ProfilerStep#<n>`` (one ``ProfilerStep*`` row in the table), as torch's.
"""

from __future__ import annotations

import functools
import json
import uuid
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from microtensor.autograd import _profiler_recording as _recording
from microtensor.autograd import profiler as _autograd_profiler
from microtensor.autograd.profiler_util import EventList
from microtensor.profiler import (
    ProfilerAction,
    ProfilerActivity,
    _always_record,
    supported_activities,
)

_NONE, _WARMUP, _RECORD, _SAVE = (
    ProfilerAction.NONE,
    ProfilerAction.WARMUP,
    ProfilerAction.RECORD,
    ProfilerAction.RECORD_AND_SAVE,
)


class profile:  # noqa: N801 - torch's name
    """Profile the CPU work of a block, or of the steps a schedule picks.

    Args:
        activities: the activities to record (default: ``supported_activities()``, the CPU);
            ``ProfilerActivity.CUDA`` warns "CUDA is not available, disabling CUDA profiling"
            and is dropped, as on torch without a GPU.
        schedule: ``step -> ProfilerAction`` (see ``schedule()``); default: record every step.
        on_trace_ready: called with this profiler at the end of each ``RECORD_AND_SAVE`` step
            and when the block ends while recording.
        record_shapes: keep input shapes.
        profile_memory: keep the bytes of each op's outputs.
        with_stack: keep the caller's Python frames.
        with_flops: estimate FLOPs as torch does (a ``Total FLOPs`` column).
        with_modules: accepted; module scopes are not recorded.
        experimental_config: accepted; changes nothing.
        execution_trace_observer: accepted; changes nothing.
        acc_events: keep the events of every finished trace (``events()`` returns them all).
        custom_trace_id_callback: accepted; changes nothing.
        post_processing_timeout_s: accepted; changes nothing.
        use_cuda: deprecated (FutureWarning); True asks for CUDA (which warns, as above).

    Example:
        >>> import microtensor as mt
        >>> from microtensor.profiler import profile, schedule
        >>> seen = []
        >>> with profile(schedule=schedule(wait=1, warmup=1, active=1),
        ...              on_trace_ready=lambda p: seen.append(p.step_num)) as prof:
        ...     for _ in range(3):
        ...         _ = mt.ones(2) * 2
        ...         prof.step()
        >>> seen
        [3]
    """

    def __init__(
        self,
        *,
        activities: Iterable[Any] | None = None,
        schedule: Callable[[int], ProfilerAction] | None = None,
        on_trace_ready: Callable[..., Any] | None = None,
        record_shapes: bool = False,
        profile_memory: bool = False,
        with_stack: bool = False,
        with_flops: bool = False,
        with_modules: bool = False,
        experimental_config: Any = None,
        execution_trace_observer: Any = None,
        acc_events: bool = False,
        use_cuda: bool | None = None,
        custom_trace_id_callback: Callable[[], str] | None = None,
        post_processing_timeout_s: float | None = None,
    ) -> None:
        wanted = _activity_set(activities)
        if use_cuda is not None:
            warnings.warn(
                "`use_cuda` is deprecated, use `activities` argument instead",
                FutureWarning,
                stacklevel=2,
            )
            (wanted.add if use_cuda else wanted.discard)(ProfilerActivity.CUDA)
        if not wanted:
            raise AssertionError("No activities specified for the profiler")
        if wanted - supported_activities():
            if ProfilerActivity.CUDA in wanted:
                warnings.warn("CUDA is not available, disabling CUDA profiling", stacklevel=2)
            wanted &= supported_activities()
        self.activities = wanted
        self.record_steps = schedule is not None
        self.schedule = schedule if schedule is not None else _always_record
        self.on_trace_ready = on_trace_ready
        self.record_shapes, self.profile_memory = record_shapes, profile_memory
        self.with_stack, self.with_flops, self.with_modules = with_stack, with_flops, with_modules
        self.acc_events = acc_events
        self.step_num = 0
        self.current_action = self.schedule(self.step_num)
        self.profiler: _autograd_profiler.profile | None = None
        self._step_label: _autograd_profiler.record_function | None = None
        self._metadata: dict[str, Any] = {}
        self.custom_trace_id_callback = custom_trace_id_callback
        self._trace_id: str | None = None
        self._accumulated: list[Any] = []

    # --- the block and its steps -----------------------------------------------------------

    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Begin profiling (``__enter__`` calls it)."""
        self._transit(_NONE, self.current_action)
        self._label_step()

    def stop(self) -> None:
        """End profiling; a trace that was recording is finished (``__exit__`` calls it)."""
        self._end_step_label()
        self._transit(self.current_action, None)

    def step(self) -> None:
        """Signal that the next step starts: ask the schedule and act on the change."""
        self._end_step_label()
        previous = self.current_action
        action = self.schedule(self.step_num + 1)
        if action == ProfilerAction.DEVICE_STOPPED:
            raise ValueError(
                "ProfilerAction.DEVICE_STOPPED is set internally by the profiler and must not "
                "be returned by a user-provided schedule"
            )
        self.step_num += 1
        self.current_action = action
        self._transit(previous, action)
        self._label_step()

    def _label_step(self) -> None:
        if self.record_steps:
            self._step_label = _autograd_profiler.record_function(f"ProfilerStep#{self.step_num}")
            self._step_label.__enter__()

    def _end_step_label(self) -> None:
        if self._step_label is not None:
            self._step_label.__exit__(None, None, None)
            self._step_label = None

    def _transit(self, previous: ProfilerAction, current: ProfilerAction | None) -> None:
        for action in _ACTIONS.get((previous, current), ()):
            action(self)

    # --- the actions of torch's transition table -------------------------------------------

    def prepare_trace(self) -> None:
        """Make the profiler of the next trace (torch's action on entering WARMUP)."""
        if self.profiler is not None and self.acc_events and self.profiler._events is not None:
            self._accumulated.extend(self.profiler._events)
        self.profiler = _autograd_profiler.profile(
            record_shapes=self.record_shapes,
            profile_memory=self.profile_memory,
            with_stack=self.with_stack,
            with_flops=self.with_flops,
            with_modules=self.with_modules,
        )

    def start_trace(self) -> None:
        """Start recording the trace."""
        assert self.profiler is not None
        self.profiler.__enter__()

    def stop_trace(self) -> None:
        """Stop recording; the trace's events are kept for ``events()``."""
        if self.profiler is not None and self.profiler._recorder is not None:
            self.profiler.__exit__(None, None, None)

    def _trace_ready(self) -> None:
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    # --- results ---------------------------------------------------------------------------

    def events(self) -> EventList:
        """The calls of the last finished trace (all traces' with ``acc_events=True``)."""
        if self.profiler is None or self.profiler._events is None:
            raise AssertionError("Profiler must be initialized before getting events")
        events = self.profiler._events
        if self.acc_events and self._accumulated:
            events = EventList([*self._accumulated, *events], profile_memory=self.profile_memory)
        return events

    def key_averages(
        self,
        group_by_input_shape: bool = False,
        group_by_stack_n: int = 0,
        group_by_overload_name: bool = False,
    ) -> EventList:
        """The calls averaged by name (and shapes, frames): ``.table()`` prints torch's table."""
        return self.events().key_averages(
            group_by_input_shape, group_by_stack_n, group_by_overload_name
        )

    def export_chrome_trace(self, path: str, use_python_export: bool = False) -> None:
        """Write the last trace as Chrome trace JSON (``.gz``: gzip-compressed), with metadata."""
        from microtensor.autograd.profiler_util import write_chrome_trace

        metadata = {"trace_id": self.get_trace_id(), **self._metadata}
        write_chrome_trace(self.events(), path, metadata)

    def export_memory_timeline(self, path: str, device: str | None = None) -> None:
        """Raise: microtensor does not record allocations and frees over time.

        Raises:
            NotImplementedError: always; ``profile_memory=True`` gives each op's new bytes in
                ``key_averages()`` (the CPU Mem columns) instead.
        """
        raise NotImplementedError(
            "export_memory_timeline(): microtensor's profiler records the bytes each op's "
            "outputs take, not a timeline of allocations and frees; use "
            "profile(profile_memory=True) and key_averages().table(sort_by="
            '"self_cpu_memory_usage")'
        )

    def get_trace_id(self) -> str:
        """The trace's id (``custom_trace_id_callback()``'s, if one was given)."""
        if self._trace_id is None:
            callback = self.custom_trace_id_callback
            self._trace_id = callback() if callback is not None else uuid.uuid4().hex.upper()
        return self._trace_id

    def set_custom_trace_id_callback(self, callback: Callable[[], str]) -> None:
        """Use ``callback()`` for the ids of the next traces."""
        self.custom_trace_id_callback, self._trace_id = callback, None

    def toggle_collection_dynamic(self, enable: bool, activities: Iterable[Any]) -> None:
        """Pause (``enable=False``) or resume recording within the running trace."""
        recorder = self.profiler._recorder if self.profiler is not None else None
        if recorder is None or ProfilerActivity.CPU not in set(activities):
            return
        (_recording.start if enable else _recording.stop)(recorder)

    def export_stacks(self, path: str, metric: str = "self_cpu_time_total") -> None:
        """Write the frames of the calls (``with_stack=True``) for a flame graph."""
        self.events().export_stacks(path, metric)

    def add_metadata(self, key: str, value: str) -> None:
        """Keep a user metadata entry (torch writes it into the trace)."""
        self._metadata[key] = value

    def add_metadata_json(self, key: str, value: str) -> None:
        """Keep a metadata entry whose value is JSON text."""
        self._metadata[key] = json.loads(value)

    def preset_metadata_json(self, key: str, value: str) -> None:
        """Keep a JSON metadata entry before the profile starts (the trace gets it too)."""
        self.add_metadata_json(key, value)


def _activity_set(activities: Iterable[Any] | None) -> set[ProfilerActivity]:
    if activities is None:
        return supported_activities()
    wanted: set[ProfilerActivity] = set()
    for item in activities:
        wanted.update(item.keys() if isinstance(item, dict) else (item,))
    return wanted


def _warn(message: str) -> Callable[[profile], None]:
    return functools.partial(lambda p, m: warnings.warn(m, stacklevel=4), m=message)


_P, _S, _T, _R = (
    profile.prepare_trace,
    profile.start_trace,
    profile.stop_trace,
    profile._trace_ready,
)
# torch's table: (previous action, new action; None when the profile stops) -> what to do
_ACTIONS: dict[
    tuple[ProfilerAction, ProfilerAction | None], tuple[Callable[[profile], Any], ...]
] = {
    (_NONE, _WARMUP): (_P,),
    (_NONE, _RECORD): (_P, _S),
    (_NONE, _SAVE): (_P, _S),
    (_WARMUP, _NONE): (_warn("Incorrect schedule: WARMUP followed by NONE"), _S, _T),
    (_WARMUP, _RECORD): (_S,),
    (_WARMUP, _SAVE): (_S,),
    (_RECORD, _NONE): (_warn("Incorrect schedule: RECORD followed by NONE"), _T),
    (_RECORD, _WARMUP): (_warn("Incorrect schedule: RECORD followed by WARMUP"), _T),
    (_SAVE, _NONE): (_T, _R),
    (_SAVE, _WARMUP): (_T, _R, _P),
    (_SAVE, _RECORD): (_T, _R, _P, _S),
    (_SAVE, _SAVE): (_T, _R, _P, _S),
    (_WARMUP, None): (_S, _T),
    (_RECORD, None): (_T, _R),
    (_SAVE, None): (_T, _R),
}
