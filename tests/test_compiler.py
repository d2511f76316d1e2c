"""``compile`` / ``compiler``: PyTorch's API and semantics (calls run eagerly)."""

import inspect

import numpy as np
import pytest
import torch

import microtensor as mt


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
def test_a_compiled_module_wraps_the_original_as_orig_mod(lib):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
    compiled = lib.compile(model)
    assert type(compiled).__name__ == "OptimizedModule" and compiled._orig_mod is model
    assert isinstance(compiled, lib.nn.Module)
    assert list(compiled.state_dict()) == [f"_orig_mod.{k}" for k in model.state_dict()]
    assert [p for p in compiled.parameters()] == [p for p in model.parameters()]
    assert repr(compiled).splitlines()[:2] == ["OptimizedModule(", "  (_orig_mod): Sequential("]
    assert len(compiled) == 3  # attributes and methods the wrapper lacks come from the original
    compiled.eval()
    assert not model.training and not compiled.training
    compiled.train()
    compiled.note = "set through the wrapper"  # attributes are the original's
    assert model.note == "set through the wrapper" and model.training and "note" in dir(compiled)
    x = lib.randn(5, 3)
    assert lib.equal(compiled(x), model(x))


def test_compiled_results_equal_eager_and_torchs_through_a_training_step():
    def run(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 1))
        compiled = lib.compile(model, mode="reduce-overhead")
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        x, y = lib.randn(8, 3), lib.randn(8, 1)
        losses = []
        for _ in range(3):
            opt.zero_grad()
            loss = lib.nn.functional.mse_loss(compiled(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    np.testing.assert_allclose(run(mt), run(torch), rtol=1e-6)


def test_a_state_dict_of_the_compiled_module_loads_into_the_original_without_the_prefix():
    model = mt.nn.Linear(2, 2)
    saved = mt.compile(model).state_dict()
    fresh = mt.nn.Linear(2, 2)
    fresh.load_state_dict({k.removeprefix("_orig_mod."): v for k, v in saved.items()})
    assert mt.equal(fresh.weight, model.weight)


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
def test_functions_decorators_and_disable(lib):
    def double(x):
        """Twice x."""
        return x * 2

    compiled = lib.compile(double)
    assert compiled.__name__ == "double" and compiled.__doc__ == "Twice x."
    assert compiled._torchdynamo_orig_callable is double
    assert lib.compile(double, disable=True) is double

    @lib.compile
    def plain(x):
        return x + 1

    @lib.compile(mode="max-autotune", fullgraph=True)
    def configured(x):
        return x - 1

    assert plain(lib.ones(2)).tolist() == [2.0, 2.0]
    assert configured(lib.ones(2)).tolist() == [0.0, 0.0]
    assert lib.compiler.disable(double)(lib.ones(1)).tolist() == [2.0]
    assert not lib.compiler.is_compiling()
    assert lib.compiler.reset() is None


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
def test_bad_arguments_raise_torchs_errors(lib):
    with pytest.raises(AssertionError, match="A callable function is expected"):
        lib.compile(3)
    with pytest.raises(RuntimeError, match="Either mode or options can be specified"):
        lib.compile(abs, mode="default", options={})
    with pytest.raises(RuntimeError, match="Unrecognized mode=fast"):
        lib.compile(abs, mode="fast")(lib.ones(1))
    with pytest.raises(RuntimeError, match="Invalid backend: 'nope'"):
        lib.compile(abs, backend="nope")


def test_a_custom_backend_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="no graph capture"):
        mt.compile(abs, backend=lambda graph, inputs: graph)


def test_the_signature_is_torchs():
    mine, theirs = inspect.signature(mt.compile), inspect.signature(torch.compile)
    assert [(p.name, p.kind, p.default) for p in mine.parameters.values()] == [
        (p.name, p.kind, p.default) for p in theirs.parameters.values()
    ]
    assert set(mt.compiler.list_backends()) <= set(torch.compiler.list_backends(exclude_tags=None))
