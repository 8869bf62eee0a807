"""The case-assessment widget and the caseload view, driven the way a learner drives them."""
from __future__ import annotations

import base64
import re

import pytest

from reintegra.case_studies import case_by_id
from reintegra.ui.assessment import CaseAssessment, CaseloadView, ScoreChart, score_panel_html

NBSP = "\u00a0"


@pytest.fixture()
def exercise(tmp_path):
    return CaseAssessment("en")


@pytest.fixture()
def exercise_fr(tmp_path):
    return CaseAssessment("fr")


def answer_like_the_reference(widget: CaseAssessment, case_id: str) -> None:
    widget.case_picker.value = case_id
    for qid, code in case_by_id(case_id).reference.all_answers.items():
        widget.choices[qid].value = code


def _chart_in(html: str) -> str:
    match = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert match, "no chart in the panel"
    return base64.b64decode(match.group(1)).decode("utf-8")


# ------------------------------------------------------------------ assessing


def test_choosing_a_case_shows_its_file_and_empty_scores(exercise):
    assert "Choose a case above" in exercise.case_file.value
    exercise.case_picker.value = "khadija"
    assert "Khadija Ouahbi" in exercise.case_file.value
    assert "Interview notes" in exercise.case_file.value and "2026-05-21" in exercise.case_file.value
    assert "Tétouan, Tangier-Tetouan-Al Hoceima" in exercise.case_file.value
    assert "insufficient data" in exercise.scores.value
    assert "Illustrative instrument" in exercise.scores.value  # every score display says so
    assert exercise.tabs.titles[0] == "Economic (0/5)"


def test_a_restricted_note_is_shown_apart_under_its_banner(exercise, exercise_fr):
    """The suicide-risk protocol keeps the disclosure out of the general notes: the
    case file shows it, for training, only under the restricted banner."""
    khadija = case_by_id("khadija")
    restricted = [n for n in khadija.notes if n.restricted]
    general = [n for n in khadija.notes if not n.restricted]
    assert len(restricted) == 1 and "would rather not wake up" in restricted[0].text["en"]
    assert not any("would rather not wake up" in n.text["en"] for n in general)
    assert any("see the restricted note of 21/05" in n.text["en"] for n in general)
    exercise.case_picker.value = "khadija"
    html = exercise.case_file.value
    banner = "Restricted part of the file, shown for training"
    assert html.count(banner) == 2  # the banner's text and its accessible name, once
    block = html[html.index('class="ra-note ra-note-restricted"'):]
    assert block.index(banner) < block.index("would rather not wake up")
    exercise.case_picker.value = "karim"  # a case with no restricted note shows no banner
    assert banner not in exercise.case_file.value
    exercise_fr.case_picker.value = "khadija"
    assert "Partie restreinte du dossier, montrée pour la formation" in exercise_fr.case_file.value


def test_scores_update_as_the_learner_answers(exercise):
    exercise.case_picker.value = "karim"
    exercise.choices["eco_income"].value = "none"
    exercise.choices["eco_work"].value = "none"
    assert exercise.tabs.titles[0] == "Economic (2/5)"
    assert "2/5" in exercise.scores.value and "insufficient data" in exercise.scores.value
    first = _chart_in(exercise.scores.value)
    exercise.choices["eco_debt"].value = "none"  # the third answer: the dimension now has a score
    score = exercise.current_score()
    assert score.dimensions["economic"].score == pytest.approx(0.2 / 0.65)
    assert "0.31" in exercise.scores.value and "Serious difficulties" in exercise.scores.value
    assert _chart_in(exercise.scores.value) != first  # the chart was redrawn
    assert ">0.31</text>" in _chart_in(exercise.scores.value)  # the bar's value, written on the chart
    alt = re.search(r'alt="([^"]+)"', exercise.scores.value).group(1)
    assert "Economic: 0.31, Serious difficulties." in alt  # the text alternative says what the chart shows


def test_a_complete_assessment_like_the_reference_agrees_everywhere(exercise):
    answer_like_the_reference(exercise, "karim")
    statuses = exercise.check_button.click() or exercise.check()
    assert set(statuses.values()) == {"agree"}
    assert "21 of 21 answers agree with the reference" in exercise.summary.value
    assert "Every answer agrees with the reference" in exercise.summary.value
    assert "Same as the reference." in exercise.feedback["eco_income"].value
    assert "the next question" in exercise.feedback["eco_income"].value  # the trainer's explanation
    assert "Reference" in exercise.scores.value  # the reference scores appear on the chart's table
    assert "0.42 (Fragile)" in exercise.scores.value  # psychosocial 0.345: worry several days, sleep most days


def test_checking_marks_differences_and_missing_answers_without_revealing_them(exercise):
    exercise.case_picker.value = "mohamed"
    exercise.choices["soc_health"].value = "yes"  # the reference says "no": he had no insulin
    exercise.choices["soc_documents"].value = "all"
    exercise.check_button.click()
    assert "The reference answer is “No”." in exercise.feedback["soc_health"].value
    assert "insulin" in exercise.feedback["soc_health"].value
    assert "Same as the reference." in exercise.feedback["soc_documents"].value
    assert "No answer yet" in exercise.feedback["eco_income"].value
    assert "occasional" not in exercise.feedback["eco_income"].value.lower()  # not revealed
    assert "1 of 21 answers agrees with the reference, 1 differs, 19 not answered." in exercise.summary.value
    assert "Economic: 0 answers, 3 needed for a score." in exercise.summary.value  # guidance, not an error
    assert "You did not raise the flag “Urgent medical need”" in exercise.summary.value
    # changing an answer clears its stale feedback
    exercise.choices["soc_health"].value = "no"
    assert exercise.feedback["soc_health"].value == ""


def test_the_learner_can_ask_for_the_reference_answers(exercise):
    exercise.case_picker.value = "salma"
    exercise.reveal_button.click()
    assert "No answer. The reference answer is “Yes”." in exercise.feedback["scr_trafficking"].value
    assert "passport" in exercise.feedback["scr_trafficking"].value


def test_an_extra_flag_gets_guidance(exercise):
    answer_like_the_reference(exercise, "youssef")
    exercise.choices["scr_protection"].value = "yes"
    exercise.check_button.click()
    assert "You raised the flag “Protection concern”; the reference does not." in exercise.summary.value
    assert "Act now" in exercise.scores.value  # a raised flag is shown with its action next to the scores


def test_checking_without_a_case_or_without_answers_gives_guidance_not_an_error(exercise):
    assert exercise.check() is None
    assert "Choose a case first" in exercise.summary.value
    exercise.case_picker.value = "fatima"
    exercise.check_button.click()
    assert "Answer at least one item before checking" in exercise.summary.value
    assert exercise.check_plan() is None and "Choose at least one priority need" in exercise.plan_feedback.value


def test_wrong_answers_or_wrong_types_get_guidance(exercise):
    exercise.case_picker.value = "karim"
    messages = exercise.set_answers({"eco_income": "millions", "eco_work": 3, "mood": "fine", "eco_debt": "none"})
    assert len(messages) == 3
    assert "The answer “millions” to “Income” is not one of its options" in exercise.summary.value
    assert "“No income”" in exercise.summary.value  # it says which options exist
    assert "“mood” is not an item of the instrument" in exercise.summary.value
    assert exercise.choices["eco_debt"].value == "none" and exercise.choices["eco_income"].value is None


def test_start_again_clears_everything_but_the_case(exercise):
    answer_like_the_reference(exercise, "karim")
    exercise.check_button.click()
    exercise.need_boxes["high_debt"].value = True
    exercise.reset_button.click()
    assert all(c.value is None for c in exercise.choices.values())
    assert not exercise.need_boxes["high_debt"].value
    assert exercise.summary.value == "" and all(f.value == "" for f in exercise.feedback.values())
    assert exercise.case_picker.value == "karim"
    exercise.case_picker.value = "salma"  # a new case starts from a clean sheet too
    assert "Salma El Ouardi" in exercise.case_file.value


# ---------------------------------------------------------------------- the plan


def test_plan_feedback_against_the_grid_and_the_reference(exercise):
    answer_like_the_reference(exercise, "youssef")
    for need in ("no_income_activity", "high_debt"):
        exercise.need_boxes[need].value = True
    for assistance in ("business_grant", "cash_assistance", "financial_training"):
        exercise.assistance_boxes[assistance].value = True
    result = exercise.check_plan_button.click() or exercise.check_plan()
    needs = {v.id: v.status for v in result["needs"]}
    assert needs == {"no_income_activity": "agree", "high_debt": "extra", "remote_location": "missed"}
    assistance = {v.id: v.status for v in result["assistance"]}
    assert assistance == {"cash_assistance": "acceptable", "business_grant": "agree", "financial_training": "not_fit"}
    text = exercise.plan_feedback.value
    assert "Needs: 1 agrees with the reference, 1 is not a priority there, 1 missed." in text
    assert "It becomes a priority when the answer to “Debt”" in text
    assert "The grid does not link it to any priority need of this case" in text
    assert "With your scores, the rule gives: standard follow-up." in text
    assert "The trainer&#x27;s debrief" in text or "The trainer's debrief" in text


def test_plan_with_needs_but_no_assistance_gets_guidance_and_the_flag_reminder(exercise):
    answer_like_the_reference(exercise, "khadija")
    exercise.need_boxes["specialised_care"].value = True
    exercise.check_plan_button.click()
    text = exercise.plan_feedback.value
    assert "Now choose the assistance that answers them" in text
    assert "Whatever the plan, a screening flag calls for immediate action" in text
    assert "Missed." in text  # the reference needs not chosen


def test_saving_a_draft_plan_offers_a_download_and_writes_nothing(exercise, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    answer_like_the_reference(exercise, "salma")
    exercise.need_boxes["safety_rights"].value = True
    exercise.assistance_boxes["protection_referral"].value = True
    exercise.notes_box.value = "She wants a woman counsellor."
    exercise.save_button.click()
    name = exercise.saved["name"]
    assert name.startswith("plan-salma-en-") and name.endswith(".html")
    page = exercise.saved["content"].decode("utf-8")
    assert "Draft reintegration plan" in page and "Salma El Ouardi" in page
    assert "Referral to the protection focal point" in page and "She wants a woman counsellor." in page
    assert "download it to this device" in exercise.save_result.value
    assert str(tmp_path) not in exercise.save_result.value and "/plans" not in exercise.save_result.value
    link = re.search(r"download='([^']+)' href='data:text/html;charset=utf-8;base64,([^']+)'", exercise.save_result.value)
    assert link.group(1) == name and base64.b64decode(link.group(2)).decode("utf-8") == page
    assert list(tmp_path.iterdir()) == []  # nothing written where the kernel runs
    exercise.format_picker.value = "md"
    markdown = exercise.save_plan()
    assert markdown.endswith(".md") and exercise.saved["content"].decode("utf-8").startswith("# Draft reintegration plan")


def test_saving_without_a_case_gives_guidance_and_an_empty_plan_can_still_be_downloaded():
    exercise = CaseAssessment("en")
    assert exercise.save_plan() is None and "Choose a case and assess it" in exercise.save_result.value
    exercise.case_picker.value = "karim"
    assert exercise.save_plan() is not None
    assert "no priority need yet" in exercise.save_result.value and "download" in exercise.save_result.value.lower()


def test_changing_case_keeps_each_cases_answers(exercise):
    exercise.case_picker.value = "karim"
    exercise.choices["eco_income"].value = exercise.choices["eco_income"].options[0][1]
    exercise.choices["eco_work"].value = exercise.choices["eco_work"].options[0][1]
    exercise.need_boxes["housing"].value = True
    exercise.notes_box.value = "Karim's notes"
    karim = exercise.answers()
    assert exercise.tabs.titles[0].endswith("(2/5)")
    exercise.case_picker.value = "salma"
    assert exercise.tabs.titles[0].endswith("(0/5)") and exercise.notes_box.value == ""
    assert not exercise.need_boxes["housing"].value
    exercise.choices["eco_income"].value = exercise.choices["eco_income"].options[-1][1]
    exercise.case_picker.value = "karim"
    assert exercise.answers() == karim and exercise.tabs.titles[0].endswith("(2/5)")
    assert exercise.need_boxes["housing"].value and exercise.notes_box.value == "Karim's notes"
    assert "Your answers to this case are kept" in exercise.summary.value
    exercise.case_picker.value = "salma"
    assert exercise.choices["eco_income"].value == exercise.choices["eco_income"].options[-1][1]


def test_the_plan_feedback_never_goes_stale(exercise):
    answer_like_the_reference(exercise, "karim")
    exercise.need_boxes["housing"].value = True
    exercise.check_plan_button.click()
    assert "Needs: " in exercise.plan_feedback.value
    exercise.need_boxes["high_debt"].value = True
    assert "Needs: " not in exercise.plan_feedback.value
    assert "check your plan again" in exercise.plan_feedback.value
    exercise.check_plan_button.click()
    assert "Needs: " in exercise.plan_feedback.value


def test_plurals_in_the_hints():
    exercise = CaseAssessment("fr")
    exercise.case_picker.value = "karim"
    exercise.choices["eco_income"].value = exercise.choices["eco_income"].options[0][1]
    exercise.check_button.click()
    assert f"1{NBSP}réponse, il en faut" in exercise.summary.value
    exercise_en = CaseAssessment("en")
    exercise_en.case_picker.value = "karim"
    exercise_en.choices["eco_income"].value = exercise_en.choices["eco_income"].options[0][1]
    exercise_en.check_button.click()
    assert "Economic: 1 answer, " in exercise_en.summary.value and " 1 answers" not in exercise_en.summary.value


# -------------------------------------------------------------------- French


def test_the_exercise_speaks_french(exercise_fr, tmp_path):
    w = exercise_fr
    assert w.check_button.description == "Vérifier mon évaluation"
    assert w.tabs.titles[-1] == "Repérage (0/5)"
    answer_like_the_reference(w, "fatima")
    w.choices["eco_work"].value = "none"
    w.check_button.click()
    assert f"La réponse de référence est «{NBSP}Travail occasionnel ou journalier{NBSP}»." in w.feedback["eco_work"].value
    assert "20\u00a0réponses sur 21 concordent avec la référence, 1 diffère, 0 sans réponse." in w.summary.value
    assert "Instrument illustratif" in w.scores.value and "Composite" in w.scores.value
    assert "0,50" in w.scores.value  # decimal comma
    w.need_boxes["housing"].value = True
    w.assistance_boxes["housing_support"].value = True
    w.check_plan_button.click()
    assert "Besoins\u00a0: 1 concorde avec la référence, 0 n’y est pas prioritaire, 5 manqués." in w.plan_feedback.value
    assert "suivi personnalisé recommandé" in w.plan_feedback.value
    w.save_plan()
    assert "Projet de plan de réintégration" in w.saved["content"].decode("utf-8")
    assert "téléchargez-le sur cet appareil" in w.save_result.value


def test_french_guidance_for_wrong_input(exercise_fr):
    exercise_fr.check_button.click()
    assert "Choisissez d’abord un dossier" in exercise_fr.summary.value
    exercise_fr.case_picker.value = "karim"
    exercise_fr.set_answers({"eco_income": "beaucoup"})
    assert f"La réponse «{NBSP}beaucoup{NBSP}» à «{NBSP}Revenus{NBSP}» ne fait pas partie des options" in exercise_fr.summary.value


# ---------------------------------------------------------------- the chart


def test_the_chart_is_an_svg_image_in_the_language_with_the_reference_once_checked():
    import xml.etree.ElementTree as ET

    from reintegra.instrument import load_instrument
    from reintegra.scoring import score_answers

    instrument = load_instrument()
    chart = ScoreChart(instrument, "fr")
    answers = case_by_id("youssef").reference.all_answers
    score = score_answers(instrument, answers)
    svg = _chart_in(score_panel_html(instrument, score, "fr", chart=chart))
    root = ET.fromstring(svg)  # a well-formed SVG document
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts.count("Économique") == texts.count("Composite") == 1 and "Psychosociale" in texts
    assert "Scores (instrument illustratif)" in texts and "0,4" in texts  # French title and axis ticks
    assert "Référence" not in texts  # no reference before checking
    composite = f"{score.composite:.2f}".replace(".", ",")
    assert composite in texts  # the composite's value, as the table says it
    checked = _chart_in(score_panel_html(instrument, score, "fr", reference=score, chart=chart))
    assert "Référence" in checked and checked.count('fill="#fff" stroke="#000"') == 5  # four diamonds and the legend's
    empty = ET.fromstring(chart.svg(score_answers(instrument, {})))
    assert sum("données insuffisantes" in (t.text or "") for t in empty.iter("{http://www.w3.org/2000/svg}text")) == 4


def test_the_case_assessment_needs_neither_pandas_nor_matplotlib(tmp_path):
    """In the reader's browser each takes seconds to load: its dashboard starts without them
    (reintegra.lite.site.LIGHT_EXERCISES), so no step of the exercise may import them."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from reintegra.ui.assessment import CaseAssessment, preload\n"
            "preload()\n"
            "for lang in ('en', 'fr'):\n"
            "    ex = CaseAssessment(lang)\n"
            "    ex.check_button.click()\n"
            "    ex.case_picker.value = 'karim'\n"
            "    ex.choices['eco_income'].value = 'none'\n"
            "    ex.check_button.click()\n"
            "    ex.reveal_button.click()\n"
            "    assert 'Karim' in ex.case_file.value and 'svg' in ex.scores.value\n"
            "    ex.check_plan_button.click()\n"
            "    for box in list(ex.need_boxes.values())[:2] + list(ex.assistance_boxes.values())[:2]:\n"
            "        box.value = True\n"
            "    ex.check_plan_button.click()\n"
            "    for fmt in [v for _, v in ex.format_picker.options]:\n"
            "        ex.format_picker.value = fmt\n"
            "        ex.save_button.click()\n"
            "    ex.reset_button.click()\n"
            "    ex.case_picker.value = 'khadija'\n"
            "print(sorted(m for m in ('pandas', 'matplotlib', 'numpy') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


# ----------------------------------------------------------- the caseload view


def test_caseload_view_scores_the_synthetic_caseload_by_dimension_and_region():
    view = CaseloadView("en")
    assert "assessments of" in view.count.value
    assert "Share of assessments in each band" in view.bands.value or "<img" in view.bands.value
    assert "Insufficient data" in view.bands.value
    assert "Béni Mellal" in view.by_region.value or "Beni Mellal" in view.by_region.value
    assert "Illustrative instrument" in view.widget.children[0].value
    baseline = view.count.value
    view.wave_picker.value = 12
    assert view.count.value != baseline
    view.sex_picker.value = "female"
    assert len(view.selection()) < len(view.all_scores[view.all_scores["wave"] == 12])
    rows = view.band_table(view.selection())
    assert rows[0][0] == "Dimension" and len(rows) == 5


def test_caseload_view_speaks_french_and_handles_an_empty_selection():
    view = CaseloadView("fr")
    assert "Données insuffisantes" in view.bands.value
    assert "Région" in view.by_region.value and "Médiane" not in view.by_region.value
    view.all_scores = view.all_scores.iloc[0:0]
    view.refresh()
    assert "Aucune évaluation ne correspond" in view.count.value


# ------------------------------------------------------- the needs-sorting exercise


@pytest.mark.parametrize("lang, stale, prompt", [
    ("en", "1 of 12 right", "check them again"),
    ("fr", "1 sur 12 juste,", "vérifiez-les de nouveau"),
])
def test_the_needs_sorting_summary_never_goes_stale(lang, stale, prompt):
    from reintegra.ui.dimension_sort import DimensionSorter

    sorter = DimensionSorter(lang)
    sorter.choices["n1"].value = "economic"
    sorter.check_button.click()
    assert stale in sorter.summary.value
    sorter.choices["n2"].value = "social"  # a new answer: the old count no longer holds
    assert stale not in sorter.summary.value and prompt in sorter.summary.value
    sorter.check_button.click()
    assert ("2 of 12 right" if lang == "en" else "2 sur 12 justes") in sorter.summary.value
