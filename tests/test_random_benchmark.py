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


def test_floors_and_only_print_the_rows_asked_for(capsys):
    spec = importlib.util.spec_from_file_location("benchmarks_random_streams", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    threads = torch.get_num_threads()
    try:
        results = module.main(["--quick", "--repeat", "1", "--floors", "--only", "randint"])
    finally:
        torch.set_num_threads(threads)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["floor", "of"]
    floors = [line[:10].strip() for line in lines[1:8]]
    assert floors == ["rand f32", "rand f64", "randn f32", "randn f64", "randint", "randperm",
                      "dropout"]  # fmt: skip
    assert [row[0] for row in results] == ["randint"]
    assert lines[8].split()[:2] == ["draw", "microtensor"] and lines[9].startswith("randint")
