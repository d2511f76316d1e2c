"""Tensor attributes, conversion, Python protocol and repr, compared with PyTorch."""

import numpy as np
import pytest
import torch

import microtensor as mt


@pytest.mark.parametrize(
    "values,kwargs",
    [
        ([1.0, 2.0, 3.0], {}),
        ([1.5, 2.25], {}),
        ([[1, 2], [3, 4]], {}),
        ([True, False], {}),
        (3.5, {}),
        ([0.001, 1000.0], {}),
        ([1e-5, 1.0], {}),
        ([1.0, 2.0], {"dtype": "float64"}),
        ([1, 2], {"dtype": "int32"}),
        ([[1.5, 2.0], [3.0, 4.0]], {"requires_grad": True}),
        ([float("nan"), float("inf"), 1.0], {}),
        ([], {}),
        (np.zeros((2, 0)), {"dtype": "float32"}),
        # columns are as wide as the nonzero finite values: -0.0 and nan do not widen them
        ([float("nan"), float("inf"), -0.0, 1.5], {}),
        ([0.0, -0.0], {}),
        ([float("nan"), 0.0], {}),
        ([[0.0, -0.0], [float("nan"), 0.0]], {}),
        ([float("inf"), -float("inf"), float("nan")], {}),
    ],
)
def test_repr_matches_torch(values, kwargs):
    mt_kwargs = dict(kwargs)
    torch_kwargs = dict(kwargs)
    if "dtype" in kwargs:
        mt_kwargs["dtype"] = getattr(mt, kwargs["dtype"])
        torch_kwargs["dtype"] = getattr(torch, kwargs["dtype"])
    mine = repr(mt.tensor(values, **mt_kwargs))
    theirs = repr(torch.tensor(values, **torch_kwargs)).replace("torch.", "microtensor.")
    assert mine == theirs


def test_repr_shows_grad_fn():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"


def test_basic_attributes():
    t = mt.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.dim() == 3
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4
    assert t.numel() == 24 and t.dtype == mt.float32 and str(t.device) == "cpu"
    assert t.is_leaf and not t.requires_grad and t.grad is None and t.grad_fn is None
    assert t.is_floating_point() and t.element_size() == 4


def test_size_with_bad_dim_raises():
    with pytest.raises(IndexError, match=r"Dimension out of range.*got 3"):
        mt.zeros(2, 3).size(3)


def test_item_and_tolist():
    assert mt.tensor([[2.5]]).item() == 2.5
    assert mt.tensor([[1, 2]]).tolist() == [[1, 2]]
    with pytest.raises(RuntimeError, match="2 elements cannot be converted to Scalar"):
        mt.tensor([1.0, 2.0]).item()


def test_python_protocol():
    t = mt.tensor([[1, 2], [3, 4]])
    assert len(t) == 2
    assert [row.tolist() for row in t] == [[1, 2], [3, 4]]
    assert bool(mt.tensor([1.0])) and not bool(mt.tensor(0))
    assert float(mt.tensor(2.5)) == 2.5 and int(mt.tensor([7])) == 7
    assert [10, 20, 30][mt.tensor(1)] == 20
    assert 3 in t and 9 not in t
    assert f"{mt.tensor(0.123456):.2f}" == "0.12"
    assert hash(t) == hash(t) and {t: 1}[t] == 1


def test_python_protocol_errors():
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(mt.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(mt.tensor(1.0))
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        bool(mt.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="only integer tensors"):
        [1, 2][mt.tensor(1.0)]


def test_numpy_shares_memory_and_refuses_requires_grad():
    t = mt.zeros(3)
    t.numpy()[0] = 5
    assert t.tolist() == [5.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match="Use tensor.detach\\(\\).numpy\\(\\) instead"):
        mt.zeros(1, requires_grad=True).numpy()
    assert np.asarray(mt.tensor([1, 2])).tolist() == [1, 2]


def test_data_is_a_detached_tensor_sharing_memory():
    w = mt.ones(2, requires_grad=True)
    w.data.mul_(3)
    assert w.tolist() == [3.0, 3.0] and w.requires_grad
    w.data = mt.zeros(2)
    assert w.tolist() == [0.0, 0.0]


def test_dtype_conversions():
    t = mt.tensor([1.7, -2.2])
    assert t.double().dtype == mt.float64 and t.long().tolist() == [1, -2]
    assert t.to(mt.int32).dtype == mt.int32 and t.bool().tolist() == [True, True]
    assert t.to("cpu") is t and t.to(mt.float32) is t and t.float() is t
    assert t.to(mt.zeros(1, dtype=mt.float64)).dtype == mt.float64
    assert t.to("cpu", mt.float64).dtype == mt.float64
    assert t.half().dtype == mt.float16 and t.int().dtype == mt.int32


def test_cast_is_differentiable_and_grad_comes_back_in_input_dtype():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x.double() * mt.tensor([3.0, 4.0], dtype=mt.float64)
    y.sum().backward()
    assert x.grad.dtype == mt.float32 and x.grad.tolist() == [3.0, 4.0]


def test_requires_grad_rules():
    with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require"):
        mt.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        mt.tensor([1, 2]).requires_grad_()
    x = mt.ones(1, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        y.requires_grad = False
    assert mt.ones(1).requires_grad_().requires_grad


def test_legacy_constructor():
    assert mt.Tensor([1, 2]).dtype == mt.float32
    assert mt.Tensor(2, 3).shape == (2, 3)


def test_cuda_device_is_refused():
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.ones(1).to("cuda")


def test_inplace_ops_without_grad_write_memory_and_bump_version():
    t = mt.tensor([1.0, 2.0])
    alias = t.detach()
    t.add_(1).mul_(2).sub_(1, alpha=2).div_(2)
    assert t.tolist() == [1.0, 2.0] and alias.tolist() == [1.0, 2.0]
    assert t._version == 4
    t.fill_(7)
    t.zero_()
    assert t.tolist() == [0.0, 0.0]
    t.copy_(mt.tensor([3.0, 4.0], dtype=mt.float64))
    assert t.dtype == mt.float32 and t.tolist() == [3.0, 4.0]


def test_inplace_result_type_and_shape_errors():
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        mt.tensor([1, 2]).add_(1.5)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        mt.zeros(3).add_(mt.zeros(2, 3))


def test_iadd_on_non_leaf_keeps_identity():
    x = mt.ones(2, requires_grad=True)
    h = x * 2
    same = h
    h += 1
    assert h is same and h.grad_fn.name() == "AddBackward0"


def test_numpy_ufuncs_on_tensors():
    t = mt.tensor([1.0, 4.0])
    out = np.sqrt(t)
    assert isinstance(out, mt.Tensor) and out.tolist() == [1.0, 2.0]


def test_shape_is_a_size_like_torch():
    s = mt.zeros(2, 3).shape
    assert isinstance(s, tuple) and s == (2, 3) and repr(s) == "microtensor.Size([2, 3])"
    assert s.numel() == 6 and isinstance(s[1:], mt.Size) and s[-1] == 3
    assert repr(mt.zeros(4).size()) == repr(torch.zeros(4).size()).replace("torch", "microtensor")


def test_deepcopy_of_leaves_and_state_dicts():
    import copy

    w = mt.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    state = copy.deepcopy({"w": w, "step": 3})
    assert state["w"] is not w and state["w"].requires_grad and state["step"] == 3
    assert state["w"].grad.tolist() == [3.0, 3.0]
    with mt.no_grad():
        w.add_(1)
    assert state["w"].tolist() == [1.0, 2.0]
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(w * 2)


@pytest.mark.parametrize("lib", [mt, torch], ids=["microtensor", "torch"])
def test_tensors_parameters_and_modules_pickle_as_in_torch(lib):
    import pickle

    w = lib.ones(2, requires_grad=True)
    (w * 2).sum().backward()
    back = pickle.loads(pickle.dumps(w))
    assert back.tolist() == [1.0, 1.0] and back.requires_grad and back.grad is None
    p = lib.nn.Parameter(lib.ones(2))
    p.note = "kept"  # attributes set on a tensor travel with it
    q = pickle.loads(pickle.dumps(p))
    assert type(q) is lib.nn.Parameter and q.requires_grad and q.note == "kept"
    base = lib.arange(4.0)
    base_back, view_back = pickle.loads(pickle.dumps((base, base[1:3])))
    view_back[0] = 100.0  # copies, not a view of the unpickled base
    assert base_back.tolist() == [0.0, 1.0, 2.0, 3.0] and view_back.tolist() == [100.0, 2.0]
    model = lib.nn.Linear(2, 3)
    again = pickle.loads(pickle.dumps(model))
    assert lib.equal(again.weight, model.weight) and type(again.weight) is lib.nn.Parameter
    assert pickle.loads(pickle.dumps(lib.tensor(3))).shape == ()


def _printed_with_options(lib):
    x = lib.tensor([1.23456, 2.0, 300.5])
    printed = []
    try:
        lib.set_printoptions(precision=2)
        printed.append(repr(x))
        lib.set_printoptions(sci_mode=True)
        printed.append(repr(x))
        lib.set_printoptions(sci_mode=False)  # forbids scientific notation for 1e-6
        printed.append(repr(lib.tensor([1e-6, 1e5])))
        lib.set_printoptions(profile="short")
        printed.append(repr(lib.arange(20.0).reshape(4, 5)))
        lib.set_printoptions(profile="default", threshold=10, edgeitems=2)
        printed.append(repr(lib.arange(30.0)))
        lib.set_printoptions(profile="full")
        printed.append(str(repr(lib.arange(1200)).count("...")))
        lib.set_printoptions(profile="default", linewidth=40)
        printed.append(repr(lib.arange(20.0, requires_grad=True)))
    finally:
        lib.set_printoptions(profile="default")
    printed.append(repr(lib.tensor([1.5, 2.0])))  # back to the defaults
    return printed


def test_set_printoptions_prints_as_torch():
    mine = [p.replace("microtensor.", "torch.") for p in _printed_with_options(mt)]
    assert mine == _printed_with_options(torch)
    from microtensor import _tensor_str

    with _tensor_str.printoptions(precision=1):
        assert repr(mt.tensor([1.25])) == "tensor([1.2])"
        assert _tensor_str.get_printoptions()["precision"] == 1
    assert _tensor_str.get_printoptions() == torch._tensor_str.get_printoptions()


def test_numpy_of_a_tensor_that_requires_grad_works_under_no_grad_as_torch():
    x = mt.ones(2, requires_grad=True)
    with mt.no_grad():
        np.testing.assert_array_equal(x.numpy(), [1.0, 1.0])
    with mt.inference_mode():
        assert x.numpy() is x._data
    with pytest.raises(RuntimeError, match="Can't call numpy"):
        x.numpy()
