import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("sklearn")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "train_moons.py"


def load():
    spec = importlib.util.spec_from_file_location("train_moons", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_moons_learns(capsys):
    result = load().main(["--steps", "800", "--seed", "0"])
    assert result["final_loss"] < 0.5 * result["first_loss"]
    assert result["test_accuracy"] >= 0.85
    out = capsys.readouterr().out
    assert "step     0" in out and "test accuracy" in out
