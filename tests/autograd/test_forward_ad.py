"""autograd.forward_ad: dual tensors' tangents equal torch's forward-mode AD on common ops."""

import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as torch_fwad

import microtensor as mt
import microtensor.autograd.forward_ad as fwad

RNG = np.random.default_rng(0)

# name, function of (lib, x, w), shape of x
OPS = [
    ("sin*exp", lambda lib, x, w: lib.sin(x) * lib.exp(x), (3, 4)),
    ("matmul+softmax", lambda lib, x, w: (x @ w).softmax(-1), (3, 4)),
    ("log_softmax", lambda lib, x, w: lib.nn.functional.log_softmax(x, dim=0), (3, 4)),
    ("tanh/sum", lambda lib, x, w: lib.tanh(x).sum(dim=1, keepdim=True) / (1 + x**2), (3, 4)),
    (
        "linear+relu",
        lambda lib, x, w: lib.nn.functional.relu(lib.nn.functional.linear(x, w.T)),
        (3, 4),
    ),
    ("pow/sqrt", lambda lib, x, w: (x**2 + 1).sqrt() ** 1.5, (3, 4)),
    ("mean/var", lambda lib, x, w: x.var(dim=0) + x.mean(), (3, 4)),
    ("index/cat", lambda lib, x, w: lib.cat([x[1:], x[:1] * 3], dim=0)[:, ::2], (3, 4)),
    ("layer_norm", lambda lib, x, w: lib.nn.functional.layer_norm(x, (4,)), (3, 4)),
    ("0-d", lambda lib, x, w: lib.log1p(x * x), ()),
]


def forward_grad(lib, module, fn, x, tangent, w, w_tangent=None):
    """(primal, tangent) of fn at duals made from x (and w when it has a tangent)."""
    with module.dual_level():
        x_dual = module.make_dual(lib.tensor(x), lib.tensor(tangent))
        w_in = (
            lib.tensor(w)
            if w_tangent is None
            else module.make_dual(lib.tensor(w), lib.tensor(w_tangent))
        )
        primal, out_tangent = module.unpack_dual(fn(lib, x_dual, w_in))
        return primal.detach().numpy(), out_tangent.detach().numpy(), primal.requires_grad


@pytest.mark.parametrize(("name", "fn", "shape"), OPS, ids=[op[0] for op in OPS])
def test_tangent_matches_torch(name, fn, shape):
    x, v = RNG.standard_normal(shape), RNG.standard_normal(shape)
    w, vw = RNG.standard_normal((4, 2)), RNG.standard_normal((4, 2))
    mine = forward_grad(mt, fwad, fn, x, v, w)
    theirs = forward_grad(torch, torch_fwad, fn, x, v, w)
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-10, atol=1e-12)
    assert mine[2] is theirs[2] is False
    if name == "matmul+softmax":  # two dual inputs: the tangents add up
        both = forward_grad(mt, fwad, fn, x, v, w, vw)
        expected = forward_grad(torch, torch_fwad, fn, x, v, w, vw)
        np.testing.assert_allclose(both[1], expected[1], rtol=1e-10, atol=1e-12)


def test_dual_keeps_its_tangent_and_forgets_it_on_exit():
    tangent = mt.tensor([1.0, 2.0])
    with fwad.dual_level() as level:
        assert level == 0
        dual = fwad.make_dual(mt.tensor([3.0, 4.0]), tangent)
        unpacked = fwad.unpack_dual(dual)
        assert unpacked.tangent is tangent and unpacked.primal.tolist() == [3.0, 4.0]
        assert isinstance(unpacked, fwad.UnpackedDualTensor)
        out = dual * 2
        assert fwad.unpack_dual(out).tangent.tolist() == [2.0, 4.0]
        assert fwad.unpack_dual(mt.tensor([1.0]) * 2).tangent is None  # no dual behind it
        assert fwad.unpack_dual(mt.sign(dual)).tangent.tolist() == [0.0, 0.0]  # as torch
    assert fwad.unpack_dual(out).tangent is None
    assert fwad.unpack_dual(out).primal is out


def test_reverse_mode_through_a_dual_and_a_differentiable_tangent_match_torch():
    x, v = RNG.standard_normal(3), RNG.standard_normal(3)
    results = []
    for lib, module in ((mt, fwad), (torch, torch_fwad)):
        leaf = lib.tensor(x, requires_grad=True)
        with module.dual_level():
            dual = module.make_dual(leaf, lib.tensor(v))
            out = (dual**3).sum()
            primal, tangent = module.unpack_dual(out)
            assert primal.requires_grad and tangent.requires_grad
            (grad_of_tangent,) = lib.autograd.grad(tangent, leaf, retain_graph=True)
            primal.backward()
        results.append((tangent.item(), grad_of_tangent.numpy(), leaf.grad.numpy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-12)
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-12)


def test_decorator_form():
    @fwad.dual_level()
    def jvp_of_square(x, v):
        return fwad.unpack_dual(fwad.make_dual(x, v) ** 2).tangent

    assert jvp_of_square(mt.tensor([3.0]), mt.tensor([1.0])).tolist() == [6.0]
    assert fwad._current_level == -1


def test_under_no_grad_the_tangent_is_not_computed():
    # Differs from PyTorch (documented): tangents come from the recorded graph
    with fwad.dual_level(), mt.no_grad():
        dual = fwad.make_dual(mt.tensor([1.0]), mt.tensor([1.0]))
        assert fwad.unpack_dual(dual * 2).tangent is None


def test_errors_as_torch():
    x = mt.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="no level exists, make sure to enter_dual_level"):
        fwad.make_dual(x, x)
    with pytest.raises(RuntimeError, match="Dual level must be a positive number"):
        fwad.exit_dual_level()
    with fwad.dual_level():
        with pytest.raises(RuntimeError, match="Nested forward mode AD is not supported"):
            fwad.enter_dual_level()
        with pytest.raises(RuntimeError, match=r"Tensor is of size \[2\] while the given"):
            fwad.make_dual(x, mt.zeros(3))
        with pytest.raises(ValueError, match="Expected primal to be floating point"):
            fwad.make_dual(mt.tensor([1, 2]), x)
        with pytest.raises(ValueError, match="Expected tangent to be floating point"):
            fwad.make_dual(x, mt.tensor([1, 2]))
        dual = fwad.make_dual(x, x)
        with pytest.raises(RuntimeError, match="already has a forward gradient at the same"):
            fwad.make_dual(dual, x)
        with pytest.raises(RuntimeError, match="not the last one that was created"):
            fwad.exit_dual_level(level=3)
    assert mt.autograd.forward_ad is fwad


COMPLEX_JVPS = {
    "mul": lambda L, a: a * a * (2 - 1j),
    "abs": lambda L, a: a.abs(),
    "conj exp": lambda L, a: a.conj() * a.exp(),
    "real": lambda L, a: (a * a).real,
    "fft": lambda L, a: L.fft.fft(a),
    "view_as_real": lambda L, a: L.view_as_real(a * a),
}


@pytest.mark.parametrize("name", COMPLEX_JVPS)
def test_complex_tangents_match_torch(name):
    rng = np.random.default_rng(4)
    x, v = (rng.standard_normal(3) + 1j * rng.standard_normal(3) for _ in range(2))
    tangents = []
    for lib in (torch, mt):
        fw = lib.autograd.forward_ad
        with fw.dual_level():
            dual = fw.make_dual(lib.tensor(x), lib.tensor(v))
            tangents.append(fw.unpack_dual(COMPLEX_JVPS[name](lib, dual)).tangent.numpy())
    np.testing.assert_allclose(tangents[1], tangents[0], rtol=1e-12, atol=1e-12)


def test_real_input_with_a_complex_output_and_gradcheck_forward_mode():
    with mt.autograd.forward_ad.dual_level():
        fw = mt.autograd.forward_ad
        dual = fw.make_dual(
            mt.tensor([0.5, 1.0], dtype=mt.float64), mt.tensor([1.0, 2.0], dtype=mt.float64)
        )
        tangent = fw.unpack_dual(mt.polar(mt.ones(2, dtype=mt.float64), dual)).tangent
    np.testing.assert_allclose(tangent.numpy(), 1j * np.exp(1j * np.array([0.5, 1.0])) * [1, 2])
    z = mt.randn(3, dtype=mt.cdouble, requires_grad=True)
    assert mt.autograd.gradcheck(lambda a: a * a.exp(), (z,), check_forward_ad=True)
