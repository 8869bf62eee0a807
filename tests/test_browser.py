"""Real browser tests: the dashboards in Voila, the knowledge checks in the book.

They need Chromium; in CI (CI=true) a missing browser fails them instead of
skipping them (see conftest.py).
"""
from urllib.parse import urlparse

import pytest

DASHBOARD = "voila/render/three-dimensions.ipynb"

TEXT = {
    "en": {"economic": "Economic", "check": "Check my answers", "right": "Right.",
           "wrong": "Not quite: this is social.", "summary": "1 of 12 right, 1 to review"},
    "fr": {"economic": "Économique", "check": "Vérifier mes réponses", "right": "Exact.",
           "wrong": "Pas tout à fait\u00a0: c’est la dimension sociale.", "summary": "1 sur 12 juste, 1 à revoir"},
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_dashboard_gives_feedback_after_clicks(voila_server, page, lang):
    words = TEXT[lang]
    page.goto(f"{voila_server}{DASHBOARD}?lang={lang}")
    check = page.locator("button", has_text=words["check"])
    check.wait_for(state="visible", timeout=120_000)
    assert page.locator("pre, .jp-OutputArea").filter(has_text="Traceback").count() == 0
    economic = page.locator(".widget-toggle-button", has_text=words["economic"])
    economic.nth(0).click()  # need 1: economic (right)
    economic.nth(1).click()  # need 2: economic (wrong: it is social)
    check.click()
    page.get_by_text(words["summary"]).wait_for(timeout=30_000)
    assert page.get_by_text(words["wrong"]).count() == 1
    assert page.get_by_text(words["right"], exact=False).count() >= 1
    # The page shows no code: Voila strips the sources.
    assert page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor, .cm-editor").count() == 0
    assert page.get_by_text("DimensionSorter").count() == 0
    # Every button shows its whole label (French labels are longer).
    clipped = page.eval_on_selector_all(
        "button.jupyter-button", "els => els.filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)")
    assert clipped == []


def test_dashboard_breaks_visibly_when_the_page_is_wrong(voila_server, page):
    """The harness notices a broken dashboard: an unknown notebook is a 404, not a pass."""
    response = page.goto(f"{voila_server}voila/render/no-such-exercise.ipynb")
    assert response is not None and response.status == 404


@pytest.mark.parametrize("lang,verdicts", [("en", ("Not quite.", "Correct.")), ("fr", ("Pas tout à fait.", "Exact."))])
def test_knowledge_check_feedback_works_without_a_kernel(static_server, page, lang, verdicts):
    external = []

    def block_outside(route):
        host = urlparse(route.request.url).hostname
        if host not in ("127.0.0.1", "localhost"):
            external.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route("**/*", block_outside)
    page.goto(f"{static_server}{lang}/modules/m1-integrated-approach/index.html")
    quiz = page.locator("form.quiz").first
    feedback = quiz.locator(".quiz-feedback")
    assert all(not feedback.nth(i).is_visible() for i in range(feedback.count()))
    options = quiz.locator(".quiz-option")
    kinds = [options.nth(i).locator(".quiz-feedback").get_attribute("class") for i in range(options.count())]
    correct = next(i for i, k in enumerate(kinds, start=1) if "quiz-right" in k)
    wrong = 1 if correct != 1 else 2
    options.nth(wrong - 1).locator("label").click()
    shown = options.nth(wrong - 1).locator(".quiz-feedback")
    assert shown.is_visible() and verdicts[0] in shown.inner_text()
    options.nth(correct - 1).locator("label").click()
    right = options.nth(correct - 1).locator(".quiz-feedback")
    assert right.is_visible() and verdicts[1] in right.inner_text()
    assert not shown.is_visible()  # one answer at a time
    assert external == []


@pytest.mark.parametrize("handout", ["m1", "exercises"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_handouts_print_on_a4_without_navigation(static_server, page, lang, handout):
    page.goto(f"{static_server}{lang}/book/handouts/{handout}.html")
    page.emulate_media(media="print")
    for selector in (".bd-sidebar-primary", ".bd-header", ".lang-switch", ".prev-next-area"):
        locator = page.locator(selector)
        assert all(not locator.nth(i).is_visible() for i in range(locator.count())), selector
    # The handout prints with its title.
    title = page.locator("article h1").first
    assert title.is_visible() and len(title.inner_text().strip()) > 3
    if handout == "m1":
        # The key points come from the module itself, in the edition's language.
        assert page.locator(".module-handout .lesson-keypoints").count() == 1
        assert page.locator(".module-handout .lesson-objectives li").count() >= 3
    # Long tables may run onto the next page, row by row.
    rows = page.locator("tr")
    if rows.count():
        assert rows.first.evaluate("r => getComputedStyle(r).breakInside") == "avoid"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    title_text = title.inner_text().strip()
    pages = _pdf_pages(pdf)
    assert title_text.split()[0] in pages[0]["text"], "the title is not on the first printed page"
    for number, printed in enumerate(pages[:-1], start=1):  # the last page may end early
        assert printed["empty"] <= 0.70, f"page {number} of {len(pages)} is {printed['empty']:.0%} empty"


def _pdf_pages(pdf: bytes) -> list[dict]:
    """Each printed page's text and the share of its height below the last ink."""
    pdfium = pytest.importorskip("pypdfium2")
    document = pdfium.PdfDocument(pdf)
    pages = []
    for index in range(len(document)):
        printed = document[index]
        text = printed.get_textpage().get_text_range()
        image = printed.render(scale=0.5, grayscale=True).to_pil()
        width, height = image.size
        pixels = image.load()
        last = 0
        for y in range(height):
            if any(pixels[x, y] < 200 for x in range(0, width, 2)):
                last = y
        pages.append({"text": text, "empty": 1 - (last + 1) / height})
    return pages
