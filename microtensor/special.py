"""``microtensor.special``: the real-valued functions of ``torch.special``.

Each name is the op of the same meaning in ``microtensor.ops`` (``gammaln`` is ``lgamma``,
``expit`` is ``sigmoid``, ``gammainc`` is ``igamma`` ...), with PyTorch's gradients where PyTorch
has them. Values NumPy lacks come from SciPy, imported on first use.
"""

from microtensor.ops.bessel import (
    airy_ai,
    bessel_j0,
    bessel_j1,
    bessel_y0,
    bessel_y1,
    i0,
    i0e,
    i1,
    i1e,
    modified_bessel_i0,
    modified_bessel_i1,
    modified_bessel_k0,
    modified_bessel_k1,
    scaled_modified_bessel_k0,
    scaled_modified_bessel_k1,
    spherical_bessel_j0,
)
from microtensor.ops.elementwise import exp2, expm1, log1p, round
from microtensor.ops.gamma import digamma, polygamma, zeta
from microtensor.ops.gamma import digamma as psi
from microtensor.ops.gamma import igamma as gammainc
from microtensor.ops.gamma import igammac as gammaincc
from microtensor.ops.gamma import lgamma as gammaln
from microtensor.ops.gamma import mvlgamma as multigammaln
from microtensor.ops.logarithmic import entr, logit, xlog1py, xlogy
from microtensor.ops.orthogonal_polynomials import (
    chebyshev_polynomial_t,
    chebyshev_polynomial_u,
    chebyshev_polynomial_v,
    chebyshev_polynomial_w,
    hermite_polynomial_h,
    hermite_polynomial_he,
    laguerre_polynomial_l,
    legendre_polynomial_p,
    shifted_chebyshev_polynomial_t,
    shifted_chebyshev_polynomial_u,
    shifted_chebyshev_polynomial_v,
    shifted_chebyshev_polynomial_w,
)
from microtensor.ops.softmax import log_softmax, softmax
from microtensor.ops.special import erf, erfc, erfcx, erfinv, log_ndtr, ndtr, ndtri
from microtensor.ops.statistics import logsumexp
from microtensor.ops.trigonometric import sigmoid as expit
from microtensor.ops.trigonometric import sinc

__all__ = [
    "airy_ai",
    "bessel_j0",
    "bessel_j1",
    "bessel_y0",
    "bessel_y1",
    "chebyshev_polynomial_t",
    "chebyshev_polynomial_u",
    "chebyshev_polynomial_v",
    "chebyshev_polynomial_w",
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfcx",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammainc",
    "gammaincc",
    "gammaln",
    "hermite_polynomial_h",
    "hermite_polynomial_he",
    "i0",
    "i0e",
    "i1",
    "i1e",
    "laguerre_polynomial_l",
    "legendre_polynomial_p",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "modified_bessel_i0",
    "modified_bessel_i1",
    "modified_bessel_k0",
    "modified_bessel_k1",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1",
    "shifted_chebyshev_polynomial_t",
    "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w",
    "sinc",
    "softmax",
    "spherical_bessel_j0",
    "xlog1py",
    "xlogy",
    "zeta",
]
