"""``torch.multiprocessing``: the standard library's ``multiprocessing``, plus ``spawn``.

Every name of ``multiprocessing`` (``Process``, ``Queue``, ``Pool``, ``get_context``,
``set_start_method``, ``get_start_method``...) is re-exported, as torch does. microtensor's
tensors are NumPy arrays: they cross processes by pickling (a copy), so torch's shared-memory
reductions and sharing strategies have no counterpart here and are not defined.

Example:
    >>> import microtensor as mt
    >>> mt.multiprocessing.get_start_method() in mt.multiprocessing.get_all_start_methods()
    True
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from multiprocessing import *  # noqa: F403 - torch.multiprocessing re-exports the stdlib
from typing import Any

__all__ = [
    *multiprocessing.__all__,
    "ProcessContext",
    "ProcessException",
    "ProcessExitedException",
    "ProcessRaisedException",
    "spawn",
    "start_processes",
]


class ProcessException(Exception):
    """A process started by ``spawn`` failed; ``error_index`` is its index, ``pid`` its id."""

    def __init__(self, msg: str, error_index: int, pid: int | None) -> None:
        super().__init__(msg)
        self.msg, self.error_index, self.pid = msg, error_index, pid


class ProcessRaisedException(ProcessException):
    """A spawned process raised: the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A spawned process exited with a non-zero code (``exit_code``) without raising."""

    def __init__(self, msg: str, error_index: int, pid: int | None, exit_code: int) -> None:
        super().__init__(msg, error_index, pid)
        self.exit_code = exit_code


def _run(fn: Callable[..., Any], index: int, args: tuple[Any, ...], errors: Any) -> None:
    try:
        fn(index, *args)
    except KeyboardInterrupt:
        pass
    except Exception:
        errors.put(traceback.format_exc())
        raise SystemExit(1) from None


class ProcessContext:
    """The processes of one ``spawn(..., join=False)``; ``join()`` waits for them."""

    def __init__(self, processes: list[Any], error_queues: list[Any]) -> None:
        self.processes, self.error_queues = processes, error_queues

    def pids(self) -> list[int | None]:
        """The process ids, in index order."""
        return [process.pid for process in self.processes]

    def join(self, timeout: float | None = None) -> bool:
        """Wait for every process; True when all have finished.

        Raises:
            ProcessRaisedException: when a process raised (its traceback is the message).
            ProcessExitedException: when a process exited with a non-zero code.
        """
        for process in self.processes:
            process.join(timeout)
        pairs = zip(self.processes, self.error_queues, strict=True)
        for index, (process, errors) in enumerate(pairs):
            if process.exitcode in (None, 0):
                continue
            for other in self.processes:
                if other.is_alive():
                    other.terminate()
            if not errors.empty():
                message = f"\n\n-- Process {index} terminated with the following error:\n"
                raise ProcessRaisedException(message + errors.get(), index, process.pid)
            raise ProcessExitedException(
                f"process {index} terminated with exit code {process.exitcode}",
                index,
                process.pid,
                process.exitcode,
            )
        return all(process.exitcode is not None for process in self.processes)


def start_processes(
    fn: Callable[..., Any],
    args: tuple[Any, ...] = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> ProcessContext | None:
    """Run ``fn(i, *args)`` in ``nprocs`` processes, ``i = 0 .. nprocs - 1``.

    With ``join`` (the default) wait for them all and return None; else return the
    ``ProcessContext``.

    Raises:
        ProcessRaisedException: when a process raised.
        ProcessExitedException: when a process exited with a non-zero code.
    """
    context = multiprocessing.get_context(start_method)
    processes, error_queues = [], []
    for index in range(nprocs):
        errors = context.SimpleQueue()
        process = context.Process(  # type: ignore[attr-defined]
            target=_run, args=(fn, index, args, errors), daemon=daemon
        )
        process.start()
        processes.append(process)
        error_queues.append(errors)
    started = ProcessContext(processes, error_queues)
    if not join:
        return started
    started.join()
    return None


def spawn(
    fn: Callable[..., Any],
    args: tuple[Any, ...] = (),
    nprocs: int = 1,
    join: bool = True,
    daemon: bool = False,
    start_method: str = "spawn",
) -> ProcessContext | None:
    """torch.multiprocessing.spawn: ``start_processes`` (the ``spawn`` start method by default).

    Example:
        >>> import microtensor as mt
        >>> mt.multiprocessing.spawn(abs, (), nprocs=2, start_method="fork")
    """
    return start_processes(fn, args, nprocs, join, daemon, start_method)
