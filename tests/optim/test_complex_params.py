"""Complex parameters in every optimizer, against torch.optim.

PyTorch steps a complex parameter as its real view (``view_as_real``): each real and imaginary
part is an independent real number, and the state stays complex. Each test sets the same
gradients by hand in both frameworks (as a backward pass would leave them) and compares the
parameters and the state dicts.
"""

import copy

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.nn.utils import clip_grad_norm_, clip_grad_value_

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "maximize": True}),
    ("Adam", {"lr": 0.1}),
    ("Adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("AdamW", {"lr": 0.1, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.1, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.9, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "lr_decay": 0.01}),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}),
    ("Adadelta", {"lr": 1.0, "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.1, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.1, "weight_decay": 0.1}),
    ("NAdam", {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.1, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.1, "betas": (0.9, 0.5), "decoupled_weight_decay": True}),
    ("ASGD", {"lr": 0.1, "weight_decay": 0.1, "t0": 2}),
    ("Rprop", {"lr": 0.1}),
    ("Rprop", {"lr": 0.1, "maximize": True}),
]
IDS = [f"{name}-{'-'.join(options)}" for name, options in CASES]
# (complex dtype, real dtype, rtol, atol): float64 to a few ulps, float32 to float32 rounding
PRECISIONS = {
    "float64": (np.complex128, np.float64, 1e-13, 1e-15),
    "float32": (np.complex64, np.float32, 1e-6, 1e-7),
}


def complex_array(rng, shape, dtype):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)


def problem(precision, steps=5):
    """Starting values and per-step gradients: a complex matrix, a real vector, a complex 0-d,
    and a complex parameter that is a transposed (non-contiguous) view."""
    cdtype, rdtype = PRECISIONS[precision][:2]
    rng = np.random.default_rng(0)
    shapes = [((3, 2), cdtype), ((4,), rdtype), ((), cdtype), ((3, 2), cdtype)]

    def draw(shape, dtype):
        if dtype == cdtype:
            return complex_array(rng, shape, dtype)
        return rng.standard_normal(shape).astype(dtype)

    start = [draw(shape, dtype) for shape, dtype in shapes]
    grads = [[draw(shape, dtype) for shape, dtype in shapes] for _ in range(steps)]
    grads[1][0][0, 0] = 0.5  # a part with no imaginary gradient
    grads[2][0][0, 0] = 0  # and one with no gradient at all
    return start, grads


def make_params(lib, start):
    params = [lib.tensor(a.copy(), requires_grad=True) for a in start[:3]]
    # a leaf whose data is a transposed view: the real view must follow its strides
    params.append(lib.tensor(start[3].T.copy()).t().detach().requires_grad_())
    return params


def run(lib, name, options, start, grads, mixed=True, opt=None, params=None):
    """Step ``len(grads)`` times with these gradients; return the parameters and optimizer."""
    if params is None:
        params = make_params(lib, start)
        params = params if mixed else params[:1]
        opt = getattr(lib.optim, name)(params, **options)
    for step_grads in grads:
        for p, g in zip(params, step_grads, strict=False):
            p.grad = lib.tensor(g.copy())
        opt.step()
    return params, opt


def as_numpy(value):
    if isinstance(value, torch.Tensor | mt.Tensor):
        return value.detach().numpy()
    return np.asarray(value)


def assert_same(mine, theirs, rtol, atol, what=""):
    mine, theirs = as_numpy(mine), as_numpy(theirs)
    assert mine.dtype == theirs.dtype, what
    np.testing.assert_allclose(mine, theirs, rtol=rtol, atol=atol, err_msg=what)


def assert_state_dicts_equal(mine, theirs, rtol, atol):
    """Same keys, dtypes and values, and the same group options."""
    mine, theirs = mine.state_dict(), theirs.state_dict()
    assert mine["state"].keys() == theirs["state"].keys()
    for index, entries in theirs["state"].items():
        assert mine["state"][index].keys() == entries.keys()
        for key, value in entries.items():
            assert_same(mine["state"][index][key], value, rtol, atol, f"state {index} {key}")
    assert mine["param_groups"] == theirs["param_groups"]


def to_lib(lib, state_dict):
    """A state dict with its tensors remade in ``lib`` (as a checkpoint would carry them)."""
    state = {
        index: {key: lib.tensor(as_numpy(v).copy()) for key, v in entries.items()}
        for index, entries in state_dict["state"].items()
    }
    return {"state": state, "param_groups": copy.deepcopy(state_dict["param_groups"])}


@pytest.mark.parametrize("precision", list(PRECISIONS))
@pytest.mark.parametrize(("name", "options"), CASES, ids=IDS)
def test_complex_params_step_as_torch(name, options, precision):
    rtol, atol = PRECISIONS[precision][2:]
    start, grads = problem(precision)
    for mixed in (False, True):
        mine, opt_mine = run(mt, name, options, start, grads, mixed)
        theirs, opt_theirs = run(torch, name, options, start, grads, mixed)
        for i, (p, q) in enumerate(zip(mine, theirs, strict=True)):
            assert_same(p, q, rtol, atol, f"param {i}")
        assert_state_dicts_equal(opt_mine, opt_theirs, rtol, atol)
        assert not np.allclose(as_numpy(mine[0]), start[0])


@pytest.mark.parametrize(("name", "options"), CASES, ids=IDS)
def test_state_dict_loads_both_ways(name, options):
    """Three steps, a checkpoint, two more: microtensor's dict in torch and torch's in
    microtensor resume as torch resumes from its own (loading casts a real parameter's float
    state, such as NAdam's mu_product, to the parameter's dtype)."""
    rtol, atol = PRECISIONS["float64"][2:]
    start, grads = problem("float64")
    mine, opt_mine = run(mt, name, options, start, grads[:3])
    theirs, opt_theirs = run(torch, name, options, start, grads[:3])
    resumed = []
    for lib, saved in ((torch, opt_theirs), (mt, opt_theirs), (torch, opt_mine)):
        copies = [lib.tensor(as_numpy(p).copy(), requires_grad=True) for p in theirs]
        opt = getattr(lib.optim, name)(copies, **options)
        opt.load_state_dict(to_lib(lib, saved.state_dict()))
        resumed.append(run(lib, name, options, start, grads[3:], opt=opt, params=copies))
    (reference, opt_reference), *others = resumed
    for params, _ in others:
        for p, q in zip(params, reference, strict=True):
            assert_same(p, q, rtol, atol)
    assert_state_dicts_equal(resumed[1][1], opt_reference, rtol, atol)


@pytest.mark.parametrize(
    ("name", "options"),
    [("SGD", {"lr": 0.01, "momentum": 0.9}), ("Adam", {"lr": 0.1}), ("RMSprop", {"lr": 0.01})],
)
def test_training_through_autograd_matches_torch(name, options):
    """Gradients from backward (torch's convention, dL/dx + i dL/dy) train as in torch."""
    rng = np.random.default_rng(4)
    x, y = complex_array(rng, (5, 3), np.complex128), complex_array(rng, (5,), np.complex128)
    start = complex_array(rng, (3,), np.complex128)
    results = []
    for lib in (mt, torch):
        w = lib.tensor(start.copy(), requires_grad=True)
        scale = lib.tensor([0.5], dtype=lib.float64, requires_grad=True)
        opt = getattr(lib.optim, name)([w, scale], **options)
        losses = []
        for _ in range(5):
            opt.zero_grad()
            residual = lib.tensor(x) @ w * scale - lib.tensor(y)
            loss = (residual * residual.conj()).real.sum()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        results.append((w, scale, losses))
    (w, scale, losses), (w_torch, scale_torch, losses_torch) = results
    assert_same(w, w_torch, 1e-12, 1e-14)
    assert_same(scale, scale_torch, 1e-12, 1e-14)
    np.testing.assert_allclose(losses, losses_torch, rtol=1e-12)
    assert losses[-1] < losses[0]


def test_averaged_models_of_complex_params_match_torch():
    """EMA and SWA averages lerp complex parameters, as torch's (bit for bit in float32)."""
    rng = np.random.default_rng(5)
    weights = [complex_array(rng, (2, 2), np.complex64) for _ in range(4)]
    results = []
    for lib in (mt, torch):
        model, swa_utils = lib.nn.Linear(2, 2, dtype=lib.complex64), lib.optim.swa_utils
        averages = [
            swa_utils.AveragedModel(model, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.9)),
            swa_utils.AveragedModel(model, multi_avg_fn=swa_utils.get_swa_multi_avg_fn()),
            swa_utils.AveragedModel(model, avg_fn=swa_utils.get_ema_avg_fn(0.8)),
            swa_utils.AveragedModel(model),
        ]
        for weight in weights:
            with lib.no_grad():
                model.weight.copy_(lib.tensor(weight))
            for average in averages:
                average.update_parameters(model)
        results.append([as_numpy(average.module.weight) for average in averages])
    for mine, theirs in zip(*results, strict=True):
        assert mine.dtype == theirs.dtype
        np.testing.assert_array_equal(mine, theirs)


def test_torch_checkpoint_file_resumes_in_microtensor(tmp_path):
    """torch.save of a state dict with complex state, mt.load, then the same next steps."""
    start, grads = problem("float32")
    theirs, opt_theirs = run(torch, "Adam", {"lr": 0.1, "amsgrad": True}, start, grads[:3])
    torch.save(opt_theirs.state_dict(), tmp_path / "adam.pt")
    params = [mt.tensor(as_numpy(p).copy(), requires_grad=True) for p in theirs]
    opt = mt.optim.Adam(params, lr=0.1, amsgrad=True)
    opt.load_state_dict(mt.load(tmp_path / "adam.pt"))
    run(mt, "Adam", {}, start, grads[3:], opt=opt, params=params)
    run(torch, "Adam", {}, start, grads[3:], opt=opt_theirs, params=theirs)
    for p, q in zip(params, theirs, strict=True):
        assert_same(p, q, 1e-6, 1e-7)
    assert_state_dicts_equal(opt, opt_theirs, 1e-6, 1e-7)


def test_loaded_state_of_complex_params_keeps_its_dtypes():
    """As torch: only a floating parameter casts its state (ASGD's eta stays float here)."""
    start, grads = problem("float32")
    theirs, opt_theirs = run(torch, "ASGD", {"lr": 0.1}, start, grads[:2])
    params = make_params(mt, start)
    opt = mt.optim.ASGD(params, lr=0.1)
    opt.load_state_dict(to_lib(mt, opt_theirs.state_dict()))
    for p, q in zip(params, theirs, strict=True):
        for key in ("eta", "mu", "ax", "step"):
            assert opt.state[p][key].numpy().dtype == opt_theirs.state[q][key].numpy().dtype


def test_adam_flat_pass_takes_the_real_tensors_beside_a_complex_one():
    rng = np.random.default_rng(1)
    start = [complex_array(rng, (3,), np.complex64), rng.standard_normal((2, 2), np.float32)]
    start.append(rng.standard_normal(5, np.float32))
    grads = [
        [
            complex_array(rng, (3,), np.complex64),
            *(rng.standard_normal(a.shape, np.float32) for a in start[1:]),
        ]
        for _ in range(5)
    ]
    results = {}
    for lib in (mt, torch):
        params = [lib.tensor(a.copy(), requires_grad=True) for a in start]
        opt = lib.optim.Adam(params, lr=0.1)
        results[lib] = run(lib, "Adam", {}, start, grads, opt=opt, params=params)
    params, opt = results[mt]
    flat = next(iter(opt._flat.values()))
    assert len(flat) > 1 and flat[2] == frozenset(map(id, params[1:]))  # the pass runs
    for p, q in zip(params, results[torch][0], strict=True):
        assert_same(p, q, 1e-6, 1e-7)
    assert_state_dicts_equal(opt, results[torch][1], 1e-6, 1e-7)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_flattens_complex_params_as_their_real_views(line_search_fn):
    rng = np.random.default_rng(2)
    target = complex_array(rng, (3,), np.complex128)
    start = [complex_array(rng, (3,), np.complex128), rng.standard_normal(2)]
    results = {}
    for lib in (mt, torch):
        w, b = (lib.tensor(a.copy(), requires_grad=True) for a in start)
        opt = lib.optim.LBFGS([w, b], max_iter=5, line_search_fn=line_search_fn)

        def closure(w=w, b=b, opt=opt, lib=lib):
            # |w - target|^2 + |w - target|^4 + |b - 1|^2, with its gradient set by hand
            opt.zero_grad()
            dw, db = as_numpy(w) - target, as_numpy(b) - 1
            w.grad = lib.tensor(2 * dw + 4 * np.abs(dw) ** 2 * dw)
            b.grad = lib.tensor(2 * db)
            return float((np.abs(dw) ** 2 + np.abs(dw) ** 4).sum() + (db**2).sum())

        for _ in range(2):
            opt.step(closure)
        results[lib] = ([w, b], opt)
    for p, q in zip(results[mt][0], results[torch][0], strict=True):
        assert_same(p, q, 1e-12, 1e-14)
    state_mine, state_theirs = results[mt][1].state[results[mt][0][0]], results[torch][1].state
    state_theirs = state_theirs[results[torch][0][0]]
    assert state_mine.keys() == state_theirs.keys()
    for key in ("d", "prev_flat_grad"):  # real, 2 entries per complex element
        assert_same(state_mine[key], state_theirs[key], 1e-12, 1e-14, key)
        assert state_mine[key].shape == (8,)


@pytest.mark.parametrize("name", ["Adafactor", "Muon"])
def test_adafactor_and_muon_refuse_complex_params_before_any_update(name):
    start = [np.ones((2, 2), np.float32), np.ones((2, 2), np.complex64)]
    for lib in (mt, torch):
        params = [lib.tensor(a.copy(), requires_grad=True) for a in start]
        opt = getattr(lib.optim, name)(params, lr=0.1)
        for p in params:
            p.grad = lib.ones_like(p)
        with pytest.raises(RuntimeError, match=f"{name} does not support complex parameters"):
            opt.step()
        np.testing.assert_array_equal(as_numpy(params[0]), start[0])


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad"])
@pytest.mark.parametrize("complex_first", [False, True])
def test_fused_steps_refuse_complex_params_as_torch(name, complex_first):
    """Same error type and message (torch's text starts microtensor's), nothing updated."""
    start = [np.ones(2, np.float32), np.ones(2, np.complex64)]
    order = [1, 0] if complex_first else [0, 1]
    errors = []
    for lib in (torch, mt):
        params = [lib.tensor(start[i].copy(), requires_grad=True) for i in order]
        opt = getattr(lib.optim, name)(params, lr=0.1, fused=True)
        for p in params:
            p.grad = lib.ones_like(p)
        with pytest.raises((RuntimeError, NotImplementedError)) as error:
            opt.step()
        errors.append(error)
        for p, i in zip(params, order, strict=True):
            np.testing.assert_array_equal(as_numpy(p), start[i])
    theirs, mine = errors
    assert mine.type is theirs.type
    text = str(theirs.value).replace("torch.", "microtensor.")
    text = text.replace("['mps', 'cuda', 'xpu', 'hpu', 'cpu', 'mtia', 'privateuseone']", "['cpu']")
    assert str(mine.value).startswith(text)


def test_sparse_adam_refuses_complex_params():
    def groups(lib):
        real, cplx = lib.zeros(2), lib.zeros(2, dtype=lib.complex64)
        return [{"params": [real]}, {"params": [real.clone(), cplx]}]

    message = r"Complex params at indices \[\[1, 1\]\]: SparseAdam does not support complex"
    for lib in (mt, torch):
        with pytest.raises(ValueError, match=message):
            lib.optim.SparseAdam(groups(lib))


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("SGD", {"weight_decay": 0.1}),  # (torch refuses to differentiate momentum w.r.t. lr)
        ("Adam", {}),
        ("Adam", {"weight_decay": 0.1, "maximize": True}),
        ("AdamW", {"weight_decay": 0.1}),
    ],
)
def test_differentiable_steps_with_complex_params_match_torch(name, options):
    """The recorded step: parameters, and the gradients of a later loss w.r.t. the starting
    parameter (through gradients that carry a graph) and a Tensor lr."""
    rng = np.random.default_rng(6)
    start, scale = (
        complex_array(rng, (2, 2), np.complex128),
        complex_array(rng, (2, 2), np.complex128),
    )
    results = []
    for lib in (mt, torch):
        w = lib.tensor(start.copy(), requires_grad=True)
        lr = lib.tensor(0.1, dtype=lib.float64, requires_grad=True)
        p = w.clone()
        opt = getattr(lib.optim, name)([p], lr=lr, differentiable=True, **options)
        for _ in range(3):
            p.grad = lib.tensor(scale) * w
            opt.step()
        lib.view_as_real(p * p).sum().backward()
        results.append((p, w.grad, lr.grad, *opt.state[p].values()))
    for mine, theirs in zip(*results, strict=True):
        assert_same(mine, theirs, 1e-12, 1e-14)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 0.0, 3.0, float("inf"), -float("inf")])
def test_clip_grad_norm_takes_the_modulus_of_complex_grads(norm_type):
    rng = np.random.default_rng(3)
    grads = [complex_array(rng, (3,), np.complex64), rng.standard_normal(2).astype(np.float32)]
    grads.append(complex_array(rng, (2,), np.complex128))
    results = []
    for lib, clip in ((mt, clip_grad_norm_), (torch, torch.nn.utils.clip_grad_norm_)):
        params = [lib.zeros(g.shape, dtype=getattr(lib, str(g.dtype))) for g in grads]
        for p, g in zip(params, grads, strict=True):
            p.requires_grad_()
            p.grad = lib.tensor(g.copy())
        results.append((clip(params, 1.0, norm_type=norm_type), [p.grad for p in params]))
    (norm_mine, grads_mine), (norm_theirs, grads_theirs) = results
    assert_same(norm_mine, norm_theirs, 1e-6, 0)  # a real norm, float64 as the widest part
    for g, h in zip(grads_mine, grads_theirs, strict=True):
        assert_same(g, h, 1e-6, 1e-7)


def test_clip_grad_value_refuses_complex_grads_as_torch():
    """torch clamps by dtype, the dtypes in reverse order of first appearance, until complex."""
    for order in ([0, 1, 2], [1, 0, 2], [2, 1, 0]):
        results = []
        for lib, clip in ((mt, clip_grad_value_), (torch, torch.nn.utils.clip_grad_value_)):
            params = [
                lib.zeros(2, requires_grad=True),
                lib.zeros(2, dtype=lib.complex64, requires_grad=True),
                lib.zeros(2, dtype=lib.float64, requires_grad=True),
            ]
            for p in params:
                p.grad = lib.tensor([3.0, -0.5], dtype=p.dtype)
            with pytest.raises(NotImplementedError, match="clamp is not supported for complex"):
                clip([params[i] for i in order], 1.0)
            results.append([as_numpy(p.grad) for p in params])
        for g, h in zip(*results, strict=True):
            np.testing.assert_array_equal(g, h)
        assert any(g[0] == 1.0 for g in results[0])  # some were clipped before the raise
