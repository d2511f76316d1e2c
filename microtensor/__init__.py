"""microtensor: a small, readable autograd framework on NumPy with PyTorch's API."""

from types import ModuleType as _ModuleType
from typing import Any as _Any

from microtensor import _float_warnings, _malloc  # noqa: F401 - _float_warnings: its filter

_malloc.tune()  # keep freed array memory between steps (glibc; MICROTENSOR_MALLOC_TUNING=0 to skip)

import microtensor.autograd  # noqa: E402 - first: Tensor and the ops load through it
from microtensor import autograd, dtypes, nn, optim, utils  # noqa: E402
from microtensor._allocation import OutOfMemoryError
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
    cdouble,
    cfloat,
    complex64,
    complex128,
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
from microtensor.storage import StorageBase, TypedStorage, UntypedStorage
from microtensor.tensor import Tensor, device
from microtensor.utils.dlpack import from_dlpack, to_dlpack

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
    cpu,
    cuda,
    jit,
    linalg,
    onnx,
    return_types,
    special,
)
from microtensor._device import get_default_device, set_default_device  # noqa: E402
from microtensor._layout import (  # noqa: E402 - ops has a module named strided
    layout,
    sparse_bsc,
    sparse_bsr,
    sparse_coo,
    sparse_csc,
    sparse_csr,
    strided,
)
from microtensor._sparse_top_level import (  # noqa: E402
    ccol_indices_copy,
    col_indices_copy,
    crow_indices_copy,
    indices_copy,
    row_indices_copy,
    sparse_bsc_tensor,
    sparse_bsr_tensor,
    sparse_compressed_tensor,
    sparse_coo_tensor,
    sparse_csc_tensor,
    sparse_csr_tensor,
    spmm,
    values_copy,
)
from microtensor.amp import autocast, is_autocast_enabled  # noqa: E402
from microtensor.amp.autocast_mode import (  # noqa: E402
    autocast_decrement_nesting,
    autocast_increment_nesting,
)
from microtensor.compiler import compile  # noqa: E402, A004 - torch.compile (runs eagerly)
from microtensor.dtypes import bfloat16, uint16, uint32, uint64  # noqa: E402

# isort: split
# torch's top-level names beyond the op library: the aten-style nn functions and losses
# (torch.dropout, torch.kl_div...), the in-place functions (torch.exp_), factories, aliases,
# mode queries, and the submodules reachable after `import torch` (testing, version...).
# Where nn.functional's signature is torch's top-level one, the name is that function.
from microtensor import (  # noqa: E402
    distributed,
    torch_version,
    version,
)
from microtensor._mode_queries import (  # noqa: E402
    clear_autocast_cache,
    get_autocast_cpu_dtype,
    get_autocast_dtype,
    get_autocast_gpu_dtype,
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    is_autocast_cache_enabled,
    is_autocast_cpu_enabled,
    set_anomaly_enabled,
    set_autocast_cache_enabled,
    set_autocast_cpu_dtype,
    set_autocast_dtype,
    set_autocast_enabled,
)
from microtensor._runtime_info import (  # noqa: E402
    compiled_with_cxx11_abi,
    get_device_module,
    has_lapack,
    has_mkl,
    has_openmp,
    has_spectral,
    init_num_threads,
    is_distributed,
    is_vulkan_available,
)
from microtensor._top_level_factories import (  # noqa: E402
    bartlett_window,
    blackman_window,
    frombuffer,
    hamming_window,
    hann_window,
    kaiser_window,
    range,
)
from microtensor._top_level_tensor_functions import (  # noqa: E402
    detach,
    detach_,
    fix,
    is_inference,
    is_signed,
    moveaxis,
    unravel_index,
)
from microtensor.autograd.inference import is_inference_mode_enabled  # noqa: E402
from microtensor.jit import fork, wait  # noqa: E402 - torch.fork / torch.wait, run at once
from microtensor.nn.functional import (  # noqa: E402
    adaptive_avg_pool1d,
    avg_pool1d,
    bilinear,
    celu_,
    channel_shuffle,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    cosine_similarity,
    hardshrink,
    pairwise_distance,
    pdist,
    pixel_shuffle,
    pixel_unshuffle,
    prelu,
    relu_,
    rms_norm,
    selu_,
    threshold_,
)

__version__ = version.__version__  # a TorchVersion: compares with tuples, as torch's

from microtensor import accelerator  # noqa: E402 - torch.accelerator: the CPU-only answers
from microtensor._tensor_device import get_device  # noqa: E402
from microtensor._tensor_str import set_printoptions  # noqa: E402
from microtensor.amp import GradScaler  # noqa: E402 - torch.GradScaler is torch.amp.GradScaler
from microtensor.amp.deprecated_device_functions import (  # noqa: E402
    get_autocast_ipu_dtype,
    get_autocast_xla_dtype,
    is_autocast_ipu_enabled,
    is_autocast_xla_enabled,
    set_autocast_cpu_enabled,
    set_autocast_gpu_dtype,
    set_autocast_ipu_dtype,
    set_autocast_ipu_enabled,
    set_autocast_xla_dtype,
    set_autocast_xla_enabled,
)

# isort: split
# torch's submodules that programs reach as attributes after `import torch` but that are not
# needed to compute: each loads on first use, so `import microtensor` does not grow.
_LAZY_SUBMODULES = (
    "_dynamo",
    "_inductor",  # torch._inductor.config: compiler settings scripts set (changing nothing)
    "distributions",  # 45 ms of import: loads when a program first reaches it
    "export",  # torch.export: whole-program capture
    "fx",  # torch.fx: symbolic tracing and graph transforms
    "library",  # torch.library: user-defined custom ops
    "hub",
    "mps",
    "overrides",
    "profiler",
    "quasirandom",
    "sparse",  # COO sparse tensors: loads with the first sparse_coo_tensor or to_sparse()
    "types",
    "xpu",
)

# The same for namespaces and names that dir(microtensor) lists, as torch's does: a training
# script needs none of them at import (they were about a tenth of its memory).
_LAZY_LISTED_SUBMODULES = (
    "fft",
    "func",
    "masked",
    "multiprocessing",  # loads the standard multiprocessing package
    "serialization",  # with save and load: json, pickle's allow-list, torch's zip format
    "signal",
    "testing",
    "train",
    "viz",
)
_LAZY_NAMES = {  # public name -> the module under microtensor that defines it
    **dict.fromkeys(
        ("gru_cell", "lstm_cell", "rnn_relu_cell", "rnn_tanh_cell"), "_recurrent_cells"
    ),
    **dict.fromkeys(("gru", "lstm", "rnn_relu", "rnn_tanh"), "_recurrent_layers"),
    **dict.fromkeys(
        (
            *("BFloat16Storage", "BoolStorage", "ByteStorage", "CharStorage"),
            *("ComplexDoubleStorage", "ComplexFloatStorage", "DoubleStorage", "FloatStorage"),
            *("HalfStorage", "IntStorage", "LongStorage", "ShortStorage", "Storage"),
        ),
        "_legacy_storages",
    ),
    **dict.fromkeys(
        (
            *("BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor"),
            *("HalfTensor", "IntTensor", "LongTensor", "ShortTensor", "set_default_tensor_type"),
        ),
        "_legacy_tensor_types",
    ),
    **dict.fromkeys(
        (
            "abs_",
            "acos_",
            "acosh_",
            "addmv_",
            "arccos_",
            "arccosh_",
            "arcsin_",
            "arcsinh_",
            "arctan_",
            "arctanh_",
            "asin_",
            "asinh_",
            "atan_",
            "atanh_",
            "ceil_",
            "clamp_",
            "clamp_max_",
            "clamp_min_",
            "clip_",
            "conj_physical_",
            "cos_",
            "cosh_",
            "deg2rad_",
            "erf_",
            "erfc_",
            "exp2_",
            "exp_",
            "expm1_",
            "fix_",
            "floor_",
            "frac_",
            "gcd_",
            "i0_",
            "index_put_",
            "lcm_",
            "ldexp_",
            "log1p_",
            "log2_",
            "log10_",
            "log_",
            "logit_",
            "nan_to_num_",
            "neg_",
            "negative_",
            "rad2deg_",
            "reciprocal_",
            "round_",
            "rsqrt_",
            "sigmoid_",
            "sin_",
            "sinc_",
            "sinh_",
            "sqrt_",
            "square_",
            "tan_",
            "tanh_",
            "trunc_",
            "xlogy_",
        ),
        "_inplace_top_level",
    ),
    **dict.fromkeys(
        (
            "SymBool",
            "SymFloat",
            "SymInt",
            "sym_constrain_range",
            "sym_constrain_range_for_size",
            "sym_float",
            "sym_fresh_size",
            "sym_int",
            "sym_ite",
            "sym_max",
            "sym_min",
            "sym_not",
            "sym_sqrt",
            "sym_sum",
        ),
        "_symbolic_numbers",
    ),
    **dict.fromkeys(
        (
            "adaptive_max_pool1d",
            "affine_grid_generator",
            "alpha_dropout",
            "alpha_dropout_",
            "batch_norm",
            "celu",
            "convolution",
            "dropout",
            "dropout_",
            "embedding",
            "feature_alpha_dropout",
            "feature_alpha_dropout_",
            "feature_dropout",
            "feature_dropout_",
            "group_norm",
            "instance_norm",
            "layer_norm",
            "max_pool1d",
            "max_pool1d_with_indices",
            "max_pool2d",
            "max_pool3d",
            "native_channel_shuffle",
            "native_dropout",
            "rrelu",
            "rrelu_",
            "selu",
            "threshold",
        ),
        "_nn_top_level",
    ),
    **dict.fromkeys(
        (
            "_chunk_cat",
            "_native_batch_norm_legit",
            "_safe_softmax",
            "_segment_reduce",
            "_softmax_backward_data",
            "_unsafe_masked_index",
            "_unsafe_masked_index_put_accumulate",
            "segment_reduce",
        ),
        "_private_aten_ops",
    ),
    **dict.fromkeys(("Event", "Stream"), "_streams"),
    **dict.fromkeys(
        ("frobenius_norm", "native_norm", "norm_except_dim", "nuclear_norm"), "_legacy_norms"
    ),
    **dict.fromkeys(
        (
            "binary_cross_entropy_with_logits",
            "cosine_embedding_loss",
            "ctc_loss",
            "hinge_embedding_loss",
            "kl_div",
            "margin_ranking_loss",
            "poisson_nll_loss",
            "triplet_margin_loss",
        ),
        "_loss_top_level",
    ),
    **dict.fromkeys(("cond", "while_loop"), "_control_flow"),
    "embedding_bag": "_embedding_bag_top_level",
    "from_file": "_from_file",
    "conv_tbc": "_conv_tbc",
    **dict.fromkeys(("eig", "lstsq", "matrix_rank", "solve", "symeig"), "_removed_linalg"),
    "binomial": "_binomial",
    "adjoint": "_adjoint",
    "load": "serialization",
    "save": "serialization",
    "vmap": "func",
    **dict.fromkeys(  # torch._foreach_*: one op over a list of tensors (EMAs, optimizers)
        (
            *("_foreach_abs", "_foreach_add", "_foreach_add_", "_foreach_addcdiv"),
            *("_foreach_addcdiv_", "_foreach_addcmul", "_foreach_addcmul_"),
            *("_foreach_clamp_max_", "_foreach_clamp_min_", "_foreach_copy_", "_foreach_div"),
            *("_foreach_div_", "_foreach_lerp", "_foreach_lerp_", "_foreach_maximum"),
            *("_foreach_maximum_", "_foreach_mul", "_foreach_mul_", "_foreach_neg"),
            *("_foreach_neg_", "_foreach_norm", "_foreach_pow", "_foreach_reciprocal"),
            *("_foreach_sign", "_foreach_sqrt", "_foreach_sqrt_", "_foreach_sub"),
            *("_foreach_sub_", "_foreach_zero_"),
        ),
        "_foreach",
    ),
}


def __getattr__(name: str) -> _Any:
    import importlib

    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}"), name)
        globals()[name] = value
        return value
    if name in _LAZY_SUBMODULES or name in _LAZY_LISTED_SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_LISTED_SUBMODULES, *_LAZY_NAMES})
