"""``utils.hooks.RemovableHandle`` at PyTorch's import path."""

import microtensor as mt
from microtensor.utils.hooks import RemovableHandle


def test_the_handles_of_modules_and_tensors_are_utils_hooks_removable_handles():
    model = mt.nn.Linear(2, 2)
    calls = []
    handle = model.register_forward_hook(lambda *args: calls.append(1))
    assert isinstance(handle, RemovableHandle) and mt.utils.hooks.RemovableHandle is RemovableHandle
    with handle:  # a context manager that removes the hook on exit, as torch's
        model(mt.ones(1, 2))
    model(mt.ones(1, 2))
    assert calls == [1]
    w = mt.ones(2, requires_grad=True)
    assert isinstance(w.register_post_accumulate_grad_hook(lambda t: None), RemovableHandle)
