"""``argnums``: which positional arguments a transform differentiates, with PyTorch's checks."""

from __future__ import annotations

from typing import Any

argnums_t = int | tuple[int, ...]


def _wrap(argnum: Any, num_args: int) -> int:
    if not isinstance(argnum, int):
        raise RuntimeError(f"argnum must be int, got: {type(argnum)}")
    if 0 <= argnum < num_args:
        return argnum
    if -num_args <= argnum < 0:
        return argnum + num_args
    raise RuntimeError(f"Got argnum={argnum}, but only {num_args} positional inputs")


def normalize(argnums: Any, num_args: int) -> argnums_t:
    """``argnums`` checked and made non-negative."""
    if isinstance(argnums, int):
        return _wrap(argnums, num_args)
    if not isinstance(argnums, tuple):
        raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
    if len(argnums) == 0:
        raise RuntimeError("argnums must be non-empty")
    if len(set(argnums)) != len(argnums):
        raise RuntimeError(f"argnums elements must be unique, got {argnums}")
    return tuple(_wrap(a, num_args) for a in argnums)


def select(args: tuple[Any, ...], argnums: argnums_t) -> Any:
    """The differentiated arguments: one (an int argnums) or a tuple of them."""
    if isinstance(argnums, int):
        return args[argnums]
    return tuple(args[i] for i in argnums)


def replace(args: tuple[Any, ...], argnums: argnums_t, new: Any) -> tuple[Any, ...]:
    """``args`` with the differentiated ones replaced by ``new`` (as ``select`` returns them)."""
    if isinstance(argnums, int):
        return tuple(new if i == argnums else a for i, a in enumerate(args))
    by_position = dict(zip(argnums, new, strict=True))
    return tuple(by_position.get(i, a) for i, a in enumerate(args))
