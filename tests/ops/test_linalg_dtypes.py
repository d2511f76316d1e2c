"""Matrix products of two dtypes: torch refuses them (each kernel in its own words), or promotes.

Every case runs on torch first: where torch raises, microtensor raises the same type with
torch's message inside its own; where torch promotes, microtensor gives the same dtype and
values. torch's messages name dtypes as ScalarType (``Float``) or C++ types (``long int``).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.ops import _product_dtypes

F32, F64, I64, I32, F16, BF16 = "float32", "float64", "int64", "int32", "float16", "bfloat16"
PAIRS = [(F32, F64), (F64, F32), (I64, F32), (I32, I64), (F16, F32), (F32, BF16), (F16, BF16)]


def maker(lib, seed=0):
    """``make(*shape, dtype=...)`` for ``lib`` (torch or microtensor), the same values in each."""
    rng = np.random.default_rng(seed)

    def make(*shape, dtype=F32):
        values = rng.integers(-3, 4, size=shape).astype(np.float32)
        if lib is torch:
            return torch.tensor(values).to(getattr(torch, dtype))
        return mt.tensor(values).to(getattr(mt, dtype))

    return make


def check_like_torch(case, a, b):
    """Run ``case(lib, make, a, b)`` with torch and microtensor: the same error or result."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # chain_matmul's deprecation
            expected = case(torch, maker(torch), a, b)
    except RuntimeError as error:
        said = str(error).splitlines()[0]
        with pytest.raises(RuntimeError, match=re.escape(said)):
            case(mt, maker(mt), a, b)
        return said
    got = case(mt, maker(mt), a, b)
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_allclose(
        got.float().detach().numpy(), expected.float().detach().numpy(), rtol=1e-2, atol=1e-2
    )
    return None


def F(lib):  # noqa: N802 - the usual name of nn.functional
    return lib.nn.functional


# name -> case(lib, make, a, b); a and b are the two dtypes
CASES = {
    "matmul 1-D 1-D (dot)": lambda L, T, a, b: L.matmul(T(3, dtype=a), T(3, dtype=b)),
    "matmul 1-D 2-D": lambda L, T, a, b: L.matmul(T(3, dtype=a), T(3, 2, dtype=b)),
    "matmul 2-D 1-D (mv)": lambda L, T, a, b: L.matmul(T(2, 3, dtype=a), T(3, dtype=b)),
    "matmul 2-D 2-D (mm)": lambda L, T, a, b: T(2, 3, dtype=a) @ T(3, 2, dtype=b),
    "matmul 3-D 3-D (bmm)": lambda L, T, a, b: L.matmul(T(2, 2, 3, dtype=a), T(2, 3, 2, dtype=b)),
    "matmul 3-D 3-D broadcast": lambda L, T, a, b: L.matmul(
        T(2, 2, 3, dtype=a), T(1, 3, 2, dtype=b)
    ),
    "matmul 3-D 3-D large (BLAS)": lambda L, T, a, b: L.matmul(
        T(2, 8, 8, dtype=a), T(2, 8, 8, dtype=b)
    ),
    "matmul 4-D 2-D (folded mm)": lambda L, T, a, b: L.matmul(
        T(2, 2, 2, 3, dtype=a), T(3, 2, dtype=b)
    ),
    "matmul 3-D 1-D (folded mv)": lambda L, T, a, b: L.matmul(T(2, 2, 3, dtype=a), T(3, dtype=b)),
    "matmul 1-D 3-D": lambda L, T, a, b: L.matmul(T(3, dtype=a), T(2, 3, 2, dtype=b)),
    "matmul 2-D 3-D": lambda L, T, a, b: L.matmul(T(2, 3, dtype=a), T(2, 3, 2, dtype=b)),
    "mm": lambda L, T, a, b: L.mm(T(2, 3, dtype=a), T(3, 2, dtype=b)),
    "bmm": lambda L, T, a, b: L.bmm(T(2, 2, 3, dtype=a), T(2, 3, 2, dtype=b)),
    "bmm large": lambda L, T, a, b: L.bmm(T(1, 20, 1, dtype=a), T(1, 1, 20, dtype=b)),
    "mv": lambda L, T, a, b: L.mv(T(2, 3, dtype=a), T(3, dtype=b)),
    "dot": lambda L, T, a, b: L.dot(T(3, dtype=a), T(3, dtype=b)),
    "vdot": lambda L, T, a, b: L.vdot(T(3, dtype=a), T(3, dtype=b)),
    "inner": lambda L, T, a, b: L.inner(T(2, 3, dtype=a), T(2, 3, dtype=b)),
    "inner 0-d (a mul)": lambda L, T, a, b: L.inner(T(dtype=a), T(3, dtype=b)),
    "outer (promotes)": lambda L, T, a, b: L.outer(T(3, dtype=a), T(2, dtype=b)),
    "kron (promotes)": lambda L, T, a, b: L.kron(T(2, 2, dtype=a), T(2, dtype=b)),
    "tensordot": lambda L, T, a, b: L.tensordot(T(2, 3, dtype=a), T(3, 2, dtype=b), dims=1),
    "tensordot dims=0": lambda L, T, a, b: L.tensordot(T(2, dtype=a), T(3, dtype=b), dims=0),
    "einsum ij,jk->ik": lambda L, T, a, b: L.einsum(
        "ij,jk->ik", T(2, 3, dtype=a), T(3, 2, dtype=b)
    ),
    "einsum ij,jk->ki (swapped)": lambda L, T, a, b: L.einsum(
        "ij,jk->ki", T(2, 3, dtype=a), T(3, 2, dtype=b)
    ),
    "einsum i,j->ij (promotes)": lambda L, T, a, b: L.einsum(
        "i,j->ij", T(3, dtype=a), T(2, dtype=b)
    ),
    "einsum ij,ij->ij (promotes)": lambda L, T, a, b: L.einsum(
        "ij,ij->ij", T(2, 3, dtype=a), T(2, 3, dtype=b)
    ),
    "einsum i,i size 1 (promotes)": lambda L, T, a, b: L.einsum(
        "i,i->", T(1, dtype=a), T(3, dtype=b)
    ),
    "einsum ij,kl-> (promotes)": lambda L, T, a, b: L.einsum(
        "ij,kl->", T(2, 3, dtype=a), T(3, 2, dtype=b)
    ),
    "einsum i,i,i-> a b b": lambda L, T, a, b: L.einsum(
        "i,i,i->", T(3, dtype=a), T(3, dtype=b), T(3, dtype=b)
    ),
    "einsum i,i,i-> a a b": lambda L, T, a, b: L.einsum(
        "i,i,i->", T(3, dtype=a), T(3, dtype=a), T(3, dtype=b)
    ),
    "einsum empty contraction": lambda L, T, a, b: L.einsum("i,i->", T(0, dtype=a), T(0, dtype=b)),
    "bmm empty": lambda L, T, a, b: L.bmm(T(2, 2, 0, dtype=a), T(2, 0, 3, dtype=b)),
    "linear 2-D": lambda L, T, a, b: F(L).linear(T(1, 2, dtype=a), T(3, 2, dtype=b)),
    "linear 2-D, bias like weight": lambda L, T, a, b: F(L).linear(
        T(1, 2, dtype=a), T(3, 2, dtype=b), T(3, dtype=b)
    ),
    "linear 2-D, bias of a second dtype": lambda L, T, a, b: F(L).linear(
        T(1, 2, dtype=a), T(3, 2, dtype=a), T(3, dtype=b)
    ),
    "linear 3-D": lambda L, T, a, b: F(L).linear(T(2, 1, 2, dtype=a), T(3, 2, dtype=b)),
    "linear 3-D, bias": lambda L, T, a, b: F(L).linear(
        T(2, 1, 2, dtype=a), T(3, 2, dtype=b), T(3, dtype=b)
    ),
    "linear 1-D weight": lambda L, T, a, b: F(L).linear(T(1, 2, dtype=a), T(2, dtype=b)),
    "bilinear weight": lambda L, T, a, b: F(L).bilinear(
        T(1, 2, dtype=a), T(1, 3, dtype=a), T(4, 2, 3, dtype=b)
    ),
    "bilinear input2": lambda L, T, a, b: F(L).bilinear(
        T(1, 2, dtype=a), T(1, 3, dtype=b), T(4, 2, 3, dtype=a)
    ),
    "bilinear bias": lambda L, T, a, b: F(L).bilinear(
        T(1, 2, dtype=a), T(1, 3, dtype=a), T(4, 2, 3, dtype=a), T(4, dtype=b)
    ),
    "multi_dot": lambda L, T, a, b: L.linalg.multi_dot(
        [T(2, 3, dtype=a), T(3, 2, dtype=a), T(2, 2, dtype=b)]
    ),
    "linalg.vecdot": lambda L, T, a, b: L.linalg.vecdot(T(2, 3, dtype=a), T(3, dtype=b)),
    "chain_matmul": lambda L, T, a, b: L.chain_matmul(T(2, 3, dtype=a), T(3, 2, dtype=b)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_product_of_two_dtypes_as_torch(name):
    for a, b in PAIRS:
        if name == "einsum empty contraction" and b == BF16:
            continue  # microtensor's einsum has no bfloat16 kernel (NumPy's einsum has none)
        check_like_torch(CASES[name], a, b)


def test_the_messages_are_torchs_words():
    said = check_like_torch(CASES["matmul 2-D 2-D (mm)"], F32, F64)
    assert said == "expected m1 and m2 to have the same dtype, but got: float != double"
    said = check_like_torch(CASES["matmul 2-D 2-D (mm)"], I64, F32)
    assert said == "expected m1 and m2 to have the same dtype, but got: long int != float"
    said = check_like_torch(CASES["linear 2-D, bias like weight"], F64, F32)
    assert said == "mat1 and mat2 must have the same dtype, but got Double and Float"
    with pytest.raises(RuntimeError, match=r"^matmul\(\): expected m1 .*: convert one side"):
        mt.ones(2, 2) @ mt.ones(2, 2, dtype=mt.float64)


def test_nn_modules_refuse_a_second_dtype():
    x = mt.ones(1, 2, dtype=mt.float64)
    with pytest.raises(
        RuntimeError, match="mat1 and mat2 must have the same dtype, but got Double"
    ):
        mt.nn.Linear(2, 2)(x)
    with pytest.raises(
        RuntimeError, match="expected m1 and m2 to have the same dtype, but got: dou"
    ):
        mt.nn.Linear(2, 2, bias=False)(x)
    with pytest.raises(RuntimeError, match="got input1: double, input2: double, weight: float"):
        mt.nn.Bilinear(2, 3, 4)(x, mt.ones(1, 3, dtype=mt.float64))
    assert mt.nn.Linear(2, 2).double()(x).dtype == mt.float64


def test_shape_errors_come_before_dtype_errors_as_torch():
    mm = check_like_torch(lambda L, T, a, b: L.mm(T(2, 3, dtype=a), T(4, 2, dtype=b)), F32, F64)
    assert mm == "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x2)"
    # but dot and tensordot check the dtypes first
    dot = check_like_torch(lambda L, T, a, b: L.dot(T(3, dtype=a), T(4, dtype=b)), F32, F64)
    assert dot.startswith("dot : expected both vectors to have same dtype")
    with pytest.raises(RuntimeError, match="both inputs should have same dtype"):
        mt.tensordot(mt.ones(2, 3), mt.ones(4, 2, dtype=mt.float64), dims=1)


def test_vecdot_of_integers_is_refused_as_torch():
    said = check_like_torch(
        lambda L, T, a, b: L.linalg.vecdot(T(3, dtype=a), T(3, dtype=b)), I64, I64
    )
    assert said == "linalg.vecdot: Expected a floating point or complex tensor as input. Got Long"


def test_one_dtype_and_non_tensor_operands_still_work():
    a = mt.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mt.float64)
    np.testing.assert_array_equal((a @ a).numpy(), [[7.0, 10.0], [15.0, 22.0]])
    ints = mt.tensor([[1, 2], [3, 4]])
    assert (ints @ ints).dtype == mt.int64
    assert mt.matmul(mt.ones(2), [1.0, 2.0]).item() == 3.0  # a list is converted (torch refuses)


def test_empty_batched_product_takes_the_second_dtype_as_torch():
    got = mt.bmm(mt.ones(2, 2, 0), mt.ones(2, 0, 3, dtype=mt.float64))
    assert got.dtype == mt.float64 and got.shape == (2, 2, 3)
    assert not got.numpy().any()


# torch's add-products, against the checks microtensor's addmm family is to call (ops/matrix.py)
ADD_PRODUCTS = {
    "addmm": (_product_dtypes.check_addmm, torch.addmm, [(2, 2), (2, 3), (3, 2)]),
    "addbmm": (_product_dtypes.check_addmm, torch.addbmm, [(2, 2), (2, 2, 3), (2, 3, 2)]),
    "addmv": (_product_dtypes.check_addmv, torch.addmv, [(2,), (2, 3), (3,)]),
    "baddbmm": (_product_dtypes.check_baddbmm, torch.baddbmm, [(2, 2, 2), (2, 2, 3), (2, 3, 2)]),
    "baddbmm large": (_product_dtypes.check_baddbmm, torch.baddbmm, [(1,), (2, 8, 8), (2, 8, 8)]),
}


@pytest.mark.parametrize("name", list(ADD_PRODUCTS))
@pytest.mark.parametrize("a,b", [(F32, F64), (I64, F32), (F16, BF16)])
def test_add_product_checks_say_what_torch_says(name, a, b):
    check, torch_fn, shapes = ADD_PRODUCTS[name]
    for dtypes in [(a, a, b), (a, b, a), (b, a, a), (a, b, b), (a, a, a)]:
        tt = [torch.ones(s, dtype=getattr(torch, d)) for s, d in zip(shapes, dtypes, strict=True)]
        mine = [mt.ones(*s, dtype=getattr(mt, d)) for s, d in zip(shapes, dtypes, strict=True)]
        try:
            torch_fn(*tt)
        except RuntimeError as error:
            with pytest.raises(RuntimeError, match=re.escape(str(error))):
                check(name.split()[0], *mine)
        else:
            check(name.split()[0], *mine)  # no error where torch has none


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.addmm(lib.ones(2, dtype=lib.float64), lib.ones(2, 2), lib.ones(2, 2)),
        lambda lib: lib.addmm(lib.ones(2), lib.ones(2, 2, dtype=lib.float64), lib.ones(2, 2)),
        lambda lib: lib.addmv(lib.ones(2, dtype=lib.float64), lib.ones(2, 2), lib.ones(2)),
        lambda lib: lib.baddbmm(
            lib.ones(1, dtype=lib.float64), lib.ones(2, 1, 3), lib.ones(2, 3, 1)
        ),
        lambda lib: lib.addbmm(
            lib.ones(1, 1, dtype=lib.float64), lib.ones(2, 1, 3), lib.ones(2, 3, 1)
        ),
    ],
)
def test_the_add_products_refuse_an_input_of_another_dtype_as_torch(call):
    with pytest.raises(RuntimeError) as expected:
        call(torch)
    with pytest.raises(RuntimeError, match=re.escape(str(expected.value))):
        call(mt)
