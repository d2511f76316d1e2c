import numpy as np
import pytest
import torch

import microtensor as mt


def twin_models():
    mt.manual_seed(0)
    ours = mt.nn.Linear(3, 2)
    theirs = torch.nn.Linear(3, 2)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(ours.weight.detach().numpy()))
        theirs.bias.copy_(torch.tensor(ours.bias.detach().numpy()))
    return ours, theirs


def test_a_training_loop_matches_torch_step_for_step_with_skipped_steps():
    ours, theirs = twin_models()
    opt_a = mt.optim.SGD(ours.parameters(), lr=0.1)
    opt_b = torch.optim.SGD(theirs.parameters(), lr=0.1)
    kw = {"init_scale": 2.0**10, "growth_interval": 2}
    scaler_a, scaler_b = mt.amp.GradScaler("cpu", **kw), torch.amp.GradScaler("cpu", **kw)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    for step in range(7):
        poison = step in (2, 5)  # an infinity in the input: that step must be skipped
        data = x.copy()
        if poison:
            data[0, 0] = np.inf
        results = []
        for model, opt, scaler, lib in (
            (ours, opt_a, scaler_a, mt),
            (theirs, opt_b, scaler_b, torch),
        ):
            opt.zero_grad()
            loss = model(lib.tensor(data)).pow(2).mean()
            scaled = scaler.scale(loss)
            assert tuple(scaled.shape) == ()
            scaled.backward()
            scaler.unscale_(opt)
            returned = scaler.step(opt)
            scaler.update()
            results.append((scaler.get_scale(), returned))
        assert results[0] == results[1]
        np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-6)
    assert scaler_a.state_dict() == scaler_b.state_dict()


def test_disabled_scaler_passes_through():
    ours, _ = twin_models()
    opt = mt.optim.SGD(ours.parameters(), lr=0.1)
    scaler = mt.amp.GradScaler("cpu", enabled=False)
    loss = ours(mt.ones(2, 3)).sum()
    assert scaler.scale(loss) is loss
    loss.backward()
    scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == 1.0 and scaler.state_dict() == {}


def test_cuda_spellings_warn_and_disable_like_torch_without_a_gpu():
    with pytest.warns(FutureWarning, match=r"cuda.amp.GradScaler\(args...\)` is deprecated"):
        with pytest.warns(UserWarning, match="Disabling"):
            scaler = mt.cuda.amp.GradScaler()
    assert not scaler.is_enabled()
    with pytest.warns(FutureWarning, match="Please use `microtensor.amp.GradScaler"):
        assert not mt.cuda.amp.GradScaler(enabled=False).is_enabled()


def test_misuse_raises_like_torch():
    ours, _ = twin_models()
    opt = mt.optim.SGD(ours.parameters(), lr=0.1)
    scaler = mt.amp.GradScaler("cpu")
    scaler.scale(ours(mt.ones(2, 3)).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: None)
    scaler.update()
    with pytest.raises(AssertionError, match="No inf checks were recorded"):
        scaler.update()
    with pytest.raises(RuntimeError, match="source state dict is empty"):
        scaler.load_state_dict({})


def test_state_dict_round_trip_and_new_scale():
    scaler = mt.amp.GradScaler("cpu", init_scale=8.0)
    scaler.update(new_scale=mt.tensor(4.0))
    other = mt.amp.GradScaler("cpu")
    other.load_state_dict(scaler.state_dict())
    assert other.get_scale() == 4.0 and other.state_dict() == scaler.state_dict()
