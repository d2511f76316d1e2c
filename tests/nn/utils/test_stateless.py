"""nn.utils.stateless.functional_call: torch's deprecated path, with its FutureWarning."""

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.nn.utils import stateless


def call_both(module_pair, values, x):
    results = []
    for lib, module in zip((mt, torch), module_pair, strict=True):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            params = {k: lib.tensor(v, requires_grad=True) for k, v in values.items()}
            out = lib.nn.utils.stateless.functional_call(module, params, lib.tensor(x))
        out.sum().backward()
        results.append((caught, out, params))
    return results


def test_functional_call_matches_torch_and_warns():
    theirs = torch.nn.Linear(3, 2).double()
    mine = mt.nn.Linear(3, 2, dtype=mt.float64)
    rng = np.random.default_rng(0)
    values = {"weight": rng.standard_normal((2, 3)), "bias": rng.standard_normal(2)}
    x = rng.standard_normal((4, 3))
    (m_warn, m_out, m_params), (t_warn, t_out, t_params) = call_both((mine, theirs), values, x)
    assert [w.category for w in m_warn] == [FutureWarning]
    assert str(m_warn[0].message) == str(t_warn[0].message)
    np.testing.assert_allclose(m_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-12)
    for key in values:
        np.testing.assert_allclose(m_params[key].grad.numpy(), t_params[key].grad.numpy())
    assert mine.weight.grad is None  # the module's own parameters are untouched


def test_functional_call_refuses_data_parallel_as_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(
            RuntimeError, match="The stateless API can't be used with nn.DataParallel"
        ):
            stateless.functional_call(mt.nn.DataParallel(mt.nn.Linear(1, 1)), {}, (mt.ones(1, 1),))
