import gc
import sys

import numpy as np
import pytest
import torch

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from microtensor.viz import Graph, GraphEdge, GraphNode, retain_all, trace
from microtensor.viz.trace import module_label


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))

    def forward(self, x):
        return self.layers(x)


def make_mlp(seed=0):
    mt.manual_seed(seed)
    model = MLP()
    rng = np.random.default_rng(seed)
    x = mt.tensor(rng.standard_normal((5, 3)).astype(np.float32), requires_grad=True)
    target = mt.tensor([0, 1, 1, 0, 1])
    return model, x, target


def structure(graph):
    nodes = [(n.id, n.kind, n.label, n.op, n.shape, n.dtype) for n in graph.nodes.values()]
    edges = [(e.src, e.dst, e.index) for e in graph.edges]
    return nodes, edges


def assert_topological(graph):
    order = {node_id: i for i, node_id in enumerate(graph.nodes)}
    assert list(graph.nodes) == [f"n{i}" for i in range(len(graph.nodes))]
    for edge in graph.edges:
        assert order[edge.src] < order[edge.dst]


SEQ = ("layers", "Sequential")
ROOT = ("", "MLP")


def test_mlp_with_cross_entropy_exact_structure():
    model, x, target = make_mlp()
    loss = F.cross_entropy(model(x), target)
    graph = trace(loss, model)
    nodes, edges = structure(graph)
    assert nodes == [
        ("n0", "input", "input", None, (5, 3), "float32"),
        ("n1", "parameter", "layers.0.weight", None, (4, 3), "float32"),
        ("n2", "parameter", "layers.0.bias", None, (4,), "float32"),
        ("n3", "op", "linear", "linear", (5, 4), "float32"),
        ("n4", "op", "relu", "relu", (5, 4), "float32"),
        ("n5", "parameter", "layers.2.weight", None, (2, 4), "float32"),
        ("n6", "parameter", "layers.2.bias", None, (2,), "float32"),
        ("n7", "op", "linear", "linear", (5, 2), "float32"),
        ("n8", "op", "crossentropy", "crossentropy", (), "float32"),
    ]
    assert edges == [
        ("n0", "n3", 0), ("n1", "n3", 1), ("n2", "n3", 2),
        ("n3", "n4", 0),
        ("n4", "n7", 0), ("n5", "n7", 1), ("n6", "n7", 2),
        ("n7", "n8", 0),
    ]  # fmt: skip
    assert graph.outputs == ["n8"]
    assert graph.nodes["n3"].backward_name == "AddmmBackward0"
    assert graph.nodes["n8"].backward_name == "NllLossBackward0"
    assert graph.nodes["n0"].backward_name is None
    assert graph.nodes["n3"].scope == (ROOT, SEQ, ("layers.0", "Linear(3, 4)"))
    assert graph.nodes["n4"].scope == (ROOT, SEQ, ("layers.1", "ReLU"))
    assert graph.nodes["n7"].scope == (ROOT, SEQ, ("layers.2", "Linear(4, 2)"))
    assert graph.nodes["n8"].scope == ()
    assert graph.nodes["n1"].scope == ()
    assert graph.predecessors("n7") == ["n4", "n5", "n6"]
    assert graph.successors("n3") == ["n4"]
    assert graph.successors("n8") == []


def test_mlp_with_mse_structure_and_dict_params():
    model, x, _ = make_mlp()
    target = mt.zeros(5, 2)
    loss = mt.square(model(x) - target).mean()  # sub, square, mean (F.mse_loss is one node)
    graph = trace(loss, dict(model.named_parameters()))
    nodes, edges = structure(graph)
    labels = [(node_id, label) for node_id, _, label, *_ in nodes]
    assert labels == [
        ("n0", "input"), ("n1", "layers.0.weight"), ("n2", "layers.0.bias"), ("n3", "linear"),
        ("n4", "relu"), ("n5", "layers.2.weight"), ("n6", "layers.2.bias"), ("n7", "linear"),
        ("n8", "sub"), ("n9", "square"), ("n10", "mean"),
    ]  # fmt: skip
    assert edges[-3:] == [("n7", "n8", 0), ("n8", "n9", 0), ("n9", "n10", 0)]
    # Scope names come from the outermost module called, even when only a dict is given.
    assert graph.nodes["n3"].scope == (ROOT, SEQ, ("layers.0", "Linear(3, 4)"))


def test_unnamed_parameters_and_named_plain_tensors():
    model, x, target = make_mlp()
    loss = F.cross_entropy(model(x), target)
    graph = trace(loss)
    assert [n.label for n in graph.nodes.values() if n.kind == "parameter"] == ["parameter"] * 4
    graph = trace(loss, {"x": x, "w": model.layers[0].weight, "junk": 3})
    leaves = [(n.kind, n.label) for n in graph.nodes.values() if n.kind != "op"]
    assert leaves == [
        ("parameter", "x"), ("parameter", "w"), ("parameter", "parameter"),
        ("parameter", "parameter"), ("parameter", "parameter"),
    ]  # fmt: skip


def test_shared_subexpression_is_one_node_with_two_out_edges():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    y = (h * h + h).sum()
    graph = trace(y)
    nodes, edges = structure(graph)
    assert [n[2] for n in nodes] == ["input", "exp", "mul", "add", "sum"]
    assert edges == [
        ("n0", "n1", 0), ("n1", "n2", 0), ("n1", "n2", 1), ("n2", "n3", 0), ("n1", "n3", 1),
        ("n3", "n4", 0),
    ]  # fmt: skip
    assert graph.successors("n1") == ["n2", "n3"]
    assert graph.predecessors("n2") == ["n1"]


def test_several_outputs_share_their_subgraph():
    x = mt.tensor([1.0, -2.0], requires_grad=True)
    h = x.tanh()
    a, b = h.sum(), (h * 3).mean()
    graph = trace([a, b, a])
    assert [n.label for n in graph.nodes.values()] == ["input", "tanh", "sum", "mul", "mean"]
    assert graph.outputs == ["n2", "n4", "n2"]
    assert graph.successors("n1") == ["n2", "n3"]


def test_leaf_outputs_keep_their_leaf_kind():
    w = nn.Parameter(mt.tensor([1.0, 2.0]))
    plain = mt.tensor([[1, 2]])
    loss = (w * 2).sum()
    graph = trace([loss, w, plain], params={"w": w})
    assert [(n.id, n.kind, n.label) for n in graph.nodes.values()] == [
        ("n0", "parameter", "w"),
        ("n1", "op", "mul"),
        ("n2", "op", "sum"),
        ("n3", "leaf", "leaf"),
    ]
    assert graph.outputs == ["n2", "n0", "n3"]
    assert graph.nodes["n3"].dtype == "int64" and graph.nodes["n3"].shape == (1, 2)
    single = trace(mt.tensor(1.0, requires_grad=True))
    assert [(n.kind, n.shape) for n in single.nodes.values()] == [("input", ())]
    assert single.edges == [] and single.outputs == ["n0"]


class Cube(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * 3 * x**2


def test_custom_function_node_is_labelled_by_its_class_name():
    x = mt.tensor([2.0], requires_grad=True)
    y = Cube.apply(x * 1.0).sum()
    graph = trace(y)
    assert [(n.label, n.op) for n in graph.nodes.values()] == [
        ("input", None), ("mul", "mul"), ("cube", "cube"), ("sum", "sum"),
    ]  # fmt: skip
    assert graph.nodes["n2"].backward_name == "CubeBackward"
    # Cube saved its input (a Tensor): the intermediate's value is known.
    np.testing.assert_array_equal(graph.nodes["n1"].value, [2.0])


def test_multi_output_ops_are_one_node_per_call():
    x = mt.tensor(np.arange(12.0).reshape(6, 2), requires_grad=True)
    a, b, c = x.split([1, 2, 3])
    graph = trace(a.sum() + c.sum())
    split = graph.nodes["n1"]
    assert split.label == "split" and split.output_shapes == ((1, 2), (2, 2), (3, 2))
    assert [n.label for n in graph.nodes.values()] == ["input", "split", "sum", "sum", "add"]
    assert [(e.src, e.dst, e.output_nr) for e in graph.edges if e.src == "n1"] == [
        ("n1", "n2", 0),
        ("n1", "n3", 2),
    ]
    assert split.shape == (1, 2)  # the first output used
    np.testing.assert_array_equal(split.value, [[0.0, 1.0]])

    rows = x.unbind(0)
    graph = trace([rows[4], rows[1]])
    assert [n.label for n in graph.nodes.values()] == ["input", "unbind"]
    assert graph.outputs == ["n1", "n1"]
    assert graph.nodes["n1"].shape == (2,)
    np.testing.assert_array_equal(graph.nodes["n1"].value, [8.0, 9.0])

    values, indices = x.max(1)
    graph = trace([values, indices])
    assert [(n.kind, n.label, n.dtype) for n in graph.nodes.values()] == [
        ("input", "input", "float64"), ("op", "maxdim", "float64"), ("leaf", "leaf", "int64"),
    ]  # fmt: skip
    assert graph.nodes["n1"].output_shapes == ((6,), (6,))


def test_graph_built_with_create_graph():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x**3).sum()
    (dx,) = mt.autograd.grad(y, x, create_graph=True)
    graph = trace([y, dx])
    assert_topological(graph)
    inputs = [n for n in graph.nodes.values() if n.kind == "input"]
    assert len(inputs) == 1 and inputs[0].id == "n0"  # x, shared by y and its gradient
    assert graph.nodes[graph.outputs[0]].label == "sum"
    second = graph.nodes[graph.outputs[1]]
    assert second.kind == "op" and second.shape == (2,)
    np.testing.assert_allclose(second.value, [3.0, 12.0])
    # The gradient's graph reaches x (it depends on it): a path from n0 to the output.
    reached, frontier = set(), [graph.outputs[1]]
    while frontier:
        node_id = frontier.pop()
        reached.add(node_id)
        frontier += graph.predecessors(node_id)
    assert "n0" in reached


def test_values_grads_and_stats_after_backward():
    model, x, target = make_mlp()
    logits = model(x)
    loss = F.cross_entropy(logits, target)
    assert retain_all(loss) == 4  # linear, relu, linear (alive: logits) and the loss
    loss.backward()
    graph = trace(loss, model)
    weight = graph.nodes["n1"]
    np.testing.assert_array_equal(weight.value, model.layers[0].weight.detach().numpy())
    np.testing.assert_array_equal(weight.grad, model.layers[0].weight.grad.numpy())
    grad = model.layers[0].weight.grad.numpy().astype(np.float64)
    assert weight.stats["grad_norm"] == pytest.approx(np.linalg.norm(grad))
    assert weight.stats["grad_min"] == pytest.approx(grad.min())
    assert weight.stats["grad_max"] == pytest.approx(grad.max())
    assert weight.stats["grad_mean"] == pytest.approx(grad.mean())
    assert weight.stats["value_numel"] == 12 and weight.stats["grad_numel"] == 12
    assert not weight.has_nan and not weight.stats["grad_has_nan"]
    # Intermediate values and gradients against torch's.
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    tw = [torch.tensor(p.detach().numpy(), requires_grad=True) for p in model.parameters()]
    hidden = torch.nn.functional.linear(tx, tw[0], tw[1])
    relu = hidden.relu()
    tlogits = torch.nn.functional.linear(relu, tw[2], tw[3])
    for t in (hidden, relu, tlogits):
        t.retain_grad()
    torch.nn.functional.cross_entropy(tlogits, torch.tensor(target.numpy())).backward()
    for node_id, t in (("n3", hidden), ("n4", relu), ("n7", tlogits)):
        np.testing.assert_allclose(graph.nodes[node_id].grad, t.grad.numpy(), rtol=1e-5)
    # relu saved its output and the second linear its input: both values are known.
    np.testing.assert_allclose(graph.nodes["n4"].value, relu.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(graph.nodes["n7"].value, tlogits.detach().numpy(), rtol=1e-6)
    assert graph.nodes["n3"].value is None  # nobody saved the first linear's output
    assert graph.nodes["n8"].grad == 1.0


def test_intermediate_values_before_backward_and_none_after():
    x = mt.tensor([1.0, -1.0], requires_grad=True)
    loss = (x.exp() * 2).sum()
    before = trace(loss)
    np.testing.assert_allclose(before.nodes["n1"].value, np.exp([1.0, -1.0]), rtol=1e-6)
    assert before.nodes["n1"].stats["value_norm"] == pytest.approx(np.linalg.norm(np.exp([1, -1])))
    assert before.nodes["n1"].grad is None and "grad_norm" not in before.nodes["n1"].stats
    loss.backward()
    after = trace(loss)
    assert after.nodes["n1"].value is None and after.nodes["n1"].grad is None
    np.testing.assert_allclose(after.nodes["n0"].grad, 2 * np.exp([1.0, -1.0]), rtol=1e-6)


def test_in_place_change_hides_the_stale_value():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.add_(1)
    graph = trace(y)
    assert [n.label for n in graph.nodes.values()] == ["input", "mul", "add"]
    assert graph.nodes["n1"].value is None
    np.testing.assert_array_equal(graph.nodes["n2"].value, [3.0, 5.0])


def test_nan_in_a_parameter_grad_is_flagged():
    model, x, target = make_mlp()
    loss = F.cross_entropy(model(x), target)
    loss.backward()
    model.layers[2].bias.grad._data[1] = np.nan
    graph = trace(loss, model)
    flagged = [n.label for n in graph.nodes.values() if n.has_nan]
    assert flagged == ["layers.2.bias"]
    bias = graph.nodes["n6"]
    assert bias.stats["grad_has_nan"] and not bias.stats["value_has_nan"]
    assert np.isnan(bias.stats["grad_norm"]) and not bias.has_inf
    model.layers[0].weight._data[0, 0] = np.inf
    graph = trace(loss, model)
    assert graph.nodes["n1"].has_inf and graph.nodes["n1"].stats["value_has_inf"]
    assert not graph.nodes["n1"].has_nan


def test_empty_tensor_stats():
    x = mt.zeros(0, 3, requires_grad=True)
    node = trace(x).nodes["n0"]
    assert node.stats == {
        "value_numel": 0, "value_norm": 0.0, "value_min": None, "value_max": None,
        "value_mean": None, "value_has_nan": False, "value_has_inf": False,
    }  # fmt: skip


def test_scopes_of_nested_sequential():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.Tanh()), nn.Dropout(0.5))
    model.eval()
    graph = trace(model(mt.randn(2, 3)).sum(), model)
    scopes = [n.scope for n in graph.nodes.values() if n.kind == "op"]
    outer, inner = ("", "Sequential"), ("0", "Sequential")
    assert scopes == [
        (outer, inner, ("0.0", "Linear(3, 4)")),
        (outer, inner, ("0.1", "Tanh")),
        (),  # sum, outside the model; eval Dropout records no op
    ]


class Twice(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return self.fc(self.fc(x).relu())


def test_a_module_called_twice_gets_a_call_suffix():
    mt.manual_seed(0)
    model = Twice()
    out = model(mt.randn(1, 2))
    graph = trace(out, model)
    assert [(n.label, n.scope) for n in graph.nodes.values() if n.kind == "op"] == [
        ("linear", (("", "Twice"), ("fc", "Linear(2, 2)"))),
        ("relu", (("", "Twice"),)),
        ("linear", (("", "Twice"), ("fc#2", "Linear(2, 2)"))),
    ]
    # The weight is one node used by both calls.
    assert graph.successors("n0") == ["n2", "n4"]


def test_scope_names_without_a_module_use_class_names_for_several_roots():
    mt.manual_seed(0)
    encoder, decoder = nn.Sequential(nn.Linear(2, 3)), nn.Linear(3, 1)
    out = decoder(encoder(mt.randn(1, 2)))
    scopes = [n.scope for n in trace(out).nodes.values() if n.kind == "op"]
    assert scopes == [
        (("Sequential", "Sequential"), ("Sequential.0", "Linear(2, 3)")),
        (("Linear_1", "Linear(3, 1)"),),
    ]
    scopes = [n.scope for n in trace(out, encoder).nodes.values() if n.kind == "op"]
    assert scopes == [
        (("", "Sequential"), ("0", "Linear(2, 3)")),
        (("Linear", "Linear(3, 1)"),),
    ]


class BadRepr(nn.Module):
    def extra_repr(self):
        raise RuntimeError("broken")


@pytest.mark.parametrize(
    ("module", "label"),
    [
        (nn.Linear(64, 64), "Linear(64, 64)"),
        (nn.Dropout(0.25), "Dropout(0.25)"),
        (nn.ReLU(), "ReLU"),
        (nn.Flatten(), "Flatten(1, -1)"),
        (nn.LeakyReLU(0.1), "LeakyReLU(0.1)"),
        (BadRepr(), "BadRepr"),
    ],
)
def test_module_label(module, label):
    assert module_label(module) == label


def test_chain_of_100k_ops_does_not_recurse():
    gc.disable()  # 300k new objects: the cyclic collector would only slow this test down
    try:
        x = mt.tensor([1.0, 2.0], requires_grad=True)
        y = x
        for _ in range(100_000):
            y = y * 1.0
        limit = sys.getrecursionlimit()
        graph = trace(y)
    finally:
        gc.enable()
    assert sys.getrecursionlimit() == limit
    assert len(graph.nodes) == 100_001 and len(graph.edges) == 100_000
    assert graph.nodes["n0"].kind == "input" and graph.outputs == ["n100000"]
    assert graph.edges[-1] == GraphEdge("n99999", "n100000", 0, 0)


def test_graph_dataclasses_can_be_built_by_hand():
    node = GraphNode(
        "n0", "input", "input", None, None, (1,), "float32", None, None, {}, (), False, False
    )
    graph = Graph({"n0": node}, [], ["n0"])
    assert graph.predecessors("n0") == [] and node.output_shapes == ()


@pytest.mark.parametrize(
    ("output", "params", "error", "match"),
    [
        (3, None, TypeError, r"trace\(\): expected a Tensor or a sequence of Tensors, got int"),
        ([], None, ValueError, "empty sequence"),
        ([mt.tensor(1.0), "x"], None, TypeError, "output 1 is a str"),
        (mt.tensor(1.0), 5, TypeError, "params must be None, a dict"),
    ],
)
def test_trace_errors(output, params, error, match):
    with pytest.raises(error, match=match):
        trace(output, params)


def test_retain_all_errors_and_repeat_calls():
    with pytest.raises(TypeError, match=r"retain_all\(\): expected a Tensor"):
        retain_all(None)
    x = mt.tensor([1.0], requires_grad=True)
    y = x.sin().cos()
    assert retain_all(y) == 2
    assert retain_all(y) == 0
    y.backward()
    graph = trace(y)
    np.testing.assert_allclose(graph.nodes["n1"].grad, -np.sin(np.sin(1.0)), rtol=1e-6)


def test_complex_graph_traces_and_draws_with_magnitude_stats():
    z = mt.tensor([3 + 4j, 1j], requires_grad=True)
    loss = (z * z).abs().sum()
    retain_all(loss)
    loss.backward()
    graph = trace(loss)
    stats = [n.stats for n in graph.nodes.values() if n.stats]
    assert stats and all(
        isinstance(v, (float, int, bool)) or v is None for s in stats for v in s.values()
    )
    leaf = next(s for s in stats if s.get("value_max") == 5.0)
    assert leaf["value_min"] == 1.0  # |3 + 4j| and |1j|: magnitudes
    from microtensor import viz
    from microtensor.viz.draw import _format_scalar

    assert _format_scalar(1 - 2j) == "1.0000-2.0000j" and _format_scalar(0.5j) == "0.0000+0.5000j"
    viz.draw_graph(loss, show_values=True, show_grads=True)  # complex labels: no error
