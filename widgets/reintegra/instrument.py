"""The assessment instrument, read from data and checked.

The course's instrument is *illustrative*: it follows the spirit of IOM's
Reintegration Sustainability Survey (about fifteen indicators over the economic,
social and psychosocial dimensions, scores on 0–1, one score per dimension and a
composite), but its wording, options, scores, weights and bands are the course's
own (see ``datasets/instrument.json``). Because it is data, an organisation that
holds the official scoring can drop its own file in without touching code:
:func:`load_instrument` reads any file of the same format and
:func:`validate_instrument` reports every problem in it, in English or French.

The format, in short::

    dimensions          [{id, label{en,fr}, description{en,fr}}]
    composite_weights   {dimension: weight}            (add up to 1)
    min_answers_per_dimension   int, or {dimension: int}
    bands               [{code, min, max, label{en,fr}, description{en,fr}}]
                        contiguous, from 0 to 1; min <= score < max, the last includes 1
    items               [{id, dimension, short{en,fr}, text{en,fr}, weight,
                          options: [{code, label{en,fr}, score}]}]
                        scores in 0–1, or null for "not applicable";
                        the weights of a dimension add up to 1
    screening           [{id, short, text, options: [{code, label}],
                          flag: {code, raised_by: [codes], label, urgency, action}}]

Pure logic: no ipywidgets here.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from .i18n import current_lang, messages, plural, pick
from .paths import datasets_dir

WEIGHT_TOLERANCE = 1e-6
INSTRUMENT_FILE = "instrument.json"

M = messages(
    "instrument",
    {
        "illustrative": ("Illustrative instrument: its items, scores, weights and bands are the course's own, "
            "not IOM's official scoring."),
        "not_applicable": "not applicable",
        # Problems found in an instrument file
        "p_not_json": "The file is not valid JSON ({error}).",
        "p_missing_file": "No instrument file at {path}.",
        "p_missing_key": "The key “{key}” is missing.",
        "p_not_list": "“{key}” must be a list.",
        "p_no_text": "{where}: the text “{key}” needs an English and a French version.",
        "p_duplicate": "{where}: the id “{id}” is used twice.",
        "p_unknown_dimension": "{where}: unknown dimension “{dimension}”.",
        "p_few_options": "{where}: an item needs at least two options with a score.",
        "p_score_range": "{where}: the score of option “{code}” must be a number from 0 to 1 (or null for “not applicable”), not {value}.",
        "p_weight": "{where}: the weight must be a positive number, not {value}.",
        "p_weight_sum": "Dimension “{dimension}”: the weights of its items add up to {total}, not 1.",
        "p_too_few_items": "Dimension “{dimension}” has {count} items, fewer than the {needed} answers it needs for a score.",
        "p_composite": "The composite weights must give a non-negative weight to each dimension and add up to 1 (they add up to {total}).",
        "p_min_answers": "“min_answers_per_dimension” must be a whole number of at least 1.",
        "p_bands": "The bands must follow each other from 0 to 1 without gap or overlap ({detail}).",
        "p_flag": "{where}: the flag is raised by “{code}”, which is not one of the options.",
        # tables for the book's worked examples
        "col_dimension": "Dimension",
        "col_item": "Item",
        "col_question": "Question",
        "col_weight": "Weight",
        "col_options": "Answers and their scores",
        "col_flag": "Flag",
        "col_action": "What to do",
        "report_title": plural("The instrument file has {n} problem:", "The instrument file has {n} problems:"),
    },
)


# --------------------------------------------------------------------- model


@dataclass(frozen=True)
class Option:
    code: str
    label: Mapping[str, str]
    score: float | None  # None: "not applicable", not counted as an answer

    @property
    def applicable(self) -> bool:
        return self.score is not None

    def text(self, lang: str | None = None) -> str:
        return pick(self.label, lang)


class _Asked:
    """What an item and a screening question share: options, a label, a question."""

    def option(self, code: Any) -> Option | None:
        for option in self.options:
            if option.code == code:
                return option
        return None

    def codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)

    def label(self, lang: str | None = None) -> str:
        return pick(self.short, lang)

    def question(self, lang: str | None = None) -> str:
        return pick(self.text, lang)


@dataclass(frozen=True)
class Item(_Asked):
    id: str
    dimension: str
    short: Mapping[str, str]
    text: Mapping[str, str]
    weight: float
    options: tuple[Option, ...]
    note: Mapping[str, str] | None = None

    @property
    def max_score(self) -> float:
        return max(o.score for o in self.options if o.score is not None)


@dataclass(frozen=True)
class Dimension:
    id: str
    label: Mapping[str, str]
    description: Mapping[str, str]

    def text(self, lang: str | None = None) -> str:
        return pick(self.label, lang)


@dataclass(frozen=True)
class Band:
    code: str
    min: float
    max: float
    label: Mapping[str, str]
    description: Mapping[str, str]

    def text(self, lang: str | None = None) -> str:
        return pick(self.label, lang)


@dataclass(frozen=True)
class Flag:
    code: str
    raised_by: tuple[str, ...]
    label: Mapping[str, str]
    urgency: str
    action: Mapping[str, str]

    def text(self, lang: str | None = None) -> str:
        return pick(self.label, lang)


@dataclass(frozen=True)
class ScreeningQuestion(_Asked):
    id: str
    short: Mapping[str, str]
    text: Mapping[str, str]
    options: tuple[Option, ...]
    flag: Flag



@dataclass(frozen=True)
class Instrument:
    id: str
    version: str
    title: Mapping[str, str]
    notice: Mapping[str, str]
    dimensions: tuple[Dimension, ...]
    items: tuple[Item, ...]
    composite_weights: Mapping[str, float]
    min_answers: Mapping[str, int]
    bands: tuple[Band, ...]
    screening: tuple[ScreeningQuestion, ...]
    texts: Mapping[str, Any] = field(default_factory=dict)  # scoring notes, missing-answer rule …
    illustrative: bool = True

    @property
    def dimension_ids(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.dimensions)

    def dimension(self, dimension_id: str) -> Dimension:
        for dim in self.dimensions:
            if dim.id == dimension_id:
                return dim
        raise KeyError(dimension_id)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def items_in(self, dimension_id: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.dimension == dimension_id)

    def question(self, question_id: str) -> ScreeningQuestion:
        for question in self.screening:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def band_for(self, score: float | None) -> Band | None:
        """The band a score falls in: ``min <= score < max``; the last band includes its max."""
        if score is None or (isinstance(score, float) and math.isnan(score)):
            return None
        for band in self.bands[:-1]:
            if band.min <= score < band.max:
                return band
        last = self.bands[-1]
        if last.min <= score <= last.max + WEIGHT_TOLERANCE:
            return last
        return self.bands[0] if score < self.bands[0].min else last

    def band_edges(self) -> tuple[float, ...]:
        """Inner edges between the bands, e.g. (0.4, 0.6, 0.8)."""
        return tuple(b.min for b in self.bands[1:])

    def notice_text(self, lang: str | None = None) -> str:
        return pick(self.notice, lang) if self.notice else M("illustrative", lang)

    def title_text(self, lang: str | None = None) -> str:
        return pick(self.title, lang)

    def rule(self, key: str, lang: str | None = None) -> str:
        """A scoring rule in words: ``item``, ``dimension``, ``composite`` or ``missing_answers``."""
        if key == "missing_answers":
            return pick(self.texts.get("missing_answers", {}), lang)
        return pick(self.texts.get("scoring", {}).get(key, {}), lang)


# ---------------------------------------------------------------- validation


@dataclass(frozen=True)
class Problem:
    """One problem in an instrument file, with its message in either language."""

    key: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        return M(f"p_{self.key}", lang, **{k: _fmt(v, lang) for k, v in self.fields.items()})

    def __str__(self) -> str:
        return self.message("en")


def _fmt(value: Any, lang: str | None) -> str:
    if isinstance(value, float):
        text = f"{value:.6g}"
        return text.replace(".", ",") if current_lang(lang) == "fr" else text
    if isinstance(value, Mapping):
        return pick(value, lang)
    return str(value)


class InstrumentError(ValueError):
    """An instrument file that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(self.report("en"))

    def report(self, lang: str | None = None) -> str:
        lines = [M.n("report_title", len(self.problems), lang)]
        lines += [f"- {p.message(lang)}" for p in self.problems]
        return "\n".join(lines)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _has_both(text: Any) -> bool:
    return isinstance(text, Mapping) and all(isinstance(text.get(l), str) and text.get(l).strip() for l in ("en", "fr"))


def validate_instrument(data: Any) -> list[Problem]:
    """Every problem in an instrument (as read from JSON); an empty list means it is usable."""
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        return [Problem("not_json", {"error": type(data).__name__})]
    for key in ("dimensions", "items", "composite_weights", "bands", "min_answers_per_dimension"):
        if key not in data:
            problems.append(Problem("missing_key", {"key": key}))
    if problems:
        return problems
    for key in ("dimensions", "items", "bands"):
        if not isinstance(data[key], list):
            problems.append(Problem("not_list", {"key": key}))
    if problems:
        return problems

    dims = []
    for position, dim in enumerate(data["dimensions"], start=1):
        where = f"dimensions[{position}]"
        dim_id = dim.get("id") if isinstance(dim, Mapping) else None
        if not dim_id:
            problems.append(Problem("missing_key", {"key": f"{where}.id"}))
            continue
        if dim_id in dims:
            problems.append(Problem("duplicate", {"where": "dimensions", "id": dim_id}))
        dims.append(dim_id)
        if not _has_both(dim.get("label")):
            problems.append(Problem("no_text", {"where": dim_id, "key": "label"}))

    seen: set[str] = set()
    totals = {d: 0.0 for d in dims}
    counts = {d: 0 for d in dims}
    for position, item in enumerate(data["items"], start=1):
        if not isinstance(item, Mapping) or not item.get("id"):
            problems.append(Problem("missing_key", {"key": f"items[{position}].id"}))
            continue
        where = item["id"]
        if where in seen:
            problems.append(Problem("duplicate", {"where": "items", "id": where}))
        seen.add(where)
        if item.get("dimension") not in dims:
            problems.append(Problem("unknown_dimension", {"where": where, "dimension": item.get("dimension")}))
        for key in ("text", "short"):
            if not _has_both(item.get(key)):
                problems.append(Problem("no_text", {"where": where, "key": key}))
        weight = item.get("weight")
        if not _is_number(weight) or weight <= 0:
            problems.append(Problem("weight", {"where": where, "value": weight}))
        elif item.get("dimension") in totals:
            totals[item["dimension"]] += float(weight)
            counts[item["dimension"]] += 1
        problems += _check_options(where, item.get("options"), scored=True)

    for dim in dims:
        if abs(totals[dim] - 1.0) > WEIGHT_TOLERANCE:
            problems.append(Problem("weight_sum", {"dimension": dim, "total": round(totals[dim], 6)}))

    minimum = data["min_answers_per_dimension"]
    mins = minimum if isinstance(minimum, Mapping) else {d: minimum for d in dims}
    for dim in dims:
        needed = mins.get(dim)
        if not isinstance(needed, int) or isinstance(needed, bool) or needed < 1:
            problems.append(Problem("min_answers"))
            break
        if counts[dim] < needed:
            problems.append(Problem("too_few_items", {"dimension": dim, "count": counts[dim], "needed": needed}))

    weights = data["composite_weights"]
    if not isinstance(weights, Mapping) or set(weights) != set(dims) or not all(
        _is_number(v) and v >= 0 for v in weights.values()
    ):
        total = sum(v for v in weights.values() if _is_number(v)) if isinstance(weights, Mapping) else 0
        problems.append(Problem("composite", {"total": round(float(total), 6)}))
    elif abs(sum(weights.values()) - 1.0) > WEIGHT_TOLERANCE:
        problems.append(Problem("composite", {"total": round(float(sum(weights.values())), 6)}))

    problems += _check_bands(data["bands"])

    screening = data.get("screening", [])
    if not isinstance(screening, list):
        problems.append(Problem("not_list", {"key": "screening"}))
        screening = []
    for position, question in enumerate(screening, start=1):
        if not isinstance(question, Mapping) or not question.get("id"):
            problems.append(Problem("missing_key", {"key": f"screening[{position}].id"}))
            continue
        where = question["id"]
        if where in seen:
            problems.append(Problem("duplicate", {"where": "screening", "id": where}))
        seen.add(where)
        if not _has_both(question.get("text")):
            problems.append(Problem("no_text", {"where": where, "key": "text"}))
        problems += _check_options(where, question.get("options"), scored=False)
        flag = question.get("flag")
        if not isinstance(flag, Mapping) or not flag.get("code"):
            problems.append(Problem("missing_key", {"key": f"{where}.flag.code"}))
            continue
        codes = {o.get("code") for o in question.get("options") or [] if isinstance(o, Mapping)}
        for code in flag.get("raised_by", []):
            if code not in codes:
                problems.append(Problem("flag", {"where": where, "code": code}))
        if flag.get("protocol"):
            # The action is the safety protocol's summary (reintegra.safety), not text of its own.
            from . import safety
            try:
                safety.load_protocol(flag["protocol"])
            except KeyError:
                problems.append(Problem("missing_key", {"key": f"{where}.flag.protocol"}))
        for key in ("label",) if flag.get("protocol") else ("label", "action"):
            if not _has_both(flag.get(key)):
                problems.append(Problem("no_text", {"where": where, "key": f"flag.{key}"}))
    return problems


def _flag_action(flag: Mapping[str, Any]) -> Mapping[str, str]:
    """A flag's action: its own text, or the summary of the safety protocol it names."""
    if flag.get("protocol"):
        from . import safety
        return safety.summary_texts(flag["protocol"])
    return flag["action"]


def _check_options(where: str, options: Any, scored: bool) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(options, list) or not options:
        return [Problem("few_options", {"where": where})]
    codes: set[str] = set()
    scored_count = 0
    for option in options:
        if not isinstance(option, Mapping) or not option.get("code"):
            problems.append(Problem("missing_key", {"key": f"{where}.options.code"}))
            continue
        code = option["code"]
        if code in codes:
            problems.append(Problem("duplicate", {"where": where, "id": code}))
        codes.add(code)
        if not _has_both(option.get("label")):
            problems.append(Problem("no_text", {"where": f"{where}.{code}", "key": "label"}))
        if scored:
            score = option.get("score")
            if score is None:
                continue
            if not _is_number(score) or not 0 <= score <= 1:
                problems.append(Problem("score_range", {"where": where, "code": code, "value": score}))
            else:
                scored_count += 1
    if scored and scored_count < 2:
        problems.append(Problem("few_options", {"where": where}))
    return problems


def _check_bands(bands: list) -> list[Problem]:
    try:
        edges = [(float(b["min"]), float(b["max"]), b["code"]) for b in bands]
    except (KeyError, TypeError, ValueError):
        return [Problem("bands", {"detail": "min, max, code"})]
    if not edges:
        return [Problem("bands", {"detail": "0"})]
    detail = None
    if abs(edges[0][0]) > WEIGHT_TOLERANCE:
        detail = f"{edges[0][2]}: min {edges[0][0]}"
    elif abs(edges[-1][1] - 1) > WEIGHT_TOLERANCE:
        detail = f"{edges[-1][2]}: max {edges[-1][1]}"
    else:
        for (lo, hi, code), following in zip(edges, edges[1:] + [None]):
            if not lo < hi:
                detail = f"{code}: {lo} – {hi}"
                break
            if following is not None and abs(following[0] - hi) > WEIGHT_TOLERANCE:
                detail = f"{code} / {following[2]}"
                break
    codes = [code for _, _, code in edges]
    if detail is None and len(set(codes)) != len(codes):
        detail = "code"
    return [Problem("bands", {"detail": detail})] if detail else []


# ------------------------------------------------------------------- loading


def _options(raw: Iterable[Mapping], scored: bool) -> tuple[Option, ...]:
    return tuple(
        Option(o["code"], o["label"], (None if o.get("score") is None else float(o["score"])) if scored else None)
        for o in raw
    )


def from_dict(data: Mapping) -> Instrument:
    """Build an :class:`Instrument` from its JSON form; raises :class:`InstrumentError` listing every problem."""
    problems = validate_instrument(data)
    if problems:
        raise InstrumentError(problems)
    dims = tuple(Dimension(d["id"], d["label"], d.get("description", {})) for d in data["dimensions"])
    minimum = data["min_answers_per_dimension"]
    mins = dict(minimum) if isinstance(minimum, Mapping) else {d.id: int(minimum) for d in dims}
    items = tuple(
        Item(i["id"], i["dimension"], i["short"], i["text"], float(i["weight"]), _options(i["options"], True), i.get("note"))
        for i in data["items"]
    )
    screening = tuple(
        ScreeningQuestion(
            q["id"], q.get("short", q["text"]), q["text"], _options(q["options"], False),
            Flag(q["flag"]["code"], tuple(q["flag"].get("raised_by", ())), q["flag"]["label"],
                 q["flag"].get("urgency", "immediate"), _flag_action(q["flag"])),
        )
        for q in data.get("screening", [])
    )
    bands = tuple(Band(b["code"], float(b["min"]), float(b["max"]), b["label"], b.get("description", {}))
                  for b in data["bands"])
    texts = {key: data[key] for key in ("scoring", "missing_answers", "composite_note", "bands_rule",
                                        "screening_note", "sources") if key in data}
    return Instrument(
        id=data.get("id", "instrument"), version=str(data.get("version", "")), title=data.get("title", {}),
        notice=data.get("notice", {}), dimensions=dims, items=items,
        composite_weights={k: float(v) for k, v in data["composite_weights"].items()},
        min_answers=mins, bands=bands, screening=screening, texts=texts,
        illustrative=bool(data.get("illustrative", True)),
    )


def read_instrument_file(path: str | Path) -> dict:
    """The raw JSON of an instrument file; a missing or malformed file raises :class:`InstrumentError`."""
    path = Path(path)
    if not path.is_file():
        raise InstrumentError([Problem("missing_file", {"path": str(path)})])
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InstrumentError([Problem("not_json", {"error": str(exc)})]) from None


_CACHE: dict[tuple[str, float], Instrument] = {}


def load_instrument(path: str | Path | None = None) -> Instrument:
    """The instrument in use: ``datasets/instrument.json`` (or ``$REINTEGRA_DATA_DIR``), or ``path``."""
    path = Path(path) if path is not None else datasets_dir() / INSTRUMENT_FILE
    key = (str(path.resolve()), path.stat().st_mtime if path.exists() else 0.0)
    if key not in _CACHE:
        _CACHE[key] = from_dict(read_instrument_file(path))
    return _CACHE[key]


# ------------------------------------------------------------- for the book


def items_frame(instrument: Instrument, lang: str | None = None):
    """The instrument as a table: one row per item, with its dimension, weight and scored options."""
    import pandas as pd

    lang = current_lang(lang)
    rows = []
    for item in instrument.items:
        options = " · ".join(
            f"{o.text(lang)} ({_fmt(o.score, lang) if o.score is not None else M('not_applicable', lang)})"
            for o in item.options)
        rows.append({M("col_item", lang): item.label(lang), M("col_dimension", lang): instrument.dimension(item.dimension).text(lang),
                     M("col_weight", lang): _fmt(item.weight, lang), M("col_options", lang): options})
    return pd.DataFrame(rows).set_index(M("col_item", lang))


def screening_frame(instrument: Instrument, lang: str | None = None):
    """The screening questions as a table: question, flag raised, what to do."""
    import pandas as pd

    lang = current_lang(lang)
    rows = [{M("col_question", lang): q.question(lang), M("col_flag", lang): q.flag.text(lang),
             M("col_action", lang): pick(q.flag.action, lang)} for q in instrument.screening]
    return pd.DataFrame(rows).set_index(M("col_flag", lang))
