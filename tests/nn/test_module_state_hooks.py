"""State-dict hooks, extra state, metadata and the other Module extras, against torch."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor import nn


def to_mt(state):
    return {
        k: mt.tensor(v.detach().numpy()) if isinstance(v, torch.Tensor) else v
        for k, v in state.items()
    }


def test_state_dict_metadata_has_versions_like_torch():
    metas = []
    for lib in (torch, mt):
        model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1))
        metas.append({k: dict(v) for k, v in model.state_dict()._metadata.items()})
    assert (
        metas[1]
        == metas[0]
        == {"": {"version": 1}, "0": {"version": 1}, "1": {"version": 1}, "2": {"version": 1}}
    )


def test_extra_state_round_trip_and_strictness():
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(1, 1)
            self.calls = 0

        def get_extra_state(self):
            return {"calls": self.calls}

        def set_extra_state(self, state):
            self.calls = state["calls"]

    a, b = Counter(), Counter()
    a.calls = 7
    state = a.state_dict()
    assert list(state) == ["_extra_state", "lin.weight", "lin.bias"]
    b.load_state_dict(state)
    assert b.calls == 7
    del state["_extra_state"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "_extra_state"'):
        b.load_state_dict(state)
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "_extra_state"'):
        nn.Linear(1, 1).load_state_dict(
            {"weight": mt.ones(1, 1), "bias": mt.ones(1), "_extra_state": 1}
        )


def test_state_dict_hooks_run_in_torchs_order():
    for lib in (torch, mt):
        log = []
        model = lib.nn.Sequential(lib.nn.Linear(2, 2))
        model.register_state_dict_pre_hook(
            lambda m, prefix, keep_vars, log=log: log.append(("pre", prefix))
        )
        model[0].register_state_dict_pre_hook(
            lambda m, prefix, keep_vars, log=log: log.append(("pre0", prefix))
        )

        def post(module, state, prefix, meta, log=log):
            log.append(("post", prefix, sorted(state)))
            state["extra"] = 1

        model.register_state_dict_post_hook(post)
        state = model.state_dict()
        if lib is torch:
            expected = (log, sorted(state))
    assert (log, sorted(state)) == expected


def test_post_hook_returning_a_value_is_an_error_but_private_hook_may_replace():
    lin = nn.Linear(1, 1)
    handle = lin.register_state_dict_post_hook(lambda m, s, p, meta: {"x": 1})
    with pytest.raises(RuntimeError, match="state_dict post-hook must return None"):
        lin.state_dict()
    handle.remove()
    lin._register_state_dict_hook(lambda m, s, p, meta: {"replaced": True})
    assert lin.state_dict() == {"replaced": True}


def test_load_hooks_translate_keys_and_edit_incompatible_keys():
    for lib in (torch, mt):
        log = []
        lin = lib.nn.Linear(2, 1)

        def rename(state, prefix, meta, strict, missing, unexpected, errors):
            if prefix + "w" in state:
                state[prefix + "weight"] = state.pop(prefix + "w")

        lin._register_load_state_dict_pre_hook(rename)

        def forgive(module, keys, log=log):
            log.append((list(keys.missing_keys), list(keys.unexpected_keys)))
            keys.unexpected_keys.clear()

        lin.register_load_state_dict_post_hook(forgive)
        lib_tensor = lib.tensor
        result = lin.load_state_dict(
            {"w": lib_tensor([[1.0, 2.0]]), "bias": lib_tensor([3.0]), "junk": lib_tensor(0.0)}
        )
        out = (
            log,
            list(result.missing_keys),
            list(result.unexpected_keys),
            lin.weight.detach().numpy().tolist(),
        )
        if lib is torch:
            expected = out
    assert out == expected


def test_public_load_pre_hook_gets_the_module():
    lin = nn.Linear(1, 1)
    seen = []
    lin.register_load_state_dict_pre_hook(lambda module, state, prefix, *rest: seen.append(module))
    lin.load_state_dict(lin.state_dict())
    assert seen == [lin]


def test_set_submodule_to_empty_share_memory_and_cuda():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    model.set_submodule("1", nn.Tanh())
    assert isinstance(model[1], nn.Tanh)
    with pytest.raises(AttributeError, match="has no attribute `x`"):
        model.set_submodule("x", nn.Tanh(), strict=True)
    weight = model[0].weight
    assert model.to_empty(device="cpu") is model and model[0].weight is weight
    assert model.share_memory() is model
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        model.cuda()


def test_buffer_and_container_names():
    module = nn.Module()
    module.seen = nn.Buffer(mt.zeros(3))
    module.scratch = nn.Buffer(mt.ones(1), persistent=False)
    assert [name for name, _ in module.named_buffers()] == ["seen", "scratch"]
    assert list(module.state_dict()) == ["seen"]
    with pytest.warns(UserWarning, match="nn.Container is deprecated"):
        container = nn.Container(a=nn.Linear(1, 1))
    assert list(container.state_dict()) == ["a.weight", "a.bias"]


def test_state_dict_with_metadata_loads_into_torch_and_back():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    twin = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    back = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    back.load_state_dict(to_mt(twin.state_dict()))
    x = np.ones((1, 2), np.float32)
    np.testing.assert_allclose(
        back(mt.tensor(x)).detach().numpy(), model(mt.tensor(x)).detach().numpy()
    )
