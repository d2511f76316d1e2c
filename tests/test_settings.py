import pytest
import torch

import microtensor as mt


@pytest.fixture(autouse=True)
def _restore():
    yield
    mt.use_deterministic_algorithms(False)
    mt.set_float32_matmul_precision("highest")
    mt.set_warn_always(False)
    torch.use_deterministic_algorithms(False)


@pytest.mark.parametrize("mode", ["default", "warn", "error", 0, 1, 2])
def test_deterministic_modes_match_torch(mode):
    mt.set_deterministic_debug_mode(mode)
    torch.set_deterministic_debug_mode(mode)
    assert mt.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()
    assert mt.are_deterministic_algorithms_enabled() == torch.are_deterministic_algorithms_enabled()
    assert (
        mt.is_deterministic_algorithms_warn_only_enabled()
        == torch.is_deterministic_algorithms_warn_only_enabled()
    )


def test_use_deterministic_algorithms_checks_its_argument():
    mt.use_deterministic_algorithms(True, warn_only=True)
    assert mt.get_deterministic_debug_mode() == 1
    with pytest.raises(TypeError, match="argument 'mode' must be bool"):
        mt.use_deterministic_algorithms("yes")
    with pytest.raises(RuntimeError, match="invalid value of debug_mode"):
        mt.set_deterministic_debug_mode("loud")


def test_matmul_precision():
    assert mt.get_float32_matmul_precision() == "highest"
    mt.set_float32_matmul_precision("medium")
    assert mt.get_float32_matmul_precision() == "medium"
    with pytest.warns(UserWarning, match="no effect"):
        mt.set_float32_matmul_precision("fastest")
    assert mt.get_float32_matmul_precision() == "medium"


def test_flush_denormal_and_warn_always():
    assert mt.set_flush_denormal(True) is False  # NumPy keeps denormals
    mt.set_warn_always(True)
    assert mt.is_warn_always_enabled()


def test_constants_match_torch():
    assert (mt.pi, mt.e, mt.inf, mt.newaxis) == (torch.pi, torch.e, torch.inf, torch.newaxis)
    assert mt.nan != mt.nan
