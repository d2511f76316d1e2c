"""Module state: state_dict / load_state_dict (keys, messages and values vs torch), to()."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import nn
from tests.nn.test_module import _torch_message, _twin


def test_sequential_state_dict_keys_like_torch():
    m = nn.Sequential(nn.Linear(2, 3), nn.Identity(), nn.Linear(3, 1))
    t = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Identity(), torch.nn.Linear(3, 1))
    assert (
        list(m.state_dict()) == list(t.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    )


def test_shared_parameter_appears_once_in_parameters_but_twice_in_state_dict():
    a = nn.Linear(2, 2)
    net = nn.Sequential(a, a)
    assert len(list(net.parameters())) == 2
    assert len(list(net.named_parameters(remove_duplicate=False))) == 4
    assert list(net.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_state_dict_is_detached_and_shares_memory():
    lin = nn.Linear(2, 2)
    sd = lin.state_dict()
    assert type(sd["weight"]) is mt.Tensor and not sd["weight"].requires_grad
    sd["weight"].numpy()[0, 0] = 7.0
    assert lin.weight.detach().numpy()[0, 0] == 7.0
    assert lin.state_dict(keep_vars=True)["weight"] is lin.weight
    assert list(lin.state_dict(prefix="enc.")) == ["enc.weight", "enc.bias"]


def test_load_state_dict_round_trip_copies_into_existing_parameters():
    src, dst = _twin(mt), _twin(mt)
    src.body[0].running.numpy()[:] = 5.0
    weight = dst.first.weight
    result = dst.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert dst.first.weight is weight  # copied in place, not replaced
    for (name, a), (_, b) in zip(src.state_dict().items(), dst.state_dict().items(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    assert dst.body[0].running.numpy().tolist() == [5.0, 5.0, 5.0]


def test_load_state_dict_from_torch_values():
    t, m = _twin(torch), _twin(mt)
    m.load_state_dict({k: mt.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    np.testing.assert_allclose(
        m(mt.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6
    )


def test_strict_mismatch_raises_torch_message_and_non_strict_returns_keys():
    m, t = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    bad_t = {"weight": torch.zeros(3, 2), "extra.key": torch.zeros(1), "x": torch.zeros(1)}
    bad_m = {k: mt.tensor(v.numpy()) for k, v in bad_t.items()}
    expected = _torch_message(lambda: t.load_state_dict(bad_t))
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict(bad_m)
    assert str(info.value) == expected
    assert expected.startswith(
        'Error(s) in loading state_dict for Linear:\n\tMissing key(s) in state_dict: "bias". '
    )
    result = m.load_state_dict(bad_m, strict=False)
    assert result == t.load_state_dict(bad_t, strict=False)
    assert (result.missing_keys, result.unexpected_keys) == (["bias"], ["extra.key", "x"])
    assert (
        repr(result)
        == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=['extra.key', 'x'])"
    )


def test_shape_mismatch_names_key_and_both_shapes_even_when_not_strict():
    m, t = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    expected = _torch_message(
        lambda: t.load_state_dict({"weight": torch.zeros(2, 2)}, strict=False)
    )
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict({"weight": mt.zeros(2, 2)}, strict=False)
    assert str(info.value) == expected
    assert (
        "size mismatch for weight: copying a param with shape microtensor.Size([2, 2])" in expected
    )


def test_load_state_dict_rejects_non_tensor_values_and_non_mappings():
    m, t = nn.Linear(2, 1), torch.nn.Linear(2, 1)
    expected = _torch_message(lambda: t.load_state_dict({"weight": torch.zeros(1, 2), "bias": 3}))
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict({"weight": mt.zeros(1, 2), "bias": 3})
    assert str(info.value) == expected
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        m.load_state_dict([("weight", mt.zeros(1, 2))])


def test_load_state_dict_assign_replaces_parameters_and_keeps_requires_grad():
    m = nn.Linear(2, 1)
    value = mt.full((1, 2), 3.0)
    m.load_state_dict({"weight": value, "bias": mt.zeros(1)}, assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    assert m.weight.numpy(force=True) is value.numpy()


def test_to_float64_keeps_parameter_identity_and_converts_grads_and_buffers():
    m = _twin(mt)
    m.body[0].register_buffer("count", mt.tensor(3))
    m(mt.ones(2, 2)).sum().backward()
    weight = m.first.weight
    assert m.to(mt.float64) is m
    assert m.first.weight is weight and weight.dtype == mt.float64
    assert weight.grad.dtype == mt.float64 and m.body[0].running.dtype == mt.float64
    assert m.body[0].count.dtype == mt.int64  # integer buffers keep their dtype
    out = m(mt.ones(2, 2, dtype=mt.float64))
    assert out.dtype == mt.float64
    assert m.float().first.weight.dtype == mt.float32
    assert m.double().first.weight.dtype == mt.float64
    assert m.half().first.weight.dtype == mt.float16
    assert m.to("cpu", dtype=mt.float32).first.weight is weight and weight.dtype == mt.float32
    assert m.to(mt.zeros(1, dtype=mt.float64)).first.weight.dtype == mt.float64
    assert m.type(mt.float32).body[0].count.dtype == mt.float32  # type() converts all
    assert m.cpu() is m and m.to("cpu") is m
    with pytest.raises(RuntimeError, match="CPU only"):
        m.to("cuda")
