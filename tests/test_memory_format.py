"""memory_format objects and the ``device=`` / ``memory_format=`` arguments of the factories."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

import microtensor as mt

FACTORIES = [
    ("zeros", lambda m, **kw: m.zeros(2, 3, **kw)),
    ("ones", lambda m, **kw: m.ones(2, 3, **kw)),
    ("empty", lambda m, **kw: m.empty(2, 3, **kw)),
    ("full", lambda m, **kw: m.full((2, 3), 1.5, **kw)),
    ("arange", lambda m, **kw: m.arange(5, **kw)),
    ("linspace", lambda m, **kw: m.linspace(0, 1, 4, **kw)),
    ("eye", lambda m, **kw: m.eye(3, **kw)),
    ("rand", lambda m, **kw: m.rand(2, 3, **kw)),
    ("randn", lambda m, **kw: m.randn(2, 3, **kw)),
    ("randint", lambda m, **kw: m.randint(0, 5, (2, 3), **kw)),
    ("randperm", lambda m, **kw: m.randperm(4, **kw)),
    ("normal", lambda m, **kw: m.normal(0.0, 1.0, (2, 3), **kw)),
    ("tensor", lambda m, **kw: m.tensor([1.0, 2.0], **kw)),
    ("as_tensor", lambda m, **kw: m.as_tensor([1.0, 2.0], **kw)),
    ("scalar_tensor", lambda m, **kw: m.scalar_tensor(2.5, **kw)),
]

LIKE = ["zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"]


def test_memory_formats_exist_and_print_like_torch():
    for name in ("contiguous_format", "channels_last", "channels_last_3d", "preserve_format"):
        value = getattr(mt, name)
        assert isinstance(value, mt.memory_format)
        assert repr(value) == repr(getattr(torch, name)).replace("torch", "microtensor")
        assert pickle.loads(pickle.dumps(value)) is value


@pytest.mark.parametrize("name, make", FACTORIES, ids=[n for n, _ in FACTORIES])
def test_factories_take_device_like_torch(name, make):
    for device in ("cpu", "cpu:0", mt.device("cpu")):
        mine = make(mt, device=device)
        theirs = make(torch, device="cpu")
        assert tuple(mine.shape) == tuple(theirs.shape)
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    with pytest.raises(RuntimeError, match=rf"{name}\(\): microtensor runs on the CPU only"):
        make(mt, device="cuda")


@pytest.mark.parametrize("name", LIKE + ["full_like", "randint_like"])
def test_like_factories_take_device_and_memory_format(name):
    x = mt.ones(2, 3, dtype=mt.float64)
    args = {"full_like": (7.0,), "randint_like": (5,)}.get(name, ())
    for fmt in (mt.preserve_format, mt.contiguous_format, None):
        out = getattr(mt, name)(x, *args, device="cpu", memory_format=fmt)
        assert out.shape == x.shape
        assert out.dtype == mt.float64
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        getattr(mt, name)(x, *args, device="cuda:0")
    with pytest.raises(TypeError, match=rf"{name}\(\): memory_format must be"):
        getattr(mt, name)(x, *args, memory_format="channels_last")


def test_zeros_ones_full_like_values_match_torch():
    data = np.arange(6.0).reshape(2, 3)
    for name in ("zeros_like", "ones_like"):
        mine = getattr(mt, name)(mt.tensor(data), memory_format=mt.preserve_format)
        theirs = getattr(torch, name)(torch.tensor(data), memory_format=torch.preserve_format)
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    np.testing.assert_array_equal(
        mt.full_like(mt.tensor(data), 2.5).numpy(), torch.full_like(torch.tensor(data), 2.5)
    )


def test_scalar_tensor_matches_torch():
    for value, kwargs in [(3, {}), (True, {}), (2.5, {}), (2, {"dtype": "int64"})]:
        mine = mt.scalar_tensor(value, **{k: getattr(mt, v) for k, v in kwargs.items()})
        theirs = torch.scalar_tensor(value, **{k: getattr(torch, v) for k, v in kwargs.items()})
        assert mine.shape == ()
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert mine.item() == theirs.item()
    assert mt.scalar_tensor(1.0, requires_grad=True).requires_grad


def test_normal_takes_tensor_std_with_number_mean():
    out = mt.normal(0.0, mt.ones(4, dtype=mt.float64))
    assert out.shape == (4,)
    assert out.dtype == mt.float64


def _layouts(lib):
    """Strides and layout queries of the copies that take a memory format."""
    x = lib.arange(120.0).reshape(2, 3, 4, 5)
    z = x.contiguous(memory_format=lib.channels_last)
    t = lib.arange(6.0).reshape(3, 2).t()
    return [
        z.stride(),
        z.is_contiguous(),
        z.is_contiguous(memory_format=lib.channels_last),
        (z * 2).stride(),
        z.double().stride(),
        z.clone().stride(),
        z.clone(memory_format=lib.contiguous_format).stride(),
        z.contiguous() is z,
        z.contiguous(memory_format=lib.channels_last) is z,
        x.to(memory_format=lib.channels_last).stride(),
        x.to(lib.float64, memory_format=lib.channels_last).stride(),
        t.clone().stride(),
        lib.ones(3).expand(2, 3).clone().stride(),
        lib.ones(4, 6)[::2].flip(1).clone().stride(),
        t.contiguous().stride(),
        t.to(lib.float64).stride(),
        t.is_contiguous(memory_format=lib.channels_last),
        lib.ones(2, 3, 4, 5, 6).contiguous(memory_format=lib.channels_last_3d).stride(),
        z.tolist() == x.tolist(),
    ]


def test_channels_last_copies_have_torchs_strides():
    assert _layouts(mt) == _layouts(torch)


def test_channels_last_needs_a_4d_tensor_as_torch():
    for lib in (mt, torch):
        with pytest.raises(RuntimeError, match="required rank 4 tensor to use channels_last"):
            lib.ones(2, 3, 4).contiguous(memory_format=lib.channels_last)


def test_channels_last_copy_passes_the_gradient_through():
    x = mt.randn(2, 3, 4, 5, requires_grad=True)
    y = x.contiguous(memory_format=mt.channels_last)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy())


def test_module_to_memory_format_lays_out_4d_parameters_as_torch():
    def strides(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3), lib.nn.BatchNorm2d(4))
        weight = model[0].weight
        model.to(lib.float64, memory_format=lib.channels_last)
        return [weight is model[0].weight, model[0].weight.dtype == lib.float64] + [
            p.stride() for p in model.parameters()
        ]

    assert strides(mt) == strides(torch)
