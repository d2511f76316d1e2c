"""``microtensor._dynamo.config``: torch._dynamo's settings, accepted so scripts can set them.

Scripts set these before compiling (``torch._dynamo.config.suppress_errors = True``,
``cache_size_limit = 64``). microtensor's ``compile`` runs eagerly, so they change nothing, but
they hold what is set, with torch's defaults, and a misspelt name is torch's AttributeError.
``cache_size_limit`` is the old name of ``recompile_limit`` (one setting, as torch's).

Example:
    >>> import microtensor._dynamo
    >>> config = microtensor._dynamo.config
    >>> with config.patch(suppress_errors=True):
    ...     config.suppress_errors
    True
    >>> config.suppress_errors
    False
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from microtensor._config_module import changes_of, config_copy, install, patched

# torch 2.13's defaults of the settings scripts commonly touch
_DEFAULTS: dict[str, Any] = {
    "suppress_errors": False,
    "verbose": False,
    "recompile_limit": 8,
    "accumulated_recompile_limit": 256,
    "fail_on_recompile_limit_hit": False,
    "error_on_recompile": False,
    "capture_scalar_outputs": False,
    "capture_dynamic_output_shape_ops": False,
    "capture_func_transforms": True,
    "automatic_dynamic_shapes": True,
    "assume_static_by_default": True,
    "dynamic_shapes": True,
    "specialize_int": False,
    "specialize_float": False,
    "force_parameter_static_shapes": True,
    "allow_unspec_int_on_nn_module": False,
    "inline_inbuilt_nn_modules": True,
    "guard_nn_modules": True,
    "skip_nnmodule_hook_guards": True,
    "optimize_ddp": True,
    "allow_rnn": False,
    "compiled_autograd": False,
    "trace_numpy": True,
    "numpy_default_float": "float64",
    "raise_on_ctx_manager_usage": True,
    "replay_record_enabled": False,
    "log_compilation_metrics": True,
    "use_graph_deduplication": False,
    "prefer_deferred_runtime_asserts_over_guards": False,
    "enable_cpp_guard_manager": True,
    "repro_after": None,
    "repro_level": 2,
}
_ALIASES = {
    "cache_size_limit": "recompile_limit",
    "accumulated_cache_size_limit": "accumulated_recompile_limit",
}


def get_config_copy() -> dict[str, Any]:
    """A copy of every setting and its value."""
    return config_copy(__name__)


@contextlib.contextmanager
def patch(
    arg1: str | dict[str, Any] | None = None, arg2: Any = None, **kwargs: Any
) -> Iterator[None]:
    """Change settings inside a ``with`` block (or a decorated function); restore them after.

    Takes ``patch("name", value)``, ``patch({"name": value})`` or ``patch(name=value)``.

    Raises:
        AttributeError: for a name that is no setting.
    """
    with patched(__name__, changes_of(arg1, arg2, kwargs)):
        yield


install(__name__, _DEFAULTS, _ALIASES)
