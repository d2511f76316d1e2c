"""microtensor: a small, readable autograd framework on NumPy with PyTorch's API."""

import microtensor.utils.data  # noqa: E402
from microtensor import autograd, dtypes, nn, optim, train, utils, viz  # noqa: E402
from microtensor._size import Size
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
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
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

__version__ = "0.1.0"

# last: the star import of the ops brought their own module named linalg; this replaces it
import microtensor.linalg  # noqa: E402
