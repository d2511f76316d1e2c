"""Pytrees of tensors on both sides: build the same inputs for microtensor and torch, compare."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import microtensor as mt
from tests.helpers import assert_same


def random_arrays(rng: np.random.Generator, *shapes: tuple[int, ...]) -> list[np.ndarray]:
    return [rng.standard_normal(shape) for shape in shapes]


def to_lib(tree: Any, lib: Any) -> Any:
    """``tree`` with every NumPy array made a float64 tensor of ``lib`` (mt or torch)."""
    if isinstance(tree, np.ndarray):
        return lib.tensor(tree)
    if isinstance(tree, dict):
        return {k: to_lib(v, lib) for k, v in tree.items()}
    if isinstance(tree, (tuple, list)):
        return type(tree)(to_lib(v, lib) for v in tree)
    return tree


def both(tree: Any) -> tuple[Any, Any]:
    return to_lib(tree, mt), to_lib(tree, torch)


def assert_tree_same(actual: Any, expected: Any, what: str = "") -> None:
    """Same structure; every tensor leaf equal to torch's (float64: rtol 1e-10)."""
    if isinstance(expected, torch.Tensor):
        assert isinstance(actual, mt.Tensor), f"{what}: {type(actual)} is not a Tensor"
        assert_same(actual, expected, what=what)
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and list(actual) == list(expected), what
        for key in expected:
            assert_tree_same(actual[key], expected[key], f"{what}[{key!r}]")
    elif isinstance(expected, (tuple, list)):
        assert type(actual) is type(expected), f"{what}: {type(actual)} != {type(expected)}"
        assert len(actual) == len(expected), what
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_tree_same(a, e, f"{what}[{i}]")
    else:
        assert actual == expected, what


def leaves(tree: Any) -> list[Any]:
    if isinstance(tree, dict):
        return [leaf for v in tree.values() for leaf in leaves(v)]
    if isinstance(tree, (tuple, list)):
        return [leaf for v in tree for leaf in leaves(v)]
    return [tree]
