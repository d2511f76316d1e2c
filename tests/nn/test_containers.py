"""Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict: API and repr vs torch."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import nn


def _same_repr(build):
    expected = repr(build(torch.nn, torch)).replace("torch.", "microtensor.")
    assert repr(build(nn, mt)) == expected


@pytest.mark.parametrize(
    "build",
    [
        lambda nn, T: nn.Sequential(
            nn.Linear(2, 3),
            nn.Identity(),
            nn.Sequential(nn.Linear(3, 1, bias=False), nn.Flatten()),
            nn.Dropout(0.1),
        ),
        lambda nn, T: nn.Sequential(),
        lambda nn, T: nn.Sequential(OrderedDict(enc=nn.Linear(2, 2), drop=nn.Dropout2d())),
        lambda nn, T: nn.ModuleList(
            [nn.Linear(4, 4) for _ in range(3)] + [nn.Identity(), nn.Identity(), nn.Linear(2, 2)]
        ),
        lambda nn, T: nn.ModuleList(),
        lambda nn, T: nn.ModuleList(
            [nn.Sequential(nn.Linear(1, 1)), nn.Sequential(nn.Linear(1, 1))]
        ),
        lambda nn, T: nn.ModuleDict({"b": nn.Linear(2, 2), "a": nn.ModuleList([nn.Flatten()] * 2)}),
        lambda nn, T: nn.ParameterList([T.zeros(2), T.zeros(3, 2, dtype=T.float64), "x"]),
        lambda nn, T: nn.ParameterDict({"b": T.zeros(2), "a": T.zeros(3, 2)}),
        lambda nn, T: nn.Sequential(nn.ParameterList([T.zeros(1)]), nn.Linear(1, 1)),
    ],
)
def test_repr_matches_torch(build):
    _same_repr(build)


def _seq(lib):
    return lib.nn.Sequential(*(lib.nn.Linear(i + 1, i + 2) for i in range(4)))


def _in_features(seq):
    return [layer.in_features for layer in seq]


def test_sequential_forward_chains_modules():
    seq = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    x = mt.randn(5, 3)
    np.testing.assert_allclose(seq(x).numpy(force=True), seq[1](seq[0](x)).numpy(force=True))
    assert nn.Sequential()(x) is x


def test_sequential_indexing_slicing_and_length():
    seq = _seq(mt)
    assert len(seq) == 4 and seq[-1] is seq[3] and list(seq) == [seq[i] for i in range(4)]
    part = seq[1:3]
    assert isinstance(part, nn.Sequential) and list(part._modules) == ["1", "2"]
    assert part[0] is seq[1] and _in_features(seq[::-2]) == [4, 2]
    with pytest.raises(IndexError, match="index 4 is out of range"):
        seq[4]
    with pytest.raises(IndexError, match="index -5 is out of range"):
        seq[-5]
    with pytest.raises(TypeError):
        seq["0"]


@pytest.mark.parametrize(
    "edit",
    [
        lambda lib, s: s.__delitem__(1),
        lambda lib, s: s.__delitem__(slice(0, 3, 2)),
        lambda lib, s: s.__setitem__(-1, lib.nn.Linear(9, 9)),
        lambda lib, s: s.append(lib.nn.Linear(7, 7)),
        lambda lib, s: s.insert(1, lib.nn.Linear(8, 8)),
        lambda lib, s: s.insert(-1, lib.nn.Linear(8, 8)),
        lambda lib, s: s.insert(4, lib.nn.Linear(8, 8)),
        lambda lib, s: s.extend([lib.nn.Linear(5, 5), lib.nn.Linear(6, 6)]),
        lambda lib, s: s.pop(0),
        lambda lib, s: s.pop(slice(1, 3)),
        lambda lib, s: s.__iadd__(lib.nn.Sequential(lib.nn.Linear(5, 5))),
    ],
)
def test_sequential_edits_match_torch(edit):
    m, t = _seq(mt), _seq(torch)
    result_m, result_t = edit(mt, m), edit(torch, t)
    assert list(m.state_dict()) == list(t.state_dict())
    assert _in_features(m) == _in_features(t)
    if isinstance(result_t, torch.nn.Module):
        assert repr(result_m) == repr(result_t)


def test_sequential_add_mul_and_errors():
    a, b = _seq(mt), nn.Sequential(nn.Identity())
    joined = a + b
    assert len(joined) == 5 and joined[0] is a[0] and joined[4] is b[0]
    twice = b * 2
    assert len(twice) == 2 and twice[0] is twice[1]
    assert len(3 * b) == 3
    b *= 3
    assert len(b) == 3
    with pytest.raises(ValueError, match="only objects of Sequential class"):
        a + nn.ModuleList()
    with pytest.raises(ValueError, match="Non-positive multiplication factor 0"):
        a * 0
    with pytest.raises(AssertionError, match="module should be of type"):
        a.insert(0, "x")
    with pytest.raises(IndexError, match="Index out of range: 9"):
        a.insert(9, nn.Identity())


def test_module_list_api_matches_torch():
    def build(lib):
        layers = lib.nn.ModuleList([lib.nn.Linear(1, 1), lib.nn.Linear(2, 2)])
        layers.append(lib.nn.Linear(3, 3))
        layers.extend([lib.nn.Linear(4, 4)])
        layers += [lib.nn.Linear(5, 5)]
        layers.insert(1, lib.nn.Linear(6, 6))
        layers[-1] = lib.nn.Linear(7, 7)
        del layers[0]
        popped = layers.pop(1)
        return layers, popped

    (m, pm), (t, pt) = build(mt), build(torch)
    assert _in_features(m) == _in_features(t) and pm.in_features == pt.in_features
    assert list(m.state_dict()) == list(t.state_dict())
    assert _in_features(m[1:]) == _in_features(t[1:]) and isinstance(m[1:], nn.ModuleList)
    combined = m + nn.ModuleList([nn.Identity()])
    assert len(combined) == len(m) + 1 and combined[0] is m[0]
    with pytest.raises(IndexError, match="out of range"):
        m[10]
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        m.extend(3)


def test_module_list_parameters_belong_to_owner():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList(nn.Linear(2, 2) for _ in range(3))

    assert [n for n, _ in Net().named_parameters()][:3] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
    ]


def test_module_dict_api():
    d = nn.ModuleDict({"b": nn.Linear(1, 1)})
    d["a"] = nn.Identity()
    d.update([("c", nn.Flatten())])
    d.update(nn.ModuleDict({"d": nn.Identity()}))
    assert list(d) == list(d.keys()) == ["b", "a", "c", "d"] and len(d) == 4
    assert "a" in d and "z" not in d and isinstance(d["c"], nn.Flatten)
    assert [type(v).__name__ for v in d.values()] == ["Linear", "Identity", "Flatten", "Identity"]
    assert isinstance(d.pop("b"), nn.Linear) and list(dict(d.items())) == ["a", "c", "d"]
    del d["a"]
    assert list(d) == ["c", "d"]
    d.clear()
    assert len(d) == 0
    with pytest.raises(TypeError, match="should be called with an iterable"):
        d.update(3)
    with pytest.raises(ValueError, match="element #0 has length 1; 2 is required"):
        d.update([("x",)])
    with pytest.raises(TypeError, match="element #0 should be Iterable"):
        d.update([3])


def test_parameter_list_wraps_tensors_and_registers_them():
    plist = nn.ParameterList([mt.zeros(2), nn.Parameter(mt.ones(1))])
    plist.append(mt.zeros(3))
    plist += [mt.zeros(4)]
    assert len(plist) == 4 and all(isinstance(p, nn.Parameter) for p in plist)
    assert [n for n, _ in plist.named_parameters()] == ["0", "1", "2", "3"]
    assert plist[-1].shape == (4,) and [p.shape[0] for p in plist[1:3]] == [1, 3]
    plist[0] = mt.ones(5)
    assert plist[0].shape == (5,) and isinstance(plist[0], nn.Parameter)
    with pytest.raises(TypeError, match="ParameterList.extend should be called with an iterable"):
        plist.extend(mt.zeros(2))
    with pytest.raises(IndexError, match="out of range"):
        plist[4]
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        plist(1)


def test_parameter_dict_api_matches_torch():
    def build(lib):
        d = lib.nn.ParameterDict({"z": lib.zeros(1), "a": lib.zeros(2)})  # plain dict: sorted
        d["m"] = lib.zeros(3)
        d.update(OrderedDict(y=lib.zeros(4), b=lib.zeros(5)))  # ordered: kept
        d.setdefault("k", lib.zeros(6))
        d.pop("a")
        last = d.popitem()[0]
        return d, last

    (m, lm), (t, lt) = build(mt), build(torch)
    assert list(m.keys()) == list(t.keys()) and lm == lt
    assert list(m.state_dict()) == list(t.state_dict())
    assert all(isinstance(v, nn.Parameter) for v in m.values())
    assert m.get("nothing", 3) == 3 and "m" in m and list(reversed(m)) == list(reversed(t))
    merged = m | nn.ParameterDict(OrderedDict(new=mt.zeros(1)))
    assert list(merged.keys()) == [*m.keys(), "new"] and merged["m"] is m["m"]
    assert list(m.fromkeys(["p", "q"], mt.zeros(1)).keys()) == ["p", "q"]
    m |= nn.ParameterDict(OrderedDict(other=mt.zeros(1)))
    assert "other" in m
    m.clear()
    assert len(m) == 0
    with pytest.raises(TypeError, match="not a string"):
        m[1] = mt.zeros(1)
    with pytest.raises(RuntimeError, match="ParameterDict should not be called"):
        m(1)
