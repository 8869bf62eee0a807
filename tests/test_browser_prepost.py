"""The pre-test and post-test dashboard on a phone, in English and French: answer, submit, read the feedback.

It uses the Voila server and headless Chromium of conftest.py; without Chromium
it is skipped, except in CI where it fails.
"""
from __future__ import annotations

import pytest

from reach_checks import WIDTHS, axe, axe_source, overflow, serious, wait_for_dashboard

DASHBOARD = "voila/render/pre-post-test.ipynb"
NBSP = "\u00a0"

TEXT = {
    "en": {"post": "Post-test", "pre": "Pre-test", "submit": "Submit", "one_day": "One-day workshop",
           "score": "Your score: 1 of 6 right.", "pre_score": "Your score: 1 of 12 right.",
           "wrong": "Not right: the answer is C.", "idea": "Key idea:", "hidden": "post-test keeps its value"},
    "fr": {"post": "Test final", "pre": "Test de départ", "submit": "Valider", "one_day": "Atelier d’une journée",
           "score": f"Votre score{NBSP}: 1 bonne réponse sur 6.", "pre_score": f"Votre score{NBSP}: 1 bonne réponse sur 12.",
           "wrong": f"Pas juste{NBSP}: la bonne réponse est C.", "idea": f"Idée clé{NBSP}:",
           "hidden": "le test final garde sa valeur"},
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_take_both_tests_on_a_phone(voila_server, browser, lang):
    words = TEXT[lang]
    context = browser.new_context(viewport=WIDTHS["360"])
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{voila_server}{DASHBOARD}?lang={lang}")
        wait_for_dashboard(page)
        assert page.locator(".jp-OutputArea-output").filter(has_text="Traceback").count() == 0

        page.get_by_role("button", name=words["pre"], exact=True).click()
        page.locator(".widget-radio-box").nth(11).wait_for()  # twelve questions
        page.locator(".widget-radio-box").nth(0).locator("input").nth(2).check()  # question 1: C, right
        page.get_by_role("button", name=words["submit"]).click()
        page.get_by_text(words["pre_score"]).wait_for()
        assert words["hidden"] in page.inner_text("body") and words["idea"] not in page.inner_text("body")
        assert overflow(page) == []
        bad = serious(axe(page, axe_source()))
        assert bad == [], [v["id"] for v in bad]

        page.get_by_role("button", name=words["post"], exact=True).click()
        page.get_by_text(words["one_day"]).click()
        page.wait_for_function("() => document.querySelectorAll('.widget-radio-box').length === 6")
        radios = page.locator(".widget-radio-box")
        radios.nth(0).locator("input").nth(1).check()  # question 1: B, right
        radios.nth(1).locator("input").nth(0).check()  # question 2: A, wrong (C)
        page.get_by_role("button", name=words["submit"]).click()
        page.get_by_text(words["score"]).wait_for()
        body = page.inner_text("body")
        assert words["wrong"] in body and body.count(words["idea"]) == 6
        assert overflow(page) == []
        bad = serious(axe(page, axe_source()))
        assert bad == [], [v["id"] for v in bad]
    finally:
        context.close()
