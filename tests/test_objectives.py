"""The objectives map: every objective of every module is assessed, and every
assessment points at a real objective."""
from pathlib import Path

from reintegra.lessons import read_course, read_lesson, unassessed_objectives, unknown_objectives

MODULE = '''---
teaching: 30
exercises: 10
---
# A module

:::{objectives}
:ids: x-o1 x-o2
- First objective.
- Second objective.
:::

````{quiz}
:id: x-q1
:correct: 1
:assesses: x-o1

Question?

1. Yes.

   Because.
2. No.

   Because not.
````
'''


def test_a_module_with_an_unassessed_objective_is_caught(tmp_path: Path):
    page = tmp_path / "module.md"
    page.write_text(MODULE, encoding="utf-8")
    lesson = read_lesson(page)
    assert lesson.objectives == ["x-o1", "x-o2"]
    assert lesson.quizzes == {"x-q1": ["x-o1"]}
    assert (lesson.teaching, lesson.exercises) == (30, 10)
    assert unassessed_objectives([lesson]) == ["x-o2"]


def test_every_objective_of_the_course_is_assessed(repo):
    lessons = read_course(repo)
    objectives = [oid for lesson in lessons for oid in lesson.objectives]
    assert len(objectives) >= 5
    assert len(objectives) == len(set(objectives)), "objective ids must be unique"
    assert unassessed_objectives(lessons) == []
    assert unknown_objectives(lessons) == []


def test_objective_ids_match_the_listed_objectives(repo):
    for lesson in read_course(repo):
        assert len(lesson.objectives) == lesson.objective_items, lesson.path


def test_every_module_has_six_knowledge_checks_with_unique_ids(repo):
    lessons = [lesson for lesson in read_course(repo) if "modules" in lesson.path.parts and lesson.objectives]
    assert lessons
    seen = set()
    for lesson in lessons:
        assert len(lesson.quizzes) >= 6, lesson.path
        for qid, options in lesson.quiz_options.items():
            assert qid not in seen
            seen.add(qid)
            assert options.get("correct", "").isdigit(), (lesson.path, qid)
            assert lesson.quizzes[qid], f"{qid} assesses no objective"
