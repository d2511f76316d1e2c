"""utils.benchmark against torch.utils.benchmark: Timer, Measurement and Compare.

Timings are checked for plausibility (a statement of known cost); the statistics, reprs and
tables are compared with torch's on the same raw times, where they must be identical.
"""

import re
import time

import pytest
import torch.utils.benchmark as torch_benchmark

import microtensor as mt
import microtensor.utils.benchmark as benchmark

SLEEP = 2e-3  # seconds: a statement whose cost the clock can check


def spec(lib, stmt="x + y", **fields):
    return lib.TaskSpec(stmt, fields.pop("setup", "pass"), **fields)


def measurements(lib):
    """The same Measurements in ``lib``: two labels, thread groups, envs, noisy ones."""
    raw = [
        (100, [1.23e-4, 1.30e-4, 1.25e-4, 1.5e-4, 1.24e-4], "add", "float", "n=4", 1, None),
        (10, [3.0e-4, 3.1e-4, 2.9e-4, 3.5e-4], "add", "int", "n=16", 2, None),
        (100, [1.1e-4, 1.2e-4, 1.0e-4, 1.15e-4], "add", "float", "n=16", 1, None),
        (10, [3.0e-3, 3.1e-3, 2.9e-3, 5.5e-3], "sub", "int", "n=16", 1, "A"),
        (10, [2e-4, 2.1e-4, 2.4e-4, 1.9e-4, 2e-4], "sub", "int", "n=16", 1, "B"),
        (1, [2e-6, 2.1e-6, 2.4e-6, 1.9e-6, 9e-6], "sub", "float", "n=4", 1, "B"),
    ]
    return [
        lib.Measurement(
            number,
            times,
            spec(lib, label=label, sub_label=sub, description=desc, num_threads=n, env=env),
        )
        for number, times, label, sub, desc, n, env in raw
    ]


def without_address(text):
    """A repr without its first line (the object's module and address)."""
    return text.split("\n", 1)[1]


# --- Timer ------------------------------------------------------------------------------------


def test_timeit_measures_one_block_of_number_runs():
    timer = benchmark.Timer("time.sleep(s)", setup="import time", globals={"s": SLEEP})
    m = timer.timeit(5)
    assert isinstance(m, benchmark.Measurement)
    assert m.number_per_run == 5 and len(m.raw_times) == 1 and len(m.times) == 1
    assert SLEEP <= m.median < 20 * SLEEP and m.mean == m.median and m.iqr == 0


def test_blocked_autorange_spends_min_run_time_in_blocks():
    blocks = []
    timer = benchmark.Timer("time.sleep(s)", setup="import time", globals={"s": SLEEP})
    m = timer.blocked_autorange(
        callback=lambda number, t: blocks.append((number, t)), min_run_time=0.05
    )
    # a power of ten: 1 if the timer's overhead is under 1e-4 of a sleep, else 10 or 100
    assert m.number_per_run in (1, 10, 100)
    assert sum(m.raw_times) >= 0.05 and blocks == [(m.number_per_run, t) for t in m.raw_times]
    assert SLEEP <= m.median < 20 * SLEEP and SLEEP <= m.mean < 20 * SLEEP


def test_blocked_autorange_picks_a_power_of_ten_for_a_fast_statement():
    m = benchmark.Timer("x + 1", globals={"x": 1}).blocked_autorange(min_run_time=0.05)
    assert m.number_per_run >= 100 and str(m.number_per_run).rstrip("0") == "1"
    assert 1e-10 < m.median < 1e-5 and len(m.times) >= 1


def test_adaptive_autorange_runs_until_the_spread_is_small_or_time_is_up():
    timer = benchmark.Timer("time.sleep(s)", setup="import time", globals={"s": SLEEP})
    started = time.perf_counter()
    m = timer.adaptive_autorange(threshold=0.5, min_run_time=0.01, max_run_time=0.3)
    assert time.perf_counter() - started < 5
    assert len(m.times) > 3 or sum(m.raw_times) > 0.3
    assert SLEEP <= m.median < 20 * SLEEP


def test_globals_are_copied_and_torch_names_microtensor():
    names = {"x": mt.ones(3)}
    m = benchmark.Timer("torch.add(x, 1); microtensor.exp(x)", globals=names).timeit(10)
    assert names.keys() == {"x"} and m.median > 0


def test_statements_are_dedented_and_num_threads_set_while_they_run():
    seen = []
    before = mt.get_num_threads()
    timer = benchmark.Timer(
        """
        seen.append(mt.get_num_threads())
        """,
        globals={"seen": seen, "mt": mt},
        num_threads=1,
    )
    assert timer.timeit(3).stmt == "seen.append(mt.get_num_threads())"
    assert set(seen) == {1} and mt.get_num_threads() == before


def test_timer_errors_are_torchs():
    with pytest.raises(ValueError, match="Currently only a `str` stmt is supported"):
        benchmark.Timer(lambda: None)
    with pytest.raises(ValueError, match="global_setup is C\\+\\+ only"):
        benchmark.Timer("pass", global_setup="#include <vector>")
    with pytest.raises(ValueError, match="Invalid language `fortran`"):
        benchmark.Timer("pass", language="fortran")
    with pytest.raises(NotImplementedError, match="Python statements only"):
        benchmark.Timer("pass", language="cpp")
    with pytest.raises(NotImplementedError, match="blocked_autorange"):
        benchmark.Timer().repeat()
    with pytest.raises(NotImplementedError, match="blocked_autorange"):
        benchmark.Timer().autorange()


# --- Measurement ------------------------------------------------------------------------------


def test_measurement_statistics_are_torchs():
    for mine, theirs in zip(measurements(benchmark), measurements(torch_benchmark), strict=True):
        assert mine.times == theirs.times
        assert mine.median == pytest.approx(theirs.median, rel=1e-12)
        assert mine.mean == pytest.approx(theirs.mean, rel=1e-12)
        assert mine.iqr == pytest.approx(theirs.iqr, rel=1e-9)
        assert mine.significant_figures == theirs.significant_figures
        assert mine.has_warnings == theirs.has_warnings
        assert mine.meets_confidence(0.2) == theirs.meets_confidence(0.2)
        for field in ("stmt", "label", "sub_label", "description", "env", "num_threads"):
            assert getattr(mine, field) == getattr(theirs, field)
        assert mine.title == theirs.title and mine.as_row_name == theirs.as_row_name


def test_measurement_repr_is_torchs():
    for mine, theirs in zip(measurements(benchmark), measurements(torch_benchmark), strict=True):
        assert without_address(repr(mine)) == without_address(repr(theirs))
        assert repr(mine).startswith("<microtensor.utils.benchmark.common.Measurement object at")
    for lib_spec in [
        {"stmt": "x", "setup": "a = 1\nb = 2"},
        {"stmt": "x = 1\ny = x", "setup": "import math", "sub_label": "q", "description": "d"},
    ]:
        for times in ([5e-3], [5e-3, 6e-3], [1.0, 2.0, 3.0, 40.0]):
            mine = benchmark.Measurement(1000, times, spec(benchmark, **lib_spec))
            theirs = torch_benchmark.Measurement(1000, times, spec(torch_benchmark, **lib_spec))
            assert without_address(repr(mine)) == without_address(repr(theirs))


def test_a_timed_measurements_repr_has_torchs_layout():
    timer = benchmark.Timer("x + 1", globals={"x": 1}, label="add one")
    m = timer.adaptive_autorange(threshold=1.0)  # stops after 4 blocks: the IQR is shown
    lines = repr(m).splitlines()
    assert lines[1] == "add one"
    assert re.fullmatch(r"  Median: \d+\.\d\d (ns|us)", lines[2])
    assert re.fullmatch(r"  IQR:    \d+\.\d\d (ns|us) \(\d+\.\d\d to \d+\.\d\d\)", lines[3])
    assert re.fullmatch(r"  \d+ measurements, \d+ runs per measurement, 1 thread", lines[4])


def test_merge_pools_replicates_per_run():
    first, second = measurements(benchmark)[:2]
    again = benchmark.Measurement(50, [1e-4, 2e-4], first.task_spec)
    merged = benchmark.Measurement.merge([first, second, again])
    assert [m.task_spec for m in merged] == [first.task_spec, second.task_spec]
    assert merged[0].number_per_run == 1 and merged[0].times == first.times + again.times


def test_units_and_significant_figures():
    assert benchmark.select_unit(3e-9) == ("ns", 1e-9)
    assert benchmark.select_unit(2.5e-5) == ("us", 1e-6)
    assert benchmark.select_unit(0.02) == ("ms", 1e-3)
    assert benchmark.select_unit(12.0) == ("s", 1)
    for t in (3e-10, 7e-8, 0.5, 1.5e-3, 999.0):  # below a nanosecond too: seconds, as torch
        assert benchmark.select_unit(t) == torch_benchmark.select_unit(t)
    assert benchmark.unit_to_english("us") == "microsecond"
    assert benchmark.trim_sigfig(3.14159, 2) == pytest.approx(3.1)
    assert benchmark.trim_sigfig(31415.9, 3) == pytest.approx(31400.0)
    with pytest.raises(AssertionError, match="must be an integer"):
        benchmark.trim_sigfig(1.0, 1.5)


# --- Compare ----------------------------------------------------------------------------------


def both_compares(configure=lambda compare: None):
    tables = []
    for lib in (benchmark, torch_benchmark):
        compare = lib.Compare(measurements(lib))
        configure(compare)
        tables.append(str(compare))
    return tables


def test_compare_prints_a_table_per_label_with_every_row_and_column(capsys):
    benchmark.Compare(measurements(benchmark)).print()
    printed = capsys.readouterr().out
    assert "[---" in printed and " add " in printed and " sub " in printed
    for name in ("float", "int", "n=4", "n=16", "(A)", "(B)", "1 threads: ", "2 threads: "):
        assert name in printed
    assert "Times are in microseconds (us)." in printed


@pytest.mark.parametrize(
    "configure",
    [
        lambda c: None,
        lambda c: c.trim_significant_figures(),
        lambda c: c.highlight_warnings(),
        lambda c: (c.trim_significant_figures(), c.highlight_warnings()),
        lambda c: c.colorize(),
        lambda c: c.colorize(rowwise=True),
    ],
    ids=["plain", "trim", "warnings", "trim-warnings", "columnwise", "rowwise"],
)
def test_compare_table_is_torchs(configure):
    mine, theirs = both_compares(configure)
    assert mine == theirs


def test_compare_extends_and_checks_its_results():
    compare = benchmark.Compare(measurements(benchmark)[:1])
    compare.extend_results(measurements(benchmark)[3:4])
    assert " add " in str(compare) and " sub " in str(compare)
    with pytest.raises(ValueError, match="Expected an instance of `Measurement`"):
        compare.extend_results([1.0])


def test_compare_takes_measurements_without_a_description():
    # torch's Compare fails on them (len(None)); here the column has an empty heading
    m = benchmark.Timer("x + 1", globals={"x": 1}, label="plain").timeit(100)
    table = str(benchmark.Compare([m]))
    assert "plain" in table and "x + 1" in table
