"""From scores to a reintegration plan: priority needs, assistance, follow-up.

Three pieces of data and a few pure functions:

* the **feasibility grid** (``datasets/feasibility_grid.json``) links each type
  of assistance to the needs it is useful for. Its economic rows are the ones
  confirmed in Annex 5 of the IOM Reintegration Handbook (``"source":
  "handbook"``); its social and psychosocial rows were designed for the course
  from the Handbook's modules 2.5 and 2.6 (``"source": "illustrative"``);
* each need of the grid says what makes it a **priority** for a case: answers to
  items of the instrument (a low indicator), screening flags, vulnerabilities in
  the case file, or a remote region (:func:`derive_needs`);
* an illustrative **rule for personalised follow-up** (:func:`follow_up`).

Every need, every assistance option and the follow-up decision carry their
reasons as :class:`Reason` objects, rendered in plain words in English or French.
:func:`check_needs` and :func:`check_assistance` compare a learner's choices with
a reference; :class:`PlanDraft` renders a draft plan as Markdown or printable HTML.

Pure logic: no ipywidgets here.
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .i18n import current_lang, fmt_number, messages, pick
from .instrument import Flag, Instrument
from .paths import datasets_dir
from .scoring import CaseScore, score_lines

GRID_FILE = "feasibility_grid.json"

M = messages(
    "plan",
    {
        # reasons a need is a priority
        "r_answer": "The answer to “{item}” is “{answer}”.",
        "r_vulnerability": "The case file records: {vulnerability}.",
        "r_flag": "Screening flag: {flag}.",
        "r_remote": "{region} is a remote region: markets, jobs and services are far away.",
        "r_chosen": "Chosen by the case manager; the answers recorded do not show it on their own.",
        "r_unless": "Not counted because the debt finances an activity that earns (productive debt).",
        # how a need becomes a priority (what the grid looks for)
        "t_answer": "the answer to “{item}” is {answers}",
        "t_vulnerability": "the case file records {vulnerabilities}",
        "t_flag": "a screening answer raises the flag {flags}",
        "t_remote": "the returnee lives in a remote region",
        "t_intro": "It becomes a priority when {conditions}.",
        "or": "or",
        # assistance
        "serves": "Useful for: {needs}.",
        "source_handbook": "Handbook grid",
        "source_illustrative": "illustrative row",
        # follow-up rule
        "f_flag": "A screening answer raised a flag: {flag}.",
        "f_composite": "The composite score ({score}) is below {threshold}.",
        "f_dimension": "The {dimension} score ({score}) is below {threshold}.",
        "f_vulnerability": "The case file records a vulnerability: {vulnerability}.",
        "f_none": ("No flag, no vulnerability on the rule's list, a composite score of {score} and no dimension below {threshold}: "
                   "the standard follow-up is enough."),
        "f_incomplete": "Too few answers to score every dimension: complete the assessment before deciding.",
        "follow_yes": "Personalised follow-up recommended",
        "follow_no": "Standard follow-up",
        "follow_unknown": "Decision pending: assessment incomplete",
        # feedback on the learner's choices
        "need_agree": "A priority in the reference assessment too.",
        "need_extra": "Not a priority in the reference assessment.",
        "need_missed": "A priority in the reference assessment that you did not choose.",
        "assist_agree": "In the reference plan.",
        "assist_acceptable": ("The grid links it to a priority need of this case ({needs}), but the reference plan did not choose it: "
                              "say why it adds to what is already planned."),
        "assist_not_fit": "The grid does not link it to any priority need of this case. It is useful for: {needs}.",
        "assist_missed": "In the reference plan, and you did not choose it.",
        "assist_unlinked": "None of the needs you chose is one it serves; add the need ({needs}) or drop this assistance.",
        "flag_reminder": "Whatever the plan, a screening flag calls for immediate action: {action}",
        # tables for the book
        "col_assistance": "Assistance",
        "col_needs": "Useful for",
        "col_source": "Source",
        # the draft plan document
        "doc_title": "Draft reintegration plan",
        "doc_case": "Case",
        "doc_date": "Date",
        "doc_draft": "Draft prepared in a training exercise, on a fictional case. To be discussed and agreed with the returnee.",
        "doc_scores": "Assessment scores",
        "doc_dimension": "Dimension",
        "doc_score": "Score",
        "doc_band": "Band",
        "doc_flags": "Screening flags and immediate actions",
        "doc_no_flags": "No screening flag raised.",
        "doc_needs": "Priority needs",
        "doc_no_needs": "No priority need chosen yet.",
        "doc_assistance": "Assistance and referrals",
        "doc_no_assistance": "No assistance chosen yet.",
        "doc_follow_up": "Follow-up",
        "doc_next": "Next steps",
        "doc_next_1": "Discuss this draft with the returnee and agree on the plan together, ideally within one month of return.",
        "doc_next_2": "Before any referral, explain what will be shared and with whom, and record the returnee's consent; share only what the referral needs.",
        "doc_next_3": "Set the dates of the follow-up visits and of the next assessment.",
        "doc_signatures": "Returnee: ____________________    Case manager: ____________________",
        "doc_learner_notes": "Case manager's notes",
    },
)


# ---------------------------------------------------------------- the grid


@dataclass(frozen=True)
class Need:
    id: str
    dimension: str
    source: str  # "handbook" or "illustrative"
    label: Mapping[str, str]
    description: Mapping[str, str]
    triggers: Mapping[str, Any]
    unless: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        return pick(self.label, lang)


@dataclass(frozen=True)
class Assistance:
    id: str
    dimension: str
    source: str
    label: Mapping[str, str]
    needs: tuple[str, ...]

    def text(self, lang: str | None = None) -> str:
        return pick(self.label, lang)


@dataclass(frozen=True)
class FollowUpRule:
    text: Mapping[str, str]
    composite_below: float
    dimension_below: float
    vulnerabilities: tuple[str, ...]
    any_flag: bool = True


@dataclass(frozen=True)
class Grid:
    needs: tuple[Need, ...]
    assistance: tuple[Assistance, ...]
    follow_up_rule: FollowUpRule
    title: Mapping[str, str]
    notice: Mapping[str, str]
    sources: Mapping[str, Mapping[str, str]]

    def need(self, need_id: str) -> Need:
        for need in self.needs:
            if need.id == need_id:
                return need
        raise KeyError(need_id)

    def assistance_type(self, assistance_id: str) -> Assistance:
        for assistance in self.assistance:
            if assistance.id == assistance_id:
                return assistance
        raise KeyError(assistance_id)

    def assistance_for(self, need_id: str) -> tuple[Assistance, ...]:
        return tuple(a for a in self.assistance if need_id in a.needs)

    def needs_in(self, dimension: str) -> tuple[Need, ...]:
        return tuple(n for n in self.needs if n.dimension == dimension)

    def assistance_in(self, dimension: str) -> tuple[Assistance, ...]:
        return tuple(a for a in self.assistance if a.dimension == dimension)


def validate_grid(data: Mapping, instrument: Instrument | None = None) -> list[str]:
    """Problems in a grid file (in English: the grid is a course file, checked by the tests)."""
    problems: list[str] = []
    need_ids = [n.get("id") for n in data.get("needs", [])]
    if len(set(need_ids)) != len(need_ids):
        problems.append("duplicate need ids")
    flags = {q.flag.code for q in instrument.screening} if instrument else None
    for need in data.get("needs", []):
        if need.get("source") not in ("handbook", "illustrative"):
            problems.append(f"need {need.get('id')}: source must be handbook or illustrative")
        if not (need.get("label", {}).get("en") and need.get("label", {}).get("fr")):
            problems.append(f"need {need.get('id')}: label needs en and fr")
        triggers = need.get("triggers", {})
        if not triggers:
            problems.append(f"need {need.get('id')}: no trigger")
        if instrument is not None:
            for item_id, codes in triggers.get("answers", {}).items():
                try:
                    item = instrument.item(item_id)
                except KeyError:
                    problems.append(f"need {need['id']}: unknown item {item_id}")
                    continue
                for code in codes:
                    if item.option(code) is None:
                        problems.append(f"need {need['id']}: {item_id} has no option {code}")
            for flag in triggers.get("flags", []):
                if flag not in flags:
                    problems.append(f"need {need['id']}: unknown flag {flag}")
    assistance_ids = [a.get("id") for a in data.get("assistance", [])]
    if len(set(assistance_ids)) != len(assistance_ids):
        problems.append("duplicate assistance ids")
    for assistance in data.get("assistance", []):
        if assistance.get("source") not in ("handbook", "illustrative"):
            problems.append(f"assistance {assistance.get('id')}: source must be handbook or illustrative")
        if not assistance.get("needs"):
            problems.append(f"assistance {assistance.get('id')}: serves no need")
        for need_id in assistance.get("needs", []):
            if need_id not in need_ids:
                problems.append(f"assistance {assistance['id']}: unknown need {need_id}")
    return problems


def grid_from_dict(data: Mapping) -> Grid:
    rule = data["follow_up_rule"]
    return Grid(
        needs=tuple(Need(n["id"], n["dimension"], n["source"], n["label"], n.get("description", {}),
                         n.get("triggers", {}), n.get("unless", {})) for n in data["needs"]),
        assistance=tuple(Assistance(a["id"], a["dimension"], a["source"], a["label"], tuple(a["needs"]))
                         for a in data["assistance"]),
        follow_up_rule=FollowUpRule(rule["text"], float(rule["composite_below"]), float(rule["dimension_below"]),
                                    tuple(rule.get("vulnerabilities", ())), bool(rule.get("any_flag", True))),
        title=data.get("title", {}), notice=data.get("notice", {}), sources=data.get("sources", {}),
    )


_CACHE: dict[str, Grid] = {}


def load_grid(path: str | Path | None = None) -> Grid:
    path = Path(path) if path is not None else datasets_dir() / GRID_FILE
    if not path.is_file():  # an organisation's data package without its own grid: use the course's
        from .paths import reference_datasets_dir

        path = reference_datasets_dir() / GRID_FILE
    key = str(path.resolve())
    if key not in _CACHE:
        _CACHE[key] = grid_from_dict(json.loads(path.read_text(encoding="utf-8")))
    return _CACHE[key]


# ------------------------------------------------------------------ reasons


@dataclass(frozen=True)
class Reason:
    """A sentence with fields; fields may be ``{"en":…, "fr":…}`` mappings, rendered in the reader's language."""

    key: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        return M(self.key, lang, **{k: _render(v, lang) for k, v in self.fields.items()})


def _render(value: Any, lang: str | None) -> str:
    if isinstance(value, Mapping):
        return pick(value, lang)
    if isinstance(value, float):
        return fmt_number(value, lang, 2)
    if isinstance(value, (list, tuple)):
        return ", ".join(_render(v, lang) for v in value)
    return str(value)


def _vulnerability_label(code: str) -> dict[str, str]:
    """The vulnerability's label in both languages, in lower case to sit inside a sentence."""
    from .schema import label

    def lower_first(text: str) -> str:
        return text[:1].lower() + text[1:]

    return {"en": lower_first(label("vulnerability", code, "en")), "fr": lower_first(label("vulnerability", code, "fr"))}


def _region(region_id: str | None):
    if not region_id:
        return None
    from .synth.reference import REGION_BY_ID

    return REGION_BY_ID.get(region_id)


@dataclass(frozen=True)
class CaseContext:
    """What the case file says beyond the answers: region, vulnerabilities, the reason for any debt."""

    region_id: str | None = None
    vulnerabilities: tuple[str, ...] = ()
    debt_reason: str | None = None

    @property
    def remote(self) -> bool:
        region = _region(self.region_id)
        return bool(region and region.remote)

    def region_name(self) -> dict[str, str]:
        region = _region(self.region_id)
        return {"en": region.name_en, "fr": region.name_fr} if region else {"en": "", "fr": ""}


# ---------------------------------------------------------- priority needs


@dataclass(frozen=True)
class NeedFinding:
    need: Need
    reasons: tuple[Reason, ...]


def need_reasons(need: Need, instrument: Instrument, answers: Mapping[str, Any], flags: Iterable[Flag],
                 context: CaseContext) -> tuple[Reason, ...]:
    """Why a need is a priority for this case; empty if it is not."""
    if context.debt_reason and context.debt_reason in need.unless.get("debt_reason", ()):
        return ()
    reasons: list[Reason] = []
    triggers = need.triggers
    for item_id, codes in triggers.get("answers", {}).items():
        code = answers.get(item_id)
        if code in codes:
            item = instrument.item(item_id)
            reasons.append(Reason("r_answer", {"item": item.short, "answer": item.option(code).label}))
    raised = {f.code: f for f in flags}
    for code in triggers.get("flags", []):
        if code in raised:
            reasons.append(Reason("r_flag", {"flag": raised[code].label}))
    for code in triggers.get("vulnerabilities", []):
        if code in context.vulnerabilities:
            reasons.append(Reason("r_vulnerability", {"vulnerability": _vulnerability_label(code)}))
    if triggers.get("remote_region") and context.remote:
        reasons.append(Reason("r_remote", {"region": context.region_name()}))
    return tuple(reasons)


def derive_needs(grid: Grid, instrument: Instrument, answers: Mapping[str, Any], flags: Iterable[Flag] = (),
                 context: CaseContext = CaseContext()) -> list[NeedFinding]:
    """The priority needs of a case, in the grid's order, each with its reasons."""
    flags = tuple(flags)
    findings = []
    for need in grid.needs:
        reasons = need_reasons(need, instrument, answers, flags, context)
        if reasons:
            findings.append(NeedFinding(need, reasons))
    return findings


def describe_triggers(need: Need, instrument: Instrument, lang: str | None = None) -> str:
    """What makes a need a priority, in a sentence: "It becomes a priority when …"."""
    lang = current_lang(lang)
    q = ("«\u00a0", "\u00a0»") if lang == "fr" else ("“", "”")
    parts = []
    for item_id, codes in need.triggers.get("answers", {}).items():
        item = instrument.item(item_id)
        answers = f" {M('or', lang)} ".join(f"{q[0]}{item.option(c).text(lang)}{q[1]}" for c in codes)
        parts.append(M("t_answer", lang, item=item.label(lang), answers=answers))
    flag_labels = {question.flag.code: question.flag for question in instrument.screening}
    if need.triggers.get("flags"):
        flags = f" {M('or', lang)} ".join(f"{q[0]}{flag_labels[f].text(lang)}{q[1]}" for f in need.triggers["flags"])
        parts.append(M("t_flag", lang, flags=flags))
    if need.triggers.get("vulnerabilities"):
        vulns = f" {M('or', lang)} ".join(pick(_vulnerability_label(v), lang) for v in need.triggers["vulnerabilities"])
        parts.append(M("t_vulnerability", lang, vulnerabilities=vulns))
    if need.triggers.get("remote_region"):
        parts.append(M("t_remote", lang))
    return M("t_intro", lang, conditions=f", {M('or', lang)} ".join(parts))


@dataclass(frozen=True)
class AssistanceOption:
    assistance: Assistance
    serves: tuple[str, ...]  # the case's needs it is useful for


def assistance_options(grid: Grid, need_ids: Iterable[str]) -> list[AssistanceOption]:
    """Every type of assistance the grid links to at least one of the needs, in the grid's order."""
    wanted = set(need_ids)
    options = []
    for assistance in grid.assistance:
        serves = tuple(n for n in assistance.needs if n in wanted)
        if serves:
            options.append(AssistanceOption(assistance, serves))
    return options


def assistance_reason(grid: Grid, assistance: Assistance, need_ids: Iterable[str] | None = None) -> Reason:
    """ "Useful for: … (Handbook grid)" — the needs it serves, limited to ``need_ids`` when given."""
    ids = [n for n in assistance.needs if need_ids is None or n in set(need_ids)] or list(assistance.needs)
    labels = {"en": ", ".join(grid.need(n).label["en"].lower() for n in ids),
              "fr": ", ".join(grid.need(n).label["fr"].lower() for n in ids)}
    return Reason("serves", {"needs": labels})


def source_label(source: str, lang: str | None = None) -> str:
    return M(f"source_{source}", lang)


# -------------------------------------------------------------- follow-up


@dataclass(frozen=True)
class FollowUp:
    recommended: bool | None  # None: cannot decide yet (assessment incomplete)
    reasons: tuple[Reason, ...]

    def headline(self, lang: str | None = None) -> str:
        key = {True: "follow_yes", False: "follow_no", None: "follow_unknown"}[self.recommended]
        return M(key, lang)


def follow_up(grid: Grid, instrument: Instrument, score: CaseScore, context: CaseContext = CaseContext()) -> FollowUp:
    """The illustrative rule for personalised follow-up (see ``follow_up_rule`` in the grid)."""
    rule = grid.follow_up_rule
    reasons: list[Reason] = []
    if rule.any_flag:
        reasons += [Reason("f_flag", {"flag": f.label}) for f in score.flags]
    if score.composite is not None and score.composite < rule.composite_below:
        reasons.append(Reason("f_composite", {"score": score.composite, "threshold": rule.composite_below}))
    for dim in instrument.dimension_ids:
        value = score.dimensions[dim].score
        if value is not None and value < rule.dimension_below:
            label = instrument.dimension(dim).label
            reasons.append(Reason("f_dimension", {"dimension": {k: v.lower() for k, v in label.items()},
                                                  "score": value, "threshold": rule.dimension_below}))
    for code in rule.vulnerabilities:
        if code in context.vulnerabilities:
            reasons.append(Reason("f_vulnerability", {"vulnerability": _vulnerability_label(code)}))
    if reasons:
        return FollowUp(True, tuple(reasons))
    if score.composite is None:
        return FollowUp(None, (Reason("f_incomplete"),))
    return FollowUp(False, (Reason("f_none", {"score": score.composite, "threshold": rule.dimension_below}),))


# ------------------------------------------------------ checking choices


@dataclass(frozen=True)
class ChoiceVerdict:
    kind: str  # "need" or "assistance"
    id: str
    label: Mapping[str, str]
    status: str  # agree, extra, missed (needs); agree, acceptable, not_fit, missed (assistance)
    reasons: tuple[Reason, ...] = ()
    explanation: Mapping[str, str] | None = None  # a trainer's words, from the case study
    note: Reason | None = None  # e.g. assistance chosen without the need it serves

    def text(self, lang: str | None = None) -> str:
        return pick(self.label, lang)


def check_needs(grid: Grid, instrument: Instrument, chosen: Iterable[str], reference: Sequence[NeedFinding],
                explanations: Mapping[str, Mapping[str, str]] | None = None) -> list[ChoiceVerdict]:
    """The learner's priority needs against the reference ones: agree, extra or missed, each with its reasons."""
    chosen_ids = [c for c in dict.fromkeys(chosen) if _known(grid.need, c)]
    ref = {f.need.id: f for f in reference}
    explanations = explanations or {}
    verdicts = []
    for need in grid.needs:
        if need.id in chosen_ids and need.id in ref:
            verdicts.append(ChoiceVerdict("need", need.id, need.label, "agree", ref[need.id].reasons, explanations.get(need.id)))
        elif need.id in chosen_ids:
            verdicts.append(ChoiceVerdict("need", need.id, need.label, "extra", (), _trigger_text(need, instrument)))
        elif need.id in ref:
            verdicts.append(ChoiceVerdict("need", need.id, need.label, "missed", ref[need.id].reasons, explanations.get(need.id)))
    return verdicts


def _trigger_text(need: Need, instrument: Instrument) -> dict[str, str]:
    return {"en": describe_triggers(need, instrument, "en"), "fr": describe_triggers(need, instrument, "fr")}


def _known(getter, key) -> bool:
    try:
        getter(key)
        return True
    except KeyError:
        return False


def check_assistance(grid: Grid, chosen: Iterable[str], reference_needs: Iterable[str], reference_assistance: Iterable[str],
                     chosen_needs: Iterable[str] = (), explanations: Mapping[str, Mapping[str, str]] | None = None,
                     ) -> list[ChoiceVerdict]:
    """The learner's assistance against the grid and the reference plan.

    * ``agree``: in the reference plan;
    * ``acceptable``: not in the reference plan, but the grid links it to a priority need of the case;
    * ``not_fit``: the grid links it to none of the case's priority needs;
    * ``missed``: in the reference plan, not chosen.

    An assistance chosen without any of the needs it serves among the learner's
    own needs gets a note saying so.
    """
    chosen_ids = [c for c in dict.fromkeys(chosen) if _known(grid.assistance_type, c)]
    ref_needs = set(reference_needs)
    ref_assist = list(reference_assistance)
    mine = set(chosen_needs)
    explanations = explanations or {}
    verdicts = []
    for assistance in grid.assistance:
        aid = assistance.id
        note = None
        if aid in chosen_ids and chosen_needs is not None and not (set(assistance.needs) & mine):
            note = assistance_reason(grid, assistance)
            note = Reason("assist_unlinked", {"needs": note.fields["needs"]})
        if aid in chosen_ids and aid in ref_assist:
            verdicts.append(ChoiceVerdict("assistance", aid, assistance.label, "agree",
                                          (assistance_reason(grid, assistance, ref_needs),), explanations.get(aid), note))
        elif aid in chosen_ids and set(assistance.needs) & ref_needs:
            served = assistance_reason(grid, assistance, ref_needs).fields["needs"]
            verdicts.append(ChoiceVerdict("assistance", aid, assistance.label, "acceptable",
                                          (Reason("assist_acceptable", {"needs": served}),), None, note))
        elif aid in chosen_ids:
            served = assistance_reason(grid, assistance).fields["needs"]
            verdicts.append(ChoiceVerdict("assistance", aid, assistance.label, "not_fit",
                                          (Reason("assist_not_fit", {"needs": served}),), None, note))
        elif aid in ref_assist:
            verdicts.append(ChoiceVerdict("assistance", aid, assistance.label, "missed",
                                          (assistance_reason(grid, assistance, ref_needs),), explanations.get(aid)))
    return verdicts


def tally(verdicts: Iterable[ChoiceVerdict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for verdict in verdicts:
        counts[verdict.status] = counts.get(verdict.status, 0) + 1
    return counts


# ------------------------------------------------------------ the document


@dataclass
class PlanDraft:
    """A draft reintegration plan: what the case manager chose, with the reasons the grid gives."""

    instrument: Instrument
    grid: Grid
    case_id: str
    case_name: str
    date: str
    score: CaseScore
    needs: list[NeedFinding]
    assistance: list[AssistanceOption]
    follow_up: FollowUp
    notes: str = ""

    def _sections(self, lang: str) -> list[tuple[str, list]]:
        """The plan as (heading, blocks); a block is ("p", text), ("ul", [text]) or ("table", rows)."""
        rows = [[M("doc_dimension", lang), M("doc_score", lang), M("doc_band", lang)]]
        for line in score_lines(self.instrument, self.score, lang):
            rows.append([line.label, line.score_text, line.band_text if line.band_code else (line.detail or line.band_text)])
        sections: list[tuple[str, list]] = [
            (M("doc_scores", lang), [("table", rows), ("p", self.instrument.notice_text(lang))]),
        ]
        if self.score.flags:
            flags = [f"{f.text(lang)} — {pick(f.action, lang)}" for f in self.score.flags]
            sections.append((M("doc_flags", lang), [("ul", flags)]))
        else:
            sections.append((M("doc_flags", lang), [("p", M("doc_no_flags", lang))]))
        if self.needs:
            items = [f"{f.need.text(lang)} ({pick(_dim_label(self.instrument, f.need.dimension), lang)}) — "
                     + " ".join(r.text(lang) for r in f.reasons) for f in self.needs]
            sections.append((M("doc_needs", lang), [("ul", items)]))
        else:
            sections.append((M("doc_needs", lang), [("p", M("doc_no_needs", lang))]))
        if self.assistance:
            items = [f"{o.assistance.text(lang)} ({source_label(o.assistance.source, lang)}) — "
                     f"{assistance_reason(self.grid, o.assistance, o.serves or None).text(lang)}" for o in self.assistance]
            sections.append((M("doc_assistance", lang), [("ul", items)]))
        else:
            sections.append((M("doc_assistance", lang), [("p", M("doc_no_assistance", lang))]))
        sections.append((M("doc_follow_up", lang), [("p", self.follow_up.headline(lang) + "."),
                                                    ("ul", [r.text(lang) for r in self.follow_up.reasons]),
                                                    ("p", pick(self.grid.follow_up_rule.text, lang))]))
        if self.notes.strip():
            sections.append((M("doc_learner_notes", lang), [("p", self.notes.strip())]))
        sections.append((M("doc_next", lang), [("ul", [M("doc_next_1", lang), M("doc_next_2", lang), M("doc_next_3", lang)]),
                                               ("p", M("doc_signatures", lang))]))
        return sections

    def to_markdown(self, lang: str | None = None) -> str:
        lang = current_lang(lang)
        out = [f"# {M('doc_title', lang)}", "",
               f"**{M('doc_case', lang)}:** {self.case_name} ({self.case_id})  ".replace(":**", "\u00a0:**" if lang == "fr" else ":**"),
               f"**{M('doc_date', lang)}:** {self.date}".replace(":**", "\u00a0:**" if lang == "fr" else ":**"), "",
               f"*{M('doc_draft', lang)}*", ""]
        for heading, blocks in self._sections(lang):
            out += [f"## {heading}", ""]
            for kind, content in blocks:
                if kind == "p":
                    out += [content, ""]
                elif kind == "ul":
                    out += [f"- {x}" for x in content] + [""]
                else:
                    out.append("| " + " | ".join(content[0]) + " |")
                    out.append("|" + "---|" * len(content[0]))
                    out += ["| " + " | ".join(r) + " |" for r in content[1:]] + [""]
        return "\n".join(out)

    def to_html(self, lang: str | None = None) -> str:
        lang = current_lang(lang)
        e = html.escape
        colon = "\u00a0:" if lang == "fr" else ":"
        body = [f"<h1>{e(M('doc_title', lang))}</h1>",
                f"<p><strong>{e(M('doc_case', lang))}{colon}</strong> {e(self.case_name)} ({e(self.case_id)})<br>"
                f"<strong>{e(M('doc_date', lang))}{colon}</strong> {e(self.date)}</p>",
                f'<p class="draft">{e(M("doc_draft", lang))}</p>']
        for heading, blocks in self._sections(lang):
            body.append(f"<h2>{e(heading)}</h2>")
            for kind, content in blocks:
                if kind == "p":
                    body.append(f"<p>{e(content)}</p>")
                elif kind == "ul":
                    body.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in content) + "</ul>")
                else:
                    head = "".join(f'<th scope="col">{e(c)}</th>' for c in content[0])
                    rows = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in content[1:])
                    body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        style = (
            "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:48rem;margin:2rem auto;"
            "padding:0 1rem;line-height:1.45;color:#111}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:1.6rem;"
            "border-bottom:1px solid #999}table{border-collapse:collapse}th,td{border:1px solid #777;padding:.25rem .6rem;"
            "text-align:left}.draft{font-style:italic;border-left:4px solid #0072B2;padding-left:.6rem}"
            "@media print{body{margin:0;max-width:none}h2{break-after:avoid}}"
        )
        return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
                f"<title>{e(M('doc_title', lang))} — {e(self.case_name)}</title>\n<style>{style}</style>\n</head>\n"
                "<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")


def _dim_label(instrument: Instrument, dimension: str) -> Mapping[str, str]:
    return instrument.dimension(dimension).label


def draft_plan(instrument: Instrument, grid: Grid, *, case_id: str, case_name: str, date: str, score: CaseScore,
               answers: Mapping[str, Any], chosen_needs: Iterable[str], chosen_assistance: Iterable[str],
               context: CaseContext = CaseContext(), notes: str = "") -> PlanDraft:
    """A draft plan from a case manager's choices; each need keeps the reasons the answers give for it."""
    needs = []
    chosen_needs = [n for n in dict.fromkeys(chosen_needs) if _known(grid.need, n)]
    for need_id in chosen_needs:
        need = grid.need(need_id)
        reasons = need_reasons(need, instrument, answers, score.flags, context) or (Reason("r_chosen"),)
        needs.append(NeedFinding(need, reasons))
    assistance = []
    for aid in dict.fromkeys(chosen_assistance):
        if _known(grid.assistance_type, aid):
            a = grid.assistance_type(aid)
            assistance.append(AssistanceOption(a, tuple(n for n in a.needs if n in chosen_needs)))
    return PlanDraft(instrument, grid, case_id, case_name, date, score, needs, assistance,
                     follow_up(grid, instrument, score, context), notes)


def grid_frame(grid: Grid, lang: str | None = None, source: str | None = None):
    """The feasibility grid as a table (one row per type of assistance), optionally only one source's rows."""
    import pandas as pd

    lang = current_lang(lang)
    rows = [{M("col_assistance", lang): a.text(lang),
             M("col_needs", lang): " · ".join(grid.need(n).text(lang) for n in a.needs),
             M("col_source", lang): source_label(a.source, lang)}
            for a in grid.assistance if source is None or a.source == source]
    return pd.DataFrame(rows).set_index(M("col_assistance", lang))
