"""The business-plan review dashboard in a real browser, in English and French.

It uses the Voila server and headless Chromium of conftest.py; without Chromium
it is skipped, except in CI where it fails.
"""
from __future__ import annotations

import re

import pytest

from reintegra.business import review as R

DASHBOARD = "voila/render/business-plan.ipynb"
NBSP = "\u00a0"

TEXT = {
    "en": {"plan": "Imane Chraibi: Pastry made at home (Fès)", "eligible": "Eligible", "price": "In the market range",
           "approve": "Approve", "wrong": "Approve with changes", "check": "Check my review",
           "summary": "{right} of {total} right, {wrong} to review, 0 not answered.",
           "decision_wrong": "The reference decision is: Approve."},
    "fr": {"plan": f"Imane Chraibi{NBSP}: Une pâtisserie à domicile (Fès)", "eligible": "Éligible",
           "price": "Dans la fourchette du marché", "approve": "Approuver", "wrong": "Approuver avec des modifications",
           "check": "Vérifier mon examen", "summary": "{right} sur {total} justes, {wrong} à revoir, 0 sans réponse.",
           "decision_wrong": f"La décision de référence est{NBSP}: Approuver."},
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_review_a_plan_and_get_feedback_on_every_answer(voila_server, page, lang):
    words = TEXT[lang]
    book = R.load_plans()
    plan = book.plan("pastry-fes")
    total = 2 * len(plan.lines) + len(R.RISKS) + 1
    page.goto(f"{voila_server}{DASHBOARD}?lang={lang}")
    picker = page.locator("select").first
    picker.wait_for(state="visible", timeout=120_000)
    assert page.locator(".jp-OutputArea-output").filter(has_text="Traceback").count() == 0
    picker.select_option(label=words["plan"])
    check = page.get_by_role("button", name=words["check"])
    check.wait_for(timeout=30_000)

    eligible = page.locator(".widget-toggle-button", has_text=re.compile(f"^{words['eligible']}$"))
    price = page.locator(".widget-toggle-button", has_text=words["price"])
    assert eligible.count() == price.count() == len(plan.lines)
    for i in range(len(plan.lines)):
        eligible.nth(i).click()
        price.nth(i).click()
    page.get_by_label(words["wrong"], exact=True).check()  # the reference is: approve
    check.click()
    summary = words["summary"].format(right=total - 1, total=total, wrong=1)
    page.get_by_text(summary).wait_for(timeout=30_000)
    assert page.get_by_text(words["decision_wrong"]).count() == 1

    page.get_by_label(words["approve"], exact=True).check()
    check.click()
    page.get_by_text(words["summary"].format(right=total, total=total, wrong=0)).wait_for(timeout=30_000)
    # No code on the page, and every button shows its whole label.
    assert page.get_by_text("BusinessPlanReview").count() == 0
    clipped = page.eval_on_selector_all(
        "button.jupyter-button", "els => els.filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)")
    assert clipped == []
