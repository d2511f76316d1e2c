"""Module: registration, iteration order and names, modes, conversion, hooks, repr (vs torch)."""

import pytest
import torch

import microtensor as mt
from microtensor import nn


def _twin(lib):
    """The same nested model in torch or microtensor: buffers, a shared layer, a None slot."""

    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = lib.nn.Linear(3, 3)
            self.register_buffer("running", lib.zeros(3))
            self.register_buffer("scratch", lib.zeros(1), persistent=False)
            self.register_parameter("unused", None)

        def forward(self, x):
            return self.lin(x) + self.running

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.first = lib.nn.Linear(2, 3)
            self.body = lib.nn.Sequential(Block(), lib.nn.Identity(), Block())
            self.scale = lib.nn.Parameter(lib.ones(1))
            self.tied = self.first  # the same module under a second name
            self.head = lib.nn.Linear(3, 1)

        def forward(self, x):
            return self.head(self.body(self.first(x))) * self.scale

    return Net()


def _names(pairs):
    return [name for name, _ in pairs]


def test_named_members_match_torch_order_names_and_dedup():
    m, t = _twin(mt), _twin(torch)
    assert _names(m.named_parameters()) == _names(t.named_parameters())
    assert _names(m.named_parameters(remove_duplicate=False)) == _names(
        t.named_parameters(remove_duplicate=False)
    )
    assert _names(m.named_parameters(prefix="net", recurse=False)) == ["net.scale"]
    assert _names(m.named_buffers()) == _names(t.named_buffers())
    assert _names(m.named_modules()) == _names(t.named_modules())
    assert _names(m.named_modules(prefix="root")) == _names(t.named_modules(prefix="root"))
    assert _names(m.named_children()) == _names(t.named_children())
    assert list(m.state_dict()) == list(t.state_dict())
    assert "body.0.scratch" not in m.state_dict()
    assert len(list(m.parameters())) == len(list(t.parameters())) == 9
    assert len(list(m.modules())) == len(list(t.modules()))


def _torch_message(fn):
    with pytest.raises(Exception) as info:
        fn()
    return str(info.value).replace("torch.", "microtensor.")


def test_setattr_plain_tensor_onto_parameter_raises_like_torch():
    m, t = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    expected = _torch_message(lambda: setattr(t, "weight", torch.zeros(3, 2)))
    with pytest.raises(TypeError) as info:
        m.weight = mt.zeros(3, 2)
    assert str(info.value) == expected
    m.weight = None  # None is allowed, as in torch
    assert m.weight is None and _names(m.named_parameters()) == ["bias"]


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, m: m.register_parameter("a.b", None),
        lambda lib, m: m.register_buffer("", None),
        lambda lib, m: m.register_parameter("training", None),
        lambda lib, m: m.add_module("x", 3),
        lambda lib, m: m.add_module("a.b", lib.nn.Identity()),
        lambda lib, m: m.register_buffer("b", 3),
        lambda lib, m: m.register_parameter("p", lib.zeros(1)),
        lambda lib, m: m.register_parameter(1, None),
        lambda lib, m: m.get_submodule("a.b"),
        lambda lib, m: m.get_parameter("in_features"),
        lambda lib, m: m.get_parameter("nothing"),
        lambda lib, m: m.to(lib.int64),
        lambda lib, m: lib.nn.Module()(1),
        lambda lib, m: m.train("yes"),
        lambda lib, m: m.missing,
    ],
)
def test_registration_and_lookup_errors_match_torch(call):
    with pytest.raises(Exception) as expected:
        call(torch, torch.nn.Linear(2, 3))
    with pytest.raises(expected.type) as actual:
        call(mt, nn.Linear(2, 3))
    assert str(actual.value) == str(expected.value).replace("torch.", "microtensor.").replace(
        "(torch Tensor", "(microtensor Tensor"
    )


def test_register_non_leaf_parameter_raises_value_error():
    m = nn.Module()
    p = nn.Parameter(mt.ones(1))
    p.grad_fn = (p * 2).grad_fn  # a Parameter that is not a leaf
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'w'"):
        m.register_parameter("w", p)


def test_attribute_reassignment_moves_between_registries_and_delattr():
    m, t = nn.Module(), torch.nn.Module()
    m.x, t.x = nn.Identity(), torch.nn.Identity()
    m.x, t.x = nn.Parameter(mt.zeros(1)), torch.nn.Parameter(torch.zeros(1))  # module -> param
    assert _names(m.named_parameters()) == _names(t.named_parameters()) == ["x"]
    assert _names(m.named_children()) == _names(t.named_children()) == []
    with pytest.raises(TypeError, match="as parameter 'x'"):
        m.x = nn.Identity()  # as torch: a parameter name takes only a Parameter or None
    m.x = None
    assert m.x is None and _names(m.named_parameters()) == []
    m.y = nn.Identity()
    with pytest.raises(TypeError, match="as child module 'y'"):
        m.y = mt.zeros(1)
    m.y = None
    assert m.y is None and "y" in m._modules
    del m.x
    m.x = nn.Identity()
    assert _names(m.named_parameters()) == [] and _names(m.named_children()) == ["x"]
    m.register_buffer("b", mt.zeros(1))
    m.b = mt.ones(1)  # a tensor assigned to a buffer name replaces the buffer
    assert m.b.numpy().tolist() == [1.0] and "b" in m.state_dict()
    with pytest.raises(TypeError, match="as buffer 'b'"):
        m.b = 3
    del m.b, m.x
    assert list(m.state_dict()) == [] and _names(m.named_children()) == []
    with pytest.raises(AttributeError):
        del m.nothing
    with pytest.raises(AttributeError, match="before Module.__init__"):

        class Early(nn.Module):
            def __init__(self):
                self.w = nn.Parameter(mt.zeros(1))

        Early()


def test_dir_lists_parameters_buffers_and_modules():
    m = _twin(mt)
    names = dir(m)
    assert {"first", "scale", "body", "forward", "training"} <= set(names)
    assert names == sorted(names) and "0" not in dir(m.body)


def test_get_submodule_and_parameter():
    m = _twin(mt)
    assert m.get_submodule("") is m
    assert m.get_submodule("body.2.lin") is m.body[2].lin
    assert m.get_parameter("body.0.lin.weight") is m.body[0].lin.weight
    assert m.get_buffer("body.0.running") is m.body[0].running


def test_train_eval_propagate_and_apply_visits_children_first():
    m = _twin(mt)
    assert m.eval() is m
    assert not any(module.training for module in m.modules())
    m.train()
    assert all(module.training for module in m.modules())
    seen = []
    m.apply(lambda module: seen.append(type(module).__name__))
    assert seen[-1] == "Net" and seen[0] == "Linear"


def test_zero_grad_and_requires_grad():
    m = nn.Linear(2, 1)
    m(mt.ones(3, 2)).sum().backward()
    m.zero_grad(set_to_none=False)
    assert m.weight.grad.numpy().tolist() == [[0.0, 0.0]] and m.weight.grad.grad_fn is None
    m.zero_grad()
    assert m.weight.grad is None and m.bias.grad is None
    assert m.requires_grad_(False) is m and not m.weight.requires_grad


def test_repr_matches_torch_with_multiline_extra_repr():
    def build(lib):
        class Fancy(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = lib.nn.Linear(2, 2, bias=False)

            def extra_repr(self):
                return "alpha=1\nbeta=2"

        net = lib.nn.Sequential(Fancy(), lib.nn.Sequential(lib.nn.Identity(), Fancy()))
        net.add_module("none", None)
        return net

    assert repr(build(mt)) == repr(build(torch))
    assert repr(_twin(mt)) == repr(_twin(torch))


def test_module_init_rejects_arguments():
    with pytest.raises(TypeError, match="unexpected keyword argument 'x'"):
        nn.Module(x=1)
    with pytest.raises(TypeError, match="takes 1 positional argument but 2 were given"):
        nn.Module(1)
