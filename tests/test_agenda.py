"""Workshop agendas are computed from the modules' minutes."""
import pytest

from reintegra import agenda
from reintegra.lessons import read_course


def minutes_from_sources(repo):
    found = {}
    for lesson in read_course(repo):
        if "modules" in lesson.path.relative_to(repo).parts:
            docname = str(lesson.path.relative_to(repo).with_suffix(""))
            found[docname] = (lesson.teaching, lesson.exercises)
    return found


def test_times_follow_each_other_and_add_up():
    minutes = {agenda.M1: (45, 30), agenda.M2: (60, 50), agenda.M3: (60, 45)}
    rows = agenda.build("intro_day", minutes)
    assert rows[0].start == "09:00"
    for before, after in zip(rows, rows[1:]):
        assert before.end == after.start
    assert [r.item.module for r in rows if r.item.module][:2] == [agenda.M1, agenda.M2]
    m1 = next(r for r in rows if r.item.module == agenda.M1)
    assert m1.minutes == 75
    m2 = next(r for r in rows if r.item.module == agenda.M2)
    assert m2.minutes == 60  # teaching only in the one-day introduction
    assert agenda.total_minutes(rows) == sum(r.minutes for r in rows)


def test_changing_a_module_minutes_moves_every_later_session():
    base = agenda.build("three_day", {agenda.M1: (45, 30), agenda.M2: (60, 50)})
    longer = agenda.build("three_day", {agenda.M1: (55, 30), agenda.M2: (60, 50)})
    assert base[-1].end == longer[-1].end  # other days are not affected
    day1 = [r for r in longer if r.day == 1]
    assert day1[-1].end > [r for r in base if r.day == 1][-1].end


def test_total_label_in_both_languages():
    assert agenda.total_label(135, "en") == "Total: 2 h 15"
    assert agenda.total_label(135, "fr") == "Total\u00a0: 2\u00a0h\u00a015"


@pytest.mark.parametrize("name", list(agenda.FORMATS))
def test_every_format_fits_its_days_with_the_real_module_minutes(repo, name):
    minutes = minutes_from_sources(repo)
    rows = agenda.build(name, minutes)
    assert rows
    for day in {r.day for r in rows}:
        assert rows[[r.day for r in rows].index(day)].start == agenda.FORMATS[name]["start"]
        end = max(r.end for r in rows if r.day == day)
        assert end <= "17:30", f"{name} day {day} ends at {end}"
    if name == "briefing":
        assert agenda.total_minutes(rows) <= 120


def test_the_three_day_training_covers_every_module_of_the_book(repo):
    modules = set(minutes_from_sources(repo))
    assert modules <= set(agenda.modules_used("three_day"))
