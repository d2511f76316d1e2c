"""NLLLoss2d: torch's deprecated alias of NLLLoss, with its FutureWarning."""

import warnings

import numpy as np
import torch

import microtensor as mt


def test_nll_loss2d_warns_as_torch_and_computes_nll_loss():
    rng = np.random.default_rng(0)
    log_probs = np.log(rng.dirichlet(np.ones(3), size=(2, 4, 5))).transpose(0, 3, 1, 2).copy()
    target = rng.integers(0, 3, (2, 4, 5))
    weight = np.array([0.2, 1.0, 3.0])
    results = []
    for lib in (mt, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loss = lib.nn.NLLLoss2d(weight=lib.tensor(weight), ignore_index=1)
        assert [w.category for w in caught] == [FutureWarning]
        results.append((str(caught[0].message), loss(lib.tensor(log_probs), lib.tensor(target))))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1].numpy(), results[1][1].numpy(), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert isinstance(mt.nn.NLLLoss2d(), mt.nn.NLLLoss)
