"""The recorder: a workshop's dashboards write each answer's code to the room store, and nothing else."""
import sqlite3

import pytest

from reintegra.ui.assessment import CaseAssessment
from reintegra.workshop.recorder import Recorder, participant_id
from reintegra.workshop.store import RoomStore

PID = "0123456789abcdef0123456789abcdef"


@pytest.fixture()
def room(tmp_path, monkeypatch):
    monkeypatch.setenv("REINTEGRA_ROOM_DIR", str(tmp_path))
    monkeypatch.setenv("QUERY_STRING", f"lang=en&pid={PID}")
    return tmp_path


def test_the_participant_id_comes_from_the_page_address_and_must_look_random():
    assert participant_id(f"lang=fr&pid={PID}") == PID
    assert participant_id("lang=fr") is None
    assert participant_id("pid=Fatima") is None  # too short to be a random identifier: a name, refused
    assert participant_id("pid=" + "a" * 15 + "%20x") is None


def test_nothing_is_recorded_without_a_room_or_without_a_participant(tmp_path, monkeypatch):
    monkeypatch.delenv("REINTEGRA_ROOM_DIR", raising=False)
    monkeypatch.setenv("QUERY_STRING", f"pid={PID}")
    exercise = CaseAssessment("en")
    assert not exercise.recorder.active and exercise.recorder.bar is None
    exercise.select_case("karim")
    exercise.choices["eco_income"].value = "none"
    assert exercise.current_score().dimensions  # the exercise works as in the book
    monkeypatch.setenv("REINTEGRA_ROOM_DIR", str(tmp_path))
    monkeypatch.setenv("QUERY_STRING", "lang=en")  # no pid: a link that did not come from the landing page
    exercise = CaseAssessment("en")
    exercise.select_case("karim")
    exercise.choices["eco_income"].value = "none"
    assert exercise.recorder.bar is None
    assert RoomStore(tmp_path).by_participant("case-assessment") == {}


def test_each_answer_and_plan_choice_is_recorded_as_a_code_and_a_reload_finds_them(room):
    exercise = CaseAssessment("en")
    assert exercise.widget.children[0] is exercise.recorder.bar
    shown = exercise.recorder.name.value
    assert exercise.recorder.pseudonym in shown
    exercise.select_case("karim")
    exercise.choices["eco_income"].value = "none"
    exercise.choices["eco_income"].value = "occasional"  # changed: the last answer counts
    need = next(iter(exercise.need_boxes))
    exercise.need_boxes[need].value = True
    exercise.notes_box.value = "Karim called on Monday"  # free text: never recorded
    stored = RoomStore(room).by_participant("case-assessment", "karim")
    assert stored == {PID: {"eco_income": "occasional", f"need:{need}": "yes"}}

    again = CaseAssessment("en")  # the participant reloads the page: a new kernel, the same pid
    assert again.recorder.pseudonym == exercise.recorder.pseudonym
    again.select_case("karim")
    assert again.choices["eco_income"].value == "occasional"
    assert again.chosen_needs() == [need]
    assert again.notes_box.value == ""


def test_reset_draw_and_erase(room):
    exercise = CaseAssessment("fr")
    exercise.select_case("fatima")
    exercise.choices["eco_income"].value = "none"
    exercise.reset_button.click()
    assert RoomStore(room).by_participant("case-assessment", "fatima") == {}
    exercise.choices["eco_income"].value = "none"
    before = exercise.recorder.pseudonym
    exercise.recorder.draw_button.click()
    assert exercise.recorder.pseudonym != before and exercise.recorder.pseudonym in exercise.recorder.name.value
    assert RoomStore(room).pseudonym(PID) == exercise.recorder.pseudonym
    exercise.recorder.erase_button.click()
    assert RoomStore(room).by_participant("case-assessment") == {}
    assert "effacées" in exercise.recorder.note.value and "erased" in exercise.recorder.note.value
    assert exercise.choices["eco_income"].value == "none"  # the page keeps them


def test_a_broken_store_never_breaks_the_exercise(room, monkeypatch):
    exercise = CaseAssessment("en")
    exercise.select_case("karim")

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(exercise.recorder.store, "record", locked)
    exercise.choices["eco_income"].value = "none"
    assert exercise.choices["eco_income"].value == "none"
    note = exercise.recorder.note.value
    assert "could not be added" in note and "n’ont pas pu" in note
    assert "locked" not in note
    monkeypatch.undo()
    monkeypatch.setenv("REINTEGRA_ROOM_DIR", str(room))
    exercise.choices["eco_income"].value = "occasional"  # the store works again: the note goes
    assert exercise.recorder.note.value == ""


def test_a_store_that_cannot_be_opened_leaves_a_note_and_the_exercise(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("x")
    monkeypatch.setenv("REINTEGRA_ROOM_DIR", str(blocked))
    monkeypatch.setenv("QUERY_STRING", f"pid={PID}")
    exercise = CaseAssessment("en")
    assert not exercise.recorder.active
    assert "could not be added" in exercise.recorder.note.value
    exercise.select_case("karim")
    exercise.choices["eco_income"].value = "none"
    assert exercise.check() is not None


def test_a_recorder_refuses_free_text_quietly(room):
    recorder = Recorder("en")
    assert not recorder.record("case-assessment", "karim", {"eco_income": "he said he was fine"})
    assert RoomStore(room).by_participant("case-assessment") == {}


def test_referral_choices_and_consent_are_recorded_and_shown_to_the_trainer(room):
    from reintegra.ui.referral import ReferralExercise
    from reintegra.workshop import roomview

    ex = ReferralExercise("en", show_map=False)
    assert ex.widget.children[0] is ex.recorder.bar
    case_id = str(ex.case_picker.value)
    need = ex.need_picker.value
    ex.hint_toggle.value = True
    sid = ex.results.options[0][1]
    ex.results.value = sid
    ex.choose_button.click()
    stored = RoomStore(room).by_participant("referral-mapping", case_id)[PID]
    assert stored == {f"need:{need}": sid}
    html, choices = roomview.referral_section(RoomStore(room), "fr")
    assert "Orientation" in html and f'data-service="{sid}"' in html
    [(_, [choice])] = choices
    assert choice.services == {sid: 1} and choice.broke_consent == 1  # no consent recorded yet
    assert choice.broke_eligibility == 0  # the hint's first service is an eligible one
    ex.consent.value = True
    assert RoomStore(room).by_participant("referral-mapping", case_id)[PID]["consent"] == "yes"
    assert roomview.referral_section(RoomStore(room), "en")[1][0][1][0].broke_consent == 0
    ex.unchoose_button.click()
    assert f"need:{need}" not in RoomStore(room).by_participant("referral-mapping", case_id)[PID]


def test_the_business_plan_review_is_recorded_as_codes(room):
    from reintegra.ui.business_plan import BusinessPlanReview

    ex = BusinessPlanReview("en")
    assert ex.widget.children[0] is ex.recorder.bar
    ex.plan_picker.value = "taxi-tanger"
    eligible, price, _ = ex.line_controls["car"]
    eligible.value = False
    price.value = "too_high"
    ex.risk_boxes["ceiling"].value = True
    ex.decision.value = "approve_changes"
    stored = RoomStore(room).by_participant("business-plan", "taxi-tanger")[PID]
    assert stored == {"eligible:car": "no", "price:car": "too_high", "risk:ceiling": "yes",
                      "decision": "approve_changes"}
    ex.reset_button.click()
    assert RoomStore(room).by_participant("business-plan", "taxi-tanger") == {}


def test_the_tests_are_recorded_as_letters_and_a_reload_finds_them(room):
    from reintegra.ui.prepost import PrePostTest

    ex = PrePostTest("en")
    assert ex.widget.children[0] is ex.recorder.bar
    ex.form_picker.value = "pre"
    ex.radios[1].value = "C"
    ex.radios[2].value = "A"
    ex.radios[2].value = "B"  # changed: the last answer counts
    ex.submit_button.click()
    stored = RoomStore(room).by_participant("pre-test", "pre")[PID]
    assert stored == {"q1": "C", "q2": "B", "set": "full"}
    assert RoomStore(room).by_participant("post-test") == {}

    again = PrePostTest("fr")  # the participant reloads the page: the same pid, the answers come back
    again.form_picker.value = "pre"
    assert (again.radios[1].value, again.radios[2].value, again.radios[3].value) == ("C", "B", None)
    again.form_picker.value = "post"
    again.one_day.value = True
    again.radios[10].value = "A"
    assert RoomStore(room).by_participant("post-test", "post")[PID] == {"q10": "A", "set": "one-day"}
    third = PrePostTest("en")
    third.form_picker.value = "post"
    assert third.one_day.value is True and sorted(third.radios) == [1, 2, 3, 4, 5, 10]
    assert third.radios[10].value == "A"
    # erased: gone from the store, still on the page
    third.recorder.erase()
    assert RoomStore(room).by_participant("pre-test") == {} and third.radios[10].value == "A"
