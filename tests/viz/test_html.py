"""The interactive graph page, in a real browser: headless Chromium driven by Playwright.

The browser tests run wherever Debian's ``chromium`` (or ``MICROTENSOR_CHROMIUM``) and the
``playwright`` package are installed, with no browser download; elsewhere they are skipped
with the reason. The page loads from a file with every network request refused, and each test
checks that the console shows no error. Screenshots go to ``outputs/test-artifacts/``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import microtensor as mt
from microtensor import nn, viz
from microtensor.viz.html import _json, to_html
from tests.browser import offline_pages

pytest.importorskip("graphviz")
if not viz.available_backends() or viz.available_backends() == ["text"]:
    pytest.skip("no Graphviz backend draws SVG here", allow_module_level=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / "outputs" / "test-artifacts"


def _trained_mlp():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    loss = model(mt.randn(5, 3)).pow(2).mean()
    loss.backward()
    return model, loss


# --- the page as text (no browser needed) --------------------------------------------------


def test_page_is_self_contained_and_holds_every_node():
    model, loss = _trained_mlp()
    page = to_html(loss, model, title="MLP <graph>")
    assert "<title>MLP &lt;graph&gt;</title>" in page
    assert not re.search(r"""(src|href)=["']https?:""", page)  # no network resource
    data = json.loads(re.search(r'id="mt-data">(.*?)</script>', page, re.S).group(1))
    labels = {node["label"] for node in data["nodes"].values()}
    assert {"0.weight", "0.bias", "2.weight", "2.bias", "linear", "tanh"} <= labels
    weight = next(n for n in data["nodes"].values() if n["label"] == "0.weight")
    assert weight["shape"] == [4, 3] and weight["dtype"] == "float32"
    assert weight["grad"] == model[0].weight.grad.tolist()
    assert weight["stats"]["grad_norm"] == pytest.approx(float(model[0].weight.grad.norm()))
    titles = {cluster["title"] for cluster in data["clusters"].values()}
    assert {"Sequential", "0: Linear(3, 4)", "2: Linear(4, 1)"} <= titles
    outer = next(c for c in data["clusters"].values() if c["title"] == "Sequential")
    inner = next(c for c in data["clusters"].values() if c["title"] == "0: Linear(3, 4)")
    assert set(inner["items"]) < set(outer["items"])  # nested frames' items count outside too


def test_json_survives_nan_and_script_end_tags():
    text = _json({"x": float("nan"), "y": [float("inf"), -float("inf")], "s": "</script>"})
    assert "</" not in text
    assert json.loads(text) == {"x": "NaN", "y": ["Inf", "-Inf"], "s": "</script>"}


def test_save_html_writes_the_page(tmp_path):
    model, loss = _trained_mlp()
    path = viz.save_html(loss, tmp_path / "graph.html", model)
    assert path == tmp_path / "graph.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_show_returns_an_inline_page_in_a_notebook(monkeypatch):
    import microtensor.viz.html as page_module

    monkeypatch.setattr(page_module, "_in_notebook", lambda: True)
    _, loss = _trained_mlp()
    page = viz.show(loss)
    assert isinstance(page, page_module.GraphPage)
    assert page._repr_html_().startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')


def test_show_opens_the_browser_outside_a_notebook(monkeypatch):
    import microtensor.viz.html as page_module

    opened = []
    monkeypatch.setattr(page_module, "_in_notebook", lambda: False)
    monkeypatch.setattr(page_module.webbrowser, "open", opened.append)
    _, loss = _trained_mlp()
    path = viz.show(loss)
    try:
        assert opened == [path.as_uri()] and path.read_text(encoding="utf-8").startswith("<!DOC")
    finally:
        path.unlink()


# --- in the browser -----------------------------------------------------------------------


@pytest.fixture
def open_page(browser):
    """Open an HTML file with the network cut off; yields (page, console errors, requests)."""
    with offline_pages(browser) as opener:
        yield lambda path: opener(path.as_uri(), "window.microtensorGraph?.ready")


def _node(page, label: str):
    """The drawn node whose first label line is ``label``."""
    return page.locator(
        "g.node", has=page.locator("text", has_text=re.compile(f"^{re.escape(label)}$"))
    )


def test_browser_collapse_hover_search_follow(open_page, tmp_path):
    model, loss = _trained_mlp()
    path = viz.save_html(loss, tmp_path / "mlp.html", model)
    page, errors, requests = open_page(path)

    # collapse the first Linear's frame by clicking its title; its nodes disappear
    weight = _node(page, "0.weight")
    assert weight.is_visible()
    label = page.locator("g.cluster > text", has_text=re.compile(r"^0: Linear\(3, 4\)$"))
    name = label.locator("xpath=..").get_attribute("data-cluster")
    title = page.locator(f'g.cluster[data-cluster="{name}"] > text')
    title.click()
    assert not weight.is_visible()
    assert "[+] 0: Linear(3, 4)" in title.text_content()
    title.click()  # and back
    assert weight.is_visible()

    # hover the weight: the tooltip tells its shape, dtype and gradient statistics
    weight.hover()
    tooltip = page.locator("#tooltip")
    assert tooltip.is_visible()
    text = tooltip.text_content()
    assert "0.weight" in text and "shape: [4,3]  dtype: float32" in text and "grad: norm" in text

    # search a parameter name
    page.fill("#search", "2.bias")
    assert page.locator("#status").text_content() == "1 match(es) for '2.bias'"
    assert "mt-match" in _node(page, "2.bias").get_attribute("class")

    # click a node, then follow its output from the side panel
    _node(page, "tanh").click()
    assert "mt-selected" in _node(page, "tanh").get_attribute("class")
    assert "mt-input" in _node(page, "linear").first.get_attribute("class")
    page.locator("#panel a").last.click()
    assert "mt-selected" not in _node(page, "tanh").get_attribute("class")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "graph_page.png"), full_page=True)
    assert (ARTIFACTS / "graph_page.png").stat().st_size > 10_000
    assert errors == [] and requests == []


def test_browser_colours_vanishing_and_exploding_gradients(open_page, tmp_path):
    small = mt.tensor([1e-9, 2e-9], requires_grad=True)
    large = mt.tensor([1e5, 3e5], requires_grad=True)
    loss = (small * 1e-9).sum() + (large * large).sum()
    loss.backward()
    path = viz.save_html(loss, tmp_path / "grads.html", {"small": small, "large": large})
    page, errors, _ = open_page(path)
    assert page.is_checked("#grad-colors")
    assert "mt-vanishing" in _node(page, "small").get_attribute("class")  # grad 1e-9
    assert "mt-exploding" in _node(page, "large").get_attribute("class")
    assert "vanishing (< 1e-06)" in page.locator("#legend").text_content()
    assert errors == []


def test_browser_handles_a_5000_node_graph(open_page, tmp_path):
    x = mt.randn(4, requires_grad=True)
    y = x
    for _ in range(2500):
        y = (y * 1.0001).tanh()
    loss = y.sum()
    path = viz.save_html(loss, tmp_path / "big.html", {"x": x})
    page, errors, _ = open_page(path)
    info = page.evaluate("window.microtensorGraph")
    assert info["nodes"] >= 5000
    assert info["setupMs"] < 3000  # measured 150-900 ms on a busy 2-core machine
    page.fill("#search", "x")
    assert page.locator("#status").text_content().startswith("1 match")
    assert errors == []


def test_command_line_writes_the_page(tmp_path, capsys):
    from microtensor.viz.__main__ import main

    script = Path(__file__).resolve().parents[2] / "examples" / "graph_mlp.py"
    assert main([str(script), "--out", str(tmp_path / "mlp.html")]) == 0
    assert capsys.readouterr().out == f"wrote {tmp_path / 'mlp.html'}\n"
    page = (tmp_path / "mlp.html").read_text(encoding="utf-8")
    assert "hidden.weight" in page and "microtensorGraph" in page
