"""A sweep of wrong calls: no raw NumPy error may reach a user.

Every public function of ``microtensor``, ``nn.functional``, ``linalg``, ``special``,
``nn.utils`` (and its ``rnn``) and ``testing``, and every ``nn`` module, is called with wrong
inputs: tensors of the wrong rank (0-d to 5-d), mismatched shapes, integer
and bool dtypes, empty tensors, and out-of-range or negative dims, sizes and indices (chosen
by each parameter's name). A call may raise, but an exception raised inside NumPy (the last
frame of its traceback is in NumPy's files) or one that reads like NumPy's own messages
("operands could not be broadcast", "axis 3 is out of bounds", ...) is a *raw NumPy error*:
the user learns nothing about which microtensor op failed or how to fix the call.

Run ``python tests/test_raw_numpy_errors.py [--internals]`` for the full report (every site,
grouped by the microtensor line that called into NumPy; ``--internals`` adds Python's own
errors raised inside microtensor); the tests check a bounded part of the sweep.
"""

from __future__ import annotations

import inspect
import itertools
import re
import signal
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))

import microtensor as mt  # noqa: E402
import microtensor.testing  # noqa: E402, F401

# Each wrong call runs under a 1 s alarm (a call that loops on a huge size is not a finding).
pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM")
NUMPY_DIR = Path(np.__file__).resolve().parent
NUMPY_MESSAGES = re.compile(
    r"operands could not be broadcast|is out of bounds for axis|axis -?\d+ is out of bounds|"
    r"cannot reshape array|inhomogeneous|shapes? .* not aligned|array is too big|"
    r"zero-size array to reduction|setting an array element with a sequence|"
    r"the truth value of an array|object arrays are not supported|ufunc '\w+' not supported|"
    r"Cannot cast ufunc|non-broadcastable output operand|could not broadcast input array|"
    r"negative dimensions are not allowed|matmul: Input operand|duplicate value in 'axes'|"
    r"repeats may not contain negative|maximum supported dimension|"
    r"arrays used as indices must be of integer|only integers, slices"
)
PYTHON_MESSAGES = re.compile(
    r"object has no attribute '_data'|unsupported operand type|object is not subscriptable|"
    r"object is not iterable|'NoneType' object|object cannot be interpreted as an integer|"
    r"list index out of range|tuple index out of range|referenced before assignment"
)
# Names of parameters that take an int (a dim, a size, a count) rather than a tensor.
INT_PARAMS = re.compile(
    r"^(dim|dim\d|dims|axis|k|n|m|size|sizes|shape|chunks|sections|indices_or_sections|"
    r"num_classes|kernel_size|stride|padding|dilation|output_size|groups|repeats|diagonal|"
    r"offset|start|end|length|steps|num_samples|upscale_factor|downscale_factor|"
    r"split_size_or_sections|source|destination|shifts|p|ord|q|bins|minlength|"
    r"num_embeddings|embedding_dim|normalized_shape|pad|N|window_length|n_fft|"
    r"start_dim|end_dim|dim0|dim1|dimension|step|unbiased|decimals|rounding_mode)$"
)
TENSOR_CHOICES: list[Callable[[], Any]] = [
    lambda: mt.tensor(1.5),
    lambda: mt.ones(3),
    lambda: mt.ones(2, 3),
    lambda: mt.ones(2, 3, 4),
    lambda: mt.ones(1, 2, 3, 3),
    lambda: mt.ones(1, 1, 2, 2, 2),
    lambda: mt.ones(0),
    lambda: mt.ones(2, 0),
    lambda: mt.tensor([5, -7]),
    lambda: mt.tensor([True, False]),
    lambda: mt.ones(4, 5, dtype=mt.float64),
]
INT_CHOICES: list[Any] = [5, -7, -1, 0, (5, 5, 5)]
SKIP = {
    # not ops: they run user code, print, touch files, change global state, or wait
    "compile", "save", "load", "manual_seed", "seed", "set_default_dtype", "set_printoptions",
    "set_default_device", "set_rng_state", "use_deterministic_algorithms", "set_num_threads",
    "set_num_interop_threads", "set_grad_enabled", "set_flush_denormal", "vmap", "cond",
    "set_default_tensor_type", "set_anomaly_enabled", "from_file", "initial_seed",
    "set_warn_always", "get_rng_state", "enable_grad", "no_grad", "inference_mode",
}  # fmt: skip


def public_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    """``(qualified name, function)`` for each public function of the swept namespaces."""
    spaces = {
        "mt": mt,
        "F": mt.nn.functional,
        "linalg": mt.linalg,
        "special": mt.special,
        "nn.utils": mt.nn.utils,
        "nn.utils.rnn": mt.nn.utils.rnn,
        "testing": mt.testing,
    }
    for prefix, space in spaces.items():
        for name in sorted(dir(space)):
            fn = getattr(space, name)
            if name.startswith("_") or name in SKIP or not inspect.isfunction(fn):
                continue
            yield f"{prefix}.{name}", fn


def argument_lists(fn: Callable[..., Any], limit: int) -> list[tuple[tuple[Any, ...], dict]]:
    """Up to ``limit`` wrong ``(args, kwargs)`` for ``fn``: its required parameters filled in,
    and, where it has an optional ``dim``, out-of-range dims."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    required = [p for p in params if p.kind in kinds and p.default is inspect.Parameter.empty]
    star = [p.name for p in params if p.kind is inspect.Parameter.VAR_POSITIONAL]
    if not required and star:  # zeros(*size), meshgrid(*tensors), ...
        if INT_PARAMS.match(star[0]):
            return [((-1,), {}), ((2, -3), {}), (((2, -3),), {})]
        return [((a(), b()), {}) for a, b in itertools.islice(_pairs(), limit)]
    if not required or len(required) > 4:
        return []
    int_params = [bool(INT_PARAMS.match(p.name)) for p in required]
    pools = [INT_CHOICES if is_int else TENSOR_CHOICES for is_int in int_params]
    combos = list(itertools.islice(itertools.product(*pools), 4000))
    if len(combos) > limit:
        order = np.random.default_rng(len(combos)).permutation(len(combos))[:limit]
        combos = [combos[i] for i in sorted(order)]
    calls = [
        (tuple(v if is_int else v() for v, is_int in zip(combo, int_params, strict=True)), {})
        for combo in combos
    ]
    optional = {p.name for p in params if p.default is not inspect.Parameter.empty}
    if "dim" in optional and calls:
        calls += [(calls[0][0], {"dim": dim}) for dim in (5, -7, (0, 5))]
    return calls


def _pairs() -> Iterator[tuple[Callable[[], Any], Callable[[], Any]]]:
    order = np.random.default_rng(0).permutation(len(TENSOR_CHOICES) ** 2)
    pairs = list(itertools.product(TENSOR_CHOICES, TENSOR_CHOICES))
    return (pairs[i] for i in order)


def _is_size(name: str) -> bool:
    return bool(INT_PARAMS.match(name)) or any(w in name for w in ("features", "channels", "size"))


def module_calls(limit: int, names: set[str] | None) -> Iterator[tuple[str, Callable[[], Any]]]:
    """Wrong uses of each ``nn`` module (of those in ``names``, if given): negative or zero
    sizes, then inputs of every rank."""
    for name in sorted(dir(mt.nn)):
        cls = getattr(mt.nn, name)
        if not (inspect.isclass(cls) and issubclass(cls, mt.nn.Module)) or name in SKIP:
            continue
        if names is not None and f"nn.{name}" not in names:
            continue
        try:
            params = list(inspect.signature(cls).parameters.values())
        except (TypeError, ValueError):
            continue
        positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
        required = [p for p in params if p.default is p.empty and p.kind is positional]
        if not all(_is_size(p.name) for p in required):
            continue  # needs something other than sizes (a module, a function)
        count = len(required)
        for bad in (-1, 0):
            yield f"nn.{name}({bad}, ...)", lambda c=cls, n=count, b=bad: c(*[b] * n)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = cls(*[3] * len(required))
        except Exception:  # noqa: BLE001 - a module this sweep cannot build
            continue
        for make in TENSOR_CHOICES[:limit]:
            yield f"nn.{name}(3, ...)({_describe(make())})", lambda m=module, x=make: m(x())


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def classify(error: BaseException, internals: bool = False) -> tuple[str, str] | None:
    """``(why, microtensor site)`` if ``error`` is a raw NumPy error, else None.

    With ``internals``, Python's own errors from inside microtensor's code (``'int' object has
    no attribute '_data'``, ``unsupported operand``) count too: they are as unhelpful.
    """
    frames = traceback.extract_tb(error.__traceback__)
    last = Path(frames[-1].filename).resolve() if frames else None
    in_numpy = last is not None and NUMPY_DIR in last.parents
    numpy_type = type(error).__module__.startswith("numpy")
    looks_like = bool(NUMPY_MESSAGES.search(str(error)))
    internal = (
        internals
        and last is not None
        and "microtensor" in last.parts
        and bool(PYTHON_MESSAGES.search(str(error)))
    )
    if not (in_numpy or numpy_type or looks_like or internal):
        return None
    ours = [f for f in frames if "microtensor" in Path(f.filename).parts]
    site = f"{Path(ours[-1].filename).relative_to(ROOT)}:{ours[-1].lineno}" if ours else "?"
    why = (
        "raised in numpy"
        if in_numpy
        else "numpy type"
        if numpy_type
        else "numpy message"
        if looks_like
        else "python internals"
    )
    return why, site


def sweep(
    names: set[str] | None = None, limit: int = 24, internals: bool = False
) -> dict[str, list[tuple[str, str]]]:
    """Run the wrong calls; return ``{site: [(call, "Type: message"), ...]}`` of raw errors."""
    found: dict[str, list[tuple[str, str]]] = {}
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        for qualname, fn in public_functions():
            if names is not None and qualname not in names:
                continue
            for args, kwargs in argument_lists(fn, limit):
                error = _call(fn, args, kwargs)
                raw = None if error is None else classify(error, internals)
                if raw is not None:
                    shown = [_describe(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
                    call = f"{qualname}({', '.join(shown)})"
                    message = f"{type(error).__name__}: {str(error)[:160]}"
                    found.setdefault(f"{raw[1]} [{raw[0]}]", []).append((call, message))
        for call, thunk in module_calls(limit, names):
            error = _call(thunk, (), {})
            raw = None if error is None else classify(error, internals)
            if raw is not None:
                message = f"{type(error).__name__}: {str(error)[:160]}"
                found.setdefault(f"{raw[1]} [{raw[0]}]", []).append((call, message))
    finally:
        signal.signal(signal.SIGALRM, previous)
    return found


CALLS = [0]  # how many wrong calls the sweeps made, for the report


def _call(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict) -> BaseException | None:
    CALLS[0] += 1
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            fn(*args, **kwargs)
    except _Timeout:
        return None
    except MemoryError:
        return None  # microtensor's OutOfMemoryError is one; a bare one is checked elsewhere
    except Exception as error:  # noqa: BLE001 - the sweep looks at every kind
        return error
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return None


def _describe(value: Any) -> str:
    if isinstance(value, mt.Tensor):
        dtype = "" if value.dtype == mt.float32 else f", {str(value.dtype).split('.')[-1]}"
        return f"T{tuple(value.shape)}{dtype}"
    return repr(value)


# Functions whose raw NumPy (and Python-internal) errors have been replaced (issue 17).
CLEAN = {
    "F.adaptive_avg_pool1d", "F.adaptive_avg_pool2d", "F.adaptive_avg_pool3d",
    "F.adaptive_max_pool1d", "F.adaptive_max_pool2d", "F.adaptive_max_pool3d",
    "F.avg_pool1d", "F.avg_pool2d", "F.avg_pool3d", "F.max_pool1d", "F.max_pool2d",
    "F.max_pool3d", "F.lp_pool1d", "F.lp_pool2d", "F.embedding_bag", "F.fold", "F.unfold",
    "F.interpolate", "F.upsample", "F.upsample_nearest", "F.upsample_bilinear",
    "F.cross_entropy", "F.nll_loss", "F.mse_loss", "F.l1_loss", "F.smooth_l1_loss",
    "F.huber_loss", "F.kl_div", "F.poisson_nll_loss", "F.gaussian_nll_loss", "F.ctc_loss",
    "F.hinge_embedding_loss", "F.soft_margin_loss", "F.multi_margin_loss",
    "F.multilabel_margin_loss", "F.multilabel_soft_margin_loss", "F.margin_ranking_loss",
    "F.cosine_embedding_loss", "F.triplet_margin_loss", "F.binary_cross_entropy",
    "F.binary_cross_entropy_with_logits",
    "nn.utils.rnn.pack_padded_sequence", "nn.utils.rnn.pad_packed_sequence",
    "nn.utils.rnn.pad_sequence", "nn.utils.rnn.pack_sequence", "nn.utils.rnn.unpad_sequence",
    "nn.utils.rnn.unpack_sequence", "nn.utils.rnn.invert_permutation",
    "nn.MaxPool1d", "nn.MaxPool2d", "nn.MaxPool3d", "nn.AvgPool1d", "nn.AvgPool2d",
    "nn.AvgPool3d", "nn.LPPool1d", "nn.LPPool2d", "nn.AdaptiveAvgPool1d", "nn.AdaptiveAvgPool2d",
    "nn.AdaptiveMaxPool1d", "nn.AdaptiveMaxPool2d", "nn.ZeroPad1d", "nn.ZeroPad2d",
    "nn.ConstantPad1d", "nn.ReflectionPad1d", "nn.ReflectionPad2d", "nn.ReplicationPad1d",
    "nn.ReplicationPad2d", "nn.CircularPad1d", "nn.CircularPad2d", "nn.Flatten", "nn.Unflatten",
    "nn.Upsample", "nn.Fold", "nn.Unfold", "nn.MultiheadAttention",
    "nn.TransformerEncoderLayer", "nn.TransformerDecoderLayer", "nn.Sequential", "nn.ModuleList",
    "F.threshold", "F.threshold_", "F.affine_grid", "F.pad", "mt.histogramdd", "mt.lu_solve",
    "mt.lu_unpack", "linalg.lu_solve", "linalg.ldl_solve", "linalg.lstsq", "linalg.solve",
    "linalg.solve_triangular", "mt.constant_pad_nd", "mt.index_add", "mt.index_copy",
    "mt.index_reduce", "mt.masked_scatter", "mt.put", "mt.as_strided", "mt.as_strided_copy",
    "mt.as_strided_scatter", "mt.narrow", "mt.narrow_copy",
}  # fmt: skip


def test_the_sweep_reaches_the_functions_and_classifies():
    names = dict(public_functions())
    assert {"mt.matmul", "F.embedding_bag", "linalg.solve", "special.erf"} <= set(names)
    assert len(argument_lists(names["F.embedding_bag"], 24)) == 24
    assert argument_lists(names["mt.sum"], 24)[-1][1] == {"dim": (0, 5)}
    with pytest.raises(ValueError) as info:
        np.broadcast_shapes((2,), (3,))
    assert classify(info.value) == ("raised in numpy", "?")
    with pytest.raises(ValueError) as info:
        np.ones(3).reshape(4)  # a C method: no NumPy frame, but NumPy's message
    assert classify(info.value) == ("numpy message", "?")
    assert classify(RuntimeError("matmul(): shapes (3, 4) and (5, 2) cannot be multiplied")) is None


@pytest.mark.filterwarnings("ignore")
def test_no_raw_errors_in_the_cleaned_functions():
    found = sweep(CLEAN, limit=24, internals=True)
    report = "\n".join(f"{site}: {calls[0][0]} -> {calls[0][1]}" for site, calls in found.items())
    assert found == {}, f"raw NumPy errors:\n{report}"


def main() -> None:
    found = sweep(internals="--internals" in sys.argv)
    total = sum(len(calls) for calls in found.values())
    print(f"{CALLS[0]} wrong calls: {total} raw NumPy errors at {len(found)} microtensor sites")
    for site, calls in sorted(found.items()):
        print(f"\n{site}  ({len(calls)} calls)")
        for call, message in calls[:3]:
            print(f"    {call}\n        -> {message}")


if __name__ == "__main__":
    main()
