"""``torch.version``: the version of microtensor and of the (absent) GPU toolkits.

``__version__`` names the PyTorch release whose API microtensor follows, with microtensor's
own release as the local part, as torch's builds carry theirs (``2.13.0+cpu``):
``2.13.0+microtensor.0.1.0``. So the gates PyTorch programs write (``torch.__version__ >=
"2.0"``, ``packaging.version.parse(torch.__version__) >= Version("1.13")``) take the paths
written for the API microtensor has; ``microtensor.version.microtensor`` (and the package
metadata) is microtensor's own release.

Example:
    >>> import microtensor as mt
    >>> mt.version.cuda is None, mt.version.debug
    (True, False)
    >>> mt.__version__, mt.__version__ >= "2.0", mt.version.microtensor
    ('2.13.0+microtensor.0.1.0', True, '0.1.0')
"""

from __future__ import annotations

from microtensor.torch_version import TorchVersion

__all__ = ["__version__", "cuda", "debug", "git_version", "hip", "microtensor", "rocm", "xpu"]

microtensor = "0.1.0"  # microtensor's own release (pyproject.toml's version)
torch_api = "2.13.0"  # the PyTorch release whose names and semantics microtensor follows
__version__ = TorchVersion(f"{torch_api}+microtensor.{microtensor}")
debug = False
cuda: str | None = None  # microtensor computes on the CPU: no CUDA, ROCm or XPU build
hip: str | None = None
rocm: str | None = None
xpu: str | None = None
git_version = "Unknown"  # torch's value for a build outside a git checkout
