"""Loss modules against their torch.nn twins: outputs, gradients, reprs, attributes, buffers."""

import numpy as np
import pytest
import torch
import torch.nn as tnn

import microtensor as mt
from microtensor import nn
from tests.helpers import assert_same, compare_with_torch


def real(rng, shape):
    return rng.standard_normal(shape)


def prob(rng, shape):
    return rng.uniform(0.05, 0.95, shape)


def pos(rng, shape):
    return rng.uniform(0.1, 2.0, shape)


def sign(rng, shape):
    return rng.choice([-1.0, 1.0], shape)


def classes(rng, shape):
    return rng.integers(0, 4, shape[:1] + shape[2:])


# module name, constructor kwargs (arrays become weight tensors), argument makers
SHAPE = (3, 4, 2)
CASES = [
    ("L1Loss", {}, [real, real]),
    ("MSELoss", {"reduction": "sum"}, [real, real]),
    ("SmoothL1Loss", {"beta": 0.5, "reduction": "none"}, [real, real]),
    ("HuberLoss", {"delta": 0.3}, [real, real]),
    ("BCELoss", {"weight": np.linspace(0.5, 1.5, 2)}, [prob, prob]),
    ("BCEWithLogitsLoss", {}, [real, prob]),
    ("BCEWithLogitsLoss", {"weight": np.ones(2) * 0.7, "pos_weight": np.array([2.0, 0.5])},
     [real, prob]),
    ("CrossEntropyLoss", {}, [real, classes]),
    ("CrossEntropyLoss", {"weight": np.linspace(0.5, 2.0, 4), "ignore_index": 1,
                          "label_smoothing": 0.2, "reduction": "none"}, [real, classes]),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}, [real, prob]),
    ("NLLLoss", {"weight": np.linspace(0.5, 2.0, 4), "ignore_index": 0}, [real, classes]),
    ("KLDivLoss", {"reduction": "batchmean"}, [real, prob]),
    ("KLDivLoss", {"reduction": "sum", "log_target": True}, [real, real]),
    ("MarginRankingLoss", {"margin": 0.3}, [real, real, sign]),
    ("SoftMarginLoss", {}, [real, sign]),
    ("PoissonNLLLoss", {"full": True}, [real, pos]),
    ("PoissonNLLLoss", {"log_input": False, "eps": 1e-4}, [pos, pos]),
    ("GaussianNLLLoss", {"full": True, "eps": 1e-3}, [real, real, pos]),
]  # fmt: skip
IDS = [f"{name}-{'-'.join(kwargs)}" for name, kwargs, _ in CASES]


def build(lib, name, kwargs, dtype):
    tensor = mt.tensor if lib is nn else torch.tensor
    options = {
        k: tensor(v.astype(dtype)) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()
    }
    return getattr(lib, name)(**options)


@pytest.mark.parametrize("name,kwargs,makers", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_module_matches_torch(name, kwargs, makers, dtype, rng):
    mine, theirs = build(nn, name, kwargs, dtype), build(tnn, name, kwargs, dtype)
    arrays = [make(rng, SHAPE) for make in makers]
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    if name == "SoftMarginLoss":  # its target may not require grad: an int tensor
        arrays[-1] = arrays[-1].astype(np.int64)
    compare_with_torch(mine, theirs, arrays, rng=rng)
    assert repr(mine) == repr(theirs)


@pytest.mark.parametrize("name,kwargs,makers", CASES, ids=IDS)
def test_attributes_and_buffers_match_torch(name, kwargs, makers):
    mine, theirs = build(nn, name, kwargs, np.float64), build(tnn, name, kwargs, np.float64)
    for attr in ["reduction", "ignore_index", "label_smoothing", "beta", "delta", "margin",
                 "log_target", "log_input", "full", "eps"]:  # fmt: skip
        assert getattr(mine, attr, None) == getattr(theirs, attr, None), attr
    assert list(mine.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert_same(mine.state_dict()[key], value)
    assert list(mine.parameters()) == []


def test_repr_shows_no_options_like_torch():
    assert repr(nn.CrossEntropyLoss(label_smoothing=0.1, reduction="sum")) == "CrossEntropyLoss()"
    model = nn.Module()
    model.loss = nn.MSELoss()
    assert repr(model) == "Module(\n  (loss): MSELoss()\n)"


def test_weights_are_buffers_that_follow_the_module_dtype():
    loss = nn.BCEWithLogitsLoss(weight=mt.ones(3), pos_weight=mt.full((3,), 2.0))
    assert [name for name, _ in loss.named_buffers()] == ["weight", "pos_weight"]
    loss.double()
    assert loss.weight.dtype == mt.float64 and loss.pos_weight.dtype == mt.float64
    out = loss(mt.zeros(2, 3, dtype=mt.float64), mt.ones(2, 3, dtype=mt.float64))
    assert np.isclose(out.item(), 2 * np.log(2.0))
    plain = nn.CrossEntropyLoss()
    assert plain.weight is None and list(plain.state_dict()) == []


def test_weight_loaded_from_a_state_dict_is_used(rng):
    x, t = rng.standard_normal((4, 3)), np.array([0, 1, 2, 1])
    loss = nn.CrossEntropyLoss(weight=mt.ones(3, dtype=mt.float64))
    loss.load_state_dict({"weight": mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64)})
    expected = tnn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
    assert_same(loss(mt.tensor(x), mt.tensor(t)), expected(torch.tensor(x), torch.tensor(t)))


@pytest.mark.parametrize(
    "name,args", [("MSELoss", ()), ("CrossEntropyLoss", (None,)), ("KLDivLoss", ())]
)
def test_legacy_constructor_flags(name, args):
    with pytest.warns(UserWarning, match="please use reduction='sum' instead"):
        mine = getattr(nn, name)(*args, size_average=False)
    with pytest.warns(UserWarning):
        theirs = getattr(tnn, name)(*args, size_average=False)
    assert mine.reduction == theirs.reduction == "sum"


def test_gaussian_nll_options_are_keyword_only():
    with pytest.raises(TypeError):
        nn.GaussianNLLLoss(True)  # type: ignore[misc]


def test_module_errors_come_from_the_functional():
    with pytest.raises(IndexError, match=r"cross_entropy\(\): Target 3 is out of bounds"):
        nn.CrossEntropyLoss()(mt.zeros(2, 3), mt.tensor([0, 3]))
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        nn.L1Loss(reduction="avg")(mt.zeros(2), mt.zeros(2))


def test_training_loop_step_reduces_the_loss(rng):
    x = mt.tensor(rng.standard_normal((32, 5)), dtype=mt.float32)  # w's dtype: matmul needs one
    y = mt.tensor(rng.integers(0, 3, 32))
    w = mt.zeros(5, 3, requires_grad=True)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(20):
        loss = loss_fn(x @ w, y)
        loss.backward()
        with mt.no_grad():
            w -= 0.5 * w.grad
        w.grad = None
        losses.append(loss.item())
    assert np.isclose(losses[0], np.log(3.0)) and losses[-1] < losses[0] - 0.05
