"""The notebooks in examples/notebooks run top to bottom, and print what they promise.

They are executed with nbclient (a test-only dependency) in a fresh kernel, in a temporary
directory; their outputs are then read back and checked.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "examples" / "notebooks"


@pytest.fixture(autouse=True)
def _kernel_finds_microtensor(monkeypatch):
    """The kernel runs in a temporary directory: let it import this checkout's microtensor."""
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", str(ROOT) + (os.pathsep + path if path else ""))


def run_notebook(name: str, tmp_path: Path):
    """Execute ``name`` in ``tmp_path``; return the notebook and its text outputs, joined."""
    source = tmp_path / name
    shutil.copy(NOTEBOOKS / name, source)
    book = nbformat.read(source, as_version=4)
    nbclient.NotebookClient(
        book, timeout=300, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    text = []
    for cell in book.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text.append(output["text"])
            elif "data" in output:
                text.append(output["data"].get("text/plain", ""))
    return book, "".join(text)


def mime_types(book) -> list[set[str]]:
    """The output types of each code cell, in order."""
    return [
        {kind for output in cell.get("outputs", []) for kind in output.get("data", {})}
        for cell in book.cells
        if cell.cell_type == "code"
    ]


def test_every_notebook_is_tested():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == [
        "digits.ipynb",
        "graph_drawing.ipynb",
        "moons.ipynb",
    ]


def test_moons_notebook(tmp_path):
    book, text = run_notebook("moons.ipynb", tmp_path)
    difference = float(re.search(r"largest difference: (\S+)", text).group(1))
    assert difference < 1e-12
    losses = [float(v) for v in re.findall(r"loss (\d+\.\d+)", text)]
    assert losses[-1] < losses[0] / 3
    assert float(re.search(r"test accuracy (\d\.\d+)", text).group(1)) > 0.9
    assert "image/png" in mime_types(book)[-1]  # the decision boundary, inline


def test_digits_notebook(tmp_path):
    book, text = run_notebook("digits.ipynb", tmp_path)
    assert len(re.findall(r"^epoch \d+: train loss", text, flags=re.M)) == 8
    assert float(re.search(r"final test accuracy (\d\.\d+)", text).group(1)) > 0.9
    assert "image/png" in mime_types(book)[-1]


def test_graph_drawing_notebook(tmp_path):
    pytest.importorskip("graphviz")
    book, text = run_notebook("graph_drawing.ipynb", tmp_path)
    kinds = mime_types(book)
    drawings = [k for k in kinds if "image/svg+xml" in k]
    assert len(drawings) == 3  # the MLP, the micrograd-style scalars, the collapsed model
    assert "crossentropy" in text and "0.weight" in text  # print_graph's text tree
    assert (tmp_path / "graph.html").is_file()
    assert "text/html" in kinds[-1]  # viz.show displays the interactive page inline
