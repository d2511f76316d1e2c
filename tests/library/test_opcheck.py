"""opcheck against torch.library.opcheck: test names, outcomes, error types and texts."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor._library.opcheck import OpCheckError
from tests.library.helpers import fresh_namespace

# torch's test_aot_dispatch_* runs torch.compile; microtensor's runs backward and gradcheck,
# so the comparisons with torch stop at these three
COMPARED = ("test_schema", "test_autograd_registration", "test_faketensor")


def outcome(value):
    """``"SUCCESS"``, or the exception's type and message."""
    return value if value == "SUCCESS" else (type(value).__name__, str(value))


def both_opcheck(define, make_args, test_utils=COMPARED):
    ns = fresh_namespace()
    results = {}
    for name, lib in (("torch", torch), ("mt", mt)):
        op = define(lib, ns)
        got = lib.library.opcheck(op, make_args(lib), test_utils=test_utils, raise_exception=False)
        results[name] = {k: outcome(v) for k, v in got.items()}
    return results


def define_good(lib, ns):
    Tensor = lib.Tensor

    @lib.library.custom_op(f"{ns}::good_sin", mutates_args=())
    def good_sin(x: Tensor) -> Tensor:
        return lib.from_numpy(np.sin(x.numpy()))

    good_sin.register_autograd(
        lambda ctx, grad: grad * ctx.x.cos(),
        setup_context=lambda ctx, inputs, output: setattr(ctx, "x", inputs[0]),
    )
    good_sin.register_fake(lambda x: lib.empty_like(x))
    return good_sin


def define_without_fake(lib, ns):
    Tensor = lib.Tensor

    @lib.library.custom_op(f"{ns}::no_fake", mutates_args=())
    def no_fake(x: Tensor) -> Tensor:
        return x * 2

    return no_fake


def define_undeclared_mutation(lib, ns):
    Tensor = lib.Tensor

    @lib.library.custom_op(f"{ns}::sneaky", mutates_args=())
    def sneaky(x: Tensor) -> Tensor:
        x.add_(1)
        return x.clone()

    return sneaky


def define_wrong_fake(lib, ns):
    Tensor = lib.Tensor

    @lib.library.custom_op(f"{ns}::wrong_fake", mutates_args=())
    def wrong_fake(x: Tensor) -> Tensor:
        return x.sum(0)

    wrong_fake.register_fake(lambda x: lib.empty_like(x))
    return wrong_fake


def float64_input(requires_grad):
    def make(lib):
        data = np.random.default_rng(0).standard_normal((2, 3))
        return (lib.tensor(data, requires_grad=requires_grad),)

    return make


def test_a_well_registered_op_passes_like_torch():
    results = both_opcheck(define_good, float64_input(True))
    assert results["mt"] == results["torch"]
    assert set(results["mt"].values()) == {"SUCCESS"}


def test_missing_fake_fails_with_torchs_message():
    results = both_opcheck(define_without_fake, float64_input(False))
    assert results["mt"] == results["torch"]
    assert results["mt"]["test_faketensor"][0] == "RuntimeError"


def test_undeclared_mutation_fails_test_schema_like_torch():
    results = both_opcheck(define_undeclared_mutation, float64_input(False), ("test_schema",))
    assert results["mt"] == results["torch"]
    assert results["mt"]["test_schema"] == (
        "RuntimeError",
        "Argument x is not defined as mutable but was mutated",
    )


def test_wrong_fake_shape_is_caught():
    results = both_opcheck(define_wrong_fake, float64_input(False), ("test_faketensor",))
    assert results["torch"]["test_faketensor"] != "SUCCESS"
    assert results["mt"]["test_faketensor"][0] == "RuntimeError"
    assert "shape (2, 3)" in results["mt"]["test_faketensor"][1]


def test_autograd_kernel_on_a_backend_key_fails_with_torchs_assertion():
    def define(lib, ns):
        library = lib.library.Library(ns, "FRAGMENT")
        library.define("composite_on_cpu(Tensor x) -> Tensor")
        library.impl("composite_on_cpu", lambda x: x.sin(), "CPU")  # records a graph: wrong key
        define.keep = library
        return getattr(lib.ops, ns).composite_on_cpu.default

    results = both_opcheck(define, float64_input(True), ("test_autograd_registration",))
    assert results["mt"] == results["torch"]
    assert results["mt"]["test_autograd_registration"][0] == "AssertionError"


def test_raise_exception_raises_opcheck_error_with_torchs_text():
    ns = fresh_namespace()
    messages = {}
    for name, lib in (("torch", torch), ("mt", mt)):
        error = torch.testing._internal.optests.OpCheckError if lib is torch else OpCheckError
        with pytest.raises(error) as info:
            lib.library.opcheck(
                define_undeclared_mutation(lib, ns), (lib.ones(2),), test_utils="test_schema"
            )
        messages[name] = str(info.value)
    assert messages["mt"] == messages["torch"]


def test_backward_check_gradchecks_the_registered_formula():
    ns = fresh_namespace()

    @mt.library.custom_op(f"{ns}::half_wrong", mutates_args=())
    def half_wrong(x: mt.Tensor) -> mt.Tensor:
        return x * x

    half_wrong.register_autograd(
        lambda ctx, grad: grad * ctx.x,  # should be 2 * x
        setup_context=lambda ctx, inputs, output: setattr(ctx, "x", inputs[0]),
    )
    (x,) = float64_input(True)(mt)
    result = mt.library.opcheck(
        half_wrong, (x,), test_utils="test_aot_dispatch_dynamic", raise_exception=False
    )
    assert isinstance(result["test_aot_dispatch_dynamic"], mt.autograd.GradcheckError)
    good = define_good(mt, ns)
    assert mt.library.opcheck(good, (x,), test_utils="ALL") == dict.fromkeys(
        (
            "test_schema",
            "test_autograd_registration",
            "test_faketensor",
            "test_aot_dispatch_static",
            "test_aot_dispatch_dynamic",
        ),
        "SUCCESS",
    )


def test_backward_check_reports_a_missing_formula_like_torch():
    ns = fresh_namespace()
    op = define_without_fake(mt, ns)
    (x,) = float64_input(True)(mt)
    result = mt.library.opcheck(
        op, (x,), test_utils="test_aot_dispatch_dynamic", raise_exception=False
    )
    assert str(result["test_aot_dispatch_dynamic"]) == (
        f"Trying to backward through {ns}.no_fake.default but no autograd formula was "
        "registered. Please use register_autograd to add one."
    )


def test_opcheck_argument_errors_match_torch():
    ns = fresh_namespace()
    messages = {}
    for name, lib in (("torch", torch), ("mt", mt)):
        op = define_good(lib, ns)
        args = (lib.ones(2),)
        found = []
        for kwargs, error in (
            ({"test_utils": "test_nope"}, ValueError),
            ({"atol": 1e-3}, ValueError),
        ):
            with pytest.raises(error) as info:
                lib.library.opcheck(op, args, **kwargs)
            found.append(str(info.value))
        with pytest.raises(ValueError) as info:
            lib.library.opcheck(lambda x: x, args)
        found.append(str(info.value))
        messages[name] = found
    assert messages["mt"] == messages["torch"]


def test_packet_with_one_overload_is_accepted():
    ns = fresh_namespace()
    define_good(mt, ns)
    packet = getattr(mt.ops, ns).good_sin
    assert mt.library.opcheck(packet, float64_input(True)(mt), test_utils="test_schema") == {
        "test_schema": "SUCCESS"
    }
