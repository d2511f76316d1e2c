"""Run one entry of PyTorch's op database (OpInfo) against microtensor: the parity oracle.

For an entry of ``torch.testing._internal.common_methods_invocations.op_db`` it draws torch's
own sample inputs in float64, converts every tensor (inside nested lists, tuples and kwargs
too) to microtensor, calls the microtensor callable of the same name, and checks

1. the outputs: structure, shapes, dtypes and values (rtol 1e-7, atol 1e-9, NaN where torch
   has NaN); random ops on shape and dtype only (``test_random_distributions.py`` checks
   their distributions);
2. the gradient of every input for one random upstream gradient (if torch differentiates
   the entry);
3. a second derivative through ``create_graph=True`` for one random second upstream
   gradient, where the entry says ``supports_gradgrad``;
4. the Tensor-method variant (forward values), where torch has one.

``run_entry(op, COMPLEX)`` runs the same checks on the entry's complex128 samples (for the
entries whose torch OpInfo supports complex128 on the CPU, ``complex_entries``): complex
values within the float64 tolerances (|actual - expected| <= atol + rtol |expected|), the
gradient of every complex and real input for a random complex upstream gradient of each
complex output (where torch differentiates the entry in complex128: its
``supported_backward_dtypes``), with torch's convention (dL/dx + i dL/dy), and the second
derivatives where the float64 mode checks them; singular vectors and eigenvectors are unique
only up to a phase there, and take torch's phases.

``error_mismatches`` runs the entry's error inputs (``op.error_inputs``): torch's exception
type must be microtensor's too (the report's ``--errors`` section).

The result of an entry is PASS, WRONG (microtensor answers, but differently), MISSING
(microtensor lacks the function, method or argument value) or ERROR (microtensor raises on
an input torch accepts), with the first failure's details.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import signal
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
from torch.testing._internal.common_methods_invocations import op_db
from torch.testing._internal.opinfo.core import OpInfo

import microtensor as mt
from microtensor import _private_aten_ops as aten_ops

RTOL, ATOL = 1e-7, 1e-9
COMPLEX = torch.complex128  # the dtype of the complex mode (run_entry's dtype)
THOROUGH = (
    os.environ.get("MICROTENSOR_OPINFO") == "thorough"
    or os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
)
# bounded mode: the first few of torch's samples per entry keep the suite in its budget
SAMPLES_PER_ENTRY = None if THOROUGH else 2
# the complex mode runs every sample: its 394 entries take about 9 s on one idle core (20 s
# under pytest on the shared machine; 3.6 s with 8 samples each, which misses 2 of the 31
# failures), and later samples find failures the first two miss
COMPLEX_SAMPLES_PER_ENTRY = None
ERROR_INPUTS_PER_ENTRY = 50 if THOROUGH else 6
SAMPLE_TIMEOUT_S = 30.0

# the outputs of these entries are uninitialised memory: only shape and dtype can be compared
UNDEFINED_VALUES = {"empty", "empty_like", "new_empty", "new_empty_strided", "empty_strided"}
UNDEFINED_VALUES |= {"empty_permuted", "resize_", "resize_as_"}

# outputs defined only up to the sign of each singular vector or eigenvector, whose signs are
# those of the LAPACK build (torch's and NumPy's differ): before the forward values are
# compared, each of microtensor's vectors takes the sign of torch's, the same flip applied to
# its partner (V's column for U's); every value must then match. Per entry: the reason, the
# output whose last dim counts the vectors (eigenvalues, singular values), then (output, axis
# of a vector's elements) for the vectors whose signs decide and for their partners.
_SIGNS = (
    "each {} is unique only up to sign, chosen by the LAPACK build (torch's and NumPy's "
    "differ): microtensor's vectors take torch's signs (the partner vector flipped with "
    "each), then every value is compared"
)
UP_TO_SIGN = {
    "linalg.eigh": (_SIGNS.format("eigenvector"), 0, ((1, -2),)),
    "svd": (_SIGNS.format("singular vector pair"), 1, ((0, -2), (2, -2))),
    "linalg.svd": (_SIGNS.format("singular vector pair"), 1, ((0, -2), (2, -1))),
}

# random entries whose outputs, after the sample's ``output_process_fn_grad``, may not depend
# on the random draw: on each sample where torch's processed outputs agree over three seeds,
# microtensor's processed outputs and their gradients are compared with torch's
SEED_FREE_AFTER_PROCESSING = {
    "svd_lowrank": "on a matrix of rank <= q the random test matrix decides only the singular "
    "vectors' signs, and U @ V.mH and S (torch's own processing) do not depend on it",
    "pca_lowrank": "as svd_lowrank",
}

# entries where torch's float64 values are less accurate than microtensor's (SciPy's, within
# 1e-16 of mpmath's): compared with torch at an absolute tolerance just above torch's error
_BESSEL = (
    "torch's float64 Bessel functions lose up to 1e-6 (absolute) for |x| > 5 against mpmath; "
    "microtensor's (SciPy's Cephes) are within 1e-16: compared with atol 2e-6"
)
TORCH_LESS_ACCURATE = {
    "special.bessel_j0": (2e-6, _BESSEL),
    "special.bessel_j1": (2e-6, _BESSEL),
    "special.bessel_y1": (2e-6, _BESSEL),
}
_float64_atol = [ATOL]  # the entry being run sets it (run_entry)

# entries whose torch gradient is wrong: the forward values are compared with torch, the
# gradients with finite differences (microtensor's gradcheck and gradgradcheck)
TORCH_GRADIENT_WRONG = {
    "as_strided_scatter": "torch's backward passes the upstream gradient through the scattered "
    "positions of input (torch.autograd.gradcheck fails on every sample; the OpInfo xfails it)",
}


class Missing(Exception):
    """microtensor lacks a name that the entry needs."""


class Wrong(AssertionError):
    """microtensor's answer differs from torch's."""


@dataclasses.dataclass
class Result:
    """The verdict on one entry: status is PASS, WRONG, MISSING or ERROR."""

    status: str
    detail: str = ""
    samples: int = 0

    @property
    def ok(self) -> bool:
        """True for PASS."""
        return self.status == "PASS"


def entry_id(op: OpInfo) -> str:
    """``name`` or ``name:variant`` (e.g. ``max:reduction_with_dim``)."""
    return f"{op.name}:{op.variant_test_name}" if op.variant_test_name else op.name


def entries() -> list[OpInfo]:
    """The op_db entries that run on the CPU in float64."""
    return [op for op in op_db if torch.float64 in op.supported_dtypes("cpu")]


def complex_entries() -> list[OpInfo]:
    """The op_db entries that run on the CPU in complex128 (the complex mode's)."""
    return [op for op in op_db if COMPLEX in op.supported_dtypes("cpu")]


def differentiated(op: OpInfo, dtype: torch.dtype) -> bool:
    """Whether torch's entry differentiates its samples of ``dtype``."""
    if dtype == torch.float64:
        return bool(op.supports_autograd)
    return bool(op.supports_autograd) and dtype in op.supported_backward_dtypes("cpu")


# ---------------------------------------------------------------------------------------------
# Which microtensor callable stands for the entry


def _resolve(root: Any, dotted: str) -> Any:
    obj = root
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


# torch's private ATen operators that the op database calls as ``torch.ops.aten.<name>``
# (OpOverload entries, and calls inside entries' lambdas) have no public microtensor name:
# they live in microtensor._private_aten_ops, one function per operator that tells the
# operator's overloads apart by their arguments, as the OpOverloadPacket does. Keyed by the
# ATen operator's name (``slice`` for ``aten.slice.Tensor``).
ATEN_OPERATORS: dict[str, Callable[..., Any]] = {
    "_batch_norm_with_update": aten_ops._batch_norm_with_update,
    "_safe_softmax": aten_ops._safe_softmax,
    "_softmax_backward_data": aten_ops._softmax_backward_data,
    "_upsample_bilinear2d_aa": aten_ops._upsample_bilinear2d_aa,
    "max_pool2d_with_indices_backward": aten_ops.max_pool2d_with_indices_backward,
    "native_dropout_backward": aten_ops.native_dropout_backward,
    "slice": aten_ops.slice_tensor,  # the Tensor overload
}


def _aten_name(op: Any) -> str | None:
    """The operator's name of an OpOverload (``slice``) or OpOverloadPacket, else None."""
    if isinstance(op, torch._ops.OpOverload):
        return op.overloadpacket.__name__  # type: ignore[no-any-return]
    if isinstance(op, torch._ops.OpOverloadPacket):
        return op.__name__  # type: ignore[no-any-return]
    return None


class _AtenAsMicrotensor:
    """``torch.ops.aten`` inside the entry's own lambdas: ``.<name>`` and ``.<name>.<overload>``
    answered from ATEN_OPERATORS."""

    class _Operator:
        def __init__(self, fn: Callable[..., Any]) -> None:
            self.fn = fn

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return self.fn(*args, **kwargs)

        def __getattr__(self, overload: str) -> Callable[..., Any]:
            return self.fn

    def __getattr__(self, name: str) -> Any:
        if name not in ATEN_OPERATORS:
            raise Missing(f"torch.ops.aten.{name} in microtensor (oracle.ATEN_OPERATORS)")
        return self._Operator(ATEN_OPERATORS[name])


class _TorchAsMicrotensor:
    """``torch`` inside the entry's own lambdas, answered by microtensor (``torch.ops.aten``
    by ATEN_OPERATORS)."""

    def __getattr__(self, name: str) -> Any:
        if name == "ops":
            return types.SimpleNamespace(aten=_AtenAsMicrotensor())
        try:
            return getattr(mt, name)
        except AttributeError:
            raise Missing(f"microtensor.{name}") from None


def _rebind(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The same Python function with the global name ``torch`` bound to microtensor."""
    if not isinstance(fn, types.FunctionType) or "torch" not in _names(fn.__code__):
        return fn
    scope = dict(fn.__globals__)
    scope["torch"] = _TorchAsMicrotensor()
    rebound = types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__, fn.__closure__)
    rebound.__kwdefaults__ = fn.__kwdefaults__
    return rebound


def _names(code: types.CodeType) -> set[str]:
    """The global names a function uses, its nested lambdas included."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def kind(op: OpInfo) -> str:
    """How torch calls the entry: 'function', 'method', 'lambda' or 'internal' (ATen, CUDA)."""
    if isinstance(op.op, torch._ops.OpOverload | torch._ops.OpOverloadPacket):
        return "internal"
    if _resolve(torch, op.name) is op.op:
        return "function"
    if getattr(torch.Tensor, op.name, None) is op.op:
        return "method"
    if isinstance(op.op, types.FunctionType) and op.op.__module__.startswith("torch.testing"):
        return "lambda"
    return "internal"


def microtensor_callable(op: OpInfo) -> Callable[..., Any]:
    """microtensor's counterpart of ``op.op``; raises Missing if it has none."""
    how = kind(op)
    if how == "function":
        fn = _resolve(mt, op.name)
        if fn is None or isinstance(fn, types.ModuleType):
            raise Missing(f"microtensor.{op.name}")
        return fn  # type: ignore[no-any-return]
    if how == "method":
        method = getattr(mt.Tensor, op.name, None)
        if method is None:
            raise Missing(f"Tensor.{op.name}")
        return method  # type: ignore[no-any-return]
    if how == "lambda":
        return _rebind(op.op)
    aten = _aten_name(op.op)
    if aten in ATEN_OPERATORS:
        return ATEN_OPERATORS[aten]
    raise Missing(f"{op.name} is {op.op!r}, not a public torch function")


def method_name(op: OpInfo) -> str | None:
    """The name of torch's Tensor-method variant of a function entry, if it has one."""
    method = op.method_variant
    name = getattr(method, "__name__", None)
    if kind(op) != "function" or name is None or getattr(torch.Tensor, name, None) is not method:
        return None
    return name  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------------------------
# Converting torch's arguments


def _dtype(dt: torch.dtype) -> Any:
    name = str(dt).removeprefix("torch.")
    found = getattr(mt, name, None)
    if not isinstance(found, mt.dtype):
        raise Missing(f"microtensor.{name} (dtype)")
    return found


class Converter:
    """torch values -> microtensor values; remembers the pairs of leaves that need grad.

    Complex tensors convert only with ``complex_ok`` (the complex mode).
    """

    def __init__(self, complex_ok: bool = False) -> None:
        self.complex_ok = complex_ok
        self.seen: dict[int, Any] = {}
        self.leaves: list[tuple[torch.Tensor, Any]] = []

    def __call__(self, x: Any) -> Any:
        if isinstance(x, torch.Tensor):
            return self.tensor(x)
        if isinstance(x, torch.dtype):
            return _dtype(x)
        if isinstance(x, torch.Size):
            return tuple(x)
        if isinstance(x, torch.device):
            return str(x)
        if isinstance(x, torch.memory_format):
            name = str(x).removeprefix("torch.")
            if not hasattr(mt, name):
                raise Missing(f"microtensor.{name} (memory format)")
            return getattr(mt, name)
        if isinstance(x, torch.nn.Module):
            return self.module(x)
        if isinstance(x, torch.Generator):
            return mt.Generator().manual_seed(x.initial_seed())
        if isinstance(x, list):
            return [self(v) for v in x]
        if isinstance(x, tuple):
            return tuple(self(v) for v in x)
        if isinstance(x, dict):
            return {k: self(v) for k, v in x.items()}
        return x

    def module(self, x: torch.nn.Module) -> Any:
        """microtensor's module of the same class, built with the same (default) settings."""
        cls = getattr(mt.nn, type(x).__name__, None)
        if cls is None:
            raise Missing(f"microtensor.nn.{type(x).__name__}")
        module = cls()
        if repr(module) != repr(x):
            raise Missing(f"a microtensor.nn module like {x!r} (only default settings convert)")
        return module

    def tensor(self, x: torch.Tensor) -> Any:
        if id(x) in self.seen:
            return self.seen[id(x)]
        complex_refused = x.is_complex() and not self.complex_ok
        if complex_refused or x.is_sparse or x.layout != torch.strided:
            raise Missing(f"a {x.dtype} {x.layout} input tensor")
        if x.device.type != "cpu":
            raise Missing(f"a tensor on device {x.device.type}")
        if x.dtype in (torch.bfloat16, torch.complex32) or x.is_quantized:
            raise Missing(f"a {x.dtype} input tensor")
        t = mt.tensor(x.detach().resolve_conj().resolve_neg().numpy().copy())
        if x.requires_grad:
            t.requires_grad_(True)
            self.leaves.append((x, t))
        self.seen[id(x)] = t
        return t


# ---------------------------------------------------------------------------------------------
# Comparing results


def _flatten(out: Any) -> list[Any]:
    if isinstance(out, tuple | list) and not isinstance(out, torch.Size | mt.Size):
        return [leaf for item in out for leaf in _flatten(item)]
    return [out]


def _array(t: Any) -> np.ndarray:
    if isinstance(t, torch.Tensor) and t._is_zerotensor():
        return np.zeros(tuple(t.shape), str(t.dtype).removeprefix("torch."))
    if t.dtype in (torch.bfloat16, mt.bfloat16):  # NumPy has no bfloat16: compare as float32
        return np.asarray(t.detach().float().numpy())
    if isinstance(t, torch.Tensor):  # torch's lazily conjugated results (ifft) refuse .numpy()
        t = t.resolve_conj().resolve_neg()
    return np.asarray(t.detach().numpy())


def _dtype_name(dt: Any) -> str:
    return str(dt).rsplit(".", 1)[-1]


def _same_value(actual: Any, expected: Any, what: str, values: bool = True) -> None:
    if isinstance(expected, torch.Tensor):
        if not isinstance(actual, mt.Tensor):
            raise Wrong(f"{what}: microtensor gave {type(actual).__name__}, torch a Tensor")
        if tuple(actual.shape) != tuple(expected.shape):
            raise Wrong(f"{what}: shape {tuple(actual.shape)} != torch's {tuple(expected.shape)}")
        if _dtype_name(actual.dtype) != _dtype_name(expected.dtype):
            raise Wrong(f"{what}: dtype {actual.dtype} != torch's {expected.dtype}")
        if values:
            _close(_array(actual), _array(expected), what)
    elif isinstance(expected, float | int | bool | torch.Size | type(None)):
        if isinstance(actual, mt.Tensor):
            raise Wrong(f"{what}: microtensor gave a Tensor, torch {type(expected).__name__}")
        if isinstance(expected, float) and isinstance(actual, float | int):
            _close(np.asarray(actual), np.asarray(expected), what)
        elif actual != expected:
            raise Wrong(f"{what}: {actual!r} != torch's {expected!r}")
    elif repr(actual).replace("microtensor", "torch") != repr(expected):  # dtypes and the like
        raise Wrong(f"{what}: {actual!r} != torch's {expected!r}")


# the float64 tolerances are the issue's; other dtypes (a float32 weight in a float64
# sample) get torch.testing's defaults for them
TOLERANCES = {np.dtype("float32"): (1.3e-6, 1e-5), np.dtype("float16"): (1e-3, 1e-5)}
TOLERANCES[np.dtype("complex64")] = TOLERANCES[np.dtype("float32")]


def _close(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    rtol, atol = TOLERANCES.get(np.asarray(expected).dtype, (RTOL, _float64_atol[0]))
    try:
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    except AssertionError as error:
        lines = [line for line in str(error).splitlines() if line.strip()]
        raise Wrong(f"{what}: " + " | ".join(lines[1:5])) from None


def compare_outputs(actual: Any, expected: Any, what: str, values: bool = True) -> None:
    """Same structure, shapes, dtypes and (unless ``values`` is false) values."""
    mine, theirs = _flatten(actual), _flatten(expected)
    if len(mine) != len(theirs):
        raise Wrong(f"{what}: {len(mine)} outputs, torch has {len(theirs)}")
    for i, (m, t) in enumerate(zip(mine, theirs, strict=True)):
        _same_value(m, t, f"{what} {i}" if len(theirs) > 1 else what, values)


# ---------------------------------------------------------------------------------------------
# Gradients


def _wants_grad(t: Any, complex_ok: bool) -> bool:
    if not isinstance(t, torch.Tensor) or not t.requires_grad:
        return False
    return t.is_floating_point() or (complex_ok and t.is_complex())


def _upstream(rng: np.random.Generator, t: torch.Tensor) -> np.ndarray:
    """A random upstream gradient like ``t``: complex (both parts random) for complex ``t``."""
    dtype = str(t.dtype).removeprefix("torch.")
    u = rng.standard_normal(tuple(t.shape))
    if t.is_complex():
        u = u + 1j * rng.standard_normal(tuple(t.shape))
    return u.astype(dtype)


def _torch_tensor(u: np.ndarray) -> torch.Tensor:
    if u.dtype.name == "bfloat16":  # torch cannot read ml_dtypes' bfloat16 arrays
        return torch.tensor(u.astype(np.float32)).bfloat16()
    return torch.tensor(u)


def _mt_grads(outputs: list[Any], inputs: list[Any], ups: list[Any], create: bool) -> list[Any]:
    """microtensor's vector-Jacobian product; outputs that do not require grad add zero."""
    pairs = [(o, u) for o, u in zip(outputs, ups, strict=True) if _mt_needs_grad(o)]
    if not pairs:
        return [None] * len(inputs)
    grads = mt.autograd.grad(
        [o for o, _ in pairs],
        inputs,
        [mt.tensor(u) for _, u in pairs],
        allow_unused=True,
        create_graph=create,
        retain_graph=True,
    )
    return list(grads)


def _mt_needs_grad(t: Any) -> bool:
    return isinstance(t, mt.Tensor) and t.requires_grad


def _compare_grads(mine: list[Any], theirs: list[Any], shapes: list[Any], what: str) -> None:
    for i, (m, t, shape) in enumerate(zip(mine, theirs, shapes, strict=True)):
        expected = np.zeros(shape) if t is None else _array(t)
        actual = np.zeros(shape) if m is None else _array(m)
        if actual.shape != expected.shape:
            raise Wrong(f"{what} of input {i}: shape {actual.shape} != torch's {expected.shape}")
        _close(actual, expected, f"{what} of input {i}")


def check_gradients(
    op: OpInfo,
    mt_out: Any,
    torch_out: Any,
    leaves: list[tuple[Any, Any]],
    seed: int,
    complex_ok: bool = False,
) -> None:
    """Gradients (and second derivatives where the entry has them) equal torch's; the
    gradients of complex outputs too with ``complex_ok`` (the complex mode)."""
    rng = np.random.default_rng(seed)
    torch_outs, mt_outs = _flatten(torch_out), _flatten(mt_out)
    if len(mt_outs) != len(torch_outs):
        raise Wrong(f"gradient phase: {len(mt_outs)} outputs, torch has {len(torch_outs)}")
    chosen = [i for i, t in enumerate(torch_outs) if _wants_grad(t, complex_ok)]
    if not chosen or not leaves:
        return
    t_outs = [torch_outs[i] for i in chosen]
    m_outs = [mt_outs[i] for i in chosen]
    ups = [_upstream(rng, t) for t in t_outs]
    t_inputs = [t for t, _ in leaves]
    m_inputs = [m for _, m in leaves]
    shapes = [tuple(t.shape) for t in t_inputs]
    second = bool(op.supports_gradgrad)
    try:
        t_grads = torch.autograd.grad(
            t_outs,
            t_inputs,
            [_torch_tensor(u) for u in ups],
            allow_unused=True,
            create_graph=second,
            retain_graph=True,
        )
    except RuntimeError:  # torch does not differentiate this sample (e.g. nextafter)
        return
    live = [i for i, g in enumerate(t_grads) if g is not None and g.requires_grad]
    vs = [_upstream(rng, t_grads[i]) for i in live]
    t_second: Any = None
    if second and live:
        try:
            t_second = torch.autograd.grad(
                [t_grads[i] for i in live],
                t_inputs,
                [_torch_tensor(v) for v in vs],
                allow_unused=True,
            )
        except RuntimeError:  # torch has no second derivative here: ask microtensor for none
            t_second = None
    m_grads = _mt_grads(m_outs, m_inputs, ups, t_second is not None)
    _compare_grads(m_grads, list(t_grads), shapes, "gradient")
    if t_second is not None:
        m_second = _mt_grads([m_grads[i] for i in live], m_inputs, vs, False)
        _compare_grads(m_second, list(t_second), shapes, "second derivative")


# ---------------------------------------------------------------------------------------------
# One entry


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"took more than {seconds:.0f} s on one sample")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _describe(sample: Any) -> str:
    def short(x: Any) -> str:
        if isinstance(x, torch.Tensor):
            return f"T{tuple(x.shape)}:{_dtype_name(x.dtype)}"
        if isinstance(x, list | tuple):
            inner = ", ".join(short(v) for v in x[:4])
            return f"[{inner}{', ...' if len(x) > 4 else ''}]"
        text = repr(x)
        return text if len(text) < 40 else text[:37] + "..."

    parts = [short(sample.input)] + [short(a) for a in sample.args]
    parts += [f"{k}={short(v)}" for k, v in sample.kwargs.items()]
    return "(" + ", ".join(parts) + ")"


def _is_random(op: OpInfo, sample: Any) -> bool:
    """True when torch's answer depends on the seed (more than one answer over a few seeds).

    An entry that seeds itself (``wrapper_set_seed``) is random by design but may give the
    same answer for several seeds (fractional_max_pool on small inputs): it gets six tries.
    """
    code = getattr(op.op, "__code__", None)
    seeded = code is not None and "wrapper_set_seed" in code.co_names
    if not seeded and entry_id(op) in _RANDOM_ENTRIES:  # decided on its first sample
        return _RANDOM_ENTRIES[entry_id(op)]
    answers = []
    for seed in range(1, 7 if seeded else 3):
        args, kwargs = _cloned([sample.input, *sample.args]), _cloned(sample.kwargs)
        with torch.no_grad():  # on copies: in-place entries (uniform_ ...) change their input
            answers.append(_cloned(_reseeded(op.op, seed)(*args, **kwargs)))
    random = any(
        isinstance(outs[0], torch.Tensor)
        and outs[0].layout == torch.strided
        and any(not torch.equal(torch.nan_to_num(o), torch.nan_to_num(outs[0])) for o in outs)
        for outs in zip(*(_flatten(a) for a in answers), strict=True)
    )
    if not seeded:
        _RANDOM_ENTRIES[entry_id(op)] = random
    return random


def _seed_free_after_processing(op: OpInfo, sample: Any) -> bool:
    """Whether torch's outputs, processed by the sample's output_process_fn_grad, are the
    same for three seeds."""
    answers = []
    for seed in range(1, 4):
        args, kwargs = _cloned([sample.input, *sample.args]), _cloned(sample.kwargs)
        with torch.no_grad():
            out = sample.output_process_fn_grad(_reseeded(op.op, seed)(*args, **kwargs))
        answers.append([o for o in _flatten(out) if isinstance(o, torch.Tensor)])
    return all(
        torch.allclose(a, b, rtol=RTOL, atol=ATOL)
        for later in answers[1:]
        for a, b in zip(answers[0], later, strict=True)
    )


# entries (other than those that seed themselves) whose first sample showed them random or not
_RANDOM_ENTRIES: dict[str, bool] = {}


def _cloned(x: Any) -> Any:
    """A copy of nested torch values (tensors detached and cloned)."""
    if isinstance(x, torch.Tensor):
        return x.detach().clone()
    if isinstance(x, list | tuple) and not isinstance(x, torch.Size):
        return [_cloned(v) for v in x]
    if isinstance(x, dict):
        return {k: _cloned(v) for k, v in x.items()}
    return x


def _reseeded(fn: Callable[..., Any], seed: int) -> Callable[..., Any]:
    """``fn`` run after ``torch.manual_seed(seed)``; an entry's lambda that seeds itself
    through ``wrapper_set_seed`` gets ``seed`` instead of its fixed one."""
    if isinstance(fn, types.FunctionType) and "wrapper_set_seed" in fn.__code__.co_names:
        scope = dict(fn.__globals__)
        scope["wrapper_set_seed"] = lambda f, *args, **kwargs: _seeded_call(seed, f, args, kwargs)
        rebound = types.FunctionType(
            fn.__code__, scope, fn.__name__, fn.__defaults__, fn.__closure__
        )
        rebound.__kwdefaults__ = fn.__kwdefaults__
        fn = rebound
    return lambda *args, **kwargs: _seeded_call(seed, fn, args, kwargs)


def _seeded_call(seed: int, fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    torch.manual_seed(seed)
    return fn(*args, **kwargs)


def _classify(error: Exception) -> Result:
    text = f"{type(error).__name__}: {error}".splitlines()[0][:300]
    if isinstance(error, Missing):
        return Result("MISSING", f"no {error}")
    if isinstance(error, Wrong):
        return Result("WRONG", str(error)[:400])
    message = str(error)
    if isinstance(error, AttributeError) and (
        "module 'microtensor" in message
        or "'Tensor' object has no attribute" in message
        or "type object 'Tensor' has no attribute" in message
    ):
        return Result("MISSING", text)
    return Result("ERROR", text)


def samples(op: OpInfo, dtype: torch.dtype = torch.float64) -> Iterator[Any]:
    """torch's sample inputs of the entry in ``dtype`` (float64: the first few in bounded
    mode; complex: all of them)."""
    torch.manual_seed(0)
    drawn = op.sample_inputs("cpu", dtype, requires_grad=differentiated(op, dtype))
    limit = SAMPLES_PER_ENTRY if dtype == torch.float64 else COMPLEX_SAMPLES_PER_ENTRY
    return itertools.islice(drawn, limit)


def run_entry(op: OpInfo, dtype: torch.dtype = torch.float64) -> Result:
    """Check microtensor against torch on the entry's samples of ``dtype`` (float64, or
    COMPLEX for the complex mode); the first failure decides."""
    try:
        fn = microtensor_callable(op)
    except Missing as error:
        return _classify(error)
    method = method_name(op)
    if method is not None and getattr(mt.Tensor, method, None) is None:
        return Result("MISSING", f"no Tensor.{method} (torch has the method variant)")
    count = 0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for index, sample in enumerate(samples(op, dtype)):
            _float64_atol[0] = TORCH_LESS_ACCURATE.get(entry_id(op), (ATOL, ""))[0]
            try:
                outcome = _run_sample(op, fn, method, sample, index, dtype.is_complex)
            except Exception as error:  # noqa: BLE001 - every failure is reported
                result = _classify(error)
                result.detail = f"sample {index} {_describe(sample)}: {result.detail}"
                result.samples = count
                return result
            finally:
                _float64_atol[0] = ATOL
            count += outcome
    return Result("PASS", "" if count else "torch accepted none of its samples", count)


def _run_sample(
    op: OpInfo,
    fn: Callable[..., Any],
    method: str | None,
    sample: Any,
    seed: int,
    complex_ok: bool = False,
) -> int:
    convert = Converter(complex_ok)
    mt_input = convert(sample.input)
    mt_args, mt_kwargs = convert(sample.args), convert(sample.kwargs)
    torch.manual_seed(0)
    try:
        expected = op.op(sample.input, *sample.args, **sample.kwargs)
    except Exception:  # noqa: BLE001 - a sample torch itself rejects is not a test
        return 0
    random = _is_random(op, sample)
    values = not random and op.name not in UNDEFINED_VALUES
    name = entry_id(op)
    mt.manual_seed(0)
    with _time_limit(SAMPLE_TIMEOUT_S):
        actual = fn(mt_input, *mt_args, **mt_kwargs)
        compare_outputs(_signs_of(name, actual, expected), expected, "output", values)
        if name in SEED_FREE_AFTER_PROCESSING and _seed_free_after_processing(op, sample):
            process = sample.output_process_fn_grad
            compare_outputs(_rebind(process)(actual), process(expected), "processed output")
            values = True  # and the gradients of the processed outputs are compared
        if method is not None:
            by_method = getattr(mt_input, method)(*mt_args, **mt_kwargs)
            compare_outputs(
                _signs_of(name, by_method, expected), expected, f"Tensor.{method}", values
            )
        if name in TORCH_GRADIENT_WRONG:
            _finite_difference_phase(op, fn, convert, mt_input, mt_args, mt_kwargs)
        elif values and op.supports_autograd and convert.leaves:
            _gradient_phase(
                op, fn, sample, convert, actual, expected, mt_input, mt_args, mt_kwargs, seed
            )
    return 1


def _gradient_phase(
    op: OpInfo,
    fn: Callable[..., Any],
    sample: Any,
    convert: Converter,
    actual: Any,
    expected: Any,
    mt_input: Any,
    mt_args: Any,
    mt_kwargs: Any,
    seed: int,
) -> None:
    wrapper = op.gradcheck_wrapper
    if wrapper.__name__ != "<lambda>":  # e.g. symmetrise the input of eigh and cholesky
        expected = wrapper(op.op, sample.input, *sample.args, **sample.kwargs)
        actual = _rebind(wrapper)(fn, mt_input, *mt_args, **mt_kwargs)
    process = sample.output_process_fn_grad
    expected, actual = process(expected), _rebind(process)(actual)
    check_gradients(op, actual, expected, convert.leaves, seed, convert.complex_ok)


def _signs_of(name: str, actual: Any, expected: Any) -> Any:
    """``actual`` with its vectors' signs taken from ``expected`` (entries on UP_TO_SIGN).

    The first output's vectors decide the signs of their partners. Complex vectors are unique
    up to a phase: they take torch's phases (a row of Vh, a conjugated vector, the conjugate
    of its partner's). A partner's vectors beyond
    those (the null space of a full SVD, any orthonormal basis of it) are replaced by the
    projection of torch's onto their span: equal to torch's exactly when the spans agree.
    """
    if name not in UP_TO_SIGN or not isinstance(actual, tuple) or len(actual) != len(expected):
        return actual
    _, counted, vectors = UP_TO_SIGN[name]
    outputs, decided, k = list(actual), None, _array(expected[counted]).shape[-1]
    for index, axis in vectors:
        mine, theirs = _array(actual[index]), _array(expected[index])
        if mine.shape != theirs.shape or not mine.size:
            return actual
        if axis == -1:  # rows are the vectors: work on columns
            mine, theirs = np.swapaxes(mine, -1, -2), np.swapaxes(theirs, -1, -2)
        if decided is None:
            dots = np.sum(np.conj(mine[..., :k]) * theirs[..., :k], axis=-2, keepdims=True)
            decided = _phases(dots) if np.iscomplexobj(dots) else np.where(dots < 0, -1.0, 1.0)
        aligned = mine.copy()
        aligned[..., :k] = mine[..., :k] * (np.conj(decided) if axis == -1 else decided)
        extra = mine[..., k:]
        aligned[..., k:] = extra @ (np.conj(np.swapaxes(extra, -1, -2)) @ theirs[..., k:])
        if axis == -1:
            aligned = np.swapaxes(aligned, -1, -2)
        outputs[index] = mt.tensor(aligned.astype(mine.dtype))
    return type(actual)(*outputs) if hasattr(actual, "_fields") else type(actual)(outputs)


def _phases(dots: np.ndarray) -> np.ndarray:
    """dots / |dots| (1 where a dot is 0): the phase that turns a vector into torch's."""
    size = np.abs(dots)
    return np.where(size > 0, dots / np.where(size > 0, size, 1.0), 1.0)


def _substituted(x: Any, mapping: dict[int, Any]) -> Any:
    """``x`` (nested lists, tuples, dicts) with the tensors in ``mapping`` replaced."""
    if isinstance(x, mt.Tensor):
        return mapping.get(id(x), x)
    if isinstance(x, list | tuple):
        return type(x)(_substituted(v, mapping) for v in x)
    if isinstance(x, dict):
        return {k: _substituted(v, mapping) for k, v in x.items()}
    return x


def _finite_difference_phase(
    op: OpInfo,
    fn: Callable[..., Any],
    convert: Converter,
    mt_input: Any,
    mt_args: Any,
    mt_kwargs: Any,
) -> None:
    """microtensor's gradients (and second derivatives) against finite differences."""
    leaves = [m for _, m in convert.leaves if m._data.dtype == np.float64]
    if not leaves:
        return

    def call(*inputs: Any) -> Any:
        mapping = {id(old): new for old, new in zip(leaves, inputs, strict=True)}
        args = _substituted([mt_input, *mt_args], mapping)
        return fn(*args, **_substituted(mt_kwargs, mapping))

    if not mt.autograd.gradcheck(call, tuple(leaves), raise_exception=False):
        raise Wrong("gradient: microtensor's gradcheck (finite differences) fails")
    if op.supports_gradgrad and not mt.autograd.gradgradcheck(
        call, tuple(leaves), raise_exception=False
    ):
        raise Wrong("second derivative: microtensor's gradgradcheck (finite differences) fails")


# ---------------------------------------------------------------------------------------------
# Bad input: torch's own error inputs


# torch's error inputs that pass ``out=`` test its out-argument rules (dtype, memory overlap);
# microtensor's functions take no ``out=`` (a TypeError), so the test skips them
NO_OUT_ARGUMENT = (
    "microtensor's functions take no out= argument (TypeError): torch's error inputs with "
    "out= test its dtype and memory-overlap rules for the written-to tensor"
)


def error_mismatches(
    op: OpInfo, limit: int = ERROR_INPUTS_PER_ENTRY, with_out: bool = True
) -> list[str]:
    """The entry's error inputs (``op.error_inputs``) on which microtensor does not raise
    torch's exception type: each as 'sample: what happened'. Messages are not compared
    (microtensor writes its own, naming the op and the fix). ``with_out=False`` leaves out
    the error inputs that pass ``out=`` (see NO_OUT_ARGUMENT)."""
    try:
        fn = microtensor_callable(op)
        torch.manual_seed(0)
        # the raw generator: op.error_inputs' tracking wrapper inspects the call stack per item
        error_inputs = list(itertools.islice(op.error_inputs_func(op, "cpu"), limit))
    except Exception:  # noqa: BLE001 - missing in microtensor, or torch has no error inputs
        return []
    found = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for error_input in error_inputs:
            sample, expected = error_input.sample_input, error_input.error_type
            if not with_out and "out" in sample.kwargs:
                continue
            try:
                convert = Converter()
                args = convert([sample.input, *sample.args])
                kwargs = convert(sample.kwargs)
            except Exception:  # noqa: BLE001 - an input microtensor cannot even hold
                continue
            if not _torch_raises(op, sample, expected):  # an error input torch accepts
                continue
            try:
                with _time_limit(SAMPLE_TIMEOUT_S):
                    fn(*args, **kwargs)
                outcome = "no error"
            except expected:
                continue
            except Exception as error:  # noqa: BLE001 - a wrong type is what is reported
                outcome = f"{type(error).__name__}: {str(error)[:100]}"
            found.append(
                f"{_describe(sample)}: torch raises {expected.__name__}, microtensor {outcome}"
            )
    return found


def _torch_raises(op: OpInfo, sample: Any, expected: type[Exception]) -> bool:
    """Whether torch itself raises ``expected`` on the error input (a few of them it accepts)."""
    try:
        with _time_limit(SAMPLE_TIMEOUT_S):
            op.op(sample.input, *sample.args, **sample.kwargs)
    except expected:
        return True
    except Exception:  # noqa: BLE001 - another type: torch's own error input is off
        return False
    return False
