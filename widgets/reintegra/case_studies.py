"""The case studies of the assessment exercise: fictional returnees and their reference assessments.

``datasets/case_studies.json`` holds, for each persona, a profile and interview
notes written as a case manager records them (a note marked ``"restricted": true``
belongs to the restricted part of the file, as the suicide-risk protocol
requires), and a reference assessment: the
answer to every item and screening question with a trainer's explanation, the
reference priority needs and assistance with their explanations, and the
follow-up decision. Everything is in English and French.

:func:`check_case_study` verifies that a reference agrees with the instrument,
the grid's rules and the follow-up rule, so that the reference a learner is
compared with is the one the course's own logic produces.

Pure logic: no ipywidgets here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .i18n import messages, plural, pick
from .instrument import Instrument
from .paths import datasets_dir, reference_datasets_dir
from .plan import CaseContext, Grid, NeedFinding, derive_needs, follow_up
from .scoring import CaseScore, score_answers

CASES_FILE = "case_studies.json"

M = messages(
    "case_studies",
    {
        "years": plural("{n} year old", "{n} years old"),
        "months_abroad": plural("{n} month abroad", "{n} months abroad"),
        "household": plural("{n} person", "{n} people"),
        "alone_female": "lives alone",
        "alone_male": "lives alone",
        "f_sex": "Sex",
        "f_age": "Age",
        "f_marital": "Marital status",
        "f_household": "Household",
        "f_place": "Place of return",
        "f_country": "Returned from",
        "f_programme": "Return programme",
        "f_return_date": "Date of return",
        "f_abroad": "Time abroad",
        "f_education": "Education",
        "f_occupation": "Occupation before leaving",
        "f_skills": "Skills",
        "f_languages": "Languages",
        "f_vulnerabilities": "Vulnerabilities on file",
        "m_single_female": "Single",
        "m_single_male": "Single",
        "m_married_female": "Married",
        "m_married_male": "Married",
        "m_divorced_female": "Divorced",
        "m_divorced_male": "Divorced",
        "m_widowed_female": "Widowed",
        "m_widowed_male": "Widowed",
    },
)


@dataclass(frozen=True)
class Note:
    date: str
    text: Mapping[str, str]
    restricted: bool = False  # the restricted part of the file (suicide risk, violence): shown for training only


@dataclass(frozen=True)
class Reference:
    answers: Mapping[str, str]
    screening: Mapping[str, str]
    explanations: Mapping[str, Mapping[str, str]]
    needs: tuple[str, ...]
    need_explanations: Mapping[str, Mapping[str, str]]
    assistance: tuple[str, ...]
    assistance_explanations: Mapping[str, Mapping[str, str]]
    follow_up: bool
    debrief: Mapping[str, str]

    @property
    def all_answers(self) -> dict[str, str]:
        return {**self.answers, **self.screening}


@dataclass(frozen=True)
class CaseStudy:
    id: str
    name: str
    sex: str
    age: int
    marital_status: str
    household_size: int
    region_id: str
    town: str
    country: str
    return_programme: str
    return_date: str
    months_abroad: int
    education: str
    occupation: str
    skills: tuple[str, ...]
    languages: tuple[str, ...]
    vulnerabilities: tuple[str, ...]
    debt_reason: str
    debt_mad: int
    summary: Mapping[str, str]
    profile: Mapping[str, str]
    notes: tuple[Note, ...]
    reference: Reference
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def context(self) -> CaseContext:
        return CaseContext(self.region_id, tuple(self.vulnerabilities), self.debt_reason)

    def facts(self, lang: str | None = None) -> list[tuple[str, str]]:
        """(label, value) pairs for the case file's header, with the schema's labels in ``lang``."""
        from .schema import label

        region = self.context.region_name()
        household = M(f"alone_{self.sex}", lang) if self.household_size == 1 else M("household", lang, n=self.household_size)
        marital = f"m_{self.marital_status}_{self.sex}"
        rows = [
            (M("f_sex", lang), label("sex", self.sex, lang)),
            (M("f_age", lang), M("years", lang, n=self.age)),
            (M("f_marital", lang), M(marital, lang) if marital in M else label("marital_status", self.marital_status, lang)),
            (M("f_household", lang), household),
            (M("f_place", lang), f"{self.town}, {pick(region, lang)}"),
            (M("f_country", lang), label("country", self.country, lang)),
            (M("f_programme", lang), label("return_programme", self.return_programme, lang)),
            (M("f_return_date", lang), self.return_date),
            (M("f_abroad", lang), M("months_abroad", lang, n=self.months_abroad)),
            (M("f_education", lang), label("education", self.education, lang)),
            (M("f_occupation", lang), label("occupation", self.occupation, lang)),
            (M("f_skills", lang), ", ".join(label("skill", s, lang) for s in self.skills)),
            (M("f_languages", lang), ", ".join(label("language", s, lang) for s in self.languages)),
            (M("f_vulnerabilities", lang),
             ", ".join(label("vulnerability", s, lang) for s in self.vulnerabilities) or "—"),
        ]
        return rows


def _case(raw: Mapping) -> CaseStudy:
    ref = raw["reference"]
    reference = Reference(
        answers=ref["answers"], screening=ref.get("screening", {}), explanations=ref["explanations"],
        needs=tuple(ref["needs"]), need_explanations=ref.get("need_explanations", {}),
        assistance=tuple(ref["assistance"]), assistance_explanations=ref.get("assistance_explanations", {}),
        follow_up=bool(ref["follow_up"]), debrief=ref.get("debrief", {}),
    )
    known = set(CaseStudy.__dataclass_fields__) - {"notes", "reference", "extra", "skills", "languages", "vulnerabilities"}
    return CaseStudy(
        **{k: raw[k] for k in known if k in raw},
        skills=tuple(raw.get("skills", ())), languages=tuple(raw.get("languages", ())),
        vulnerabilities=tuple(raw.get("vulnerabilities", ())),
        notes=tuple(Note(n["date"], {"en": n["en"], "fr": n["fr"]}, bool(n.get("restricted", False)))
                    for n in raw.get("notes", [])),
        reference=reference,
        extra={k: v for k, v in raw.items() if k not in CaseStudy.__dataclass_fields__},
    )


_CACHE: dict[str, tuple[CaseStudy, ...]] = {}


def load_case_studies(path: str | Path | None = None) -> tuple[CaseStudy, ...]:
    path = Path(path) if path is not None else datasets_dir() / CASES_FILE
    if not path.is_file():
        path = reference_datasets_dir() / CASES_FILE
    key = str(path.resolve())
    if key not in _CACHE:
        data = json.loads(path.read_text(encoding="utf-8"))
        _CACHE[key] = tuple(_case(c) for c in data["cases"])
    return _CACHE[key]


def case_by_id(case_id: str, cases: tuple[CaseStudy, ...] | None = None) -> CaseStudy:
    for case in cases or load_case_studies():
        if case.id == case_id:
            return case
    raise KeyError(case_id)


@dataclass(frozen=True)
class ReferenceResult:
    score: CaseScore
    needs: list[NeedFinding]


def reference_result(instrument: Instrument, grid: Grid, case: CaseStudy) -> ReferenceResult:
    """The reference scores and priority needs, computed from the reference answers."""
    answers = case.reference.all_answers
    score = score_answers(instrument, answers)
    return ReferenceResult(score, derive_needs(grid, instrument, answers, score.flags, case.context))


def check_case_study(instrument: Instrument, grid: Grid, case: CaseStudy) -> list[str]:
    """Problems in a case study: answers that are not options, missing explanations, a reference that the rules contradict."""
    problems = []
    ref = case.reference
    for item in instrument.items:
        code = ref.answers.get(item.id)
        if item.option(code) is None:
            problems.append(f"{case.id}: {item.id}: {code!r} is not an option")
    for question in instrument.screening:
        if question.option(ref.screening.get(question.id)) is None:
            problems.append(f"{case.id}: {question.id}: no valid screening answer")
    for key in [i.id for i in instrument.items] + [q.id for q in instrument.screening]:
        text = ref.explanations.get(key, {})
        if not (text.get("en") and text.get("fr")):
            problems.append(f"{case.id}: {key}: explanation missing in en or fr")
    result = reference_result(instrument, grid, case)
    derived = [f.need.id for f in result.needs]
    if list(ref.needs) != derived:
        problems.append(f"{case.id}: reference needs {list(ref.needs)} differ from the rules' {derived}")
    for need in ref.needs:
        if not all(ref.need_explanations.get(need, {}).get(l) for l in ("en", "fr")):
            problems.append(f"{case.id}: need {need}: explanation missing")
    for aid in ref.assistance:
        try:
            assistance = grid.assistance_type(aid)
        except KeyError:
            problems.append(f"{case.id}: unknown assistance {aid}")
            continue
        if not set(assistance.needs) & set(ref.needs):
            problems.append(f"{case.id}: {aid} serves none of the reference needs")
        if not all(ref.assistance_explanations.get(aid, {}).get(l) for l in ("en", "fr")):
            problems.append(f"{case.id}: assistance {aid}: explanation missing")
    decision = follow_up(grid, instrument, result.score, case.context).recommended
    if decision is not ref.follow_up:
        problems.append(f"{case.id}: follow-up {ref.follow_up} but the rule says {decision}")
    for key in ("summary", "profile", "debrief"):
        value = getattr(case, key) if key != "debrief" else ref.debrief
        if not (value.get("en") and value.get("fr")):
            problems.append(f"{case.id}: {key} missing in en or fr")
    return problems
