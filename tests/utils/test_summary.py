import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.utils.summary import ModelSummary, summary


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.act = nn.Tanh()

    def forward(self, x):
        return self.act(self.fc(x))


class Net(nn.Module):
    """inp: 3*4+4 = 16; blocks: 2 * (4*4+4) = 40; head: 4*2+2 = 10; scale: 2 -> 68."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(3, 4)
        self.blocks = nn.Sequential(Block(), Block())
        self.head = nn.Linear(4, 2)
        self.scale = nn.Parameter(mt.ones(2))

    def forward(self, x):
        hidden = self.blocks[0](self.blocks(self.inp(x)))  # blocks[0] runs twice
        return self.head(hidden) * self.scale, hidden


def test_rows_and_totals_equal_hand_counts():
    mt.manual_seed(0)
    model = Net()
    model.head.bias.requires_grad_(False)
    result = summary(model, (5, 3))
    assert isinstance(result, ModelSummary)
    got = [
        (r["name"], r["type"], r["depth"], r["call"], r["output_shape"], r["num_params"])
        for r in result.rows
    ]
    assert got == [
        ("", "Net", 0, 1, [(5, 2), (5, 4)], 2),
        ("inp", "Linear", 1, 1, (5, 4), 16),
        ("blocks", "Sequential", 1, 1, (5, 4), 0),
        ("blocks.0", "Block", 2, 1, (5, 4), 0),
        ("blocks.0.fc", "Linear", 3, 1, (5, 4), 20),
        ("blocks.0.act", "Tanh", 3, 1, (5, 4), 0),
        ("blocks.1", "Block", 2, 1, (5, 4), 0),
        ("blocks.1.fc", "Linear", 3, 1, (5, 4), 20),
        ("blocks.1.act", "Tanh", 3, 1, (5, 4), 0),
        ("blocks.0", "Block", 1, 2, (5, 4), 0),
        ("blocks.0.fc", "Linear", 2, 2, (5, 4), 20),
        ("blocks.0.act", "Tanh", 2, 2, (5, 4), 0),
        ("head", "Linear", 1, 1, (5, 2), 10),
    ]
    assert [r["trainable_params"] for r in result.rows if r["name"] == "head"] == [8]
    assert result.total_params == 68
    assert result.trainable_params == 66
    assert result.non_trainable_params == 2
    assert result.input_bytes == 5 * 3 * 4
    # Leaf-module outputs: seven (5, 4) float32 outputs and one (5, 2), counted twice.
    assert result.forward_backward_bytes == 2 * (7 * 80 + 40)
    assert result.params_bytes == 68 * 4


def test_table_text():
    mt.manual_seed(0)
    model = Net()
    model.head.bias.requires_grad_(False)
    lines = str(summary(model, (5, 3))).splitlines()
    assert lines[:3] == [
        "=" * 80,
        "Layer (type (name))" + " " * 21 + "Output Shape" + " " * 21 + "Param #",
        "=" * 80,
    ]
    body = [line.rstrip() for line in lines[3:16]]
    assert body == [
        "Net                                     [5, 2], [5, 4]                         2",
        "├─Linear (inp)                          [5, 4]                                16",
        "├─Sequential (blocks)                   [5, 4]                                --",
        "│    ├─Block (blocks.0)                 [5, 4]                                --",
        "│    │    ├─Linear (blocks.0.fc)        [5, 4]                                20",
        "│    │    └─Tanh (blocks.0.act)         [5, 4]                                --",
        "│    └─Block (blocks.1)                 [5, 4]                                --",
        "│         ├─Linear (blocks.1.fc)        [5, 4]                                20",
        "│         └─Tanh (blocks.1.act)         [5, 4]                                --",
        "├─Block (blocks.0)                      [5, 4]                       (recursive)",
        "│    ├─Linear (blocks.0.fc)             [5, 4]                       (recursive)",
        "│    └─Tanh (blocks.0.act)              [5, 4]                       (recursive)",
        "└─Linear (head)                         [5, 2]                                10",
    ]
    assert lines[16:] == [
        "=" * 80,
        "Total params: 68",
        "Trainable params: 66",
        "Non-trainable params: 2",
        "=" * 80,
        "Input size (MB): 0.00",
        "Forward/backward pass size (MB): 0.00",
        "Params size (MB): 0.00",
        "Estimated Total Size (MB): 0.00",
        "=" * 80,
    ]
    assert repr(summary(model, (5, 3))) == "\n".join(lines)


def test_large_counts_use_thousands_separators_and_megabytes():
    model = nn.Sequential(nn.Linear(1000, 1000), nn.Linear(1000, 10))
    model[1].requires_grad_(False)
    text = str(summary(model, (250, 1000)))
    assert "Total params: 1,011,010" in text
    assert "Trainable params: 1,001,000" in text
    assert "Non-trainable params: 10,010" in text
    assert "├─Linear (0)".ljust(40) + "[250, 1000]".ljust(25) + "1,001,000".rjust(15) in text
    assert "Input size (MB): 1.00" in text  # 250 * 1000 * 4 bytes
    assert "Forward/backward pass size (MB): 2.02" in text  # 2 * (250*1000 + 250*10) * 4
    assert "Params size (MB): 4.04" in text
    assert "Estimated Total Size (MB): 7.06" in text


def test_shared_parameters_are_counted_once():
    lin = nn.Linear(2, 2)
    model = nn.Sequential(lin, nn.ReLU(), lin)
    result = summary(model, (1, 2))
    assert result.total_params == 6
    assert [(r["name"], r["call"], r["num_params"]) for r in result.rows] == [
        ("", 1, 0), ("0", 1, 6), ("1", 1, 0), ("0", 2, 6),
    ]  # fmt: skip


class Probe(nn.Module):
    """Records the mode, grad mode and input of each call; sums its inputs' last dims."""

    def __init__(self):
        super().__init__()
        self.seen = []
        self.drop = nn.Dropout(0.5)

    def forward(self, *inputs):
        self.seen.append(
            (self.training, mt.is_grad_enabled(), [(tuple(t.shape), t.dtype) for t in inputs])
        )
        return self.drop(mt.cat([t.float() for t in inputs], dim=-1))


def test_runs_under_no_grad_in_eval_mode_and_restores_everything():
    model = Probe()
    model.train()
    model.drop.eval()
    result = summary(model, [(2, 3), (2, 5)], dtypes=[mt.float32, mt.int64])
    assert model.seen == [(False, False, [((2, 3), mt.float32), ((2, 5), mt.int64)])]
    assert model.training and not model.drop.training
    assert not model._forward_hooks and not model._forward_pre_hooks
    assert not model.drop._forward_hooks and not model.drop._forward_pre_hooks
    assert mt.is_grad_enabled()
    assert result.rows[0]["output_shape"] == (2, 8)
    assert result.input_bytes == 2 * 3 * 4 + 2 * 5 * 8


def test_example_input():
    model = Probe()
    x = mt.tensor(np.ones((4, 2), dtype=np.float64))
    result = summary(model, example_input=x)
    assert model.seen[-1][2] == [((4, 2), mt.float64)]
    assert result.rows[1]["name"] == "drop" and result.rows[1]["output_shape"] == (4, 2)
    summary(model, example_input=(x, x))
    assert model.seen[-1][2] == [((4, 2), mt.float64), ((4, 2), mt.float64)]


class Broken(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        return self.fc(x) @ mt.ones(5, 5)


def test_hooks_and_modes_restored_when_forward_fails():
    model = Broken()
    with pytest.raises(RuntimeError, match="matmul"):
        summary(model, (1, 2))
    assert model.training and model.fc.training
    assert not model.fc._forward_hooks and not model.fc._forward_pre_hooks


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "pass exactly one of input_size"),
        ({"input_size": (1, 2), "example_input": mt.ones(1, 2)}, ValueError, "exactly one"),
        ({"input_size": (1, "a")}, TypeError, "input_size must be a shape"),
        (
            {"input_size": (1, 2), "dtypes": [mt.float32, mt.float32]},
            ValueError,
            "got 2 dtypes for 1 inputs",
        ),
    ],
)
def test_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        summary(nn.Linear(2, 2), **kwargs)


def test_model_must_be_a_module():
    with pytest.raises(TypeError, match="model must be an nn.Module, got function"):
        summary(lambda x: x, (1, 2))
