import pytest
import torch

import microtensor as mt


def test_script_and_trace_return_what_they_were_given():
    model = mt.nn.Linear(2, 1)
    assert mt.jit.script(model) is model
    assert mt.jit.trace(model, mt.ones(1, 2)) is model

    @mt.jit.script
    def double(x):
        return 2 * x

    assert double(mt.ones(1)).item() == 2.0


def test_decorators_keep_methods_working():
    class Net(mt.nn.Module):
        @mt.jit.ignore
        def helper(self, x):
            return x + 1

        @mt.jit.ignore(drop=True)
        def dropped(self, x):
            return x

        @mt.jit.unused
        def unused(self, x):
            return x * 3

        @mt.jit.export
        def forward(self, x):
            return self.unused(self.helper(x))

    assert Net()(mt.ones(1)).item() == 6.0
    assert not mt.jit.is_scripting() and not mt.jit.is_tracing()
    assert not torch.jit.is_scripting()
    assert mt.jit.annotate(list[int], [1]) == [1]
    assert mt.jit.isinstance([1, 2], list[int]) and not mt.jit.isinstance(1, list[int])
    assert mt.jit.wait(mt.jit.fork(lambda a: a + 1, 1)) == 2
    assert mt.jit.Attribute(3, int) == 3


@pytest.mark.parametrize("name", ["save", "load", "freeze"])
def test_torchscript_programs_raise_with_the_alternative(name, tmp_path):
    with pytest.raises(RuntimeError, match="microtensor.save\\(model.state_dict\\(\\), path\\)"):
        getattr(mt.jit, name)(
            *([mt.nn.Linear(1, 1), tmp_path / "m.pt"] if name == "save" else [tmp_path / "m.pt"])
        )
