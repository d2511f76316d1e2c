"""Muon against torch.optim.Muon: the bfloat16 Newton-Schulz iteration, step by step updates.

The problem: one 2-D weight in tanh(x @ W.T), squared and summed, built once with microtensor and
once with torch from the same numbers.

PyTorch runs the Newton-Schulz iteration in bfloat16 with float32 sums inside each matrix
product. microtensor rounds every intermediate matrix to bfloat16 too (summing in float64), so
the two agree bit for bit except where a float32 sum lands next to a bfloat16 rounding
boundary; at the small shapes below that never happens, and the trajectories are equal to
float32 rounding. On larger matrices an occasional one-ulp bfloat16 difference appears (and the
iteration magnifies it in the directions of tiny singular values), so those are compared on the
orthogonalization alone and on one step.
"""

import copy
import inspect

import numpy as np
import pytest
import torch
from torch.optim._muon import _zeropower_via_newtonschulz as torch_newtonschulz

import microtensor as mt
from microtensor.optim.muon import _zeropower_via_newtonschulz

SMALL_SHAPES = [(4, 3), (3, 5), (16, 7)]
CASES = [
    {},
    {"lr": 0.05, "nesterov": False},
    {"momentum": 0.5, "weight_decay": 0.0},
    {"adjust_lr_fn": "original", "weight_decay": 0.3},
    {"adjust_lr_fn": "match_rms_adamw"},
    {"ns_steps": 3, "ns_coefficients": (3.0, -3.2, 1.2), "eps": 1e-5},
]
TOLERANCES = {np.float64: (1e-10, 1e-12), np.float32: (1e-5, 1e-6)}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """torch's bfloat16 GEMMs on tiny matrices spin its thread pool: 100x slower on a busy
    machine. One thread computes the same numbers (no product here is split)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class Twin:
    """A weight, its data and a Muon of one library (``mt`` or ``torch``)."""

    def __init__(self, lib, shape, options, dtype, seed=0):
        rng = np.random.default_rng(seed)
        self.weight = lib.tensor(rng.normal(size=shape).astype(dtype), requires_grad=True)
        # more rows than the weight has dims: full-rank gradients (see test_rank_deficient...)
        self.x = lib.tensor(rng.normal(size=(sum(shape), shape[1])).astype(dtype))
        self.opt = lib.optim.Muon([self.weight], **{"lr": 0.02, **options})

    def backward(self):
        self.opt.zero_grad()
        loss = ((self.x @ self.weight.T).tanh() ** 2).sum()
        loss.backward()
        return loss.item()

    def value(self):
        return self.weight.detach().numpy().copy()

    def buffer(self):
        return self.opt.state[self.weight]["momentum_buffer"].detach().numpy()


def test_signature_defaults_and_repr_are_torchs():
    def parameters(cls):
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]

    assert parameters(mt.optim.Muon) == parameters(torch.optim.Muon)
    mine = mt.optim.Muon([mt.zeros(2, 3, requires_grad=True)])
    theirs = torch.optim.Muon([torch.zeros(2, 3, requires_grad=True)])
    assert mine.defaults == theirs.defaults
    assert repr(mine) == repr(theirs)
    assert mt.optim.Muon.__module__ == "microtensor.optim.muon"


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (8, 8), (32, 64), (64, 32), (1, 9)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_newton_schulz_is_torchs_bit_for_bit(shape, dtype):
    rng = np.random.default_rng(1)
    grad = rng.normal(size=shape).astype(dtype)
    low_rank = (rng.normal(size=(shape[0], 2)) @ rng.normal(size=(2, shape[1]))).astype(dtype)
    for matrix in (grad, low_rank * 1e-3):
        for coefficients, steps, eps in [
            ((3.4445, -4.775, 2.0315), 5, 1e-7),
            ((2, -1.5, 0.5), 2, 1),
        ]:
            mine = _zeropower_via_newtonschulz(matrix, coefficients, steps, eps)
            theirs = torch_newtonschulz(torch.tensor(matrix), coefficients, steps, eps)
            assert theirs.dtype == torch.bfloat16
            np.testing.assert_array_equal(mine, theirs.float().numpy())


def test_newton_schulz_orthogonalizes():
    grad = np.random.default_rng(2).normal(size=(6, 10))
    ortho = _zeropower_via_newtonschulz(grad, (3.4445, -4.775, 2.0315), 5, 1e-7)
    singular_values = np.linalg.svd(ortho, compute_uv=False)
    assert singular_values.min() > 0.5 and singular_values.max() < 1.5
    assert np.linalg.svd(grad, compute_uv=False).max() > 3


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SMALL_SHAPES)
@pytest.mark.parametrize("options", CASES, ids=str)
def test_trajectory_matches_torch(options, shape, dtype):
    mine, theirs = Twin(mt, shape, options, dtype), Twin(torch, shape, options, dtype)
    start = mine.value()
    rtol, atol = TOLERANCES[dtype]
    for step in range(8):
        assert mine.backward() == pytest.approx(theirs.backward(), rel=rtol, abs=atol)
        mine.opt.step(), theirs.opt.step()
        np.testing.assert_allclose(mine.value(), theirs.value(), rtol, atol, err_msg=str(step))
        np.testing.assert_allclose(mine.buffer(), theirs.buffer(), rtol, atol)
    assert mine.value().dtype == dtype and not np.allclose(mine.value(), start)
    assert list(mine.opt.state[mine.weight]) == list(theirs.opt.state[theirs.weight])


@pytest.mark.parametrize("shape", [(32, 64), (64, 32), (16, 7)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_step_from_torchs_gradient_is_torchs(shape, dtype):
    mine, theirs = Twin(mt, shape, {}, dtype), Twin(torch, shape, {}, dtype)
    theirs.backward()
    mine.weight.grad = mt.tensor(theirs.weight.grad.numpy().copy())
    mine.opt.step(), theirs.opt.step()
    np.testing.assert_array_equal(mine.buffer(), theirs.buffer())
    rtol, atol = TOLERANCES[dtype]
    close = np.isclose(mine.value(), theirs.value(), rtol, atol)
    assert close.mean() > 0.999  # all but a float32 sum's tie in the bfloat16 iteration
    bfloat16_ulp = 2.0**-8  # of an update entry (they lie below 1): lr times that at most
    np.testing.assert_allclose(mine.value(), theirs.value(), rtol=0, atol=0.02 * bfloat16_ulp)


# tall: torch adds a transposed update (its strided loop); 4 x 8: 32 entries, its vector loop
@pytest.mark.parametrize("shape", [(4, 3), (16, 7), (12, 5), (4, 8)])
@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_half_precision_steps_from_torchs_gradients_are_torchs(shape, dtype):
    rng = np.random.default_rng(4)
    start, x = rng.normal(size=shape), rng.normal(size=(sum(shape), shape[1]))
    theirs = torch.tensor(start).to(getattr(torch, dtype)).requires_grad_()
    mine = mt.tensor(start).to(getattr(mt, dtype)).requires_grad_()
    x = torch.tensor(x).to(theirs.dtype)
    opt_mine, opt_theirs = mt.optim.Muon([mine], lr=0.02), torch.optim.Muon([theirs], lr=0.02)
    for step in range(6):
        opt_theirs.zero_grad()
        ((x @ theirs.T).tanh() ** 2).sum().backward()
        mine.grad = mt.tensor(theirs.grad.float().numpy()).to(mine.dtype)
        opt_mine.step(), opt_theirs.step()
        assert mine.dtype == getattr(mt, dtype)
        np.testing.assert_array_equal(
            mine.detach().float().numpy(), theirs.detach().float().numpy(), err_msg=str(step)
        )


def test_tensor_lr_and_groups_as_torch():
    results = []
    for lib in (mt, torch):
        rng = np.random.default_rng(3)
        a = lib.tensor(rng.normal(size=(3, 4)), requires_grad=True)
        b = lib.tensor(rng.normal(size=(5, 2)), requires_grad=True)
        groups = [{"params": [a]}, {"params": [b], "adjust_lr_fn": "match_rms_adamw"}]
        opt = lib.optim.Muon(groups, lr=lib.tensor(0.03))
        for _ in range(3):
            opt.zero_grad()
            ((a**3).sum() + (b.sin() * b).sum()).backward()
            opt.step()
        results.append([a.detach().numpy().copy(), b.detach().numpy().copy()])
    for mine, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


def test_state_dict_round_trip_from_torchs():
    mine, theirs = Twin(mt, (4, 3), {}, np.float64), Twin(torch, (4, 3), {}, np.float64)
    for _ in range(3):
        mine.backward(), theirs.backward()
        mine.opt.step(), theirs.opt.step()
    torch_state = copy.deepcopy(theirs.opt.state_dict())
    mine_state = mine.opt.state_dict()
    assert mine_state["param_groups"] == torch_state["param_groups"]
    assert list(mine_state["state"][0]) == list(torch_state["state"][0]) == ["momentum_buffer"]
    resumed = Twin(mt, (4, 3), {}, np.float64)
    with mt.no_grad():
        resumed.weight.copy_(mt.tensor(theirs.value()))
    resumed.opt.load_state_dict(
        {
            "state": {
                0: {"momentum_buffer": mt.tensor(torch_state["state"][0]["momentum_buffer"])}
            },
            "param_groups": torch_state["param_groups"],
        }
    )
    for _ in range(3):
        resumed.backward(), theirs.backward()
        resumed.opt.step(), theirs.opt.step()
    np.testing.assert_allclose(resumed.value(), theirs.value(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"lr": -0.1}, "Learning rate should be >= 0 but is: -0.1"),
        ({"momentum": -0.5}, "momentum should be >= 0 but is: -0.5"),
        ({"weight_decay": -1.0}, "weight decay should be >= 0 but is: -1.0"),
        ({"adjust_lr_fn": "cosine"}, "Adjust learning rate function cosine is not supported"),
    ],
)
def test_hyper_parameter_errors_are_torchs(options, match):
    for lib in (mt, torch):
        with pytest.raises(ValueError, match=match):
            lib.optim.Muon([lib.zeros(2, 2, requires_grad=True)], **options)


def test_tensor_lr_must_have_one_element():
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        mt.optim.Muon([mt.zeros(2, 2, requires_grad=True)], lr=mt.tensor([0.1, 0.2]))


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4), ()])
def test_only_two_dimensional_parameters(shape):
    for lib in (mt, torch):
        size = str(list(shape)).replace("[", r"\[").replace("]", r"\]")
        match = rf"Muon only supports 2D parameters whereas we found a parameter with size: .*Size\({size}\)"
        with pytest.raises(ValueError, match=match):
            lib.optim.Muon(
                [lib.zeros(2, 2, requires_grad=True), lib.zeros(shape, requires_grad=True)]
            )


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"ns_steps": 100}, "Number of steps must be less than 100 for computational efficiency"),
        ({"ns_coefficients": (1.0, 2.0)}, "Coefficients must be a tuple of exactly 3 values"),
    ],
)
def test_newton_schulz_errors_come_at_step_as_torchs(options, match):
    for lib in (mt, torch):
        w = lib.ones(2, 3, requires_grad=True)
        opt = lib.optim.Muon([w], **options)
        (w * w).sum().backward()
        with pytest.raises(ValueError, match=match):
            opt.step()


def test_parameters_without_gradient_are_left_alone():
    a, b = mt.ones(2, 2, requires_grad=True), mt.ones(3, 2, requires_grad=True)
    opt = mt.optim.Muon([a, b], lr=0.1)
    (a * a).sum().backward()
    opt.step()
    assert b.tolist() == [[1.0, 1.0]] * 3 and b not in opt.state
    assert a.tolist() != [[1.0, 1.0]] * 2
