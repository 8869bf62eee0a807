"""The referral-mapping dashboard in Voila, in English and in French: build a plan, check it.

Needs Chromium (see conftest.py): skipped without it, except in CI.
"""
import pytest

DASHBOARD = "voila/render/referral-mapping.ipynb"
# ipywidgets writes the options of a Select with no-break spaces.
FIRST_OPTION_STARTS = """(prefix) => {
    const s = document.querySelector('.widget-select select');
    return s && s.options.length > 0 && s.options[0].text.replace(/\u00a0/g, ' ').startsWith(prefix);
}"""

TEXT = {
    "en": {"check": "Check the plan", "choose": "Choose for this need", "hint": "Hint: show eligibility and ranking",
           "yes": "Yes", "name": "Full name", "rules": "Eligibility, rule by rule", "contact": "Phone number", "age": "Age",
           "consent_ok": "Consent recorded on 2026-07-01.", "coverage": "Every priority need covered",
           "verdicts": ("The plan is ready", "to fix before sending the referrals"),
           "map": "Map of Morocco", "export": "Export the referral forms", "exported": "Download them to this device"},
    "fr": {"check": "Vérifier le plan", "choose": "Choisir pour ce besoin",
           "hint": "Indice\u00a0: afficher l’éligibilité et le classement", "yes": "Oui",
           "rules": "Éligibilité, règle par règle", "name": "Nom complet",
           "contact": "Numéro de téléphone", "age": "Âge",
           "consent_ok": "Consentement enregistré le 2026-07-01.", "coverage": "Chaque besoin prioritaire couvert",
           "verdicts": ("Le plan est prêt", "à corriger avant d’envoyer les orientations"),
           "map": "Carte du Maroc", "export": "Exporter les fiches d’orientation",
           "exported": "Téléchargez-les sur cet appareil"},
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_dashboard_builds_a_plan_and_gives_feedback(voila_server, page, lang):
    words = TEXT[lang]
    page.goto(f"{voila_server}{DASHBOARD}?lang={lang}")
    check = page.locator("button", has_text=words["check"])
    check.wait_for(state="visible", timeout=180_000)
    assert page.locator("pre, .jp-OutputArea").filter(has_text="Traceback").count() == 0
    page.get_by_text(words["map"]).first.wait_for(timeout=60_000)  # the map's text alternative

    page.locator(".widget-checkbox", has_text=words["hint"]).locator("input").check()
    dropdowns = page.locator(".widget-dropdown select")
    need_select = dropdowns.nth(1)  # case, need, region, distance, language
    results = page.locator(".widget-select select")
    n_needs = need_select.locator("option").count()
    assert 2 <= n_needs <= 4
    for i in range(n_needs):
        need_select.select_option(index=i)
        page.wait_for_function(FIRST_OPTION_STARTS, arg="✔ 1.", timeout=60_000)
        results.select_option(index=0)  # the best eligible service, by the hint
        # The kernel has the selection when the service's details (rule by rule) are shown.
        page.locator(".referral-details", has_text=words["rules"]).wait_for(timeout=30_000)
        page.locator("button", has_text=words["choose"]).click()
        page.wait_for_function(FIRST_OPTION_STARTS, arg="★ ✔ 1.", timeout=30_000)

    page.locator(".widget-toggle-button", has_text=words["yes"]).first.click()
    page.locator("input[type=date]").fill("2026-07-01")
    page.locator("input[type=date]").press("Tab")
    for label in (words["name"], words["contact"], words["age"]):
        page.locator(".widget-checkbox", has_text=label).first.locator("input").check()
    check.click()
    feedback = page.locator(".referral-feedback")
    feedback.wait_for(timeout=60_000)
    text = feedback.inner_text()
    assert words["coverage"] in text
    assert words["consent_ok"] in text
    assert any(v in text for v in words["verdicts"])
    page.locator("button", has_text=words["export"]).click()
    page.get_by_text(words["exported"], exact=False).wait_for(timeout=30_000)
    assert page.locator("a[download$='.csv'][href^='data:text/csv']").count() == 1
    assert page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor, .cm-editor").count() == 0
    assert page.get_by_text("ReferralExercise").count() == 0
    assert page.get_by_text("Traceback").count() == 0
