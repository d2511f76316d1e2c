"""torch.optim's implementation options against torch: Tensor lr, foreach, fused, differentiable."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.autograd import gradcheck
from tests.optim.test_algorithms import ALL_NAMES, Twin, assert_params_close, loss_fn

LR = {"SGD": 0.05, "Adadelta": 0.5, "Adagrad": 0.05, "Rprop": 0.01, "ASGD": 0.05}


def run_both(name, options_mt, options_torch, steps=15):
    mine, theirs = Twin(mt, name, options_mt), Twin(torch, name, options_torch)
    for step in range(steps):
        assert mine.step() == pytest.approx(theirs.step(), rel=1e-10)
        assert_params_close(mine.values(), theirs.values(), 1e-10, 1e-12, f"{name} step {step}")
    return mine, theirs


@pytest.mark.parametrize("name", ALL_NAMES)
def test_a_tensor_lr_gives_torchs_trajectory(name):
    lr = LR.get(name, 0.01)
    mine, theirs = run_both(
        name, {"lr": mt.tensor(lr, dtype=mt.float64)}, {"lr": torch.tensor(lr, dtype=torch.float64)}
    )
    assert isinstance(mine.opt.param_groups[0]["lr"], mt.Tensor)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_a_float32_tensor_lr_computes_as_torch(name):
    # torch computes step sizes such as lr / (1 - beta1**t) in the dtype of a Tensor lr
    options = {} if name == "Rprop" else {"weight_decay": 0.1}
    if name == "NAdam":
        options["decoupled_weight_decay"] = True
    lr = LR.get(name, 0.01)
    run_both(name, {"lr": mt.tensor(lr), **options}, {"lr": torch.tensor(lr), **options})


def test_lbfgs_accepts_a_tensor_lr():
    mine, theirs = (
        Twin(lib, "LBFGS", {"lr": lib.tensor(0.5, dtype=lib.float64)}) for lib in (mt, torch)
    )
    for twin in (mine, theirs):

        def closure(twin=twin):
            twin.opt.zero_grad()
            loss = loss_fn(twin.params, twin.x, twin.y)
            loss.backward()
            return loss

        for _ in range(3):
            twin.opt.step(closure)
    assert_params_close(mine.values(), theirs.values(), 1e-8, 1e-10, "LBFGS")


SCHEDULERS = [
    ("StepLR", {"step_size": 2, "gamma": 0.5}),
    ("CosineAnnealingLR", {"T_max": 5, "eta_min": 0.001}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3}),
    ("OneCycleLR", {"max_lr": 0.1, "total_steps": 8}),
    ("CyclicLR", {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 2}),
    ("LinearLR", {"total_iters": 4}),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("scheduler", SCHEDULERS, ids=lambda s: s[0])
def test_schedulers_fill_a_tensor_lr_in_place(scheduler, dtype):
    name, options = scheduler
    lr_mine = mt.tensor(0.05, dtype=getattr(mt, dtype))
    lr_theirs = torch.tensor(0.05, dtype=getattr(torch, dtype))
    opts = [
        lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=lr, momentum=0.9)
        for lib, lr in ((mt, lr_mine), (torch, lr_theirs))
    ]
    mine = getattr(mt.optim.lr_scheduler, name)(opts[0], **options)
    theirs = getattr(torch.optim.lr_scheduler, name)(opts[1], **options)
    assert mine.base_lrs[0] is not lr_mine
    assert float(mine.base_lrs[0]) == pytest.approx(float(theirs.base_lrs[0]), rel=1e-12)
    for _ in range(7):
        opts[0].step(), opts[1].step()
        mine.step(), theirs.step()
        assert opts[0].param_groups[0]["lr"] is lr_mine
        assert float(lr_mine) == pytest.approx(float(lr_theirs), rel=1e-12, abs=0)
        assert lr_mine.dtype == getattr(mt, dtype)
        last = mine.get_last_lr()[0]
        assert last is not lr_mine and float(last) == float(lr_mine)


def test_reduce_on_plateau_fills_a_tensor_lr():
    lr = mt.tensor(0.1, dtype=mt.float64)
    opt = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=lr)
    plateau = mt.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    for value in (1.0, 1.0, 1.0):
        plateau.step(value)
    assert opt.param_groups[0]["lr"] is lr and float(lr) == pytest.approx(0.025)


@pytest.mark.parametrize("name", ALL_NAMES + ["SparseAdam", "LBFGS"])
def test_a_tensor_lr_must_have_one_element(name):
    for lib in (mt, torch):
        with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
            getattr(lib.optim, name)([lib.zeros(2, requires_grad=True)], lr=lib.tensor([0.1, 0.2]))


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_a_tensor_lr_is_refused_with_foreach(name):
    message = "lr as a Tensor is not supported for capturable=False and foreach=True"
    for lib in (mt, torch):
        w = lib.ones(2, requires_grad=True)
        with pytest.raises(ValueError, match=message):
            getattr(lib.optim, name)([w], lr=lib.tensor(0.1), foreach=True)
        opt = getattr(lib.optim, name)([w], lr=lib.tensor(0.1))
        opt.param_groups[0]["foreach"] = True
        w.sum().backward()
        with pytest.raises(RuntimeError, match=message):
            opt.step()


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad"])
@pytest.mark.parametrize("kernel", [{"foreach": True}, {"fused": True}], ids=str)
def test_foreach_and_fused_compute_torchs_update(name, kernel):
    options = {"lr": LR.get(name, 0.01), "weight_decay": 0.05, **kernel}
    mine, theirs = (getattr(lib.optim, name) for lib in (mt, torch))
    twins = [Twin(lib, "SGD", {"lr": 0.0}) for lib in (mt, torch)]
    for twin, cls in zip(twins, (mine, theirs), strict=True):
        twin.opt = cls(twin.params, **options)
        for _ in range(10):
            twin.step()
    assert_params_close(twins[0].values(), twins[1].values(), 1e-9, 1e-12, str(kernel))
    assert twins[0].opt.param_groups[0].items() >= kernel.items()


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad"])
def test_fused_checks_are_torchs(name):
    for lib in (mt, torch):
        cls = getattr(lib.optim, name)
        with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together"):
            cls([lib.zeros(2, requires_grad=True)], fused=True, foreach=True)
    for lib in (mt, torch):
        if name == "Adagrad":  # Adagrad has no differentiable step in either
            continue
        cls = getattr(lib.optim, name)
        with pytest.raises(RuntimeError, match="`fused` does not support `differentiable`"):
            cls([lib.zeros(2, requires_grad=True)], fused=True, differentiable=True)


# ---- differentiable=True: the step recorded by autograd --------------------------------------

DIFFERENTIABLE = [
    ("SGD", {"momentum": 0.9, "weight_decay": 0.1}, "momentum"),
    ("SGD", {"momentum": 0.9, "nesterov": True, "maximize": True}, "momentum"),
    ("SGD", {}, None),
    ("Adam", {"weight_decay": 0.1}, "moments"),
    ("Adam", {"maximize": True}, None),
    ("AdamW", {"amsgrad": True}, "moments"),
]


def differentiable_step(lib, name, options, state, p0, grad, lr, *state_tensors):
    """Parameters and differentiable state after one step, as functions of everything before.

    As torch's own tests of this mode: the parameter is a non-leaf copy whose ``.grad`` is a
    tensor that requires grad, and the state holds copies of tensors that require grad.
    """
    p = p0.clone()
    p.grad = grad
    opt = getattr(lib.optim, name)([p], lr=lr, differentiable=True, **options)
    if state == "momentum":
        opt.state[p]["momentum_buffer"] = state_tensors[0].clone()
    elif state == "moments":
        m, v = state_tensors
        opt.state[p].update(
            {"step": lib.tensor(2.0), "exp_avg": m.clone(), "exp_avg_sq": v.clone()}
        )
        if options.get("amsgrad"):
            opt.state[p]["max_exp_avg_sq"] = (1.5 * v).clone()
    opt.step()
    tracked = [t for t in opt.state[p].values() if isinstance(t, lib.Tensor) and t.requires_grad]
    return (p, *tracked)


def differentiable_inputs(lib, state):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(3), rng.standard_normal(3), np.array(0.1)]
    if state == "momentum":
        arrays.append(rng.standard_normal(3))
    if state == "moments":
        arrays += [rng.standard_normal(3), np.abs(rng.standard_normal(3)) + 0.1]
    return [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=lambda c: f"{c[0]}-{c[1]}")
def test_differentiable_step_values_and_gradients_match_torch(case):
    name, options, state = case
    results = []
    for lib in (mt, torch):
        inputs = differentiable_inputs(lib, state)
        outputs = differentiable_step(lib, name, options, state, *inputs)
        weights = np.random.default_rng(1).standard_normal((len(outputs), 3))
        sum(((o * lib.tensor(w)).sum() for o, w in zip(outputs, weights, strict=True))).backward()
        grads = [np.zeros(t.shape) if t.grad is None else t.grad.numpy() for t in inputs]
        results.append(([o.detach().numpy() for o in outputs], grads))
    (out_mine, grads_mine), (out_theirs, grads_theirs) = results
    for a, b in zip(out_mine, out_theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    for a, b in zip(grads_mine, grads_theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert np.abs(grads_mine[2]) > 0  # d(outputs)/d(lr) is not zero


@pytest.mark.parametrize("case", DIFFERENTIABLE[::2], ids=lambda c: c[0])
def test_differentiable_step_passes_gradcheck(case):
    name, options, state = case
    inputs = differentiable_inputs(mt, state)

    def step(*tensors):
        return differentiable_step(mt, name, options, state, *tensors)

    assert gradcheck(step, inputs)


def test_a_loss_after_steps_has_a_gradient_with_respect_to_lr():
    """Two SGD steps on w (kept unmodified, as torch requires), then d loss / d lr."""
    grads = {}
    for lib in (mt, torch):
        lr = lib.tensor(0.1, dtype=lib.float64, requires_grad=True)
        w = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64, requires_grad=True)
        for _ in range(2):
            (grad,) = lib.autograd.grad((w**4).sum(), w, create_graph=True)
            w = w.clone()  # the optimizer updates a copy, so the graph of grad stays valid
            w.grad = grad
            lib.optim.SGD([w], lr=lr, differentiable=True).step()
        (w**2).sum().backward()
        grads[lib.__name__] = lr.grad.item()
    assert grads["microtensor"] == pytest.approx(grads["torch"], rel=1e-12)


def test_only_differentiable_optimizers_take_non_leaf_parameters():
    w = mt.ones(2, requires_grad=True) * 2
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        mt.optim.SGD([w], lr=0.1)
    assert mt.optim.SGD([w], lr=0.1, differentiable=True).param_groups[0]["params"][0] is w


def test_tensor_betas_give_torchs_trajectory():
    betas = {lib: (lib.tensor(0.8, dtype=lib.float64), lib.tensor(0.99, dtype=lib.float64))
             for lib in (mt, torch)}  # fmt: skip
    run_both("Adam", {"lr": 0.01, "betas": betas[mt]}, {"lr": 0.01, "betas": betas[torch]})


def test_tensor_betas_checks_are_torchs():
    for lib in (mt, torch):
        params = [lib.zeros(2, requires_grad=True)]
        with pytest.raises(ValueError, match="betas must be either both floats or both Tensors"):
            lib.optim.Adam(params, betas=(lib.tensor(0.9), 0.999))
        with pytest.raises(ValueError, match=r"betas\[0\] as a Tensor is not supported for capt"):
            lib.optim.Adam(params, foreach=True, betas=(lib.tensor(0.9), lib.tensor(0.99)))
        # the range check comes first, so a 2-element beta fails as a Tensor in a condition
        with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one"):
            lib.optim.Adam(params, betas=(lib.tensor([0.9, 0.8]), lib.tensor(0.9)))


def test_gradients_with_respect_to_tensor_betas_match_torch():
    grads = []
    for lib in (mt, torch):
        p0, grad, m, v = (
            differentiable_inputs(lib, "moments")[:2] + differentiable_inputs(lib, "moments")[3:]
        )
        betas = [lib.tensor(b, dtype=lib.float64, requires_grad=True) for b in (0.8, 0.95)]
        p = p0.clone()
        p.grad = grad
        opt = lib.optim.Adam([p], lr=0.1, betas=tuple(betas), differentiable=True)
        opt.state[p].update(
            {"step": lib.tensor(1.0), "exp_avg": m.clone(), "exp_avg_sq": v.clone()}
        )
        opt.step()
        (p * lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64)).sum().backward()
        grads.append([b.grad.item() for b in betas] + p0.grad.tolist() + grad.grad.tolist())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-9)
    assert all(g != 0 for g in grads[0][:2])
