"""``torch.version``: the version of microtensor and of the (absent) GPU toolkits.

Example:
    >>> import microtensor as mt
    >>> mt.version.cuda is None, mt.version.debug
    (True, False)
"""

from __future__ import annotations

from microtensor.torch_version import TorchVersion

__all__ = ["__version__", "cuda", "debug", "git_version", "hip", "rocm", "xpu"]

__version__ = TorchVersion("0.1.0")
debug = False
cuda: str | None = None  # microtensor computes on the CPU: no CUDA, ROCm or XPU build
hip: str | None = None
rocm: str | None = None
xpu: str | None = None
git_version = "Unknown"  # torch's value for a build outside a git checkout
