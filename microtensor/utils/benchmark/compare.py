"""``Compare``: tables of Measurements, one per label, in PyTorch's layout."""

from __future__ import annotations

import collections
import enum
import math
from collections.abc import Iterable

from microtensor.utils.benchmark.common import (
    Measurement,
    ordered_unique,
    select_unit,
    trim_sigfig,
    unit_to_english,
)

__all__ = ["Colorize", "Compare"]

# ANSI colours, as PyTorch's
BEST, GOOD, BOLD, TERMINATE = "\033[92m", "\033[34m", "\033[1m", "\033[0m"
BAD, VERY_BAD = "\033[2m\033[91m", "\033[31m"


class Colorize(enum.Enum):
    """How ``Compare`` colours the medians: not, against the column's best, or the row's."""

    NONE = "none"
    COLUMNWISE = "columnwise"
    ROWWISE = "rowwise"


class Compare:
    """Print many Measurements as tables, as ``torch.utils.benchmark.Compare``.

    Replicates (same task) are merged first. Each label gets a table: one row per sub_label
    (or stmt), grouped by ``num_threads`` (and ``env`` when they differ), one column per
    description, each cell the median in the table's unit. ``print(compare)`` or
    ``str(compare)`` gives them.

    Args:
        results: the Measurements.

    Raises:
        ValueError: if a result is not a Measurement.

    Differs from PyTorch: measurements without a description get a column with an empty
    heading (PyTorch's Compare fails on them with a TypeError).

    Example:
        >>> from microtensor.utils.benchmark import Compare, Measurement, TaskSpec
        >>> spec = TaskSpec("x + y", "pass", label="add", sub_label="float", description="n=4")
        >>> print(Compare([Measurement(100, [2e-4, 2.2e-4, 2.1e-4], spec)]))
        [------ add ------]
                     |  n=4
        1 threads: --------
              float  |  2.1
        <BLANKLINE>
        Times are in microseconds (us).
        <BLANKLINE>
    """

    def __init__(self, results: list[Measurement]) -> None:
        self._results: list[Measurement] = []
        self.extend_results(results)
        self._trim_significant_figures = False
        self._colorize = Colorize.NONE
        self._highlight_warnings = False

    def __str__(self) -> str:
        merged = Measurement.merge(self._results)
        by_label: dict[str | None, list[Measurement]] = collections.defaultdict(list)
        for m in merged:
            by_label[m.label].append(m)
        return "\n".join(self._table(group) for group in by_label.values())

    def extend_results(self, results: Iterable[Measurement]) -> None:
        """Add results to those already stored (all Measurements)."""
        results = list(results)
        for r in results:
            if not isinstance(r, Measurement):
                raise ValueError(f"Expected an instance of `Measurement`, got {type(r)} instead.")
        self._results.extend(results)

    def trim_significant_figures(self) -> None:
        """Show each median only to its estimated significant figures."""
        self._trim_significant_figures = True

    def colorize(self, rowwise: bool = False) -> None:
        """Colour the medians against the column's best (or the row's, with ``rowwise``)."""
        self._colorize = Colorize.ROWWISE if rowwise else Colorize.COLUMNWISE

    def highlight_warnings(self) -> None:
        """Mark the medians of measurements with a large spread ``(! XX%)``."""
        self._highlight_warnings = True

    def print(self) -> None:
        """Print the tables."""
        print(str(self))

    def _table(self, results: list[Measurement]) -> str:
        unit, scale = select_unit(min(r.median for r in results))
        row_keys = ordered_unique((r.num_threads, r.env, r.as_row_name) for r in results)
        row_keys.sort(key=lambda key: (key[0], key[1] or ""))  # stable: stmt order stays
        col_keys = ordered_unique(r.description for r in results)
        cells: list[list[Measurement | None]] = [[None] * len(col_keys) for _ in row_keys]
        for r in results:
            position = row_keys.index((r.num_threads, r.env, r.as_row_name))
            cells[position][col_keys.index(r.description)] = r
        columns = [
            _Column(c, scale, self._trim_significant_figures, self._highlight_warnings)
            for c in zip(*cells, strict=True)
        ]
        text_rows = _row_strings(row_keys, cells, columns, col_keys)
        widths = [max(len(s) for s in column) for column in zip(*text_rows, strict=True)]
        header = "  |  ".join(s.center(w) for s, w in zip(text_rows[0], widths, strict=True))
        lines, prior_threads = [header], None
        for i, ((threads, _, _), strings) in enumerate(zip(row_keys, text_rows[1:], strict=True)):
            if threads != prior_threads:
                lines.append(f"{threads} threads: ".ljust(len(header), "-"))
                prior_threads = threads
            best = self._best_medians(cells, row_keys, i)
            parts = [strings[0].ljust(widths[0])]
            for j, (text, width) in enumerate(zip(strings[1:], widths[1:], strict=True)):
                m, best_median = cells[i][j], best[j]
                text = text.center(width)
                if self._colorize != Colorize.NONE and m is not None and best_median is not None:
                    text = _colour(text, m.median, best_median)
                parts.append(text)
            lines.append("  |  ".join(parts))
        title = f" {results[0].label or ''} ".center(len(header) - 2, "-")
        highlight = self._highlight_warnings and any(r.has_warnings for r in results)
        note = "(! XX%) Measurement has high variance, where XX is the IQR / median * 100.\n"
        return (
            f"[{title}]\n" + "\n".join(lines) + f"\n\nTimes are in {unit_to_english(unit)}s "
            f"({unit}).\n" + (note if highlight else "")
        )

    def _best_medians(
        self, cells: list[list[Measurement | None]], row_keys: list[tuple], i: int
    ) -> list[float | None]:
        """The median each cell of row i is coloured against (None: not coloured)."""
        if self._colorize == Colorize.ROWWISE:
            row_min = min(m.median for m in cells[i] if m is not None)
            return [row_min] * len(cells[i])
        if self._colorize == Colorize.COLUMNWISE:  # the best of the column's thread group
            group = [
                row for row, key in zip(cells, row_keys, strict=True) if key[0] == row_keys[i][0]
            ]
            medians = [
                [m.median for m in column if m is not None] for column in zip(*group, strict=True)
            ]
            return [min(column) if column else None for column in medians]
        return [None] * len(cells[i])


class _Column:
    """The number format of one column: as many integer digits as its largest median."""

    def __init__(
        self,
        results: tuple[Measurement | None, ...],
        scale: float,
        trim_significant_figures: bool,
        highlight_warnings: bool,
    ) -> None:
        present = [m for m in results if m is not None]
        self._scale, self._trim = scale, trim_significant_figures
        self._highlight = highlight_warnings and any(m.has_warnings for m in present)
        digits = [math.ceil(math.log10(m.median / scale)) for m in present]
        decimals = 1
        if trim_significant_figures:
            figures = [m.significant_figures for m in present]
            decimals = min(max(f - d, 0) for f, d in zip(figures, digits, strict=True))
        length = max(digits) + decimals + (1 if decimals else 0)
        self._template = f"{{:>{length}.{decimals}f}}{{:>{7 if self._highlight else 0}}}"

    def cell(self, m: Measurement | None) -> str:
        """The text of m's median (blanks of the same width for no measurement)."""
        if m is None:
            return " " * len(self._template.format(1.0, ""))
        value = m.median / self._scale
        if self._trim:
            value = trim_sigfig(value, m.significant_figures)
        spread = f" (! {m.iqr / m.median * 100:.0f}%)" if self._highlight and m.has_warnings else ""
        return self._template.format(value, spread)


def _row_strings(
    row_keys: list[tuple[int, str | None, str]],
    cells: list[list[Measurement | None]],
    columns: list[_Column],
    col_keys: list[str | None],
) -> list[list[str]]:
    """The table's text before padding: the heading row, then a name and cells per row."""
    envs = {key[1] for key in row_keys}
    env_width = max(len(str(e)) for e in envs) if len(envs) > 1 else 0
    text_rows = [["", *(key or "" for key in col_keys)]]
    prior: tuple[int | None, str | None] = (None, "")
    for (threads, env, name), row in zip(row_keys, cells, strict=True):
        # the env is shown on the first row of each env within a thread group, as PyTorch
        shown = f"({env})" if len(envs) > 1 and (threads, env) != prior else ""
        prior = (threads, env)
        strings = ["  " + shown.ljust(env_width + 4) + name]
        strings += [column.cell(m) for m, column in zip(row, columns, strict=True)]
        text_rows.append(strings)
    return text_rows


def _colour(text: str, value: float, best: float) -> str:
    """PyTorch's colours: green within 1% of the best, blue within 10%, red from 2x and 5x."""
    if value <= best * 1.01 or value <= best + 100e-9:
        return BEST + BOLD + text + TERMINATE * 2
    if value <= best * 1.1:
        return GOOD + BOLD + text + TERMINATE * 2
    if value >= best * 5:
        return VERY_BAD + BOLD + text + TERMINATE * 2
    if value >= best * 2:
        return BAD + text + TERMINATE * 2
    return text
