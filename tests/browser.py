"""Headless Chromium for the tests, driven by Playwright, with the network cut off.

Debian's ``chromium`` (or the browser ``MICROTENSOR_CHROMIUM`` names) is used as it is
installed: Playwright downloads nothing. Without it, or without the ``playwright`` package,
the tests that take the ``browser`` fixture are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest


def chromium_path() -> str | None:
    return os.environ.get("MICROTENSOR_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


@contextmanager
def offline_pages(browser: Any, allowed: tuple[str, ...] = ("file:",)) -> Iterator[Callable]:
    """``open(url, ready_js=None) -> (page, console errors, refused requests)``.

    Every request whose URL does not start with one of ``allowed`` is refused and recorded;
    console errors and uncaught page errors are collected.
    """
    contexts = []

    def open_url(url: str, ready: str | None = None) -> tuple[Any, list[str], list[str]]:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        refused: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))

        def route(handle: Any) -> None:
            if handle.request.url.startswith(allowed):
                handle.continue_()
            else:
                refused.append(handle.request.url)
                handle.abort()

        page.route("**/*", route)
        page.goto(url)
        if ready:
            page.wait_for_function(ready)
        return page, errors, refused

    try:
        yield open_url
    finally:
        for context in contexts:
            context.close()
