"""The exercises in the reader's browser, offline: parity with the server-side widgets.

Each test starts from the built book's exercise page, follows *Do this exercise
in your browser*, waits for Python (Pyodide) to start in the page, answers, and
checks. The expected feedback and scores come from the same widget driven in
this process, with the same inputs (the server-side widget). Every request not
to 127.0.0.1 is aborted and counted: the test fails on any, and on any console
error. Needs Chromium (see conftest.py): skipped without it, except in CI.

The pages are served by ``reintegra workshop --lite``'s server (static files,
gzip), which these tests exercise as well.
"""
from __future__ import annotations

import datetime as dt
import html as htmllib
import re
import subprocess
import sys

import pytest

from conftest import free_port, wait_for_http

NBSP = "\u00a0"
KERNEL_TIMEOUT = 300_000  # a cold start on a busy 2-core machine
STEP_TIMEOUT = 180_000  # one step of the referral exercise (search, map) on the same machine


@pytest.fixture(scope="session")
def lite_server(built_book):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "reintegra.lite.serve", str(built_book), "127.0.0.1", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url + "lite/index.html")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


class Offline:
    """A browser context where every request not to 127.0.0.1 is aborted and counted."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.aborted: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "data:", "blob:")):
            route.continue_()
        else:
            self.aborted.append(url)
            route.abort()

    def page(self):
        page = self.context.new_page()
        page.set_default_timeout(60_000)
        page.on("console", lambda m: m.type == "error" and self.errors.append((page.url, m.text)))
        page.on("pageerror", lambda e: self.errors.append((page.url, str(e))))
        return page

    def assert_clean(self):
        assert self.aborted == [], f"requests outside 127.0.0.1: {self.aborted[:5]}"
        # The exercise's page, from the runtime to the widgets; the book's own pages have their tests.
        errors = [text for url, text in self.errors if "/lite/" in url]
        assert errors == [], f"console errors: {errors[:5]}"


@pytest.fixture(scope="module")
def offline(browser):
    ctx = Offline(browser)
    yield ctx
    ctx.context.close()


def open_from_the_book(offline, server, lang, exercise):
    page = offline.page()
    page.goto(f"{server}{lang}/exercises/{exercise}.html")
    action = {"en": "Do this exercise in your browser", "fr": "Faire l’exercice dans le navigateur"}[lang]
    page.get_by_role("link", name=action).click()
    page.wait_for_url(re.compile(rf"/lite/voici/render/{lang}/{exercise}\.html"))
    return page


def text_of(html: str) -> str:
    """The visible text of a widget's HTML value, whitespace and no-break spaces normalised."""
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return norm(htmllib.unescape(text))


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(NBSP, " ").replace("\u202f", " ")).strip()


def sentences(html: str) -> list[str]:
    """The text of each element of a widget's HTML, for comparison with the page."""
    parts = re.split(r"</?(?:p|li|div|h\d|tr|td|th|br|ul|ol|section)[^>]*>", html)
    return [t for t in (text_of(p) for p in parts) if len(t) > 3]


# ----------------------------------------------------------- case assessment

ANSWERS = {  # the same inputs as tests/test_browser_assessment.py
    "en": {"case": "Karim Belhaj, 26, Nador", "eco_income": "Regular, but not enough for basic needs",
           "eco_work": "Not working", "eco_debt": "No debts", "check": "Check my assessment"},
    "fr": {"case": "Karim Belhaj, 26\u00a0ans, Nador", "eco_income": "Réguliers, mais insuffisants pour les besoins de base",
           "eco_work": "Sans travail", "eco_debt": "Aucune dette", "check": "Vérifier mon évaluation"},
}


def expected_assessment(lang, tmp_path):
    from reintegra.ui.assessment import CaseAssessment

    ex = CaseAssessment(lang)
    words = ANSWERS[lang]
    ex.case_picker.value = dict(ex.case_picker.options)[words["case"]]
    for qid in ("eco_income", "eco_work", "eco_debt"):
        ex.choices[qid].value = dict(ex.choices[qid].options)[words[qid]]
    alt = re.search(r'alt="([^"]+)"', ex.scores.value).group(1)
    ex.check_button.click()
    return {"alt": htmllib.unescape(alt), "summary": sentences(ex.summary.value),
            "feedback": {q: sentences(ex.feedback[q].value) for q in ("eco_income", "eco_work", "eco_debt")}}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_case_assessment_in_the_browser_gives_the_server_side_feedback(offline, lite_server, lang, tmp_path):
    expected = expected_assessment(lang, tmp_path)
    words = ANSWERS[lang]
    page = open_from_the_book(offline, lite_server, lang, "case-assessment")
    picker = page.locator("select").first
    picker.wait_for(state="visible", timeout=KERNEL_TIMEOUT)
    assert page.get_by_text("building the font cache").count() == 0
    picker.select_option(label=words["case"])
    page.get_by_text("Karim Belhaj", exact=True).first.wait_for(timeout=60_000)
    for qid in ("eco_income", "eco_work", "eco_debt"):
        page.get_by_label(words[qid], exact=True).check()
    # the chart's text alternative: the same scores as the server-side widget
    page.wait_for_function(
        "alt => [...document.querySelectorAll('.ra-scores img')].some(img => img.alt === alt)",
        arg=expected["alt"], timeout=60_000)
    page.get_by_role("button", name=words["check"]).click()
    page.get_by_text(expected["summary"][0].split(".")[0], exact=False).first.wait_for(timeout=60_000)
    shown = norm(page.inner_text("body"))
    for line in expected["summary"]:
        assert line in shown, line
    for qid, lines in expected["feedback"].items():
        for line in lines:
            assert line in shown, (qid, line)
    assert page.get_by_text("Traceback").count() == 0
    assert page.get_by_text("CaseAssessment").count() == 0  # no code on the page
    offline.assert_clean()
    page.close()


# ---------------------------------------------------------- referral mapping

REFERRAL = {
    "en": {"check": "Check the plan", "choose": "Choose for this need", "hint": "Hint: show eligibility and ranking",
           "yes": "Yes", "fields": ("Full name", "Phone number", "Age"), "rules": "Eligibility, rule by rule"},
    "fr": {"check": "Vérifier le plan", "choose": "Choisir pour ce besoin",
           "hint": "Indice\u00a0: afficher l’éligibilité et le classement", "yes": "Oui",
           "fields": ("Nom complet", "Numéro de téléphone", "Âge"), "rules": "Éligibilité, règle par règle"},
}
FIRST_OPTION_STARTS = """(prefix) => {
    const s = document.querySelector('.widget-select select');
    return s && s.options.length > 0 && s.options[0].text.replace(/\u00a0/g, ' ').startsWith(prefix);
}"""


def expected_referral(lang, tmp_path):
    from reintegra.ui.referral import ReferralExercise

    ex = ReferralExercise(lang, show_map=False)
    ex.hint_toggle.value = True
    for _label, need in ex.need_picker.options:
        ex.need_picker.value = need
        ex.results.value = ex.results.options[0][1]
        ex.choose_button.click()
    ex.consent.value = True
    ex.consent_date.value = dt.date(2026, 7, 1)
    for box in ex.share.values():
        if box.description in REFERRAL[lang]["fields"]:
            box.value = True
    ex.check_button.click()
    return sentences(ex.feedback.value)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_referral_mapping_in_the_browser_gives_the_server_side_feedback(offline, lite_server, lang, tmp_path):
    expected = expected_referral(lang, tmp_path)
    words = REFERRAL[lang]
    page = open_from_the_book(offline, lite_server, lang, "referral-mapping")
    check = page.locator("button", has_text=words["check"])
    check.wait_for(state="visible", timeout=KERNEL_TIMEOUT)
    page.locator(".widget-checkbox", has_text=words["hint"]).locator("input").check()
    need_select = page.locator(".widget-dropdown select").nth(1)  # case, need, region, distance, language
    results = page.locator(".widget-select select")
    for i in range(need_select.locator("option").count()):
        need_select.select_option(index=i)
        page.wait_for_function(FIRST_OPTION_STARTS, arg="✔ 1.", timeout=STEP_TIMEOUT)
        # The list may come with its first service already selected: select another one first,
        # so that choosing the first is a change the kernel hears of (messages arrive in order).
        if results.locator("option").count() > 1:
            results.select_option(index=1)
        results.select_option(index=0)
        page.locator(".referral-details", has_text=words["rules"]).wait_for(timeout=STEP_TIMEOUT)
        page.locator("button", has_text=words["choose"]).click()
        page.wait_for_function(FIRST_OPTION_STARTS, arg="★ ✔ 1.", timeout=STEP_TIMEOUT)
    page.locator(".widget-toggle-button", has_text=words["yes"]).first.click()
    page.locator("input[type=date]").fill("2026-07-01")
    page.locator("input[type=date]").press("Tab")
    for label in words["fields"]:
        page.locator(".widget-checkbox", has_text=label).first.locator("input").check()
    check.click()
    feedback = page.locator(".referral-feedback")
    feedback.wait_for(timeout=60_000)
    page.wait_for_function("t => document.querySelector('.referral-feedback').innerText.includes(t)",
                           arg=expected[-1][:40], timeout=60_000)
    shown = norm(feedback.inner_text())
    for line in expected:
        assert line in shown, line
    assert page.get_by_text("Traceback").count() == 0
    offline.assert_clean()
    page.close()


# ------------------------------------------------------------ business plan

BUSINESS = {  # the same plan and words as tests/test_browser_business.py
    "en": {"plan": "Imane Chraibi: Pastry made at home (Fès)", "eligible": "Eligible", "price": "In the market range",
           "decision": "Approve with changes", "check": "Check my review"},
    "fr": {"plan": f"Imane Chraibi{NBSP}: Une pâtisserie à domicile (Fès)", "eligible": "Éligible",
           "price": "Dans la fourchette du marché", "decision": "Approuver avec des modifications",
           "check": "Vérifier mon examen"},
}


def expected_business(lang):
    """The server-side widget's feedback for the same review: every line eligible and in the market
    range, the first risk ticked, approve with changes."""
    from reintegra.business import review as R
    from reintegra.ui.business_plan import BusinessPlanReview

    words = BUSINESS[lang]
    ex = BusinessPlanReview(lang)
    ex.plan_picker.value = dict(ex.plan_picker.options)[words["plan"]]
    for eligible, price, _feedback in ex.line_controls.values():
        eligible.value = dict(eligible.options)[words["eligible"]]
        price.value = dict(price.options)[words["price"]]
    ex.risk_boxes[R.RISKS[0]].value = True
    ex.decision.value = dict(ex.decision.options)[words["decision"]]
    result = ex.check_button.click() or ex.check()
    assert result is not None
    feedback = [ex.summary.value, ex.decision_feedback.value]
    feedback += [f.value for _e, _p, f in ex.line_controls.values()]
    feedback += [ex.risk_feedback[r].value for r in R.RISKS]
    # inline tags (a bold label before its colon) take no space on the page
    lines = [line for html in feedback for line in sentences(re.sub(r"</?(?:b|i|span)(?:\s[^>]*)?>", "", html))]
    return {"lines": lines, "summary": text_of(ex.summary.value), "risk": R.risk_label(R.RISKS[0], lang),
            "n_lines": len(ex.line_controls)}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_business_plan_in_the_browser_gives_the_server_side_feedback(offline, lite_server, lang):
    expected = expected_business(lang)
    words = BUSINESS[lang]
    page = open_from_the_book(offline, lite_server, lang, "business-plan")
    picker = page.locator("select").first
    picker.wait_for(state="visible", timeout=KERNEL_TIMEOUT)
    picker.select_option(label=words["plan"])
    check = page.get_by_role("button", name=words["check"])
    check.wait_for(timeout=STEP_TIMEOUT)
    eligible = page.locator(".widget-toggle-button", has_text=re.compile(f"^{words['eligible']}$"))
    price = page.locator(".widget-toggle-button", has_text=words["price"])
    assert eligible.count() == price.count() == expected["n_lines"]
    for i in range(expected["n_lines"]):
        eligible.nth(i).click()
        price.nth(i).click()
    page.get_by_label(expected["risk"], exact=True).check()
    page.get_by_label(words["decision"], exact=True).check()
    check.click()
    page.wait_for_function("t => document.body.innerText.replace(/[\\u00a0\\u202f]/g, ' ').includes(t)",
                           arg=expected["summary"], timeout=STEP_TIMEOUT)
    shown = norm(page.inner_text("body"))
    for line in expected["lines"]:
        assert line in shown, line
    assert page.get_by_text("Traceback").count() == 0
    assert page.get_by_text("BusinessPlanReview").count() == 0  # no code on the page
    offline.assert_clean()
    page.close()
