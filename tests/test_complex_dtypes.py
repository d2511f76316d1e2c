"""complex64 / complex128: dtype objects, promotion, creation, printing, comparison, saving."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import dtypes
from microtensor.autograd.function import Op


def _torch_dtype(d):
    return getattr(torch, d.name)


def test_dtype_objects_answer_as_torchs():
    for name in ("complex64", "complex128", "cfloat", "cdouble", "float32", "int64"):
        d, td = getattr(mt, name), getattr(torch, name)
        assert d.name == str(td).removeprefix("torch.")
        assert (d.is_complex, d.is_floating_point, d.is_signed) == (
            td.is_complex,
            td.is_floating_point,
            td.is_signed,
        )
        assert d.itemsize == td.itemsize
    assert mt.cfloat is mt.complex64 and mt.cdouble is mt.complex128
    assert mt.float32.to_complex() is mt.complex64 and mt.float64.to_complex() is mt.complex128
    assert mt.complex128.to_real() is mt.float64 and mt.complex64.to_real() is mt.float32
    assert mt.complex64.to_complex() is mt.complex64 and mt.int32.to_real() is mt.int32
    with pytest.raises(RuntimeError, match="Unknown Complex ScalarType for Int"):
        mt.int32.to_complex()
    with pytest.raises(RuntimeError, match="Unknown Complex ScalarType for Int"):
        torch.int32.to_complex()
    assert str(mt.finfo(mt.complex64)) == str(torch.finfo(torch.complex64)).replace("torch.", "")
    assert mt.finfo(mt.complex128).eps == torch.finfo(torch.complex128).eps


PROMOTIONS = [
    (lambda L: L.ones(3) * 1j),
    (lambda L: L.ones(3, dtype=L.float64) * 1j),
    (lambda L: L.ones(3, dtype=L.int64) * 1j),
    (lambda L: L.ones(3, dtype=L.bool) * (2 + 1j)),
    (lambda L: L.ones(3) + L.tensor(1j, dtype=L.complex128)),
    (lambda L: L.ones(3, dtype=L.int32) + L.tensor(1j, dtype=L.complex128)),
    (lambda L: L.ones(3, dtype=L.complex64) + L.ones(3, dtype=L.float64)),
    (lambda L: L.ones(3, dtype=L.complex64) + L.tensor(2.0, dtype=L.float64)),
    (lambda L: L.ones(3, dtype=L.complex128) + L.ones(3)),
    (lambda L: L.ones(3, dtype=L.complex64) + L.ones(3, dtype=L.int64)),
    (lambda L: L.ones(3, dtype=L.complex64) * 2.5),
    (lambda L: L.tensor(1j) + L.tensor(2.0, dtype=L.float64)),
]


@pytest.mark.parametrize("index", range(len(PROMOTIONS)))
def test_promotion_matches_torch(index):
    call = PROMOTIONS[index]
    assert call(mt).dtype.name == str(call(torch).dtype).removeprefix("torch.")
    np.testing.assert_allclose(call(mt).numpy(), call(torch).numpy())


def test_promotion_functions_know_complex():
    for a, b in [(mt.float32, mt.complex64), (mt.float64, mt.complex64), (mt.int8, mt.complex128)]:
        expected = torch.promote_types(_torch_dtype(a), _torch_dtype(b))
        assert mt.promote_types(a, b).name == str(expected).removeprefix("torch.")
    assert mt.result_type(mt.ones(2), 1j) is mt.complex64
    assert mt.result_type(mt.ones(2, dtype=mt.float64), 1j) is mt.complex128
    assert mt.result_type(1, 1j) is mt.complex64
    assert mt.can_cast(mt.float32, mt.complex64) and not mt.can_cast(mt.complex64, mt.float64)
    assert torch.can_cast(torch.float32, torch.complex64)
    assert not torch.can_cast(torch.complex64, torch.float64)


def test_python_complex_data_and_defaults():
    for call in [
        lambda L: L.tensor([1 + 2j, 3]),
        lambda L: L.tensor(1.5 + 0j, dtype=L.complex128),
        lambda L: L.tensor(np.array([1j, 2])),
        lambda L: L.full((2,), 1j),
        lambda L: L.full((2,), 2.0, dtype=L.cfloat),
        lambda L: L.zeros(2, dtype=complex),
        lambda L: L.ones(2, 2, dtype=L.cdouble),
        lambda L: L.eye(2, dtype=L.cfloat),
        lambda L: L.zeros_like(L.tensor([1j])),
    ]:
        a, t = call(mt), call(torch)
        assert a.dtype.name == str(t.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(a.numpy(), t.numpy())
    assert mt.tensor([1 + 2j]).tolist() == [(1 + 2j)] and mt.tensor(1 - 1j).item() == 1 - 1j
    assert complex(mt.tensor(2j)) == 2j
    previous = mt.get_default_dtype()
    mt.set_default_dtype(mt.float64)
    try:
        assert (
            mt.tensor([1j]).dtype is mt.complex128
            and (mt.ones(2, dtype=mt.int64) * 1j).dtype is mt.complex128
        )
    finally:
        mt.set_default_dtype(previous)


REPRS = [
    [1 + 2j, 3 - 1j],
    [1.23456 + 1e-5j, -2j],
    [[1e10 + 1j, 1]],
    [float("nan") + 1j * float("inf")],
    [0j, 0j],
]


@pytest.mark.parametrize("data", REPRS)
def test_repr_matches_torch(data):
    for dtype in ("complex64", "complex128"):
        a = mt.tensor(data, dtype=getattr(mt, dtype))
        t = torch.tensor(data, dtype=getattr(torch, dtype))
        assert repr(a) == repr(t).replace("torch.", "microtensor.")
    scalar = mt.tensor(1.5 + 0j, dtype=mt.complex128)
    assert repr(scalar) == "tensor(1.5000+0.j, dtype=microtensor.complex128)"


def test_requires_grad_and_parameters():
    z = mt.tensor([1 + 2j], requires_grad=True)
    assert z.requires_grad and mt.nn.Parameter(mt.zeros(2, dtype=mt.cfloat)).requires_grad
    assert mt.zeros(2, dtype=mt.cfloat).requires_grad_().requires_grad


def test_assert_close_compares_complex_values():
    z = mt.tensor([1 + 2j, 3 - 1j])
    mt.testing.assert_close(z, z + 1e-7j)
    with pytest.raises(AssertionError, match="Tensor-likes are not close"):
        mt.testing.assert_close(z, z + 1j)
    with pytest.raises(AssertionError):
        mt.testing.assert_close(z, mt.tensor([1 + 2.001j, 3 - 1j]))
    assert mt.isreal(mt.tensor([1 + 0j, 1j])).tolist() == [True, False]
    assert mt.allclose(z, z.clone()) and not mt.allclose(z, z + 1j)


def test_save_and_load_complex_both_ways(tmp_path):
    z = mt.tensor([1 + 2j, 3 - 1j])
    zz = mt.tensor([[1 + 2j, 0.5j]], dtype=mt.complex128)
    mt.save({"z": z, "zz": zz}, tmp_path / "m.pt")
    loaded = torch.load(tmp_path / "m.pt")
    assert loaded["z"].dtype == torch.complex64 and loaded["zz"].dtype == torch.complex128
    np.testing.assert_array_equal(loaded["zz"].numpy(), zz.numpy())
    source = {
        "a": torch.randn(3, dtype=torch.cfloat),
        "b": torch.randn(2, 2, dtype=torch.cdouble)[:, 1],
    }
    torch.save(source, tmp_path / "t.pt")
    back = mt.load(tmp_path / "t.pt")
    for key, value in source.items():
        assert back[key].dtype.name == str(value.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(back[key].numpy(), value.numpy())
    mt.save({"z": z}, tmp_path / "z.safetensors")  # safetensors' C64
    np.testing.assert_array_equal(mt.load(tmp_path / "z.safetensors")["z"].numpy(), z.numpy())
    mt.save({"zz": zz}, tmp_path / "zz.safetensors")  # complex128: torch's zip format instead
    np.testing.assert_array_equal(mt.load(tmp_path / "zz.safetensors")["zz"].numpy(), zz.numpy())


def test_mixed_dtype_products_raise_torchs_error():
    z = mt.tensor([1 + 2j, 3 - 1j])
    with pytest.raises(RuntimeError, match="ComplexFloat, Float, and ComplexFloat"):
        mt.ones(2, 2) @ z
    with pytest.raises(RuntimeError, match="ComplexFloat, Float, and ComplexFloat"):
        torch.ones(2, 2) @ torch.tensor([1 + 2j, 3 - 1j])


def test_ops_without_complex_gradients_say_so():
    class Double(Op):  # an op whose class does not say complex_grad = True
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad_out):
            return grad_out * 2

    z = mt.tensor([1 + 2j], requires_grad=True)
    with pytest.raises(RuntimeError, match="Double: microtensor has no complex gradient"):
        Double.apply(z)
    with mt.no_grad():
        assert Double.apply(z).tolist() == [2 + 4j]
    assert Double.apply(mt.tensor([1.0], requires_grad=True)).requires_grad
    assert dtypes.default_complex() == np.complex64


ORDERING_CALLS = {
    "max": lambda L, z: z.max(),
    "max dim": lambda L, z: z.max(0),
    "min": lambda L, z: L.min(z),
    "amax": lambda L, z: z.amax(),
    "amin": lambda L, z: z.amin(0),
    "aminmax": lambda L, z: L.aminmax(z),
    "argmax": lambda L, z: z.argmax(),
    "argmin dim": lambda L, z: z.argmin(0),
    "sort": lambda L, z: z.sort(),
    "argsort": lambda L, z: z.argsort(),
    "msort": lambda L, z: L.msort(z),
    "topk": lambda L, z: z.topk(1),
    "kthvalue": lambda L, z: z.kthvalue(1),
    "median": lambda L, z: z.median(),
    "nanmedian": lambda L, z: z.nanmedian(),
    "mode": lambda L, z: z.mode(),
    "lt": lambda L, z: z < z,
    "gt number": lambda L, z: z > 1,
    "le": lambda L, z: L.le(z, z),
    "ge real": lambda L, z: L.ones(2) >= z,
    "cummax": lambda L, z: z.cummax(0),
    "floor_divide": lambda L, z: z // z,
    "remainder": lambda L, z: z % 2,
    "fmod": lambda L, z: L.fmod(z, z),
}


@pytest.mark.parametrize("name", ORDERING_CALLS)
def test_ops_that_order_values_refuse_complex_as_torch(name):
    call = ORDERING_CALLS[name]
    with pytest.raises(Exception) as torch_error:  # noqa: PT011 - torch's type is what we match
        call(torch, torch.tensor([1 + 2j, 3 - 1j]))
    with pytest.raises(type(torch_error.value)) as error:
        call(mt, mt.tensor([1 + 2j, 3 - 1j]))
    assert str(torch_error.value).split("\n")[0].strip() in str(error.value)


def test_equality_with_complex_numbers():
    z = mt.tensor([1 + 2j, 3 - 1j])
    assert (z == 1 + 2j).tolist() == [True, False] and (z != 3 - 1j).tolist() == [True, False]
    assert (mt.ones(2) == 1j).tolist() == [False, False]


def test_random_fills_of_complex_tensors_equal_torchs():
    for seed in (0, 7):
        got, want = [], []
        for lib, out in ((mt, got), (torch, want)):
            lib.manual_seed(seed)
            out.append(lib.empty(17, dtype=lib.cfloat).normal_(1.0, 2.0))
            out.append(lib.empty(2, 3, dtype=lib.cdouble).uniform_(-1, 2))
            out.append(lib.nn.Linear(3, 2, dtype=lib.cfloat).weight.detach())
        for a, t in zip(got, want, strict=True):
            assert a.dtype.name == str(t.dtype).removeprefix("torch.")
            np.testing.assert_array_equal(a.numpy(), t.numpy())


MORE_REFUSALS = {
    "relu": lambda L, z: L.relu(z),
    "clamp": lambda L, z: L.clamp(z, min=0),
    "clamp_": lambda L, z: z.clone().clamp_(max=1),
    "maximum": lambda L, z: L.maximum(z, z),
    "minimum": lambda L, z: L.minimum(z, z),
    "fmax": lambda L, z: L.fmax(z, z),
    "heaviside": lambda L, z: L.heaviside(z, z),
    "floor": lambda L, z: z.floor(),
    "ceil": lambda L, z: L.ceil(z),
    "trunc": lambda L, z: z.trunc(),
    "round": lambda L, z: z.round(),
}


@pytest.mark.parametrize("name", MORE_REFUSALS)
def test_clamping_and_rounding_refuse_complex_as_torch(name):
    call = MORE_REFUSALS[name]
    with pytest.raises(Exception) as torch_error:  # noqa: PT011 - torch's type is what we match
        call(torch, torch.tensor([1 + 2j, 3 - 1j]))
    with pytest.raises(type(torch_error.value)) as error:
        call(mt, mt.tensor([1 + 2j, 3 - 1j]))
    assert str(torch_error.value).split("\n")[0].strip() in str(error.value)


def test_where_passes_complex_gradients():
    a = mt.tensor([1 + 2j, 3 - 1j], requires_grad=True)
    out = mt.where(mt.tensor([True, False]), a, mt.zeros(2, dtype=mt.cfloat))
    (grad,) = mt.autograd.grad(out, a, mt.tensor([1 - 1j, 2j]))
    assert grad.tolist() == [1 - 1j, 0j]


def test_module_to_complex_and_casting_complex_to_real_warn_as_torch():
    layer = mt.nn.Linear(2, 2)
    weight = layer.weight
    with pytest.warns(UserWarning, match="Complex modules are a new feature"):
        layer.to(mt.cfloat)
    assert layer.weight is weight and weight.dtype is mt.complex64
    assert layer(mt.randn(3, 2, dtype=mt.cfloat)).dtype is mt.complex64
    with pytest.warns(UserWarning, match="Casting complex values to real discards the imaginary"):
        real = mt.tensor([1 + 2j]).float()
    assert real.tolist() == [1.0]
    with pytest.warns(UserWarning, match="Casting complex values") as caught:
        layer.to(mt.float64)
    assert caught[0].filename == __file__ and layer.weight.dtype is mt.float64
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes"):
        layer.to(mt.int64)


SUMMARIZED = [(2000,), (40, 40), (3, 500), (1001,), (2, 3, 200), (200, 6)]


@pytest.mark.parametrize("shape", SUMMARIZED)
@pytest.mark.parametrize("kind", ["float32", "float64", "complex64", "complex128", "int64", "bool"])
def test_summarised_prints_match_torch(shape, kind):
    rng = np.random.default_rng(len(shape) * 7 + shape[0])
    x, y = rng.standard_normal(shape), rng.standard_normal(shape)
    x[tuple(s // 2 for s in shape)] = 1e9  # hidden in the middle: decides nothing, as torch
    data = {"int64": (x * 100).clip(-1e6, 1e6).astype(np.int64), "bool": x > 0.5}.get(kind)
    if data is None:
        data = (x + 1j * y if kind.startswith("complex") else x).astype(kind)
    assert repr(mt.tensor(data)) == repr(torch.tensor(data)).replace("torch.", "microtensor.")


def test_python_number_conversions_of_complex_scalars():
    for lib in (mt, torch):
        assert float(lib.tensor(2 + 0j)) == 2.0 and int(lib.tensor(3 + 0j)) == 3
        assert complex(lib.tensor(1 - 1j)) == 1 - 1j and f"{lib.tensor(1 + 2j):.2f}" == "1.00+2.00j"
        with pytest.raises(RuntimeError, match="cannot be converted to type double"):
            float(lib.tensor(1j))
        with pytest.raises(RuntimeError, match="cannot be converted to type int64_t"):
            int(lib.tensor(1 + 1j))
        assert not bool(lib.tensor(0j)) and bool(lib.tensor(1j))
