"""benchmarks/ops.py runs in quick mode and prints a row per op, size and mode."""

import importlib.util
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "ops.py"


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    threads = torch.get_num_threads()  # main() sets PyTorch's thread count
    yield
    torch.set_num_threads(threads)


def _load_script():
    spec = importlib.util.spec_from_file_location("benchmarks_ops", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_run_prints_a_row_per_op(capsys):
    bench = _load_script()
    rows = bench.main(["--quick", "--repeat", "1", "--min-time", "0.001"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[:3] == ["op", "size", "mode"]
    table = [line.split() for line in lines[2:]]
    expected = [
        (op, f"{n}x{n}", mode)
        for op in ["add", "mul", "matmul", "sum", "relu", "exp"]
        for n in (2, 64)
        for mode in ("forward", "forward+backward")
    ]
    assert [tuple(cells[:3]) for cells in table] == expected
    assert len(rows) == len(expected)
    for cells, row in zip(table, rows, strict=True):
        assert float(cells[3]) > 0
        assert row["microtensor_us"] > 0
        if row["torch_us"] is not None:
            assert float(cells[5]) == round(row["microtensor_us"] / row["torch_us"], 2)


def test_runs_without_torch(capsys):
    bench = _load_script()
    bench.torch = None
    rows = bench.main(["--quick", "--repeat", "1", "--min-time", "0.001"])
    table = [line.split() for line in capsys.readouterr().out.splitlines()[2:]]
    assert len(table) == len(rows) == 24
    assert all(
        cells[4:] == ["-", "-"] and row["torch_us"] is None
        for cells, row in zip(table, rows, strict=True)
    )
