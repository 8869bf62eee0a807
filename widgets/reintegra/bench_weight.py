"""The ``weight`` part of the benchmark: what a phone downloads, page by page.

The built book (``_build/html``, built first when absent) is served by the
book's own server (``reintegra.build.PrecompressedHandler``, as ``./course
book`` serves it), and headless Chromium at 360 px opens the first page with an
empty cache, then the later pages one after the other, as a reader does. The
bytes are those that crossed the network (``encodedDataLength``: compressed
bodies and headers). A bare Jupyter Book 1 page, built in the same run from one
Markdown file, is measured the same way for comparison.
"""
from __future__ import annotations

import functools
import http.server
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .bench import part

FIRST = "en/book/welcome.html"
LATER = (
    "en/book/how-to-use.html", "en/modules/m1-integrated-approach/index.html",
    "en/modules/m3-assessment/index.html", "en/modules/m4-referral/index.html",
    "en/modules/m6-monitoring/index.html", "en/exercises/case-assessment.html",
    "en/exercises/referral-mapping.html", "en/book/case-files.html",
    "fr/book/welcome.html", "fr/modules/m4-referral/index.html",
)

BARE_CONFIG = "title: Bare\nexecute:\n  execute_notebooks: 'off'\n"
BARE_TOC = "format: jb-book\nroot: intro\n"
BARE_PAGE = "# A bare page\n\nOne paragraph of text, as in a new Jupyter Book.\n"


def _serve(directory: Path):
    from .build import PrecompressedHandler

    handler = functools.partial(PrecompressedHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def _bare_book(into: Path) -> Path:
    src = into / "bare"
    src.mkdir()
    (src / "_config.yml").write_text(BARE_CONFIG)
    (src / "_toc.yml").write_text(BARE_TOC)
    (src / "intro.md").write_text(BARE_PAGE)
    jb = Path(sys.executable).with_name("jupyter-book")
    subprocess.run([str(jb), "build", str(src), "--quiet"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return src / "_build" / "html"


RENDERER = "/vendor/html-manager/"  # the widget renderer: fetched once, by the first exercise page


def _transfers(browser, base: str, first: str, later: tuple[str, ...]) -> dict:
    """KB transferred for the first page (empty cache) and for each later page after it.

    ``later_kb`` leaves out the widget renderer (about 300 KB, compressed), which
    the first exercise page fetches once and the browser keeps; ``renderer_kb``
    gives it.
    """
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    counted = {"bytes": 0, "requests": 0, "renderer": 0}

    def sent(event):
        urls[event["requestId"]] = event["request"]["url"]

    def finished(event):
        size = event.get("encodedDataLength", 0)
        if RENDERER in urls.get(event["requestId"], ""):
            counted["renderer"] += size
        else:
            counted["bytes"] += size
        counted["requests"] += 1

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)

    def visit(rel: str) -> tuple[float, int]:
        counted["bytes"] = counted["requests"] = 0
        page.goto(base + rel, wait_until="load")
        page.wait_for_timeout(700)  # lazy pictures in view, icons drawn
        return counted["bytes"] / 1024, counted["requests"]

    first_kb, first_requests = visit(first)
    pages = {rel: round(visit(rel)[0], 1) for rel in later}
    context.close()
    return {"first_kb": round(first_kb, 1), "first_requests": first_requests, "later_kb": pages,
            "renderer_kb": round(counted["renderer"] / 1024, 1)}


def _folder_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()
                     and p.suffix not in (".gz", ".br")) / 1e6, 1)


@part("weight")
def bench_weight(root: Path) -> dict:
    from playwright.sync_api import sync_playwright

    from .build import build_book, precompress
    from .devtools import CHROMIUM_ARGS, chromium_path

    html = root / "_build" / "html"
    if not (html / FIRST).is_file():
        build_book(quiet=True)
    later = tuple(rel for rel in LATER if (html / rel).is_file())
    with tempfile.TemporaryDirectory(prefix="reintegra-bare-") as tmp:
        bare = _bare_book(Path(tmp))
        precompress(bare)  # the same server and the same compression, for a fair comparison
        course_server, course_url = _serve(html)
        bare_server, bare_url = _serve(bare)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
                course = _transfers(browser, course_url, FIRST, later)
                plain = _transfers(browser, bare_url, "intro.html", ())
                browser.close()
        finally:
            course_server.shutdown()
            bare_server.shutdown()
    later_kb = list(course["later_kb"].values())
    figures = {
        "first_page_kb": course["first_kb"],
        "first_page_requests": course["first_requests"],
        "later_page_kb_median": round(statistics.median(later_kb), 1) if later_kb else None,
        "later_page_kb_max": max(later_kb) if later_kb else None,
        "widget_renderer_kb_once": course["renderer_kb"],
        "bare_jupyter_book_first_page_kb": plain["first_kb"],
        "bare_jupyter_book_first_page_requests": plain["first_requests"],
        "book_on_disk_mb": _folder_mb(html),
    }
    for rel, kb in course["later_kb"].items():
        figures[f"later_kb {rel}"] = kb
    return figures


