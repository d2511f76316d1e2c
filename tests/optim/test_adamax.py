"""Adamax against torch.optim.Adamax, step by step."""

import pytest

import microtensor as mt
from tests.optim.parity import check_same_gradients, check_state_dict_round_trip, check_trajectory

CASES = [
    {"lr": 0.01},
    {"lr": 0.01, "weight_decay": 0.1},
    {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-3},
    {"lr": 0.005, "maximize": True},
]


@pytest.mark.parametrize("options", CASES, ids=str)
def test_trajectory_matches_torch(options):
    check_trajectory("Adamax", options)


@pytest.mark.parametrize("options", CASES, ids=str)
def test_same_gradients_give_torchs_update(options):
    check_same_gradients("Adamax", options)


def test_state_dict_round_trip():
    check_state_dict_round_trip("Adamax", CASES[-2])


def test_invalid_hyper_parameters_are_refused():
    w = mt.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        mt.optim.Adamax([w], lr=-1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 0: 1.5"):
        mt.optim.Adamax([w], betas=(1.5, 0.9))
