"""A table of wrong calls: each gives PyTorch's exception type and a message naming the
problem (shapes, dims, dtypes), never a raw NumPy traceback."""

import pytest

import microtensor as mt


def _x():
    return mt.ones(2, 3)


WRONG_CALLS = [
    (
        "matmul shapes",
        lambda: mt.ones(3, 4) @ mt.ones(5, 2),
        RuntimeError,
        r"matmul\(\): shapes \(3, 4\) and \(5, 2\) cannot be multiplied",
    ),
    (
        "broadcast",
        lambda: mt.ones(2, 3) + mt.ones(4),
        RuntimeError,
        r"add\(\).*size of tensor a \(3\) must match the size of tensor b \(4\)",
    ),
    (
        "non-scalar backward",
        lambda: (mt.ones(2, requires_grad=True) * 2).backward(),
        RuntimeError,
        r"grad can be implicitly created only for scalar outputs",
    ),
    (
        "int requires_grad",
        lambda: mt.tensor([1, 2], requires_grad=True),
        RuntimeError,
        r"only Tensors of floating point dtype can require gradients",
    ),
    (
        "sum bad dim",
        lambda: _x().sum(dim=2),
        IndexError,
        r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)",
    ),
    ("mean bad dim", lambda: _x().mean(dim=-3), IndexError, r"Dimension out of range"),
    ("softmax bad dim", lambda: mt.softmax(_x(), dim=5), IndexError, r"Dimension out of range"),
    ("transpose bad dim", lambda: _x().transpose(0, 3), IndexError, r"Dimension out of range"),
    ("bad dtype", lambda: mt.zeros(2, dtype="complex64"), TypeError, r"unsupported dtype"),
    ("reshape", lambda: _x().reshape(4, 2), RuntimeError, r"shape '\[4, 2\]' is invalid .*6"),
    (
        "cat shapes",
        lambda: mt.cat([mt.ones(2, 3), mt.ones(2, 4)]),
        RuntimeError,
        r"Sizes of tensors must match except in dimension 0",
    ),
    (
        "index out of range",
        lambda: _x()[5],
        IndexError,
        r"index 5 is out of bounds for dimension 0 with size 2",
    ),
    (
        "mean of ints",
        lambda: mt.tensor([1, 2]).mean(),
        RuntimeError,
        r"Input dtype must be either a floating point",
    ),
    (
        "item of many",
        lambda: _x().item(),
        RuntimeError,
        r"6 elements cannot be converted to Scalar",
    ),
    (
        "leaf in-place",
        lambda: mt.ones(1, requires_grad=True).mul_(2),
        RuntimeError,
        r"a leaf Variable that requires grad is being used in an in-place operation",
    ),
    ("expand", lambda: mt.ones(2, 3).expand(4, 3), RuntimeError, r"expand"),
    ("mm rank", lambda: mt.mm(mt.ones(2), mt.ones(2, 2)), RuntimeError, r"mm"),
    ("gather index dtype", lambda: mt.gather(_x(), 0, mt.zeros(1, 3)), RuntimeError, r"gather"),
    (
        "scatter_reduce reduce",
        lambda: mt.scatter_reduce(_x(), 0, mt.zeros(1, 1, dtype=mt.int64), _x(), "max"),
        RuntimeError,
        r"scatter_reduce\(\): reduce argument must be either sum, prod, mean, amax or amin",
    ),
    (
        "index_copy source shape",
        lambda: mt.index_copy(_x(), 1, mt.tensor([0]), mt.ones(2, 2)),
        RuntimeError,
        r"index_copy_\(\): Number of indices \(1\) should be equal to source.size\(dim\)",
    ),
    (
        "slice_scatter src shape",
        lambda: mt.slice_scatter(_x(), mt.ones(2, 2), 1, 0, 1),
        RuntimeError,
        r"slice_scatter\(\): expected src to have a size equal to the slice of self",
    ),
    (
        "quantile q range",
        lambda: mt.quantile(_x(), 1.5),
        RuntimeError,
        r"quantile\(\) q must be in the range \[0, 1\]",
    ),
    ("rot90 dims", lambda: mt.rot90(_x(), 1, [0]), RuntimeError, r"rot90\(\): expected total"),
    ("select index", lambda: mt.select(_x(), 1, 3), IndexError, r"select\(\): index 3 out of"),
    ("take index", lambda: mt.take(_x(), mt.tensor([6])), IndexError, r"take\(\): out of range"),
    (
        "tensor_split sections",
        lambda: mt.tensor_split(_x(), 0),
        RuntimeError,
        r"tensor_split\(\): number of sections must be larger than 0",
    ),
    (
        "cov dims",
        lambda: mt.cov(mt.ones(2, 2, 2)),
        RuntimeError,
        r"cov\(\): expected input to have two or fewer dimensions",
    ),
    ("renorm dims", lambda: mt.renorm(mt.ones(2), 2, 0, 1.0), RuntimeError, r"renorm\(\)"),
    ("inv singular", lambda: mt.linalg.inv(mt.zeros(2, 2)), RuntimeError, r"linalg.inv: The"),
    (
        "solve shapes",
        lambda: mt.linalg.solve(mt.eye(3), mt.ones(2, 3)),
        RuntimeError,
        r"linalg.solve: Incompatible shapes of A and B for the equation AX = B \(3x3 and 2x3\)",
    ),
    (
        "cholesky not positive-definite",
        lambda: mt.linalg.cholesky(-mt.eye(2)),
        RuntimeError,
        r"linalg.cholesky: .* leading minor of order 1 is not positive-definite",
    ),
    ("svd 1-D", lambda: mt.linalg.svd(mt.ones(3)), RuntimeError, r"linalg.svd: The input tensor"),
    ("matrix_norm ord", lambda: mt.linalg.matrix_norm(_x(), 3), RuntimeError, r"Order 3 not"),
    ("factory device", lambda: mt.zeros(2, device="cuda"), RuntimeError, r"zeros\(\): .*CPU only"),
    ("like memory_format", lambda: mt.ones_like(_x(), memory_format=1), TypeError, r"ones_like"),
    ("fill value dims", lambda: mt.fill(_x(), mt.ones(2)), RuntimeError, r"fill\(\): only"),
    ("bfloat16", lambda: _x().bfloat16(), TypeError, r"bfloat16\(\): microtensor has no"),
    ("polygamma n", lambda: mt.polygamma(-1, _x()), RuntimeError, r"does not support negative n"),
    ("mvlgamma p", lambda: mt.mvlgamma(_x(), 0), RuntimeError, r"p has to be greater than or"),
    ("xlogy shapes", lambda: mt.xlogy(_x(), mt.ones(4)), RuntimeError, r"xlogy\(\).*size of"),
    ("hypot ints", lambda: mt.hypot(mt.tensor([3]), mt.tensor([4])), NotImplementedError, r"hypot"),
    ("frexp ints", lambda: mt.frexp(mt.tensor([3])), RuntimeError, r"only supports floating"),
    ("heaviside dtypes", lambda: mt.heaviside(_x(), mt.tensor([1])), RuntimeError, r"different"),
    ("nextafter number", lambda: mt.nextafter(_x(), 1.0), TypeError, r"'other' must be Tensor"),
    (
        "igamma input grad",
        lambda: mt.igamma(mt.ones(1, requires_grad=True), mt.ones(1)).backward(),
        RuntimeError,
        r"derivative for 'igamma: input' is not implemented",
    ),
    (
        "pixel_shuffle channels",
        lambda: mt.nn.functional.pixel_shuffle(mt.ones(1, 3, 2, 2), 2),
        RuntimeError,
        r"pixel_shuffle expects its input's 'channel' dimension to be divisible",
    ),
    (
        "interpolate mode rank",
        lambda: mt.nn.functional.interpolate(mt.ones(1, 1, 4), 2, mode="bilinear"),
        NotImplementedError,
        r"'bilinear' needs a 4D",
    ),
    (
        "fold blocks",
        lambda: mt.nn.functional.fold(mt.ones(1, 4, 8), (4, 4), 2),
        RuntimeError,
        r"calculated number of sliding blocks 3 \* 3 = 9, but got input.size\(2\)=8",
    ),
    (
        "embedding_bag psw mode",
        lambda: mt.nn.functional.embedding_bag(
            mt.tensor([[0]]), mt.ones(2, 2), per_sample_weights=mt.ones(1, 1)
        ),
        NotImplementedError,
        r"per_sample_weights is only supported for mode='sum'",
    ),
    ("glu odd", lambda: mt.nn.functional.glu(_x()), RuntimeError, r"Halving dimension must be"),
    (
        "ctc lengths",
        lambda: mt.nn.functional.ctc_loss(mt.ones(2, 1, 3), mt.tensor([[1]]), [3], [1]),
        RuntimeError,
        r"input_lengths to have value at most 2",
    ),
    (
        "multi_margin p",
        lambda: mt.nn.functional.multi_margin_loss(_x(), mt.tensor([0, 1]), p=3),
        ValueError,
        r"only p == 1 and p == 2 supported",
    ),
]


@pytest.mark.parametrize("name,call,exc,match", WRONG_CALLS, ids=[w[0] for w in WRONG_CALLS])
def test_wrong_call_gives_clear_error(name, call, exc, match):
    with pytest.raises(exc, match=match) as info:
        call()
    assert "numpy" not in type(info.value).__module__
