"""DataParallel on a CPU-only machine: it calls the module, as torch's does without CUDA."""

import numpy as np
import pytest
import torch

import microtensor as mt


def test_data_parallel_calls_the_module_and_prefixes_the_state_dict_like_torch():
    theirs = torch.nn.DataParallel(torch.nn.Linear(3, 2).double())
    mine = mt.nn.DataParallel(mt.nn.Linear(3, 2, dtype=mt.float64), device_ids=[0], dim=0)
    assert list(mine.state_dict()) == list(theirs.state_dict()) == ["module.weight", "module.bias"]
    mine.load_state_dict({k: mt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert mine.device_ids == theirs.device_ids == []
    assert (
        repr(mine).split()[:3]
        == repr(theirs).split()[:3]
        == ["DataParallel(", "(module):", "Linear(in_features=3,"]
    )
    x = np.random.default_rng(0).standard_normal((4, 3))
    np.testing.assert_allclose(
        mine(mt.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12
    )


def test_data_parallel_passes_keyword_arguments_and_gradients():
    inner = mt.nn.Linear(2, 1)
    model = mt.nn.DataParallel(inner)
    out = model(input=mt.ones(3, 2))
    out.sum().backward()
    assert inner.weight.grad.tolist() == [[3.0, 3.0]]
    assert model.module is inner


def test_nn_parallel_import_path_and_functional_form():
    from microtensor.nn.parallel import DataParallel, data_parallel

    assert DataParallel is mt.nn.DataParallel
    for lib, fn in ((mt, data_parallel), (torch, torch.nn.parallel.data_parallel)):
        with pytest.raises(RuntimeError, match="device type could not be determined"):
            fn(lib.nn.Linear(2, 1), (lib.ones(1, 2),))
