"""custom_op and CustomOpDef against torch.library: the same user ops in both frameworks."""

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.library.helpers import BACKENDS, assert_same, fresh_namespace


def define_numpy_sin(lib, ns):
    """The custom-ops tutorial's op: a NumPy kernel with a registered backward."""
    Tensor = lib.Tensor

    @lib.library.custom_op(f"{ns}::numpy_sin", mutates_args=())
    def numpy_sin(x: Tensor) -> Tensor:
        return lib.from_numpy(np.sin(x.numpy()))

    def setup_context(ctx, inputs, output):
        (x,) = inputs
        ctx.save_for_backward(x)

    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.cos()

    numpy_sin.register_autograd(backward, setup_context=setup_context)
    return numpy_sin


def define_scale_shift(lib, ns):
    """Two outputs, a float argument, a keyword-only argument, needs_input_grad recorded."""
    Tensor = lib.Tensor

    @lib.library.custom_op(f"{ns}::scale_shift", mutates_args=())
    def scale_shift(x: Tensor, b: Tensor, scale: float, *, power: int = 1) -> tuple[Tensor, Tensor]:
        return x * scale + b, (x**power).clone()

    def setup_context(ctx, inputs, keyword_only_inputs, output):
        x, _, scale = inputs
        ctx.save_for_backward(x)
        ctx.scale, ctx.power = scale, keyword_only_inputs["power"]

    def backward(ctx, grad_y, grad_p):
        (x,) = ctx.saved_tensors
        ctx.seen_needs = tuple(ctx.needs_input_grad)
        grad_x = grad_y * ctx.scale + grad_p * ctx.power * x ** (ctx.power - 1)
        return grad_x, grad_y, None

    scale_shift.register_autograd(backward, setup_context=setup_context)
    return scale_shift


def test_numpy_sin_values_and_gradients_match_torch(rng):
    ns = fresh_namespace()
    ops = {name: define_numpy_sin(lib, ns) for name, lib in BACKENDS.items()}
    data, upstream = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x_mt = mt.tensor(data, requires_grad=True)
    x_t = torch.tensor(data, requires_grad=True)
    y_mt, y_t = ops["mt"](x_mt), ops["torch"](x_t)
    assert_same(y_mt, y_t)
    y_mt.backward(mt.tensor(upstream))
    y_t.backward(torch.tensor(upstream))
    assert_same(x_mt.grad, x_t.grad)
    assert type(y_mt.grad_fn).__name__ == type(y_t.grad_fn).__name__
    assert type(y_t.grad_fn).__name__ == f"GeneratedBackwardFor_{ns}_numpy_sin_defaultBackward"


def test_op_is_reachable_as_ops_namespace_default_overload(rng):
    ns = fresh_namespace()
    numpy_sin = define_numpy_sin(mt, ns)
    torch_sin = define_numpy_sin(torch, ns)
    x = mt.tensor(rng.standard_normal(3), requires_grad=True)
    packet = getattr(mt.ops, ns).numpy_sin
    torch_packet = getattr(torch.ops, ns).numpy_sin
    assert repr(packet) == repr(torch_packet)
    assert repr(packet.default) == repr(torch_packet.default)
    assert str(packet.default) == str(torch_packet.default)
    assert packet.default.name() == torch_packet.default.name()
    assert packet.overloads() == torch_packet.overloads()
    assert repr(numpy_sin) == repr(torch_sin) == f"<CustomOpDef({ns}::numpy_sin)>"
    assert numpy_sin._opoverload is packet.default
    packet.default(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos(x.detach().numpy()))


def test_two_outputs_keyword_only_and_needs_input_grad_match_torch(rng):
    ns = fresh_namespace()
    ops = {name: define_scale_shift(lib, ns) for name, lib in BACKENDS.items()}
    x, b = rng.standard_normal(5), rng.standard_normal(5)
    g1, g2 = rng.standard_normal(5), rng.standard_normal(5)
    results = {}
    for name, lib in BACKENDS.items():
        xs = lib.tensor(x, requires_grad=True)
        bs = lib.tensor(b, requires_grad=False)
        y, p = ops[name](xs, bs, 1.5, power=3)
        lib.autograd.backward([y, p], [lib.tensor(g1), lib.tensor(g2)])
        results[name] = (y, p, xs.grad)
    for mine, theirs in zip(results["mt"], results["torch"], strict=True):
        assert_same(mine, theirs)


def test_needs_input_grad_in_backward_is_torchs():
    ns = fresh_namespace()
    seen = {}
    for name, lib in BACKENDS.items():
        Tensor = lib.Tensor

        @lib.library.custom_op(f"{ns}::add_scaled", mutates_args=())
        def add_scaled(x: Tensor, y: Tensor, alpha: float) -> Tensor:
            return x + alpha * y

        def backward(ctx, grad, name=name):
            seen[name] = tuple(ctx.needs_input_grad)
            return grad, grad, None

        add_scaled.register_autograd(backward)
        x = lib.ones(2, requires_grad=True)
        add_scaled(x, lib.ones(2), 2.0).sum().backward()
    assert seen["mt"] == seen["torch"] == (True, False, False)


def test_list_of_tensors_input_gets_gradients_like_torch(rng):
    ns = fresh_namespace()
    data = [rng.standard_normal(3) for _ in range(2)]
    grads = {}
    for name, lib in BACKENDS.items():
        Tensor = lib.Tensor

        @lib.library.custom_op(f"{ns}::weighted_sum", mutates_args=())
        def weighted_sum(tensors: list[Tensor], weights: list[float]) -> Tensor:
            return sum(t * w for t, w in zip(tensors, weights, strict=True))

        def setup_context(ctx, inputs, output):
            ctx.weights = inputs[1]

        def backward(ctx, grad):
            return [grad * w for w in ctx.weights], None

        weighted_sum.register_autograd(backward, setup_context=setup_context)
        xs = [lib.tensor(d, requires_grad=True) for d in data]
        out = weighted_sum(xs, [0.3, 0.7])
        out.sum().backward()
        grads[name] = (out, *[x.grad for x in xs])
    for mine, theirs in zip(grads["mt"], grads["torch"], strict=True):
        assert_same(mine, theirs)


def test_backward_without_registered_autograd_raises_torchs_error_at_backward():
    ns = fresh_namespace()
    errors = {}
    for name, lib in BACKENDS.items():
        Tensor = lib.Tensor

        @lib.library.custom_op(f"{ns}::no_grad_formula", mutates_args=())
        def f(x: Tensor) -> Tensor:
            return x * 2

        y = f(lib.ones(2, requires_grad=True))  # the call itself is fine, as in torch
        assert y.requires_grad
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        errors[name] = str(info.value)
    assert errors["mt"] == errors["torch"]
    assert "no autograd formula was registered" in errors["mt"]


def test_inputs_without_grad_skip_autograd():
    ns = fresh_namespace()
    numpy_sin = define_numpy_sin(mt, ns)
    y = numpy_sin(mt.ones(2))
    assert y.grad_fn is None and not y.requires_grad
    with mt.no_grad():
        assert numpy_sin(mt.ones(2, requires_grad=True)).grad_fn is None


def test_gradcheck_and_gradgradcheck_through_a_custom_op(rng):
    numpy_sin = define_numpy_sin(mt, fresh_namespace())
    x = mt.tensor(rng.standard_normal(4), requires_grad=True)
    assert mt.autograd.gradcheck(numpy_sin, (x,))
    assert mt.autograd.gradgradcheck(numpy_sin, (x,))


def test_wrong_backward_is_caught_by_gradcheck(rng):
    ns = fresh_namespace()

    @mt.library.custom_op(f"{ns}::bad_square", mutates_args=())
    def bad_square(x: mt.Tensor) -> mt.Tensor:
        return x * x

    bad_square.register_autograd(
        lambda ctx, grad: grad * ctx.x,
        setup_context=lambda ctx, inputs, output: setattr(ctx, "x", inputs[0]),
    )
    x = mt.tensor(rng.standard_normal(3), requires_grad=True)
    assert not mt.autograd.gradcheck(bad_square, (x,), raise_exception=False)


def test_mutating_op_changes_input_and_counts_the_version_like_torch():
    ns = fresh_namespace()
    bumps = {}
    for name, lib in BACKENDS.items():
        Tensor = lib.Tensor

        @lib.library.custom_op(f"{ns}::add_one_", mutates_args={"x"})
        def add_one_(x: Tensor) -> None:
            x.add_(1)

        x = lib.zeros(2)
        before = x._version
        assert add_one_(x) is None
        assert x.tolist() == [1.0, 1.0]
        bumps[name] = x._version - before
        with pytest.raises(RuntimeError) as info:
            add_one_.register_autograd(lambda ctx, grad: grad)
        bumps[name + " error"] = str(info.value)
    assert bumps["mt"] == bumps["torch"] == 2
    assert bumps["mt error"] == bumps["torch error"]


def test_returning_an_input_is_refused_as_torch_does():
    ns = fresh_namespace()
    for lib in BACKENDS.values():
        Tensor = lib.Tensor

        @lib.library.custom_op(f"{ns}::identity", mutates_args=())
        def identity(x: Tensor) -> Tensor:
            return x

        with pytest.raises(
            RuntimeError, match=r"identity \(with implementation in .*\): The output"
        ):
            identity(lib.ones(2))
        with pytest.raises(RuntimeError, match="may not alias any inputs"):
            identity(lib.ones(2, requires_grad=True))


def test_register_kernel_and_set_kernel_enabled_like_torch():
    ns = fresh_namespace()

    def run(lib):
        Tensor = lib.Tensor

        @lib.library.custom_op(f"{ns}::pick", mutates_args=())
        def pick(x: Tensor) -> Tensor:
            return lib.zeros(1)

        seen = [pick(lib.ones(1)).item()]

        @pick.register_kernel("cpu")
        def _(x):
            return lib.ones(1)

        seen.append(pick(lib.ones(1)).item())
        with pick.set_kernel_enabled("cpu", enabled=False):
            seen.append(pick(lib.ones(1)).item())
        seen.append(pick(lib.ones(1)).item())
        lib.library.register_kernel(f"{ns}::pick", "cpu", lambda x: lib.full((1,), 5.0))
        seen.append(pick(lib.ones(1)).item())
        return seen

    assert run(mt) == run(torch) == [0.0, 1.0, 0.0, 1.0, 5.0]


def test_device_types_cpu_kernel_serves_cpu_tensors():
    ns = fresh_namespace()

    @mt.library.custom_op(f"{ns}::cpu_only", mutates_args=(), device_types="cpu")
    def cpu_only(x: mt.Tensor) -> mt.Tensor:
        return x + 1

    assert cpu_only(mt.zeros(1)).tolist() == [1.0]
    assert getattr(mt.ops, ns).cpu_only.default.has_kernel_for_dispatch_key("CPU")


def test_factory_op_needs_a_device_argument_for_device_kernels():
    ns = fresh_namespace()

    def run(lib):
        with pytest.raises(ValueError) as info:

            @lib.library.custom_op(f"{ns}::make", mutates_args=(), device_types="cpu")
            def make(n: int) -> lib.Tensor:
                return lib.ones(n)

        @lib.library.custom_op(f"{ns}::make_on", mutates_args=(), device_types="cpu")
        def make_on(n: int, device: lib.device) -> lib.Tensor:
            return lib.ones(n)

        assert make_on(2, lib.device("cpu")).tolist() == [1.0, 1.0]
        return str(info.value)

    assert run(mt) == run(torch)


@pytest.mark.parametrize(
    "name, error", [("noseparator", ValueError), ("a::b::c", ValueError), ("1a::b", RuntimeError)]
)
def test_bad_names_raise_torchs_error_types(name, error):
    def f(x: mt.Tensor) -> mt.Tensor:
        return x.clone()

    def g(x: torch.Tensor) -> torch.Tensor:
        return x.clone()

    with pytest.raises(error) as theirs:
        torch.library.custom_op(name, mutates_args=())(g)
    with pytest.raises(error) as mine:
        mt.library.custom_op(name, mutates_args=())(f)
    if error is ValueError:  # Python's own unpacking message, in both
        assert str(mine.value) == str(theirs.value)


def test_mutates_args_is_required_with_pythons_message():
    with pytest.raises(TypeError) as theirs:
        torch.library.custom_op("a::b")
    with pytest.raises(TypeError) as mine:
        mt.library.custom_op("a::b")
    assert str(mine.value) == str(theirs.value)


def test_schema_that_disagrees_with_mutates_args_raises_torchs_error():
    ns = fresh_namespace()
    errors = {}
    for name, lib in BACKENDS.items():

        def f(x):
            return x + 1

        with pytest.raises(ValueError) as info:
            lib.library.custom_op(f"{ns}::s", mutates_args=(), schema="(Tensor(a!) x) -> Tensor")(f)
        errors[name] = str(info.value)
    assert errors["mt"] == errors["torch"]


def test_explicit_schema_is_used():
    ns = fresh_namespace()

    @mt.library.custom_op(f"{ns}::scaled", mutates_args=(), schema="(Tensor x, float s) -> Tensor")
    def scaled(x, s):
        return x * s

    assert scaled(mt.ones(2), 3.0).tolist() == [3.0, 3.0]
    assert str(scaled._opoverload._schema) == f"{ns}::scaled(Tensor x, float s) -> Tensor"


def test_keyword_only_tensor_is_not_implemented_as_in_torch():
    ns = fresh_namespace()
    errors = {}
    for name, lib in BACKENDS.items():

        def f(x: lib.Tensor, *, y: lib.Tensor) -> lib.Tensor:
            return x + y

        with pytest.raises(NotImplementedError) as info:
            lib.library.custom_op(f"{ns}::kw", mutates_args=())(f)
        errors[name] = str(info.value)
    assert errors["mt"] == errors["torch"]


def test_defining_the_same_name_again_replaces_the_op():
    ns = fresh_namespace()
    for value in (1.0, 2.0):

        @mt.library.custom_op(f"{ns}::again", mutates_args=())
        def again(x: mt.Tensor, value: float = value) -> mt.Tensor:
            return x * value

    assert getattr(mt.ops, ns).again(mt.ones(1)).tolist() == [2.0]


def test_register_fake_is_stored_and_not_run_in_eager():
    ns = fresh_namespace()
    calls = []

    @mt.library.custom_op(f"{ns}::with_fake", mutates_args=())
    def with_fake(x: mt.Tensor) -> mt.Tensor:
        return x * 2

    @with_fake.register_fake
    def _(x):
        calls.append(x)
        return mt.empty_like(x)

    assert with_fake(mt.ones(2)).tolist() == [2.0, 2.0]
    assert calls == []
    assert with_fake._abstract_fn is _
