"""matmul, mm, bmm, mv, dot, outer (ger) and einsum, against PyTorch."""

import re

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch

DTYPES = [np.float64, np.float32]


@st.composite
def matmul_shapes(draw):
    """Shapes of every rank 1..4 that matmul accepts, with broadcast (and size-1) batch dims."""
    batch_a, batch_b = draw(
        mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3)
    ).input_shapes
    m, k, n = draw(st.integers(0, 3)), draw(st.integers(0, 3)), draw(st.integers(1, 3))
    a = (k,) if draw(st.booleans()) else batch_a + (m, k)
    b = (k,) if draw(st.booleans()) else batch_b + (k, n)
    return a, b


def _pair(rank_a, rank_b, m=2, k=3, n=2):
    """Shapes of ranks ``rank_a`` and ``rank_b``; batch dims broadcast, some of size 1."""
    batch_a, batch_b = {3: (1,), 4: (2, 1)}, {3: (3,), 4: (1, 3)}
    a = (k,) if rank_a == 1 else batch_a.get(rank_a, ()) + (m, k)
    b = (k,) if rank_b == 1 else batch_b.get(rank_b, ()) + (k, n)
    return a, b


RANK_PAIRS = [_pair(ra, rb) for ra in range(1, 5) for rb in range(1, 5)]


@pytest.mark.parametrize("form", ["function", "operator"])
@pytest.mark.parametrize("dtype", DTYPES)
@given(shapes=matmul_shapes(), seed=st.integers(0, 2**16))
def test_matmul_matches_torch(form, dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(s).astype(dtype) for s in shapes)
    fn = mt.matmul if form == "function" else (lambda x, y: x @ y)
    compare_with_torch(fn, torch.matmul, [a, b], rng=rng)


@pytest.mark.parametrize("shapes", RANK_PAIRS, ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_every_rank_pair_matches_torch(shapes, dtype):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s).astype(dtype) for s in shapes)
    compare_with_torch(mt.matmul, torch.matmul, [a, b], rng=rng)


@pytest.mark.parametrize("shapes", RANK_PAIRS, ids=str)
def test_matmul_gradcheck(shapes):
    rng = np.random.default_rng(1)
    check_gradients(mt.matmul, [rng.standard_normal(s) for s in shapes])


def test_matmul_of_vectors_is_0d():
    out = mt.matmul(mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0]))
    assert out.shape == ()
    assert out.item() == 11.0


def test_matmul_gradient_only_where_needed():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, 2, 3)), rng.standard_normal((3, 4))
    x, y = mt.tensor(a), mt.tensor(b, requires_grad=True)
    (x @ y).sum().backward()
    tx, ty = torch.tensor(a), torch.tensor(b, requires_grad=True)
    (tx @ ty).sum().backward()
    assert x.grad is None
    assert_same(y.grad, ty.grad)


def test_matmul_integers_stay_integers():
    a, b = np.arange(6).reshape(2, 3), np.arange(6).reshape(3, 2) - 2
    out = mt.matmul(mt.tensor(a), mt.tensor(b))
    assert_same(out, torch.matmul(torch.tensor(a), torch.tensor(b)))
    assert out.dtype == mt.int64


@pytest.mark.parametrize(
    "dtype_a,dtype_b,said",
    [
        (np.float32, np.float64, "float != double"),
        (np.int64, np.float32, "long int != float"),
        (np.int32, np.int64, "int != long int"),
    ],
)
def test_matmul_refuses_mixed_dtypes_as_torch(dtype_a, dtype_b, said):
    a, b = np.ones((2, 3), dtype=dtype_a), np.full((3, 2), 2, dtype=dtype_b)
    message = f"expected m1 and m2 to have the same dtype, but got: {said}"
    with pytest.raises(RuntimeError, match=re.escape(message)):
        torch.matmul(torch.tensor(a), torch.tensor(b))
    with pytest.raises(RuntimeError, match=re.escape(message)):
        mt.matmul(mt.tensor(a), mt.tensor(b))


def test_matmul_after_a_cast_gives_gradients_in_each_dtype():
    a = mt.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    b = mt.tensor(np.full((3, 2), 2.0), requires_grad=True)
    mt.matmul(a.to(b.dtype), b).sum().backward()
    assert a.grad.dtype == mt.float32
    assert b.grad.dtype == mt.float64
    np.testing.assert_array_equal(a.grad.numpy(), np.full((2, 3), 4.0))
    np.testing.assert_array_equal(b.grad.numpy(), np.full((3, 2), 2.0))


def test_matmul_accepts_numpy_arrays_on_either_side():
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    row = np.array([[1.0, -1.0]], dtype=np.float32)
    out = row @ x
    assert isinstance(out, mt.Tensor)
    assert_same(out, torch.tensor([[-2.0, -2.0]]))
    assert_same(mt.matmul(x, row.T), torch.tensor([[-1.0], [-1.0]]))
    out.sum().backward()
    assert_same(x.grad, torch.tensor([[1.0, 1.0], [-1.0, -1.0]]))


# name, microtensor function, torch function, operand shapes from sizes (batch, n, k, m)
FIXED = [
    ("mm", mt.mm, torch.mm, lambda b, n, k, m: [(n, k), (k, m)]),
    ("bmm", mt.bmm, torch.bmm, lambda b, n, k, m: [(b, n, k), (b, k, m)]),
    ("mv", mt.mv, torch.mv, lambda b, n, k, m: [(n, k), (k,)]),
    ("dot", mt.dot, torch.dot, lambda b, n, k, m: [(k,), (k,)]),
    ("outer", mt.outer, torch.outer, lambda b, n, k, m: [(n,), (m,)]),
    ("ger", mt.ger, torch.outer, lambda b, n, k, m: [(n,), (m,)]),
    ("Tensor.matmul", lambda x, y: x.matmul(y), None, lambda b, n, k, m: [(b, n, k), (k,)]),
    ("Tensor.mm", lambda x, y: x.mm(y), None, lambda b, n, k, m: [(n, k), (k, m)]),
    ("Tensor.bmm", lambda x, y: x.bmm(y), None, lambda b, n, k, m: [(b, n, k), (b, k, m)]),
    ("Tensor.mv", lambda x, y: x.mv(y), None, lambda b, n, k, m: [(n, k), (k,)]),
    ("Tensor.dot", lambda x, y: x.dot(y), None, lambda b, n, k, m: [(k,), (k,)]),
    ("Tensor.outer", lambda x, y: x.outer(y), None, lambda b, n, k, m: [(n,), (m,)]),
]
SIZES = st.tuples(st.integers(1, 3), st.integers(0, 3), st.integers(0, 3), st.integers(1, 3))


@pytest.mark.parametrize("name,mt_fn,torch_fn,shapes", FIXED, ids=[f[0] for f in FIXED])
@pytest.mark.parametrize("dtype", DTYPES)
@given(sizes=SIZES, seed=st.integers(0, 2**16))
def test_fixed_rank_products_match_torch(name, mt_fn, torch_fn, shapes, dtype, sizes, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes(*sizes)]
    compare_with_torch(mt_fn, torch_fn or mt_fn, arrays, rng=rng)


@pytest.mark.parametrize("name,mt_fn,torch_fn,shapes", FIXED, ids=[f[0] for f in FIXED])
def test_fixed_rank_products_gradcheck(name, mt_fn, torch_fn, shapes):
    rng = np.random.default_rng(3)
    check_gradients(mt_fn, [rng.standard_normal(s) for s in shapes(2, 2, 3, 2)])


# equation, shapes for gradcheck
EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 2)]),
    ("ij,jk", [(2, 3), (3, 2)]),
    ("bi,oi->bo", [(3, 2), (2, 2)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ij,j->i", [(2, 3), (3,)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (2, 3, 2)]),
    ("...ij,...jk", [(1, 2, 2), (3, 2, 2)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ii->", [(3, 3)]),
    ("iji->j", [(2, 3, 2)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ba", [(2, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("i,i->", [(3,), (3,)]),
    ("i,i", [(3,), (3,)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("ij,ij->j", [(2, 3), (2, 1)]),
    ("i...->...", [(2, 3, 2)]),
    ("...ij->ij", [(2, 2, 3)]),
    ("ij->...ij", [(2, 3)]),
    ("i,...->...i", [(2,), (3, 2)]),
    (",i->i", [(), (3,)]),
    ("Ab,aB", [(2, 3), (2, 2)]),
    ("bn,anm,bm->ba", [(2, 3), (2, 3, 2), (2, 2)]),
    ("ij , jk -> ik", [(2, 3), (3, 2)]),
]


@st.composite
def einsum_shapes(draw, equation):
    """Shapes for ``equation``: drawn label sizes, some dims 1 (broadcast), broadcast '...'."""
    lhs = equation.replace(" ", "").split("->")[0]
    terms = lhs.split(",")
    sizes = {c: draw(st.integers(1, 3)) for c in sorted(set(lhs) - {"."})}
    dots = draw(
        mutually_broadcastable_shapes(num_shapes=len(terms), min_dims=0, max_dims=2, max_side=3)
    ).input_shapes
    shapes = []
    for term, dot_shape in zip(terms, dots, strict=True):
        before, has_dots, after = term.partition("...")
        shape = []
        for c in before + after:
            once = (before + after).count(c) == 1
            shape.append(1 if once and draw(st.integers(0, 3)) == 0 else sizes[c])
        shapes.append(
            tuple(shape[: len(before)])
            + (dot_shape if has_dots else ())
            + tuple(shape[len(before) :])
        )
    return shapes


@pytest.mark.parametrize("equation,_", EINSUM, ids=[e[0] for e in EINSUM])
@pytest.mark.parametrize("dtype", DTYPES)
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_einsum_matches_torch(equation, _, dtype, data, seed):
    rng = np.random.default_rng(seed)
    shapes = data.draw(einsum_shapes(equation))
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    compare_with_torch(
        lambda *x: mt.einsum(equation, *x), lambda *x: torch.einsum(equation, *x), arrays, rng=rng
    )


@pytest.mark.parametrize("equation,shapes", EINSUM, ids=[e[0] for e in EINSUM])
def test_einsum_gradcheck(equation, shapes):
    rng = np.random.default_rng(4)
    check_gradients(lambda *x: mt.einsum(equation, *x), [rng.standard_normal(s) for s in shapes])


def test_einsum_accepts_a_list_of_operands():
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    out = mt.einsum("ij,jk->ik", [mt.tensor(a), mt.tensor(b)])
    assert_same(out, torch.einsum("ij,jk->ik", [torch.tensor(a), torch.tensor(b)]))


def test_einsum_of_integers_stays_integer():
    a = np.arange(9).reshape(3, 3)
    out = mt.einsum("ii", mt.tensor(a))
    assert out.dtype == mt.int64
    assert out.item() == 12


def test_einsum_promotes_mixed_dtypes_where_nothing_is_summed():
    # torch multiplies (and promotes) where a step sums nothing; a summed step is a bmm
    a = mt.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    b = mt.tensor(np.full(3, 2.0), requires_grad=True)
    out = mt.einsum("i,i->i", a, b)
    expected = torch.einsum("i,i->i", torch.ones(3), torch.full((3,), 2.0, dtype=torch.float64))
    assert out.dtype == mt.float64 and expected.dtype == torch.float64
    np.testing.assert_array_equal(out.detach().numpy(), expected.numpy())
    out.sum().backward()
    assert a.grad.dtype == mt.float32
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0, 2.0])
    with pytest.raises(RuntimeError, match="expected scalar type Float but found Double"):
        mt.einsum("i,i->", a, b)


def test_einsum_diagonal_gradient_is_zero_off_the_diagonal():
    x = mt.tensor(np.arange(4.0).reshape(2, 2), requires_grad=True)
    mt.einsum("ii->i", x).backward(mt.tensor([5.0, 7.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [[5.0, 0.0], [0.0, 7.0]])


def _raises(fn, *shapes):
    return lambda: fn(*[mt.ones(s) for s in shapes])


def _einsum(equation, *shapes):
    return lambda: mt.einsum(equation, *[mt.ones(s) for s in shapes])


# callable, exception, message
ERRORS = [
    (
        _raises(mt.matmul, (3, 4), (5, 2)),
        RuntimeError,
        re.escape(
            "matmul(): mat1 and mat2 shapes cannot be multiplied (3x4 and 5x2): shapes (3, 4) and "
            "(5, 2) cannot be multiplied (4 != 5): the last dim of input must equal the "
            "second-to-last dim of other"
        ),
    ),
    (
        _raises(mt.matmul, (3,), (4,)),
        RuntimeError,
        r"matmul\(\): .*shapes \(3,\) and \(4,\) cannot .* \(3 != 4\).* the length of other",
    ),
    (
        _raises(mt.matmul, (), (2, 2)),
        RuntimeError,
        "both arguments to matmul need to be at least 1D, but they are 0D and 2D",
    ),
    (
        lambda: mt.ones(2) @ 2.0,
        RuntimeError,
        "both arguments to matmul need to be at least 1D, but they are 1D and 0D",
    ),
    (
        _raises(mt.matmul, (2, 3, 4), (3, 4, 5)),
        RuntimeError,
        r"matmul\(\): .*batch dims \(2,\) and \(3,\) of shapes \(2, 3, 4\) and \(3, 4, 5\) do not",
    ),
    (_raises(mt.mm, (3,), (3, 4)), RuntimeError, r"mm\(\): input must be 2-D, .* \(3,\)"),
    (_raises(mt.mm, (2, 3), (3, 4, 1)), RuntimeError, r"mm\(\): mat2 must be 2-D"),
    (
        _raises(mt.mm, (2, 3), (4, 5)),
        RuntimeError,
        r"mm\(\): .*shapes \(2, 3\) and \(4, 5\) cannot be multiplied \(3 != 4\).*dim of mat2",
    ),
    (_raises(mt.mm, (), (2, 2)), RuntimeError, "both arguments to mm need to be at least 1D"),
    (_raises(mt.bmm, (3, 4), (4, 5)), RuntimeError, r"bmm\(\): input must be 3-D"),
    (
        _raises(mt.bmm, (2, 3, 4), (3, 4, 5)),
        RuntimeError,
        r"bmm\(\): Expected size for first two dimensions .*Batch sizes differ \(2 != 3\).*does not broadcast, use matmul",
    ),
    (
        _raises(mt.bmm, (2, 3, 4), (2, 5, 5)),
        RuntimeError,
        r"bmm\(\): .*shapes .* cannot be multiplied \(4 != 5\)",
    ),
    (_raises(mt.mv, (3,), (3,)), RuntimeError, r"mv\(\): input must be 2-D"),
    (_raises(mt.mv, (3, 4), (4, 1)), RuntimeError, r"mv\(\): vec must be 1-D"),
    (
        _raises(mt.mv, (3, 4), (5,)),
        RuntimeError,
        r"mv\(\): .*shapes \(3, 4\) and \(5,\) cannot be multiplied \(4 != 5\).* length of vec",
    ),
    (_raises(mt.dot, (3, 3), (3,)), RuntimeError, r"dot\(\): input must be 1-D"),
    (
        _raises(mt.dot, (3,), (4,)),
        RuntimeError,
        r"dot\(\): .*shapes \(3,\) and \(4,\) cannot be multiplied \(3 != 4\)",
    ),
    (_raises(mt.outer, (3, 3), (3,)), RuntimeError, r"outer\(\): input must be 1-D"),
    (_raises(mt.ger, (3,), (3, 1)), RuntimeError, r"outer\(\): vec2 must be 1-D"),
    (
        _einsum("ij,jk", (2, 3)),
        RuntimeError,
        "einsum\\(\\): fewer operands were provided than specified in the equation",
    ),
    (
        _einsum("ij", (2, 3), (3, 3)),
        RuntimeError,
        "einsum\\(\\): more operands were provided than specified in the equation",
    ),
    (
        _einsum("ij", (2, 3, 4)),
        RuntimeError,
        re.escape(
            "einsum(): the number of subscripts in the equation (2) does not match the number "
            "of dimensions (3) for operand 0 and no ellipsis was given"
        ),
    ),
    (_einsum("ijk...", (2, 3)), RuntimeError, r"subscripts in the equation \(3\) does not match"),
    (
        _einsum("ii->i", (2, 3)),
        RuntimeError,
        "subscript i is repeated for operand 0 but the sizes don't match, 2 != 3",
    ),
    (
        _einsum("ij,jk", (2, 3), (4, 5)),
        RuntimeError,
        "subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3",
    ),
    (
        _einsum("...i,...i", (2, 3), (4, 3)),
        RuntimeError,
        r"subscript \.\.\. \(dim 0\) has size 4 for operand 1 which does not broadcast",
    ),
    (
        _einsum("ij->kj", (2, 3)),
        RuntimeError,
        "output subscript k does not appear in the equation for any input operand",
    ),
    (_einsum("ij->ii", (2, 3)), RuntimeError, "output subscript i appears more than once"),
    (_einsum("i1", (2, 3)), RuntimeError, "invalid subscript '1' for operand 0: .*a-zA-Z"),
    (_einsum("ij->i->j", (2, 3)), RuntimeError, "invalid subscript '-' for the output"),
    (_einsum("i..j", (2, 3)), RuntimeError, "found '.' for operand 0 that is not part of any"),
    (lambda: mt.einsum(mt.ones(2, 2), [0, 1]), TypeError, "equation must be a string .* sublist"),
]


@pytest.mark.parametrize("call,error,match", ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()
