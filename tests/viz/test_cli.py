"""python -m microtensor.viz: end to end through a subprocess, and its options in-process."""

import importlib.util
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import microtensor as mt
from microtensor.viz.__main__ import load_graph, main
from microtensor.viz.trace import trace

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "graph_mlp.py"
SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_texts(path):
    root = ET.parse(path).getroot()
    return [el.text for el in root.iter(f"{SVG_NS}text") if el.text]


def svg_clusters(path):
    root = ET.parse(path).getroot()
    return [g for g in root.iter(f"{SVG_NS}g") if g.get("class") == "cluster"]


def write_script(tmp_path, body, name="model_script.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def test_example_builds_a_trained_step_graph():
    spec = importlib.util.spec_from_file_location("graph_mlp", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    loss, model = example.build_graph(batch=8)
    assert loss.shape == () and 0.5 < loss.item() < 3.0  # cross-entropy of 3 classes near ln 3
    names = [name for name, _ in model.named_parameters()]
    assert names == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    for _, p in model.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape
        assert np.isfinite(p.grad.numpy()).all() and np.abs(p.grad.numpy()).sum() > 0


def test_cli_end_to_end_writes_svg(tmp_path, render_backend):
    out = tmp_path / "mlp.svg"
    result = subprocess.run(
        [sys.executable, "-m", "microtensor.viz", str(EXAMPLE), "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    texts = svg_texts(out)
    for name in ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]:
        assert name in texts
    loss, model = load_graph(str(EXAMPLE))
    for op in {node.op for node in trace(loss, model).nodes.values() if node.op}:
        assert op in texts
    assert {"hidden: Linear(4, 8)", "out: Linear(8, 3)"} <= set(texts)
    assert len(svg_clusters(out)) == 4  # the MLP call and its three submodule calls


def test_cli_png_depth_and_no_group(tmp_path, capsys, render_backend):
    png = tmp_path / "g.png"
    assert main([str(EXAMPLE), "--out", str(png), "--depth", "1"]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (
        main([str(EXAMPLE), "--out", str(tmp_path / "g"), "--format", "svg", "--depth", "1"]) == 0
    )
    texts = svg_texts(tmp_path / "g.svg")
    assert "hidden: Linear(4, 8)" in texts and "hidden.weight" not in texts
    assert main([str(EXAMPLE), "--out", str(tmp_path / "flat.svg"), "--no-group"]) == 0
    assert svg_clusters(tmp_path / "flat.svg") == []
    assert "hidden.weight" in svg_texts(tmp_path / "flat.svg")
    assert "wrote" in capsys.readouterr().out


def test_module_level_variables_and_backward_flag(tmp_path, render_backend):
    script = write_script(
        tmp_path,
        """
        import microtensor as mt
        from microtensor import nn

        mt.manual_seed(1)
        model = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
        loss = model(mt.randn(4, 2)).pow(2).mean()
        """,
    )
    out = tmp_path / "g.svg"
    assert main([str(script), "--out", str(out), "--backward"]) == 0
    texts = svg_texts(out)
    assert "0.weight" in texts and "0: Linear(2, 3)" in texts
    assert any(text.startswith("grad [[") for text in texts)  # backward ran first


def test_module_name_and_several_outputs(tmp_path, monkeypatch, render_backend):
    write_script(
        tmp_path,
        """
        import microtensor as mt

        def build_graph():
            x = mt.tensor([1.0, 2.0], requires_grad=True)
            h = x.exp()
            return [h.sum(), (h * 2).mean()]
        """,
        name="viz_cli_two_heads.py",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    output, params = load_graph("viz_cli_two_heads")
    assert len(output) == 2 and params is None
    assert main(["viz_cli_two_heads", "--out", str(tmp_path / "two.svg")]) == 0
    texts = svg_texts(tmp_path / "two.svg")
    assert texts.count("exp") == 1 and "sum" in texts and "mean" in texts


def test_script_main_block_does_not_run(tmp_path):
    script = write_script(
        tmp_path,
        """
        import microtensor as mt
        output = mt.ones(2, requires_grad=True) * 3
        if __name__ == "__main__":
            raise SystemExit("the main block ran")
        """,
    )
    output, params = load_graph(str(script))
    assert output.tolist() == [3.0, 3.0] and params is None


def test_usage_errors(tmp_path, capsys):
    empty = write_script(tmp_path, "x = 1\n")
    with pytest.raises(SystemExit) as info:
        main([str(empty), "--out", str(tmp_path / "g.svg")])
    assert info.value.code == 2
    assert "defines neither a function build_graph() nor" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([str(EXAMPLE)])
    assert "--out is required" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([str(tmp_path / "missing.py"), "--out", "g.svg"])
    assert "no such script" in capsys.readouterr().err
    with pytest.raises(ValueError, match="build_graph"):
        load_graph(str(empty))


def test_no_backend_exits_with_install_instructions(tmp_path, capsys):
    assert main([str(EXAMPLE), "--out", str(tmp_path / "g.svg"), "--backend", "text"]) == 1
    err = capsys.readouterr().err
    assert "apt-get install graphviz" in err and "print_graph" in err
    assert 'pip install "microtensor[viz]"' in err
    assert not (tmp_path / "g.svg").exists()


def test_missing_dot_asked_for_exits_with_instructions(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` there
    assert main([str(EXAMPLE), "--out", str(tmp_path / "g.svg"), "--backend", "dot"]) == 1
    assert "apt-get install graphviz" in capsys.readouterr().err


def test_text_output_needs_no_dot(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main([str(EXAMPLE), "--text"]) == 0
    printed = capsys.readouterr().out
    assert "hidden.weight" in printed and "out.bias" in printed


def test_loss_value_is_deterministic():
    first, _ = load_graph(str(EXAMPLE))
    second, _ = load_graph(str(EXAMPLE))
    assert first.item() == second.item()
    assert mt.isfinite(first).item()
