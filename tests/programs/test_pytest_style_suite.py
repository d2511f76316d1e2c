"""A third-party test file as people write one, run with torch and with microtensor as ``torch``.

The tests below use only the public API the way project test suites do: ``torch.testing.
assert_close`` (and its failure messages), ``torch.autograd.gradcheck``/``gradgradcheck``,
``pytest.approx`` on ``.item()``, ``torch.allclose``/``equal``, ``pytest.raises`` with a
``match=`` on torch's message, warnings caught with ``warnings.catch_warnings``. Each runs on
both libraries; where microtensor still differs the test is marked xfail(strict) with the fix.
"""

import warnings

import pytest
import torch

import microtensor as mt
from tests.programs.agreement import assert_same_record

LIBS = pytest.mark.parametrize("lib", [torch, mt], ids=["torch", "microtensor"])


def not_yet(lib, reason):
    """Mark one microtensor case xfail(strict): it flips to a failure once fixed."""
    return pytest.param(lib, marks=pytest.mark.xfail(strict=True, reason=reason))


def assert_close_messages(torch):
    torch.manual_seed(30)
    a = torch.randn(3, 4)
    torch.testing.assert_close(a * 2, a + a)
    torch.testing.assert_close(a.sum(), torch.tensor(a.sum().item()))
    torch.testing.assert_close(
        torch.tensor([1.0, float("nan")]), torch.tensor([1.0, float("nan")]), equal_nan=True
    )
    torch.testing.assert_close(1.0, 1.0 + 1e-9)
    record = []
    for actual, expected in [(a, a + 1e-3), (a, a.double()), (torch.zeros(2), torch.zeros(3))]:
        with pytest.raises(AssertionError) as error:
            torch.testing.assert_close(actual, expected)
        record.append(str(error.value))
    return record


def test_assert_close_fails_with_torchs_messages():
    assert_same_record(assert_close_messages(mt), assert_close_messages(torch))


@LIBS
def test_gradcheck_and_gradgradcheck_pass(lib):
    lib.manual_seed(0)
    x = lib.randn(3, dtype=lib.double, requires_grad=True)
    assert lib.autograd.gradcheck(lambda t: (t.sin() * t).sum(), (x,), eps=1e-6, atol=1e-4)
    assert lib.autograd.gradgradcheck(lambda t: (t.exp() * t).sum(), (x,))
    assert lib.autograd.gradcheck(lib.nn.functional.softplus, (x,))
    linear = lib.nn.Linear(4, 2).double()
    assert lib.autograd.gradcheck(linear, (lib.randn(2, 4, dtype=lib.float64, requires_grad=True),))


@LIBS
def test_item_approx_allclose_equal(lib):
    lib.manual_seed(0)
    a = lib.randn(3, 4)
    assert lib.tensor(0.1).item() == pytest.approx(0.1)
    assert (a.sum() / 12).item() == pytest.approx(a.mean().item(), rel=1e-6)
    assert lib.allclose(a, a + 1e-9) and not lib.allclose(a, a + 1e-3)
    assert lib.isclose(a, a + 1e-7).all().item()
    assert lib.equal(a, a.clone()) and not lib.equal(a, a + 1)
    assert a.dtype == lib.float32 and a.is_floating_point()


@LIBS
def test_errors_match_torchs_messages(lib):
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        lib.randn(2, 3) @ lib.randn(2, 3)
    with pytest.raises(RuntimeError, match=r"size of tensor a \(2\) must match the size"):
        lib.randn(2, 3) + lib.randn(4, 3)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 2"):
        lib.randn(2)[5]
    with pytest.raises(ValueError, match="Invalid learning rate"):
        lib.optim.SGD(lib.nn.Linear(2, 2).parameters(), lr=-1)
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        lib.randn(2).sum().backward()
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        lib.randn(2, requires_grad=True).mul(2).backward()
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used"):
        lib.randn(2, requires_grad=True).add_(1)


@LIBS
def test_the_most_matched_error_sentences_are_torchs(lib):
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3"):
        lib.randn(2, 3) @ lib.randn(2, 3)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match the size"):
        lib.randn(2, 3) + lib.randn(4, 3)


@LIBS
def test_backward_twice_matches_torchs_message(lib):
    y = lib.randn(2, requires_grad=True).exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        y.backward()


@LIBS
def test_warnings_are_torchs(lib):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lib.nn.functional.mse_loss(lib.randn(3, 1), lib.randn(3))
        lib.nn.functional.softmax(lib.randn(2, 3))
    messages = [str(w.message).replace("microtensor.", "torch.") for w in caught]
    assert messages[0].startswith("Using a target size (torch.Size([3])) that is different to")
    assert messages[1].startswith("Implicit dimension choice for softmax has been deprecated")


@LIBS
def test_tensor_of_a_tensor_warns(lib):
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        lib.tensor(lib.ones(2))


@pytest.mark.parametrize("lib", [torch, mt], ids=["torch", "microtensor"])
def test_grad_fn_type_name(lib):
    x = lib.ones(1, requires_grad=True)
    y = x * 2
    assert type(y.grad_fn).__name__ == y.grad_fn.name() == "MulBackward0"
    assert type(y.sum().grad_fn).__name__ == "SumBackward0"

    class Twice(lib.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    z = Twice.apply(x)
    assert type(z.grad_fn).__name__ == z.grad_fn.name() == "TwiceBackward"
    assert Twice.__name__ == "Twice"


def module_reprs(torch):
    nn = torch.nn
    return [
        repr(torch.tensor([1.5, 2.0], requires_grad=True) * 2),
        repr(torch.tensor([[1, 2], [3, 4]])) + repr(torch.zeros(2, dtype=torch.float64)),
        str(torch.arange(6).view(2, 3).float() / 3) + repr(torch.tensor([1e-8, 1.0, 1e8])),
        repr(torch.tensor([True, False])) + repr(nn.Parameter(torch.ones(2))),
        repr(torch.optim.Adam(nn.Linear(2, 2).parameters())),
        repr(nn.LSTM(3, 4, 2, batch_first=True, dropout=0.1)),
        repr(nn.MultiheadAttention(8, 2, batch_first=True)),
        repr(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)),
        repr(nn.BatchNorm2d(3))
        + repr(nn.LayerNorm([4, 5]))
        + repr(nn.Embedding(10, 3, padding_idx=0)),
        repr(nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=False))
        + repr(nn.ConvTranspose2d(4, 2, 2, 2)),
        repr(nn.Dropout(0.2))
        + repr(nn.GELU(approximate="tanh"))
        + repr(nn.Upsample(scale_factor=2)),
    ]


def test_printed_tensors_modules_and_optimizers_are_torchs():
    assert_same_record(module_reprs(mt), module_reprs(torch))


@pytest.mark.parametrize("lib", [torch, mt], ids=["torch", "microtensor"])
def test_version_gates_take_the_modern_path(lib):
    assert lib.__version__ >= "2.0" and lib.__version__ >= (1, 13)
