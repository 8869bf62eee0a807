"""Phones: no page, exercise or dashboard wider than the screen, and no label cut.

Every page of both editions (exercise pages included, with their saved widgets)
and every dashboard, at 360 px and at 1280 px. A page that scrolls sideways or
a text-bearing element that hides part of its text (scrollWidth > clientWidth)
fails, with what is cut.
"""
from __future__ import annotations

import pytest

from reach_checks import DASHBOARDS, WIDTHS, book_pages, dashboard_at_each_width, overflow

CUT_LABEL = """<div style="width:60px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis">Psychosocial (5/5)</div>"""


def test_the_check_sees_a_cut_label_and_a_wide_page(browser):
    context = browser.new_context(viewport=WIDTHS["360"])
    page = context.new_page()
    page.set_content(f"<body>{CUT_LABEL}<div style='width:500px'>wide row of controls</div></body>")
    problems = overflow(page)
    context.close()
    assert any("clipped" in p and "Psychosocial" in p for p in problems)
    assert any("page is" in p for p in problems)


@pytest.mark.parametrize("width", ["360", "1280"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_page_of_the_book_fits_the_screen(static_server, built_book, browser, lang, width):
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    page.set_default_timeout(60_000)
    failures = []
    pages = book_pages(built_book, lang)
    exercises = [p for p in pages if p.startswith("exercises/")]
    assert len(exercises) >= 5
    try:
        for rel in pages:
            page.goto(f"{static_server}{lang}/{rel}")
            if rel in exercises:
                page.locator(".jupyter-widgets").first.wait_for(timeout=30_000)
                page.wait_for_timeout(800)
            failures += [f"{rel}: {p}" for p in overflow(page)]
    finally:
        context.close()
    assert failures == [], "\n".join(failures[:40])


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("dashboard", DASHBOARDS)
def test_every_dashboard_fits_a_phone_and_a_laptop(voila_server, browser, dashboard, lang):
    failures = []
    for width, page in dashboard_at_each_width(browser, voila_server, dashboard, lang):
        failures += [f"{width} px: {p}" for p in overflow(page)]
    assert failures == [], f"{dashboard} ({lang}):\n" + "\n".join(failures[:40])


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_case_assessment_tabs_show_their_counts_and_the_case_file_is_not_boxed(voila_server, page, lang):
    page.set_viewport_size(WIDTHS["360"])
    page.goto(f"{voila_server}voila/render/case-assessment.ipynb?lang={lang}")
    page.locator("select").first.wait_for(state="visible", timeout=180_000)
    page.locator("select").first.select_option(index=1)
    page.locator(".ra-file table").first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    labels = page.eval_on_selector_all(
        ".lm-TabBar-tabLabel",
        "els => els.map(e => [e.textContent, e.scrollWidth <= e.clientWidth + 1, e.getBoundingClientRect().right])")
    assert len(labels) >= 4
    for text, whole, right in labels:
        assert "/" in text and text.strip().endswith(")"), text  # the count: "Économique (0/5)"
        assert whole and right <= 361, text
    box = page.locator(".ra-file").first.evaluate(
        "e => [getComputedStyle(e).overflowY, e.scrollHeight, e.clientHeight]")
    assert box[0] == "visible" or box[1] <= box[2] + 1, box
