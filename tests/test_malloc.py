import os
import subprocess
import sys
import sysconfig

import pytest

from microtensor import _malloc

GLIBC = sys.platform.startswith("linux") and "musl" not in (
    sysconfig.get_config_var("HOST_GNU_TYPE") or ""
)


@pytest.mark.skipif(not GLIBC, reason="glibc only")
def test_tune_sets_the_thresholds_on_glibc():
    assert _malloc.tune() is True


def test_the_environment_variable_turns_it_off(monkeypatch):
    monkeypatch.setenv("MICROTENSOR_MALLOC_TUNING", "0")
    assert _malloc.tune() is False


def test_import_with_tuning_off_still_works():
    env = {**os.environ, "MICROTENSOR_MALLOC_TUNING": "0"}
    out = subprocess.run(
        [sys.executable, "-c", "import microtensor as mt; print(mt.ones(2).sum().item())"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert out.stdout.strip() == "2.0"
