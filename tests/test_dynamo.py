"""microtensor._dynamo against torch._dynamo: names, signatures, config settings and defaults."""

import inspect

import pytest
import torch
import torch._dynamo

import microtensor as mt
import microtensor._dynamo as dynamo


@pytest.mark.parametrize("name", sorted(set(dynamo.__all__) - {"config", "OptimizedModule"}))
def test_signatures_match_torch(name):
    ours = inspect.signature(getattr(dynamo, name)).parameters
    theirs = inspect.signature(getattr(torch._dynamo, name)).parameters
    assert [(p.name, p.kind) for p in ours.values()] == [(p.name, p.kind) for p in theirs.values()]


def test_config_defaults_are_torch_defaults():
    torch_config = torch._dynamo.config.get_config_copy()
    ours = dynamo.config.get_config_copy()
    assert ours == {name: torch_config[name] for name in ours}
    assert dynamo.config.cache_size_limit == torch._dynamo.config.cache_size_limit


def test_config_set_alias_patch_and_unknown_names():
    config = dynamo.config
    before = config.recompile_limit
    try:
        config.cache_size_limit = 64
        assert config.recompile_limit == 64
    finally:
        config.recompile_limit = before
    with config.patch("verbose", True):
        assert config.verbose is True
    with config.patch({"suppress_errors": True}):
        assert config.suppress_errors is True
    assert (config.verbose, config.suppress_errors) == (False, False)
    with pytest.raises(AttributeError, match="no_such_setting does not exist"):
        with config.patch(no_such_setting=1):
            pass
    for lib in (mt._dynamo, torch._dynamo):
        with pytest.raises(AttributeError, match=r"_dynamo.config.no_such_setting does not exist"):
            lib.config.no_such_setting = 1
        with pytest.raises(AttributeError, match=r"_dynamo.config.no_such_setting does not exist"):
            _ = lib.config.no_such_setting


def test_decorators_return_the_function_and_compiled_code_runs_eagerly():
    def f(x):
        return x * 2

    for decorator in (
        dynamo.allow_in_graph,
        dynamo.disallow_in_graph,
        dynamo.forbid_in_graph,
        dynamo.assume_constant_result,
        dynamo.disable,
        dynamo.run,
    ):
        assert decorator(f) is f
    assert dynamo.disable()(f) is f
    compiled = dynamo.optimize("eager")(f)
    assert compiled(mt.ones(2)).tolist() == [2.0, 2.0]
    x = mt.ones(3)
    dynamo.mark_dynamic(x, 0)
    dynamo.mark_static(x)
    dynamo.maybe_mark_dynamic(x, 0)
    dynamo.graph_break()
    dynamo.reset()
    dynamo.set_stance("force_eager")
    assert dynamo.is_compiling() is False and dynamo.is_dynamo_supported() is False
    assert dynamo.list_backends() == mt.compiler.list_backends()


def test_explain_says_why_it_cannot():
    with pytest.raises(NotImplementedError, match="captures no graphs"):
        dynamo.explain(lambda x: x)


def test_reachable_as_an_attribute():
    assert mt._dynamo is dynamo
