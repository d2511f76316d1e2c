"""conj, real, imag, resolve_conj ... on real tensors: the tensor itself, as in PyTorch."""

import numpy as np
import pytest
import torch

import microtensor as mt

IDENTITIES = ["conj", "conj_physical", "resolve_conj", "resolve_neg", "real"]


@pytest.mark.parametrize("name", IDENTITIES)
def test_identities_return_the_tensor_itself_as_torch(name):
    for data in ([1.0, -2.0], [1, 2]):
        x, tx = mt.tensor(data), torch.tensor(data)
        assert getattr(mt, name)(x) is x
        assert getattr(torch, name)(tx) is tx
    x = mt.tensor([1.5, -2.0], requires_grad=True)
    y = getattr(mt, name)(x) * 3.0
    assert mt.autograd.grad(y.sum(), x)[0].tolist() == [3.0, 3.0]
    if name != "real":
        assert getattr(x, name)() is x
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'input' must be Tensor"):
        getattr(mt, name)([1.0])


def test_real_and_imag_attributes_and_predicates_match_torch():
    x, tx = mt.tensor(np.array([1.0, -2.0])), torch.tensor(np.array([1.0, -2.0]))
    assert x.real is x and tx.real is tx
    for mod, t in ((mt, x), (torch, tx)):
        with pytest.raises(
            RuntimeError, match="imag is not implemented for tensors with non-complex"
        ):
            mod.imag(t)
        with pytest.raises(RuntimeError, match="imag is not implemented"):
            t.imag  # noqa: B018 - the attribute access is what raises
        assert mod.is_complex(t) is False and t.is_complex() is False
        assert mod.is_conj(t) is False and t.is_neg() is False
    assert x.conj_physical_() is x


def _complex_pair(values, dtype="complex64"):
    data = np.array(values, dtype=dtype)
    return mt.tensor(data), torch.tensor(data)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_real_and_imag_of_complex_tensors_are_views_as_torch(dtype):
    z, tz = _complex_pair([1 + 2j, 3 - 4j], dtype)
    for part in ("real", "imag"):
        got, want = getattr(mt, part)(z), getattr(torch, part)(tz)
        assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
        assert got.tolist() == want.tolist() and got.stride() == want.stride()
        assert getattr(z, part).tolist() == getattr(tz, part).tolist()
    for t in (z, tz):
        t.real[0] = 10.0
        t.imag.mul_(2)
    assert z.tolist() == tz.tolist() == [10 + 4j, 3 - 8j]


def test_real_and_imag_setters_write_into_the_tensor_as_torch():
    for m in (mt, torch):
        w = m.zeros(2, dtype=m.cfloat)
        w.real = m.tensor([1.0, 2.0])
        w.imag = 3
        assert w.tolist() == [1 + 3j, 2 + 3j]
        x = m.ones(2)
        x.real = 5
        assert x.tolist() == [5.0, 5.0]
        with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non"):
            x.imag = 3


def test_conj_and_conj_physical_of_complex_tensors_match_torch():
    z, tz = _complex_pair([1 + 2j, -3j, 0.5])
    for name in ("conj", "conj_physical"):
        got, want = getattr(mt, name)(z), getattr(torch, name)(tz).resolve_conj()
        assert got.dtype == mt.complex64 and got.tolist() == want.tolist()
        assert getattr(z, name)().tolist() == want.tolist()
    # eager: microtensor's conj is a new tensor without torch's conjugate bit
    assert mt.conj(z).is_conj() is False and torch.conj(tz).is_conj() is True
    assert mt.resolve_conj(z) is z and mt.resolve_neg(z) is z
    assert z.conj_physical_() is z and tz.conj_physical_() is tz
    assert z.tolist() == tz.tolist() == [1 - 2j, 3j, 0.5 - 0j]
    assert mt.conj_physical_(z) is z and z.tolist() == [1 + 2j, -3j, 0.5]


def test_is_complex_is_true_for_complex_tensors_as_torch():
    for dtype in ("complex64", "complex128"):
        z, tz = _complex_pair([1j], dtype)
        assert mt.is_complex(z) is True and z.is_complex() is True
        assert torch.is_complex(tz) is True
        assert mt.is_neg(z) is False and mt.is_conj(z) is False
    with pytest.raises(TypeError, match=r"is_complex\(\): argument 'input' must be Tensor"):
        mt.is_complex(1j)


@pytest.mark.parametrize("name", ["conj", "conj_physical", "real", "imag"])
def test_gradients_of_complex_parts_match_torch(name):
    rng = np.random.default_rng(7)
    data = rng.standard_normal((3, 2)) + 1j * rng.standard_normal((3, 2))
    z, tz = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, tout = getattr(mt, name)(z), getattr(torch, name)(tz)
    upstream = rng.standard_normal((3, 2))
    if out.is_complex():
        upstream = upstream + 1j * rng.standard_normal((3, 2))
    (grad,) = mt.autograd.grad(out, z, grad_outputs=mt.tensor(upstream))
    (want,) = torch.autograd.grad(tout, tz, grad_outputs=torch.tensor(upstream))
    assert grad.dtype == mt.complex128
    np.testing.assert_allclose(grad.numpy(), want.resolve_conj().numpy(), rtol=1e-15)


def test_writing_into_a_part_of_a_recorded_leaf_raises_as_torch():
    z = mt.tensor([1 + 2j], requires_grad=True)
    tz = torch.tensor([1 + 2j], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        tz.real.mul_(2)
    with pytest.raises(RuntimeError, match="requires grad|view"):
        z.real.mul_(2)


def test_conjugate_transposes_of_complex_matrices_match_torch():
    rng = np.random.default_rng(11)
    data = rng.standard_normal((2, 3, 4)) + 1j * rng.standard_normal((2, 3, 4))
    upstream = rng.standard_normal((2, 4, 3)) + 1j * rng.standard_normal((2, 4, 3))
    z, tz = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    for ours, theirs in [(z.mH, tz.mH), (z.adjoint(), tz.adjoint()), (z[0].H, tz[0].H)]:
        assert ours.tolist() == theirs.tolist()
        up = upstream if ours.ndim == 3 else upstream[0]
        (grad,) = mt.autograd.grad(ours, z, grad_outputs=mt.tensor(up))
        (want,) = torch.autograd.grad(theirs, tz, grad_outputs=torch.tensor(up))
        np.testing.assert_allclose(grad.numpy(), want.resolve_conj().numpy(), rtol=1e-15)
    x = mt.ones(2, 3)
    assert x.mH.shape == x.H.shape == (3, 2)


def test_cfloat_and_cdouble_methods_convert_as_torch():
    data = np.array([[1.5, -2.0]])
    for name, dtype in (("cfloat", "complex64"), ("cdouble", "complex128")):
        x, tx = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        got, want = getattr(x, name)(), getattr(tx, name)()
        assert str(got.dtype) == f"microtensor.{dtype}" and got.tolist() == want.tolist()
        upstream = np.array([[1 - 2j, 0.5j]])
        (grad,) = mt.autograd.grad(got, x, grad_outputs=mt.tensor(upstream, dtype=got.dtype))
        (twant,) = torch.autograd.grad(want, tx, grad_outputs=torch.tensor(upstream).to(want.dtype))
        assert grad.dtype == mt.float64 and grad.tolist() == twant.tolist()
