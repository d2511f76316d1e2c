"""benchmarks/import_time.py: fresh processes with a bytecode cache, the verdict against 0.3 s."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "import_time.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("benchmarks_import_time", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_measure_times_each_installed_module():
    bench = _load_script()
    seconds = bench.measure(["numpy", "a_module_that_is_not_installed"], runs=1)
    assert list(seconds) == ["numpy"]  # a missing module is left out, not an error
    assert 0 < seconds["numpy"] < 30


def test_format_line_judges_against_the_target():
    bench = _load_script()
    line = bench.format_line({"microtensor": 0.25, "numpy": 0.1})
    assert line == "import microtensor: 0.250 s (numpy alone 0.100 s); target <= 0.3 s: PASS"
    assert bench.format_line({"microtensor": 0.31}).endswith("FAIL")
