"""microtensor.nn.grad against torch.nn.grad: values, their gradients, signatures and errors."""

import inspect

import numpy as np
import pytest
import torch
import torch.nn.grad as torch_grad

import microtensor as mt
import microtensor.nn.functional as F
import microtensor.nn.grad as mt_grad

RNG = np.random.default_rng(17)
NAMES = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input",
         "conv3d_weight"]  # fmt: skip
# nd: [(input shape, weight shape, options)]; the strided sizes leave a remainder that only
# input_size can tell apart (7 and 8 give the same output with stride 2)
CASES = {
    1: [((2, 3, 9), (4, 3, 3), {}),
        ((2, 4, 8), (6, 2, 2), {"stride": 2, "padding": 1, "dilation": 2, "groups": 2})],
    2: [((2, 2, 6, 5), (3, 2, 3, 2), {}),
        ((1, 4, 8, 7), (4, 2, 3, 3), {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2), "groups": 2})],
    3: [((1, 2, 4, 5, 4), (2, 2, 2, 3, 2), {"stride": 2, "padding": (1, 0, 1)})],
}  # fmt: skip
PARAMS = [(nd, i) for nd, cases in CASES.items() for i in range(len(cases))]
TOL = {np.float64: (1e-10, 1e-12), np.float32: (1e-5, 1e-5)}


def arrays(nd, i, dtype):
    x_shape, w_shape, options = CASES[nd][i]
    x, w = RNG.standard_normal(x_shape).astype(dtype), RNG.standard_normal(w_shape).astype(dtype)
    out = torch.nn.functional.__dict__[f"conv{nd}d"](torch.tensor(x), torch.tensor(w), **options)
    return x, w, RNG.standard_normal(tuple(out.shape)).astype(dtype), options


def close(a, b, dtype=np.float64):
    rtol, atol = TOL[dtype]
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol)


def test_signatures_and_paths_are_torchs():
    for name in NAMES:
        assert (
            inspect.signature(getattr(mt_grad, name)).parameters.keys()
            == inspect.signature(getattr(torch_grad, name)).parameters.keys()
        )
        mine = [p.default for p in inspect.signature(getattr(mt_grad, name)).parameters.values()]
        theirs = [
            p.default for p in inspect.signature(getattr(torch_grad, name)).parameters.values()
        ]
        assert mine == theirs
    assert mt.nn.grad is mt_grad and F.grad is mt_grad and torch.nn.functional.grad is torch_grad


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("nd", "i"), PARAMS)
def test_values_equal_torchs_and_the_convolutions_gradients(nd, i, dtype):
    x, w, g, options = arrays(nd, i, dtype)
    ours_input = getattr(mt_grad, f"conv{nd}d_input")(
        x.shape, mt.tensor(w), mt.tensor(g), **options
    )
    theirs_input = getattr(torch_grad, f"conv{nd}d_input")(
        torch.Size(x.shape), torch.tensor(w), torch.tensor(g), **options
    )
    close(ours_input, theirs_input, dtype)
    ours_weight = getattr(mt_grad, f"conv{nd}d_weight")(
        mt.tensor(x), w.shape, mt.tensor(g), **options
    )
    theirs_weight = getattr(torch_grad, f"conv{nd}d_weight")(
        torch.tensor(x), w.shape, torch.tensor(g), **options
    )
    close(ours_weight, theirs_weight, dtype)
    assert ours_input.dtype == ours_weight.dtype == mt.tensor(x).dtype
    # and they are the gradients microtensor's own convolution computes
    x_t, w_t = mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)
    out = getattr(F, f"conv{nd}d")(x_t, w_t, **options)
    grad_x, grad_w = mt.autograd.grad(out, [x_t, w_t], mt.tensor(g))
    close(ours_input, grad_x, dtype)
    close(ours_weight, grad_w, dtype)


@pytest.mark.parametrize(("nd", "i"), PARAMS)
def test_gradients_equal_torchs_for_a_random_upstream(nd, i):
    x, w, g, options = arrays(nd, i, np.float64)
    ours = [mt.tensor(a, requires_grad=True) for a in (x, w, g)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, g)]
    up_x, up_w = RNG.standard_normal(x.shape), RNG.standard_normal(w.shape)
    for lib, module, (xt, wt, gt) in ((mt, mt_grad, ours), (torch, torch_grad, theirs)):
        grad_in = getattr(module, f"conv{nd}d_input")(x.shape, wt, gt, **options)
        grad_w = getattr(module, f"conv{nd}d_weight")(xt, w.shape, gt, **options)
        ((grad_in * lib.tensor(up_x)).sum() + (grad_w * lib.tensor(up_w)).sum()).backward()
    for a, b in zip(ours, theirs, strict=True):
        close(a.grad, b.grad)


SMALL = {"stride": (2, 1), "padding": 1, "dilation": (1, 2), "groups": 2}


@pytest.mark.parametrize(
    ("nd", "case"), [(1, CASES[1][1]), (2, ((1, 2, 4, 3), (2, 1, 2, 2), SMALL))]
)
def test_gradcheck_and_gradgradcheck(nd, case):
    x_shape, w_shape, options = case
    x, w = RNG.standard_normal(x_shape), RNG.standard_normal(w_shape)
    g = F.__dict__[f"conv{nd}d"](mt.tensor(x), mt.tensor(w), **options).numpy()
    g = RNG.standard_normal(g.shape)
    inputs = [mt.tensor(a, requires_grad=True) for a in (x, w, g)]

    def fn(xt, wt, gt):
        return (
            getattr(mt_grad, f"conv{nd}d_input")(x.shape, wt, gt, **options),
            getattr(mt_grad, f"conv{nd}d_weight")(xt, w.shape, gt, **options),
        )

    assert mt.autograd.gradcheck(fn, inputs)
    assert mt.autograd.gradgradcheck(fn, inputs)


def test_errors_match_torch():
    for lib, module in ((mt, mt_grad), (torch, torch_grad)):
        w, go = lib.ones(4, 2, 3, 3), lib.ones(2, 4, 5, 5)
        match = r"Expected 4-dimensional input for 4-dimensional weight \[4, 2, 3, 3\], but got 3-"
        with pytest.raises(RuntimeError, match=match):
            module.conv2d_input((2, 2, 7), w, go)
        match = (
            r"Given groups=1, weight of size \[4, 2, 3, 3\], expected input\[2, 4, 7, 7\] to have 2"
        )
        with pytest.raises(RuntimeError, match=match):
            module.conv2d_input((2, 4, 7, 7), w, go)
        with pytest.raises(RuntimeError, match=r"Given groups=1, weight of size \[4, 3, 3, 3\]"):
            module.conv2d_weight(lib.ones(2, 2, 7, 7), (4, 3, 3, 3), go)
        match = (
            "Expected input and grad_output to have the same number of dimensions, but got: 4 and 3"
        )
        with pytest.raises(RuntimeError, match=match):
            module.conv2d_input((2, 2, 7, 7), w, go[0])
        with pytest.raises(RuntimeError):  # torch: oneDNN's message; microtensor names the sizes
            module.conv2d_input((2, 2, 9, 9), w, go)
    with pytest.raises(RuntimeError, match=r"grad_output of size \[2, 4, 5, 5\] does not match"):
        mt_grad.conv2d_weight(mt.ones(2, 2, 8, 8), (4, 2, 3, 3), mt.ones(2, 4, 5, 5))
    with pytest.raises(RuntimeError, match="must have the same dtype"):
        mt_grad.conv1d_input((1, 1, 3), mt.ones(1, 1, 2, dtype=mt.float64), mt.ones(1, 1, 2))
