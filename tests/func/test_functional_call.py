"""functional_call and stack_module_state against torch.func: values, per-sample grads, errors."""

import numpy as np
import pytest
import torch
import torch.func as tf

import microtensor as mt
import microtensor.func as mf
from tests.func.trees import assert_tree_same


def mlp_pair(seed=0):
    """The same 3-4-2 MLP in microtensor and torch (float64)."""
    model = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.Tanh(), mt.nn.Linear(4, 2)).double()
    tmodel = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)
    ).double()
    rng = np.random.default_rng(seed)
    for (_, p), (_, tp) in zip(model.named_parameters(), tmodel.named_parameters(), strict=True):
        value = rng.standard_normal(tuple(tp.shape))
        p.data = mt.tensor(value)
        tp.data = torch.tensor(value)
    return model, tmodel


def params_pair(seed=1):
    rng = np.random.default_rng(seed)
    shapes = {"0.weight": (4, 3), "0.bias": (4,), "2.weight": (2, 4), "2.bias": (2,)}
    arrays = {k: rng.standard_normal(s) for k, s in shapes.items()}
    return {k: mt.tensor(a) for k, a in arrays.items()}, {
        k: torch.tensor(a) for k, a in arrays.items()
    }


def test_functional_call_uses_the_given_tensors_and_restores():
    model, tmodel = mlp_pair()
    params, tparams = params_pair()
    x = np.random.default_rng(2).standard_normal((5, 3))
    before = {k: v for k, v in model.named_parameters()}
    out = mf.functional_call(model, params, (mt.tensor(x),))
    assert_tree_same(out, tf.functional_call(tmodel, tparams, (torch.tensor(x),)))
    assert all(p is before[k] for k, p in model.named_parameters())
    partial = mf.functional_call(model, {"2.bias": params["2.bias"]}, mt.tensor(x))
    expected = tf.functional_call(tmodel, {"2.bias": tparams["2.bias"]}, torch.tensor(x))
    assert_tree_same(partial, expected, "some names given")
    split = [{k: params[k]} for k in ("0.weight", "0.bias")] + [{"2.weight": params["2.weight"]}]
    tsplit = [{k: tparams[k]} for k in ("0.weight", "0.bias")] + [{"2.weight": tparams["2.weight"]}]
    assert_tree_same(
        mf.functional_call(model, split, (mt.tensor(x),)),
        tf.functional_call(tmodel, tsplit, (torch.tensor(x),)),
        "list of dicts",
    )


def test_gradients_flow_to_the_given_tensors_and_kwargs_pass_through():
    model, tmodel = mlp_pair()
    params, tparams = params_pair()
    for p, tp in zip(params.values(), tparams.values(), strict=True):
        p.requires_grad_()
        tp.requires_grad_()
    x = np.random.default_rng(6).standard_normal((5, 3))
    out = mf.functional_call(model, params, args=(), kwargs={"input": mt.tensor(x)})
    tout = tf.functional_call(tmodel, tparams, args=(), kwargs={"input": torch.tensor(x)})
    (out**2).sum().backward()
    (tout**2).sum().backward()
    assert_tree_same(
        {k: p.grad for k, p in params.items()}, {k: p.grad for k, p in tparams.items()}
    )
    assert all(p.grad is None for p in model.parameters())


def test_parameters_are_restored_after_an_error():
    model, _ = mlp_pair()
    params, _ = params_pair()
    before = dict(model.named_parameters())
    with pytest.raises(RuntimeError):
        mf.functional_call(model, params, (mt.ones(5, 7, dtype=mt.float64),))
    assert all(p is before[k] for k, p in model.named_parameters())


def test_grad_of_functional_call_gives_per_sample_gradients():
    model, tmodel = mlp_pair()
    params, tparams = params_pair()
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))

    def loss(call, module):
        def fn(p, xi, yi):
            return ((call(module, p, (xi.unsqueeze(0),)) - yi) ** 2).sum()

        return fn

    per_sample = mf.vmap(mf.grad(loss(mf.functional_call, model)), in_dims=(None, 0, 0))
    tper_sample = tf.vmap(tf.grad(loss(tf.functional_call, tmodel)), in_dims=(None, 0, 0))
    actual = per_sample(params, mt.tensor(x), mt.tensor(y))
    assert_tree_same(actual, tper_sample(tparams, torch.tensor(x), torch.tensor(y)))
    mean = {k: v.mean(0) for k, v in actual.items()}
    full = mf.grad(lambda p: loss(mf.functional_call, model)(p, mt.tensor(x), mt.tensor(y)) / 6)
    assert_tree_same(full(params), {k: torch.tensor(v.numpy()) for k, v in mean.items()})


def test_buffers_are_replaced_too():
    bn, tbn = mt.nn.BatchNorm1d(3).double().eval(), torch.nn.BatchNorm1d(3).double().eval()
    rng = np.random.default_rng(4)
    state = {"running_mean": rng.standard_normal(3), "running_var": rng.random(3) + 0.5}
    x = rng.standard_normal((4, 3))
    out = mf.functional_call(bn, {k: mt.tensor(v) for k, v in state.items()}, (mt.tensor(x),))
    tout = tf.functional_call(
        tbn, {k: torch.tensor(v) for k, v in state.items()}, (torch.tensor(x),)
    )
    assert_tree_same(out, tout)
    assert float(bn.running_mean.abs().sum()) == 0.0


class Tied(mt.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = mt.nn.Linear(2, 2, bias=False)
        self.b = mt.nn.Linear(2, 2, bias=False)
        self.b.weight = self.a.weight

    def forward(self, x):
        return self.b(self.a(x))


def test_tied_weights():
    model, x = Tied().double(), mt.ones(1, 2, dtype=mt.float64)
    w = mt.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mt.float64)
    both_replaced = mf.functional_call(model, {"a.weight": w}, (x,))
    assert both_replaced.tolist() == [[17.0, 37.0]]  # x @ w.T @ w.T
    only_a = mf.functional_call(model, {"a.weight": w}, (x,), tie_weights=False)
    expected = (x @ w.T) @ model.a.weight.T
    assert_tree_same(only_a, torch.tensor(expected.detach().numpy()))
    same = mf.functional_call(model, {"a.weight": w, "b.weight": w}, (x,))
    assert same.tolist() == [[17.0, 37.0]]
    with pytest.raises(
        ValueError, match="got multiple values for keys \\['a.weight', 'b.weight'\\]"
    ):
        mf.functional_call(model, {"a.weight": w, "b.weight": w * 2}, (x,))


def test_functional_call_errors():
    model, _ = mlp_pair()
    params, _ = params_pair()
    x = mt.ones(1, 3, dtype=mt.float64)
    with pytest.raises(RuntimeError, match="Error\\(s\\) in reparametrizing for Sequential:\n\t"
                       "Unexpected key\\(s\\): 'extra'.\n\tMissing key\\(s\\): '2.bias'."):  # fmt: skip
        bad = {k: v for k, v in params.items() if k != "2.bias"} | {"extra": x}
        mf.functional_call(model, bad, (x,), strict=True)
    assert mf.functional_call(model, params, (x,), strict=True).shape == (1, 2)
    with pytest.raises(ValueError, match="appeared in multiple dictionaries"):
        mf.functional_call(model, [params, {"0.bias": params["0.bias"]}], (x,))
    with pytest.raises(ValueError, match="to be a dict, or a list/tuple of dicts"):
        mf.functional_call(model, 3, (x,))
    with pytest.raises(ValueError, match="Expected all elements of parameter_and_buffer_dicts"):
        mf.functional_call(model, [params, 3], (x,))


def test_stack_module_state_ensembles_like_torch():
    pairs = [mlp_pair(seed) for seed in range(3)]
    params, buffers = mf.stack_module_state([m for m, _ in pairs])
    tparams, tbuffers = tf.stack_module_state([t for _, t in pairs])
    assert_tree_same(
        {k: v.detach() for k, v in params.items()}, {k: v.detach() for k, v in tparams.items()}
    )
    assert all(v.requires_grad and v.is_leaf for v in params.values()) and buffers == {}
    x = np.random.default_rng(5).standard_normal((4, 3))

    def ensemble(call, module):
        return lambda p, b, xi: call(module, (p, b), (xi,))

    out = mf.vmap(ensemble(mf.functional_call, pairs[0][0]), in_dims=(0, 0, None))(
        params, buffers, mt.tensor(x)
    )
    tout = tf.vmap(ensemble(tf.functional_call, pairs[0][1]), in_dims=(0, 0, None))(
        tparams, tbuffers, torch.tensor(x)
    )
    assert_tree_same(out, tout.detach(), "ensemble")


def test_stack_module_state_errors():
    with pytest.raises(RuntimeError, match="Expected at least one model, got 0"):
        mf.stack_module_state([])
    with pytest.raises(RuntimeError, match="the same training/eval mode"):
        mf.stack_module_state([mt.nn.Linear(2, 2), mt.nn.Linear(2, 2).eval()])
    with pytest.raises(RuntimeError, match="to be of the same class"):
        mf.stack_module_state([mt.nn.Linear(2, 2), mt.nn.Bilinear(2, 2, 2)])
    frozen = mt.nn.Linear(2, 2)
    frozen.weight.requires_grad_(False)
    with pytest.raises(RuntimeError, match="Expected weight from each model to have the same"):
        mf.stack_module_state([mt.nn.Linear(2, 2), frozen])
