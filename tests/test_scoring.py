"""The instrument and its scoring: unit tests and property tests.

Properties checked with hypothesis on random answers (including missing,
not-applicable and invalid ones): every score stays in 0–1; a better answer
never lowers a score; the weights of a dimension add up to 1; a dimension with
too few answers is "insufficient data", never 0; the vectorised scoring of a
caseload gives the same numbers as the scoring of one case.
"""
from __future__ import annotations

import copy
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reintegra import scoring
from reintegra.instrument import (
    InstrumentError, from_dict, load_instrument, read_instrument_file, validate_instrument,
)
from reintegra.paths import reference_datasets_dir

INSTRUMENT = load_instrument()
RAW = json.loads((reference_datasets_dir() / "instrument.json").read_text(encoding="utf-8"))
ITEMS = INSTRUMENT.items
QUESTIONS = INSTRUMENT.screening


# ---------------------------------------------------------------- the instrument


def test_the_course_instrument_is_valid_and_illustrative():
    assert validate_instrument(RAW) == []
    assert INSTRUMENT.illustrative
    assert 12 <= len(ITEMS) <= 18  # "about 15 indicators"
    assert set(INSTRUMENT.dimension_ids) == {"economic", "social", "psychosocial"}
    assert "ILLUSTRATIVE" in INSTRUMENT.notice_text("en").upper()
    assert "ILLUSTRATIF" in INSTRUMENT.notice_text("fr").upper()


def test_weights_add_up_to_one_in_every_dimension_and_in_the_composite():
    for dim in INSTRUMENT.dimension_ids:
        assert math.isclose(sum(i.weight for i in INSTRUMENT.items_in(dim)), 1.0, abs_tol=1e-9)
    assert math.isclose(sum(INSTRUMENT.composite_weights.values()), 1.0, abs_tol=1e-9)


def test_every_option_score_is_in_0_1_or_not_applicable_and_texts_are_bilingual():
    for item in ITEMS:
        assert item.label("en") and item.label("fr") and item.question("fr") != item.question("en")
        scored = [o.score for o in item.options if o.score is not None]
        assert len(scored) >= 2 and all(0 <= s <= 1 for s in scored)
        assert min(scored) == 0 and max(scored) == 1  # each item spans the whole scale
    for question in QUESTIONS:
        assert question.flag.raised_by and all(question.option(c) for c in question.flag.raised_by)
        assert question.flag.text("fr") and question.flag.action["fr"]


def test_bands_cover_0_to_1_and_every_score_has_exactly_one_band():
    assert INSTRUMENT.bands[0].min == 0 and INSTRUMENT.bands[-1].max == 1
    for value in np.linspace(0, 1, 101):
        band = INSTRUMENT.band_for(float(value))
        assert band is not None and band.min <= value <= band.max
    assert INSTRUMENT.band_for(0.4).code == "fragile"  # min included, max excluded
    assert INSTRUMENT.band_for(0.39999).code == "low"
    assert INSTRUMENT.band_for(1.0).code == "good"  # the last band includes 1
    assert INSTRUMENT.band_for(None) is None


def _broken(edit) -> list[str]:
    data = copy.deepcopy(RAW)
    edit(data)
    return [p.key for p in validate_instrument(data)]


def test_validation_reports_every_problem_of_a_broken_file():
    def edit(data):
        data["items"][0]["weight"] = 0.9  # economic weights no longer add up to 1
        data["items"][1]["options"][0]["score"] = 1.5  # out of range
        data["items"][2]["dimension"] = "spiritual"  # unknown
        data["items"][3]["id"] = data["items"][4]["id"]  # duplicate
        data["composite_weights"]["economic"] = 0.9
        data["bands"][1]["min"] = 0.45  # a gap between bands
        data["screening"][0]["flag"]["raised_by"] = ["maybe"]  # not an option
        del data["items"][5]["text"]["fr"]
    keys = _broken(edit)
    for expected in ("weight_sum", "score_range", "unknown_dimension", "duplicate", "composite", "bands", "flag", "no_text"):
        assert expected in keys, expected


def test_a_broken_file_raises_one_error_with_a_readable_report_in_both_languages(tmp_path):
    data = copy.deepcopy(RAW)
    data["items"][0]["weight"] = 0.5
    with pytest.raises(InstrumentError) as error:
        from_dict(data)
    assert "add up to" in error.value.report("en")
    assert "totalisent" in error.value.report("fr")
    bad = tmp_path / "instrument.json"
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(InstrumentError) as error:
        read_instrument_file(bad)
    assert "JSON" in error.value.report("fr")
    with pytest.raises(InstrumentError):
        read_instrument_file(tmp_path / "missing.json")


def test_an_organisation_can_drop_in_its_own_instrument(tmp_path):
    """Another instrument (different items, weights, bands, minimum) works without touching code."""
    data = copy.deepcopy(RAW)
    data["items"] = [i for i in data["items"] if i["id"] not in ("eco_satisfaction", "psy_remigration")]
    for dim in ("economic", "psychosocial"):
        items = [i for i in data["items"] if i["dimension"] == dim]
        for item in items:
            item["weight"] = 1 / len(items)
    data["composite_weights"] = {"economic": 1 / 3, "social": 1 / 3, "psychosocial": 1 / 3}
    data["min_answers_per_dimension"] = {"economic": 2, "social": 3, "psychosocial": 2}
    data["bands"] = [{"code": "low", "min": 0, "max": 0.5, "label": {"en": "Low", "fr": "Bas"}},
                     {"code": "high", "min": 0.5, "max": 1, "label": {"en": "High", "fr": "Haut"}}]
    path = tmp_path / "instrument.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    mine = load_instrument(path)
    result = scoring.score_answers(mine, {"eco_income": "regular_ok", "eco_work": "employed"})
    assert result.dimensions["economic"].score == 1.0  # two answers are enough in this instrument
    assert mine.band_for(0.7).code == "high"


# ---------------------------------------------------------------- scoring rules


def test_item_score_is_the_option_score_and_unknown_or_missing_is_none():
    income = INSTRUMENT.item("eco_income")
    assert scoring.item_score(income, "regular_low") == pytest.approx(0.67)
    assert scoring.item_score(income, None) is None
    assert scoring.item_score(income, "lots") is None
    assert scoring.item_score(INSTRUMENT.item("soc_education"), "na") is None


def test_dimension_score_is_the_weighted_mean_of_answered_items_rescaled():
    answers = {"eco_income": "none", "eco_work": "employed", "eco_debt": "none"}  # 0, 1, 1 with weights .25 .2 .2
    result = scoring.dimension_score(INSTRUMENT, "economic", answers)
    assert result.answered == 3 and result.missing == 2
    assert result.score == pytest.approx((0.2 + 0.2) / (0.25 + 0.2 + 0.2))


def test_missing_answers_give_insufficient_data_not_zero():
    answers = {"soc_housing": "adequate", "soc_health": "yes"}  # two answers, three needed
    result = scoring.score_answers(INSTRUMENT, answers)
    social = result.dimensions["social"]
    assert social.score is None and not social.sufficient
    assert social.answered == 2 and social.needed == 3
    assert result.composite is None  # no composite without all three dimensions
    lines = {l.key: l for l in scoring.score_lines(INSTRUMENT, result, "fr")}
    assert lines["social"].score_text == "données insuffisantes"
    assert lines["social"].detail == "2 des 3 réponses nécessaires"
    assert scoring.format_score(None, "en") == "insufficient data"


def test_not_applicable_is_not_an_answer_and_its_weight_is_shared():
    base = {"soc_housing": "basic", "soc_health": "yes", "soc_documents": "some"}
    with_na = scoring.dimension_score(INSTRUMENT, "social", {**base, "soc_education": "na"})
    without = scoring.dimension_score(INSTRUMENT, "social", base)
    assert with_na.score == without.score
    assert with_na.not_applicable == 1 and with_na.answered == 3
    two_and_na = scoring.dimension_score(INSTRUMENT, "social", {"soc_housing": "basic", "soc_education": "na"})
    assert two_and_na.score is None  # "not applicable" does not count towards the minimum


def test_invalid_answers_are_left_out_and_reported_in_the_learners_language():
    result = scoring.score_answers(INSTRUMENT, {"eco_income": "plenty", "eco_work": 3, "nonsense": "x",
                                                "eco_debt": "none", "eco_food": None, "eco_food_x": ""})
    kinds = {(bad.item_id, bad.known_item) for bad in result.invalid}
    assert kinds == {("eco_income", True), ("eco_work", True), ("nonsense", False)}
    message = next(b for b in result.invalid if b.item_id == "eco_income").message(INSTRUMENT, "fr")
    assert "«\u00a0plenty\u00a0»" in message and "Aucun revenu" in message
    assert result.dimensions["economic"].answered == 1


def test_screening_flags_are_separate_from_the_scores():
    answers = {"scr_medical": "yes", "scr_protection": "no"}
    result = scoring.score_answers(INSTRUMENT, answers)
    assert [f.code for f in result.flags] == ["urgent_medical"]
    assert result.composite is None  # flags do not make a score
    assert scoring.raised_flags(INSTRUMENT, {"scr_shelter": "yes"})[0].code == "no_safe_shelter"


def test_composite_is_the_weighted_mean_of_the_dimensions():
    answers = {i.id: max(i.options, key=lambda o: -1 if o.score is None else o.score).code for i in ITEMS}
    answers["eco_income"] = "none"
    result = scoring.score_answers(INSTRUMENT, answers)
    dims = {d: result.dimensions[d].score for d in INSTRUMENT.dimension_ids}
    expected = sum(INSTRUMENT.composite_weights[d] * dims[d] for d in dims)
    assert result.composite == pytest.approx(expected)
    assert dims["economic"] == pytest.approx(0.75)


# ------------------------------------------------------------- property tests


def _answer(item) -> st.SearchStrategy:
    return st.one_of(st.none(), st.sampled_from(item.codes()), st.just("not-an-option"), st.integers(0, 3))


ANSWERS = st.fixed_dictionaries({item.id: _answer(item) for item in ITEMS})
SCREENING = st.fixed_dictionaries({q.id: st.one_of(st.none(), st.sampled_from(q.codes())) for q in QUESTIONS})


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(answers=ANSWERS, screening=SCREENING)
def test_scores_always_stay_between_0_and_1(answers, screening):
    result = scoring.score_answers(INSTRUMENT, {**answers, **screening})
    for dim in INSTRUMENT.dimension_ids:
        value = result.dimensions[dim].score
        assert value is None or 0.0 <= value <= 1.0
    assert result.composite is None or 0.0 <= result.composite <= 1.0
    if result.composite is not None:
        assert all(result.dimensions[d].sufficient for d in INSTRUMENT.dimension_ids)


@settings(max_examples=300, deadline=None)
@given(answers=ANSWERS, data=st.data())
def test_a_better_answer_never_lowers_a_score(answers, data):
    item = data.draw(st.sampled_from(ITEMS))
    scored = [o for o in item.options if o.score is not None]
    worse, better = sorted(data.draw(st.lists(st.sampled_from(scored), min_size=2, max_size=2)), key=lambda o: o.score)
    low = scoring.score_answers(INSTRUMENT, {**answers, item.id: worse.code})
    high = scoring.score_answers(INSTRUMENT, {**answers, item.id: better.code})
    for key in (item.dimension, "composite"):
        a, b = low.score(key), high.score(key)
        assert (a is None) == (b is None)  # the same answers are present either way
        if a is not None:
            assert b >= a - 1e-12
            band_a, band_b = INSTRUMENT.band_for(a), INSTRUMENT.band_for(b)
            assert INSTRUMENT.bands.index(band_b) >= INSTRUMENT.bands.index(band_a)


@settings(max_examples=200, deadline=None)
@given(answers=ANSWERS)
def test_a_dimension_scores_only_with_enough_answers(answers):
    result = scoring.score_answers(INSTRUMENT, answers)
    for dim in INSTRUMENT.dimension_ids:
        ds = result.dimensions[dim]
        assert ds.sufficient == (ds.answered >= INSTRUMENT.min_answers[dim])
        assert ds.total == len(INSTRUMENT.items_in(dim))


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(ANSWERS, SCREENING), min_size=1, max_size=25))
def test_the_caseload_scoring_agrees_with_the_one_case_scoring(rows):
    frame = pd.DataFrame([{**a, **s} for a, s in rows]).astype(object)
    frame = frame.where(frame.notna(), None)
    scored = scoring.score_frame(INSTRUMENT, frame)
    for position, (answers, screening) in enumerate(rows):
        one = scoring.score_answers(INSTRUMENT, {**answers, **screening})
        for key in (*INSTRUMENT.dimension_ids, "composite"):
            value, vector = one.score(key), scored[key].iloc[position]
            if value is None:
                assert np.isnan(vector)
                assert scored[f"band_{key}"].iloc[position] == ""
            else:
                assert vector == pytest.approx(value)
                assert scored[f"band_{key}"].iloc[position] == INSTRUMENT.band_for(value).code
        flags = {f.code for f in one.flags}
        for question in QUESTIONS:
            assert bool(scored[f"flag_{question.flag.code}"].iloc[position]) == (question.flag.code in flags)


def test_the_committed_caseload_is_scored_with_insufficient_data_where_answers_are_missing():
    from reintegra.loader import load_assessments

    assessments = load_assessments()
    scored = scoring.score_frame(INSTRUMENT, assessments)
    assert len(scored) == len(assessments)
    values = scored[["economic", "social", "psychosocial", "composite"]].to_numpy(dtype=float)
    assert np.nanmin(values) >= 0 and np.nanmax(values) <= 1
    shares = scoring.band_shares(INSTRUMENT, scored, "psychosocial")
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["insufficient"] > 0  # interviews cut short exist in the synthetic data


def test_scoring_a_large_caseload_is_fast():
    import time

    rng = np.random.default_rng(7)
    n = 100_000
    frame = pd.DataFrame({i.id: rng.choice(np.array(list(i.codes()) + [""], dtype=object), n) for i in ITEMS})
    start = time.perf_counter()
    scored = scoring.score_frame(INSTRUMENT, frame)
    elapsed = time.perf_counter() - start
    assert len(scored) == n
    assert elapsed < 5.0, f"scoring 100,000 cases took {elapsed:.1f} s"


# ---------------------------------------------------------------- two items the field asked to fix


def _psychosocial(remigration):
    answers = {"psy_distress": "several", "psy_sleep": "rarely", "psy_support": "one", "psy_participation": "sometimes",
               "psy_belonging": "partly", "psy_remigration": remigration}
    return scoring.score_answers(INSTRUMENT, answers).dimensions["psychosocial"].score


def test_a_regular_route_by_choice_does_not_count_against_the_returnee():
    options = {o.code: o.score for o in INSTRUMENT.item("psy_remigration").options}
    assert options["regular"] == options["no"] == 1.0  # choosing a legal route scores as staying
    assert options["must"] == options["irregular"] == 0.0  # forced to leave, or an irregular route: the risk
    assert 0 < options["maybe"] < 1
    assert _psychosocial("regular") == pytest.approx(_psychosocial("no"))
    assert _psychosocial("irregular") == pytest.approx(_psychosocial("must"))
    assert _psychosocial("must") < _psychosocial("maybe") < _psychosocial("no")
    note = INSTRUMENT.item("psy_remigration").note
    assert "legitimate choice" in note["en"] and "choix légitime" in note["fr"]


def test_worry_and_sleep_are_two_items_not_one_double_question():
    distress, sleep = INSTRUMENT.item("psy_distress"), INSTRUMENT.item("psy_sleep")
    assert "sleep" not in distress.text["en"].lower() and "sommeil" not in distress.text["fr"].lower()
    assert "sleep" in sleep.text["en"].lower() and "dormir" in sleep.text["fr"]
    assert distress.dimension == sleep.dimension == "psychosocial"
    weights = [i.weight for i in ITEMS if i.dimension == "psychosocial"]
    assert sum(weights) == pytest.approx(1.0)
    base = {"psy_support": "one", "psy_participation": "sometimes", "psy_belonging": "partly", "psy_remigration": "no"}
    sad_sleeps = scoring.score_answers(INSTRUMENT, {**base, "psy_distress": "most_days", "psy_sleep": "never"})
    calm_no_sleep = scoring.score_answers(INSTRUMENT, {**base, "psy_distress": "never", "psy_sleep": "most_days"})
    assert sad_sleeps.dimensions["psychosocial"].score != calm_no_sleep.dimensions["psychosocial"].score
