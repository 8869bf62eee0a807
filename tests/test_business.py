"""The business-plan review exercise: its logic, its data, and its widget driven like a learner would."""
from __future__ import annotations

import dataclasses
import html
import json
import re

import pytest
from hypothesis import given, settings, strategies as st

from reintegra.business import review as R
from reintegra.business.synth import TEMPLATES, generate_plans
from reintegra.paths import reference_datasets_dir
from reintegra.ui.business_plan import BusinessPlanReview

BOOK = R.load_plans()
RULES = BOOK.rules
PLAN_IDS = [p.id for p in BOOK.plans]


# ------------------------------------------------------------------ data

def test_the_committed_plans_are_the_generators_output():
    committed = json.loads((reference_datasets_dir() / "business_plans.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(generate_plans(committed["seed"]), ensure_ascii=False))


def test_the_generator_is_seeded():
    assert generate_plans(41) == generate_plans(41)
    assert generate_plans(41) != generate_plans(42)


def test_there_are_at_least_five_plans_in_different_regions_with_the_activities_asked_for():
    assert len(BOOK.plans) >= 5
    assert len({p.region_id for p in BOOK.plans}) == len(BOOK.plans)
    activities = " ".join(R.pick(p.activity, "en").lower() for p in BOOK.plans)
    for word in ("taxi", "grocery", "tailoring", "sheep", "phone"):
        assert word in activities


def test_every_reference_decision_is_the_one_the_plan_was_written_to_teach():
    data = json.loads((reference_datasets_dir() / "business_plans.json").read_text(encoding="utf-8"))
    for raw in data["plans"]:
        plan = BOOK.plan(raw["id"])
        assert R.reference(plan, RULES).decision == raw["expected_decision"], plan.id


def test_the_plans_cover_every_decision_and_every_risk():
    decisions = {R.reference(p, RULES).decision for p in BOOK.plans}
    assert decisions == set(R.DECISIONS)
    seen = set().union(*(R.risks(p, RULES) for p in BOOK.plans))
    assert seen == set(R.RISKS)
    verdicts = {R.price_verdict(l) for p in BOOK.plans for l in p.lines}
    assert verdicts == set(R.PRICE_VERDICTS)


def test_the_rules_are_labelled_illustrative_and_every_category_explains_itself():
    data = json.loads((reference_datasets_dir() / "business_plans.json").read_text(encoding="utf-8"))
    assert data["rules"]["illustrative"] is True
    assert "illustrative" in data["notice"]["en"] and "illustratifs" in data["notice"]["fr"]
    for category in RULES.categories.values():
        assert category.why["en"] and category.why["fr"]
        assert ("Not eligible" in category.why["en"]) == (not category.eligible)


def test_french_text_of_the_plans_is_typographically_french():
    def strings(value):
        if isinstance(value, dict):
            for k, v in value.items():
                if k == "fr" and isinstance(v, str):
                    yield v
                else:
                    yield from strings(v)
        elif isinstance(value, list):
            for v in value:
                yield from strings(v)

    data = generate_plans(41)
    french = list(strings(data))
    assert french
    for text in french:
        assert "'" not in text, text
        assert not re.search(r"[^\u00a0\u202f][:;!?](\s|$)", text), text


# ------------------------------------------------------------------ logic, as properties

line_strategy = st.builds(
    lambda cat, qty, ref, factor: R.Line("l", {"en": "x", "fr": "x"}, cat, qty, int(ref * factor),
                                         int(ref * 0.85), ref, int(ref * 1.15)),
    st.sampled_from(sorted(RULES.categories)), st.integers(1, 20), st.integers(100, 50_000),
    st.floats(0.3, 2.0),
)


@given(line_strategy)
def test_a_price_is_right_exactly_when_it_lies_in_the_market_range(line):
    verdict = R.price_verdict(line)
    if line.market_low <= line.unit_price <= line.market_high:
        assert verdict == "right"
    else:
        assert verdict == ("too_high" if line.unit_price > line.market_high else "too_low")


@given(st.sampled_from(PLAN_IDS), st.integers(0, 200_000))
def test_the_ceiling_risk_follows_the_total(plan_id, extra):
    plan = BOOK.plan(plan_id)
    extra_line = R.Line("extra", {"en": "x", "fr": "x"}, "equipment", 1, extra, extra, extra, extra)
    bigger = dataclasses.replace(plan, lines=plan.lines + (extra_line,))
    assert bigger.total == plan.total + extra
    assert ("ceiling" in R.risks(bigger, RULES)) == (bigger.total > RULES.grant_ceiling)


@given(st.sampled_from(PLAN_IDS), st.integers(0, 20))
def test_running_costs_are_covered_when_the_working_capital_is_large_enough(plan_id, months):
    plan = BOOK.plan(plan_id)
    capital = months * plan.monthly_running_costs
    lines = tuple(l for l in plan.lines if l.category != "working_capital")
    lines += (R.Line("wc", {"en": "x", "fr": "x"}, "working_capital", 1, capital, capital, capital, capital),)
    changed = dataclasses.replace(plan, lines=lines)
    assert ("running_costs" in R.risks(changed, RULES)) == (months < RULES.min_months_running)


@given(st.sampled_from(PLAN_IDS))
def test_the_reference_review_scores_full_marks_and_an_empty_review_none(plan_id):
    plan = BOOK.plan(plan_id)
    full = R.check_review(plan, RULES, R.reference_review(plan, RULES))
    assert full.counts() == {"right": full.total, "wrong": 0, "missing": 0}
    empty = R.check_review(plan, RULES, R.LearnerReview())
    counts = empty.counts()
    assert sum(counts.values()) == empty.total == 2 * len(plan.lines) + len(R.RISKS) + 1
    # Unticked risks are right when the plan doesn't carry them; everything else is missing.
    assert counts["right"] == len(R.RISKS) - len(R.risks(plan, RULES))


@given(st.sampled_from(PLAN_IDS), st.data())
def test_one_wrong_line_answer_costs_exactly_one_point(plan_id, data):
    plan = BOOK.plan(plan_id)
    review = R.reference_review(plan, RULES)
    line = data.draw(st.sampled_from(plan.lines))
    review.eligible[line.id] = not review.eligible[line.id]
    result = R.check_review(plan, RULES, review)
    assert result.counts()["wrong"] == 1
    assert [c.line.id for c in result.lines if c.eligible_status == "wrong"] == [line.id]


@given(st.sampled_from(PLAN_IDS))
def test_the_decision_rule_puts_skills_first_then_the_market(plan_id):
    plan = BOOK.plan(plan_id)
    found = R.risks(plan, RULES)
    decision = R.reference(plan, RULES).decision
    if "skills" in found:
        assert decision == "refer_training"
    elif "saturated" in found:
        assert decision == "refer_placement"
    elif decision == "approve":
        assert not found
    # A plan with a problem is never approved as it stands.
    ref = R.reference(plan, RULES)
    if found or not all(ref.eligible.values()) or set(ref.price.values()) != {"right"}:
        assert decision != "approve"


def test_a_corrected_plan_drops_ineligible_lines_and_reprices_the_rest():
    plan = BOOK.plan("tailoring-beni-mellal")
    corrected = R.corrected_total(plan, RULES)
    machine = plan.line("machine")
    household = plan.line("household")
    assert corrected == plan.total - household.amount - machine.amount + machine.market_ref
    assert corrected <= RULES.grant_ceiling


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_plan_explains_each_risk_and_its_decision_in_both_languages(lang):
    for plan in BOOK.plans:
        for risk in R.RISKS:
            assert R.risk_reason(plan, RULES, risk, lang)
        reason = R.decision_reason(plan, RULES, lang)
        assert reason and "{" not in reason
    reason = R.decision_reason(BOOK.plan("tailoring-beni-mellal"), RULES, lang)
    assert ("1 ineligible line" if lang == "en" else "1\u00a0ligne non éligible") in reason


# ------------------------------------------------------------------ the widget

def _answer(widget: BusinessPlanReview, review: R.LearnerReview) -> None:
    for line_id, (eligible, price, _) in widget.line_controls.items():
        eligible.value = review.eligible.get(line_id)
        price.value = review.price.get(line_id)
    for risk, box in widget.risk_boxes.items():
        box.value = risk in review.risks
    widget.decision.value = review.decision


@pytest.mark.parametrize("lang,summary", [("en", "16 of 16 right, 0 to review, 0 not answered."),
                                          ("fr", "16 sur 16 justes, 0 à revoir, 0 sans réponse.")])
def test_the_widget_gives_full_marks_for_the_reference_review(lang, summary):
    widget = BusinessPlanReview(lang)
    widget.plan_picker.value = "tailoring-beni-mellal"
    plan = widget.plan
    _answer(widget, R.reference_review(plan, RULES))
    widget.check_button.click()
    assert summary in widget.summary.value
    assert all("verdict-right" in fb.value for _, _, fb in widget.line_controls.values())


def test_the_widget_gives_feedback_on_every_line_risk_and_decision():
    widget = BusinessPlanReview("en")
    widget.plan_picker.value = "tailoring-beni-mellal"
    widget.line_controls["machine"][0].value = True
    widget.line_controls["machine"][1].value = "right"  # wrong: it is too high
    widget.line_controls["household"][0].value = True  # wrong: cash for the household is not eligible
    widget.decision.value = "approve"  # wrong
    widget.check_button.click()
    machine = widget.line_controls["machine"][2].value
    assert "Eligibility right." in machine and "Price: the reference is “Too high”." in machine
    household = widget.line_controls["household"][2].value
    assert "Eligibility: the reference is “Not eligible”." in household and "Not eligible:" in household
    # 22,100 MAD is within the 25,000 MAD ceiling: leaving the ceiling unticked is right
    ceiling = widget.risk_feedback["ceiling"].value
    assert "Rightly left out." in ceiling and "within the 25,000 MAD ceiling" in ceiling
    assert "Rightly left out." in widget.risk_feedback["skills"].value
    decision = html.unescape(widget.decision_feedback.value)
    assert "The reference decision is: Approve with changes." in decision
    assert "Trainer's note" in decision and "With the changes, the plan would ask for" in decision
    assert all(fb.value for _, _, fb in widget.line_controls.values())
    assert all(fb.value for fb in widget.risk_feedback.values())


def test_a_false_alarm_is_named_as_such():
    widget = BusinessPlanReview("fr")
    widget.plan_picker.value = "pastry-fes"
    widget.risk_boxes["saturated"].value = True
    widget.check_button.click()
    assert "Pas un risque dans ce plan." in widget.risk_feedback["saturated"].value


def test_each_plan_keeps_its_answers_when_the_learner_switches_plans():
    widget = BusinessPlanReview("en")
    widget.plan_picker.value = "taxi-tanger"
    widget.line_controls["car"][0].value = True
    widget.risk_boxes["authorisation"].value = True
    widget.decision.value = "refer_placement"
    widget.plan_picker.value = "pastry-fes"
    assert widget.decision.value is None
    assert all(e.value is None for e, _, _ in widget.line_controls.values())
    widget.plan_picker.value = "taxi-tanger"
    assert widget.line_controls["car"][0].value is True
    assert widget.risk_boxes["authorisation"].value is True
    assert widget.decision.value == "refer_placement"


def test_changing_an_answer_after_checking_clears_its_feedback_and_marks_the_summary_stale():
    widget = BusinessPlanReview("en")
    widget.plan_picker.value = "grocery-oujda"
    widget.decision.value = "refer_placement"
    widget.check_button.click()
    assert "Right decision" in widget.decision_feedback.value
    widget.decision.value = "approve"
    assert widget.decision_feedback.value == ""
    assert "check your review again" in widget.summary.value


def test_start_again_clears_only_the_plan_shown():
    widget = BusinessPlanReview("en")
    widget.plan_picker.value = "taxi-tanger"
    widget.decision.value = "refer_placement"
    widget.plan_picker.value = "pastry-fes"
    widget.decision.value = "approve"
    widget.reset_button.click()
    assert widget.decision.value is None
    widget.plan_picker.value = "taxi-tanger"
    assert widget.decision.value == "refer_placement"


def test_an_unanswered_line_or_decision_does_not_give_the_reference_away():
    widget = BusinessPlanReview("en")
    widget.plan_picker.value = "phone-repair-agadir"
    widget.check_button.click()
    assert widget.decision_feedback.value.endswith("No decision yet: choose one.</span>")
    assert "Refer" not in widget.decision_feedback.value
    parts = widget.line_controls["phone"][2].value
    assert "Not answered." in parts and "Not eligible" not in parts and "reference" not in parts


def test_checking_without_a_plan_does_nothing():
    widget = BusinessPlanReview("en")
    assert widget.check() is None
    assert widget.summary.value == ""


def test_every_template_name_is_unique_and_fictional_looking():
    names = [t["returnee"]["name"] for t in TEMPLATES]
    assert len(set(names)) == len(names)
