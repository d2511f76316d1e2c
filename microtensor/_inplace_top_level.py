"""torch's in-place functions at the top level: ``torch.exp_(x)`` is ``x.exp_()``.

PyTorch binds most in-place Tensor methods a second time as functions of the top-level
namespace. Each one here is the one-line delegation to the Tensor method, which owns the
behaviour (the in-place rules, the version counter, the autograd of the rewritten tensor);
it returns the tensor it was given.
"""

from __future__ import annotations

from typing import Any

from microtensor.tensor import Tensor

__all__ = [
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
    "log10_",
    "log1p_",
    "log2_",
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
]


# fmt: off
def abs_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.abs_: ``input.abs_()``."""
    return input.abs_()  # type: ignore[no-any-return]

def acos_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.acos_: ``input.acos_()``."""
    return input.acos_()  # type: ignore[no-any-return]

def acosh_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.acosh_: ``input.acosh_()``."""
    return input.acosh_()  # type: ignore[no-any-return]

def asin_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.asin_: ``input.asin_()``."""
    return input.asin_()  # type: ignore[no-any-return]

def asinh_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.asinh_: ``input.asinh_()``."""
    return input.asinh_()  # type: ignore[no-any-return]

def atan_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.atan_: ``input.atan_()``."""
    return input.atan_()  # type: ignore[no-any-return]

def atanh_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.atanh_: ``input.atanh_()``."""
    return input.atanh_()  # type: ignore[no-any-return]

def arccos_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.arccos_: ``input.arccos_()``."""
    return input.arccos_()  # type: ignore[no-any-return]

def arccosh_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.arccosh_: ``input.arccosh_()``."""
    return input.arccosh_()  # type: ignore[no-any-return]

def arcsin_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.arcsin_: ``input.arcsin_()``."""
    return input.arcsin_()  # type: ignore[no-any-return]

def arcsinh_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.arcsinh_: ``input.arcsinh_()``."""
    return input.arcsinh_()  # type: ignore[no-any-return]

def arctan_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.arctan_: ``input.arctan_()``."""
    return input.arctan_()  # type: ignore[no-any-return]

def arctanh_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.arctanh_: ``input.arctanh_()``."""
    return input.arctanh_()  # type: ignore[no-any-return]

def ceil_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.ceil_: ``input.ceil_()``."""
    return input.ceil_()  # type: ignore[no-any-return]

def conj_physical_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.conj_physical_: ``input.conj_physical_()``."""
    return input.conj_physical_()  # type: ignore[no-any-return]

def cos_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.cos_: ``input.cos_()``."""
    return input.cos_()  # type: ignore[no-any-return]

def cosh_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.cosh_: ``input.cosh_()``."""
    return input.cosh_()  # type: ignore[no-any-return]

def deg2rad_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.deg2rad_: ``input.deg2rad_()``."""
    return input.deg2rad_()  # type: ignore[no-any-return]

def erf_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.erf_: ``input.erf_()``."""
    return input.erf_()  # type: ignore[no-any-return]

def erfc_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.erfc_: ``input.erfc_()``."""
    return input.erfc_()  # type: ignore[no-any-return]

def exp_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.exp_: ``input.exp_()``."""
    return input.exp_()  # type: ignore[no-any-return]

def exp2_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.exp2_: ``input.exp2_()``."""
    return input.exp2_()  # type: ignore[no-any-return]

def expm1_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.expm1_: ``input.expm1_()``."""
    return input.expm1_()  # type: ignore[no-any-return]

def fix_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.fix_: ``input.fix_()``."""
    return input.fix_()  # type: ignore[no-any-return]

def floor_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.floor_: ``input.floor_()``."""
    return input.floor_()  # type: ignore[no-any-return]

def frac_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.frac_: ``input.frac_()``."""
    return input.frac_()  # type: ignore[no-any-return]

def i0_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.i0_: ``input.i0_()``."""
    return input.i0_()  # type: ignore[no-any-return]

def log_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.log_: ``input.log_()``."""
    return input.log_()  # type: ignore[no-any-return]

def log10_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.log10_: ``input.log10_()``."""
    return input.log10_()  # type: ignore[no-any-return]

def log1p_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.log1p_: ``input.log1p_()``."""
    return input.log1p_()  # type: ignore[no-any-return]

def log2_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.log2_: ``input.log2_()``."""
    return input.log2_()  # type: ignore[no-any-return]

def neg_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.neg_: ``input.neg_()``."""
    return input.neg_()  # type: ignore[no-any-return]

def negative_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.negative_: ``input.negative_()``."""
    return input.negative_()  # type: ignore[no-any-return]

def rad2deg_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.rad2deg_: ``input.rad2deg_()``."""
    return input.rad2deg_()  # type: ignore[no-any-return]

def reciprocal_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.reciprocal_: ``input.reciprocal_()``."""
    return input.reciprocal_()  # type: ignore[no-any-return]

def rsqrt_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.rsqrt_: ``input.rsqrt_()``."""
    return input.rsqrt_()  # type: ignore[no-any-return]

def sigmoid_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.sigmoid_: ``input.sigmoid_()``."""
    return input.sigmoid_()  # type: ignore[no-any-return]

def sin_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.sin_: ``input.sin_()``."""
    return input.sin_()  # type: ignore[no-any-return]

def sinc_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.sinc_: ``input.sinc_()``."""
    return input.sinc_()  # type: ignore[no-any-return]

def sinh_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.sinh_: ``input.sinh_()``."""
    return input.sinh_()  # type: ignore[no-any-return]

def sqrt_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.sqrt_: ``input.sqrt_()``."""
    return input.sqrt_()  # type: ignore[no-any-return]

def square_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.square_: ``input.square_()``."""
    return input.square_()  # type: ignore[no-any-return]

def tan_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.tan_: ``input.tan_()``."""
    return input.tan_()  # type: ignore[no-any-return]

def tanh_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.tanh_: ``input.tanh_()``."""
    return input.tanh_()  # type: ignore[no-any-return]

def trunc_(input: Tensor) -> Tensor:  # noqa: A002
    """torch.trunc_: ``input.trunc_()``."""
    return input.trunc_()  # type: ignore[no-any-return]

def clamp_(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """torch.clamp_: ``input.clamp_(...)``."""
    return input.clamp_(min, max)  # type: ignore[no-any-return]

def clip_(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """torch.clip_: ``input.clip_(...)``."""
    return input.clip_(min, max)  # type: ignore[no-any-return]

def clamp_max_(input: Tensor, max: Any) -> Tensor:  # noqa: A002
    """torch.clamp_max_: ``input.clamp_max_(...)``."""
    return input.clamp_max_(max)  # type: ignore[no-any-return]

def clamp_min_(input: Tensor, min: Any) -> Tensor:  # noqa: A002
    """torch.clamp_min_: ``input.clamp_min_(...)``."""
    return input.clamp_min_(min)  # type: ignore[no-any-return]

def gcd_(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """torch.gcd_: ``input.gcd_(...)``."""
    return input.gcd_(other)  # type: ignore[no-any-return]

def lcm_(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """torch.lcm_: ``input.lcm_(...)``."""
    return input.lcm_(other)  # type: ignore[no-any-return]

def ldexp_(input: Tensor, other: Tensor) -> Tensor:  # noqa: A002
    """torch.ldexp_: ``input.ldexp_(...)``."""
    return input.ldexp_(other)  # type: ignore[no-any-return]

def xlogy_(input: Tensor, other: Any) -> Tensor:  # noqa: A002
    """torch.xlogy_: ``input.xlogy_(...)``."""
    return input.xlogy_(other)  # type: ignore[no-any-return]

def logit_(input: Tensor, eps: float | None = None) -> Tensor:  # noqa: A002
    """torch.logit_: ``input.logit_(...)``."""
    return input.logit_(eps)  # type: ignore[no-any-return]

def nan_to_num_(
    input: Tensor,  # noqa: A002
    nan: float | None = None,
    posinf: float | None = None,
    neginf: float | None = None,
) -> Tensor:
    """torch.nan_to_num_: ``input.nan_to_num_(...)``; ``nan=None`` is 0, as in torch."""
    return input.nan_to_num_(0.0 if nan is None else nan, posinf, neginf)  # type: ignore[no-any-return]

def round_(input: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A002
    """torch.round_: ``input.round_(...)``."""
    return input.round_(decimals=decimals)  # type: ignore[no-any-return]

def index_put_(input: Tensor, indices: Any, values: Tensor, accumulate: bool = False) -> Tensor:  # noqa: A002
    """torch.index_put_: ``input.index_put_(...)``."""
    return input.index_put_(indices, values, accumulate)  # type: ignore[no-any-return]

def addmv_(input: Tensor, mat: Tensor, vec: Tensor, *, beta: Any = 1, alpha: Any = 1) -> Tensor:  # noqa: A002
    """torch.addmv_: ``input.addmv_(...)``."""
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)  # type: ignore[no-any-return]

# fmt: on
