"""Workshop agendas computed from the modules' minutes.

Each format is a list of days; each day a list of items: a module (all of it,
or only its teaching or its exercises) or a fixed activity (welcome, break,
pre-test…) with its minutes. The times are computed, never typed: change a
module's minutes in its front matter and every agenda follows.
"""
from __future__ import annotations

from dataclasses import dataclass

from .i18n import messages

M = messages(
    "agenda",
    {
        "welcome": "Welcome, introductions and objectives",
        "pretest": "Pre-test",
        "posttest": "Post-test and participant evaluation",
        "break": "Break",
        "lunch": "Lunch",
        "recap": "Recap of the previous day",
        "close": "Questions and close",
        "discussion": "Discussion: the integrated approach in your institution",
        "structural_summary": "The structural level: coordination with government partners (summary of Module 5)",
        "practice": "Practice on the exercises (free choice of cases)",
        "action_plan": "Action planning: back at work next week",
        "tot_roles": "The trainer's role and the course's materials",
        "tot_setup": "Hands-on: starting the workshop server and the room's Wi-Fi",
        "tot_teachback": "Teach-back: each pair runs a 20-minute segment of a module",
        "tot_feedback": "Feedback on the teach-backs",
        "tot_calibration": "Calibration: assessing the same case and discussing the spread of scores",
        "teaching_part": "teaching",
        "exercises_part": "exercises",
        "day": "Day {n}",
        "time": "Time",
        "session": "Session",
        "minutes": "Minutes",
        "total": "Total: {hours} h {minutes:02d}",
        "briefing": "Two-hour briefing for government partners",
        "intro_day": "One-day introduction for new case managers",
        "three_day": "Three-day full training",
        "tot": "Training-of-trainers day",
    },
)


@dataclass(frozen=True)
class Item:
    """A module (``module`` set) or a fixed activity (``key`` and ``minutes``)."""

    key: str = ""
    minutes: int = 0
    module: str = ""
    part: str = "all"  # all, teaching or exercises


def mod(docname: str, part: str = "all") -> Item:
    return Item(module=docname, part=part)


def fixed(key: str, minutes: int) -> Item:
    return Item(key=key, minutes=minutes)


M1 = "modules/m1-integrated-approach/index"
M2 = "modules/m2-case-management/index"
M3 = "modules/m3-assessment/index"
M4 = "modules/m4-referral/index"
M5 = "modules/m5-community-structural/index"
M6 = "modules/m6-monitoring/index"
M7 = "modules/m7-protection-accountability/index"
M8 = "modules/m8-economic-reintegration/index"
M9 = "modules/m9-specific-protection-needs/index"

FORMATS: dict[str, dict] = {
    "briefing": {
        "start": "10:00",
        "days": [[
            fixed("welcome", 10), mod(M1, "teaching"), fixed("break", 10),
            fixed("structural_summary", 30), fixed("discussion", 20), fixed("close", 5),
        ]],
    },
    "intro_day": {
        "start": "09:00",
        "days": [[
            fixed("welcome", 20), fixed("pretest", 10), mod(M1), fixed("break", 15),
            mod(M2, "teaching"), fixed("lunch", 60), mod(M3), fixed("break", 15),
            mod(M7, "teaching"), fixed("posttest", 25),
        ]],
    },
    "three_day": {
        "start": "09:00",
        "days": [
            [fixed("welcome", 30), fixed("pretest", 15), mod(M1), fixed("break", 15), mod(M2),
             fixed("lunch", 60), mod(M3)],
            [fixed("recap", 15), mod(M4), fixed("break", 15), mod(M5), fixed("lunch", 60), mod(M6),
             fixed("break", 15), mod(M8)],
            [fixed("recap", 15), mod(M7), fixed("break", 15), mod(M9), fixed("lunch", 60), fixed("practice", 60),
             fixed("action_plan", 45), fixed("posttest", 30)],
        ],
    },
    "tot": {
        "start": "09:00",
        "days": [[
            fixed("welcome", 20), fixed("tot_roles", 40), fixed("tot_setup", 45), fixed("break", 15),
            fixed("tot_calibration", 60), fixed("lunch", 60), fixed("tot_teachback", 100),
            fixed("break", 15), fixed("tot_feedback", 40), fixed("close", 15),
        ]],
    },
}


@dataclass(frozen=True)
class Row:
    day: int
    start: str
    end: str
    minutes: int
    item: Item


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def item_minutes(item: Item, module_minutes: dict[str, tuple[int, int]]) -> int:
    if not item.module:
        return item.minutes
    teaching, exercises = module_minutes.get(item.module, (0, 0))
    return {"teaching": teaching, "exercises": exercises}.get(item.part, teaching + exercises)


def build(format_name: str, module_minutes: dict[str, tuple[int, int]]) -> list[Row]:
    """The agenda of a format: each item with its day, start, end and minutes."""
    spec = FORMATS[format_name]
    hours, minutes = (int(x) for x in spec["start"].split(":"))
    rows = []
    for day, items in enumerate(spec["days"], start=1):
        clock = hours * 60 + minutes
        for item in items:
            length = item_minutes(item, module_minutes)
            if item.module and length == 0:
                continue  # a module that is not in the book (yet) takes no time
            rows.append(Row(day, _clock(clock), _clock(clock + length), length, item))
            clock += length
    return rows


def total_minutes(rows: list[Row], day: int | None = None) -> int:
    return sum(r.minutes for r in rows if day is None or r.day == day)


def total_label(minutes: int, lang: str | None = None) -> str:
    return M("total", lang, hours=minutes // 60, minutes=minutes % 60)


def modules_used(format_name: str) -> list[str]:
    return [item.module for day in FORMATS[format_name]["days"] for item in day if item.module]
