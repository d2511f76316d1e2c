"""APIs modern programs call (added in session 31), compared with torch's answers.

Each program is one idiom from current code: an EMA with ``torch._foreach_lerp_``,
``model.compile()``, ``copy_(src, non_blocking=True)``, an AMP-ready ``autograd.Function``
(``torch.amp.custom_fwd/custom_bwd``), walking the graph with ``autograd.graph.Node``, a model
built under ``with torch.device(...)`` and inductor flags set before ``torch.compile``, and
``torch.autograd.gradcheck`` staying a function after its module is imported.
"""

import torch

import microtensor as mt
from tests.programs.agreement import assert_same_record


def foreach(torch):
    out = []
    # foreach EMA utilities
    a = [torch.ones(3), torch.zeros(2)]
    b = [torch.full((3,), 2.0), torch.ones(2)]
    torch._foreach_mul_(a, 0.9)
    torch._foreach_add_(a, b, alpha=0.1)
    out.append([t.tolist() for t in a])
    out.append([t.tolist() for t in torch._foreach_norm(b)])
    ep = [torch.zeros(2)]
    torch._foreach_lerp_(ep, [torch.ones(2)], 0.25)
    out.append(ep[0].tolist())
    return out


def test_foreach_functions_for_ema():
    assert_same_record(foreach(mt), foreach(torch))


def module_compile(torch):
    """``model.compile()`` (torch >= 2.2) compiles in place: class and state_dict keys stay."""
    torch.manual_seed(12)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    model.compile()
    x = torch.randn(5, 3)
    loss = model(x).pow(2).mean()
    loss.backward()
    return [
        type(model).__name__,
        list(model.state_dict()),
        loss.item(),
        model[0].weight.grad.tolist(),
    ]


def test_module_compile_in_place():
    assert_same_record(module_compile(mt), module_compile(torch))


def copy_into_buffers(torch):
    """A prefetcher/EMA copies into preallocated buffers with ``non_blocking=True``."""
    torch.manual_seed(13)
    model = torch.nn.Linear(3, 2)
    shadow = {k: torch.empty_like(v) for k, v in model.state_dict().items()}
    for k, v in model.state_dict().items():
        shadow[k].copy_(v, non_blocking=True)
    staged = torch.empty(4, 3)
    staged.copy_(torch.randn(4, 3), non_blocking=False)
    return [shadow["weight"].tolist(), shadow["bias"].tolist(), model(staged).tolist()]


def test_copy_with_non_blocking():
    assert_same_record(copy_into_buffers(mt), copy_into_buffers(torch))


def amp_custom_function(torch):
    """A fused-op autograd.Function written for AMP (``torch.amp.custom_fwd/custom_bwd``)."""

    class ScaledSquare(torch.autograd.Function):
        @staticmethod
        @torch.amp.custom_fwd(device_type="cuda", cast_inputs=torch.float32)
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x * x * scale

        @staticmethod
        @torch.amp.custom_bwd(device_type="cuda")
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x * ctx.scale, None

    torch.manual_seed(14)
    lin = torch.nn.Linear(3, 3)
    opt = torch.optim.SGD(lin.parameters(), lr=0.05)
    x = torch.randn(4, 3)
    out = []
    for _ in range(3):
        opt.zero_grad()
        loss = ScaledSquare.apply(lin(x), 0.5).mean()
        loss.backward()
        opt.step()
        out.append(loss.item())
    out.append(lin.weight.tolist())
    return out


def test_amp_custom_fwd_and_bwd():
    assert_same_record(amp_custom_function(mt), amp_custom_function(torch))


def graph_walk(torch):
    """A test walks the autograd graph and checks node types with ``autograd.graph.Node``."""
    torch.manual_seed(15)
    x = torch.randn(3, requires_grad=True)
    loss = (x.exp() * 2).sum()
    names, node, seen = [], loss.grad_fn, 0
    while node is not None and seen < 10:
        names.append((type(node).__name__, isinstance(node, torch.autograd.graph.Node)))
        node = node.next_functions[0][0] if node.next_functions else None
        seen += 1
    return names


def test_graph_nodes_are_autograd_graph_nodes():
    assert_same_record(graph_walk(mt), graph_walk(torch))


def built_under_a_device(torch):
    """gpt-fast/torchtune style: build the model and its caches under ``with torch.device``."""
    torch.manual_seed(16)
    with torch.device("cpu"):
        model = torch.nn.Sequential(torch.nn.Embedding(10, 4), torch.nn.Linear(4, 10))
        cache = torch.zeros(2, 5, 4)
    tokens = torch.tensor([[1, 2, 3], [4, 5, 6]])
    logits = model(tokens)
    cache[:, :3] = model[0](tokens)
    return [str(logits.device), str(cache.device), logits.sum().item(), cache.sum().item()]


def test_model_built_under_with_device():
    assert_same_record(built_under_a_device(mt), built_under_a_device(torch))


def inductor_flags(torch):
    """Training scripts set inductor flags before ``torch.compile`` (nanoGPT speedruns)."""
    from importlib import import_module

    config = import_module(torch.__name__ + "._inductor.config")
    config.coordinate_descent_tuning = True
    config.triton.unique_kernel_names = True
    model = torch.compile(torch.nn.Linear(2, 1), backend="eager")
    torch.manual_seed(17)
    return [config.coordinate_descent_tuning, model(torch.ones(3, 2)).shape == (3, 1)]


def test_inductor_config_flags_are_accepted():
    assert_same_record(inductor_flags(mt), inductor_flags(torch))


_SUITE_THAT_IMPORTS_THE_MODULE = """
import {lib} as torch
from {lib}.autograd.gradcheck import GradcheckError  # noqa: F401 - the module's first import
x = torch.randn(3, dtype=torch.float64, requires_grad=True)
print(callable(torch.autograd.gradcheck), torch.autograd.gradcheck(torch.sin, (x,)))
"""


def _run_fresh(lib: str) -> str:
    """The program's output in a fresh interpreter (the gap shows on a module's first import)."""
    import subprocess
    import sys

    code = _SUITE_THAT_IMPORTS_THE_MODULE.format(lib=lib)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    return done.stdout.strip() or done.stderr.strip().splitlines()[-1]


def test_gradcheck_stays_a_function_after_its_module_is_imported():
    assert _run_fresh("microtensor") == _run_fresh("torch") == "True True"
