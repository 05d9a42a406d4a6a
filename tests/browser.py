"""A real headless Chromium (Debian's, driven by Playwright) for testing the report.

Skips when no Chromium is installed (``.ci/run`` installs it with apt)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@contextmanager
def page_for(path: str, hash: str = "", width: int = 1400, height: int = 1000,
             color_scheme: str = "light", downloads: bool = False,
             ) -> Iterator[tuple[Any, dict[str, list[Any]]]]:
    """Open ``path`` (with ``hash``) in Chromium at ``width`` × ``height`` in the
    ``color_scheme``; yields the page and what it reported (console errors, page errors,
    dialogs, network requests that left the file)."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    seen: dict[str, list[Any]] = {"console": [], "errors": [], "dialogs": [], "network": []}
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height},
                                    color_scheme=color_scheme, accept_downloads=downloads)
            page.on("console", lambda m: seen["console"].append(m.text)
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: seen["errors"].append(str(e)))

            def dialog(d: Any) -> None:
                seen["dialogs"].append(d.message)
                d.dismiss()

            page.on("dialog", dialog)

            def route(r: Any) -> None:
                seen["network"].append(r.request.url)
                r.abort()

            # anything that would leave the machine is recorded and refused; the file itself
            # is not intercepted (a large report would be copied through the driver)
            page.route(re.compile(r"^(https?|wss?|ftp|data):"), route)
            page.goto("file://" + os.path.abspath(path) + hash)
            page.wait_for_load_state("load")
            yield page, seen
        finally:
            browser.close()


def hover_text(page: Any, chart: str) -> str:
    """The hover label plotly shows over the last trace's first point of ``chart``."""
    point = page.locator(f"{chart} .scatterlayer .trace:last-child .point").first
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(f"{chart} .hoverlayer .hovertext", timeout=5000)
    return page.evaluate("s => document.querySelector(s).textContent", f"{chart} .hoverlayer")
