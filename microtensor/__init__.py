"""microtensor: a small, readable autograd framework on NumPy with PyTorch's API."""

from types import ModuleType as _ModuleType

from microtensor import _malloc

_malloc.tune()  # keep freed array memory between steps (glibc; MICROTENSOR_MALLOC_TUNING=0 to skip)

import microtensor.utils.data  # noqa: E402
from microtensor import autograd, dtypes, nn, optim, train, utils, viz  # noqa: E402
from microtensor._allocation import OutOfMemoryError
from microtensor._legacy_tensor_types import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from microtensor._parallelism import (
    get_num_interop_threads,
    get_num_threads,
    set_num_interop_threads,
    set_num_threads,
)
from microtensor._settings import (
    are_deterministic_algorithms_enabled,
    get_deterministic_debug_mode,
    get_float32_matmul_precision,
    is_deterministic_algorithms_warn_only_enabled,
    is_warn_always_enabled,
    set_deterministic_debug_mode,
    set_float32_matmul_precision,
    set_flush_denormal,
    set_warn_always,
    use_deterministic_algorithms,
)
from microtensor._size import Size
from microtensor._type_info import finfo, iinfo
from microtensor._type_promotion import can_cast, promote_types, result_type
from microtensor.autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from microtensor.creation import (
    arange,
    as_tensor,
    asarray,
    empty,
    empty_like,
    empty_permuted,
    empty_strided,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    scalar_tensor,
    tensor,
    zeros,
    zeros_like,
)
from microtensor.dtypes import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from microtensor.memory_format import (
    channels_last,
    channels_last_3d,
    contiguous_format,
    memory_format,
    preserve_format,
)
from microtensor.nn._functional.grid_sample import (
    grid_sampler,
    grid_sampler_2d,
    grid_sampler_3d,
)
from microtensor.ops import *  # noqa: F403 - the op library is the top-level namespace
from microtensor.random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from microtensor.serialization import load, save
from microtensor.tensor import Tensor, device
from microtensor.utils.dlpack import from_dlpack

__version__ = "0.1.0"

# torch's constants
e = 2.718281828459045
pi = 3.141592653589793
inf = 1e999  # float("inf"): this module binds `float` to the dtype
nan = inf - inf
newaxis = None

_NOT_TOP_LEVEL = (
    *("creation", "dtypes"),  # modules of the implementation
    *("copy_op", "fill_diagonal_op", "full_like_op", "random_like_op", "ufunc_op"),  # helpers
    *("expand", "getitem", "new_full", "new_tensor", "repeat", "to", "view"),  # Tensor methods
    *("one_hot", "pad", "vector_norm"),  # torch.nn.functional.one_hot/pad, torch.linalg
    *("resize_",),  # a Tensor method only
)

# The star import of microtensor.ops also bound its submodules (arithmetic, shape, ...) and
# helpers that torch has only as Tensor methods, in nn.functional or in linalg; they stay in
# microtensor.ops, and the top-level namespace keeps torch's names only (tests/test_namespace.py).
for _name, _value in list(globals().items()):
    if isinstance(_value, _ModuleType) and _value.__name__.startswith("microtensor.ops."):
        del globals()[_name]
for _name in _NOT_TOP_LEVEL:
    globals().pop(_name, None)
del _name, _value, _ModuleType, _NOT_TOP_LEVEL

# last: the public namespaces whose names the ops submodules had taken
# (microtensor.onnx is light: the exporter and the onnx package load on the first export)
from microtensor import (  # noqa: E402
    amp,
    backends,
    compiler,
    cuda,
    distributions,
    func,
    jit,
    linalg,
    onnx,
    signal,
    special,
)
from microtensor._device import get_default_device, set_default_device  # noqa: E402
from microtensor._layout import layout, strided  # noqa: E402 - ops has a module named strided
from microtensor.amp import autocast, is_autocast_enabled  # noqa: E402
from microtensor.compiler import compile  # noqa: E402, A004 - torch.compile (runs eagerly)
