"""Scoring a returnee's answers to the (illustrative) assessment instrument.

The rules, in words (they are also in ``datasets/instrument.json``):

* **Item score.** The score of the option chosen, from 0 (most difficult
  situation) to 1 (best). An option whose score is ``null`` means *not
  applicable* (for example "no school-age children"): it is not an answer.
* **Dimension score.** The weighted mean of the *answered* items of the
  dimension; the weights of the answered items are rescaled so that they add up
  to 1. A missing or not-applicable answer is therefore left out, never counted
  as 0.
* **Missing-answer rule.** A dimension with fewer answered items than the
  instrument's ``min_answers_per_dimension`` (3 in the course's instrument) has
  no score: it is reported as **insufficient data**. A score built on one or two
  answers would say more about the questions asked than about the person.
* **Composite score.** The weighted mean of the three dimension scores, with the
  instrument's ``composite_weights``; computed only when every dimension has a
  score, because the integrated approach does not judge sustainability on one
  or two dimensions.
* **Bands.** A score belongs to the band whose ``min`` it reaches and whose
  ``max`` it stays below; the last band includes 1.
* **Answers that are not options** (a typing error, a code from another
  instrument, a number) are left out like missing answers, and reported, so
  that a learner or a data officer can correct them.

Screening questions are separate from the scores: a flag raised by a screening
answer calls for action whatever the scores (see :func:`raised_flags`).

:func:`score_answers` scores one case; :func:`score_frame` scores a whole
caseload at once with numpy (100,000 cases in well under a second).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from .i18n import current_lang, fmt_number, messages
from .instrument import Flag, Instrument, Item
from .lazy import lazy_module

np = lazy_module("numpy")  # imported when first used: the case assessment needs neither
pd = lazy_module("pandas")

INSUFFICIENT = "insufficient"

M = messages(
    "scoring",
    {
        "insufficient": "insufficient data",
        "insufficient_why": "{answered} of the {needed} answers needed",
        "no_composite": "no composite score until every dimension has enough answers",
        "composite": "Composite",
        "invalid_answer": "The answer “{value}” to “{item}” is not one of its options, so it was left out. Choose one of: {options}.",
        "pair": "{label}: {value}",
        "col_item": "Item",
        "col_answer": "Answer",
        "col_score": "Score",
        "col_weight": "Weight",
        "col_weighted": "Weight × score",
        "no_answer": "no answer",
        "left_out": "left out",
        "breakdown": "{dimension} score = sum of weight × score ÷ sum of the weights of the answered items = {num} ÷ {den} = {score}",
        "breakdown_insufficient": "{dimension}: only {answered} of the {needed} answers needed: insufficient data, not 0.",
        "unknown_item": "“{item}” is not an item of the instrument, so its answer was left out.",
    },
)


# ------------------------------------------------------------------ one case


def item_score(item: Item, code: Any) -> float | None:
    """The score of an answer to an item; ``None`` if missing, not applicable or not an option."""
    option = item.option(code) if code is not None else None
    return option.score if option is not None else None


@dataclass(frozen=True)
class InvalidAnswer:
    """An answer that is not one of the item's options (or an item the instrument lacks)."""

    item_id: str
    value: Any
    known_item: bool

    def message(self, instrument: Instrument, lang: str | None = None) -> str:
        if not self.known_item:
            return M("unknown_item", lang, item=self.item_id)
        item = instrument.item(self.item_id) if self.item_id in _item_ids(instrument) else instrument.question(self.item_id)
        options = ", ".join(f"«\u00a0{o.text(lang)}\u00a0»" if current_lang(lang) == "fr" else f"“{o.text(lang)}”"
                            for o in item.options)
        return M("invalid_answer", lang, value=self.value, item=item.label(lang), options=options)


def _item_ids(instrument: Instrument) -> set[str]:
    return {i.id for i in instrument.items}


def clean_answers(instrument: Instrument, answers: Mapping[Any, Any]) -> tuple[dict[str, str], list[InvalidAnswer]]:
    """Keep the answers that are options of their item (or screening question); report the others.

    Empty answers (``None``, ``""``, NaN) are simply missing, not invalid.
    """
    clean: dict[str, str] = {}
    invalid: list[InvalidAnswer] = []
    questions = {i.id: i for i in instrument.items}
    questions.update({q.id: q for q in instrument.screening})
    for key, value in answers.items():
        if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
            continue
        question = questions.get(str(key))
        if question is None:
            invalid.append(InvalidAnswer(str(key), value, known_item=False))
        elif not isinstance(value, str) or question.option(value) is None:
            invalid.append(InvalidAnswer(str(key), value, known_item=True))
        else:
            clean[question.id] = value
    return clean, invalid


@dataclass(frozen=True)
class DimensionScore:
    dimension: str
    score: float | None  # None: insufficient data
    answered: int  # answers with a score
    not_applicable: int
    missing: int  # no answer (or an invalid one)
    needed: int  # answers needed for a score

    @property
    def sufficient(self) -> bool:
        return self.score is not None

    @property
    def total(self) -> int:
        return self.answered + self.not_applicable + self.missing


@dataclass(frozen=True)
class CaseScore:
    dimensions: Mapping[str, DimensionScore]
    composite: float | None
    item_scores: Mapping[str, float | None]
    invalid: tuple[InvalidAnswer, ...] = ()
    flags: tuple[Flag, ...] = ()

    def score(self, dimension: str) -> float | None:
        return self.composite if dimension == "composite" else self.dimensions[dimension].score

    @property
    def complete(self) -> bool:
        return self.composite is not None


def dimension_score(instrument: Instrument, dimension: str, answers: Mapping[str, Any]) -> DimensionScore:
    """Weighted mean of the answered items of one dimension, or insufficient data (see the module's rules)."""
    weighted = weights = 0.0
    answered = not_applicable = missing = 0
    for item in instrument.items_in(dimension):
        code = answers.get(item.id)
        option = item.option(code) if isinstance(code, str) else None
        if option is None:
            missing += 1
        elif option.score is None:
            not_applicable += 1
        else:
            answered += 1
            weighted += item.weight * option.score
            weights += item.weight
    needed = instrument.min_answers[dimension]
    score = _clip(weighted / weights) if answered >= needed and weights > 0 else None
    return DimensionScore(dimension, score, answered, not_applicable, missing, needed)


def composite_score(instrument: Instrument, dimension_scores: Mapping[str, float | None]) -> float | None:
    """Weighted mean of the dimension scores; ``None`` unless every dimension has a score."""
    values = [dimension_scores.get(d) for d in instrument.dimension_ids]
    if any(v is None for v in values):
        return None
    total = sum(instrument.composite_weights[d] for d in instrument.dimension_ids)
    return _clip(sum(instrument.composite_weights[d] * v for d, v in zip(instrument.dimension_ids, values)) / total)


def raised_flags(instrument: Instrument, answers: Mapping[str, Any]) -> tuple[Flag, ...]:
    """The screening flags raised by the answers, in the instrument's order."""
    return tuple(q.flag for q in instrument.screening if answers.get(q.id) in q.flag.raised_by)


def score_answers(instrument: Instrument, answers: Mapping[Any, Any]) -> CaseScore:
    """Score one case: item, dimension and composite scores, flags, and the answers left out."""
    clean, invalid = clean_answers(instrument, answers)
    dims = {d: dimension_score(instrument, d, clean) for d in instrument.dimension_ids}
    composite = composite_score(instrument, {d: s.score for d, s in dims.items()})
    items = {i.id: item_score(i, clean.get(i.id)) for i in instrument.items}
    return CaseScore(dims, composite, items, tuple(invalid), raised_flags(instrument, clean))


def _clip(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


# --------------------------------------------------------------- displaying


def labelled(label: str, value: str, lang: str | None = None) -> str:
    """ "Label: value", with the colon the reader's language expects (a no-break space before it in French)."""
    return M("pair", lang, label=label, value=value)


def format_score(score: float | None, lang: str | None = None) -> str:
    """0.42 / 0,42; or "insufficient data"."""
    return M("insufficient", lang) if score is None else fmt_number(score, lang, 2)


def band_label(instrument: Instrument, score: float | None, lang: str | None = None) -> str:
    band = instrument.band_for(score)
    return band.text(lang) if band else M("insufficient", lang)


def dimension_label(instrument: Instrument, dimension: str, lang: str | None = None) -> str:
    return M("composite", lang) if dimension == "composite" else instrument.dimension(dimension).text(lang)


@dataclass(frozen=True)
class ScoreLine:
    """One line of a score summary: what a chart's text alternative says."""

    key: str  # dimension id or "composite"
    label: str
    score: float | None
    score_text: str
    band_code: str | None
    band_text: str
    detail: str  # e.g. "4 of 5 answered" or the reason for insufficient data


def score_lines(instrument: Instrument, result: CaseScore, lang: str | None = None) -> list[ScoreLine]:
    """The scores of a case as lines of text, dimension by dimension, then the composite."""
    lines = []
    for dim in instrument.dimension_ids:
        ds = result.dimensions[dim]
        band = instrument.band_for(ds.score)
        detail = "" if ds.sufficient else M("insufficient_why", lang, answered=ds.answered, needed=ds.needed)
        lines.append(ScoreLine(dim, dimension_label(instrument, dim, lang), ds.score, format_score(ds.score, lang),
                               band.code if band else None, band.text(lang) if band else M("insufficient", lang), detail))
    band = instrument.band_for(result.composite)
    lines.append(ScoreLine(
        "composite", M("composite", lang), result.composite, format_score(result.composite, lang),
        band.code if band else None, band.text(lang) if band else M("insufficient", lang),
        "" if result.composite is not None else M("no_composite", lang),
    ))
    return lines


# ------------------------------------------------------------ a caseload


def score_frame(instrument: Instrument, answers: pd.DataFrame) -> pd.DataFrame:
    """Score every row of a table of answers (one column per item, codes as text, empty = missing).

    Returns a frame on the same index with, for each dimension, its score (NaN
    for insufficient data) and ``answered_<dimension>``; then ``composite``,
    ``band_<dimension>`` / ``band_composite`` (band codes, empty for
    insufficient data), and one boolean column per screening flag
    (``flag_<code>``) when the screening columns are present. Same rules as
    :func:`score_answers`: answers that are not options count as missing.
    """
    n = len(answers)
    out: dict[str, Any] = {}
    dim_scores: dict[str, np.ndarray] = {}
    for dim in instrument.dimension_ids:
        weighted = np.zeros(n)
        weights = np.zeros(n)
        answered = np.zeros(n, dtype=np.int64)
        for item in instrument.items_in(dim):
            if item.id not in answers.columns:
                continue
            scores = _option_scores(item, answers[item.id])
            ok = ~np.isnan(scores)
            weighted += np.where(ok, scores * item.weight, 0.0)
            weights += np.where(ok, item.weight, 0.0)
            answered += ok
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.clip(weighted / weights, 0.0, 1.0)
        score[answered < instrument.min_answers[dim]] = np.nan
        dim_scores[dim] = score
        out[dim] = score
        out[f"answered_{dim}"] = answered
    stacked = np.column_stack([dim_scores[d] for d in instrument.dimension_ids])
    cw = np.array([instrument.composite_weights[d] for d in instrument.dimension_ids])
    composite = np.clip(stacked @ cw / cw.sum(), 0.0, 1.0)  # NaN propagates: no composite without all three
    out["composite"] = composite
    edges = np.array(instrument.band_edges())
    codes = np.array([b.code for b in instrument.bands] + [""], dtype=object)
    for key in (*instrument.dimension_ids, "composite"):
        values = out[key]
        index = np.searchsorted(edges, values, side="right")
        index[np.isnan(values)] = len(instrument.bands)
        out[f"band_{key}"] = codes[index]
    for question in instrument.screening:
        if question.id in answers.columns:
            out[f"flag_{question.flag.code}"] = answers[question.id].isin(question.flag.raised_by).to_numpy()
    return pd.DataFrame(out, index=answers.index)


def _option_scores(item: Item, column: pd.Series) -> np.ndarray:
    """The score of each answer in a column (NaN for missing, not applicable or not an option), vectorised."""
    scored = [o for o in item.options if o.score is not None]
    positions = pd.Index([o.code for o in scored]).get_indexer(column.astype(object))
    lookup = np.append(np.array([o.score for o in scored], dtype=float), np.nan)  # position -1: NaN
    return lookup[positions]


def band_shares(instrument: Instrument, scored: pd.DataFrame, key: str) -> dict[str, float]:
    """Share of rows in each band (and ``insufficient``) for a dimension or the composite."""
    counts = scored[f"band_{key}"].value_counts()
    total = max(len(scored), 1)
    shares = {b.code: counts.get(b.code, 0) / total for b in instrument.bands}
    shares[INSUFFICIENT] = counts.get("", 0) / total
    return shares


def dimension_breakdown(instrument: Instrument, dimension: str, answers: Mapping[str, Any], lang: str | None = None):
    """How a dimension score is computed, item by item: a table and the sentence that sums it up."""
    lang = current_lang(lang)
    rows = []
    for item in instrument.items_in(dimension):
        code = answers.get(item.id)
        option = item.option(code) if isinstance(code, str) else None
        answered = option is not None and option.score is not None
        rows.append({
            M("col_item", lang): item.label(lang),
            M("col_answer", lang): option.text(lang) if option else M("no_answer", lang),
            M("col_score", lang): fmt_number(option.score, lang, 2) if answered else "—",
            M("col_weight", lang): fmt_number(item.weight, lang, 2),
            M("col_weighted", lang): fmt_number(item.weight * option.score, lang, 3) if answered else M("left_out", lang),
        })
    table = pd.DataFrame(rows).set_index(M("col_item", lang))
    result = dimension_score(instrument, dimension, answers)
    label = instrument.dimension(dimension).text(lang)
    if result.score is None:
        sentence = M("breakdown_insufficient", lang, dimension=label, answered=result.answered, needed=result.needed)
    else:
        num = sum(i.weight * i.option(answers[i.id]).score for i in instrument.items_in(dimension)
                  if isinstance(answers.get(i.id), str) and i.option(answers[i.id]) is not None
                  and i.option(answers[i.id]).score is not None)
        den = sum(i.weight for i in instrument.items_in(dimension)
                  if isinstance(answers.get(i.id), str) and i.option(answers[i.id]) is not None
                  and i.option(answers[i.id]).score is not None)
        sentence = M("breakdown", lang, dimension=label.lower() if lang == "fr" else label, num=fmt_number(num, lang, 3),
                     den=fmt_number(den, lang, 2), score=fmt_number(result.score, lang, 2))
    return table, sentence
