"""benchmarks/random_streams.py runs in quick mode and prints one row per draw."""

import importlib.util
from pathlib import Path

import torch

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "random_streams.py"


def test_quick_run_prints_a_row_per_draw(capsys):
    spec = importlib.util.spec_from_file_location("benchmarks_random_streams", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    threads = torch.get_num_threads()
    try:
        results = module.main(["--quick", "--repeat", "1"])
    finally:
        torch.set_num_threads(threads)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["draw", "microtensor"]
    names = ["rand f32", "rand f64", "randn f32", "randn f64", "randint", "randperm", "dropout"]
    assert [row[0] for row in results] == names
    assert [line[:10].strip() for line in lines[1:]] == names
