"""A book light enough for a weak link: shared assets, a few icons, compressed files, small pages.

The budgets (first page under 600 KB, later pages at most 100 KB, transferred
from the book's own server to a 360 px phone) are checked in a real browser;
the benchmark's ``weight`` part reports the same figures beside a bare Jupyter
Book page.
"""
from __future__ import annotations

import gzip
import re
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

LINK = re.compile(r"""(?:href|src)=["']([^"'#?]+)""")


def _local_links(page: Path) -> list[str]:
    links = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if "://" in target or target.startswith(("data:", "mailto:", "javascript:")) or not target:
            continue
        links.append(target)
    return links


def test_both_editions_share_one_asset_folder(built_book):
    shared = built_book / "_static"
    assert (shared / "reintegra.css").is_file() and (shared / "scripts" / "bootstrap.js").is_file()
    for lang in ("en", "fr"):
        own = built_book / lang / "_static"
        kept = [p for p in own.rglob("*") if p.is_file() and p.suffix not in (".gz", ".br")]
        # What stays in an edition is what differs between them (the language's own data).
        for path in kept:
            twin = shared / path.relative_to(own)
            assert not twin.is_file() or twin.read_bytes() != path.read_bytes(), path
        assert len(kept) <= 12, [str(p) for p in kept]


def test_every_local_link_of_every_page_resolves(built_book):
    missing = []
    for page in sorted(built_book.glob("[ef][nr]/**/*.html")):
        for target in _local_links(page):
            if not (page.parent / target).resolve().exists():
                missing.append(f"{page.relative_to(built_book)} → {target}")
    assert missing == [], "\n".join(missing[:20])


def test_font_awesome_keeps_only_the_icons_the_book_uses(built_book):
    script = built_book / "_static" / "scripts" / "fontawesome.js"
    text = script.read_text(encoding="utf-8")
    assert script.stat().st_size < 30_000
    for icon in ("bars", "magnifying-glass", "chevron-down", "sun", "moon", "list"):
        assert f'"{icon}":[' in text, icon
    assert '"address-book":[' not in text


def test_heavy_pages_carry_their_pictures_as_files(built_book):
    for lang in ("en", "fr"):
        page = built_book / lang / "modules" / "m4-referral" / "index.html"
        html = page.read_text(encoding="utf-8")
        assert page.stat().st_size < 150_000
        assert "data:image/png;base64" not in html
        pictures = re.findall(r'<img loading="lazy" decoding="async" src="([^"]+)"', html)
        assert pictures and all((page.parent / p).is_file() for p in pictures)


def test_every_page_and_asset_has_compressed_copies(built_book):
    pages = list(built_book.glob("[ef][nr]/**/*.html"))
    assert pages and all(p.with_name(p.name + ".gz").is_file() for p in pages if p.stat().st_size >= 1024)
    css = built_book / "_static" / "reintegra.css"
    assert gzip.decompress(css.with_name(css.name + ".gz").read_bytes()) == css.read_bytes()
    assert css.with_name(css.name + ".br").is_file()


@pytest.fixture(scope="module")
def book_server(built_book):
    """The book's own server (``./course book``), on a free port."""
    import functools
    import http.server

    from reintegra.build import PrecompressedHandler

    handler = functools.partial(PrecompressedHandler, directory=str(built_book))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def _get(url: str, encoding: str | None):
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding} if encoding else {})
    with urllib.request.urlopen(request) as response:
        return response.headers, response.read()


def test_the_server_sends_compressed_files_to_browsers_that_accept_them(book_server, built_book):
    url = urljoin(book_server, "en/book/welcome.html")
    plain_headers, plain = _get(url, None)
    assert plain_headers.get("Content-Encoding") is None
    assert plain == (built_book / "en" / "book" / "welcome.html").read_bytes()
    headers, body = _get(url, "gzip")
    assert headers["Content-Encoding"] == "gzip" and headers["Content-Type"].startswith("text/html")
    assert gzip.decompress(body) == plain and len(body) < len(plain) / 3
    headers, body = _get(urljoin(book_server, "_static/reintegra.css"), "gzip, deflate, br")
    assert headers["Content-Encoding"] == "br" and headers["Content-Type"] == "text/css"
    import brotli

    assert brotli.decompress(body) == (built_book / "_static" / "reintegra.css").read_bytes()


def test_a_phone_downloads_little_on_a_weak_link(book_server, browser):
    from reintegra.bench_weight import LATER, _transfers

    figures = _transfers(browser, book_server, "en/book/welcome.html", LATER)
    print(f"\nfirst page {figures['first_kb']} KB in {figures['first_requests']} requests; "
          f"widget renderer once {figures['renderer_kb']} KB; later pages: "
          + ", ".join(f"{Path(urlparse(k).path).parent.name}/{Path(k).name} {v}" for k, v in figures["later_kb"].items()))
    assert figures["first_kb"] < 600
    heavy = {rel: kb for rel, kb in figures["later_kb"].items() if kb > 100}
    assert heavy == {}, heavy
