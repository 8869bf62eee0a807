"""The case-assessment and caseload dashboards in a real browser, in English and French.

They use the Voila server and headless Chromium of conftest.py; without Chromium
they are skipped, except in CI where they fail.
"""
from __future__ import annotations

import os
import re
import tempfile

import pytest

# Draft plans saved by the dashboards go to a temporary folder, not into the repository.
os.environ.setdefault("REINTEGRA_PLANS_DIR", tempfile.mkdtemp(prefix="reintegra-plans-"))

NBSP = "\u00a0"
DASHBOARD = "voila/render/case-assessment.ipynb"
CASELOAD = "voila/render/caseload-overview.ipynb"

TEXT = {
    "en": {
        "case": "Karim Belhaj, 26, Nador",
        "income": "Regular, but not enough for basic needs",
        "work": "Not working",
        "debt": "No debts",
        "check": "Check my assessment",
        "agree": "Same as the reference.",
        "differ": "The reference answer is “Yes, debts I cannot repay”.",
        "missing": "No answer yet",
        "summary": "2 of 21 answers agree with the reference, 1 differs, 18 not answered.",
        "alt": "Economic: 0.57, Fragile.",
        "illustrative": "Illustrative instrument",
        "need": "High non-productive debt",
        "assistance": "Financial-management training (Handbook)",
        "check_plan": "Check my plan",
        "plan_summary": "Needs: 1 agrees with the reference, 0 are not priorities there, 6 missed.",
        "save": "Save the draft plan",
        "download": "Download the draft plan",
        "caseload": "Share of assessments in each band",
    },
    "fr": {
        "case": "Karim Belhaj, 26\u00a0ans, Nador",
        "income": "Réguliers, mais insuffisants pour les besoins de base",
        "work": "Sans travail",
        "debt": "Aucune dette",
        "check": "Vérifier mon évaluation",
        "agree": "Comme la référence.",
        "differ": f"La réponse de référence est «{NBSP}Oui, des dettes que je ne peux pas rembourser{NBSP}».",
        "missing": "Pas encore de réponse",
        "summary": "2\u00a0réponses sur 21 concordent avec la référence, 1 diffère, 18 sans réponse.",
        "alt": f"Économique{NBSP}: 0,57, Situation fragile.",
        "illustrative": "Instrument illustratif",
        "need": "Endettement non productif élevé",
        "assistance": "Formation à la gestion financière (Manuel)",
        "check_plan": "Vérifier mon plan",
        "plan_summary": f"Besoins{NBSP}: 1 concorde avec la référence, 0 n’y est pas prioritaire, 6 manqués.",
        "save": "Enregistrer le projet de plan",
        "download": "Télécharger le projet de plan",
        "caseload": "Part des évaluations dans chaque tranche",
    },
}


def _no_traceback(page) -> None:
    assert page.locator(".jp-OutputArea-output").filter(has_text="Traceback").count() == 0


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_assess_a_case_check_it_and_draft_a_plan(voila_server, page, lang):
    words = TEXT[lang]
    page.goto(f"{voila_server}{DASHBOARD}?lang={lang}")
    picker = page.locator("select").first
    picker.wait_for(state="visible", timeout=120_000)
    _no_traceback(page)
    assert page.get_by_text(words["illustrative"]).first.is_visible()

    picker.select_option(label=words["case"])
    page.get_by_text("Karim Belhaj", exact=True).first.wait_for(timeout=30_000)  # the case file
    page.get_by_label(words["income"], exact=True).check()
    page.get_by_label(words["work"], exact=True).check()
    page.get_by_label(words["debt"], exact=True).check()
    # the scores update as the learner answers: the chart's text alternative says so
    page.wait_for_function(  # the HTML is replaced at each change: look the image up each time
        "text => [...document.querySelectorAll('.ra-scores img')].some(img => img.alt.includes(text))",
        arg=words["alt"], timeout=30_000)

    page.get_by_role("button", name=words["check"]).click()
    page.get_by_text(words["summary"]).wait_for(timeout=30_000)
    assert page.get_by_text(words["differ"]).count() == 1
    assert page.get_by_text(words["agree"]).count() >= 2
    assert page.get_by_text(words["missing"]).first.is_visible()

    page.get_by_label(words["need"], exact=True).check()
    page.get_by_label(words["assistance"], exact=True).check()
    page.get_by_role("button", name=words["check_plan"]).click()
    page.get_by_text(words["plan_summary"]).wait_for(timeout=30_000)

    page.get_by_role("button", name=words["save"]).click()
    link = page.get_by_role("link", name=re.compile(words["download"]))
    link.wait_for(timeout=30_000)
    assert link.get_attribute("href").startswith("data:text/html;charset=utf-8;base64,")
    _no_traceback(page)
    assert page.get_by_text("CaseAssessment").count() == 0  # no code on the page


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_caseload_view_shows_the_distribution(voila_server, page, lang):
    words = TEXT[lang]
    page.goto(f"{voila_server}{CASELOAD}?lang={lang}")
    image = page.locator(".ra-scores img").first
    image.wait_for(state="visible", timeout=120_000)
    _no_traceback(page)
    assert words["caseload"] in image.get_attribute("alt") or page.get_by_text(words["illustrative"]).count() >= 1
    first = image.get_attribute("src")
    page.locator(".widget-toggle-button").nth(3).click()  # 12 months after return
    page.wait_for_function("src => document.querySelector('.ra-scores img').getAttribute('src') !== src",
                           arg=first, timeout=30_000)
