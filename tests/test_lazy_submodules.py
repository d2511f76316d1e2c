"""torch's submodules reachable as attributes after `import microtensor`, loaded only on use."""

import subprocess
import sys

import pytest

LAZY = [
    "microtensor.profiler",
    "microtensor.autograd.profiler",
    "microtensor.autograd.profiler_util",
    "microtensor.hub",
    "microtensor.mps",
    "microtensor.xpu",
    "microtensor.types",
    "microtensor.overrides",
    "microtensor._dynamo",
    "microtensor.backends.mkldnn",
    "microtensor.backends.openmp",
    "microtensor.utils._pytree",
    "microtensor.nn.common_types",
    "microtensor.quasirandom",
    "microtensor.distributions",
]


def _run(code):
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_import_microtensor_loads_none_of_them_and_attributes_load_each():
    probe = f"import sys, microtensor as mt; print(*[m in sys.modules for m in {LAZY!r}]); "
    reach = "; ".join(f"print(type({m.replace('microtensor', 'mt', 1)}).__name__)" for m in LAZY)
    assert _run(probe + reach) == ["False"] * len(LAZY) + ["module"] * len(LAZY)


@pytest.mark.parametrize(
    "owner",
    [
        "microtensor",
        "microtensor.autograd",
        "microtensor.backends",
        "microtensor.utils",
        "microtensor.nn",
    ],
)
def test_unknown_attributes_still_raise(owner):
    import importlib

    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        _ = importlib.import_module(owner).no_such_name
