import io
import subprocess
import sys

import numpy as np

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from microtensor.viz import print_graph, retain_all, trace


def small_mlp():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    with mt.no_grad():
        model[0].weight.copy_(mt.tensor([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]]))
        model[0].bias.copy_(mt.tensor([0.0, -1.0]))
        model[2].weight.copy_(mt.tensor([[2.0, -1.0]]))
        model[2].bias.copy_(mt.tensor([0.5]))
    x = mt.tensor([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]], requires_grad=True)
    return model, x


def test_mlp_tree_text_after_backward():
    model, x = small_mlp()
    loss = mt.square(model(x) - mt.zeros(2, 1)).mean()  # three nodes, unlike F.mse_loss
    retain_all(loss)
    loss.backward()
    out = io.StringIO()
    text = print_graph(loss, model, file=out)
    assert out.getvalue() == text + "\n"
    # hidden = [[-2, 2], [0, -1]] -> relu [[0, 2], [0, 0]] -> y = [[-1.5], [0.5]]
    assert text.splitlines() == [
        "n10 mean  () float32  value=1.25  grad=1.",
        "└── n9 square  (2, 1) float32  grad=[[0.5], [0.5]]",
        "    └── n8 sub  (2, 1) float32  value=[[-1.5], [ 0.5]]  grad=[[-1.5], [ 0.5]]",
        "        └── n7 linear  (2, 1) float32  grad=[[-1.5], [ 0.5]]  in 2",
        "            ├── n4 relu  (2, 2) float32  value=[[0., 2.], [0., 0.]]  grad=[[-3. , 1.5], [ 1. , -0.5]]  in 1",
        "            │   └── n3 linear  (2, 2) float32  grad=[[0. , 1.5], [0. , 0. ]]  in 0",
        "            │       ├── n0 input  (2, 3) float32  grad norm=1.299",
        "            │       ├── n1 0.weight  (2, 3) float32  grad norm=5.612",
        "            │       └── n2 0.bias  (2,) float32  value=[ 0., -1.]  grad=[0. , 1.5]",
        "            ├── n5 2.weight  (1, 2) float32  value=[[ 2., -1.]]  grad=[[ 0., -3.]]",
        "            └── n6 2.bias  (1,) float32  value=[0.5]  grad=[-1.]",
    ]


def test_before_backward_no_gradients_show():
    model, x = small_mlp()
    text = print_graph(F.mse_loss(model(x), mt.zeros(2, 1)), file=io.StringIO())
    assert "grad" not in text
    assert "n1 parameter  (2, 3) float32\n" in text  # no names given
    assert "n4 relu  (2, 2) float32  value=[[0., 2.], [0., 0.]]  in 1" in text


def test_tree_shape_and_shared_nodes():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    y = (h * h + h).sum()
    text = print_graph(y, file=io.StringIO())
    assert text.splitlines() == [
        "n4 sum  () float32  value=72.0945",  # e + 2 e^2 + e^4
        "└── n3 add  (2,) float32",
        "    ├── n2 mul  (2,) float32",
        "    │   ├── n1 exp  (2,) float32  value=[2.7183, 7.3891]",
        "    │   │   └── n0 input  (2,) float32  value=[1., 2.]",
        "    │   └── (see n1: exp)",
        "    └── (see n1: exp)",
    ]


def test_prints_to_stdout_by_default(capsys):
    x = mt.tensor(2.0, requires_grad=True)
    text = print_graph(x * 3)
    assert capsys.readouterr().out == text + "\n"
    assert text == "n1 mul  () float32  value=6.\n└── n0 input  () float32  value=2."


def test_grad_norm_for_large_tensors_and_nan_flags():
    x = mt.tensor(np.full((3, 4), 2.0, dtype=np.float32), requires_grad=True)
    w = nn.Parameter(mt.tensor([1.0, np.inf]))
    loss = (x * 3).sum() + (w * 1.0).sum()
    loss.backward()
    x.grad._data[0, 0] = np.nan
    text = print_graph(loss, {"w": w}, file=io.StringIO())
    lines = text.splitlines()
    x_line = next(line for line in lines if " input " in line)
    assert x_line.endswith("n0 input  (3, 4) float32  grad norm=nan  !! NaN in grad")
    w_line = next(line for line in lines if " w " in line)
    assert w_line.endswith("w  (2,) float32  value=[ 1., inf]  grad=[1., 1.]  !! Inf in value")


def test_several_outputs_and_multi_output_ops():
    x = mt.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    a, b = x.split([1, 2])
    text = print_graph([a.sum(), b.mean(), a], file=io.StringIO())
    assert text.splitlines() == [
        "output 0:",
        "n2 sum  () float64  value=1.",
        "└── n1 split[0]  (1, 2) float64  value=[[0., 1.]]",
        "    └── n0 input  (3, 2) float64",
        "output 1:",
        "n3 mean  () float64  value=3.5",
        "└── (see n1: split[1])",
        "output 2:",
        "(see n1: split)",
    ]


def test_max_depth_and_deep_chains():
    x = mt.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(1000):
        y = y + 1.0
    text = print_graph(y, file=io.StringIO(), max_depth=3)
    lines = text.splitlines()
    assert len(lines) == 5
    assert lines[-1] == "            └── ... (inputs not shown: max_depth=3)"
    full = print_graph(y, file=io.StringIO(), max_depth=None)
    assert len(full.splitlines()) == 1001 and full.splitlines()[-1].endswith(
        "n0 input  (1,) float32  value=[1.]"
    )


def test_accepts_a_graph():
    x = mt.tensor([1.0], requires_grad=True)
    graph = trace(x.sin())
    assert (
        print_graph(graph, file=io.StringIO())
        == "n1 sin  (1,) float32  value=[0.8415]\n└── n0 input  (1,) float32  value=[1.]"
    )


def test_works_without_graphviz():
    code = (
        "import sys; sys.modules['graphviz'] = None\n"
        "import microtensor as mt, microtensor.viz as viz\n"
        "x = mt.tensor([1.0], requires_grad=True)\n"
        "text = viz.print_graph(x * 2)\n"
        "assert 'mul' in text, text\n"
        "print('graphviz' in sys.modules and sys.modules['graphviz'] is not None)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "False"
    assert result.stdout.startswith("n1 mul")
