"""sum() and mean() record torch's overload arguments (input, dtype): torch's input shapes."""

import warnings

import torch

import microtensor as mt


def recorded_shapes(lib):
    x = lib.ones(2, 3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's profiler may warn about its backends
        with lib.profiler.profile(record_shapes=True) as prof:
            x.sum(), x.mean()
    return [
        (e.name, e.input_shapes) for e in prof.events() if e.name in ("aten::sum", "aten::mean")
    ]


def test_sum_and_mean_input_shapes_are_torchs():
    mine = recorded_shapes(mt)
    assert mine == [("aten::sum", [[2, 3], []]), ("aten::mean", [[2, 3], []])]
    assert recorded_shapes(torch)[:2] == mine  # torch's mean then runs a sum of its own inside
