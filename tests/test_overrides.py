"""microtensor.overrides against torch.overrides: the __torch_function__ protocol for callers."""

import pytest
import torch
import torch.overrides as torch_overrides

import microtensor as mt
from microtensor import overrides


class Handles:
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return (cls.__name__, func.__name__, types, args, kwargs)


class HandlesSub(Handles):
    pass


class Declines:
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return NotImplemented


def api(*args, **kwargs):
    return "plain"


def test_queries_match_torch():
    for lib, tensor in ((overrides, mt.ones(1)), (torch_overrides, torch.ones(1))):
        assert lib.has_torch_function((tensor, 1)) is False
        assert lib.has_torch_function_unary(tensor) is False
        assert lib.has_torch_function_variadic(tensor, Handles()) is True
        assert lib.has_torch_function((Handles(),)) is True
        assert lib.is_tensor_like(tensor) and lib.is_tensor_like(Handles())
        assert not lib.is_tensor_like(3) and not lib.is_tensor_like([tensor])
    assert overrides.has_torch_function((mt.nn.Parameter(mt.ones(1)),)) is False


@pytest.mark.parametrize(
    "relevant",
    [
        (Handles(),),
        (1, Handles(), HandlesSub()),
        (Declines(), Handles()),
        (Handles(), HandlesSub(), Declines()),
    ],
    ids=["one", "subclass-first", "declines-then-handles", "three"],
)
def test_dispatch_order_and_arguments_match_torch(relevant):
    ours = overrides.handle_torch_function(api, relevant, *relevant, key=1)
    theirs = torch_overrides.handle_torch_function(api, relevant, *relevant, key=1)
    assert ours == theirs
    assert overrides._get_overloaded_args(relevant) == torch_overrides._get_overloaded_args(
        relevant
    )


def test_no_implementation_error_matches_torch():
    relevant = (Declines(),)
    with pytest.raises(TypeError) as ours:
        overrides.handle_torch_function(api, relevant, *relevant)
    with pytest.raises(TypeError) as theirs:
        torch_overrides.handle_torch_function(api, relevant, *relevant)
    assert str(ours.value) == str(theirs.value)


def test_wrap_torch_function():
    for lib in (overrides, torch_overrides):

        @lib.wrap_torch_function(lambda x, y=None: (x,))
        def f(x, y=None):
            return "plain"

        assert f(1) == "plain"
        name, func_name, types, args, kwargs = f(Handles(), y=2)
        assert (name, func_name, types, kwargs) == ("Handles", "f", (Handles,), {"y": 2})


def test_microtensor_functions_are_not_overridable():
    assert overrides.get_overridable_functions() == {}
    assert overrides.get_testing_overrides() == {}
    ignored = overrides.get_ignored_functions()
    assert mt.add in ignored and mt.nn.functional.relu in ignored and mt.linalg.norm in ignored
    with pytest.raises(TypeError):
        mt.add(Handles(), 1)  # microtensor's ops never hand the call over
