"""The three-dimensions exercise: its logic, and its widget driven like a learner would."""
from reintegra import dimensions
from reintegra.ui.dimension_sort import DimensionSorter, summary_text


def test_every_need_has_a_dimension_and_a_reason_in_both_languages():
    assert len(dimensions.NEEDS) == 12
    assert {n.dimension for n in dimensions.NEEDS} == set(dimensions.DIMENSIONS)
    for need in dimensions.NEEDS:
        assert need.reason("en") and need.reason("fr") != need.reason("en")


def test_check_marks_right_wrong_and_missing():
    verdicts = dimensions.check({"n1": "economic", "n2": "economic", "n3": "nonsense"})
    status = {v.need.id: v.status for v in verdicts}
    assert status["n1"] == "right"
    assert status["n2"] == "wrong"
    assert status["n3"] == "missing"  # an answer that is not a dimension is no answer
    assert dimensions.tally(verdicts) == {"right": 1, "wrong": 1, "missing": 10}


def test_all_economic_gets_the_count_of_economic_needs():
    verdicts = dimensions.check({n.id: "economic" for n in dimensions.NEEDS})
    economic = sum(n.dimension == "economic" for n in dimensions.NEEDS)
    assert dimensions.tally(verdicts)["right"] == economic
    assert summary_text(verdicts, "en").startswith(f"{economic} of 12 right")


def test_widget_feedback_follows_the_learner_answers():
    sorter = DimensionSorter("en")
    sorter.choices["n1"].value = "economic"
    sorter.choices["n2"].value = "psychosocial"
    sorter.check_button.click()
    assert "Right." in sorter.feedback["n1"].value
    assert "Not quite: this is social." in sorter.feedback["n2"].value
    assert "No answer yet" in sorter.feedback["n3"].value
    assert "1 of 12 right, 1 to review, 10 not answered." in sorter.summary.value
    # Changing an answer clears its stale feedback; checking again updates the summary.
    sorter.choices["n2"].value = "social"
    assert sorter.feedback["n2"].value == ""
    sorter.check_button.click()
    assert "2 of 12 right" in sorter.summary.value


def test_widget_all_right_and_reset():
    sorter = DimensionSorter("en")
    for need in dimensions.NEEDS:
        sorter.choices[need.id].value = need.dimension
    sorter.check_button.click()
    assert "All needs are in the right dimension" in sorter.summary.value
    sorter.reset_button.click()
    assert all(c.value is None for c in sorter.choices.values())
    assert sorter.summary.value == ""


def test_widget_speaks_french():
    sorter = DimensionSorter("fr")
    assert sorter.check_button.description == "Vérifier mes réponses"
    sorter.choices["n2"].value = "economic"
    sorter.check_button.click()
    assert "Pas tout à fait\u00a0: c’est la dimension sociale." in sorter.feedback["n2"].value
    assert "0 sur 12 juste, 1 à revoir" in sorter.summary.value  # 0 takes the singular in French


def test_vocational_training_is_right_as_economic_or_social_and_the_feedback_explains_the_overlap():
    overlapping = [n for n in dimensions.NEEDS if n.overlaps]
    assert [n.id for n in overlapping] == ["n4"]
    assert set(overlapping[0].accepted) == {"economic", "social"}
    for lang, both, words in (("en", "Economic and social are both right", "overlap"),
                              ("fr", "Économique et sociale sont toutes deux justes", "recoupent")):
        for answer in ("economic", "social"):
            sorter = DimensionSorter(lang)
            sorter.choices["n4"].value = answer
            sorter.check_button.click()
            shown = sorter.feedback["n4"].value
            assert ("Right." if lang == "en" else "Exact.") in shown
            assert both in shown and words in shown
        sorter = DimensionSorter(lang)
        sorter.choices["n4"].value = "psychosocial"
        sorter.check_button.click()
        shown = sorter.feedback["n4"].value
        if lang == "en":
            assert "Not quite: this is economic or social." in shown
        else:
            assert "Pas tout à fait\u00a0: c’est la dimension économique ou sociale." in shown


def test_a_sorting_with_vocational_training_as_social_is_all_right():
    sorter = DimensionSorter("en")
    for need in dimensions.NEEDS:
        sorter.choices[need.id].value = need.accepted[-1]
    assert sorter.choices["n4"].value == "social"
    sorter.check_button.click()
    assert "12 of 12 right" in sorter.summary.value
    assert "All needs are in the right dimension" in sorter.summary.value
