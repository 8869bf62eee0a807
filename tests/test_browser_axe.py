"""WCAG 2.1 AA with axe-core: every page of both editions and every dashboard.

axe-core is vendored in tests/vendor/ (its checksum is recorded in the README
there and checked here). A critical or serious violation fails the test; the
minor and moderate ones are counted and printed.
"""
from __future__ import annotations

import hashlib

import pytest

from reach_checks import (AXE, DASHBOARDS, WIDTHS, axe, axe_source, book_pages, dashboard_at_each_width,
                          minor_count, recorded_axe_sha256, serious)


def test_vendored_axe_core_is_the_recorded_file():
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == recorded_axe_sha256()
    assert AXE.read_text(encoding="utf-8").startswith("/*! axe v4.")
    assert (AXE.parent / "LICENSE").is_file()


def test_axe_finds_a_planted_fault(browser):
    """The harness is not blind: an unnamed link and low contrast are reported as serious."""
    context = browser.new_context(viewport=WIDTHS["360"])
    page = context.new_page()
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><h1>Title</h1>'
                     '<a href="#x"><span aria-hidden="true">FR</span></a>'
                     '<p style="color:#777;background:#eee">faint text</p></main></body></html>')
    found = {v["id"] for v in serious(axe(page, axe_source()))}
    context.close()
    assert {"link-name", "color-contrast"} <= found


@pytest.mark.parametrize("width", ["360", "1280"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_page_of_the_book_passes_axe(static_server, built_book, browser, lang, width):
    source = axe_source()
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(60_000)
    pages = book_pages(built_book, lang)
    assert len(pages) >= 35
    failures, minor = [], 0
    try:
        for rel in pages:
            page.goto(f"{static_server}{lang}/{rel}")
            if rel.startswith("exercises/"):
                page.wait_for_timeout(800)  # the saved widgets are drawn by a script
            violations = axe(page, source)
            minor += minor_count(violations)
            for v in serious(violations):
                failures.append(f"{rel}: {v['id']} ({v['impact']}): {v['nodes'][:2]}")
    finally:
        context.close()
    print(f"\n{lang} at {width} px: {len(pages)} pages, {len(failures)} serious or critical, {minor} minor or moderate")
    assert failures == [], "\n".join(failures[:30])


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("dashboard", DASHBOARDS)
def test_every_dashboard_passes_axe(voila_server, browser, dashboard, lang):
    source = axe_source()
    report = []
    for width, page in dashboard_at_each_width(browser, voila_server, dashboard, lang):
        violations = axe(page, source)
        report.append((width, serious(violations), minor_count(violations)))
        # Every chart's text alternative is exposed: a name on the image, not hidden from screen readers.
        unnamed = page.evaluate("""() => [...document.querySelectorAll('img')]
            .filter(i => i.getBoundingClientRect().width > 40)
            .filter(i => !((i.getAttribute('alt') || i.getAttribute('title') || i.getAttribute('aria-label') || '').trim())
                         || i.closest('[aria-hidden=true]'))
            .map(i => i.className || i.src.slice(0, 40))""")
        assert unnamed == [], f"{dashboard} ({lang}, {width} px): images without a reachable text alternative"
    for width, bad, minor in report:
        print(f"\n{dashboard} {lang} at {width} px: {len(bad)} serious or critical, {minor} minor or moderate")
    failures = [f"{w} px: {v['id']} ({v['impact']}): {v['nodes'][:2]}" for w, bad, _ in report for v in bad]
    assert failures == [], "\n".join(failures)
