"""What the trainer sees of the room: aggregates of the participants' answers.

Pure functions over ``{participant: {item: value}}`` mappings (read from the
room store): they never return a pseudonym or an identifier, only counts,
shares and scores, so that nothing here can name a participant.

* :func:`item_spread` — for one case, each item's distribution of answers
  against the reference, sorted by disagreement: the discussion list;
* :func:`composite_dots` — each participant's composite score, for the dots on
  the band scale (anonymous, sorted);
* :func:`referral_choices` — which services the room chose for each need, and
  how often the choices broke eligibility or consent;
* :func:`prepost_results` — the pre-test and post-test scores and the gain per
  question;
* :func:`export_csv` / :func:`export_html` — the aggregates for the training
  report, formula-safe, without pseudonyms.
"""
from __future__ import annotations

import csv
import html
import io
import math
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

from ..i18n import fmt_number, fmt_percent, messages, plural

Answers = Mapping[str, Mapping[str, str]]  # participant -> item -> value

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

M = messages(
    "room",
    {
        "col_section": "Section",
        "col_item": "Item",
        "col_reference": "Reference",
        "col_answers": "Answers",
        "col_agree": "Agree with the reference",
        "col_distribution": "Distribution",
        "col_pre": "Pre-test correct",
        "col_post": "Post-test correct",
        "col_gain": "Gain",
        "sec_assessment": "Assessment: {subject}",
        "sec_referral": "Referral: {need}",
        "sec_tests": "Pre-test and post-test",
        "col_broke_eligibility": "Choices that broke eligibility",
        "col_broke_consent": "Choices without consent",
        "report_title": "Workshop results (aggregates, no names)",
        "mean_pre": "Mean pre-test score",
        "mean_post": "Mean post-test score",
        "participants": plural("{n} participant", "{n} participants"),
    },
)


def safe_cell(value: object) -> str:
    """A cell safe to open in a spreadsheet: a leading apostrophe before ``= + - @`` and control characters."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


# ------------------------------------------------------------------ assessment

@dataclass(frozen=True)
class ItemSpread:
    item: str
    reference: str | None
    counts: Mapping[str, int]  # value -> how many participants chose it

    @property
    def answered(self) -> int:
        return sum(self.counts.values())

    @property
    def agree(self) -> int:
        return self.counts.get(self.reference, 0) if self.reference is not None else 0

    @property
    def agree_share(self) -> float:
        return self.agree / self.answered if self.answered else 0.0

    @property
    def disagreement(self) -> float:
        """Share of answers away from the reference; ties broken by how spread they are (entropy)."""
        return 1.0 - self.agree_share if self.answered else 0.0

    @property
    def entropy(self) -> float:
        n = self.answered
        return -sum((c / n) * math.log2(c / n) for c in self.counts.values() if c) if n else 0.0


def item_spread(answers: Answers, reference: Mapping[str, str], items: Sequence[str] | None = None) -> list[ItemSpread]:
    """Each item's answers across the room, the most disputed first (the discussion list)."""
    items = list(items) if items is not None else sorted({i for a in answers.values() for i in a} | set(reference))
    spreads = []
    for item in items:
        counts: dict[str, int] = {}
        for given in answers.values():
            value = given.get(item)
            if value is not None:
                counts[value] = counts.get(value, 0) + 1
        spreads.append(ItemSpread(item, reference.get(item), counts))
    order = {item: n for n, item in enumerate(items)}
    return sorted(spreads, key=lambda s: (-s.disagreement, -s.entropy, order[s.item]))


def composite_dots(answers: Answers, score: Callable[[Mapping[str, str]], float | None]) -> list[float]:
    """Each participant's composite score (those with enough answers), sorted: no identity attached."""
    dots = [score(given) for given in answers.values()]
    return sorted(d for d in dots if d is not None)


# ------------------------------------------------------------------ referral

@dataclass(frozen=True)
class NeedChoices:
    need: str
    services: Mapping[str, int]  # service -> how many chose it
    broke_eligibility: int
    broke_consent: int

    @property
    def chosen(self) -> int:
        return sum(self.services.values())


def referral_choices(answers: Answers, eligible: Callable[[str, str], bool]) -> list[NeedChoices]:
    """Items ``need:<category>`` hold the service chosen, ``consent`` holds ``yes``/``no``.

    ``eligible(need, service)`` says whether the case meets the service's rules.
    """
    needs = sorted({item.split(":", 1)[1] for given in answers.values() for item in given if item.startswith("need:")})
    out = []
    for need in needs:
        services: dict[str, int] = {}
        broke_e = broke_c = 0
        for given in answers.values():
            service = given.get(f"need:{need}")
            if service is None:
                continue
            services[service] = services.get(service, 0) + 1
            if not eligible(need, service):
                broke_e += 1
            if given.get("consent") != "yes":
                broke_c += 1
        out.append(NeedChoices(need, services, broke_e, broke_c))
    return out


# ------------------------------------------------------------------ tests

@dataclass(frozen=True)
class QuestionGain:
    question: str  # the pair's name (e.g. the objective both items assess)
    pre_correct: int
    pre_answered: int
    post_correct: int
    post_answered: int

    @property
    def pre_share(self) -> float:
        return self.pre_correct / self.pre_answered if self.pre_answered else 0.0

    @property
    def post_share(self) -> float:
        return self.post_correct / self.post_answered if self.post_answered else 0.0

    @property
    def gain(self) -> float:
        return self.post_share - self.pre_share


@dataclass(frozen=True)
class PrePostResults:
    pre_scores: list[float] = field(default_factory=list)  # each participant's share correct, sorted
    post_scores: list[float] = field(default_factory=list)
    questions: list[QuestionGain] = field(default_factory=list)

    @staticmethod
    def _mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    @property
    def mean_pre(self) -> float | None:
        return self._mean(self.pre_scores)

    @property
    def mean_post(self) -> float | None:
        return self._mean(self.post_scores)


def prepost_results(pre: Answers, post: Answers, pre_key: Mapping[str, str], post_key: Mapping[str, str],
                    pairs: Sequence[tuple[str, str, str]],
                    asked: Callable[[Mapping[str, str]], Sequence[str]] | None = None) -> PrePostResults:
    """Scores of the two tests and the gain per question.

    The post-test's items are different from the pre-test's (equivalent items,
    not the same ones), so gains are read per *pair*: ``(name, pre_item,
    post_item)`` where both items assess the same objective. ``asked(answers)``
    names the items a participant was asked (a shorter workshop asks fewer): their
    score is the share right of those; by default, of every item of the key.
    """
    def scores(answers: Answers, key: Mapping[str, str]) -> list[float]:
        out = []
        for given in answers.values():
            items = [i for i in (asked(given) if asked else key) if i in key]
            if items and any(i in given for i in items):
                out.append(sum(given.get(i) == key[i] for i in items) / len(items))
        return sorted(out)

    def tally(answers: Answers, key: Mapping[str, str], item: str) -> tuple[int, int]:
        given = [a[item] for a in answers.values() if item in a]
        return sum(v == key[item] for v in given), len(given)

    questions = []
    for name, pre_item, post_item in pairs:
        pc, pa = tally(pre, pre_key, pre_item)
        qc, qa = tally(post, post_key, post_item)
        questions.append(QuestionGain(name, pc, pa, qc, qa))
    return PrePostResults(scores(pre, pre_key), scores(post, post_key), questions)


# ------------------------------------------------------------------ exports

def _distribution(counts: Mapping[str, int], label: Callable[[str], str]) -> str:
    return "; ".join(f"{label(v)}: {n}" for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def export_rows(spreads: Mapping[str, list[ItemSpread]], referrals: list[NeedChoices], tests: PrePostResults | None,
                label: Callable[[str], str] = str, lang: str | None = None) -> list[list[str]]:
    """The aggregates as rows for the report (header first). No pseudonym, no identifier."""
    rows = [[M("col_section", lang), M("col_item", lang), M("col_reference", lang), M("col_answers", lang),
             M("col_agree", lang), M("col_distribution", lang)]]
    for subject, items in spreads.items():
        section = M("sec_assessment", lang, subject=label(subject))
        for s in items:
            rows.append([section, label(s.item), label(s.reference) if s.reference else "", str(s.answered),
                         fmt_percent(s.agree_share, lang), _distribution(s.counts, label)])
    for choice in referrals:
        section = M("sec_referral", lang, need=label(choice.need))
        rows.append([section, M("col_broke_eligibility", lang), "", str(choice.chosen),
                     str(choice.broke_eligibility), _distribution(choice.services, label)])
        rows.append([section, M("col_broke_consent", lang), "", str(choice.chosen), str(choice.broke_consent), ""])
    if tests is not None:
        section = M("sec_tests", lang)
        for key, values in (("mean_pre", tests.pre_scores), ("mean_post", tests.post_scores)):
            mean = PrePostResults._mean(values)
            rows.append([section, M(key, lang), "", str(len(values)),
                         fmt_percent(mean, lang) if mean is not None else "", ""])
        for q in tests.questions:
            if not (q.pre_answered or q.post_answered):
                continue
            rows.append([section, label(q.question), "", f"{q.pre_answered}/{q.post_answered}",
                         f"{fmt_percent(q.pre_share, lang)} → {fmt_percent(q.post_share, lang)}",
                         f"{M('col_gain', lang)} {fmt_number(100 * q.gain, lang, 0)}"])
    return rows


def export_csv(rows: list[list[str]], lang: str | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if lang == "fr" else ",", lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
    return buffer.getvalue()


def export_html(rows: list[list[str]], lang: str | None = None) -> str:
    """A printable page of the aggregates (A4, no script, no outside resource)."""
    head, *body = rows
    esc = lambda t: html.escape(str(t), quote=True)  # noqa: E731
    lines = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in body)
    return (
        f'<!DOCTYPE html><html lang="{lang or "en"}"><head><meta charset="utf-8">'
        f"<title>{esc(M('report_title', lang))}</title>"
        "<style>body{font-family:system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse;width:100%}"
        "th,td{border:1px solid #999;padding:.3em .4em;text-align:left;vertical-align:top;font-size:.9em}"
        "th{background:#eee}@page{size:A4;margin:15mm}</style></head><body>"
        f"<h1>{esc(M('report_title', lang))}</h1><table><thead><tr>"
        + "".join(f"<th scope=\"col\">{esc(h)}</th>" for h in head)
        + f"</tr></thead><tbody>{lines}</tbody></table></body></html>"
    )
