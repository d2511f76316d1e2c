"""``microtensor.profiler``: ``torch.profiler``'s API over microtensor's op timing.

``profile(activities=[ProfilerActivity.CPU], schedule=..., on_trace_ready=...)`` records the
same events as ``microtensor.autograd.profiler.profile`` (every op, backward node and
``record_function`` block), with torch's step schedule: ``schedule(wait=, warmup=, active=)``
says, step by step, whether to record, and ``on_trace_ready`` gets the profiler at the end of
each active span (``tensorboard_trace_handler(dir)`` writes its trace into ``dir``). Only the
CPU can be profiled: asking for CUDA warns, as torch does on a machine without a GPU.

Example:
    >>> import microtensor as mt
    >>> from microtensor.profiler import ProfilerActivity, profile
    >>> with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
    ...     y = mt.ones(2, 3) @ mt.ones(3, 4)
    >>> row = prof.key_averages(group_by_input_shape=True)[0]
    >>> row.key, row.count, row.input_shapes
    ('aten::mm', 1, [[2, 3], [3, 4]])
"""

from __future__ import annotations

import enum
import os
import socket
import time
import warnings
from collections.abc import Callable
from typing import Any

from microtensor.autograd.profiler import record_function

__all__ = [
    "ProfilerAction",
    "ProfilerActivity",
    "kineto_available",
    "profile",
    "record_function",
    "schedule",
    "supported_activities",
    "tensorboard_trace_handler",
]


class ProfilerActivity(enum.Enum):
    """What a profile records: only ``CPU`` is available in microtensor."""

    CPU = 0
    XPU = 1
    CUDA = 2
    HPU = 3
    MTIA = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    """What the profiler does during a step, as a ``schedule`` returns it."""

    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3
    DEVICE_STOPPED = 4


def supported_activities() -> set[ProfilerActivity]:
    """The activities that can be profiled here: ``{ProfilerActivity.CPU}``."""
    return {ProfilerActivity.CPU}


def kineto_available() -> bool:
    """Return False: microtensor times ops itself, without PyTorch's Kineto library."""
    return False


def schedule(
    *,
    wait: int,
    warmup: int,
    active: int,
    repeat: int = 0,
    skip_first: int = 0,
    skip_first_wait: int = 0,
) -> Callable[[int], ProfilerAction]:
    """A step schedule: skip ``skip_first`` steps, then cycles of wait, warmup, active steps.

    ``repeat`` cycles (0: until the profile ends); the last active step of a cycle is
    ``RECORD_AND_SAVE`` (``on_trace_ready`` runs after it). ``skip_first_wait`` skips the first
    cycle's wait.

    Raises:
        AssertionError: for a negative count or ``active`` < 1 (torch's error).

    Example:
        >>> from microtensor.profiler import schedule
        >>> steps = schedule(wait=1, warmup=1, active=2, repeat=1)
        >>> [steps(i).name for i in range(5)]
        ['NONE', 'WARMUP', 'RECORD', 'RECORD_AND_SAVE', 'NONE']
    """
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} "
            f"(need >= 0), active={active} (need > 0), repeat={repeat} (need >= 0), "
            f"skip_first={skip_first} (need >= 0)."
        )
    if warmup == 0:
        warnings.warn(
            "Profiler won't be using warmup, this can skew profiler results", stacklevel=2
        )
    cycle = wait + warmup + active

    def schedule_fn(step: int) -> ProfilerAction:
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        if skip_first_wait != 0:
            step += wait
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        position = step % cycle
        if position < wait:
            return ProfilerAction.NONE
        if position < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if position < cycle - 1 else ProfilerAction.RECORD_AND_SAVE

    return schedule_fn


def _always_record(step: int) -> ProfilerAction:
    return ProfilerAction.RECORD


def tensorboard_trace_handler(
    dir_name: str,
    worker_name: str | None = None,
    use_gzip: bool = False,
    use_python_export: bool = False,
) -> Callable[[Any], None]:
    """An ``on_trace_ready`` that writes ``<worker>.<ns>.pt.trace.json`` into ``dir_name``.

    ``worker_name`` defaults to ``<hostname>_<pid>``; ``use_gzip`` adds ``.gz``.

    Raises:
        RuntimeError: if ``dir_name`` cannot be created (when the handler runs).
    """

    def handler_fn(prof: Any) -> None:
        nonlocal worker_name
        try:
            os.makedirs(dir_name, exist_ok=True)
        except OSError as err:
            raise RuntimeError("Can't create directory: " + dir_name) from err
        if not worker_name:
            worker_name = f"{socket.gethostname()}_{os.getpid()}"
        file_name = f"{worker_name}.{time.time_ns()}.pt.trace.json" + (".gz" if use_gzip else "")
        prof.export_chrome_trace(os.path.join(dir_name, file_name))

    return handler_fn


from microtensor.profiler._profile import profile  # noqa: E402 - it uses the names above
