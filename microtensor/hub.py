"""``microtensor.hub``: torch.hub's cache layout and entry points, without downloading.

microtensor never fetches anything at run time. What torch.hub would download must already be in
the hub directory, where torch keeps it: ``get_dir()`` is ``$TORCH_HOME/hub`` (``TORCH_HOME``
defaults to ``$XDG_CACHE_HOME/torch``, and that to ``~/.cache/torch``) unless ``set_dir`` was
called. So ``load_state_dict_from_url(url)`` loads ``<hub dir>/checkpoints/<file name of the
url>`` with ``microtensor.load``, a copy of torch's cache works unchanged, and a missing file is
a clear error naming the path to put it at. ``load(dir, model, source="local")`` imports
``hubconf.py`` from a directory and calls the entry point, as torch's; ``source="github"`` uses
the repository only where torch caches it (``<hub dir>/<owner>_<repo>_<ref>``).

Example:
    >>> import os, tempfile
    >>> import microtensor as mt
    >>> cache = tempfile.mkdtemp()
    >>> mt.save({"w": mt.ones(2)}, os.path.join(cache, "tiny-1a2b.pt"))
    >>> url = "https://example.com/weights/tiny-1a2b.pt"
    >>> mt.hub.load_state_dict_from_url(url, model_dir=cache)["w"]
    tensor([1., 1.])
"""

from __future__ import annotations

import builtins
import contextlib
import importlib.util
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

__all__ = [
    "download_url_to_file",
    "get_dir",
    "help",
    "list",
    "load",
    "load_state_dict_from_url",
    "set_dir",
]

ENV_TORCH_HOME = "TORCH_HOME"
ENV_XDG_CACHE_HOME = "XDG_CACHE_HOME"
DEFAULT_CACHE_DIR = "~/.cache"
VAR_DEPENDENCY = "dependencies"
MODULE_HUBCONF = "hubconf.py"
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")
_hub_dir: str | None = None


def _get_torch_home() -> str:
    default = os.path.join(os.getenv(ENV_XDG_CACHE_HOME, DEFAULT_CACHE_DIR), "torch")
    return os.path.expanduser(os.getenv(ENV_TORCH_HOME, default))


def get_dir() -> str:
    """The hub cache directory: ``set_dir``'s, else ``$TORCH_HOME/hub`` (torch's rules).

    Example:
        >>> import os
        >>> import microtensor as mt
        >>> os.path.basename(mt.hub.get_dir())
        'hub'
    """
    if os.getenv("TORCH_HUB"):
        warnings.warn("TORCH_HUB is deprecated, please use env TORCH_HOME instead", stacklevel=2)
    if _hub_dir is not None:
        return _hub_dir
    return os.path.join(_get_torch_home(), "hub")


def set_dir(d: str | os.PathLike[str]) -> None:
    """Use ``d`` (``~`` expanded) as the hub cache directory."""
    global _hub_dir
    _hub_dir = os.path.expanduser(d)


def _no_download(what: str, path: str) -> RuntimeError:
    return RuntimeError(
        f"microtensor.hub never downloads: {what} is not in the hub cache. Put it at {path} "
        "(fetch it once with torch.hub or by hand; microtensor reads torch's cache layout), or "
        "call microtensor.hub.set_dir() to point at a directory that has it"
    )


def download_url_to_file(
    url: str, dst: str, hash_prefix: str | None = None, progress: bool = True
) -> None:
    """Raise: microtensor does not fetch anything at run time.

    Raises:
        RuntimeError: always, saying where the file should be put by hand.
    """
    raise _no_download(f'"{url}"', dst)


def load_state_dict_from_url(
    url: str,
    model_dir: str | None = None,
    map_location: Any = None,
    progress: bool = True,
    check_hash: bool = False,
    file_name: str | None = None,
    weights_only: bool = False,
) -> dict[str, Any]:
    """Load the object saved at ``<model_dir>/<file name of url>`` (a cached download).

    Args:
        url: the address torch would download; only its file name is used.
        model_dir: where the file is; default ``<get_dir()>/checkpoints``.
        map_location: passed to ``microtensor.load``.
        progress: accepted (nothing is downloaded).
        check_hash: check that the file's SHA-256 starts with the hex digits after the last
            ``-`` of its name (torch's convention, ``resnet18-f37072fd.pth``).
        file_name: the cached file's name, if not the url's.
        weights_only: passed to ``microtensor.load``.

    Raises:
        RuntimeError: if the file is not in ``model_dir`` (microtensor never downloads), or its
            hash does not match with ``check_hash``.
    """
    if os.getenv("TORCH_MODEL_ZOO"):
        warnings.warn(
            "TORCH_MODEL_ZOO is deprecated, please use env TORCH_HOME instead", stacklevel=2
        )
    if model_dir is None:
        model_dir = os.path.join(get_dir(), "checkpoints")
    filename = file_name if file_name is not None else os.path.basename(urlparse(url).path)
    cached_file = os.path.join(model_dir, filename)
    if not os.path.exists(cached_file):
        raise _no_download(f'"{url}"', cached_file)
    if check_hash:
        _check_hash(cached_file, filename)
    from microtensor.serialization import load as _load

    return _load(cached_file, map_location=map_location, weights_only=weights_only)  # type: ignore[no-any-return]


def _check_hash(path: str, filename: str) -> None:
    match = HASH_REGEX.search(filename)
    if match is None:
        return
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(128 * 1024), b""):
            digest.update(chunk)
    if not digest.hexdigest().startswith(match.group(1)):
        raise RuntimeError(
            f'invalid hash value (expected "{match.group(1)}", got "{digest.hexdigest()}") '
            f"for {path}"
        )


# --- hubconf.py entry points -----------------------------------------------------------------


@contextlib.contextmanager
def _on_sys_path(path: str) -> Iterator[None]:
    sys.path.insert(0, path)
    try:
        yield
    finally:
        sys.path.remove(path)


def _import_hubconf(repo_dir: str) -> ModuleType:
    path = os.path.join(repo_dir, MODULE_HUBCONF)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{repo_dir} has no {MODULE_HUBCONF}: it is not a hub repository")
    spec = importlib.util.spec_from_file_location("hubconf", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with _on_sys_path(repo_dir):
        spec.loader.exec_module(module)
    return module


def _entry(module: ModuleType, model: Any) -> Callable[..., Any]:
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    dependencies = getattr(module, VAR_DEPENDENCY, None)
    if dependencies is not None:
        missing = [p for p in dependencies if importlib.util.find_spec(p) is None]
        if missing:
            raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")
    func = getattr(module, model, None)
    if func is None or not callable(func):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return func  # type: ignore[no-any-return]


def _cached_repo(github: str) -> str:
    """The directory where torch.hub caches ``owner/repo[:ref]``; raise if it is not there."""
    repo_info, _, ref = github.partition(":")
    owner, _, name = repo_info.partition("/")
    refs = [ref] if ref else ["main", "master"]  # torch asks GitHub for the default branch
    candidates = [os.path.join(get_dir(), f"{owner}_{name}_{r.replace('/', '_')}") for r in refs]
    for repo_dir in candidates:
        if os.path.isdir(repo_dir):
            return repo_dir
    raise _no_download(f'the repository "{github}"', candidates[0])


def list(  # noqa: A001 - torch's name
    github: str,
    force_reload: bool = False,
    skip_validation: bool = False,
    trust_repo: Any = "check",
    verbose: bool = True,
) -> builtins.list[str]:
    """The entry points (public callables) of a cached repository's ``hubconf.py``.

    Raises:
        RuntimeError: if the repository is not in the hub cache (microtensor never downloads).
    """
    module = _import_hubconf(_cached_repo(github))
    return [f for f in dir(module) if callable(getattr(module, f)) and not f.startswith("_")]


def help(  # noqa: A001 - torch's name
    github: str,
    model: str,
    force_reload: bool = False,
    skip_validation: bool = False,
    trust_repo: Any = "check",
) -> str | None:
    """The docstring of entry point ``model`` of a cached repository.

    Raises:
        RuntimeError: if the repository is not in the hub cache, or has no such entry point.
    """
    return _entry(_import_hubconf(_cached_repo(github)), model).__doc__


def load(
    repo_or_dir: str,
    model: str,
    *args: Any,
    source: str = "github",
    trust_repo: Any = "check",
    force_reload: bool = False,
    verbose: bool = True,
    skip_validation: bool = False,
    **kwargs: Any,
) -> Any:
    """Call entry point ``model`` of a hub repository's ``hubconf.py`` with ``args``, ``kwargs``.

    Args:
        repo_or_dir: ``"owner/repo[:ref]"`` (``source="github"``) or a local directory
            (``source="local"``).
        model: the entry point's name.
        *args: positional arguments of the entry point.
        source: ``"github"`` (the repository as torch.hub cached it) or ``"local"``.
        trust_repo: accepted; a cached repository is trusted (nothing is downloaded).
        force_reload: accepted; nothing can be reloaded without downloading.
        verbose: accepted; there are no cache messages.
        skip_validation: accepted; nothing is validated against GitHub.
        **kwargs: keyword arguments of the entry point.

    Raises:
        ValueError: for another ``source``, or a ``model`` that is not a string.
        RuntimeError: if a github repository is not in the hub cache, a dependency listed in
            hubconf's ``dependencies`` is missing, or there is no such entry point.

    Differs from PyTorch: a github repository is never fetched; ``force_reload`` cannot reload.
    """
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    repo_dir = _cached_repo(repo_or_dir) if source == "github" else repo_or_dir
    module = _import_hubconf(repo_dir)
    with _on_sys_path(repo_dir):
        return _entry(module, model)(*args, **kwargs)
