"""The room store (SQLite) and the trainer's aggregates: faults, concurrency, and what never leaks."""
from __future__ import annotations

import csv
import io
import multiprocessing
import sqlite3

import pytest
from hypothesis import given, settings, strategies as st

from reintegra.workshop import room
from reintegra.workshop.store import WORDS, RefusedValue, RoomStore, wipe


def test_a_participant_gets_a_pseudonym_and_keeps_it_on_reload(tmp_path):
    store = RoomStore(tmp_path)
    pid, pseudonym = store.join()
    word, number = pseudonym.rsplit(" ", 1)
    assert word in WORDS and 10 <= int(number) <= 99
    assert store.join(pid) == (pid, pseudonym)  # the page sends its identifier back after a reload
    other = store.draw_again(pid)
    assert other != pseudonym and store.pseudonym(pid) == other


def test_answers_are_kept_across_a_reload_and_a_restart(tmp_path):
    store = RoomStore(tmp_path)
    pid, _ = store.join()
    store.record(pid, "case-assessment", "karim", {"e1": "2", "e2": "0"})
    store.record(pid, "case-assessment", "karim", {"e1": "3", "e2": None})  # changed, then removed
    store.close()
    again = RoomStore(tmp_path)  # the workshop stopped and started again
    assert again.by_participant("case-assessment", "karim") == {pid: {"e1": "3"}}
    assert again.join(pid)[0] == pid


@pytest.mark.parametrize("value", ["Karim lives at 12 rue X", "", "a" * 65, "=HYPERLINK(1)", "x y"])
def test_free_text_is_refused(tmp_path, value):
    store = RoomStore(tmp_path)
    pid, _ = store.join()
    with pytest.raises(RefusedValue):
        store.record(pid, "case-assessment", "karim", {"e1": value})
    assert store.answers("case-assessment") == []


def test_a_participant_can_erase_their_own_answers_only(tmp_path):
    store = RoomStore(tmp_path)
    a, _ = store.join()
    b, _ = store.join()
    store.record(a, "referral-mapping", "c1", {"need:health": "S001"})
    store.record(b, "referral-mapping", "c1", {"need:health": "S002"})
    store.erase(a)
    assert store.by_participant("referral-mapping") == {b: {"need:health": "S002"}}
    assert store.participants() == 1


def test_the_trainer_wipes_the_store(tmp_path):
    store = RoomStore(tmp_path)
    pid, _ = store.join()
    store.record(pid, "pretest", "test", {"q1": "b"})
    store.wipe()
    assert not any(tmp_path.glob("room.sqlite*"))
    assert RoomStore(tmp_path).answers("pretest") == []


def test_a_corrupted_file_is_put_aside_with_a_message_and_a_fresh_store_starts(tmp_path):
    (tmp_path / "room.sqlite").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    store = RoomStore(tmp_path)
    assert store.recovered and (tmp_path / store.recovered).exists()
    assert "fresh one is started" in store.recovery_message("en")
    assert "nouveau fichier" in store.recovery_message("fr")
    pid, _ = store.join()
    store.record(pid, "pretest", "test", {"q1": "a"})
    assert store.by_participant("pretest") == {pid: {"q1": "a"}}
    assert wipe(tmp_path)  # the wipe takes the damaged copy too
    assert not list(tmp_path.glob("room-corrupt-*"))


def test_a_store_deleted_while_the_workshop_runs_is_recreated(tmp_path):
    store = RoomStore(tmp_path)
    pid, _ = store.join()
    store.close()
    for path in tmp_path.glob("room.sqlite*"):
        path.unlink()
    new_pid, _ = store.join(pid)  # unknown now: a new participant, no error
    store.record(new_pid, "pretest", "test", {"q1": "a"})
    assert store.by_participant("pretest") == {new_pid: {"q1": "a"}}


def _writer(args):
    folder, n, writes = args
    store = RoomStore(folder)
    pid, _ = store.join()
    for i in range(writes):
        store.record(pid, "case-assessment", "karim", {f"i{i % 20}": str(i)})
    store.close()
    return pid


def test_many_participants_writing_at_once_lose_no_answer(tmp_path):
    RoomStore(tmp_path).close()
    participants, writes = 12, 60
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        pids = pool.map(_writer, [(str(tmp_path), n, writes) for n in range(participants)])
    store = RoomStore(tmp_path)
    rows = store.by_participant("case-assessment", "karim")
    assert sorted(rows) == sorted(pids)
    for pid in pids:
        # each item holds the last value written to it
        assert rows[pid] == {f"i{k}": str(max(i for i in range(writes) if i % 20 == k)) for k in range(20)}
    assert store.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# ------------------------------------------------------------------ aggregates

codes = st.sampled_from(["0", "1", "2", "3"])
room_answers = st.dictionaries(st.text("abcdef", min_size=4, max_size=4),
                               st.dictionaries(st.sampled_from(["e1", "e2", "s1", "p1"]), codes, max_size=4),
                               max_size=25)


@given(room_answers, st.dictionaries(st.sampled_from(["e1", "e2", "s1", "p1"]), codes, min_size=4, max_size=4))
def test_the_spread_counts_add_up_and_the_most_disputed_item_comes_first(answers, reference):
    spreads = room.item_spread(answers, reference)
    for s in spreads:
        assert s.answered == sum(1 for a in answers.values() if s.item in a)
        assert 0 <= s.agree <= s.answered
        assert sum(s.counts.values()) == s.answered
    disagreement = [s.disagreement for s in spreads]
    assert disagreement == sorted(disagreement, reverse=True)


def test_the_discussion_list_puts_the_split_item_first():
    answers = {"p1": {"a": "1", "b": "0"}, "p2": {"a": "1", "b": "2"}, "p3": {"a": "1", "b": "3"}}
    spreads = room.item_spread(answers, {"a": "1", "b": "0"})
    assert [s.item for s in spreads] == ["b", "a"]
    assert spreads[0].counts == {"0": 1, "2": 1, "3": 1} and spreads[1].agree_share == 1.0


def test_composite_dots_skip_who_answered_too_little():
    answers = {"p1": {"x": "1"}, "p2": {"x": "3"}, "p3": {}}
    dots = room.composite_dots(answers, lambda given: int(given["x"]) / 4 if given else None)
    assert dots == [0.25, 0.75]


def test_referral_choices_count_broken_rules():
    answers = {"p1": {"need:health": "S1", "consent": "yes"}, "p2": {"need:health": "S2", "consent": "no"},
               "p3": {"need:health": "S2"}}
    [choice] = room.referral_choices(answers, lambda need, service: service == "S1")
    assert choice.services == {"S1": 1, "S2": 2}
    assert (choice.broke_eligibility, choice.broke_consent) == (2, 2)


def test_pre_and_post_scores_and_the_gain_per_question():
    pre_key, post_key = {"a1": "x", "a2": "y"}, {"b1": "x", "b2": "z"}
    pre = {"p1": {"a1": "x", "a2": "n"}, "p2": {"a1": "n", "a2": "n"}}
    post = {"p1": {"b1": "x", "b2": "z"}, "p2": {"b1": "x", "b2": "n"}}
    result = room.prepost_results(pre, post, pre_key, post_key, [("o1", "a1", "b1"), ("o2", "a2", "b2")])
    assert result.pre_scores == [0.0, 0.5] and result.post_scores == [0.5, 1.0]
    assert [round(q.gain, 2) for q in result.questions] == [0.5, 0.5]


pseudonyms = st.builds(lambda w, n: f"{w} {n}", st.sampled_from(WORDS), st.integers(10, 99))


@settings(max_examples=40)
@given(st.dictionaries(pseudonyms, st.dictionaries(st.sampled_from(["e1", "e2"]), codes, max_size=2), max_size=20))
def test_no_pseudonym_reaches_an_export(answers):
    """Even when the answers come keyed by pseudonym, the exports carry counts only."""
    spreads = {"karim": room.item_spread(answers, {"e1": "1", "e2": "2"})}
    rows = room.export_rows(spreads, room.referral_choices(answers, lambda n, s: True), None, lang="fr")
    text = room.export_csv(rows, "fr") + room.export_html(rows, "fr")
    for pseudonym in answers:
        assert pseudonym not in text


def test_the_csv_export_is_formula_safe():
    rows = [["Section", "Item"], ["=cmd|' /C calc'!A0", "@SUM(1)"], ["+1", "-1"]]
    parsed = list(csv.reader(io.StringIO(room.export_csv(rows))))
    assert parsed[1] == ["'=cmd|' /C calc'!A0", "'@SUM(1)"]
    assert all(not c.startswith(("=", "+", "-", "@")) for r in parsed for c in r)
