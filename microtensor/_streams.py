"""``torch.Stream`` and ``torch.Event`` on the CPU: an in-order queue that is always done.

On an accelerator a stream queues kernels and an event marks a point in it. microtensor
computes on the CPU, where torch's stream runs every op at once: ``query()`` is True,
``synchronize()`` returns at once, and recording an event raises torch's CPU error ("cpu
backend doesn't support events."). These classes give torch's CPU answers, so code that
creates streams for whatever device it runs on works unchanged.
"""

from __future__ import annotations

import builtins
from typing import Any

from microtensor._device import device as _Device

__all__ = ["Event", "Stream"]

_NO_EVENTS = "cpu backend doesn't support events."
_CPU_TYPE = 0  # torch's DeviceType::CPU


def _cpu(name: str, device: Any) -> _Device:
    where = _Device("cpu" if device is None else device)
    if where.type != "cpu":
        raise RuntimeError(
            f"{name}(): microtensor has no {where.type} device, only the CPU: create it "
            "with device='cpu' (or none)"
        )
    return _Device("cpu")


class Stream:
    """The CPU's stream: ops run in order and at once, so it is always complete.

    Args:
        device: ``"cpu"`` or None (a device or a string).
        priority: accepted, as torch's (its CPU stream ignores it).

    Raises:
        RuntimeError: for a device that is not the CPU.

    Example:
        >>> import microtensor as mt
        >>> with mt.Stream("cpu") as stream:
        ...     y = mt.ones(2) * 2
        >>> stream.query(), stream
        (True, microtensor.Stream device_type=cpu, device_index=-1, stream_id=0)
    """

    def __init__(self, device: Any = None, *, priority: builtins.int = 0) -> None:
        self.device = _cpu("Stream", device)

    device_type = _CPU_TYPE
    device_index = -1
    stream_id = 0

    def query(self) -> builtins.bool:
        """True: every op on the CPU stream has finished."""
        return True

    def synchronize(self) -> None:
        """Return at once: nothing is pending."""

    def is_capturing(self) -> builtins.bool:
        """False: no CUDA graph is being captured."""
        return False

    def wait_event(self, event: Event) -> None:
        """Return at once (the CPU stream never waits)."""
        if not isinstance(event, Event):
            raise TypeError(f"wait_event(): expected an Event, got {type(event).__name__}")

    def wait_stream(self, stream: Stream) -> None:
        """Raise torch's CPU error: waiting on a stream records an event.

        Raises:
            RuntimeError: always (the CPU backend has no events).
        """
        raise RuntimeError(_NO_EVENTS)

    def record_event(self, event: Event | None = None) -> Event:
        """Raise torch's CPU error.

        Raises:
            RuntimeError: always (the CPU backend has no events).
        """
        raise RuntimeError(_NO_EVENTS)

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __eq__(self, other: object) -> builtins.bool:
        return isinstance(other, Stream)

    def __hash__(self) -> builtins.int:
        return hash((self.device_type, self.device_index, self.stream_id))

    def __repr__(self) -> str:
        return "microtensor.Stream device_type=cpu, device_index=-1, stream_id=0"


class Event:
    """A point in a stream; on the CPU it is always reached, and cannot be recorded.

    Args:
        device: ``"cpu"`` or None.
        enable_timing: whether ``elapsed_time`` may be asked (it needs recorded events).
        blocking: accepted (a no-op in torch too).
        interprocess: accepted (a no-op in torch too).

    Raises:
        RuntimeError: for a device that is not the CPU.

    Example:
        >>> import microtensor as mt
        >>> event = mt.Event()
        >>> event.query(), event
        (True, microtensor.Event device_type=cpu, device_index=-1, event_flag=0, event_id=0)
    """

    def __init__(
        self,
        device: Any = None,
        *,
        enable_timing: builtins.bool = False,
        blocking: builtins.bool = False,
        interprocess: builtins.bool = False,
    ) -> None:
        self.device = _cpu("Event", device)
        self._timing = builtins.bool(enable_timing)

    event_id = 0

    def query(self) -> builtins.bool:
        """True: the CPU has reached every point."""
        return True

    def synchronize(self) -> None:
        """Return at once."""

    def wait(self, stream: Stream | None = None) -> None:
        """Return at once."""

    def record(self, stream: Stream | None = None) -> None:
        """Raise torch's CPU error.

        Raises:
            RuntimeError: always (the CPU backend has no events).
        """
        raise RuntimeError(_NO_EVENTS)

    def elapsed_time(self, end_event: Event) -> builtins.float:
        """Raise torch's errors: timing needs two timed events that were recorded.

        Raises:
            ValueError: always; an event is never recorded on the CPU.
        """
        if not (self._timing and end_event._timing):
            raise ValueError("Both events must be created with argument 'enable_timing=True'.")
        raise ValueError("Both events must be recorded before calculating elapsed time.")

    def __repr__(self) -> str:
        return (
            "microtensor.Event device_type=cpu, device_index=-1, "
            f"event_flag={builtins.int(self._timing)}, event_id=0"
        )
