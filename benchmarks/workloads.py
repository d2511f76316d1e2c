"""The benchmark workloads: their data, initial weights, and microtensor/PyTorch versions.

``python benchmarks/run.py`` (the runner) calls ``make_arrays`` for each workload, saves the
arrays to a file, and starts this script once per implementation as a worker process, so that
each implementation's peak RSS is its own. The microtensor and PyTorch versions are one piece
of code written against the API the two share (``lib`` is the imported module); the hand
NumPy versions live in ``benchmarks/numpy_impl.py``.

Worker protocol (one JSON object per line on stdout):

* ``--mode check``: run each workload for a few steps (float64) and save the losses and the
  parameters to ``--out``; print ``{"done": true}``.
* ``--mode time``: set up, warm up, print ``{"ready": ...}``; then for each stdin line
  ``round SECONDS STEPS`` run STEPS steps (if STEPS is 0: steps for at least SECONDS, at least
  one) and print ``{"times": [seconds per step, ...]}``; on ``quit`` print the peak RSS and
  other statistics and exit.
* ``--mode profile``: set up, warm up, run steps for ``--seconds`` under cProfile and print
  ``{"steps": n, "profile": text}`` (the top ``--top`` functions by own time).
* on an exception: print ``{"error": traceback}`` and exit with status 1.
"""

from __future__ import annotations

import functools
import importlib
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

IMPLS = ["numpy", "microtensor", "torch"]
# What each workload is; "target" is the goal for microtensor, checked by the runner.
SPECS: dict[str, dict[str, Any]] = {
    "W1": {
        "title": "moons 750x2 full batch, 2-5-1 sigmoid, squared error / 2, GD lr 0.1",
        "sizes": [2, 5, 1],
        "activation": "sigmoid",
        "output_activation": True,
        "loss": "squared_error",
        "optimizer": "sgd",
        "lr": 0.1,
        "target": ("torch", 0.5),
    },
    "W1u": {
        "title": "W1 as a user writes it: ((out - y) ** 2).sum() / 2, torch on default threads",
        "sizes": [2, 5, 1],
        "activation": "sigmoid",
        "output_activation": True,
        "loss": "composed_squared_error",
        "optimizer": "sgd",
        "lr": 0.1,
        "torch_default_threads": True,
        "target": ("torch", 0.6),
    },
    "W2": {
        "title": "digits 1437x64 full batch, 64-64-10 sigmoid, cross-entropy, SGD lr 0.1",
        "sizes": [64, 64, 10],
        "activation": "sigmoid",
        "output_activation": False,
        "loss": "cross_entropy",
        "optimizer": "sgd",
        "lr": 0.1,
        "target": ("torch", 1.0),
    },
    "W3": {
        "title": "digits epoch of 45 shuffled minibatches of 32, 64-128-10 ReLU, CE, Adam 1e-3",
        "unit": "epoch",
        "sizes": [64, 128, 10],
        "activation": "relu",
        "output_activation": False,
        "loss": "cross_entropy",
        "optimizer": "adam",
        "lr": 1e-3,
        "batch_size": 32,
        "target": ("torch", 0.4),
    },
    "W4": {
        "title": "synthetic batch 128, 784-512-512-10 ReLU, cross-entropy, Adam 1e-3",
        "sizes": [784, 512, 512, 10],
        "activation": "relu",
        "output_activation": False,
        "loss": "cross_entropy",
        "optimizer": "adam",
        "lr": 1e-3,
        "target": ("numpy", 1.05),
    },
    "W6": {
        "title": "a chain of small elementwise ops on a 2x2 leaf, forward + backward",
        "chain": True,
        "target": ("torch", 1.0),
        "rss_target": 2.0,
    },
    "W7": {
        "title": "digits batch 64 as 1x8x8, conv16-pool-conv32-pool-linear CNN, CE, Adam 1e-3",
        "model": "cnn",
        "batch_size": 64,
        "lr": 1e-3,
        "n_params": 6,
        "target": ("torch", 1.3),
    },
    "W8": {
        "title": "LSTM 32->64 on batch 32 x seq 20, Linear(64, 1) on the last output, MSE, Adam",
        "model": "lstm",
        "impls": ["microtensor", "torch"],  # no hand NumPy version
        "lr": 1e-3,
        "n_params": 6,
        "target": ("torch", 1.0),
    },
    "W9": {
        "title": "character GPT, 2 layers, 4 heads, n_embd 64, block 32, batch 16, AdamW 1e-3",
        "model": "gpt",
        "impls": ["microtensor", "torch"],
        "target": ("torch", 1.2),
    },
    "W10": {
        "title": "CRF forward algorithm + Viterbi score, 50 tags x 30 steps, tag by tag, fwd+bwd",
        "model": "crf",
        "impls": ["microtensor", "torch"],
        "target": ("torch", 1.0),
    },
}
for _spec in SPECS.values():
    _spec.setdefault("unit", "step")
    if "sizes" in _spec:
        _spec["n_params"] = 2 * (len(_spec["sizes"]) - 1)
    _spec.setdefault("impls", IMPLS)

CNN_SHAPES = [(16, 1, 3, 3), (16,), (32, 16, 3, 3), (32,), (10, 32 * 2 * 2), (10,)]
LSTM_BATCH, LSTM_SEQ, LSTM_INPUT, LSTM_HIDDEN = 32, 20, 32, 64
LSTM_SHAPES = [
    (4 * LSTM_HIDDEN, LSTM_INPUT),  # weight_ih_l0, gates i, f, g, o (PyTorch's order)
    (4 * LSTM_HIDDEN, LSTM_HIDDEN),  # weight_hh_l0
    (4 * LSTM_HIDDEN,),  # bias_ih_l0
    (4 * LSTM_HIDDEN,),  # bias_hh_l0
    (1, LSTM_HIDDEN),  # the Linear's weight
    (1,),  # and bias
]

CHAIN_OPS = [("mul", 2.0), ("add", 1.0), ("exp", 0.0), ("log", 0.0), ("add", -1.0), ("mul", 0.5)]
CHAIN_LENGTH, CHAIN_LENGTH_QUICK, CHAIN_LENGTH_CHECK = 100_000, 10_000, 60


def chain_ops(n: int) -> list[tuple[str, float]]:
    """The W6 chain: ``CHAIN_OPS`` repeated (each cycle maps y to itself, so values stay put)."""
    return [CHAIN_OPS[i % len(CHAIN_OPS)] for i in range(n)]


# --- data and initial weights (made once by the runner) --------------------------------------


def moons(n: int, rng: np.random.Generator, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``), labels as an (n, 1) column."""
    outer, inner = n // 2, n - n // 2
    angle_out, angle_in = np.linspace(0, np.pi, outer), np.linspace(0, np.pi, inner)
    x = np.concatenate(
        [
            np.stack([np.cos(angle_out), np.sin(angle_out)], axis=1),
            np.stack([1 - np.cos(angle_in), 0.5 - np.sin(angle_in)], axis=1),
        ]
    )
    y = np.concatenate([np.zeros(outer), np.ones(inner)])
    order = rng.permutation(n)
    x = x[order] + rng.normal(scale=noise, size=x.shape)
    return x, y[order][:, None]


def digits_train(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, str]:
    """The 1437 training digits (80% split), min-max scaled to [0, 1], and where they came from.

    Without scikit-learn: uniform random data and labels of the same shape.
    """
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        return rng.uniform(size=(1437, 64)), rng.integers(0, 10, size=1437), "synthetic"
    x, y = load_digits(return_X_y=True)
    x, _, y, _ = train_test_split(x, y, test_size=0.2, random_state=42)
    low, span = x.min(axis=0), np.ptp(x, axis=0)
    return (x - low) / np.where(span == 0, 1.0, span), y.astype(np.int64), "sklearn load_digits"


def linear_params(sizes: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """[W1, b1, W2, b2, ...] uniform in +-1/sqrt(fan_in) (PyTorch's Linear default), float32."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = 1 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, size=(fan_out, fan_in)))
        params.append(rng.uniform(-bound, bound, size=fan_out))
    return [p.astype(np.float32) for p in params]


def make_arrays(name: str, quick: bool, seed: int) -> tuple[dict[str, np.ndarray], str]:
    """The inputs of workload ``name`` (data, initial weights, order) and the data's source.

    Data and weights are rounded to float32 here, so the float64 check starts from the very
    numbers the float32 timing uses.
    """
    spec, rng = SPECS[name], np.random.default_rng(seed)
    if name in ("W9", "W10"):
        from benchmarks import crf, gpt

        arrays = (gpt if name == "W9" else crf).make_arrays(rng)
        return arrays, "random tokens" if name == "W9" else "normal scores"
    if spec.get("chain"):
        x = rng.uniform(0.5, 1.5, size=(2, 2)).astype(np.float32)
        n_ops = CHAIN_LENGTH_QUICK if quick else CHAIN_LENGTH
        arrays = {"x": x, "n_ops": np.array(n_ops), "n_check_ops": np.array(CHAIN_LENGTH_CHECK)}
        return arrays, f"{n_ops:,} ops"
    if name == "W7":
        x, y, source = digits_train(rng)
        pick = rng.permutation(len(x))[: spec["batch_size"]]
        x, y = x[pick].reshape(-1, 1, 8, 8), y[pick]
        fans = [9, 9, 16 * 9, 16 * 9, 32 * 2 * 2, 32 * 2 * 2]
        params = [
            rng.uniform(-1, 1, size=s) / np.sqrt(f) for s, f in zip(CNN_SHAPES, fans, strict=True)
        ]
    elif name == "W8":
        x = rng.standard_normal((LSTM_BATCH, LSTM_SEQ, LSTM_INPUT))
        y, source = rng.standard_normal((LSTM_BATCH, 1)), "normal"
        fans = [LSTM_HIDDEN] * 6  # PyTorch: +-1/sqrt(hidden) for the LSTM; Linear(64, 1) too
        params = [
            rng.uniform(-1, 1, size=s) / np.sqrt(f) for s, f in zip(LSTM_SHAPES, fans, strict=True)
        ]
    if name in ("W7", "W8"):
        arrays = {
            "x": x.astype(np.float32),
            "y": y if y.dtype.kind == "i" else y.astype(np.float32),
        }
        arrays.update({f"param{i}": p.astype(np.float32) for i, p in enumerate(params)})
        arrays["seed"] = np.array(seed)
        return arrays, source
    if name in ("W1", "W1u"):
        x, y, source = *moons(750, rng), "moons"
    elif name in ("W2", "W3"):
        x, y, source = digits_train(rng)
    else:
        x, y, source = rng.standard_normal((128, 784)), rng.integers(0, 10, size=128), "normal"
    arrays = {"x": x.astype(np.float32), "y": y if y.dtype.kind == "i" else y.astype(np.float32)}
    for i, p in enumerate(linear_params(spec["sizes"], rng)):
        arrays[f"param{i}"] = p
    arrays["order"] = rng.permutation(len(x))  # the check's minibatch order
    arrays["seed"] = np.array(seed)
    return arrays, source


# --- measurements shared by the implementations -----------------------------------------------


@functools.cache
def _statm() -> int:
    return os.open("/proc/self/statm", os.O_RDONLY)


def current_rss_mb() -> float | None:
    """The resident set size of this process now (Linux), in MB; None elsewhere.

    One file descriptor, kept open, read with ``pread``: opening a file object per reading
    made RSS creep up by a megabyte per W6 step (allocations in the middle of the graph's).
    """
    try:
        return int(os.pread(_statm(), 128, 0).split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, AttributeError, ValueError):
        return None


def peak_rss_mb() -> float:
    """The peak resident set size of this process so far, in MB.

    On Linux this is VmHWM, the peak of this process image: ``getrusage``'s ``ru_maxrss``
    carries over from the process that started us (Linux keeps the larger of the parent's peak
    and ours across fork and exec), so a worker started by a big runner would report the
    runner's peak. Elsewhere it is ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**10  # kB
    except OSError:
        pass
    return ru_maxrss_mb()


def ru_maxrss_mb() -> float:
    """``getrusage(RUSAGE_SELF).ru_maxrss`` in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, else KiB


class ChainStats:
    """Times of W6's forward and backward, and the RSS before, with the graph, after release.

    The numbers go into a preallocated array: a long-lived Python object made
    while the graph is alive would pin a pymalloc arena (1 MiB) per step, which would show up
    as memory the framework did not release.
    """

    FIELDS = ["forward_s", "backward_s", "rss_before_mb", "rss_graph_mb", "rss_after_mb"]

    def __init__(self) -> None:
        self.values = np.zeros((1000, len(self.FIELDS)))
        self.marks = np.zeros((4, 2))  # time and RSS at the start, after forward, ...
        self.steps = 0

    def mark(self, i: int) -> None:
        """Note the time and RSS at point i: 0 start, 1 forward done, 2 backward done, 3 freed."""
        self.marks[i] = time.perf_counter(), current_rss_mb() or np.nan
        if i == 3:
            if self.steps == len(self.values):
                self.values = np.concatenate([self.values, self.values])
            (t0, rss0), (t1, rss1), (t2, _), (_, rss3) = self.marks
            self.values[self.steps] = t1 - t0, t2 - t1, rss0, rss1, rss3
            self.steps += 1

    @property
    def records(self) -> list[dict[str, float | None]]:
        rows = self.values[: self.steps].tolist()
        return [
            {f: None if v != v else v for f, v in zip(self.FIELDS, row, strict=True)}
            for row in rows
        ]


# --- microtensor and PyTorch versions ---------------------------------------------------------


class FrameworkTraining:
    """One workload's training in ``lib`` (microtensor or torch), the PyTorch way."""

    def __init__(self, lib: Any, spec: dict[str, Any], arrays: dict[str, np.ndarray], dtype: str):
        nn = lib.nn
        layers = []
        n_layers = len(spec["sizes"]) - 1
        for i in range(n_layers):
            linear = nn.Linear(spec["sizes"][i], spec["sizes"][i + 1])
            linear.weight = nn.Parameter(lib.tensor(arrays[f"param{2 * i}"].astype(dtype)))
            linear.bias = nn.Parameter(lib.tensor(arrays[f"param{2 * i + 1}"].astype(dtype)))
            layers.append(linear)
            if i < n_layers - 1 or spec["output_activation"]:
                layers.append(nn.Sigmoid() if spec["activation"] == "sigmoid" else nn.ReLU())
        self.model = nn.Sequential(*layers)
        if spec["loss"] == "squared_error":
            self.loss_fn = lambda out, y: nn.functional.mse_loss(out, y, reduction="sum") / 2
        elif spec["loss"] == "composed_squared_error":
            self.loss_fn = lambda out, y: ((out - y) ** 2).sum() / 2
        else:
            self.loss_fn = nn.CrossEntropyLoss()
        optim = lib.optim.Adam if spec["optimizer"] == "adam" else lib.optim.SGD
        self.optimizer = optim(self.model.parameters(), lr=spec["lr"])
        self.x = lib.tensor(arrays["x"].astype(dtype))
        y = arrays["y"]
        self.y = lib.tensor(y if y.dtype.kind == "i" else y.astype(dtype))
        self.loader = self.check_loader = None
        if spec.get("batch_size"):
            data = lib.utils.data
            dataset = data.TensorDataset(self.x, self.y)
            generator = lib.Generator().manual_seed(int(arrays["seed"]))
            self.loader = data.DataLoader(
                dataset, batch_size=spec["batch_size"], shuffle=True, generator=generator
            )
            order = arrays["order"].tolist()
            self.check_loader = data.DataLoader(
                dataset, batch_size=spec["batch_size"], sampler=order
            )

    def train_step(self, x: Any, y: Any) -> Any:
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return loss

    def step(self) -> None:
        if self.loader is None:
            self.train_step(self.x, self.y)
            return
        for xb, yb in self.loader:
            self.train_step(xb, yb)

    def check(self, steps: int) -> tuple[list[float], list[np.ndarray]]:
        if self.check_loader is None:
            losses = [self.train_step(self.x, self.y).item() for _ in range(steps)]
        else:
            batches = iter(self.check_loader)
            losses = [self.train_step(*next(batches)).item() for _ in range(steps)]
        return losses, [p.detach().numpy().copy() for p in self.model.parameters()]


class FrameworkModel:
    """W7's CNN or W8's LSTM in ``lib``: one fixed batch, Adam; one step = one update."""

    def __init__(self, lib: Any, spec: dict[str, Any], arrays: dict[str, np.ndarray], dtype: str):
        nn = lib.nn
        if spec["model"] == "cnn":
            self.model = nn.Sequential(
                nn.Conv2d(1, 16, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(16, 32, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Flatten(),
                nn.Linear(32 * 2 * 2, 10),
            )
            self.forward = self.model
            self.loss_fn = nn.CrossEntropyLoss()
        else:
            self.lstm = nn.LSTM(LSTM_INPUT, LSTM_HIDDEN, batch_first=True)
            self.head = nn.Linear(LSTM_HIDDEN, 1)
            self.model = nn.ModuleList([self.lstm, self.head])
            self.forward = lambda x: self.head(self.lstm(x)[0][:, -1])
            self.loss_fn = nn.MSELoss()
        self.model.to(getattr(lib, dtype))
        params = list(self.model.parameters())
        assert len(params) == spec["n_params"]
        with lib.no_grad():
            for i, p in enumerate(params):
                p.copy_(lib.tensor(arrays[f"param{i}"].astype(dtype)))
        self.optimizer = lib.optim.Adam(params, lr=spec["lr"])
        self.x = lib.tensor(arrays["x"].astype(dtype))
        y = arrays["y"]
        self.y = lib.tensor(y if y.dtype.kind == "i" else y.astype(dtype))

    def train_step(self) -> Any:
        self.optimizer.zero_grad()
        loss = self.loss_fn(self.forward(self.x), self.y)
        loss.backward()
        self.optimizer.step()
        return loss

    def step(self) -> None:
        self.train_step()

    def check(self, steps: int) -> tuple[list[float], list[np.ndarray]]:
        losses = [self.train_step().item() for _ in range(steps)]
        return losses, [p.detach().numpy().copy() for p in self.model.parameters()]


def framework_chain(y: Any, ops: list[tuple[str, float]]) -> Any:
    for name, c in ops:
        if name == "mul":
            y = y * c
        elif name == "add":
            y = y + c
        elif name == "exp":
            y = y.exp()
        else:
            y = y.log()
    return y


class FrameworkChain:
    """W6 in ``lib``: the chain on a leaf that requires grad, then ``y.sum().backward()``."""

    def __init__(self, lib: Any, spec: dict[str, Any], arrays: dict[str, np.ndarray], dtype: str):
        self.x = lib.tensor(arrays["x"].astype(dtype), requires_grad=True)
        self.ops = chain_ops(int(arrays["n_ops"]))
        self.check_ops = chain_ops(int(arrays["n_check_ops"]))
        self.stats = ChainStats()

    def step(self) -> None:
        self.stats.mark(0)
        self._forward_backward()
        self.stats.mark(3)

    def _forward_backward(self) -> None:
        self.x.grad = None
        y = framework_chain(self.x, self.ops)
        self.stats.mark(1)
        y.sum().backward()
        self.stats.mark(2)

    def check(self, steps: int) -> tuple[list[float], list[np.ndarray]]:
        self.x.grad = None
        y = framework_chain(self.x, self.check_ops)
        y.sum().backward()
        return [y.sum().item()], [y.detach().numpy().copy(), self.x.grad.numpy().copy()]


# --- the worker -------------------------------------------------------------------------------


def build(impl: str, name: str, arrays: dict[str, np.ndarray], dtype: str, threads: int) -> Any:
    """Workload ``name`` of implementation ``impl``: an object with ``step()`` and ``check(n)``."""
    spec = SPECS[name]
    if impl == "numpy" and spec.get("model") == "cnn":
        from benchmarks import numpy_cnn

        return numpy_cnn.CNNTraining(spec, arrays, dtype)
    if impl == "numpy":
        from benchmarks import numpy_impl

        return (numpy_impl.Chain if spec.get("chain") else numpy_impl.Training)(spec, arrays, dtype)
    lib = importlib.import_module(impl)
    if impl == "torch" and not spec.get("torch_default_threads"):
        lib.set_num_threads(threads)
    if spec.get("model") in ("gpt", "crf"):
        from benchmarks import crf, gpt

        return (gpt.GPTTraining if spec["model"] == "gpt" else crf.CRFStep)(
            lib, spec, arrays, dtype
        )
    if spec.get("model"):
        return FrameworkModel(lib, spec, arrays, dtype)
    return (FrameworkChain if spec.get("chain") else FrameworkTraining)(lib, spec, arrays, dtype)
