"""microtensor computes inf and nan quietly, as torch does; the user's own NumPy still warns."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import microtensor as mt

CALLS = {
    "log(0)": "lib.log(lib.tensor([0.0, 1.0]))",
    "1 / 0, 0 / 0": "lib.tensor([1.0, 0.0]) / 0",
    "sqrt(-1)": "lib.sqrt(lib.tensor([-1.0]))",
    "0 ** -1": "lib.tensor([0.0]) ** -1",
    "exp overflow": "lib.exp(lib.tensor([1000.0]))",
    "7 // 0.0": "lib.tensor([7.0]) // 0",
}


def test_a_script_sees_no_numpy_warning_from_microtensor_as_from_torch():
    script = "import microtensor as lib\n" + "\n".join(CALLS.values())
    script += "\nimport numpy as np\nnp.log(np.zeros(1))"  # the user's own NumPy still warns
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    warned = [line for line in done.stderr.splitlines() if "RuntimeWarning" in line]
    assert len(warned) == 1 and warned[0].startswith("<string>:"), done.stderr


@pytest.mark.parametrize("expression", CALLS.values(), ids=CALLS.keys())
def test_the_quiet_values_are_torchs(expression):
    with np.errstate(all="ignore"):  # pytest's own filters show every warning
        got = eval(expression, {"lib": mt})
    assert np.array_equal(got.numpy(), eval(expression, {"lib": torch}).numpy(), equal_nan=True)


def test_a_filter_installed_later_still_sees_them():
    with warnings.catch_warnings(), pytest.raises(RuntimeWarning, match="divide by zero"):
        warnings.simplefilter("error")
        mt.log(mt.tensor([0.0]))
