"""``TaskSpec`` and ``Measurement``: what a ``Timer`` measured, and how it is summarized."""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import math
import textwrap
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

__all__ = [
    "TaskSpec",
    "Measurement",
    "select_unit",
    "unit_to_english",
    "trim_sigfig",
    "ordered_unique",
    "set_torch_threads",
]

_MAX_SIGNIFICANT_FIGURES = 4
_MIN_CONFIDENCE_INTERVAL = 25e-9  # seconds: no estimate is trusted below timer resolution
# the spread (IQR / median) past which a Measurement warns, as PyTorch
_IQR_WARN_THRESHOLD = 0.1
_IQR_GROSS_WARN_THRESHOLD = 0.25


@dataclasses.dataclass(init=True, repr=False, eq=True, frozen=True)
class TaskSpec:
    """What a ``Timer`` runs and how its results are labelled (everything but the globals).

    Attributes:
        stmt: the timed code.
        setup: the code run once before it.
        global_setup: PyTorch's C++-only setup (always empty here).
        label, sub_label, description: names that ``Compare`` groups by (see ``Timer``).
        env: the environment tag: otherwise identical tasks in different environments.
        num_threads: the thread count the statement ran with.
    """

    stmt: str
    setup: str
    global_setup: str = ""
    label: str | None = None
    sub_label: str | None = None
    description: str | None = None
    env: str | None = None
    num_threads: int = 1

    @property
    def title(self) -> str:
        """The label (or the one-line stmt), with the sub_label after a colon."""
        if self.label is not None:
            return self.label + (f": {self.sub_label}" if self.sub_label else "")
        if "\n" not in self.stmt:
            return self.stmt + (f": {self.sub_label}" if self.sub_label else "")
        sub_label = f" ({self.sub_label})" if self.sub_label else ""
        return f"stmt:{sub_label}\n{textwrap.indent(self.stmt, '  ')}"

    def setup_str(self) -> str:
        """The setup as ``Measurement``'s repr shows it ("" for none)."""
        if self.setup == "pass" or not self.setup:
            return ""
        if "\n" in self.setup:
            return f"setup:\n{textwrap.indent(self.setup, '  ')}"
        return f"setup: {self.setup}"

    def summarize(self) -> str:
        """The task's lines of a ``Measurement`` repr: title, description, setup."""
        sections = [self.title, self.description or "", self.setup_str()]
        return "\n".join(f"{s}\n" if "\n" in s else s for s in sections if s)


@dataclasses.dataclass(init=True, repr=False)
class Measurement:
    """The result of a ``Timer`` measurement, as ``torch.utils.benchmark.Measurement``.

    ``raw_times[i]`` is the time (seconds) of one block of ``number_per_run`` runs of the
    statement; the statistics are per run (``times``). The task's fields (``stmt``,
    ``label``, ``num_threads`` ...) are readable on the measurement itself.

    Args:
        number_per_run: how many times the statement ran in each timed block.
        raw_times: the seconds each block took.
        task_spec: what was run (``TaskSpec``).
        metadata: a free slot for the user's own data.

    Example:
        >>> from microtensor.utils.benchmark import Measurement, TaskSpec
        >>> m = Measurement(100, [2e-4, 3e-4, 2.5e-4, 4e-4], TaskSpec("x + y", "pass"))
        >>> m.median, m.number_per_run, len(m.times)
        (2.75e-06, 100, 4)
    """

    number_per_run: int
    raw_times: list[float]
    task_spec: TaskSpec
    metadata: dict[Any, Any] | None = None

    def __post_init__(self) -> None:
        self._sorted_times: tuple[float, ...] = ()
        self._warnings: tuple[str, ...] = ()
        self._median = self._mean = self._p25 = self._p75 = -1.0

    @property
    def stmt(self) -> str:
        """The task's statement."""
        return self.task_spec.stmt

    @property
    def setup(self) -> str:
        """The task's setup code."""
        return self.task_spec.setup

    @property
    def global_setup(self) -> str:
        """PyTorch's C++-only setup (empty)."""
        return self.task_spec.global_setup

    @property
    def label(self) -> str | None:
        """The task's label."""
        return self.task_spec.label

    @property
    def sub_label(self) -> str | None:
        """The task's sub_label."""
        return self.task_spec.sub_label

    @property
    def description(self) -> str | None:
        """The task's description (a column of ``Compare``)."""
        return self.task_spec.description

    @property
    def env(self) -> str | None:
        """The task's environment tag."""
        return self.task_spec.env

    @property
    def num_threads(self) -> int:
        """The thread count the statement ran with."""
        return self.task_spec.num_threads

    @property
    def title(self) -> str:
        """The task's title (see ``TaskSpec.title``)."""
        return self.task_spec.title

    @property
    def as_row_name(self) -> str:
        """The name of this measurement's row in ``Compare``."""
        return self.sub_label or self.stmt or "[Unknown]"

    @property
    def times(self) -> list[float]:
        """Seconds per run of the statement, one value per timed block."""
        return [t / self.number_per_run for t in self.raw_times]

    @property
    def median(self) -> float:
        """The median of ``times``."""
        self._lazy_init()
        return self._median

    @property
    def mean(self) -> float:
        """The mean of ``times``."""
        self._lazy_init()
        return self._mean

    @property
    def iqr(self) -> float:
        """The interquartile range of ``times`` (75th minus 25th percentile)."""
        self._lazy_init()
        return self._p75 - self._p25

    @property
    def significant_figures(self) -> int:
        """A rough count (1 to 4) of the median's trustworthy figures, from the inner half.

        The confidence interval is 1.645 * std / sqrt(n) of the interquartile times (at least
        25 ns); the figures are floor(log10(median / interval)). ``Compare`` uses it to trim.
        """
        self._lazy_init()
        n_total = len(self._sorted_times)
        inner = self._sorted_times[n_total // 4 : math.ceil(3 * n_total / 4)]
        std = float(np.std(inner))
        interval = max(1.645 * std / math.sqrt(len(inner)), _MIN_CONFIDENCE_INTERVAL)
        figures = math.floor(math.log10(self._median / interval))
        return min(max(figures, 1), _MAX_SIGNIFICANT_FIGURES)

    @property
    def has_warnings(self) -> bool:
        """Whether the spread of the times is suspicious (IQR over 10% of the median)."""
        self._lazy_init()
        return bool(self._warnings)

    def meets_confidence(self, threshold: float = _IQR_WARN_THRESHOLD) -> bool:
        """Whether IQR / median is below ``threshold``."""
        return self.iqr / self.median < threshold

    def _lazy_init(self) -> None:
        if not self.raw_times or self._sorted_times:
            return
        self._sorted_times = tuple(sorted(self.times))
        times = np.array(self._sorted_times, dtype=np.float64)
        self._median = float(np.quantile(times, 0.5))
        self._mean = float(times.mean())
        self._p25, self._p75 = float(np.quantile(times, 0.25)), float(np.quantile(times, 0.75))
        if not self.meets_confidence(_IQR_GROSS_WARN_THRESHOLD):
            self._add_warning("This suggests significant environmental influence.")
        elif not self.meets_confidence(_IQR_WARN_THRESHOLD):
            self._add_warning("This could indicate system fluctuation.")

    def _add_warning(self, message: str) -> None:
        relative_iqr = self.iqr / self.median * 100
        self._warnings += (
            f"  WARNING: Interquartile range is {relative_iqr:.1f}% "
            f"of the median measurement.\n           {message}",
        )

    def __repr__(self) -> str:
        self._lazy_init()
        n = len(self._sorted_times)
        unit, scale = select_unit(self._median)
        lines = [object.__repr__(self), self.task_spec.summarize()]
        lines.append(f"  {'Median: ' if n > 1 else ''}{self._median / scale:.2f} {unit}")
        if n >= 4:
            lines.append(
                f"  IQR:    {self.iqr / scale:.2f} {unit} "
                f"({self._p25 / scale:.2f} to {self._p75 / scale:.2f})"
            )
        per = "per measurement," if n > 1 else ","  # PyTorch's spacing: "runs , 1 thread"
        threads = f"{self.num_threads} thread{'s' if self.num_threads > 1 else ''}"
        lines.append(
            f"  {n} measurement{'s' if n > 1 else ''}, {self.number_per_run} runs {per} {threads}"
        )
        lines.append("\n".join(self._warnings))
        return "\n".join(lines).strip()

    @staticmethod
    def merge(measurements: Iterable[Measurement]) -> list[Measurement]:
        """Merge replicates (same ``task_spec``) into one measurement each.

        The times are brought to ``number_per_run=1``; metadata is dropped.

        Returns:
            One Measurement per distinct task, in order of first appearance.
        """
        grouped: dict[TaskSpec, list[float]] = collections.defaultdict(list)
        for m in measurements:
            grouped[m.task_spec].extend(m.times)
        return [Measurement(1, times, task_spec) for task_spec, times in grouped.items()]


def select_unit(t: float) -> tuple[str, float]:
    """The unit that gives ``t`` seconds one to three leading digits, and its scale.

    Example:
        >>> from microtensor.utils.benchmark import select_unit
        >>> select_unit(2.5e-5)
        ('us', 1e-06)
    """
    unit = {-3: "ns", -2: "us", -1: "ms"}.get(int(math.log10(t) // 3), "s")
    return unit, {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1}[unit]


def unit_to_english(u: str) -> str:
    """``"us"`` -> ``"microsecond"`` (and ns, ms, s)."""
    return {"ns": "nanosecond", "us": "microsecond", "ms": "millisecond", "s": "second"}[u]


def trim_sigfig(x: float, n: int) -> float:
    """``x`` rounded to ``n`` significant figures (3.14159, 2 -> 3.1).

    Raises:
        AssertionError: if ``n`` is not an integer, as PyTorch.
    """
    if n != int(n):
        raise AssertionError("Number of significant figures must be an integer")
    magnitude = math.ceil(math.log10(abs(x)))
    scale = 10 ** (magnitude - n)
    return float(round(x / scale) * scale)


def ordered_unique(elements: Iterable[Any]) -> list[Any]:
    """The distinct elements, in order of first appearance."""
    return list(dict.fromkeys(elements))


@contextlib.contextmanager
def set_torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``microtensor.set_num_threads(n)``, then restore the count."""
    from microtensor._parallelism import get_num_threads, set_num_threads

    prior = get_num_threads()
    try:
        set_num_threads(n)
        yield
    finally:
        set_num_threads(prior)
