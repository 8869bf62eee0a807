"""The pre-test and the post-test, written once.

``prepost.json`` beside this module holds the two tests: for each of the twelve
questions, the module and the key idea it checks, and the pre-test's and the
post-test's item (question, options A–D, answer), in English and French. The
trainer's guide prints them with the ``prepost-test`` directive; the pre/post
exercise asks them on participants' devices and records the letters chosen; the
trainer's view of the room tallies them. No other place words the questions.

Answers are codes: item ``q<n>`` holds the letter chosen (``A``–``D``), and, in
the room's store, item ``set`` says which questions the participant was asked
(``full`` or ``one-day``).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..i18n import pick

HERE = Path(__file__).parent
FORMS = ("pre", "post")
LETTERS = ("A", "B", "C", "D")
SETS = ("full", "one-day")
EXERCISES = {"pre": "pre-test", "post": "post-test"}  # the exercise's name in the room's store
SET_ITEM = "set"


@lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    return json.loads((HERE / "prepost.json").read_text(encoding="utf-8"))


def _form(form: str) -> str:
    if form not in FORMS:
        raise ValueError(f"no test form {form!r}; known: {', '.join(FORMS)}")
    return form


def numbers(which: str = "full") -> list[int]:
    """The questions asked: all twelve, or the one-day subset (Modules 1, 2, 3 and 7)."""
    if which == "one-day":
        return list(load()["one_day"])
    if which == "full":
        return [q["n"] for q in load()["questions"]]
    raise ValueError(f"no question set {which!r}; known: {', '.join(SETS)}")


def item_id(n: int) -> str:
    return f"q{n}"


def question(n: int) -> dict[str, Any]:
    for q in load()["questions"]:
        if q["n"] == n:
            return q
    raise KeyError(f"no question {n}")


def item(form: str, n: int) -> dict[str, Any]:
    """One test's item ``n``: ``text``, ``options`` (letter -> text) and ``answer``."""
    return question(n)[_form(form)]


def answer_key(form: str, which: str = "full") -> dict[str, str]:
    """``{"q1": "C", …}`` for the questions of ``which``."""
    return {item_id(n): item(form, n)["answer"] for n in numbers(which)}


def label(key: str, lang: str | None = None) -> str:
    return pick(load()["labels"][key], lang)


@dataclass(frozen=True)
class Score:
    form: str
    asked: tuple[int, ...]
    given: Mapping[int, str]  # question number -> letter chosen (unanswered left out)

    def correct(self, n: int) -> bool | None:
        """True or False for an answered question, None when it was left blank."""
        letter = self.given.get(n)
        return None if letter is None else letter == item(self.form, n)["answer"]

    @property
    def right(self) -> int:
        return sum(1 for n in self.asked if self.correct(n))

    @property
    def answered(self) -> int:
        return sum(1 for n in self.asked if n in self.given)

    @property
    def total(self) -> int:
        return len(self.asked)

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 0.0


def score(form: str, answers: Mapping[str, str | None], which: str = "full") -> Score:
    """Score a set of answers (``{"q1": "C", …}``): a blank counts as not right; letters other than A–D are ignored."""
    asked = tuple(numbers(which))
    given = {n: str(answers[item_id(n)]) for n in asked
             if answers.get(item_id(n)) is not None and str(answers[item_id(n)]) in LETTERS}
    return Score(_form(form), asked, given)


def pairs(lang: str | None = None) -> list[tuple[str, str, str]]:
    """``(name, pre_item, post_item)`` for the room's gain per question: question *n* of both tests."""
    out = []
    for q in load()["questions"]:
        module = pick(q["module"], lang)
        several = len(re.findall(r"\d+", module)) > 1  # "4 and 7": Modules 4 and 7
        name = f"{label('question', lang)} {q['n']} ({label('modules' if several else 'module', lang)} {module})"
        out.append((name, item_id(q["n"]), item_id(q["n"])))
    return out


def asked_items(answers: Mapping[str, str]) -> list[str]:
    """The items a participant was asked, from the ``set`` they recorded (all twelve when none)."""
    which = answers.get(SET_ITEM)
    return [item_id(n) for n in numbers(which if which in SETS else "full")]


# ------------------------------------------------------------------ the printed tests

def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(part: str, lang: str) -> str:
    """The printed pre-test or post-test (``pre``/``post``) or the answer key (``key``), as MyST Markdown."""
    data = load()
    lines: list[str] = []
    if part in FORMS:
        for q in data["questions"]:
            it = q[part]
            lines += [f"**{q['n']}.** {pick(it['text'], lang)}", ""]
            lines += [f"- {letter}. {pick(text, lang)}" for letter, text in it["options"].items()]
            lines.append("")
        return "\n".join(lines)
    if part == "key":
        head = [label(k, lang) for k in ("question", "module", "pre_answer", "post_answer", "idea")]
        lines = ["| " + " | ".join(head) + " |", "|---|---|---|---|---|"]
        for q in data["questions"]:
            lines.append(f"| {q['n']} | {pick(q['module'], lang)} | {q['pre']['answer']} | {q['post']['answer']} | "
                         f"{_md_escape(pick(q['idea'], lang))} |")
        return "\n".join(lines)
    raise ValueError(f"no part {part!r}; known: pre, post, key")


def plain_texts(part: str, lang: str) -> list[str]:
    """The texts a reader must find on the printed page (for tests), without Markdown emphasis."""
    strip = lambda t: t.replace("*", "")  # noqa: E731
    data = load()
    if part == "key":
        return [strip(pick(q["idea"], lang)) for q in data["questions"]]
    texts = []
    for q in data["questions"]:
        texts.append(strip(pick(q[part]["text"], lang)))
        texts += [strip(pick(t, lang)) for t in q[part]["options"].values()]
    return texts
