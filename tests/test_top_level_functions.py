"""torch's other top-level names: range, frombuffer, the windows, the aliases, unravel_index,
binomial, the anomaly and autocast queries, and the submodules (version, distributed,
multiprocessing, testing)."""

from __future__ import annotations

import importlib.metadata
import inspect
import sys
import warnings

import numpy as np
import packaging.version
import pytest
import torch

import microtensor as mt
from tests.helpers import assert_same, check_gradients, compare_with_torch

DTYPES = [(mt.float32, torch.float32), (mt.float64, torch.float64)]


@pytest.mark.parametrize(
    "args, kwargs",
    [((1, 4), {}), ((0, 1, 0.1), {}), ((0, -3, -1), {}), ((0, 2.5), {"dtype": "int64"}),
     ((2, 2), {}), ((-1.5, 2.25, 0.75), {"dtype": "float64"})],
)  # fmt: skip
def test_range_is_torchs_end_inclusive(args, kwargs):
    mine_kw = {k: getattr(mt, v) for k, v in kwargs.items()}
    theirs_kw = {k: getattr(torch, v) for k, v in kwargs.items()}
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        mine = mt.range(*args, **mine_kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.range(*args, **theirs_kw)
    assert_same(mine, theirs)


def test_range_errors_as_torch():
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="step must be nonzero"):
        mt.range(0, 3, 0)
    with pytest.warns(UserWarning), pytest.raises(RuntimeError, match="inconsistent with step"):
        mt.range(3, 0, 1)
    with pytest.warns(UserWarning):
        assert mt.range(0, 1, requires_grad=True).requires_grad


def test_frombuffer_shares_a_writable_buffer():
    data = bytearray(np.arange(6, dtype=np.int32).tobytes())
    mine = mt.frombuffer(data, dtype=mt.int32, count=3, offset=4)
    theirs = torch.frombuffer(bytearray(data), dtype=torch.int32, count=3, offset=4)
    assert_same(mine, theirs)
    mine[0] = 42
    assert np.frombuffer(data, np.int32)[1] == 42


@pytest.mark.parametrize(
    "buffer, kwargs",
    [(b"", {}), (b"abc", {}), (bytearray(8), {"count": 3}), (bytearray(4), {"offset": 4})],
)
def test_frombuffer_errors_are_torchs(buffer, kwargs):
    with pytest.raises(ValueError) as theirs, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.frombuffer(buffer, dtype=torch.int32, **kwargs)
    with pytest.raises(ValueError) as mine, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mt.frombuffer(buffer, dtype=mt.int32, **kwargs)
    assert str(mine.value).split("(")[0] == str(theirs.value).split("(")[0]


def test_frombuffer_copies_a_read_only_buffer():
    with pytest.warns(UserWarning, match="not writable"):
        t = mt.frombuffer(b"\x01\x02", dtype=mt.uint8)
    assert t.tolist() == [1, 2]


WINDOWS = [
    ("hann_window", ()),
    ("hamming_window", ()),
    ("hamming_window", (0.6, 0.4)),
    ("hamming_window", (0.6, 0.3)),
    ("blackman_window", ()),
    ("bartlett_window", ()),
    ("kaiser_window", (5.0,)),
]


@pytest.mark.parametrize("name, extra", WINDOWS)
@pytest.mark.parametrize("length", [0, 1, 2, 7, 16])
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("dtypes", DTYPES, ids=["float32", "float64"])
def test_windows_match_torch(name, extra, length, periodic, dtypes):
    mine = getattr(mt, name)(length, periodic, *extra, dtype=dtypes[0])
    theirs = getattr(torch, name)(length, periodic, *extra, dtype=dtypes[1])
    assert mine.dtype == dtypes[0] and tuple(mine.shape) == tuple(theirs.shape)
    tol = 1e-6 if dtypes[0] == mt.float32 else 1e-14  # a few ulps: see the docstrings
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=0, atol=tol)


def test_window_defaults_are_periodic():
    assert_same(mt.hann_window(5), torch.hann_window(5))
    assert mt.kaiser_window(4, requires_grad=True).requires_grad


def test_aliases_and_tensor_functions():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    compare_with_torch(lambda a: mt.moveaxis(a, (0, 1), (2, 0)),
                       lambda a: torch.moveaxis(a, (0, 1), (2, 0)), [x])  # fmt: skip
    compare_with_torch(mt.fix, torch.fix, [x * 3])
    compare_with_torch(mt.detach, torch.detach, [x])
    check_gradients(lambda a: mt.moveaxis(a, 0, -1), [x])
    for dtype in ("uint8", "int8", "float32", "bool"):
        mine, theirs = (
            mt.zeros(1, dtype=getattr(mt, dtype)),
            torch.zeros(1, dtype=getattr(torch, dtype)),
        )
        assert mt.is_signed(mine) == torch.is_signed(theirs)
    leaf = mt.ones(2, requires_grad=True)
    y = leaf * 2
    assert mt.detach_(y) is y and not y.requires_grad
    assert mt.is_inference(mt.ones(1)) is False


@pytest.mark.parametrize(
    "indices, shape",
    [([4, 5], (2, 3)), ([[0, 7], [11, 3]], (3, 4)), (5, (2, 3)), ([6, -7, 13], (2, 3)),
     ([3], 7), ([0], ())],
)  # fmt: skip
def test_unravel_index_is_torchs(indices, shape):
    mine = mt.unravel_index(mt.tensor(indices), shape)
    theirs = torch.unravel_index(torch.tensor(indices), shape)
    assert len(mine) == len(theirs)
    for m, t in zip(mine, theirs, strict=True):
        assert_same(m, t)


def test_unravel_index_errors_are_torchs():
    with pytest.raises(TypeError, match="integer dtype"):
        mt.unravel_index(mt.tensor([1.0]), (2, 3))
    with pytest.raises(ValueError, match="negative"):
        mt.unravel_index(mt.tensor([1]), (2, -3))
    with pytest.raises(TypeError, match="only contain ints"):
        mt.unravel_index(mt.tensor([1]), (2.0, 3))
    with pytest.raises(RuntimeError):
        mt.unravel_index(mt.tensor([1]), (2, 0, 3))


def test_binomial_follows_manual_seed_and_its_bounds():
    count = mt.tensor([0.0, 5.0, 10.0, 40.0])
    prob = mt.tensor([0.5, 0.0, 1.0, 0.25])
    mt.manual_seed(3)
    first = mt.binomial(count, prob)
    mt.manual_seed(3)
    assert mt.binomial(count, prob).tolist() == first.tolist()
    assert first.tolist()[:3] == [0.0, 0.0, 10.0] and 0 <= first.tolist()[3] <= 40
    assert first.dtype == mt.float32
    draws = mt.binomial(mt.full((4000,), 20.0), mt.full((4000,), 0.3))
    assert abs(float(draws.mean()) - 6.0) < 0.15  # mean n p, sd of the mean 0.03
    gen = mt.Generator().manual_seed(1)
    again = mt.Generator().manual_seed(1)
    assert mt.binomial(count, prob, gen).tolist() == mt.binomial(count, prob, again).tolist()
    with pytest.raises(RuntimeError, match="same floating dtype"):
        mt.binomial(count, prob.double())


def test_anomaly_queries_follow_detect_anomaly():
    assert mt.is_anomaly_enabled() is torch.is_anomaly_enabled() is False
    assert mt.is_anomaly_check_nan_enabled() is torch.is_anomaly_check_nan_enabled() is True
    with mt.autograd.detect_anomaly(check_nan=False):
        assert mt.is_anomaly_enabled() and not mt.is_anomaly_check_nan_enabled()
    mt.set_anomaly_enabled(True)
    try:
        assert mt.is_anomaly_enabled() and mt.autograd.is_anomaly_enabled()
    finally:
        mt.set_anomaly_enabled(False)
    assert not mt.is_anomaly_enabled()


def test_autocast_queries():
    assert str(mt.get_autocast_dtype("cpu")) == "microtensor.bfloat16"
    assert mt.get_autocast_dtype("cuda") == mt.float16
    for device_type in ("xla", "hpu", "xpu"):  # torch's defaults per device type
        expected = str(torch.get_autocast_dtype(device_type)).replace("torch", "microtensor")
        assert str(mt.get_autocast_dtype(device_type)) == expected
    mt.set_autocast_dtype("cpu", mt.float16)
    try:
        assert mt.get_autocast_dtype("cpu") == mt.float16
        with pytest.warns(DeprecationWarning, match="get_autocast_dtype"):
            assert mt.get_autocast_cpu_dtype() == mt.float16
    finally:
        mt.set_autocast_dtype("cpu", mt.bfloat16)
    with pytest.raises(RuntimeError, match="device type"):
        mt.get_autocast_dtype("foo")
    with pytest.warns(DeprecationWarning):
        assert mt.is_autocast_cpu_enabled() is False
    with pytest.warns(UserWarning, match="autocast stays disabled"):
        mt.set_autocast_enabled("cpu", True)
    assert mt.is_autocast_enabled("cpu") is False
    mt.set_autocast_cache_enabled(False)
    assert mt.is_autocast_cache_enabled() is False
    mt.set_autocast_cache_enabled(True)
    mt.clear_autocast_cache()


def test_vmap_is_func_vmap():
    assert mt.vmap is mt.func.vmap
    out = mt.vmap(lambda row: row.sum())(mt.ones(3, 4))
    assert out.tolist() == [4.0, 4.0, 4.0]


def test_submodules_after_import():
    assert mt.testing is sys.modules["microtensor.testing"]
    assert mt.version.cuda is None and mt.version.hip is None and mt.version.debug is False
    assert isinstance(mt.version.git_version, str)
    assert mt.__version__ == mt.version.__version__ == "2.13.0+microtensor.0.1.0"
    assert mt.__version__ >= (2, 13) and mt.__version__ < "2.14" and mt.__version__ > "2.9"
    assert mt.version.microtensor == importlib.metadata.version("microtensor")
    assert packaging.version.parse(mt.__version__).local == "microtensor.0.1.0"
    assert isinstance(mt.__version__, mt.torch_version.TorchVersion)
    assert isinstance(torch.__version__, torch.torch_version.TorchVersion)
    assert mt.distributed.is_available() is False
    assert mt.distributed.is_initialized() is torch.distributed.is_initialized() is False
    assert not hasattr(mt.distributed, "init_process_group")


def _fails(index):
    raise ValueError(f"worker {index} failed")


def test_multiprocessing_is_the_stdlib_plus_spawn():
    import multiprocessing

    assert mt.multiprocessing.Queue is multiprocessing.Queue
    assert mt.multiprocessing.get_start_method() == multiprocessing.get_start_method()
    assert set(multiprocessing.__all__) <= set(dir(mt.multiprocessing))

    def params(fn):
        return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]

    assert params(mt.multiprocessing.spawn) == params(torch.multiprocessing.spawn)
    assert mt.multiprocessing.spawn(abs, (), nprocs=2, start_method="fork") is None
    with pytest.raises(mt.multiprocessing.ProcessRaisedException, match="worker 0 failed"):
        mt.multiprocessing.spawn(_fails, nprocs=1, start_method="fork")


@pytest.mark.parametrize(
    "name",
    ["range", "frombuffer", "hann_window", "hamming_window", "blackman_window",
     "bartlett_window", "kaiser_window", "binomial", "moveaxis", "fix", "unravel_index"],
)  # fmt: skip
def test_argument_names_are_torchs(name):
    doc = getattr(torch, name).__doc__ or ""
    params = inspect.signature(getattr(mt, name)).parameters
    for param in params:
        if param not in ("layout", "device") and doc:
            assert param in doc.split("\n\n")[0] + doc, (name, param)
