"""nn.SyncBatchNorm in one process (BatchNorm on any rank >= 2) and convert_sync_batchnorm."""

import numpy as np
import pytest
import torch

import microtensor as mt
from microtensor.nn.sync_batchnorm import SyncBatchNorm
from tests.helpers import assert_same

SETTINGS: list[dict[str, object]] = [
    {},
    {"momentum": None},
    {"affine": False},
    {"track_running_stats": False},
    {"eps": 1e-3, "bias": False},
]


def twin_layers(channels, **kwargs):
    """A microtensor and a torch SyncBatchNorm with the same random affine parameters."""
    mine = SyncBatchNorm(channels, dtype=mt.float64, **kwargs)
    theirs = torch.nn.SyncBatchNorm(channels, dtype=torch.float64, **kwargs)
    rng = np.random.default_rng(channels)
    for name in ("weight", "bias"):
        if getattr(theirs, name) is not None:
            values = rng.uniform(0.5, 1.5, channels)
            getattr(mine, name).data = mt.tensor(values)
            getattr(theirs, name).data = torch.tensor(values)
    return mine, theirs


SHAPES = [(4, 3), (4, 3, 5), (2, 3, 2, 4), (2, 3, 2, 2, 3), (2, 3, 1, 2, 1, 2)]
CASES = [(shape, SETTINGS[0]) for shape in SHAPES] + [((4, 3, 5), s) for s in SETTINGS[1:]]


@pytest.mark.parametrize(("shape", "kwargs"), CASES)
def test_training_then_eval_equals_torch(shape, kwargs):
    rng = np.random.default_rng(0)
    mine, theirs = twin_layers(shape[1], **kwargs)
    for step in range(3):  # the running statistics move, then eval uses them
        if step == 2:
            mine.eval(), theirs.eval()
        data, upstream = rng.standard_normal(shape), rng.standard_normal(shape)
        x_mt, x_t = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        out_mt, out_t = mine(x_mt), theirs(x_t)
        assert_same(out_mt, out_t, what=f"output, step {step}")
        out_mt.backward(mt.tensor(upstream))
        out_t.backward(torch.tensor(upstream))
        assert_same(x_mt.grad, x_t.grad, what=f"input grad, step {step}")
        for name in ("weight", "bias"):
            if getattr(theirs, name) is not None:
                assert_same(getattr(mine, name).grad, getattr(theirs, name).grad, what=name)
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            if getattr(theirs, name) is not None:
                assert_same(getattr(mine, name), getattr(theirs, name), what=name)
            else:
                assert getattr(mine, name) is None


def test_float32_matches_torch_with_float32_tolerances():
    data = np.random.default_rng(1).standard_normal((5, 4, 3)).astype(np.float32)
    out = SyncBatchNorm(4)(mt.tensor(data))
    assert_same(out, torch.nn.SyncBatchNorm(4)(torch.tensor(data)))


def test_repr_state_dict_keys_and_process_group_match_torch():
    group = object()
    mine, theirs = SyncBatchNorm(3, process_group=group), torch.nn.SyncBatchNorm(3)
    assert repr(mine) == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert mine.process_group is group
    assert repr(SyncBatchNorm(2, affine=False, bias=False)) == repr(
        torch.nn.SyncBatchNorm(2, affine=False, bias=False)
    )


def test_errors_match_torch():
    for layer, lib in ((SyncBatchNorm(3), mt), (torch.nn.SyncBatchNorm(3), torch)):
        with pytest.raises(ValueError, match=r"expected at least 2D input \(got 1D input"):
            layer(lib.ones(3))
        with pytest.raises(ValueError, match="number of input channels should be non-zero"):
            layer(lib.ones(3, 0))
        with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
            layer(lib.ones(1, 3))


def build_net(lib, channels=3):
    nn = lib.nn
    inner = nn.Sequential(nn.BatchNorm2d(channels, momentum=None), nn.InstanceNorm2d(channels))
    return nn.Sequential(
        nn.Conv2d(1, channels, 1),
        inner,
        nn.BatchNorm3d(channels, affine=False),
        nn.Flatten(),
        nn.BatchNorm1d(channels * 4, track_running_stats=False, bias=False),
    )


def converted_types(net):
    return [type(m).__name__ for m in net.modules()]


def test_convert_replaces_every_batch_norm_and_keeps_the_rest():
    theirs = torch.nn.SyncBatchNorm.convert_sync_batchnorm(build_net(torch))
    net = build_net(mt)
    net[1][0].eval()
    net[1][0].qconfig = "a qconfig"
    keys_before = list(net.state_dict())
    params_before = [id(p) for p in net.parameters()]
    buffers_before = [id(b) for b in net.buffers()]
    mine = SyncBatchNorm.convert_sync_batchnorm(net, process_group="group")
    assert mine is net  # converted in place, as torch: only a batch norm itself is replaced
    assert converted_types(mine) == converted_types(theirs)
    assert "SyncBatchNorm" in converted_types(mine) and "InstanceNorm2d" in converted_types(mine)
    assert list(mine.state_dict()) == keys_before == list(theirs.state_dict())
    assert [id(p) for p in mine.parameters()] == params_before
    assert [id(b) for b in mine.buffers()] == buffers_before
    layers = [m for m in mine.modules() if isinstance(m, SyncBatchNorm)]
    assert [layer.process_group for layer in layers] == ["group"] * 3
    assert [layer.training for layer in layers] == [False, True, True]
    assert layers[0].qconfig == "a qconfig" and layers[0].momentum is None
    assert layers[1].affine is False and layers[2].bias is None
    assert layers[2].track_running_stats is False
    assert repr(mine) == repr(theirs)


def test_converted_net_computes_as_torch_converted_net():
    def small_net(lib):
        nn = lib.nn
        return nn.Sequential(
            nn.Conv2d(1, 3, 1), nn.BatchNorm2d(3), nn.Flatten(), nn.BatchNorm1d(12)
        ).double()

    rng = np.random.default_rng(2)
    theirs = torch.nn.SyncBatchNorm.convert_sync_batchnorm(small_net(torch))
    mine = SyncBatchNorm.convert_sync_batchnorm(small_net(mt))
    mine.load_state_dict({k: mt.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    data = rng.standard_normal((4, 1, 2, 2))
    x_mt, x_t = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out_mt, out_t = mine(x_mt), theirs(x_t)
    assert_same(out_mt, out_t)
    upstream = rng.standard_normal(tuple(out_t.shape))
    out_mt.backward(mt.tensor(upstream))
    out_t.backward(torch.tensor(upstream))
    assert_same(x_mt.grad, x_t.grad)
    assert_same(mine[0].weight.grad, theirs[0].weight.grad)
    assert_same(mine[1].running_var, theirs[1].running_var)


def test_converting_a_batch_norm_itself_returns_a_new_layer_sharing_its_state():
    bn = mt.nn.BatchNorm1d(4)
    bn(mt.randn(3, 4))
    sync = SyncBatchNorm.convert_sync_batchnorm(bn)
    assert type(sync) is SyncBatchNorm and sync is not bn
    assert sync.weight is bn.weight and sync.running_var is bn.running_var
    assert sync.num_batches_tracked.item() == 1
    again = SyncBatchNorm.convert_sync_batchnorm(sync)  # a SyncBatchNorm is one too, as torch
    assert again is not sync and again.running_mean is bn.running_mean
    assert SyncBatchNorm.convert_sync_batchnorm(mt.nn.InstanceNorm1d(4)).__class__.__name__ == (
        "InstanceNorm1d"
    )
