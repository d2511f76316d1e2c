"""``torch.masked``: reductions and normalizations that take a boolean ``mask`` argument.

These are the mask-argument functions of ``torch.masked`` on plain (strided) tensors; the
``MaskedTensor`` prototype is not part of microtensor. ``reductions`` holds the reductions
(``sum``, ``amax``, ``norm``...), ``statistics`` ``mean``, ``median``, ``var`` and ``std``,
``normalizations`` the same-shape ops (``softmax``, ``cumsum``, ``normalize``...) and
``logaddexp``. The private helpers that torch.masked exports (``_input_mask``,
``_output_mask``...) are here too: torch's OpInfo gradcheck wrappers use them.
"""

from microtensor.masked._mask import (
    _canonical_dim,
    _combine_input_and_mask,
    _input_mask,
    _output_mask,
    _reduction_identity,
    _where,
)
from microtensor.masked.normalizations import (
    cumprod,
    cumsum,
    log_softmax,
    logaddexp,
    normalize,
    softmax,
    softmin,
)
from microtensor.masked.reductions import (
    amax,
    amin,
    argmax,
    argmin,
    logsumexp,
    norm,
    prod,
    sum,
)
from microtensor.masked.statistics import mean, median, std, var

__all__ = [
    "amax",
    "amin",
    "argmax",
    "argmin",
    "cumprod",
    "cumsum",
    "log_softmax",
    "logaddexp",
    "logsumexp",
    "mean",
    "median",
    "norm",
    "normalize",
    "prod",
    "softmax",
    "softmin",
    "std",
    "sum",
    "var",
]
