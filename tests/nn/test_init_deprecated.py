"""nn.init's deprecated names without the underscore: torch's FutureWarning, then the same fill."""

import warnings

import numpy as np
import pytest
import torch

import microtensor as mt

# (deprecated name, shape, extra arguments)
DEPRECATED = [
    ("uniform", (3, 4), (-0.5, 0.5)),
    ("normal", (3, 4), (0.0, 2.0)),
    ("constant", (3, 4), (0.25,)),
    ("eye", (3, 4), ()),
    ("dirac", (2, 2, 3), ()),
    ("xavier_uniform", (3, 4), ()),
    ("xavier_normal", (3, 4), (1.5,)),
    ("kaiming_uniform", (3, 4), ()),
    ("kaiming_normal", (3, 4), ()),
    ("orthogonal", (3, 4), ()),
    ("sparse", (6, 4), (0.5,)),
]


def warning_of(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    assert len(caught) == 1
    return result, caught[0]


@pytest.mark.parametrize(("name", "shape", "args"), DEPRECATED)
def test_deprecated_name_warns_as_torch_and_fills_as_the_new_one(name, shape, args):
    deprecated, current = getattr(mt.nn.init, name), getattr(mt.nn.init, name + "_")
    mt.manual_seed(3)
    filled, mine = warning_of(lambda: deprecated(mt.empty(*shape), *args))
    _, theirs = warning_of(lambda: getattr(torch.nn.init, name)(torch.empty(*shape), *args))
    assert mine.category is theirs.category is FutureWarning
    assert str(mine.message) == str(theirs.message)
    assert mine.filename == __file__  # points at the caller, as torch's stacklevel does
    mt.manual_seed(3)
    expected = current(mt.empty(*shape), *args)
    np.testing.assert_array_equal(filled.numpy(), expected.numpy())


def test_deprecated_names_are_exported():
    for name, _, _ in DEPRECATED:
        assert name in mt.nn.init.__all__
