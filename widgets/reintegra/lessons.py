"""Read the structure of the lessons from their sources: objectives, knowledge
checks, timings, instructor notes. Used by the tests (no objective left
unassessed) and by the trainer's tools (schedules computed from the minutes).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

OBJECTIVES = re.compile(r"^(:{3,}|`{3,})\{objectives\}\s*\n:ids:\s*(?P<ids>[^\n]+)\n(?P<body>.*?)^\1\s*$", re.M | re.S)
QUIZ = re.compile(r"^(`{3,}|:{3,})\{quiz\}[^\n]*\n(?P<options>(?::[\w-]+:[^\n]*\n)+)", re.M)
OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>[^\n]*)$", re.M)
FRONT = re.compile(r"\A---\n(?P<body>.*?)\n---\n", re.S)


@dataclass
class Lesson:
    path: Path
    objectives: list[str] = field(default_factory=list)
    objective_items: int = 0
    quizzes: dict[str, list[str]] = field(default_factory=dict)  # quiz id -> objectives assessed
    quiz_options: dict[str, dict[str, str]] = field(default_factory=dict)
    assesses: list[str] = field(default_factory=list)  # declared by an exercise notebook
    teaching: int = 0
    exercises: int = 0


def _text_and_meta(path: Path) -> tuple[str, dict]:
    if path.suffix == ".ipynb":
        notebook = json.loads(path.read_text(encoding="utf-8"))
        text = "\n\n".join(
            "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for cell in notebook["cells"] if cell["cell_type"] == "markdown"
        )
        return text + "\n", dict(notebook.get("metadata", {}))
    text = path.read_text(encoding="utf-8")
    meta: dict = {}
    front = FRONT.match(text)
    if front:
        for line in front.group("body").splitlines():
            if ":" in line:
                key, value = line.split(":", 1)
                meta[key.strip()] = value.strip()
    return text, meta


def read_lesson(path: Path) -> Lesson:
    text, meta = _text_and_meta(path)
    lesson = Lesson(path)
    for match in OBJECTIVES.finditer(text):
        lesson.objectives += match.group("ids").split()
        lesson.objective_items += len(re.findall(r"^\s*(?:[-*+]|\d+\.)\s", match.group("body"), re.M))
    for match in QUIZ.finditer(text):
        options = {m.group("key"): m.group("value").strip() for m in OPTION.finditer(match.group("options"))}
        qid = options.get("id", f"quiz-{len(lesson.quizzes) + 1}")
        lesson.quizzes[qid] = options.get("assesses", "").split()
        lesson.quiz_options[qid] = options
    declared = meta.get("assesses") or []
    lesson.assesses = re.findall(r"[\w-]+", declared) if isinstance(declared, str) else list(declared)
    for key in ("teaching", "exercises"):
        try:
            setattr(lesson, key, int(meta.get(key, 0) or 0))
        except (TypeError, ValueError):
            pass
    return lesson


def lesson_files(root: Path) -> list[Path]:
    files = []
    for folder in ("modules", "exercises"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".md", ".ipynb") and ".ipynb_checkpoints" not in path.parts:
                files.append(path)
    return files


def read_course(root: Path) -> list[Lesson]:
    return [read_lesson(path) for path in lesson_files(root)]


def unassessed_objectives(lessons: list[Lesson]) -> list[str]:
    """Objectives that no knowledge check and no exercise assesses."""
    assessed = {oid for lesson in lessons for ids in lesson.quizzes.values() for oid in ids}
    assessed |= {oid for lesson in lessons for oid in lesson.assesses}
    return [oid for lesson in lessons for oid in lesson.objectives if oid not in assessed]


def unknown_objectives(lessons: list[Lesson]) -> list[str]:
    """Objective ids that a quiz or an exercise claims to assess but no lesson declares."""
    declared = {oid for lesson in lessons for oid in lesson.objectives}
    claimed = {oid for lesson in lessons for ids in lesson.quizzes.values() for oid in ids}
    claimed |= {oid for lesson in lessons for oid in lesson.assesses}
    return sorted(claimed - declared)
