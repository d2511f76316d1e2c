"""Rprop against torch.optim.Rprop, step by step."""

import pytest

import microtensor as mt
from tests.optim.parity import check_same_gradients, check_state_dict_round_trip, check_trajectory

CASES = [
    {"lr": 0.01},
    {"lr": 0.01, "etas": (0.3, 1.5)},
    {"lr": 0.02, "step_sizes": (1e-3, 0.05)},
    {"lr": 0.01, "etas": (0.4, 1.1), "step_sizes": (1e-4, 1.0)},
    {"lr": 0.005, "maximize": True},
]


@pytest.mark.parametrize("options", CASES, ids=str)
def test_trajectory_matches_torch(options):
    check_trajectory("Rprop", options)


@pytest.mark.parametrize("options", CASES, ids=str)
def test_same_gradients_give_torchs_update(options):
    check_same_gradients("Rprop", options)


def test_state_dict_round_trip():
    check_state_dict_round_trip("Rprop", CASES[-2])


def test_invalid_etas_are_refused():
    w = mt.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid eta values: 1.5, 2"):
        mt.optim.Rprop([w], etas=(1.5, 2))
