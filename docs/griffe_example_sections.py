"""Griffe extension for the docs build: read ``Example:`` as a Google ``Examples:`` section.

microtensor's docstrings use ``Example:`` (the singular form Google style and ruff accept), but
griffe's Google parser knows only ``Examples:``; any other ``Word:`` heading becomes an
admonition whose doctest lines render as nested quotes. Renaming the heading in the text griffe
parses (not in the source) makes the doctests render as Python code blocks.

A few docstrings also end a line with reST's literal-block marker ``::`` (the indented block
after it already renders as code in Markdown); it is shown as a single colon.

Loaded by ``mkdocs.yml`` (``extensions: [docs/griffe_example_sections.py:ExampleSections]``);
not part of the site (``exclude_docs``) nor of the package.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE_HEADING = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)
_LITERAL_MARKER = re.compile(r"(\S)::$", re.MULTILINE)


class ExampleSections(griffe.Extension):
    """Rewrite ``Example:`` headings (and ``text::`` markers) before griffe parses a docstring."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite ``obj``'s docstring text as griffe sees it (source files are untouched)."""
        docstring = obj.docstring
        if docstring is None:
            return
        text = _EXAMPLE_HEADING.sub(r"\1Examples:", docstring.value)
        docstring.value = _LITERAL_MARKER.sub(r"\1:", text)
