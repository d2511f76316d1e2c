"""symbolic_trace records the same graph as torch.fx for twin models."""

from __future__ import annotations

import math
import operator
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.fx

import microtensor as mt
from microtensor import fx
from microtensor.nn.functional import gelu
from tests.fx.twins import LIBS, cnn, copy_weights, mlp, residual, signature


def twin_traces(build):
    mt_model, torch_model = build(LIBS["mt"]), build(LIBS["torch"])
    copy_weights(mt_model, torch_model)
    return mt_model, torch_model, fx.symbolic_trace(mt_model), torch.fx.symbolic_trace(torch_model)


@pytest.mark.parametrize("build", [mlp, cnn, residual])
def test_graph_matches_torch(build):
    _, _, gm, torch_gm = twin_traces(build)
    assert signature(gm) == signature(torch_gm)


def test_code_matches_torch_text_for_simple_models():
    for build in (mlp, residual):
        _, _, gm, torch_gm = twin_traces(build)
        assert gm.code == torch_gm.code.replace("torch.", "microtensor.")


@pytest.mark.parametrize(("build", "shape"), [(mlp, (5, 4)), (cnn, (2, 1, 8, 8))])
def test_outputs_match_torch_twin(build, shape):
    _, _, gm, torch_gm = twin_traces(build)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    ours, theirs = gm(mt.tensor(x)), torch_gm(torch.tensor(x))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_function_trace_matches_torch():
    def f(k):
        return lambda x, y: k.lib.cat([x, y], 1).relu().mean(0) * 2 - x.t() @ y

    gm, torch_gm = fx.symbolic_trace(f(LIBS["mt"])), torch.fx.symbolic_trace(f(LIBS["torch"]))
    assert signature(gm) == signature(torch_gm)
    assert type(gm).__name__ == "<lambda>" == type(torch_gm).__name__


def test_buffers_parameters_and_tensor_constants_match_torch():
    def build(k):
        class M(k.nn.Module):
            def __init__(self):
                super().__init__()
                self.w = k.nn.Parameter(k.lib.ones(3))
                self.register_buffer("buf", k.lib.ones(3))
                self.plain = k.lib.full((3,), 2.0)

            def forward(self, x):
                return (self.buf + x) * self.w - self.plain, k.lib.ones(3) @ x, self.w + self.w

        return M()

    mt_model, torch_model, gm, torch_gm = twin_traces(build)
    assert signature(gm) == signature(torch_gm)
    assert sorted(dict(gm.named_buffers())) == sorted(dict(torch_gm.named_buffers()))
    x = mt.tensor([1.0, -2.0, 3.0])
    for ours, theirs in zip(gm(x), mt_model(x), strict=True):
        assert mt.equal(ours, theirs)


def test_concrete_args_match_torch():
    def f(x, flag, y=None):
        return x + 1 if flag else x - 1

    gm = fx.symbolic_trace(f, concrete_args={"flag": True, "y": None})
    torch_gm = torch.fx.symbolic_trace(f, concrete_args={"flag": True, "y": None})
    assert [(n.op, n.name) for n in gm.graph.nodes] == [
        (n.op, n.name) for n in torch_gm.graph.nodes
    ]
    assert mt.equal(gm(mt.ones(2), True), mt.full((2,), 2.0))
    with pytest.raises(AssertionError, match="flag has been specialized to have value True"):
        gm(mt.ones(2), False)


def test_control_flow_on_a_proxy_raises_trace_error():
    def branchy(x):
        return x if x.sum() > 0 else -x

    with pytest.raises(fx.TraceError, match="cannot be used as inputs to control flow"):
        fx.symbolic_trace(branchy)

    def loop(x):
        return [v for v in x]

    with pytest.raises(fx.TraceError, match="Proxy object cannot be iterated"):
        fx.symbolic_trace(loop)
    with pytest.raises(RuntimeError, match="'len' is not supported in symbolic tracing"):
        fx.symbolic_trace(lambda x: len(x))
    assert issubclass(fx.TraceError, ValueError)


def test_tuple_unpacking_and_math_autowrap_match_torch():
    def f(x):
        a, b = x
        return math.sqrt(x.size(0)) * a + b

    gm, torch_gm = fx.symbolic_trace(f), torch.fx.symbolic_trace(f)
    assert signature(gm) == signature(torch_gm)
    assert mt.allclose(gm(mt.ones(2, 3)), mt.full((3,), math.sqrt(2) + 1))


def mt_clamp_len(x):
    return x[: min(len(x), 2)]


def torch_clamp_len(x):
    return x[: min(len(x), 2)]


fx.wrap("mt_clamp_len")
torch.fx.wrap("torch_clamp_len")


def test_wrap_records_one_call_and_reruns_the_function():
    gm = fx.symbolic_trace(lambda x: mt_clamp_len(x) * 2)
    torch_gm = torch.fx.symbolic_trace(lambda x: torch_clamp_len(x) * 2)
    ops = [(n.op, n.name) for n in gm.graph.nodes]
    assert ops == [(n.op, n.name.replace("torch", "mt")) for n in torch_gm.graph.nodes]
    assert gm.graph.find_nodes(op="call_function", target=mt_clamp_len)[0].meta["is_wrapped"]
    assert mt.equal(gm(mt.arange(5)), mt.tensor([0, 2]))
    assert 'wrap("tests_fx_test_trace_mt_clamp_len")' in gm.code
    with pytest.raises(NotImplementedError, match="top level of a module"):
        fx.wrap("mt_clamp_len")


def test_custom_leaf_module_via_is_leaf_module():
    def build(k):
        class Inner(k.nn.Module):
            def forward(self, x):
                return x * 3

        class Outer(k.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = Inner()

            def forward(self, x):
                return self.inner(x) + 1

        return Outer()

    def leaf_tracer(base):
        class LeafTracer(base):
            def is_leaf_module(self, m, qualname):
                return type(m).__name__ == "Inner" or super().is_leaf_module(m, qualname)

        return LeafTracer()

    mt_model, torch_model = build(LIBS["mt"]), build(LIBS["torch"])
    graph = leaf_tracer(fx.Tracer).trace(mt_model)
    torch_graph = leaf_tracer(torch.fx.Tracer).trace(torch_model)
    assert [(n.op, n.name, str(n.target)) for n in graph.nodes][1:2] == [
        ("call_module", "inner", "inner")
    ]
    assert str(graph) == str(torch_graph)
    plain = fx.symbolic_trace(mt_model)
    assert [n.op for n in plain.graph.nodes] == [
        "placeholder",
        "call_function",
        "call_function",
        "output",
    ]
    assert mt.equal(fx.GraphModule(mt_model, graph)(mt.ones(2)), mt.full((2,), 4.0))


def test_from_import_of_a_microtensor_function_is_recorded():
    from microtensor.special import erf

    gm = fx.symbolic_trace(lambda x: gelu(x) + mt.special.expit(x) + erf(x))
    targets = [n.target for n in gm.graph.nodes if n.op == "call_function"]
    assert targets[:3] == [mt.nn.functional.gelu, mt.special.expit, operator.add]
    assert targets[3] is mt.special.erf
    assert gelu is mt.nn.functional.gelu and erf is mt.special.erf  # patches undone


def test_fx_loads_lazily():
    code = (
        "import sys, microtensor as mt; before = 'microtensor.fx' in sys.modules; "
        "import microtensor.fx; print(before, callable(mt.fx.symbolic_trace))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
