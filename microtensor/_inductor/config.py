"""``microtensor._inductor.config``: torch._inductor's settings, accepted so scripts can set them.

The settings scripts commonly touch, with torch 2.13's defaults; a misspelt name is torch's
AttributeError, and the ``triton.``/``cpp.`` settings are reached as ``config.triton.<name>``.
They change nothing: microtensor's ``compile`` runs eagerly (see ``microtensor._config_module``).

Example:
    >>> import microtensor._inductor.config as config
    >>> with config.patch({"triton.cudagraphs": True}):
    ...     config.triton.cudagraphs
    True
    >>> config.triton.cudagraphs
    False
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from microtensor._config_module import changes_of, config_copy, install, patched

# torch 2.13's defaults of the settings scripts commonly touch
_DEFAULTS: dict[str, Any] = {
    "coordinate_descent_tuning": False,
    "coordinate_descent_check_all_directions": False,
    "max_autotune": False,
    "max_autotune_gemm": False,
    "max_autotune_pointwise": False,
    "freezing": False,
    "fx_graph_cache": True,
    "autotune_local_cache": True,
    "epilogue_fusion": True,
    "aggressive_fusion": False,
    "group_fusion": False,
    "pattern_matcher": True,
    "cpp_wrapper": False,
    "shape_padding": True,
    "force_fuse_int_mm_with_mul": False,
    "use_mixed_mm": True,
    "fallback_random": False,
    "emulate_precision_casts": False,
    "debug": False,
    "benchmark_kernel": False,
    "split_reductions": True,
    "unroll_reductions_threshold": 8,
    "layout_optimization": True,
    "keep_output_stride": True,
    "size_asserts": True,
    "implicit_fallbacks": True,
    "dce": False,
    "reorder_for_locality": True,
    "optimize_scatter_upon_const_tensor": True,
    "triton.unique_kernel_names": True,
    "triton.cudagraphs": False,
    "triton.cudagraph_trees": True,
    "triton.cudagraph_skip_dynamic_graphs": False,
    "triton.max_tiles": None,
    "cpp.threads": -1,
    "cpp.simdlen": None,
    "cpp.enable_kernel_profile": False,
}


def get_config_copy() -> dict[str, Any]:
    """A copy of every setting and its value (dotted names for the sections)."""
    return config_copy(__name__)


@contextlib.contextmanager
def patch(
    arg1: str | dict[str, Any] | None = None, arg2: Any = None, **kwargs: Any
) -> Iterator[None]:
    """Change settings inside a ``with`` block (or a decorated function); restore them after.

    Takes ``patch("name", value)``, ``patch({"triton.cudagraphs": True})`` or
    ``patch(name=value)``.

    Raises:
        AttributeError: for a name that is no setting.
    """
    with patched(__name__, changes_of(arg1, arg2, kwargs)):
        yield


install(__name__, _DEFAULTS, {})
