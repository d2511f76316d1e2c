import os
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from tests.browser import browser  # noqa: F401 - the headless-Chromium fixture, for every test

# The default is bounded and derandomized, so README's test command takes the same few minutes
# on every machine and a failure reproduces; HYPOTHESIS_PROFILE=thorough searches deep.
_BOUNDED = {
    "max_examples": 10,
    "deadline": None,
    "derandomize": True,
    "suppress_health_check": [HealthCheck.too_slow],
}
settings.register_profile("default", **_BOUNDED)
settings.register_profile("ci", **_BOUNDED)  # the name .ci/run used to set
settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile(
    "thorough", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _torch_distribution_checks_stay_on():
    """Turn torch.distributions' argument checks back on after each test.

    torch.compile's first call turns them off for the whole process (torch._dynamo's
    TorchPatcher), so a later test comparing validation errors with torch's would see none.
    """
    yield
    distributions = sys.modules.get("torch.distributions")
    if distributions is not None:
        distributions.Distribution.set_default_validate_args(True)
