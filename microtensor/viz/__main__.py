"""Command line: draw the graph a Python script builds, without writing drawing code.

Usage::

    python -m microtensor.viz SCRIPT_OR_MODULE --out graph.svg [--format svg|png|pdf|html]
        [--depth K] [--no-group] [--max-nodes N] [--rankdir LR|TB] [--backward] [--text]
        [--backend auto|dot|wasm|text]

The script (a ``.py`` path, or a module name such as ``mypkg.model``) is run with
``__name__ == "__microtensor_viz__"`` (so its ``if __name__ == "__main__":`` block does not
run) and must define either

* ``build_graph()`` returning an output Tensor, a list of them, or ``(output, model)`` /
  ``(output, params)`` where ``model`` is an nn.Module and ``params`` a dict name -> Tensor; or
* module-level variables ``loss`` or ``output`` (and optionally ``model`` or ``params``).

Example: ``python -m microtensor.viz examples/graph_mlp.py --out mlp.svg``.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path
from typing import Any

from microtensor.tensor import Tensor
from microtensor.viz.draw import render_graph

RUN_NAME = "__microtensor_viz__"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m microtensor.viz",
        description="Draw the computation graph built by a Python script (see the module doc).",
    )
    parser.add_argument("script", help="a .py file or a module name defining build_graph()")
    parser.add_argument("--out", help="file to write, e.g. graph.svg")
    parser.add_argument(
        "--format",
        choices=["svg", "png", "pdf", "html"],
        help="default: --out suffix (html: the interactive page of microtensor.viz.save_html)",
    )
    parser.add_argument("--depth", type=int, help="collapse modules nested deeper than K")
    parser.add_argument("--no-group", action="store_true", help="do not frame module calls")
    parser.add_argument(
        "--max-nodes", type=int, default=None, help="most nodes drawn (500; 10,000 for html)"
    )
    parser.add_argument("--rankdir", default="LR", choices=["LR", "TB", "RL", "BT"])
    parser.add_argument("--backward", action="store_true", help="run output.backward() first")
    parser.add_argument("--text", action="store_true", help="print the graph as text instead")
    parser.add_argument(
        "--backend",
        choices=["auto", "dot", "wasm", "text"],
        help="what renders: Graphviz's dot program, its WebAssembly build, or nothing "
        "(default: $MICROTENSOR_VIZ_BACKEND, else auto: the first of dot, wasm present)",
    )
    return parser


def _run(script: str) -> dict[str, Any]:
    path = Path(script)
    if script.endswith(".py") or path.is_file():
        if not path.is_file():
            raise FileNotFoundError(f"no such script: {script}")
        sys.path.insert(0, str(path.resolve().parent))  # as `python script.py` would
        try:
            return runpy.run_path(str(path), run_name=RUN_NAME)
        finally:
            sys.path.remove(str(path.resolve().parent))
    return runpy.run_module(script, run_name=RUN_NAME, alter_sys=True)


def load_graph(script: str) -> tuple[Any, Any]:
    """Run ``script`` and return the ``(output, params)`` it defines (see the module doc).

    Raises:
        ValueError: the script defines neither ``build_graph`` nor ``loss``/``output``.
    """
    namespace = _run(script)
    if callable(namespace.get("build_graph")):
        result = namespace["build_graph"]()
        if isinstance(result, (tuple, list)) and len(result) == 2 and _is_params(result[1]):
            return result[0], result[1]
        return result, None
    for name in ("loss", "output"):
        if isinstance(namespace.get(name), (Tensor, tuple, list)):
            params = namespace.get("model", namespace.get("params"))
            return namespace[name], params if _is_params(params) else None
    raise ValueError(
        f"{script} defines neither a function build_graph() nor a Tensor variable named "
        "`loss` or `output`: add `def build_graph(): ... return loss, model`"
    )


def _is_params(value: Any) -> bool:
    from microtensor.nn import Module

    return isinstance(value, (Module, dict))


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.text and not args.out:
        parser.error("--out is required (or --text to print the graph)")
    try:
        output, params = load_graph(args.script)
    except (ValueError, FileNotFoundError, ImportError) as err:
        parser.error(str(err))
    if args.backward:
        output.backward()
    if args.text:
        from microtensor.viz import print_graph

        print_graph(output, params, file=sys.stdout)
        return 0
    options = {"depth": args.depth, "group_modules": not args.no_group, "rankdir": args.rankdir}
    interactive = (args.format or Path(args.out).suffix[1:].lower()) == "html"
    try:
        if interactive:
            from microtensor.viz.html import save_html

            del options["group_modules"]  # the page always frames modules (it can collapse them)
            path = save_html(
                output,
                args.out,
                params,
                max_nodes=args.max_nodes or 10_000,
                backend=args.backend,
                **options,
            )
            print(f"wrote {path}")
            return 0
        path = render_graph(
            output,
            args.out,
            args.format,
            params=params,
            max_nodes=args.max_nodes or 500,
            backend=args.backend,
            **options,
        )
    except (RuntimeError, ImportError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
