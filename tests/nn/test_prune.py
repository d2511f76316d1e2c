"""nn.utils.prune against torch.nn.utils.prune: masks, state dicts, outputs and gradients."""

import math

import numpy as np
import pytest
import torch
from torch.nn.utils import prune as torch_prune

import microtensor as mt
from microtensor.nn.utils import prune
from tests.helpers import assert_same


def distinct(shape, rng):
    """Random values of either sign whose absolute values differ (no ties in a top-k)."""
    size = int(np.prod(shape))
    magnitudes = rng.uniform(0.05, 1.0, size).astype(np.float32)
    assert len(np.unique(magnitudes)) == size
    signs = rng.choice([-1.0, 1.0], size).astype(np.float32)
    return (magnitudes * signs).reshape(shape)


def twins(kind="linear", seed=0):
    """The same module in both libraries, with equal distinct-valued parameters."""
    rng = np.random.default_rng(seed)
    if kind == "linear":
        pair = torch.nn.Linear(6, 4), mt.nn.Linear(6, 4)
    else:
        pair = torch.nn.Conv2d(3, 5, 2), mt.nn.Conv2d(3, 5, 2)
    torch_module, mt_module = pair
    for name, param in torch_module.named_parameters():
        value = distinct(tuple(param.shape), rng)
        with torch.no_grad():
            param.copy_(torch.tensor(value))
        with mt.no_grad():
            getattr(mt_module, name).copy_(mt.tensor(value))
    return torch_module, mt_module


def check_same_pruning(torch_module, mt_module, rng=None):
    """Same parameters, buffers and state dict; same output and gradients after a call."""
    rng = rng or np.random.default_rng(1)
    assert [n for n, _ in mt_module.named_parameters()] == [
        n for n, _ in torch_module.named_parameters()
    ]
    assert [n for n, _ in mt_module.named_buffers()] == [n for n, _ in torch_module.named_buffers()]
    torch_state, mt_state = torch_module.state_dict(), mt_module.state_dict()
    assert list(mt_state) == list(torch_state)
    for key in torch_state:
        assert_same(mt_state[key], torch_state[key], what=key)
    if isinstance(torch_module, torch.nn.Linear):
        shape = (2, torch_module.in_features)
    else:
        shape = (2, torch_module.in_channels, 4, 4)
    dtype = next(torch_module.parameters()).detach().numpy().dtype
    x = rng.standard_normal(shape).astype(dtype)
    torch_out, mt_out = torch_module(torch.tensor(x)), mt_module(mt.tensor(x))
    assert_same(mt_out, torch_out, what="output")
    upstream = rng.standard_normal(tuple(torch_out.shape)).astype(dtype)
    torch_out.backward(torch.tensor(upstream))
    mt_out.backward(mt.tensor(upstream))
    for name, param in torch_module.named_parameters():
        assert_same(getattr(mt_module, name).grad, param.grad, what=f"grad of {name}")
    assert prune.is_pruned(mt_module) == torch_prune.is_pruned(torch_module)


def both(fn_name, *args, **kwargs):
    """A call ``<library>.<fn_name>(module, ...)``; NumPy arguments become that library's tensors."""

    def call(library, module):
        tensor = torch.tensor if library is torch_prune else mt.tensor
        extra = {k: tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
        return getattr(library, fn_name)(module, *args, **extra)

    return call


SCORES = distinct((5, 3, 2, 2), np.random.default_rng(7))
BIAS_MASK = np.array([0.0, 1.0, 1.0, 0.0], np.float32)
CASES = [  # (id, module kind, the call)
    ("identity", "linear", both("identity", "weight")),
    ("random_unstructured-int", "linear", both("random_unstructured", "weight", amount=7)),
    ("random_unstructured-float", "conv", both("random_unstructured", "weight", amount=0.35)),
    ("random_unstructured-bias", "conv", both("random_unstructured", "bias", amount=2)),
    ("l1-int", "linear", both("l1_unstructured", "weight", amount=9)),
    ("l1-float", "conv", both("l1_unstructured", "weight", amount=0.4)),
    ("l1-all", "linear", both("l1_unstructured", "weight", amount=1.0)),
    ("l1-none", "linear", both("l1_unstructured", "weight", amount=0)),
    ("l1-bias", "linear", both("l1_unstructured", "bias", amount=0.5)),
    ("l1-scores", "conv", both("l1_unstructured", "weight", 20, importance_scores=SCORES)),
    ("random_structured-dim0", "conv", both("random_structured", "weight", amount=2, dim=0)),
    ("random_structured-dim1", "linear", both("random_structured", "weight", 0.5, 1)),
    ("random_structured-neg", "conv", both("random_structured", "weight", amount=1, dim=-1)),
    ("ln-l2", "conv", both("ln_structured", "weight", amount=2, n=2, dim=0)),
    ("ln-l1", "conv", both("ln_structured", "weight", amount=0.34, n=1, dim=1)),
    ("ln-inf", "linear", both("ln_structured", "weight", 2, math.inf, 1)),
    ("ln-neginf", "conv", both("ln_structured", "weight", 3, -math.inf, 0)),
    ("ln-fro", "linear", both("ln_structured", "weight", amount=1, n="fro", dim=-2)),
    ("ln-half", "linear", both("ln_structured", "weight", 0.25, 0.5, 0)),
    ("ln-none", "linear", both("ln_structured", "weight", 0, 2, 0)),
    ("ln-scores", "conv", both("ln_structured", "weight", 3, 2, 0, importance_scores=SCORES)),
    ("custom_from_mask", "linear", both("custom_from_mask", "bias", mask=BIAS_MASK)),
]


@pytest.mark.parametrize(("kind", "call"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_pruning_matches_torch(kind, call):
    torch_module, mt_module = twins(kind)
    torch.manual_seed(3)
    mt.manual_seed(3)
    assert call(torch_prune, torch_module) is torch_module
    assert call(prune, mt_module) is mt_module
    name = next(n for n in ("weight", "bias") if hasattr(mt_module, n + "_mask"))
    pruned = getattr(mt_module, name)
    assert type(pruned) is mt.Tensor and pruned.grad_fn is not None  # a plain attribute
    assert name not in mt_module._parameters and name in mt_module.__dict__
    check_same_pruning(torch_module, mt_module)


@pytest.mark.parametrize("seed", range(4))
def test_random_masks_follow_torch_random_stream(seed):
    torch_module, mt_module = twins("conv")
    torch.manual_seed(seed)
    mt.manual_seed(seed)
    torch_prune.random_unstructured(torch_module, "weight", amount=0.3)
    prune.random_unstructured(mt_module, "weight", amount=0.3)
    torch_prune.random_structured(torch_module, "weight", amount=2, dim=0)
    prune.random_structured(mt_module, "weight", amount=2, dim=0)
    assert_same(mt_module.weight_mask, torch_module.weight_mask, what="mask")


def test_float64_parameters_get_float64_masks_as_torch():
    torch_module, mt_module = twins("conv")
    torch_module.double()
    mt_module.double()
    keep = SCORES > 0  # a bool mask, cast to the parameter's dtype
    for library, tensor in ((torch_prune, torch.tensor), (prune, mt.tensor)):
        module = torch_module if library is torch_prune else mt_module
        library.custom_from_mask(module, "weight", mask=tensor(keep))
        library.ln_structured(module, "weight", amount=2, n=1, dim=0)
    assert mt_module.weight_mask.dtype == mt.float64
    check_same_pruning(torch_module, mt_module)


def test_iterative_pruning_composes_through_a_container():
    torch_module, mt_module = twins("conv")
    torch.manual_seed(0)
    mt.manual_seed(0)
    steps = [
        both("l1_unstructured", "weight", amount=0.2),
        both("ln_structured", "weight", amount=1, n=1, dim=0),
        both("random_unstructured", "weight", amount=5),
        both("random_structured", "weight", amount=1, dim=1),
        both("l1_unstructured", "weight", amount=3, importance_scores=SCORES),
        both("ln_structured", "weight", amount=1, n=2, dim=0),
        both("custom_from_mask", "weight", mask=(SCORES > 0).astype(np.float32)),
    ]
    for step in steps:
        step(torch_prune, torch_module)
        step(prune, mt_module)
        assert_same(mt_module.weight_mask, torch_module.weight_mask, what="mask")
    hooks = [h for h in mt_module._forward_pre_hooks.values()]
    assert len(hooks) == 1 and isinstance(hooks[0], prune.PruningContainer)
    container = hooks[0]
    assert len(container) == len(steps)
    assert [type(m).__name__ for m in container] == [
        "L1Unstructured", "LnStructured", "RandomUnstructured", "RandomStructured",
        "L1Unstructured", "LnStructured", "CustomFromMask",
    ]  # fmt: skip
    assert isinstance(container[1], prune.LnStructured) and container[1].n == 1
    check_same_pruning(torch_module, mt_module)


@pytest.mark.parametrize(("amount", "pruned"), [(0.25, 2), (0.75, 4), (0.1, 1), (0.05, 0)])
def test_a_fraction_rounds_half_to_even_as_torch(amount, pruned):
    for library, module in ((torch_prune, torch.nn.Linear(3, 2)), (prune, mt.nn.Linear(3, 2))):
        library.l1_unstructured(module, "weight", amount=amount)  # of 6 entries
        assert int((module.weight_mask == 0).sum()) == pruned


@pytest.mark.parametrize("amount", [11, 0.3])
@pytest.mark.parametrize("with_scores", [False, True])
def test_global_unstructured_matches_torch(amount, with_scores):
    pairs = [twins("conv", seed=0), twins("linear", seed=1), twins("linear", seed=2)]
    scores = distinct((4, 6), np.random.default_rng(5))
    for i, (library, tensor) in enumerate(((torch_prune, torch.tensor), (prune, mt.tensor))):
        modules = [pair[i] for pair in pairs]
        library.l1_unstructured(modules[2], "weight", amount=4)  # pruned once already
        params = [(module, "weight") for module in modules]
        importance_scores = {params[1]: tensor(scores)} if with_scores else None
        library.global_unstructured(
            params, library.L1Unstructured, importance_scores=importance_scores, amount=amount
        )
    for torch_module, mt_module in pairs:
        check_same_pruning(torch_module, mt_module)


def test_global_random_unstructured_matches_torch():
    pairs = [twins("conv"), twins("linear")]
    for i, library in enumerate((torch_prune, prune)):
        torch.manual_seed(4)
        mt.manual_seed(4)
        params = [(pair[i], "weight") for pair in pairs]
        library.global_unstructured(params, library.RandomUnstructured, amount=0.5)
    for torch_module, mt_module in pairs:
        assert_same(mt_module.weight_mask, torch_module.weight_mask, what="mask")


def test_remove_makes_pruning_permanent_as_torch():
    torch_module, mt_module = twins("conv")
    for library, module in ((torch_prune, torch_module), (prune, mt_module)):
        library.l1_unstructured(module, "weight", amount=0.5)
        library.ln_structured(module, "weight", amount=1, n=2, dim=0)
        library.l1_unstructured(module, "bias", amount=2)
        assert library.remove(module, "weight") is module
    assert isinstance(mt_module.weight, mt.nn.Parameter)
    assert "weight" not in mt_module.__dict__
    assert not hasattr(mt_module, "weight_orig") and not hasattr(mt_module, "weight_mask")
    assert int(mt.sum(mt_module.weight == 0)) == int(torch.sum(torch_module.weight == 0))
    check_same_pruning(torch_module, mt_module)
    prune.remove(mt_module, "bias")
    assert not prune.is_pruned(mt_module) and len(mt_module._forward_pre_hooks) == 0
    with pytest.raises(ValueError, match="Parameter 'bias' of module .* has to be pruned"):
        prune.remove(mt_module, "bias")


def test_is_pruned_looks_into_submodules():
    net = mt.nn.Sequential(mt.nn.Linear(3, 3), mt.nn.Sequential(mt.nn.ReLU(), mt.nn.Linear(3, 1)))
    net.register_forward_pre_hook(lambda module, args: None)
    assert not prune.is_pruned(net)
    prune.identity(net[1][1], "weight")
    assert prune.is_pruned(net) and not prune.is_pruned(net[0])


BAD_AMOUNTS = [  # (amount, exception, message)
    ("0.3", TypeError, "Invalid type for amount: 0.3. Must be int or float."),
    (None, TypeError, "Invalid type for amount: None. Must be int or float."),
    (-1, ValueError, r"amount=-1 should either be a float in the range \[0, 1\]"),
    (1.5, ValueError, r"amount=1.5 should either be a float in the range \[0, 1\]"),
    (-0.1, ValueError, r"amount=-0.1 should either be a float in the range \[0, 1\]"),
]


@pytest.mark.parametrize(("amount", "error", "message"), BAD_AMOUNTS)
@pytest.mark.parametrize("method", ["random_unstructured", "l1_unstructured", "ln_structured"])
def test_bad_amounts_raise_torch_errors(amount, error, message, method):
    extra = {"n": 2, "dim": 0} if method == "ln_structured" else {}
    with pytest.raises(error, match=message):
        getattr(torch_prune, method)(torch.nn.Linear(3, 2), "weight", amount, **extra)
    lin = mt.nn.Linear(3, 2)
    with pytest.raises(error, match=message):
        getattr(prune, method)(lin, "weight", amount, **extra)
    assert isinstance(lin.weight, mt.nn.Parameter) and not prune.is_pruned(lin)


def test_an_amount_larger_than_the_tensor_raises_and_leaves_the_module_as_it_was():
    msg = "amount=7 should be smaller than the number of parameters to prune=6"
    torch_lin, lin = torch.nn.Linear(3, 2), mt.nn.Linear(3, 2)
    with pytest.raises(ValueError, match=msg):
        torch_prune.l1_unstructured(torch_lin, "weight", amount=7)
    with pytest.raises(ValueError, match=msg):
        prune.l1_unstructured(lin, "weight", amount=7)
    assert list(lin.state_dict()) == list(torch_lin.state_dict()) == ["bias", "weight"]
    assert isinstance(lin.weight, mt.nn.Parameter) and not prune.is_pruned(lin)
    for library, module in ((torch_prune, torch_lin), (prune, lin)):
        library.l1_unstructured(module, "weight", amount=5)
        with pytest.raises(ValueError, match="amount=3 should be smaller .* prune=1"):
            library.l1_unstructured(module, "weight", amount=3)  # only one entry is left
    assert not torch_prune.is_pruned(torch_lin)  # torch dropped the hook on the way
    with pytest.raises(ValueError, match="amount=2 should be smaller .* prune=1"):
        prune.random_structured(lin, "weight", amount=2, dim=1)  # one column is left
    (hook,) = lin._forward_pre_hooks.values()
    assert isinstance(hook, prune.L1Unstructured)
    assert int(mt.sum(lin.weight_mask)) == 1


@pytest.mark.parametrize("library", [torch_prune, prune], ids=["torch", "microtensor"])
def test_structured_pruning_and_score_errors(library):
    lin = torch.nn.Linear(3, 2) if library is torch_prune else mt.nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r"multidimensional tensors. Found tensor of shape"):
        library.ln_structured(lin, "bias", amount=1, n=2, dim=0)
    with pytest.raises(IndexError, match=r"Invalid index 2 for tensor of size"):
        library.random_structured(lin, "weight", amount=1, dim=2)
    scores = torch.ones(3) if library is torch_prune else mt.ones(3)
    with pytest.raises(AssertionError, match="importance_scores should have the same shape"):
        library.l1_unstructured(lin, "weight", amount=1, importance_scores=scores)
    assert not library.is_pruned(lin) and "weight" in lin._parameters


@pytest.mark.parametrize("library", [torch_prune, prune], ids=["torch", "microtensor"])
def test_global_unstructured_errors(library):
    lin = torch.nn.Linear(3, 2) if library is torch_prune else mt.nn.Linear(3, 2)
    with pytest.raises(TypeError, match="parameters is not an Iterable"):
        library.global_unstructured(3, library.L1Unstructured, amount=1)
    with pytest.raises(TypeError, match="importance_scores must be of type dict"):
        library.global_unstructured(
            [(lin, "weight")], library.L1Unstructured, importance_scores=[], amount=1
        )
    with pytest.raises(TypeError, match='Only "unstructured" PRUNING_TYPE supported'):
        library.global_unstructured([(lin, "weight")], library.RandomStructured, amount=1)
    assert not library.is_pruned(lin)


def test_container_and_base_class_errors():
    with pytest.raises(TypeError, match="abstract"):
        prune.BasePruningMethod()
    first = prune.L1Unstructured(amount=1)
    first._tensor_name = "weight"
    container = prune.PruningContainer(first)
    with pytest.raises(TypeError, match="is not a BasePruningMethod subclass"):
        container.add_pruning_method("weight")
    other = prune.RandomUnstructured(amount=1)
    other._tensor_name = "bias"
    with pytest.raises(ValueError, match="Can only add pruning methods acting on the parameter"):
        container.add_pruning_method(other)
    assert len(container) == 1 and container[0] is first


class EveryOther(prune.BasePruningMethod):
    """A user-defined method (written against each library's base class)."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        mask = default_mask.clone()
        mask.view(-1)[::2] = 0
        return mask


class TorchEveryOther(torch_prune.BasePruningMethod):
    PRUNING_TYPE = "unstructured"
    compute_mask = EveryOther.compute_mask


def test_user_defined_method_and_prune():
    torch_module, mt_module = twins("linear")
    torch_prune.l1_unstructured(torch_module, "weight", amount=5)
    prune.l1_unstructured(mt_module, "weight", amount=5)
    assert isinstance(TorchEveryOther.apply(torch_module, "weight"), torch_prune.PruningContainer)
    assert isinstance(EveryOther.apply(mt_module, "weight"), prune.PruningContainer)
    check_same_pruning(torch_module, mt_module)
    value = distinct((3, 4), np.random.default_rng(2))
    mask = (value > 0).astype(np.float32)
    pruned = prune.L1Unstructured(amount=4).prune(mt.tensor(value), default_mask=mt.tensor(mask))
    expected = torch_prune.L1Unstructured(amount=4).prune(
        torch.tensor(value), default_mask=torch.tensor(mask)
    )
    assert_same(pruned, expected, what="prune()")
    scores = mt.tensor(-value)
    assert_same(
        prune.L1Unstructured(amount=0.5).prune(mt.tensor(value), importance_scores=scores),
        torch_prune.L1Unstructured(amount=0.5).prune(
            torch.tensor(value), importance_scores=torch.tensor(-value)
        ),
        what="prune(importance_scores=)",
    )


def lenet(nn):
    """The pruning tutorial's LeNet, built from ``nn`` (torch.nn or microtensor.nn)."""

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 3)
            self.conv2 = nn.Conv2d(6, 16, 3)
            self.fc1 = nn.Linear(16 * 2 * 2, 32)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, x):
            x = nn.functional.max_pool2d(nn.functional.relu(self.conv1(x)), 2)
            x = nn.functional.max_pool2d(nn.functional.relu(self.conv2(x)), 2)
            x = x.view(-1, int(x.nelement() / x.shape[0]))
            return self.fc2(nn.functional.relu(self.fc1(x)))

    return LeNet()


def prune_like_the_tutorial(library, model):
    library.random_unstructured(model.conv1, name="weight", amount=0.3)
    library.l1_unstructured(model.conv1, name="bias", amount=3)
    library.ln_structured(model.conv1, name="weight", amount=0.5, n=2, dim=0)
    for module in (model.conv2, model.fc1):
        library.l1_unstructured(module, name="weight", amount=0.2)
    library.global_unstructured(
        [
            (model.conv1, "weight"),
            (model.conv2, "weight"),
            (model.fc1, "weight"),
            (model.fc2, "weight"),
        ],
        pruning_method=library.L1Unstructured,
        amount=0.2,
    )


def test_tutorial_program_prunes_trains_and_reloads_as_torch(tmp_path):
    torch.manual_seed(0)
    torch_model, mt_model = lenet(torch.nn), lenet(mt.nn)
    mt_model.load_state_dict({k: mt.tensor(v.numpy()) for k, v in torch_model.state_dict().items()})
    torch.manual_seed(1)
    mt.manual_seed(1)
    prune_like_the_tutorial(torch_prune, torch_model)
    prune_like_the_tutorial(prune, mt_model)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 1, 14, 14)).astype(np.float32)
    target = rng.integers(0, 10, 4)
    losses = []
    for library, model in ((torch, torch_model), (mt, mt_model)):
        optimizer = library.optim.SGD(model.parameters(), lr=0.1)
        loss = library.nn.functional.cross_entropy(model(library.tensor(x)), library.tensor(target))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss)
    assert_same(losses[1], losses[0], what="loss")
    assert [n for n, _ in mt_model.named_parameters()] == [
        n for n, _ in torch_model.named_parameters()
    ]
    for name, param in torch_model.named_parameters():
        assert_same(mt_model.get_parameter(name).grad, param.grad, what=f"grad of {name}")
    check_same_pruning(torch_model.conv1, mt_model.conv1)  # one more step's gradients too
    mt_state = mt_model.state_dict()
    assert list(mt_state) == list(torch_model.state_dict())
    mt.save(mt_state, tmp_path / "pruned.safetensors")
    torch.save(torch_model.state_dict(), tmp_path / "pruned.pt")
    for path in ("pruned.safetensors", "pruned.pt"):  # its own file, and torch's
        fresh = lenet(mt.nn)
        for module in (fresh.conv1, fresh.conv2, fresh.fc1, fresh.fc2):
            prune.identity(module, "weight")
        prune.identity(fresh.conv1, "bias")
        fresh.load_state_dict(mt.load(tmp_path / path))
        assert_same(fresh(mt.tensor(x)), torch_model(torch.tensor(x)), what=f"reloaded {path}")
    for name in ("conv1.weight", "conv1.bias", "conv2.weight", "fc1.weight", "fc2.weight"):
        module_name, _, param = name.rpartition(".")
        torch_prune.remove(torch_model.get_submodule(module_name), param)
        prune.remove(mt_model.get_submodule(module_name), param)
    assert not prune.is_pruned(mt_model)
    assert list(mt_model.state_dict()) == list(torch_model.state_dict())
    for key, value in torch_model.state_dict().items():
        assert_same(mt_model.state_dict()[key], value, what=key)
    assert_same(mt_model(mt.tensor(x)), torch_model(torch.tensor(x)), what="after remove")
