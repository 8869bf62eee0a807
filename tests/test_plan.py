"""From scores to a plan: the feasibility grid, priority needs, follow-up, feedback, the draft plan; the case studies."""
from __future__ import annotations

import json
import re

import pytest

from reintegra import plan as P
from reintegra.case_studies import case_by_id, check_case_study, load_case_studies, reference_result
from reintegra.instrument import load_instrument
from reintegra.paths import reference_datasets_dir
from reintegra.scoring import score_answers

INSTRUMENT = load_instrument()
GRID = P.load_grid()
CASES = load_case_studies()
RAW_GRID = json.loads((reference_datasets_dir() / "feasibility_grid.json").read_text(encoding="utf-8"))

# The economic rows of the Handbook's feasibility grid (Annex 5), as confirmed in the course's sources.
HANDBOOK_ROWS = {
    "cash_assistance": {"high_debt", "no_income_activity", "acute_vulnerability", "remote_location"},
    "job_placement": {"no_income_activity"},
    "business_grant": {"no_income_activity"},
    "vocational_training": {"no_income_activity"},
    "financial_training": {"high_debt"},
    "micro_saving": {"high_debt"},
    "self_help_group": {"high_debt"},
    "savings_credit_association": {"high_debt"},
}


# ------------------------------------------------------------------- the grid


def test_the_grid_file_is_valid_against_the_instrument():
    assert P.validate_grid(RAW_GRID, INSTRUMENT) == []


def test_the_handbook_rows_are_exactly_the_confirmed_economic_rows():
    handbook = {a.id: set(a.needs) for a in GRID.assistance if a.source == "handbook"}
    assert handbook == HANDBOOK_ROWS
    assert all(a.dimension == "economic" for a in GRID.assistance if a.source == "handbook")
    for assistance in GRID.assistance:
        if assistance.dimension in ("social", "psychosocial"):
            assert assistance.source == "illustrative", assistance.id
    for need in GRID.needs:
        assert need.source == ("handbook" if need.dimension == "economic" else "illustrative"), need.id
    assert "illustrative" in GRID.notice["en"] and "illustrative" in GRID.notice["fr"]


def test_every_need_is_served_by_some_assistance_and_every_dimension_is_covered():
    for need in GRID.needs:
        assert GRID.assistance_for(need.id), need.id
    for dim in INSTRUMENT.dimension_ids:
        assert GRID.needs_in(dim) and GRID.assistance_in(dim)


def test_a_broken_grid_is_reported():
    broken = json.loads(json.dumps(RAW_GRID))
    broken["needs"][0]["triggers"]["answers"]["eco_debt"].append("bankrupt")
    broken["needs"][1]["triggers"]["answers"]["eco_wealth"] = ["rich"]
    broken["assistance"][0]["needs"].append("luck")
    broken["assistance"][1]["source"] = "folklore"
    problems = " | ".join(P.validate_grid(broken, INSTRUMENT))
    assert "no option bankrupt" in problems and "unknown item eco_wealth" in problems
    assert "unknown need luck" in problems and "source must be" in problems


# -------------------------------------------------------------- priority needs


def test_low_indicators_become_priority_needs_with_their_reasons_in_both_languages():
    answers = {"eco_debt": "unpayable", "eco_work": "casual", "soc_documents": "some", "psy_support": "several"}
    findings = P.derive_needs(GRID, INSTRUMENT, answers)
    ids = [f.need.id for f in findings]
    assert ids == ["high_debt", "no_income_activity", "documents"]
    debt = findings[0].reasons[0]
    assert debt.text("en") == "The answer to “Debt” is “Yes, debts I cannot repay”."
    assert debt.text("fr") == "La réponse à «\u00a0Dettes\u00a0» est «\u00a0Oui, des dettes que je ne peux pas rembourser\u00a0»."


def test_a_productive_debt_is_not_the_grids_non_productive_debt():
    answers = {"eco_debt": "hard"}
    assert [f.need.id for f in P.derive_needs(GRID, INSTRUMENT, answers, context=P.CaseContext(debt_reason="migration"))] == ["high_debt"]
    assert P.derive_needs(GRID, INSTRUMENT, answers, context=P.CaseContext(debt_reason="business")) == []


def test_flags_vulnerabilities_and_remote_regions_raise_needs_whatever_the_answers():
    flags = score_answers(INSTRUMENT, {"scr_medical": "yes", "scr_selfharm": "yes"}).flags
    context = P.CaseContext(region_id="MA-12", vulnerabilities=("disability",))
    findings = {f.need.id: f for f in P.derive_needs(GRID, INSTRUMENT, {}, flags, context)}
    assert set(findings) == {"acute_vulnerability", "remote_location", "health_care", "specialised_care"}
    assert "remote region" in findings["remote_location"].reasons[0].text("en")
    assert "Dakhla-Oued Ed-Dahab" in findings["remote_location"].reasons[0].text("fr")
    texts = " ".join(r.text("en") for r in findings["acute_vulnerability"].reasons)
    assert "Screening flag: Urgent medical need." in texts and "The case file records: disability." in texts
    assert P.CaseContext(region_id="MA-06").remote is False


def test_describe_triggers_says_when_a_need_becomes_a_priority():
    text = P.describe_triggers(GRID.need("housing"), INSTRUMENT, "en")
    assert text.startswith("It becomes a priority when the answer to “Housing” is “No stable place to live” or")
    assert "“No safe shelter”" in text
    fr = P.describe_triggers(GRID.need("remote_location"), INSTRUMENT, "fr")
    assert fr == "Il devient prioritaire quand la personne vit dans une région isolée."


def test_assistance_options_follow_the_grid():
    options = {o.assistance.id: o.serves for o in P.assistance_options(GRID, ["high_debt"])}
    assert set(options) == {"cash_assistance", "financial_training", "micro_saving", "self_help_group",
                            "savings_credit_association"}
    reason = P.assistance_reason(GRID, GRID.assistance_type("cash_assistance"), ["no_income_activity"])
    assert reason.text("en") == "Useful for: no or insufficient income-generating activity."
    assert reason.text("fr") == "Utile pour\u00a0: activité génératrice de revenus absente ou insuffisante."


# ------------------------------------------------------------------ follow-up


def _all(code_for_item) -> dict:
    return {i.id: code_for_item(i) for i in INSTRUMENT.items}


BEST = _all(lambda i: max((o for o in i.options if o.score is not None), key=lambda o: o.score).code)
WORST = _all(lambda i: min((o for o in i.options if o.score is not None), key=lambda o: o.score).code)


def test_follow_up_rule_recommends_personalised_follow_up_for_low_scores_flags_or_vulnerabilities():
    good = score_answers(INSTRUMENT, BEST)
    decision = P.follow_up(GRID, INSTRUMENT, good)
    assert decision.recommended is False
    assert "standard follow-up is enough" in decision.reasons[0].text("en")
    bad = P.follow_up(GRID, INSTRUMENT, score_answers(INSTRUMENT, WORST))
    assert bad.recommended is True
    texts = [r.text("en") for r in bad.reasons]
    assert "The composite score (0.00) is below 0.50." in texts
    assert "The economic score (0.00) is below 0.40." in texts
    flagged = P.follow_up(GRID, INSTRUMENT, score_answers(INSTRUMENT, {**BEST, "scr_protection": "yes"}))
    assert flagged.recommended is True and "Protection concern" in flagged.reasons[0].text("en")
    vulnerable = P.follow_up(GRID, INSTRUMENT, good, P.CaseContext(vulnerabilities=("single_parent",)))
    assert vulnerable.recommended is True
    assert vulnerable.reasons[0].text("fr") == "Le dossier mentionne une vulnérabilité\u00a0: parent isolé."


def test_follow_up_waits_for_a_complete_assessment_unless_something_already_decides():
    incomplete = score_answers(INSTRUMENT, {"eco_income": "regular_ok"})
    decision = P.follow_up(GRID, INSTRUMENT, incomplete)
    assert decision.recommended is None
    assert decision.headline("fr") == "Décision en attente\u00a0: évaluation incomplète"
    flagged = score_answers(INSTRUMENT, {"scr_selfharm": "yes"})
    assert P.follow_up(GRID, INSTRUMENT, flagged).recommended is True


# ---------------------------------------------------------- checking choices


def test_check_needs_marks_agree_extra_and_missed_with_reasons():
    case = case_by_id("karim")
    reference = reference_result(INSTRUMENT, GRID, case).needs
    verdicts = {v.id: v for v in P.check_needs(GRID, INSTRUMENT, ["high_debt", "housing", "not-a-need"], reference,
                                                 case.reference.need_explanations)}
    assert verdicts["high_debt"].status == "agree" and verdicts["high_debt"].explanation
    assert verdicts["housing"].status == "extra"
    assert verdicts["housing"].explanation["en"].startswith("It becomes a priority when")
    assert verdicts["distress"].status == "missed" and verdicts["distress"].reasons
    assert "not-a-need" not in verdicts  # an unknown choice is ignored, not an error
    assert P.tally(verdicts.values())["missed"] == len(case.reference.needs) - 1


def test_check_assistance_uses_the_grid_and_the_reference_plan():
    case = case_by_id("youssef")
    ref = case.reference
    verdicts = {v.id: v for v in P.check_assistance(GRID, ["business_grant", "cash_assistance", "legal_aid"],
                                                    ref.needs, ref.assistance, ["no_income_activity"],
                                                    ref.assistance_explanations)}
    assert verdicts["business_grant"].status == "agree"
    assert verdicts["cash_assistance"].status == "acceptable"  # the grid links it to a remote location
    assert verdicts["legal_aid"].status == "not_fit"
    assert "It is useful for: safety, justice and rights" in verdicts["legal_aid"].reasons[0].text("en")
    assert verdicts["legal_aid"].note is not None  # and none of the learner's own needs is one it serves
    missed = P.check_assistance(GRID, [], ref.needs, ref.assistance)
    assert [v.status for v in missed] == ["missed"]


# ---------------------------------------------------------------- the document


def _draft(lang_case="salma", needs=("safety_rights", "distress"), assistance=("protection_referral", "legal_aid")):
    case = case_by_id(lang_case)
    answers = case.reference.all_answers
    return P.draft_plan(INSTRUMENT, GRID, case_id=case.id, case_name=case.name, date="2026-06-30",
                        score=score_answers(INSTRUMENT, answers), answers=answers, chosen_needs=needs,
                        chosen_assistance=assistance, context=case.context, notes="Meet <her> mother too.")


def test_the_draft_plan_is_a_printable_html_page_in_the_learners_language():
    page = _draft().to_html("fr")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="fr">' in page
    assert "Projet de plan de réintégration" in page and "@media print" in page
    assert "Signalements et actions immédiates" in page and "Indices de traite" in page
    assert "Instrument illustratif" in page or "INSTRUMENT ILLUSTRATIF" in page
    assert "Meet &lt;her&gt; mother too." in page  # the learner's notes are escaped
    assert "Suivi personnalisé recommandé" in page


def test_the_draft_plan_as_markdown_lists_needs_with_reasons_and_assistance_with_the_grid():
    text = _draft().to_markdown("en")
    assert text.startswith("# Draft reintegration plan")
    assert "## Priority needs" in text and "Safety, justice and rights (Social)" in text
    assert "Screening flag: Protection concern." in text
    assert "Referral to the protection focal point" in text and "(illustrative row)" in text
    assert "| Composite |" in text


def test_a_need_chosen_without_support_in_the_answers_says_so():
    text = _draft(needs=("housing",), assistance=()).to_markdown("en")
    assert "Chosen by the case manager" in text and "No assistance chosen yet." in text


# ------------------------------------------------------------------ the cases


def test_there_are_at_least_six_varied_case_studies():
    assert len(CASES) >= 6
    assert {c.sex for c in CASES} == {"female", "male"}
    ages = [c.age for c in CASES]
    assert min(ages) < 30 and max(ages) >= 60
    assert len({c.region_id for c in CASES}) >= 5
    assert len({c.country for c in CASES}) >= 5
    assert len({tuple(c.vulnerabilities) for c in CASES}) >= 5
    assert any(c.reference.follow_up for c in CASES) and not all(c.reference.follow_up for c in CASES)
    flagged = [c.id for c in CASES if reference_result(INSTRUMENT, GRID, c).score.flags]
    assert 2 <= len(flagged) < len(CASES)
    # profiles differ across the dimensions: each dimension is the lowest for some case
    lowest = set()
    for case in CASES:
        score = reference_result(INSTRUMENT, GRID, case).score
        lowest.add(min(INSTRUMENT.dimension_ids, key=lambda d: score.dimensions[d].score))
    assert lowest == set(INSTRUMENT.dimension_ids)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_reference_agrees_with_the_instrument_grid_and_follow_up_rule(case):
    assert check_case_study(INSTRUMENT, GRID, case) == []
    assert case.notes and all(n.text["en"] and n.text["fr"] for n in case.notes)


_BAD_SPACE = re.compile(r"(?<=[\w»)\]’'*]) ([;:!?])")


def _french_strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "fr" and isinstance(item, str):
                yield item
            else:
                yield from _french_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _french_strings(item)


@pytest.mark.parametrize("name", ["case_studies.json", "feasibility_grid.json", "instrument.json"])
def test_french_typography_in_the_course_files(name):
    data = json.loads((reference_datasets_dir() / name).read_text(encoding="utf-8"))
    bad = [text for text in _french_strings(data)
           if _BAD_SPACE.search(text) or "« " in text or " »" in text]
    assert bad == [], bad[:3]


def test_case_managers_refer_to_specialists_rather_than_run_therapy():
    """Sleep, nightmares and startle after detention or trafficking go to a mental-health professional, early."""
    for case_id in ("karim", "salma"):
        reference = case_by_id(case_id).reference
        assert "specialised_mh_referral" in reference.assistance, case_id
    karim = case_by_id("karim").reference
    assert "psychosocial_counselling" not in karim.assistance
    why = karim.assistance_explanations["specialised_mh_referral"]
    assert "mental-health professional" in why["en"] and "support and follow-up" in why["en"]
    assert "professionnel de la santé mentale" in why["fr"] and "soutien et le suivi" in why["fr"]
    beyond_role = re.compile(r"(counselling )?sessions? on (sleep|nightmares)|regular counselling sessions", re.I)
    for case in CASES:
        for aid, text in case.reference.assistance_explanations.items():
            assert not beyond_role.search(text["en"]), (case.id, aid)
    assert "distress" in GRID.assistance_type("specialised_mh_referral").needs


def test_the_reference_answers_treat_a_regular_route_as_a_choice():
    assert case_by_id("fatima").reference.answers["psy_remigration"] == "regular"
    assert case_by_id("youssef").reference.answers["psy_remigration"] == "regular"
    assert all("psy_sleep" in case.reference.answers for case in CASES)
