"""The top-level namespace is torch's: every public name that microtensor has and torch lacks is
listed here with its reason, and the ops submodules and internal helpers stay out of it."""

from __future__ import annotations

import sys
import types

import torch

import microtensor as mt

# public names of microtensor that torch does not have, each with the reason it is there
EXTRA_NAMES = {
    "microtensor": "the package itself, bound by `import microtensor.utils.data` in its "
    "__init__ (dir(torch) has `torch` for the same reason)",
    "train": "microtensor.train, microtensor's own fit loop (no torch counterpart)",
    "viz": "microtensor.viz, graph tracing and drawing (no torch counterpart)",
}


def _public(names: list[str]) -> set[str]:
    return {name for name in names if not name.startswith("_")}


def _extra() -> set[str]:
    # hasattr, not dir(torch): torch loads some submodules (onnx ...) on first access
    return {name for name in _public(dir(mt)) if not hasattr(torch, name)}


def test_every_extra_name_is_explained():
    unexplained = _extra() - set(EXTRA_NAMES)
    assert not unexplained, (
        f"names torch lacks, with no reason in EXTRA_NAMES: {sorted(unexplained)}"
    )


def test_every_explained_name_is_still_extra():
    stale = set(EXTRA_NAMES) - _extra()
    assert not stale, f"EXTRA_NAMES lists names that are no longer extra: {sorted(stale)}"


def test_no_ops_submodule_is_a_top_level_name():
    leaked = [
        name
        for name in dir(mt)
        if isinstance(getattr(mt, name), types.ModuleType)
        and getattr(mt, name).__name__.startswith("microtensor.ops.")
    ]
    assert leaked == []


def test_public_namespaces_are_the_public_modules():
    assert mt.linalg is sys.modules["microtensor.linalg"]
    assert mt.special is sys.modules["microtensor.special"]
    assert mt.nn is sys.modules["microtensor.nn"]
    assert mt.ops is sys.modules["microtensor.ops"]


def test_method_only_functions_stay_in_ops():
    # torch has these only as Tensor methods; microtensor keeps their functions in ops
    for name in ("view", "expand", "repeat", "to", "new_full", "new_tensor"):
        assert not hasattr(torch, name)
        assert not hasattr(mt, name)
        assert callable(getattr(mt.ops, name))
        assert hasattr(mt.Tensor, name)
