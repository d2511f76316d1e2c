"""``Timer``: ``timeit.Timer`` with warmup, thread control and replicates, as PyTorch's."""

from __future__ import annotations

import enum
import textwrap
import timeit
from collections.abc import Callable
from typing import Any, NoReturn

from microtensor.utils.benchmark.common import Measurement, TaskSpec, set_torch_threads

__all__ = ["Timer", "timer", "Language"]


def timer() -> float:
    """The clock ``Timer`` reads: ``timeit.default_timer`` (there is no device to synchronize)."""
    return timeit.default_timer()


class Language(enum.Enum):
    """The language of a ``Timer``'s statement (only Python here)."""

    PYTHON = 0
    CPP = 1


class Timer:
    """Measure the run time of a statement, as ``torch.utils.benchmark.Timer``.

    Built on ``timeit.Timer``, with PyTorch's differences: it warms up before measuring, runs
    with ``num_threads`` threads (``microtensor.set_num_threads``), and returns a
    ``Measurement`` of many replicates (``blocked_autorange``, ``adaptive_autorange``) whose
    median is more robust than one total. ``label``, ``sub_label``, ``description`` and
    ``env`` name the measurement; ``Compare`` makes tables of them (rows: sub_label or stmt,
    columns: description, one table per label).

    Args:
        stmt: the code to time, run in a loop.
        setup: code run once before, to define what ``stmt`` uses.
        global_setup: PyTorch's C++-only setup: must be empty.
        timer: the clock, a function returning seconds.
        globals: the names ``stmt`` and ``setup`` see (copied). ``microtensor`` is added if
            absent, and ``torch`` too, as the same module, so that statements of a program
            ported from PyTorch run unchanged.
        label: what ``stmt`` does, in words ("ReLU(x + 1)").
        sub_label: what tells apart measurements of the same label ("float", "int").
        description: the column of the measurement in ``Compare`` ("n=4").
        env: an environment tag: tasks with different ones are never merged.
        num_threads: the thread count while ``stmt`` runs (1 by default, as PyTorch).
        language: ``Language.PYTHON`` or ``"py"`` / ``"python"``.

    Raises:
        ValueError: for a stmt that is not a string, a non-empty ``global_setup``, or an
            unknown language.
        NotImplementedError: for C++ statements (``language="cpp"``).

    Differs from PyTorch: no C++ statements and no ``collect_callgrind``.

    Example:
        >>> import microtensor as mt
        >>> from microtensor.utils.benchmark import Timer
        >>> t = Timer("x + y", globals={"x": mt.ones(3), "y": mt.ones(3)}, label="add")
        >>> m = t.timeit(100)
        >>> m.number_per_run, len(m.times), m.median > 0
        (100, 1, True)
    """

    def __init__(
        self,
        stmt: str = "pass",
        setup: str = "pass",
        global_setup: str = "",
        timer: Callable[[], float] = timer,
        globals: dict[str, Any] | None = None,
        label: str | None = None,
        sub_label: str | None = None,
        description: str | None = None,
        env: str | None = None,
        num_threads: int = 1,
        language: Language | str = Language.PYTHON,
    ) -> None:
        if not isinstance(stmt, str):
            raise ValueError("Currently only a `str` stmt is supported.")
        if language in (Language.CPP, "cpp", "c++"):
            raise NotImplementedError(
                "Timer: C++ statements need PyTorch's C++ toolchain; microtensor times Python "
                "statements only (language='python')"
            )
        if language not in (Language.PYTHON, "py", "python"):
            raise ValueError(f"Invalid language `{language}`.")
        if global_setup:
            raise ValueError(
                f"global_setup is C++ only, got `{global_setup}`. Most "
                "likely this code can simply be moved to `setup`."
            )
        import microtensor

        # a copy, so that the names timeit adds (__builtins__) do not leak into the caller's
        self._globals = dict(globals or {})
        self._globals.setdefault("microtensor", microtensor)
        self._globals.setdefault("torch", microtensor)
        stmt, setup = _strip(stmt), _strip(setup)
        self._timer = timeit.Timer(stmt=stmt, setup=setup, timer=timer, globals=self._globals)
        self._task_spec = TaskSpec(
            stmt=stmt,
            setup=setup,
            global_setup=global_setup,
            label=label,
            sub_label=sub_label,
            description=description,
            env=env,
            num_threads=num_threads,
        )

    def _timeit(self, number: int) -> float:
        # no statement takes less than a nanosecond; this also keeps divisions finite
        return max(self._timer.timeit(number), 1e-9)

    def timeit(self, number: int = 1000000) -> Measurement:
        """Run ``stmt`` ``number`` times (after a warmup of number // 100, at least 2).

        Returns:
            A Measurement of one block of ``number`` runs.
        """
        with set_torch_threads(self._task_spec.num_threads):
            self._timeit(number=max(int(number // 100), 2))
            return Measurement(number, [self._timeit(number=number)], self._task_spec)

    def repeat(self, repeat: int = -1, number: int = -1) -> None:
        """Not provided, as in PyTorch: use ``blocked_autorange``.

        Raises:
            NotImplementedError: always.
        """
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def autorange(self, callback: Callable[[int, float], NoReturn] | None = None) -> None:
        """Not provided, as in PyTorch: use ``blocked_autorange``.

        Raises:
            NotImplementedError: always.
        """
        raise NotImplementedError("See `Timer.blocked_autorange.`")

    def _estimate_block_size(self, min_run_time: float) -> int:
        """The smallest power of 10 of runs whose block dwarfs the timer's own cost.

        Stops when the overhead is under 1e-4 of a block lasting min_run_time / 1000 or more,
        or when one block alone exceeds min_run_time. It also warms the statement up.
        """
        with set_torch_threads(self._task_spec.num_threads):
            overheads = sorted(self._timeit(0) for _ in range(5))
            overhead = overheads[2]
            number = 1
            while True:
                time_taken = self._timeit(number)
                if overhead / time_taken <= 1e-4 and time_taken >= min_run_time / 1000:
                    break
                if time_taken > min_run_time or number * 10 > 2147483647:
                    break
                number *= 10
        return number

    def _measurement_loop(
        self,
        number: int,
        stop: Callable[[list[float]], bool],
        min_run_time: float,
        max_run_time: float | None = None,
        callback: Callable[[int, float], Any] | None = None,
    ) -> list[float]:
        """Time blocks of ``number`` runs until min_run_time is spent and ``stop`` agrees."""
        total_time, can_stop = 0.0, False
        times: list[float] = []
        with set_torch_threads(self._task_spec.num_threads):
            while total_time < min_run_time or not can_stop:
                time_spent = self._timeit(number)
                times.append(time_spent)
                total_time += time_spent
                if callback:
                    callback(number, time_spent)
                can_stop = stop(times)
                if max_run_time and total_time > max_run_time:
                    break
        return times

    def blocked_autorange(
        self,
        callback: Callable[[int, float], NoReturn] | None = None,
        min_run_time: float = 0.2,
    ) -> Measurement:
        """Time blocks of runs until ``min_run_time`` seconds are spent.

        The block size is the smallest power of 10 whose timer overhead is under 0.01% of
        a block (see ``_estimate_block_size``), so many replicates keep the statistics good
        while the overhead stays negligible.

        Args:
            callback: called as ``callback(number, seconds)`` after each block.
            min_run_time: seconds to spend measuring, at least.

        Returns:
            A Measurement with one raw time per block.
        """
        number = self._estimate_block_size(min_run_time)
        times = self._measurement_loop(number, lambda times: True, min_run_time, None, callback)
        return Measurement(number, times, self._task_spec)

    def adaptive_autorange(
        self,
        threshold: float = 0.1,
        *,
        min_run_time: float = 0.01,
        max_run_time: float = 10.0,
        callback: Callable[[int, float], NoReturn] | None = None,
    ) -> Measurement:
        """Like ``blocked_autorange``, but runs until the spread is small.

        It stops once more than 3 blocks are timed, ``min_run_time`` is spent and IQR /
        median < ``threshold``, or when ``max_run_time`` is spent in any case.

        Args:
            threshold: the IQR / median that is small enough.
            min_run_time: seconds to spend before checking the threshold.
            max_run_time: seconds after which it stops regardless.
            callback: called as ``callback(number, seconds)`` after each block.

        Returns:
            A Measurement with one raw time per block.
        """
        number = self._estimate_block_size(min_run_time=0.05)

        def stop(times: list[float]) -> bool:
            if len(times) <= 3:
                return False
            return Measurement(number, times, self._task_spec).meets_confidence(threshold)

        times = self._measurement_loop(number, stop, min_run_time, max_run_time, callback)
        return Measurement(number, times, self._task_spec)


def _strip(code: str) -> str:
    """Dedent a block string and drop its first newline and trailing space (as PyTorch)."""
    code = textwrap.dedent(code)
    return (code[1:] if code and code[0] == "\n" else code).rstrip()
