"""Library(ns, kind), define and impl against torch.library: the basic flows of torch's docs."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from tests.library.helpers import BACKENDS, assert_same, fresh_namespace


def both(fn):
    """``fn(lib)`` run for torch and microtensor: ``{"torch": ..., "mt": ...}``."""
    return {name: fn(lib) for name, lib in BACKENDS.items()}


def error_of(call, error):
    with pytest.raises(error) as info:
        call()
    return str(info.value)


def test_composite_implicit_kernel_is_differentiated_through_its_ops(rng):
    ns = fresh_namespace()
    data, upstream = rng.standard_normal(4), rng.standard_normal(4)

    def run(lib):
        library = lib.library.Library(ns, "DEF")
        assert library.define("sin_sq(Tensor x) -> Tensor") == "sin_sq"
        library.impl("sin_sq", lambda x: x.sin() ** 2, "CompositeImplicitAutograd")
        x = lib.tensor(data, requires_grad=True)
        y = getattr(lib.ops, ns).sin_sq(x)
        y.backward(lib.tensor(upstream))
        return library, y, x.grad

    results = both(run)
    assert_same(results["mt"][1], results["torch"][1])
    assert_same(results["mt"][2], results["torch"][2])
    assert repr(results["mt"][0]) == repr(results["torch"][0])


def test_cpu_kernel_without_autograd_warns_at_backward_and_gives_no_gradient():
    ns = fresh_namespace()

    def run(lib):
        library = lib.library.Library(ns, "FRAGMENT")
        library.define("np_sin(Tensor x) -> Tensor")
        library.impl("np_sin", lambda x: lib.from_numpy(np.sin(x.detach().numpy())), "CPU")
        x = lib.ones(3, requires_grad=True)
        y = getattr(lib.ops, ns).np_sin(x)
        assert y.requires_grad
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            y.sum().backward()
        return library, x.grad, [str(w.message) for w in caught]

    results = both(run)
    assert results["mt"][1] is None and results["torch"][1] is None
    (mine,), (theirs,) = results["mt"][2], results["torch"][2]
    assert mine == theirs.split(" (Triggered internally")[0]


def test_autograd_key_kernel_with_a_function_like_torchs_docs(rng):
    ns = fresh_namespace()
    data = rng.standard_normal(3)

    def run(lib):
        library = lib.library.Library(ns, "FRAGMENT")
        library.define("cube(Tensor x) -> Tensor")
        library.impl("cube", lambda x: lib.from_numpy(x.detach().numpy() ** 3), "CPU")

        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                if lib is torch:
                    with torch._C._AutoDispatchBelowAutograd():
                        return torch.ops.__getattr__(ns).cube(x)
                return getattr(lib.ops, ns).cube(x)  # the call inside goes below Autograd

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return grad * 3 * x**2

        library.impl("cube", Cube.apply, "Autograd")
        x = lib.tensor(data, requires_grad=True)
        y = getattr(lib.ops, ns).cube(x)
        y.sum().backward()
        return library, y, x.grad

    results = both(run)
    assert_same(results["mt"][1], results["torch"][1])
    assert_same(results["mt"][2], results["torch"][2])


def test_functional_define_impl_and_register_autograd(rng):
    ns = fresh_namespace()
    data = rng.standard_normal(3)

    def run(lib):
        lib.library.define(f"{ns}::square", "(Tensor x) -> Tensor")
        lib.library.impl(f"{ns}::square", "cpu", lambda x: lib.from_numpy(x.numpy() ** 2))

        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x

        lib.library.register_autograd(f"{ns}::square", backward, setup_context=setup_context)
        x = lib.tensor(data, requires_grad=True)
        y = getattr(lib.ops, ns).square.default(x)
        y.sum().backward()
        return y, x.grad

    results = both(run)
    for mine, theirs in zip(results["mt"], results["torch"], strict=True):
        assert_same(mine, theirs)


def test_impl_default_type_and_decorator_form():
    ns = fresh_namespace()

    def run(lib):
        lib.library.define(f"{ns}::plus", "(Tensor x, int n=1) -> Tensor")

        @lib.library.impl(f"{ns}::plus", "default")
        def _(x, n=1):
            return x + n

        op = getattr(lib.ops, ns).plus
        return (
            op(lib.zeros(2)).tolist(),
            op(lib.zeros(2), 3).tolist(),
            op(lib.zeros(1), n=5).tolist(),
        )

    results = both(run)
    assert results["mt"] == results["torch"] == ([1.0, 1.0], [3.0, 3.0], [5.0])


def test_overloads_are_separate_ops():
    ns = fresh_namespace()

    def run(lib):
        library = lib.library.Library(ns, "FRAGMENT")
        library.define("scale(Tensor x) -> Tensor")
        library.define("scale.by(Tensor x, int k) -> Tensor")
        library.impl("scale", lambda x: x * 2, "CPU")
        library.impl("scale.by", lambda x, k: x * k, "CPU")
        packet = getattr(lib.ops, ns).scale
        return (
            library,
            sorted(packet.overloads()),
            packet.by(lib.ones(1), 3).tolist(),
            packet(lib.ones(1)).tolist(),
            repr(packet.by),
        )

    results = both(run)
    assert results["mt"][1:] == results["torch"][1:]


CALL_ERRORS = [
    ("missing", lambda op, lib: op()),
    ("too many", lambda op, lib: op(lib.ones(1), 2, 3)),
    ("unknown keyword", lambda op, lib: op(lib.ones(1), q=3)),
    ("not a tensor", lambda op, lib: op(3)),
]


@pytest.mark.parametrize("what, call", CALL_ERRORS, ids=[c[0] for c in CALL_ERRORS])
def test_bad_calls_raise_torchs_errors(what, call):
    ns = fresh_namespace()

    def run(lib):
        library = lib.library.Library(ns, "FRAGMENT")
        library.define("g(Tensor x, int y=2, *, int k=1) -> Tensor")
        library.impl("g", lambda x, y=2, *, k=1: x * y + k, "CPU")
        return library, error_of(lambda: call(getattr(lib.ops, ns).g, lib), RuntimeError)

    results = both(run)
    assert results["mt"][1] == results["torch"][1]


def test_library_errors_match_torch():
    ns = fresh_namespace()

    def run(lib):
        first = lib.library.Library(ns, "DEF")
        first.define("f(Tensor x) -> Tensor")
        return first, [
            error_of(lambda: lib.library.Library(ns, "XX"), ValueError),
            error_of(lambda: lib.library.Library("prim", "DEF"), ValueError),
            error_of(lambda: lib.library.Library(ns, "DEF"), RuntimeError)
            .split("Previous")[0]
            .rstrip(),
            error_of(lambda: first.define("f(Tensor x) -> Tensor"), RuntimeError).split(
                " Duplicate"
            )[0],
            error_of(lambda: first.define("h(Tensor x) -> Tensor", "PURE"), RuntimeError),
            error_of(lambda: first.impl("f", 3, "CPU"), TypeError),
            error_of(lambda: getattr(lib.ops, ns).nope, AttributeError),
            error_of(lambda: getattr(lib.ops, ns).f.nope, AttributeError),
            error_of(lambda: lib.library.define(f"{ns}::k", "k(Tensor x) -> Tensor"), ValueError),
            error_of(lambda: lib.library.define("nonamespace", "(Tensor x) -> Tensor"), ValueError),
            error_of(lambda: lib.library.define(3, "(Tensor x) -> Tensor"), ValueError),
            error_of(lambda: lib.library.register_autograd(3, lambda c, g: g), ValueError),
        ]

    results = both(run)
    for mine, theirs in zip(results["mt"][1], results["torch"][1], strict=True):
        assert mine == theirs


def test_no_kernel_for_the_device_raises_not_implemented():
    ns = fresh_namespace()
    library = mt.library.Library(ns, "FRAGMENT")
    library.define("bare(Tensor x) -> Tensor")
    with pytest.raises(NotImplementedError, match=f"Could not run '{ns}::bare' with arguments"):
        getattr(mt.ops, ns).bare(mt.ones(1))


def test_register_autograd_on_mutating_op_raises_torchs_error():
    ns = fresh_namespace()

    def run(lib):
        lib.library.define(f"{ns}::fill_", "(Tensor(a!) x) -> ()")
        return error_of(
            lambda: lib.library.register_autograd(f"{ns}::fill_", lambda c, g: g), RuntimeError
        )

    results = both(run)
    assert results["mt"] == results["torch"]


def test_a_collected_library_takes_its_ops_with_it():
    ns = fresh_namespace()
    library = mt.library.Library(ns, "DEF")
    library.define("temp(Tensor x) -> Tensor")
    library.impl("temp", lambda x: x + 1, "CPU")
    assert getattr(mt.ops, ns).temp(mt.zeros(1)).tolist() == [1.0]
    del library
    with pytest.raises(AttributeError, match="has no attribute 'temp'"):
        getattr(mt.ops, ns).temp  # noqa: B018
    mt.library.Library(ns, "DEF")  # the namespace is free again, as in torch


def test_kernels_may_come_before_the_definition_impl_kind():
    ns = fresh_namespace()
    impls = mt.library.Library(ns, "IMPL")
    impls.impl("late", lambda x: x * 10, "CPU")
    mt.library.define(f"{ns}::late", "(Tensor x) -> Tensor")
    assert getattr(mt.ops, ns).late(mt.ones(1)).tolist() == [10.0]


def test_defined_mutating_op_leaves_the_version_count_to_its_kernel():
    ns = fresh_namespace()

    def run(lib):
        lib.library.define(f"{ns}::zero_", "(Tensor(a!) x) -> ()")
        lib.library.impl(f"{ns}::zero_", "cpu", lambda x: x.detach().numpy().fill(0))
        x = lib.ones(2)
        getattr(lib.ops, ns).zero_(x)
        return x.tolist(), x._version

    results = both(run)
    assert results["mt"] == results["torch"] == ([0.0, 0.0], 0)


def test_import_microtensor_does_not_load_the_library():
    probe = (
        "import sys, microtensor; "
        "print(any(m.startswith(('microtensor.library', 'microtensor._library')) for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
