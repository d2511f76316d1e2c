"""ASGD against torch.optim.ASGD, step by step."""

import pytest
import torch

import microtensor as mt
from tests.optim.parity import check_same_gradients, check_state_dict_round_trip, check_trajectory

CASES = [
    {"lr": 0.05},
    {"lr": 0.05, "t0": 10},  # averaging starts at step 11
    {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "weight_decay": 0.1},
    {"lr": 0.05, "t0": 5, "lambd": 0.001},
    {"lr": 0.01, "maximize": True},
]


@pytest.mark.parametrize("options", CASES, ids=str)
def test_trajectory_matches_torch(options):
    check_trajectory("ASGD", options)


@pytest.mark.parametrize("options", CASES, ids=str)
def test_same_gradients_give_torchs_update(options):
    check_same_gradients("ASGD", options)


def test_state_dict_round_trip():
    check_state_dict_round_trip("ASGD", CASES[-2])


def test_average_is_kept_in_ax_as_torch_keeps_it():
    averages = []
    for lib in (mt, torch):
        w = lib.tensor([1.0], dtype=lib.float64, requires_grad=True)
        opt = lib.optim.ASGD([w], lr=0.1, t0=0, lambd=0.0)
        values = []
        for _ in range(3):
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()
            values.append(w.item())
        # mu of step t is 1 / max(1, t - 1 - t0): steps 1 and 2 copy theta, step 3 averages
        assert opt.state[w]["ax"].item() == pytest.approx((values[1] + values[2]) / 2)
        averages.append(opt.state[w]["ax"].item())
    assert averages[0] == pytest.approx(averages[1], rel=1e-14)  # torch may fuse a multiply-add


def test_invalid_hyper_parameters_are_refused():
    w = mt.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="Invalid weight_decay value: -1"):
        mt.optim.ASGD([w], weight_decay=-1)
