"""The graph looks like torch's: node names per overload, and next_functions edge by edge.

Each case runs the same call in both libraries and compares what a user printing or walking
the graph sees: ``type(y.grad_fn).__name__``, ``y.grad_fn.name()``, the repr, and the names
and output numbers of ``next_functions``.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

import microtensor as mt


@functools.cache
def make_inputs(lib):
    """The same small tensors in ``lib`` (torch or microtensor); float ones require grad.

    Shared by the cases: each builds its own graph on these leaves and none runs backward.
    """
    rng = np.random.default_rng(0)

    def leaf(*shape, low=None):
        data = rng.uniform(0.1, 0.9, shape) if low else rng.standard_normal(shape)
        return lib.tensor(data, dtype=lib.float32, requires_grad=True)

    return {
        "x": leaf(3, 4), "y": leaf(3, 4), "p": leaf(3, 4, low=True), "v": leaf(4), "w": leaf(4),
        "m": leaf(4, 5), "b3": leaf(2, 3, 4), "b3b": leaf(2, 4, 5), "x1": leaf(1, 3, 4),
        "img": leaf(2, 3, 6, 6), "ker": leaf(4, 3, 3, 3), "kb": leaf(4), "W": leaf(5, 4),
        "bias": leaf(5), "emb": leaf(10, 4), "ln": leaf(4), "ch": leaf(3),
        "c": lib.tensor(rng.standard_normal((3, 4)), dtype=lib.float32),
        "mask": lib.tensor(rng.uniform(size=(3, 4)) > 0.5),
        "idx": lib.tensor([0, 2]), "tgt": lib.tensor([1, 0, 3]), "ids": lib.tensor([[1, 2], [3, 4]]),
        "probs": lib.tensor(rng.uniform(size=(3, 4)), dtype=lib.float32),
    }  # fmt: skip


# label -> fn(lib, F, t): the call whose grad_fn is compared
CASES = {
    # arithmetic: the Python operators and their overloads
    "x + y": lambda L, F, t: t["x"] + t["y"],
    "x + 1": lambda L, F, t: t["x"] + 1,
    "1 + x": lambda L, F, t: 1 + t["x"],
    "x - 1": lambda L, F, t: t["x"] - 1,
    "1 - x": lambda L, F, t: 1 - t["x"],
    "x * 2": lambda L, F, t: t["x"] * 2,
    "2 * x": lambda L, F, t: 2 * t["x"],
    "x * c": lambda L, F, t: t["x"] * t["c"],
    "x / 2": lambda L, F, t: t["x"] / 2,
    "2 / x": lambda L, F, t: 2 / t["x"],
    "-x": lambda L, F, t: -t["x"],
    "x ** 2": lambda L, F, t: t["x"] ** 2,
    "x ** y": lambda L, F, t: t["p"] ** t["y"],
    "2 ** x": lambda L, F, t: 2 ** t["x"],
    "square": lambda L, F, t: t["x"].square(),
    "div floor": lambda L, F, t: t["x"].div(t["y"], rounding_mode="floor"),
    "x % 2": lambda L, F, t: t["x"] % 2,
    # pointwise
    "exp": lambda L, F, t: t["x"].exp(),
    "log1p": lambda L, F, t: t["p"].log1p(),
    "sigmoid": lambda L, F, t: t["x"].sigmoid(),
    "relu": lambda L, F, t: t["x"].relu(),
    "clamp(0, 1)": lambda L, F, t: t["x"].clamp(0, 1),
    "clamp(min=0)": lambda L, F, t: t["x"].clamp(min=0),
    "clip(0, 1)": lambda L, F, t: t["x"].clip(0, 1),
    "clamp(T, T)": lambda L, F, t: t["x"].clamp(t["c"], t["c"] + 1),
    "clamp(min=T)": lambda L, F, t: t["x"].clamp(min=t["y"]),
    "clamp_min(0)": lambda L, F, t: t["x"].clamp_min(0),
    "clamp_min(T)": lambda L, F, t: t["x"].clamp_min(t["y"]),
    "clamp_max(0)": lambda L, F, t: t["x"].clamp_max(0),
    "clamp_max(T)": lambda L, F, t: t["x"].clamp_max(t["y"]),
    "where": lambda L, F, t: L.where(t["mask"], t["x"], t["y"]),
    "where(c, x, 0)": lambda L, F, t: L.where(t["mask"], t["x"], 0.0),
    "masked_fill(m, 0)": lambda L, F, t: t["x"].masked_fill(t["mask"], 0.0),
    "masked_fill(m, T)": lambda L, F, t: t["x"].masked_fill(t["mask"], L.tensor(0.0)),
    "maximum": lambda L, F, t: L.maximum(t["x"], t["y"]),
    "double()": lambda L, F, t: t["x"].double(),
    "clone": lambda L, F, t: t["x"].clone(),
    "t().contiguous()": lambda L, F, t: t["x"].t().contiguous(),
    # reductions, with and without dim
    "sum()": lambda L, F, t: t["x"].sum(),
    "sum(1)": lambda L, F, t: t["x"].sum(1),
    "sum((0, 1))": lambda L, F, t: t["x"].sum((0, 1)),
    "mean()": lambda L, F, t: t["x"].mean(),
    "mean(0)": lambda L, F, t: t["x"].mean(0),
    "prod()": lambda L, F, t: t["x"].prod(),
    "prod(1)": lambda L, F, t: t["x"].prod(1),
    "max()": lambda L, F, t: t["x"].max(),
    "max(0)[0]": lambda L, F, t: t["x"].max(0)[0],
    "min()": lambda L, F, t: t["x"].min(),
    "min(1).values": lambda L, F, t: t["x"].min(1).values,
    "amax(1)": lambda L, F, t: t["x"].amax(1),
    "amin(1)": lambda L, F, t: t["x"].amin(1),
    "std(1)": lambda L, F, t: t["x"].std(1),
    "norm()": lambda L, F, t: t["x"].norm(),
    "norm(dim=1)": lambda L, F, t: t["x"].norm(dim=1),
    "linalg.vector_norm": lambda L, F, t: L.linalg.vector_norm(t["x"], 1),
    "logsumexp(1)": lambda L, F, t: t["x"].logsumexp(1),
    "cumsum(1)": lambda L, F, t: t["x"].cumsum(1),
    "cumprod(1)": lambda L, F, t: t["x"].cumprod(1),
    "median(1)[0]": lambda L, F, t: t["x"].median(1)[0],
    "nanmedian(1)[0]": lambda L, F, t: t["x"].nanmedian(1)[0],
    "nansum()": lambda L, F, t: t["x"].nansum(),
    "cummax(1)": lambda L, F, t: t["x"].cummax(1).values,
    "logcumsumexp(1)": lambda L, F, t: t["x"].logcumsumexp(1),
    "logaddexp": lambda L, F, t: L.logaddexp(t["x"], t["y"]),
    "xlogy": lambda L, F, t: L.xlogy(t["x"], t["p"]),
    "lerp(y, 0.5)": lambda L, F, t: t["x"].lerp(t["y"], 0.5),
    "lerp(y, T)": lambda L, F, t: t["x"].lerp(t["y"], t["p"]),
    # shape
    "reshape(12)": lambda L, F, t: t["x"].reshape(12),
    "t().reshape(12)": lambda L, F, t: t["x"].t().reshape(12),
    "x[:, ::2].reshape(-1)": lambda L, F, t: t["b3"][:, :, ::2].reshape(-1),
    "view(-1, 2)": lambda L, F, t: t["x"].view(-1, 2),
    "flatten()": lambda L, F, t: t["x"].flatten(),
    "flatten(1)": lambda L, F, t: t["b3"].flatten(1),
    "unflatten": lambda L, F, t: t["x"].unflatten(1, (2, 2)),
    "t()": lambda L, F, t: t["x"].t(),
    "transpose(0, 1)": lambda L, F, t: t["x"].transpose(0, 1),
    "mT": lambda L, F, t: t["b3"].mT,
    "permute": lambda L, F, t: t["b3"].permute(2, 0, 1),
    "squeeze()": lambda L, F, t: t["x1"].squeeze(),
    "squeeze(0)": lambda L, F, t: t["x1"].squeeze(0),
    "squeeze((0, 1))": lambda L, F, t: t["x1"].squeeze((0, 1)),
    "unsqueeze(0)": lambda L, F, t: t["x"].unsqueeze(0),
    "expand": lambda L, F, t: t["v"].expand(3, 4),
    "narrow": lambda L, F, t: t["x"].narrow(1, 0, 2),
    "F.pad": lambda L, F, t: F.pad(t["x"], (1, 1)),
    "cat": lambda L, F, t: L.cat([t["x"], t["c"], t["y"]]),
    "repeat_interleave(2)": lambda L, F, t: t["x"].repeat_interleave(2, dim=0),
    "split(2)": lambda L, F, t: t["x"].split(2)[1],
    "split([1, 2])": lambda L, F, t: t["x"].split([1, 2])[1],
    "repeat_interleave(T)": lambda L, F, t: t["v"].repeat_interleave(L.tensor([1, 0, 2, 1])),
    # indexing: torch's last step names the node
    "x[0]": lambda L, F, t: t["x"][0],
    "x[-1]": lambda L, F, t: t["x"][-1],
    "x[0, 1]": lambda L, F, t: t["x"][0, 1],
    "x[1:]": lambda L, F, t: t["x"][1:],
    "x[:]": lambda L, F, t: t["x"][:],
    "x[:, 1:]": lambda L, F, t: t["x"][:, 1:],
    "x[0, 1:]": lambda L, F, t: t["x"][0, 1:],
    "x[1:, 0]": lambda L, F, t: t["x"][1:, 0],
    "x[..., 0]": lambda L, F, t: t["x"][..., 0],
    "x[:, 0:4]": lambda L, F, t: t["x"][:, 0:4],
    "x[...]": lambda L, F, t: t["x"][...],
    "x[None]": lambda L, F, t: t["x"][None],
    "x[0, None]": lambda L, F, t: t["x"][0, None],
    "x[None, 0]": lambda L, F, t: t["x"][None, 0],
    "x[[0, 1]]": lambda L, F, t: t["x"][[0, 1]],
    "x[idx]": lambda L, F, t: t["x"][t["idx"]],
    "x[mask]": lambda L, F, t: t["x"][t["mask"]],
    "x[:, idx]": lambda L, F, t: t["x"][:, t["idx"]],
    "x[tensor(1)]": lambda L, F, t: t["x"][L.tensor(1)],
    "select": lambda L, F, t: t["x"].select(1, 2),
    "index_select": lambda L, F, t: t["x"].index_select(0, t["idx"]),
    "gather": lambda L, F, t: t["x"].gather(1, t["idx"].expand(3, 2)),
    "scatter(src)": lambda L, F, t: t["x"].scatter(1, t["idx"].expand(3, 2), t["y"]),
    "scatter(value)": lambda L, F, t: t["x"].scatter(1, t["idx"].expand(3, 2), 0.5),
    # matrix products
    "x @ m": lambda L, F, t: t["x"] @ t["m"],
    "v @ w": lambda L, F, t: t["v"] @ t["w"],
    "x @ v": lambda L, F, t: t["x"] @ t["v"],
    "v @ m": lambda L, F, t: t["v"] @ t["m"],
    "b3 @ b3b": lambda L, F, t: t["b3"] @ t["b3b"],
    "b3 @ m": lambda L, F, t: t["b3"] @ t["m"],
    "x @ b3b": lambda L, F, t: t["x"] @ t["b3b"],
    "mm": lambda L, F, t: t["x"].mm(t["m"]),
    "bmm": lambda L, F, t: L.bmm(t["b3"], t["b3b"]),
    "mv": lambda L, F, t: t["x"].mv(t["v"]),
    "dot": lambda L, F, t: t["v"].dot(t["w"]),
    "outer": lambda L, F, t: L.outer(t["v"], t["w"]),
    "cdist": lambda L, F, t: L.cdist(t["x"], t["y"]),
    "addmm": lambda L, F, t: L.addmm(t["bias"], t["x"], t["W"].t(), beta=0.5),
    "addmv": lambda L, F, t: L.addmv(t["x"][:, 0], t["x"], t["v"]),
    "baddbmm": lambda L, F, t: L.baddbmm(t["b3"] @ t["b3b"], t["b3"], t["b3b"]),
    # nn.functional
    "linear 2-D": lambda L, F, t: F.linear(t["x"], t["W"], t["bias"]),
    "linear 2-D no bias": lambda L, F, t: F.linear(t["x"], t["W"]),
    "linear 3-D": lambda L, F, t: F.linear(t["b3"], t["W"], t["bias"]),
    "linear 3-D no bias": lambda L, F, t: F.linear(t["b3"], t["W"]),
    "linear 1-D": lambda L, F, t: F.linear(t["v"], t["W"], t["bias"]),
    "linear 1-D no bias": lambda L, F, t: F.linear(t["v"], t["W"]),
    "conv2d": lambda L, F, t: F.conv2d(t["img"], t["ker"], t["kb"]),
    "conv2d no bias": lambda L, F, t: F.conv2d(t["img"], t["ker"]),
    "gelu": lambda L, F, t: F.gelu(t["x"]),
    "elu": lambda L, F, t: F.elu(t["x"]),
    "celu": lambda L, F, t: F.celu(t["x"]),
    "softsign": lambda L, F, t: F.softsign(t["x"]),
    "softmax": lambda L, F, t: F.softmax(t["x"], dim=1),
    "log_softmax": lambda L, F, t: F.log_softmax(t["x"], dim=1),
    "cross_entropy": lambda L, F, t: F.cross_entropy(t["x"], t["tgt"]),
    "cross_entropy smoothed": lambda L, F, t: F.cross_entropy(t["x"], t["tgt"], label_smoothing=0.1),
    "cross_entropy 4-D": lambda L, F, t: F.cross_entropy(t["img"], t["ids"][None].expand(2, 2, 2).repeat(1, 3, 3) % 3),
    "nll_loss": lambda L, F, t: F.nll_loss(t["x"], t["tgt"]),
    "mse_loss": lambda L, F, t: F.mse_loss(t["x"], t["y"]),
    "binary_cross_entropy": lambda L, F, t: F.binary_cross_entropy(t["p"], t["probs"]),
    "bce_with_logits": lambda L, F, t: F.binary_cross_entropy_with_logits(t["x"], t["probs"]),
    "dropout": lambda L, F, t: F.dropout(t["x"], 0.5),
    "layer_norm": lambda L, F, t: F.layer_norm(t["x"], (4,), t["ln"], t["ln"]),
    "batch_norm": lambda L, F, t: F.batch_norm(t["img"], None, None, t["ch"], t["ch"], training=True),
    "batch_norm eval": lambda L, F, t: F.batch_norm(t["img"], L.zeros(3), L.ones(3), training=False),
    "embedding": lambda L, F, t: F.embedding(t["ids"], t["emb"]),
    "max_pool1d": lambda L, F, t: F.max_pool1d(t["b3"], 2),
    "max_pool2d": lambda L, F, t: F.max_pool2d(t["img"], 2),
    "max_pool3d": lambda L, F, t: F.max_pool3d(t["img"][None], 2),
    "avg_pool1d": lambda L, F, t: F.avg_pool1d(t["b3"], 2),
    "avg_pool2d": lambda L, F, t: F.avg_pool2d(t["img"], 2),
    "avg_pool3d": lambda L, F, t: F.avg_pool3d(t["img"][None], 2),
}  # fmt: skip


def grad_fn_of(lib, label):
    out = CASES[label](lib, lib.nn.functional, make_inputs(lib))
    assert out.grad_fn is not None, label
    return out.grad_fn


@pytest.mark.parametrize("label", list(CASES))
def test_node_name_is_torchs(label):
    expected = grad_fn_of(torch, label).name()
    node = grad_fn_of(mt, label)
    assert (type(node).__name__, node.name()) == (expected, expected)
    assert repr(node) == f"<{expected} object at {id(node):#x}>"


def edges(node):
    """``next_functions`` as (name or None, output_nr) pairs."""
    return [(None if n is None else n.name(), nr) for n, nr in node.next_functions]


# Graphs whose next_functions torch lists edge for edge (numbers wrapped as tensors in x * 2,
# none for options such as dim or for masks, conditions and class targets)
EDGE_CASES = [
    "x + y", "x + 1", "1 + x", "1 - x", "x * 2", "2 * x", "x * c", "x / 2", "2 / x", "x ** 2",
    "x ** y", "2 ** x", "clamp(0, 1)", "clamp(T, T)", "clamp(min=T)", "clamp_min(T)",
    "clamp_max(T)", "where", "where(c, x, 0)", "masked_fill(m, 0)", "masked_fill(m, T)",
    "lerp(y, 0.5)", "lerp(y, T)", "sum()", "sum(1)", "max(0)[0]", "norm(dim=1)", "reshape(12)",
    "t()", "x[0]", "x[mask]", "x[:, idx]", "gather", "scatter(value)", "split([1, 2])", "cat",
    "x @ m", "conv2d no bias", "log_softmax", "nll_loss", "mse_loss", "binary_cross_entropy",
    "layer_norm", "batch_norm eval", "embedding", "max_pool2d",
]  # fmt: skip


@pytest.mark.parametrize("label", EDGE_CASES)
def test_next_functions_are_torchs(label):
    assert edges(grad_fn_of(mt, label)) == edges(grad_fn_of(torch, label))


def test_next_functions_walk_to_the_leaves_as_torchs():
    graphs = []
    for lib in (torch, mt):
        x = lib.ones(2, 3, requires_grad=True)
        loss = (1 - (x * 2).exp()[0]).sum(0).mean()
        chain, node = [], loss.grad_fn
        while node is not None:
            chain.append(edges(node))
            node = node.next_functions[0][0] if node.next_functions else None
        graphs.append(chain)
        assert loss.grad_fn.next_functions[0][0].next_functions[0][0].name() == "RsubBackward1"
    assert graphs[1] == graphs[0]
    leaf = mt.ones(2, requires_grad=True)
    accumulate = (leaf * 2).grad_fn.next_functions[0][0]
    assert accumulate.variable is leaf and type(accumulate).__name__ == "AccumulateGrad"
    assert repr(accumulate) == f"<AccumulateGrad object at {id(accumulate):#x}>"
    torch_accumulate = (torch.ones(2, requires_grad=True) * 2).grad_fn.next_functions[0][0]
    assert accumulate.name() == torch_accumulate.name()
    assert repr(torch_accumulate).startswith("<AccumulateGrad object at 0x")


def scale_and_add(lib):
    class ScaleAdd(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, k, b, label):
            ctx.k = k
            return a * k + b

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.k, None, grad, None

    return ScaleAdd


@pytest.mark.parametrize("b_requires_grad", [True, False])
def test_a_custom_functions_next_functions_skip_its_non_tensor_arguments(b_requires_grad):
    found = []
    for lib in (torch, mt):
        a = lib.ones(3, requires_grad=True)
        b = lib.ones(3, requires_grad=b_requires_grad)
        y = scale_and_add(lib).apply(a, 2.0, b, "label")
        found.append((y.grad_fn.name(), edges(y.grad_fn)))
        y.sum().backward()
        assert a.grad.tolist() == [2.0, 2.0, 2.0]
    assert found[1] == found[0]


def test_batch_norm_in_evaluation_is_one_node_with_torchs_gradients():
    rng = np.random.default_rng(2)
    x, w, b, g = (rng.standard_normal(s) for s in ((4, 3, 2, 2), (3,), (3,), (4, 3, 2, 2)))
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2.0, 3)
    results = []
    for lib in (torch, mt):
        leaves = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in (x, w, b)]
        stats = lib.tensor(mean), lib.tensor(var)
        y = lib.nn.functional.batch_norm(leaves[0], *stats, leaves[1], leaves[2])
        y.backward(lib.tensor(g))
        results.append([y.detach().numpy()] + [t.grad.numpy() for t in leaves])
    for ours, torchs in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(ours, torchs, rtol=1e-12, atol=1e-12)

    def fn(x, w, b):
        return mt.nn.functional.batch_norm(x, mt.tensor(mean), mt.tensor(var), w, b)

    leaves = [mt.tensor(a, dtype=mt.float64, requires_grad=True) for a in (x, w, b)]
    assert mt.autograd.gradcheck(fn, leaves) and mt.autograd.gradgradcheck(fn, leaves)
