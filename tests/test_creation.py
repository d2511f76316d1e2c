"""Factories and random generation."""

import re

import numpy as np
import pytest
import torch

import microtensor as mt


@pytest.mark.parametrize(
    "data",
    [
        1,
        1.5,
        True,
        [1, 2],
        [1.0, 2],
        [[True, False]],
        [],
        np.array([1.0, 2.0]),
        np.array([1, 2], dtype=np.int32),
        np.float64(2.0),
    ],
)
def test_tensor_infers_dtype_like_torch(data):
    mine, theirs = mt.tensor(data), torch.tensor(data)
    assert str(mine.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    assert mine.tolist() == theirs.tolist()


def test_tensor_copies_but_as_tensor_and_from_numpy_share():
    a = np.zeros(2)
    t, shared, fn = mt.tensor(a), mt.as_tensor(a), mt.from_numpy(a)
    a[0] = 1
    assert t.tolist() == [0.0, 0.0] and shared.tolist() == [1.0, 0.0] and fn.tolist() == [1.0, 0.0]


def test_tensor_from_list_of_tensors():
    assert mt.tensor([mt.tensor(1.0), mt.tensor(2.0)]).tolist() == [1.0, 2.0]


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
def test_shape_factories(name):
    fn = getattr(mt, name)
    for t in (fn(2, 3), fn((2, 3)), fn([2, 3])):
        assert t.shape == (2, 3) and t.dtype == mt.float32
    assert fn(2, dtype=mt.int64).dtype == mt.int64
    assert fn(2, requires_grad=True).requires_grad
    assert fn(()).shape == ()
    with pytest.raises(TypeError, match=f'{name}\\(\\) missing 1 required positional arguments: "size"'):
        fn()  # torch refuses a missing size; () is the 0-d shape


def test_full_and_like_factories():
    assert mt.full((2,), 7).dtype == mt.int64 and mt.full((2,), 7.0).dtype == mt.float32
    assert mt.full((2,), True).dtype == mt.bool
    base = mt.ones(2, 3, dtype=mt.float64)
    for t in (
        mt.zeros_like(base),
        mt.ones_like(base),
        mt.empty_like(base),
        mt.full_like(base, 3),
        mt.rand_like(base),
        mt.randn_like(base),
    ):
        assert t.shape == (2, 3) and t.dtype == mt.float64
    assert mt.randint_like(base, 5).dtype == mt.float64


def test_arange_linspace_eye_match_torch():
    cases = [((5,), {}), ((1, 4), {}), ((0, 1, 0.25), {}), ((5, 0, -2), {}), ((0.5, 3), {})]
    for args, kwargs in cases:
        mine, theirs = mt.arange(*args, **kwargs), torch.arange(*args, **kwargs)
        assert str(mine.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        np.testing.assert_allclose(mine.numpy(), theirs.numpy())
    np.testing.assert_allclose(mt.linspace(-1, 1, 5).numpy(), torch.linspace(-1, 1, 5).numpy())
    np.testing.assert_array_equal(mt.eye(2, 3).numpy(), torch.eye(2, 3).numpy())


def test_arange_bad_step_raises():
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        mt.arange(0, 5, -1)
    with pytest.raises(RuntimeError, match="step"):
        mt.arange(0, 5, 0)


def test_manual_seed_makes_random_factories_reproducible():
    def draw():
        return [
            f().numpy().copy()
            for f in (
                lambda: mt.rand(3),
                lambda: mt.randn(2, 2),
                lambda: mt.randint(0, 10, (4,)),
                lambda: mt.randperm(5),
                lambda: mt.normal(0.0, 1.0, (3,)),
            )
        ]

    mt.manual_seed(123)
    first = draw()
    mt.manual_seed(123)
    second = draw()
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_generator_streams_are_independent_and_seedable():
    g1, g2 = mt.Generator().manual_seed(1), mt.Generator().manual_seed(1)
    a = mt.randn(3, generator=g1)
    mt.randn(100)  # the default generator does not affect g2
    assert mt.randn(3, generator=g2).tolist() == a.tolist()
    state = g1.get_state()
    b = mt.rand(2, generator=g1)
    g1.set_state(state)
    assert mt.rand(2, generator=g1).tolist() == b.tolist()
    assert g1.initial_seed() == 1


def test_random_distributions_have_expected_statistics():
    mt.manual_seed(0)
    u, n = mt.rand(20000), mt.randn(20000)
    assert 0 <= u.numpy().min() and u.numpy().max() < 1
    assert abs(u.numpy().mean() - 0.5) < 0.01 and abs(n.numpy().std() - 1) < 0.03
    r = mt.randint(3, 7, (1000,))
    assert r.dtype == mt.int64 and set(r.tolist()) == {3, 4, 5, 6}
    assert sorted(mt.randperm(6).tolist()) == list(range(6))


def test_uniform_and_normal_in_place():
    t = mt.empty(1000)
    t.uniform_(-2, 2, generator=mt.Generator().manual_seed(0))
    assert -2 <= t.numpy().min() and t.numpy().max() < 2
    t.normal_(5.0, 0.1)
    assert abs(t.numpy().mean() - 5.0) < 0.05


def test_factory_errors():
    with pytest.raises(RuntimeError, match="non-negative integers"):
        mt.zeros(-1)
    with pytest.raises(TypeError, match="tuple of ints"):
        mt.zeros(2.5)
    with pytest.raises(RuntimeError, match="'from' to be less than 'to'"):
        mt.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="from_numpy"):
        mt.from_numpy([1, 2])
    with pytest.raises(ValueError, match="too many dimensions 'str'"):  # as torch
        mt.tensor(["a"])
    with pytest.raises(TypeError, match="could not infer"):
        mt.tensor([1, "a"])
    with pytest.raises(TypeError, match="argument 'dtype' must be microtensor.dtype, not str"):
        mt.zeros(2, dtype="complex128")  # torch takes dtype objects only, not their names


def test_explicit_float64_keeps_full_precision():
    assert mt.tensor([0.1], dtype=mt.float64).item() == 0.1
    assert mt.tensor(0.1, dtype=mt.float64).item() == 0.1


def test_comparing_with_none_falls_back_to_identity():
    t = mt.tensor([1.0])
    assert (t == None) is False and (t != None) is True  # noqa: E711
    assert t in [None, t]


def test_logspace_matches_torch():
    cases = [
        ((0, 2, 3), {}),
        ((-1.5, 2.0, 7), {"base": 2.0, "dtype": "float64"}),
        ((0, 3, 4), {"base": 2, "dtype": "int64"}),
        ((1.0, 0.0, 0), {}),
    ]
    for args, kwargs in cases:
        mine = mt.logspace(
            *args, **{k: getattr(mt, v) if k == "dtype" else v for k, v in kwargs.items()}
        )
        theirs = torch.logspace(
            *args, **{k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
        )
        assert str(mine.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match=r"logspace\(\): number of steps must be non-negative"):
        mt.logspace(0, 1, -1)


def test_linspace_and_logspace_take_tensor_ends_in_float64():
    start = np.float32(-2.3)
    mine = mt.linspace(mt.tensor(start), 1.7, 50, dtype=mt.float64)
    theirs = torch.linspace(torch.tensor(start), 1.7, 50, dtype=torch.float64)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-15)
    mine = mt.logspace(mt.tensor(0.5), 3, 4, dtype=mt.float64)
    theirs = torch.logspace(torch.tensor(0.5), 3, 4, dtype=torch.float64)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12)


def test_empty_strided_and_empty_permuted():
    assert mt.empty_strided((2, 3), (1, 2), dtype=mt.float64).shape == (2, 3)
    assert mt.empty_permuted((2, 3, 4), (0, 2, 1)).shape == (2, 3, 4)
    assert mt.ones(1).new_empty_strided((2, 2), (2, 1)).shape == (2, 2)
    with pytest.raises(RuntimeError, match=r"empty_strided\(\): mismatch in length"):
        mt.empty_strided((2, 3), (1,))
    with pytest.raises(RuntimeError, match=r"empty_permuted\(\): physical_layout \(0, 0\)"):
        mt.empty_permuted((2, 3), (0, 0))


def test_asarray_shares_copies_and_refuses_like_torch():
    a = np.arange(3.0)
    mine, theirs = mt.asarray(a), torch.asarray(a)
    a[0] = 9.0
    assert mine.tolist() == theirs.tolist() == [9.0, 1.0, 2.0]
    assert mt.asarray([1.5, 2]).dtype == mt.float32
    assert mt.asarray([1, 2]).dtype == mt.int64
    copied = mt.asarray(a, copy=True)
    a[1] = 7.0
    assert copied.tolist() == [9.0, 1.0, 2.0]
    x = mt.ones(2)
    assert mt.asarray(x) is x
    assert mt.asarray(x, requires_grad=True).requires_grad
    assert mt.asarray(x, dtype=mt.float64).dtype == mt.float64
    with pytest.raises(ValueError, match=r"asarray\(\): copy=False, but list cannot be aliased"):
        mt.asarray([1, 2], copy=False)
    with pytest.raises(ValueError, match=r"asarray\(\): copy=False"):
        mt.asarray(np.arange(3), dtype=mt.float64, copy=False)
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.asarray([1.0], device="cuda")


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m: m.eye(-1), r"n must be greater or equal to 0, got -1"),
        (lambda m: m.eye(0, -3), r"m must be greater or equal to 0, got -3"),
        (lambda m: m.arange(0, float("inf"), 2), r"unsupported range: 0 -> inf"),
        (lambda m: m.arange(float("-inf"), 1, 2), r"unsupported range: -inf -> 1"),
        (lambda m: m.zeros(3).uniform_(3, -1), r"uniform_ expects to return a \[from, to\) range"),
        (lambda m: m.zeros(3).normal_(0, -1), r"normal.? expects std >= 0.0, but found std -1"),
    ],
)
def test_bad_factory_arguments_raise_torchs_error(call, match):
    for lib in (torch, mt):
        with pytest.raises(RuntimeError, match=match):
            call(lib)


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        ([[1, 2], [3]], ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
        ([[1, 2], [3, 4, 5]], ValueError, "expected sequence of length 2 at dim 1 (got 3)"),
        ([[[1], [2]], [[3]]], ValueError, "expected sequence of length 2 at dim 1 (got 1)"),
        ([[1, 2], 3], TypeError, "not a sequence"),
        ([1, [2]], TypeError, "nested lists must be rectangular"),
    ],
)
def test_tensor_ragged_lists_raise_torch_errors(data, error, message):
    with pytest.raises(error, match=re.escape(message)):
        mt.tensor(data)
    with pytest.raises((ValueError, TypeError)):
        torch.tensor(data)


@pytest.mark.parametrize("factory", [mt.zeros, mt.ones, mt.empty])
def test_allocation_beyond_memory_names_shape_and_bytes(factory):
    with pytest.raises(
        mt.OutOfMemoryError, match=r"8000000000000000 bytes .*\[1000000000, 1000000\]"
    ):
        factory(10**9, 10**6, dtype=mt.float64)
    with pytest.raises(MemoryError):  # also a MemoryError, and (as in torch) a RuntimeError
        factory(10**9, 10**6)
    assert issubclass(mt.OutOfMemoryError, RuntimeError)


HUGE = (10**9, 10**6)
BEYOND_MEMORY = {
    "full": lambda: mt.full(HUGE, 1.0),
    "empty": lambda: mt.empty(HUGE),
    "empty_strided": lambda: mt.empty_strided(HUGE, (10**6, 1)),
    "zeros_like": lambda: mt.zeros_like(mt.zeros(1, 1).expand(HUGE)),
    "arange": lambda: mt.arange(10**15),
    "linspace": lambda: mt.linspace(0, 1, 10**15),
    "eye": lambda: mt.eye(10**8),
    "rand": lambda: mt.rand(HUGE),
    "randn": lambda: mt.randn(HUGE),
    "randint": lambda: mt.randint(0, 5, HUGE),
    "randperm": lambda: mt.randperm(10**15),
    "normal": lambda: mt.normal(0.0, 1.0, size=HUGE),
    "bernoulli": lambda: mt.bernoulli(mt.zeros(1, 1).expand(HUGE)),
}


@pytest.mark.parametrize("op", sorted(BEYOND_MEMORY))
def test_every_factory_beyond_memory_names_itself(op):
    with pytest.raises(mt.OutOfMemoryError, match=rf"^{op}\(\): not enough memory: .* bytes"):
        BEYOND_MEMORY[op]()


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda big: big * 2, "Mul"),
        (lambda big: big.contiguous(), "Arrange"),
        (lambda big: mt.ones(10**8, 1) @ mt.ones(1, 10**8), "MatMul"),
    ],
)
def test_an_op_whose_result_exceeds_memory_names_the_op_and_its_inputs(call, name):
    big = mt.zeros(1, 1).expand(HUGE)
    with pytest.raises(mt.OutOfMemoryError, match=rf"^{name}\(\): not enough memory") as err:
        call(big)
    assert "(inputs of shapes [" in str(err.value)


def test_negative_and_overflowing_sizes_raise_runtime_errors_as_torch():
    with pytest.raises(RuntimeError, match=r"negative dimension -1: \[3, -1\]"):
        mt.zeros(3, -1)
    with pytest.raises(RuntimeError, match="Storage size calculation overflowed"):
        mt.ones(2**31, 2**31, 2**31)
    with pytest.raises(RuntimeError):
        torch.zeros(3, -1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linspace_is_torchs_bit_for_bit_on_random_ends_and_sizes(dtype):
    rng = np.random.default_rng(7)
    for _ in range(300):
        start, end = rng.normal(scale=10.0 ** rng.integers(-3, 4), size=2)
        steps = int(rng.integers(0, 300))
        theirs = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy()
        mine = mt.linspace(start, end, steps, dtype=getattr(mt, dtype)).numpy()
        assert mine.dtype == theirs.dtype
        np.testing.assert_array_equal(mine, theirs, err_msg=f"linspace({start}, {end}, {steps})")
