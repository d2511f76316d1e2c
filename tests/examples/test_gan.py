"""examples/gan.py on reduced settings: the generator learns the ring, an untrained one fails."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("threadpoolctl")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "gan.py"


def load():
    spec = importlib.util.spec_from_file_location("gan_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gan():
    return load()


def learned_the_ring(gan, s):
    """Mean radius within 25% of the ring's and at least 4 of the 8 modes covered."""
    return abs(s["radius"] - gan.RADIUS) < 0.25 * gan.RADIUS and s["modes"] >= 4


def test_quick_run_learns_the_ring_and_the_untrained_generator_does_not(gan, tmp_path, capsys):
    # measured with --quick (40 epochs), seeds 0-4: radius 1.91-2.02, 8/8 modes, 75-85% of the
    # points near a mode; untrained: radius 0.10-0.22, 0 modes, none near
    result = gan.main(["--quick", "--out", str(tmp_path)])
    assert not learned_the_ring(gan, result["untrained"])
    assert learned_the_ring(gan, result["final"])
    assert result["final"]["near"] >= 0.5
    assert len(result["d_loss"]) == len(result["g_loss"]) == gan.QUICK_EPOCHS
    assert np.isfinite(result["d_loss"]).all() and np.isfinite(result["g_loss"]).all()
    names = [f"gan_epoch_{epoch:04d}.png" for epoch in (10, 20, 30, 40)]
    assert result["pictures"] == [str(tmp_path / name) for name in names]
    assert sorted(p.name for p in tmp_path.iterdir()) == names
    for name in names:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    out = capsys.readouterr().out
    assert "final generator: mean radius" in out and "modes covered 8/8" in out


def test_score_on_real_and_collapsed_points(gan):
    rng = np.random.default_rng(0)
    real = gan.score(gan.sample_ring(2000, rng))
    assert real["modes"] == 8 and real["near"] == 1.0 and abs(real["radius"] - 2) < 0.01
    collapsed = gan.score(gan.CENTRES[[0]] + rng.normal(0, 0.05, (2000, 2)))
    assert abs(collapsed["radius"] - 2) < 0.01 and collapsed["modes"] == 1  # on the ring, 1 mode
    assert not learned_the_ring(gan, collapsed)


def test_same_seed_same_losses(gan, tmp_path):
    args = ["--epochs", "2", "--seed", "7", "--out", str(tmp_path)]
    assert gan.main(args)["g_loss"] == gan.main(args)["g_loss"]
