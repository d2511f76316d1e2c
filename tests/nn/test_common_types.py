"""microtensor.nn.common_types has torch's aliases, each the same union over microtensor's Tensor."""

import torch.nn.common_types as torch_types

import microtensor.nn.common_types as types


def _aliases(module):
    return {n for n in vars(module) if n.startswith("_") and n.endswith("_t")}


def test_every_torch_alias_exists_with_the_same_shape():
    assert _aliases(types) == _aliases(torch_types)
    for name in _aliases(torch_types):
        ours = repr(getattr(types, name)).replace("microtensor.tensor.Tensor", "Tensor")
        theirs = repr(getattr(torch_types, name)).replace("torch.Tensor", "Tensor")
        assert ours == theirs, name


def test_aliases_annotate_and_accept_values():
    def conv(kernel_size: types._size_2_t) -> tuple[int, int]:
        return (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size

    assert conv(3) == (3, 3) and conv((1, 2)) == (1, 2)
    assert conv.__annotations__["kernel_size"] == types._size_2_t
    assert types._size_2_t.__args__ == (int, tuple[int, int])
