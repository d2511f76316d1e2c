"""Generated code names functions by public paths, the ones torch prints where it can."""

from __future__ import annotations

import inspect
import operator
import re

import pytest
import torch
import torch.fx
from torch.fx.node import _get_qualified_name as torch_qualified_name

import microtensor as mt
from microtensor import fx
from microtensor.fx._qualified_name import _get_qualified_name

NAMESPACES = {
    "microtensor": mt,
    "microtensor.nn.functional": mt.nn.functional,
    "microtensor.special": mt.special,
    "microtensor.linalg": mt.linalg,
    "microtensor.fft": mt.fft,
    "microtensor.nn.init": mt.nn.init,
}


def public_functions(module):
    for name in sorted(dir(module)):
        fn = getattr(module, name)
        if name.startswith("_") or not inspect.isfunction(fn):
            continue
        if fn.__module__.startswith("microtensor"):
            yield name, fn


def resolve(path):
    atoms = path.split(".")
    value = mt
    for atom in atoms[1:]:
        value = getattr(value, atom)
    return value


@pytest.mark.parametrize("namespace", sorted(NAMESPACES))
def test_every_public_function_prints_a_public_path_to_itself(namespace):
    checked = 0
    for _, fn in public_functions(NAMESPACES[namespace]):
        path = _get_qualified_name(fn)
        assert not any(atom.startswith("_") for atom in path.split(".")[:-1]), path
        assert resolve(path) is fn, path
        checked += 1
    assert checked > 5


def torch_named_functional(name):
    """Whether torch prints ``F.name`` as ``torch.nn.functional.name``."""
    fn = getattr(torch.nn.functional, name, None)
    return callable(fn) and torch_qualified_name(fn) == f"torch.nn.functional.{name}"


def test_functional_functions_print_torchs_path():
    checked = []
    for name, fn in public_functions(mt.nn.functional):
        if getattr(mt, name, None) is fn or not torch_named_functional(name):
            continue  # one object under two names: it cannot print both of torch's paths
        assert _get_qualified_name(fn) == f"microtensor.nn.functional.{name}"
        checked.append(name)
    assert {"relu", "dropout", "cross_entropy", "layer_norm"} <= set(checked)
    assert mt.nn.functional.relu.__module__.startswith("microtensor.nn._")  # defined privately


def test_traced_code_prints_functional_paths_like_torch():
    def program(F):
        return lambda x: F.dropout(F.relu(F.layer_norm(x, (3,))), 0.0) + F.mse_loss(x, x)

    code = fx.symbolic_trace(program(mt.nn.functional)).code
    torch_code = torch.fx.symbolic_trace(program(torch.nn.functional)).code
    pattern = re.compile(r"= ([\w.]+)\(")
    assert pattern.findall(code) == [
        name.replace("torch.", "microtensor.") for name in pattern.findall(torch_code)
    ]
    assert "_functional" not in code


def test_init_functions_print_torchs_path():
    checked = 0
    for name, fn in public_functions(mt.nn.init):
        theirs = getattr(torch.nn.init, name, None)
        if theirs is None:
            continue
        assert _get_qualified_name(fn) == torch_qualified_name(theirs).replace(
            "torch.", "microtensor."
        )
        checked += 1
    assert checked > 10


def test_a_tensor_method_as_a_function_prints_through_tensor():
    g = fx.Graph()
    x = g.placeholder("x")
    g.output(g.call_function(mt.Tensor.add, (x, 1)))
    gm = fx.GraphModule(mt.nn.Module(), g)
    assert "add = microtensor.Tensor.add(x, 1)" in gm.code
    assert mt.equal(gm(mt.ones(2)), mt.full((2,), 2.0))
    assert _get_qualified_name(mt.Tensor.add) == "microtensor.Tensor.add"


def test_operator_and_math_functions_print_like_torch():
    codes = []
    for lib, k in ((fx, mt), (torch.fx, torch)):
        g = lib.Graph()
        x = g.placeholder("x")
        results = [g.call_function(fn, (x,)) for fn in (operator.not_, operator.abs, abs)]
        g.output(tuple(results))
        codes.append(lib.GraphModule(k.nn.Module(), g).code)
    assert codes[0] == codes[1]
    assert "_operator_not_(x)" in codes[0]
    assert _get_qualified_name(operator.add) == torch_qualified_name(operator.add)


double = lambda x: x * 2  # noqa: E731 - torch names a lambda by its source


def test_a_lambda_is_named_from_its_source_like_torch():
    assert _get_qualified_name(double) == torch_qualified_name(double)
    namespace: dict = {}
    exec("anonymous = lambda x: x", namespace)  # noqa: S102 - a lambda without source
    for qualified_name in (_get_qualified_name, torch_qualified_name):
        with pytest.raises(RuntimeError, match="Unable to represent lambda"):
            qualified_name(namespace["anonymous"])
