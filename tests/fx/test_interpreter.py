"""Interpreter, Transformer and ShapeProp behave as torch.fx's on twin programs."""

from __future__ import annotations

import operator

import numpy as np
import pytest
import torch
import torch.fx
from torch.fx.passes.shape_prop import ShapeProp as TorchShapeProp
from torch.fx.passes.shape_prop import TensorMetadata as TorchTensorMetadata

import microtensor as mt
from microtensor import fx
from microtensor.fx.passes.shape_prop import ShapeProp, TensorMetadata
from tests.fx.twins import LIBS, cnn, copy_weights, residual

MT, TORCH = LIBS["mt"], LIBS["torch"]


def as_mt(text):
    return text.replace("torch.", "microtensor.")


def twin_modules(build):
    mt_model, torch_model = build(MT), build(TORCH)
    copy_weights(mt_model, torch_model)
    return fx.symbolic_trace(mt_model), torch.fx.symbolic_trace(torch_model)


def inputs(shape, dtype=np.float32):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    return mt.tensor(x), torch.tensor(x)


def assert_close(ours, theirs):
    if isinstance(ours, (tuple, list)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            assert_close(a, b)
    elif isinstance(ours, mt.Tensor):
        np.testing.assert_allclose(
            ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-5, atol=1e-6
        )
    else:
        assert ours == theirs


def test_run_equals_torch_on_a_residual_model():
    gm, torch_gm = twin_modules(residual)
    x, tx = inputs((3, 4))
    assert_close(fx.Interpreter(gm).run(x), torch.fx.Interpreter(torch_gm).run(tx))


def overriding(base, k):
    """An interpreter that negates relu's result and doubles every module's output."""

    class Overriding(base):
        def call_function(self, target, args, kwargs):
            result = super().call_function(target, args, kwargs)
            return -result if target is k.lib.relu else result

        def call_module(self, target, args, kwargs):
            return super().call_module(target, args, kwargs) * 2

    return Overriding


def test_overridden_call_function_and_call_module():
    gm, torch_gm = twin_modules(residual)
    x, tx = inputs((3, 4))
    ours = overriding(fx.Interpreter, MT)(gm).run(x)
    theirs = overriding(torch.fx.Interpreter, TORCH)(torch_gm).run(tx)
    assert_close(ours, theirs)
    assert_close(gm(x), torch_gm(tx))  # the module itself is unchanged


def describe(value):
    """A library-neutral picture of a fetched argument."""
    if isinstance(value, (mt.Tensor, torch.Tensor)):
        return ("tensor", tuple(value.shape))
    if isinstance(value, (tuple, list)):
        return type(value).__name__, [describe(v) for v in value]
    if isinstance(value, dict):
        return {key: describe(v) for key, v in value.items()}
    return value


def recording(base):
    class Recording(base):
        def run_node(self, n):
            args, kwargs = self.fetch_args_kwargs_from_env(n)
            self.seen.append((n.name, describe(args), describe(kwargs), len(self.env)))
            return super().run_node(n)

    return Recording


@pytest.mark.parametrize("garbage_collect_values", [True, False])
def test_fetch_args_kwargs_from_env_and_garbage_collection(garbage_collect_values):
    gm, torch_gm = twin_modules(residual)
    x, tx = inputs((3, 4))
    records = []
    for cls, module, arg in ((fx.Interpreter, gm, x), (torch.fx.Interpreter, torch_gm, tx)):
        interpreter = recording(cls)(module, garbage_collect_values=garbage_collect_values)
        interpreter.seen = []
        interpreter.run(arg)
        records.append((interpreter.seen, sorted(n.name for n in interpreter.env)))
    assert records[0] == records[1]


def test_initial_env_skips_the_nodes_it_gives():
    def run(k, trace, interpreter_cls, x):
        gm = trace(lambda x: k.lib.relu(x) * 3 + 1)
        relu = next(n for n in gm.graph.nodes if n.name == "relu")
        return interpreter_cls(gm).run(x, initial_env={relu: k.lib.ones(2)})

    ours = run(MT, fx.symbolic_trace, fx.Interpreter, mt.zeros(2))
    theirs = run(TORCH, torch.fx.symbolic_trace, torch.fx.Interpreter, torch.zeros(2))
    assert_close(ours, theirs)
    assert mt.equal(ours, mt.full((2,), 4.0))


def test_boxed_run_clears_its_list_and_checks_the_count():
    results = []
    for k, trace, cls in (
        (MT, fx.symbolic_trace, fx.Interpreter),
        (TORCH, torch.fx.symbolic_trace, torch.fx.Interpreter),
    ):
        gm = trace(lambda x, y: x * y - x)
        args = [k.lib.tensor([2.0, 3.0]), k.lib.tensor([4.0, 5.0])]
        out = cls(gm).boxed_run(args)
        errors = []
        for wrong in ([k.lib.ones(1)], [k.lib.ones(1)] * 3):
            with pytest.raises(RuntimeError) as info:
                cls(gm).boxed_run(wrong)
            errors.append(str(info.value))
        results.append((out.tolist(), args, errors))
    assert results[0] == results[1]
    assert results[0][2][0] == (
        "Interpreter.boxed_run expected 2 arguments for placeholders but received 1 "
        "(missing arguments)"
    )


def test_placeholder_defaults_and_missing_arguments():
    def f(x, y=2.0):
        return x + y

    messages = []
    for trace, cls, tensor in (
        (fx.symbolic_trace, fx.Interpreter, mt.ones(1)),
        (torch.fx.symbolic_trace, torch.fx.Interpreter, torch.ones(1)),
    ):
        gm = trace(f)
        assert cls(gm).run(tensor).tolist() == [3.0]
        with pytest.raises(RuntimeError) as info:
            cls(gm).run()
        messages.append(str(info.value).split("\n")[0])
    assert messages[0] == messages[1]
    assert messages[0] == "Expected positional argument for parameter x, but one was not passed in!"


def relu_matmul(k):
    return lambda x, y: k.lib.relu(x) @ y


def test_an_error_names_the_node_that_raised():
    messages = []
    for k, trace, cls in (
        (MT, fx.symbolic_trace, fx.Interpreter),
        (TORCH, torch.fx.symbolic_trace, torch.fx.Interpreter),
    ):
        gm = trace(relu_matmul(k))
        with pytest.raises(RuntimeError) as info:
            cls(gm).run(k.lib.ones(2, 3), k.lib.ones(2, 3))
        _, node_part = str(info.value).split("\n\n", 1)
        messages.append(node_part.split("\n")[0])
    assert messages[0] == as_mt(messages[1])
    assert messages[0].startswith("While executing %matmul : [num_users=1] = call_function")


def transformers(base, k):
    class AddToMulNegRelu(base):
        def call_function(self, target, args, kwargs):
            if target is operator.add:
                target = operator.mul
            if target is k.lib.relu:
                return -super().call_function(target, args, kwargs)
            return super().call_function(target, args, kwargs)

    return AddToMulNegRelu


def two_convs(k):
    class TwoConvs(k.nn.Module):  # functions without Python defaults: torch records no kwargs
        def __init__(self):
            super().__init__()
            self.conv = k.nn.Conv2d(1, 2, 3)
            self.pool = k.nn.MaxPool2d(2)

        def forward(self, x):
            h = k.lib.relu(self.conv(x)) + 1
            return self.pool(h).flatten(1).sum(1), k.lib.sigmoid(h.mean())

    return TwoConvs()


@pytest.mark.parametrize("build", [residual, two_convs])
def test_transform_code_equals_torch(build):
    gm, torch_gm = twin_modules(build)
    identity = fx.Transformer(gm).transform()
    torch_identity = torch.fx.Transformer(torch_gm).transform()
    assert identity.code == as_mt(torch_identity.code)
    changed = transformers(fx.Transformer, MT)(gm).transform()
    torch_changed = transformers(torch.fx.Transformer, TORCH)(torch_gm).transform()
    assert changed.code == as_mt(torch_changed.code)
    assert type(changed).__name__ == type(torch_changed).__name__
    assert sorted(dict(changed.named_modules())) == sorted(dict(torch_changed.named_modules()))
    x, tx = inputs((2, 1, 8, 8) if build is two_convs else (3, 4))
    assert_close(changed(x), torch_changed(tx))


def test_transform_keeps_the_output_meta_and_the_submodules():
    gm, torch_gm = twin_modules(residual)
    for module in (gm, torch_gm):
        next(iter(reversed(module.graph.nodes))).meta["note"] = "kept"
    new, torch_new = fx.Transformer(gm).transform(), torch.fx.Transformer(torch_gm).transform()
    for module in (new, torch_new):
        assert next(iter(reversed(module.graph.nodes))).meta == {"note": "kept"}
    assert new.linear is gm.linear and torch_new.linear is torch_gm.linear


def picture_meta(node):
    """tensor_meta and type of a node, library names spelled as microtensor's."""
    meta = node.meta.get("tensor_meta")

    def picture(m):
        if isinstance(m, tuple) and hasattr(m, "memory_format"):
            return (
                tuple(m.shape),
                as_mt(str(m.dtype)),
                m.requires_grad,
                tuple(m.stride),
                as_mt(str(m.memory_format)),
                m.is_quantized,
                m.qparams,
            )
        if isinstance(m, (tuple, list)):
            return [picture(v) for v in m]
        return m

    return node.name, picture(meta), node.meta["type"].__name__


@pytest.mark.parametrize(("build", "shape"), [(residual, (3, 4)), (cnn, (2, 1, 8, 8))])
def test_shape_prop_records_torchs_metadata(build, shape):
    gm, torch_gm = twin_modules(build)
    x, tx = inputs(shape)
    ours = ShapeProp(gm).propagate(x)
    theirs = TorchShapeProp(torch_gm).propagate(tx)
    assert_close(ours, theirs)
    assert [picture_meta(n) for n in gm.graph.nodes] == [
        picture_meta(n) for n in torch_gm.graph.nodes
    ]
    assert TensorMetadata._fields == TorchTensorMetadata._fields


def test_shape_prop_of_channels_last_and_transposed_tensors():
    def f(k):
        return lambda x: (x.permute(0, 2, 3, 1), x.transpose(0, 1), x.contiguous())

    gm, torch_gm = fx.symbolic_trace(f(MT)), torch.fx.symbolic_trace(f(TORCH))
    x, tx = inputs((2, 3, 4, 5))
    ShapeProp(gm).propagate(x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2))
    TorchShapeProp(torch_gm).propagate(tx.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2))
    assert [picture_meta(n) for n in gm.graph.nodes] == [
        picture_meta(n) for n in torch_gm.graph.nodes
    ]


def test_shape_prop_error_names_the_node():
    messages = []
    for k, trace, cls in (
        (MT, fx.symbolic_trace, ShapeProp),
        (TORCH, torch.fx.symbolic_trace, TorchShapeProp),
    ):
        gm = trace(lambda x: x @ x)
        with pytest.raises(RuntimeError) as info:
            cls(gm).propagate(k.lib.ones(2, 3))
        messages.append(as_mt(str(info.value)).split("\nUse tlparse")[0])  # torch's log tool
    assert messages[0] == messages[1]
    assert messages[0].startswith("ShapeProp error for: node=%matmul : [num_users=1]")
