"""Exercise: assess a returnee's situation, set priorities, and draft a reintegration plan.

Two views, both thin layers over the package's logic:

* :class:`CaseAssessment` — the learner chooses a case and reads its file; answers
  the (illustrative) instrument's items, grouped by dimension, and the screening
  questions; sees the dimension and composite scores update as they answer
  (a colour-blind-safe chart with a text alternative); checks the assessment
  item by item against the reference; chooses priority needs and assistance and
  gets feedback against the feasibility grid; saves a draft plan (HTML or
  Markdown) and downloads it.
* :class:`CaseloadView` — the synthetic caseload scored with the same
  instrument: the distribution of scores by dimension and by region, for
  partners and trainers.

The rules live in :mod:`reintegra.instrument`, :mod:`reintegra.scoring`,
:mod:`reintegra.plan` and :mod:`reintegra.case_studies`; this module only shows
them. The case's score chart is an SVG image the module writes itself; the
caseload's charts are drawn on :class:`matplotlib.figure.Figure` objects (not
through pyplot), so no figure is left open.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
from pathlib import Path
from typing import Any, Mapping

import ipywidgets as w

from .. import plan as P
from ..case_studies import CaseStudy, load_case_studies, reference_result
from ..children import ADULT_AGE, age_on
from ..i18n import current_lang, fmt_number, fmt_percent, messages, plural, pick
from ..instrument import Instrument, load_instrument
from ..scoring import CaseScore, band_shares, dimension_label, format_score, score_answers, score_frame, score_lines
from ..lazy import lazy_module
from ..schema import plural_key
from .common import OKABE_ITO, download_link, esc, status_badge

# The caseload view's charts are drawn with matplotlib, imported when first drawn: the case
# assessment's chart does without it (and without numpy), so the exercise starts without them.
np = lazy_module("numpy")

M = messages(
    "assessment",
    {
        "title": "Case assessment: score, prioritise, plan",
        "intro": ("Choose a returnee and read the case file. Answer each item from what the notes say: the scores update as you answer. "
            "Then check your assessment against a trainer's reference, choose the priority needs and the assistance, and save a draft plan. "
            "All people are fictional."),
        "illustrative": "Illustrative instrument: the items, scores, weights and bands are the course's own, not IOM's official scoring.",
        "step_case": "1. Choose a case and read it",
        "step_assess": "2. Assess the situation",
        "step_plan": "3. Priority needs and assistance",
        "step_save": "4. Save a draft plan",
        "case": "Case",
        "choose": "Choose a case…",
        "case_option": "{name}, {age}, {town}",
        "no_case": "Choose a case above to read its file.",
        "profile": "Profile",
        "notes": "Interview notes",
        "restricted_banner": "Restricted part of the file, shown for training",
        "assess_help": ("Answer from the notes, as the returnee's situation is today. If the notes do not tell you, leave the item unanswered: "
            "a dimension needs {n} answers for a score."),
        "screening": "Screening",
        "screening_help": "Separate from the scores: a flag calls for immediate action, whatever the scores say.",
        "tab_count": "{label} ({answered}/{total})",
        "scores": "Scores",
        "chart_title": "Scores (illustrative instrument)",
        "illustrative_short": "illustrative instrument",
        "axis": "Score: 0 = most difficult situation, 1 = best",
        "yours": "Your answers",
        "reference": "Reference",
        "alt": "Bar chart of the scores. {text}",
        "text_alt": "The scores in words",
        "col_dimension": "Dimension",
        "col_score": "Score",
        "col_band": "Band",
        "col_answers": "Answers",
        "col_reference": "Reference",
        "flags_raised": "Screening flags: {flags}. Act now: {actions}",
        "check": "Check my assessment",
        "reveal": "Show the reference answers",
        "reset": "Start again",
        "agree": "Same as the reference.",
        "differ": "The reference answer is “{answer}”.",
        "missing": "No answer yet: look for it in the notes, or leave it if the notes do not say.",
        "missing_ref": "No answer. The reference answer is “{answer}”.",
        "summary": "{agree}, {differ}, {missing}.",
        "summary_agree": plural("{n} of {total} answers agrees with the reference", "{n} of {total} answers agree with the reference"),
        "summary_differ": plural("{n} differs", "{n} differ"),
        "summary_missing": plural("{n} not answered", "{n} not answered"),
        "summary_all": "Every answer agrees with the reference. Now choose the priority needs in step 3.",
        "summary_no_composite": "You have no composite score yet (a dimension lacks answers); the reference's is {ref}.",
        "summary_scores": "Your composite score is {mine}; the reference's is {ref}.",
        "insufficient_hint": plural("{dimension}: {n} answer, {needed} needed for a score. Answer more items of this dimension, or note why you cannot.",
                                    "{dimension}: {n} answers, {needed} needed for a score. Answer more items of this dimension, or note why you cannot."),
        "missed_flag": "You did not raise the flag “{flag}”, which the reference raises. {action}",
        "extra_flag": "You raised the flag “{flag}”; the reference does not. Read the explanation under the question.",
        "choose_case_first": "Choose a case first (step 1), then answer its items.",
        "answer_first": "Answer at least one item before checking: read the notes, then choose the answer that fits best.",
        "needs": "Priority needs",
        "needs_help": "Tick the needs this returnee's plan must address first.",
        "assistance": "Assistance and referrals",
        "assistance_help": "Tick the assistance you would propose. “Handbook” rows come from the IOM Reintegration Handbook's feasibility grid; the others are illustrative.",
        "tag_handbook": "Handbook",
        "tag_illustrative": "illustrative",
        "check_plan": "Check my plan",
        "no_needs": "Choose at least one priority need before checking your plan: which needs must the plan address first?",
        "no_assistance": "Your needs are checked below. Now choose the assistance that answers them, and check again.",
        "needs_summary": "Needs: {agree}, {extra}, {missed}.",
        "needs_agree": plural("{n} agrees with the reference", "{n} agree with the reference"),
        "needs_extra": plural("{n} is not a priority there", "{n} are not priorities there"),
        "needs_missed": plural("{n} missed", "{n} missed"),
        "assist_summary": "Assistance: {agree}, {acceptable}, {not_fit}, {missed}.",
        "assist_agree": plural("{n} in the reference plan", "{n} in the reference plan"),
        "assist_acceptable": plural("{n} possible by the grid", "{n} possible by the grid"),
        "assist_not_fit": plural("{n} not fitting", "{n} not fitting"),
        "assist_missed": plural("{n} missed", "{n} missed"),
        "v_agree": "Agrees with the reference.",
        "v_extra": "Not a priority in the reference.",
        "v_missed": "Missed.",
        "v_acceptable": "Possible.",
        "v_not_fit": "Does not fit.",
        "follow_up": "Personalised follow-up",
        "follow_mine": "With your scores, the rule gives: {decision}.",
        "follow_ref": "With the reference scores: {decision}.",
        "debrief": "The trainer's debrief",
        "format": "Format",
        "notes_label": "Your notes",
        "notes_placeholder": "Anything to add to the plan: what the returnee wants, what to agree on…",
        "save": "Save the draft plan",
        "saved": "Your draft plan is ready: download it to this device.",
        "download": "Download the draft plan ({name})",
        "save_failed": "The plan could not be written to {path} ({error}). Use the download link instead.",
        "save_no_case": "Choose a case and assess it before saving a plan.",
        "save_empty": "Your draft has no priority need yet; you can download it anyway and complete it.",
        "invalid": "Some answers were left out: {details}",
        # the caseload view
        "caseload_title": "The caseload in scores",
        "caseload_intro": ("The synthetic caseload scored with the course's illustrative instrument: how the scores are distributed in each dimension, "
            "and how they differ from one region to another. Synthetic data only."),
        "wave": "Assessment",
        "sex": "Returnees",
        "sex_all": "All",
        "sex_female": "Female",
        "sex_male": "Male",
        "age_group": "Age",
        "age_all": "All",
        "age_adults": "Adults",
        "age_children": "Children",
        "children_note": ("Children (under 18) are assessed in person or at home, with the protection focal point and the "
                          "child-protection services, never by phone. The illustrative instrument was written for adults; "
                          "for a child under 15 its economic questions do not apply, and a parent answers with the child."),
        "bands_title": "Share of assessments in each band",
        "regions_title": "Median score by region",
        "share_axis": "Share of assessments",
        "insufficient": "Insufficient data",
        "n_assessments": plural("{n} assessment of {cases}.", "{n} assessments of {cases}."),
        "n_returnees": plural("{n} returnee", "{n} returnees"),
        "no_rows": "No assessment matches this choice.",
        "region_n": "{region} (n = {n})",
        "col_region": "Region",
        "col_n": "Assessments",
        "bands_alt": "Stacked bar chart: share of assessments in each band, by dimension. The table below gives the same figures.",
        "regions_alt": "Dot chart: median score of each dimension by region. The table below gives the same figures.",
        "small_n": "Regions with fewer than {n} assessments are shown but their medians are fragile.",
        "answers_one": "{n} answer",
        "answers_other": "{n} answers",
        "plan_changed": "Your choices changed since the last check: check your plan again.",
        "kept": "Your answers to this case are kept: come back to it at any time.",
        "assessments_one": "{n} assessment",
        "assessments_other": "{n} assessments",
        "returnees_one": "{n} returnee",
        "returnees_other": "{n} returnees",
    },
)

DIMENSION_COLOURS = {"economic": OKABE_ITO[1], "social": OKABE_ITO[0], "psychosocial": OKABE_ITO[2], "composite": OKABE_ITO[4]}
DIMENSION_MARKERS = {"economic": "o", "social": "s", "psychosocial": "^", "composite": "D"}
DIMENSION_HATCH = {"economic": "", "social": "", "psychosocial": "", "composite": "//"}
BAND_COLOURS = ("#D55E00", "#E69F00", "#56B4E9", "#0072B2")  # Okabe–Ito, worst to best
INSUFFICIENT_COLOUR = "#BBBBBB"
ACCEPTABLE_COLOUR = "#0072B2"

CSS = """
<style>
.ra-box{border:1px solid #c8c8c8;border-radius:6px;padding:.6em .9em;background:#fff}
.ra-file{max-height:46vh;overflow-y:auto}
.ra-root,.ra-root .widget-box{overflow:visible !important}
.jp-OutputArea:has(.ra-root),.jp-OutputArea-child:has(.ra-root),.jp-OutputArea-output:has(.ra-root){overflow:visible !important}
@media (min-width:60em){.ra-sticky{position:sticky;top:0;z-index:2;background:#fff;align-self:flex-start}}
.ra-file table{border-collapse:collapse;font-size:92%;margin:.3em 0 .6em}
.ra-file th{text-align:left;padding:.1em .8em .1em 0;font-weight:600;vertical-align:top;white-space:nowrap}
.ra-file td{padding:.1em 0;vertical-align:top}
.ra-note{margin:.4em 0 .7em;padding-left:.6em;border-left:3px solid #0072B2}
.ra-note-date{font-weight:600;color:#333}
.ra-note-restricted{border-left:3px solid #D55E00;background:#fff5ef;padding:.2em .6em}
.ra-restricted-banner{font-weight:600;font-size:88%;color:#8a3300;margin-bottom:.2em}
.ra-notice{font-size:88%;color:#333;border-left:4px solid #E69F00;padding:.2em .6em;margin:.3em 0;background:#fffaf0}
.ra-q{margin:.5em 0 .1em;line-height:1.35}
.ra-root .widget-radio-box label{display:flex;align-items:flex-start;height:auto;line-height:1.35;padding:.12em 0;white-space:normal}
.ra-root .widget-radio-box input{order:-1;flex:0 0 auto;float:none;height:auto;margin-top:.2em}
.ra-fb{margin:0 0 .5em 0;line-height:1.35;font-size:95%}
.ra-scores table{border-collapse:collapse;font-size:92%}
.ra-scores th,.ra-scores td{border:1px solid #bbb;padding:.15em .5em;text-align:left}
.ra-scores img{max-width:100%;height:auto}
.ra-flag{color:#8a2b00;font-weight:600;margin:.3em 0}
.ra-guidance{color:#5a3d00;background:#fff4d6;border-left:4px solid #E69F00;padding:.3em .6em;margin:.3em 0}
.ra-plan li{margin:.25em 0}
.ra-h{font-size:1.15em;font-weight:700;margin:.8em 0 .3em}
.ra-sub{font-weight:600;margin:.5em 0 .2em}
</style>
"""


# ------------------------------------------------------------------ charts


class ScoreChart:
    """The score chart of one case, as an SVG image the course writes itself (no plotting library).

    Horizontal bars for each dimension and the composite (hatched), over the
    instrument's bands; the reference scores, once checked, as white
    diamonds. Colours are Okabe–Ito, and every bar is also named on its axis
    and labelled with its value, so colour is never the only cue. The image
    is a few kilobytes of text made in well under a millisecond, so an
    answer redraws it at once, on a server as in the reader's browser, where
    a plotting library would take seconds to import and a tenth of a second
    to draw each answer.
    """

    WIDTH, HEIGHT = 640, 290
    LEFT, RIGHT, TOP, BOTTOM = 122, 621, 64, 241  # the plot area, in pixels
    FONT = "DejaVu Sans, Verdana, Arial, sans-serif"

    def __init__(self, instrument: Instrument, lang: str | None = None):
        self.instrument = instrument
        self.lang = lang = current_lang(lang)
        self.keys = [*instrument.dimension_ids, "composite"]
        self.labels = [dimension_label(instrument, k, lang) for k in self.keys]
        self.title = M("chart_title", lang)
        self._static = self._background()

    # coordinates: scores 0–1 across, one row per key down (row -0.7 at the top, as the axis had)
    def x(self, value: float) -> float:
        return self.LEFT + value * (self.RIGHT - self.LEFT)

    def y(self, row: float) -> float:
        return self.TOP + (row + 0.7) / (len(self.keys) + 0.3) * (self.BOTTOM - self.TOP)

    def _text(self, x: float, y: float, text: str, size: float, anchor: str = "start", **style: str) -> str:
        extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in style.items())
        return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:.1f}" text-anchor="{anchor}"{extra}>'
                f"{esc(text)}</text>")

    def _background(self) -> str:
        """What does not move with the answers: bands, axes, labels, title."""
        lang, parts = self.lang, []
        top, bottom = self.TOP, self.BOTTOM
        for band, shade in zip(self.instrument.bands, ("#eeeeee", "#ffffff", "#eeeeee", "#ffffff")):
            x0, x1 = self.x(band.min), self.x(band.max)
            parts.append(f'<rect x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" height="{bottom - top}" fill="{shade}"/>')
            parts.append(self._text((x0 + x1) / 2, self.y(-0.62) - 2, band.text(lang), 10.4, "middle", fill="#333"))
        for edge in self.instrument.band_edges():
            parts.append(f'<line x1="{self.x(edge):.1f}" y1="{top}" x2="{self.x(edge):.1f}" y2="{bottom}" '
                         'stroke="#888" stroke-width="1.1" stroke-dasharray="4.4 2.9"/>')
        parts.append(f'<path d="M{self.LEFT},{top}V{bottom}H{self.RIGHT}" fill="none" stroke="#000" stroke-width="1.1"/>')
        for i, label in enumerate(self.labels):
            y = self.y(i)
            parts.append(f'<line x1="{self.LEFT - 4.9}" y1="{y:.1f}" x2="{self.LEFT}" y2="{y:.1f}" stroke="#000" stroke-width="1.1"/>')
            parts.append(self._text(self.LEFT - 8, y + 4, label, 11.8, "end"))
        for tick in (0, 0.2, 0.4, 0.6, 0.8, 1.0):
            x = self.x(tick)
            parts.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 4.9}" stroke="#000" stroke-width="1.1"/>')
            parts.append(self._text(x, bottom + 18, fmt_number(tick, lang, 1), 11.8, "middle"))
        parts.append(self._text((self.LEFT + self.RIGHT) / 2, bottom + 36, M("axis", lang), 11.8, "middle"))
        parts.append(self._text(self.LEFT, top - 24, self.title, 13.9))
        return "".join(parts)

    def svg(self, score: CaseScore, reference: CaseScore | None = None) -> str:
        """The chart for these scores (and the reference's, once checked), as an SVG document."""
        lines = {line.key: line for line in score_lines(self.instrument, score, self.lang)}
        half = 0.55 / 2 / (len(self.keys) + 0.3) * (self.BOTTOM - self.TOP)  # half a bar's height
        parts = []
        for i, key in enumerate(self.keys):
            value = score.score(key)
            ref_value = reference.score(key) if reference is not None else None
            y = self.y(i)
            if value is None:
                detail = lines[key].detail if key != "composite" else ""
                x = 0.01 if ref_value is None or ref_value > 0.45 else ref_value + 0.035
                parts.append(self._text(self.x(x), y + 4, format_score(None, self.lang) + (f" ({detail})" if detail else ""),
                                        11.1, font_style="italic", fill="#444"))
                continue
            width = self.x(value) - self.LEFT
            bar = f'x="{self.LEFT}" y="{y - half:.1f}" width="{width:.1f}" height="{2 * half:.1f}"'
            parts.append(f'<rect {bar} fill="{DIMENSION_COLOURS[key]}" stroke="#222" stroke-width="0.8"/>')
            if DIMENSION_HATCH[key]:
                parts.append(f'<rect {bar} fill="url(#hatch)"/>')
            right = value if ref_value is None or abs(ref_value - value) > 0.09 else max(value, ref_value) + 0.02
            parts.append(self._text(self.x(min(right + 0.015, 0.93)), y + 4.5, format_score(value, self.lang), 12.5,
                                    font_weight="bold"))
        if reference is not None:
            for i, key in enumerate(self.keys):
                if reference.score(key) is not None:
                    parts.append(self._diamond(self.x(reference.score(key)), self.y(i)))
            label = M("reference", self.lang)  # the legend, top right
            parts.append(self._diamond(self.RIGHT - 6.4 * len(label) - 12, self.TOP - 28))
            parts.append(self._text(self.RIGHT, self.TOP - 24, label, 11.1, "end"))
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.WIDTH}" height="{self.HEIGHT}" '
                f'viewBox="0 0 {self.WIDTH} {self.HEIGHT}" font-family="{self.FONT}">'
                f"<title>{esc(self.title)}</title>"
                '<defs><pattern id="hatch" patternUnits="userSpaceOnUse" width="7" height="7">'
                '<path d="M0,7L7,0M-1,1L1,-1M6,8L8,6" stroke="#222" stroke-width="0.8"/></pattern></defs>'
                f'<rect width="{self.WIDTH}" height="{self.HEIGHT}" fill="#fff"/>{self._static}{"".join(parts)}</svg>')

    @staticmethod
    def _diamond(x: float, y: float, r: float = 6.5) -> str:
        return (f'<path d="M{x:.1f},{y - r:.1f}L{x + r:.1f},{y:.1f}L{x:.1f},{y + r:.1f}L{x - r:.1f},{y:.1f}Z" '
                'fill="#fff" stroke="#000" stroke-width="2.2"/>')

    def data_uri(self, score: CaseScore, reference: CaseScore | None = None) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg(score, reference).encode("utf-8")).decode("ascii")


def figure_png(fig, dpi: int = 100) -> bytes:
    """A matplotlib figure as PNG bytes (fast compression: the image travels once, over a local network)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buffer.getvalue()


def score_text(instrument: Instrument, score: CaseScore, lang: str | None = None) -> str:
    """The scores in one sentence per line, for alt text and screen readers."""
    parts = []
    for line in score_lines(instrument, score, lang):
        detail = f" ({line.detail})" if line.detail else ""
        if line.score is None:
            parts.append(f"{line.label}\u00a0: {line.score_text}{detail}." if current_lang(lang) == "fr"
                         else f"{line.label}: {line.score_text}{detail}.")
        else:
            parts.append(f"{line.label}\u00a0: {line.score_text}, {line.band_text}." if current_lang(lang) == "fr"
                         else f"{line.label}: {line.score_text}, {line.band_text}.")
    return " ".join(parts)


def score_table_html(instrument: Instrument, score: CaseScore, lang: str | None = None,
                     reference: CaseScore | None = None) -> str:
    """The text alternative of the chart: one row per dimension and the composite."""
    lang = current_lang(lang)
    head = [M("col_dimension", lang), M("col_score", lang), M("col_band", lang), M("col_answers", lang)]
    if reference is not None:
        head.append(M("col_reference", lang))
    ref_lines = {l.key: l for l in score_lines(instrument, reference, lang)} if reference is not None else {}
    rows = []
    for line in score_lines(instrument, score, lang):
        if line.key == "composite":
            answers = ""
        else:
            ds = score.dimensions[line.key]
            answers = f"{ds.answered}/{ds.total - ds.not_applicable}"
        band = line.band_text if line.score is not None else line.detail
        cells = [line.label, line.score_text, band, answers]
        if reference is not None:
            ref = ref_lines[line.key]
            cells.append(f"{ref.score_text} ({ref.band_text})" if ref.score is not None else ref.score_text)
        rows.append("<tr>" + "".join(f'<td style="{_CELL}">{esc(c)}</td>' for c in cells) + "</tr>")
    header = "".join(f'<th scope="col" style="{_CELL}">{esc(h)}</th>' for h in head)
    return (f'<table class="ra-score-table" style="border-collapse:collapse">'
            f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


_CELL = "border:1px solid #bbb;padding:.15em .5em;text-align:left"


def score_panel_html(instrument: Instrument, score: CaseScore, lang: str | None = None,
                     reference: CaseScore | None = None, chart: ScoreChart | None = None) -> str:
    """Chart (PNG with alt text), its text alternative, any flags, and the illustrative notice."""
    lang = current_lang(lang)
    chart = chart or ScoreChart(instrument, lang)
    alt = M("alt", lang, text=score_text(instrument, score, lang))
    parts = [
        f'<div class="ra-scores"><img src="{chart.data_uri(score, reference)}" alt="{esc(alt)}" width="640">',
        f'<div class="ra-notice">{esc(M("illustrative", lang))}</div>',
    ]
    if score.flags:
        flags = ", ".join(f.text(lang) for f in score.flags)
        actions = " ".join(pick(f.action, lang) for f in score.flags)
        parts.append(f'<p class="ra-flag">⚑ {esc(M("flags_raised", lang, flags=flags, actions=actions))}</p>')
    parts.append(f'<details><summary>{esc(M("text_alt", lang))}</summary>'
                 f'{score_table_html(instrument, score, lang, reference)}</details></div>')
    return "".join(parts)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def guidance(text: str) -> str:
    return f'<div class="ra-guidance" role="status">{esc(text)}</div>'


def badge(status: str, text: str) -> str:
    """Verdict badges: symbol + colour + words, so colour is never the only cue."""
    mapping = {"agree": "right", "extra": "wrong", "not_fit": "wrong", "missed": "missing", "differ": "wrong"}
    if status == "acceptable":
        return (f'<span style="color:{ACCEPTABLE_COLOUR};font-weight:700" class="verdict verdict-acceptable">'
                f'≈ {esc(text)}</span>')
    return status_badge(mapping.get(status, status), text)


# ------------------------------------------------------------- the exercise

RECORDED = "case-assessment"  # the exercise's name in the room's store


class CaseAssessment:
    """Assess a fictional returnee's situation with the illustrative instrument, then draft a plan."""

    def __init__(self, lang: str | None = None, *, instrument: Instrument | None = None, grid: P.Grid | None = None,
                 cases: tuple[CaseStudy, ...] | None = None):
        self.lang = lang = current_lang(lang)
        self.instrument = instrument or load_instrument()
        self.grid = grid or P.load_grid()
        self.cases = cases or load_case_studies()
        self.case: CaseStudy | None = None
        self.reference = None
        self.checked = False
        self.saved: dict | None = None  # the last draft offered for download: its name and bytes
        self._quiet = False
        self._kept: dict[str, dict] = {}  # each case's answers, choices and notes, kept when the case changes

        # 1. the case
        options = [(M("choose", lang), "")] + [
            (M("case_option", lang, name=c.name, age=c.age, town=c.town), c.id) for c in self.cases]
        self.case_picker = w.Dropdown(options=options, value="", description=M("case", lang),
                                      layout=w.Layout(width="min(30em, 100%)"))
        self.case_picker.observe(self._case_changed, names="value")
        self.case_file = w.HTML(f'<div class="ra-box ra-file"><p>{esc(M("no_case", lang))}</p></div>',
                                layout=w.Layout(width="100%"))

        # 2. the items, by dimension, and the screening
        self.choices: dict[str, w.RadioButtons] = {}
        self.feedback: dict[str, w.HTML] = {}
        pages = []
        for dim in self.instrument.dimension_ids:
            rows = [self._question_row(item.id, item.label(lang), item.question(lang), item.options)
                    for item in self.instrument.items_in(dim)]
            pages.append(w.VBox(rows))
        screening_rows = [w.HTML(f'<p class="ra-notice">{esc(M("screening_help", lang))}</p>')]
        screening_rows += [self._question_row(q.id, q.label(lang), q.question(lang), q.options)
                           for q in self.instrument.screening]
        pages.append(w.VBox(screening_rows))
        self.tabs = w.Tab(children=pages, layout=w.Layout(width="100%"))
        self.scores = w.HTML("", layout=w.Layout(width="100%"))
        self.chart = ScoreChart(self.instrument, lang)
        self.check_button = w.Button(description=M("check", lang), button_style="primary", icon="check",
                                     layout=w.Layout(width="auto"))
        self.reveal_button = w.Button(description=M("reveal", lang), icon="eye", layout=w.Layout(width="auto"))
        self.reset_button = w.Button(description=M("reset", lang), icon="undo", layout=w.Layout(width="auto"))
        self.check_button.on_click(lambda _: self.check())
        self.reveal_button.on_click(lambda _: self.check(reveal=True))
        self.reset_button.on_click(lambda _: self._reset_clicked())
        self.summary = w.HTML("")

        # 3. needs and assistance
        self.need_boxes: dict[str, w.Checkbox] = {}
        self.assistance_boxes: dict[str, w.Checkbox] = {}
        need_groups, assistance_groups = [], []
        for dim in self.instrument.dimension_ids:
            label = esc(self.instrument.dimension(dim).text(lang))
            boxes = []
            for need in self.grid.needs_in(dim):
                box = w.Checkbox(value=False, description=need.text(lang), indent=False,
                                 layout=w.Layout(width="auto"), description_tooltip=pick(need.description, lang))
                self.need_boxes[need.id] = box
                boxes.append(box)
            need_groups.append(w.VBox([w.HTML(f'<div class="ra-sub">{label}</div>'), *boxes],
                                      layout=w.Layout(flex="1 1 16em")))
            boxes = []
            for assistance in self.grid.assistance_in(dim):
                tag = M(f"tag_{assistance.source}", lang)
                box = w.Checkbox(value=False, description=f"{assistance.text(lang)} ({tag})", indent=False,
                                 layout=w.Layout(width="auto"))
                self.assistance_boxes[assistance.id] = box
                boxes.append(box)
            assistance_groups.append(w.VBox([w.HTML(f'<div class="ra-sub">{label}</div>'), *boxes],
                                            layout=w.Layout(flex="1 1 16em")))
        wrap = w.Layout(display="flex", flex_flow="row wrap", width="100%")
        self.check_plan_button = w.Button(description=M("check_plan", lang), button_style="primary", icon="check",
                                          layout=w.Layout(width="auto"))
        self.check_plan_button.on_click(lambda _: self.check_plan())
        self.plan_feedback = w.HTML("")
        for box in (*self.need_boxes.values(), *self.assistance_boxes.values()):
            box.observe(self._plan_changed, names="value")

        # 4. save
        self.format_picker = w.ToggleButtons(options=[("HTML", "html"), ("Markdown", "md")], value="html",
                                             description=M("format", lang), style={"button_width": "7em"})
        self.notes_box = w.Textarea(value="", placeholder=M("notes_placeholder", lang), description=M("notes_label", lang),
                                    layout=w.Layout(width="min(46em, 100%)", height="5em"))
        self.save_button = w.Button(description=M("save", lang), icon="save", layout=w.Layout(width="auto"))
        self.save_button.on_click(lambda _: self.save_plan())
        self.save_result = w.HTML("")

        heading = lambda key: w.HTML(f'<div class="ra-h" role="heading" aria-level="2">{esc(M(key, lang))}</div>')
        left = w.VBox([self.case_file, self.scores], layout=w.Layout(flex="1 1 26em", min_width="18em"))
        left.add_class("ra-sticky")
        right = w.VBox([w.HTML(f'<p>{esc(M("assess_help", lang, n=self._min_answers()))}</p>'), self.tabs,
                        w.HBox([self.check_button, self.reveal_button, self.reset_button],
                               layout=w.Layout(flex_flow="row wrap")),
                        self.summary],
                       layout=w.Layout(flex="1 1 30em", min_width="20em", padding="0 0 0 .8em"))
        self.widget = w.VBox([
            w.HTML(CSS + f'<p>{esc(M("intro", lang))}</p><div class="ra-notice">{esc(M("illustrative", lang))}</div>'),
            heading("step_case"), self.case_picker,
            heading("step_assess"),
            w.HBox([left, right], layout=w.Layout(display="flex", flex_flow="row wrap", align_items="flex-start",
                                                            width="100%")),
            heading("step_plan"),
            w.HTML(f'<p><b>{esc(M("needs", lang))}.</b> {esc(M("needs_help", lang))}</p>'), w.HBox(need_groups, layout=wrap),
            w.HTML(f'<p><b>{esc(M("assistance", lang))}.</b> {esc(M("assistance_help", lang))}</p>'),
            w.HBox(assistance_groups, layout=wrap),
            w.HBox([self.check_plan_button]), self.plan_feedback,
            heading("step_save"),
            self.notes_box, self.format_picker, w.HBox([self.save_button]),
            self.save_result,
        ], layout=w.Layout(width="100%"))
        self.widget.add_class("ra-root")
        # In a workshop, each answer also goes to the room's store (codes only) for the trainer's view.
        from ..workshop.recorder import Recorder

        self.recorder = Recorder(lang)
        if self.recorder.bar is not None:
            self.widget.children = (self.recorder.bar, *self.widget.children)
        self._refresh_scores()

    # ---------------------------------------------------------------- building

    def _min_answers(self) -> int:
        return min(self.instrument.min_answers.values())

    def _question_row(self, qid: str, short: str, text: str, options) -> w.VBox:
        choice = w.RadioButtons(options=[(o.text(self.lang), o.code) for o in options], value=None,
                                layout=w.Layout(width="auto", margin="0 0 0 .4em"))
        choice.observe(self._answer_changed, names="value")
        feedback = w.HTML("")
        self.choices[qid] = choice
        self.feedback[qid] = feedback
        return w.VBox([w.HTML(f'<div class="ra-q"><b>{esc(short)}.</b> {esc(text)}</div>'), choice, feedback])

    # ----------------------------------------------------------------- reading

    def answers(self) -> dict[str, str | None]:
        """The learner's answers, item and screening ids to option codes (None: not answered)."""
        return {qid: choice.value for qid, choice in self.choices.items()}

    def current_score(self) -> CaseScore:
        return score_answers(self.instrument, self.answers())

    def chosen_needs(self) -> list[str]:
        return [nid for nid, box in self.need_boxes.items() if box.value]

    def chosen_assistance(self) -> list[str]:
        return [aid for aid, box in self.assistance_boxes.items() if box.value]

    # --------------------------------------------------------------- reacting

    def select_case(self, case_id: str | None) -> None:
        self.case_picker.value = case_id or ""

    def _case_changed(self, change) -> None:
        old, case_id = change["old"], change["new"]
        if old:
            self._kept[old] = self._work()
        self.case = next((c for c in self.cases if c.id == case_id), None) if case_id else None
        self.reference = reference_result(self.instrument, self.grid, self.case) if self.case else None
        self.case_file.value = self._case_file_html()
        self.reset()
        kept = self._kept.get(case_id) if case_id else None
        if not kept and case_id:
            kept = self._recalled(case_id)
        if kept:
            self._restore(kept)
        else:
            self.notes_box.value = ""  # another case's notes do not belong to this one

    def _work(self) -> dict:
        """The learner's work on the current case: answers, needs, assistance, notes."""
        return {"answers": self.answers(), "needs": self.chosen_needs(), "assistance": self.chosen_assistance(),
                "notes": self.notes_box.value}

    def _restore(self, kept: dict) -> None:
        self._quiet = True
        try:
            for qid, code in kept["answers"].items():
                self.choices[qid].value = code
            for nid, box in self.need_boxes.items():
                box.value = nid in kept["needs"]
            for aid, box in self.assistance_boxes.items():
                box.value = aid in kept["assistance"]
            self.notes_box.value = kept["notes"]
        finally:
            self._quiet = False
        self._refresh_scores()
        if any(code is not None for code in kept["answers"].values()):
            self.summary.value = guidance(M("kept", self.lang))

    def _recalled(self, case_id: str) -> dict | None:
        """This participant's answers to the case from the room's store (a reload in a workshop)."""
        stored = self.recorder.recall(RECORDED, case_id)
        if not stored:
            return None
        options = {qid: {code for _, code in choice.options} for qid, choice in self.choices.items()}
        answers = {qid: code for qid, code in stored.items() if code in options.get(qid, ())}
        needs = [i.split(":", 1)[1] for i in stored if i.startswith("need:") and i.split(":", 1)[1] in self.need_boxes]
        assistance = [i.split(":", 1)[1] for i in stored
                      if i.startswith("assistance:") and i.split(":", 1)[1] in self.assistance_boxes]
        return {"answers": answers, "needs": needs, "assistance": assistance, "notes": ""}

    def _record(self, answers: Mapping[str, str | None]) -> None:
        if self.case is not None:
            self.recorder.record(RECORDED, self.case.id, answers)

    def _reset_clicked(self) -> None:
        self.reset()
        self._record({**{qid: None for qid in self.choices}, **{f"need:{n}": None for n in self.need_boxes},
                      **{f"assistance:{a}": None for a in self.assistance_boxes}})

    def _note_html(self, note) -> str:
        """One note of the file; a restricted one under its banner, as the suicide-risk protocol keeps it apart."""
        text = f'<span class="ra-note-date">{esc(note.date)}</span> — {esc(pick(note.text, self.lang))}'
        if not note.restricted:
            return f'<div class="ra-note">{text}</div>'
        banner = esc(M("restricted_banner", self.lang))
        return (f'<div class="ra-note ra-note-restricted" role="note" aria-label="{banner}">'
                f'<div class="ra-restricted-banner">{banner}</div>{text}</div>')

    def _case_file_html(self) -> str:
        lang = self.lang
        case = self.case
        if case is None:
            return f'<div class="ra-box ra-file"><p>{esc(M("no_case", lang))}</p></div>'
        rows = "".join(f'<tr><th scope="row">{esc(k)}</th><td>{esc(v)}</td></tr>' for k, v in case.facts(lang))
        notes = "".join(self._note_html(n) for n in case.notes)
        return (f'<div class="ra-box ra-file" role="region" aria-label="{esc(case.name)}">'
                f'<h3 style="margin:.2em 0">{esc(case.name)}</h3><p><i>{esc(pick(case.summary, lang))}</i></p>'
                f'<table>{rows}</table><div class="ra-sub">{esc(M("profile", lang))}</div>'
                f'<p>{esc(pick(case.profile, lang))}</p><div class="ra-sub">{esc(M("notes", lang))}</div>{notes}</div>')

    def _plan_changed(self, change) -> None:
        if not self._quiet:
            for prefix, boxes in (("need", self.need_boxes), ("assistance", self.assistance_boxes)):
                for key, box in boxes.items():
                    if box is change["owner"]:
                        self._record({f"{prefix}:{key}": "yes" if change["new"] else None})
        # the plan's feedback no longer matches the boxes: say so rather than leave it stale
        if not self._quiet and self.plan_feedback.value and "ra-plan-stale" not in self.plan_feedback.value:
            self.plan_feedback.value = (f'<div class="ra-plan-stale">{guidance(M("plan_changed", self.lang))}</div>')

    def _answer_changed(self, change) -> None:
        if self._quiet:
            return
        for qid, choice in self.choices.items():
            if choice is change["owner"]:
                self.feedback[qid].value = ""  # its old feedback no longer applies
                self._record({qid: change["new"]})
        self._refresh_scores()

    def _refresh_scores(self) -> CaseScore:
        score = self.current_score()
        for index, dim in enumerate(self.instrument.dimension_ids):
            ds = score.dimensions[dim]
            self.tabs.set_title(index, M("tab_count", self.lang, label=self.instrument.dimension(dim).text(self.lang),
                                         answered=ds.answered + ds.not_applicable, total=ds.total))
        answered = sum(self.choices[q.id].value is not None for q in self.instrument.screening)
        self.tabs.set_title(len(self.instrument.dimension_ids), M("tab_count", self.lang, label=M("screening", self.lang),
                                                                  answered=answered, total=len(self.instrument.screening)))
        reference = self.reference.score if (self.checked and self.reference) else None
        self.scores.value = score_panel_html(self.instrument, score, self.lang, reference, self.chart)
        return score

    def set_answers(self, answers: Mapping[Any, Any]) -> list[str]:
        """Set several answers at once (as a learner would, one by one); returns guidance for any that are not options.

        A wrong code or a wrong type is never an error: it is left out and the
        learner is told which options the item has.
        """
        from ..scoring import clean_answers

        clean, invalid = clean_answers(self.instrument, answers)
        self._quiet = True
        try:
            for qid, code in clean.items():
                self.choices[qid].value = code
                self.feedback[qid].value = ""
        finally:
            self._quiet = False
        self._record(clean)
        self._refresh_scores()
        messages_ = [bad.message(self.instrument, self.lang) for bad in invalid]
        if messages_:
            self.summary.value = guidance(M("invalid", self.lang, details=" ".join(messages_)))
        return messages_

    # ---------------------------------------------------------------- checking

    def check(self, reveal: bool = False) -> dict[str, str] | None:
        """Compare every answer with the reference: agree, differ or missing, with the trainer's explanation.

        Returns ``{question id: status}``, or ``None`` (with guidance shown) when there is nothing to check yet.
        """
        lang = self.lang
        if self.case is None:
            self.summary.value = guidance(M("choose_case_first", lang))
            return None
        answers = self.answers()
        if not reveal and all(v is None for v in answers.values()):
            self.summary.value = guidance(M("answer_first", lang))
            return None
        ref = self.case.reference
        reference_answers = ref.all_answers
        statuses: dict[str, str] = {}
        for qid, mine in answers.items():
            question = self._question(qid)
            expected = reference_answers.get(qid)
            explanation = esc(pick(ref.explanations.get(qid, {}), lang))
            ref_label = question.option(expected).text(lang) if question.option(expected) else expected
            if mine is None:
                statuses[qid] = "missing"
                text = (badge("missing", M("missing_ref", lang, answer=ref_label)) + " " + explanation if reveal
                        else badge("missing", M("missing", lang)))
            elif mine == expected:
                statuses[qid] = "agree"
                text = badge("agree", M("agree", lang)) + " " + explanation
            else:
                statuses[qid] = "differ"
                text = badge("differ", M("differ", lang, answer=ref_label)) + " " + explanation
            self.feedback[qid].value = f'<div class="ra-fb">{text}</div>'
        self.checked = True
        score = self._refresh_scores()
        counts = {k: sum(1 for s in statuses.values() if s == k) for k in ("agree", "differ", "missing")}
        parts = [M("summary", lang, agree=M.n("summary_agree", counts["agree"], lang, total=len(statuses)),
                   differ=M.n("summary_differ", counts["differ"], lang), missing=M.n("summary_missing", counts["missing"], lang))]
        if counts["agree"] == len(statuses):
            parts.append(M("summary_all", lang))
        ref_text = format_score(self.reference.score.composite, lang)
        if score.composite is None:
            parts.append(M("summary_no_composite", lang, ref=ref_text))
        else:
            parts.append(M("summary_scores", lang, mine=format_score(score.composite, lang), ref=ref_text))
        html_parts = [f'<p><b>{esc(" ".join(parts))}</b></p>']
        for dim in self.instrument.dimension_ids:
            ds = score.dimensions[dim]
            if not ds.sufficient:
                html_parts.append(guidance(M.n("insufficient_hint", ds.answered, lang, dimension=self.instrument.dimension(dim).text(lang),
                                               needed=ds.needed)))
        mine_flags = {f.code for f in score.flags}
        for flag in self.reference.score.flags:
            if flag.code not in mine_flags:
                html_parts.append(f'<p class="ra-flag">⚑ {esc(M("missed_flag", lang, flag=flag.text(lang), action=pick(flag.action, lang)))}</p>')
        ref_flags = {f.code for f in self.reference.score.flags}
        for flag in score.flags:
            if flag.code not in ref_flags:
                html_parts.append(guidance(M("extra_flag", lang, flag=flag.text(lang))))
        self.summary.value = "".join(html_parts)
        return statuses

    def _question(self, qid: str):
        try:
            return self.instrument.item(qid)
        except KeyError:
            return self.instrument.question(qid)

    def reset(self) -> None:
        """Clear the answers, the feedback and the plan (the case stays chosen)."""
        self._quiet = True
        try:
            for choice in self.choices.values():
                choice.value = None
            for box in (*self.need_boxes.values(), *self.assistance_boxes.values()):
                box.value = False
        finally:
            self._quiet = False
        for feedback in self.feedback.values():
            feedback.value = ""
        self.summary.value = ""
        self.plan_feedback.value = ""
        self.save_result.value = ""
        self.checked = False
        self._refresh_scores()

    # ------------------------------------------------------------------ the plan

    def check_plan(self) -> dict | None:
        """Feedback on the chosen needs and assistance, against the reference and the grid."""
        lang = self.lang
        if self.case is None:
            self.plan_feedback.value = guidance(M("choose_case_first", lang))
            return None
        needs = self.chosen_needs()
        assistance = self.chosen_assistance()
        if not needs:
            self.plan_feedback.value = guidance(M("no_needs", lang))
            return None
        ref = self.case.reference
        need_verdicts = P.check_needs(self.grid, self.instrument, needs, self.reference.needs, ref.need_explanations)
        assist_verdicts = P.check_assistance(self.grid, assistance, ref.needs, ref.assistance, needs,
                                             ref.assistance_explanations)
        parts = ['<div class="ra-plan">']
        if not assistance:
            parts.append(guidance(M("no_assistance", lang)))
            assist_verdicts = [v for v in assist_verdicts if v.status != "missed"]
        counts = P.tally(need_verdicts)
        parts.append(f'<p><b>{esc(M("needs_summary", lang, **{k: M.n(f"needs_{k}", counts.get(k, 0), lang) for k in ("agree", "extra", "missed")}))}</b></p>')
        parts.append(self._verdict_list(need_verdicts))
        if assistance:
            counts = P.tally(assist_verdicts)
            parts.append(f'<p><b>{esc(M("assist_summary", lang, **{k: M.n(f"assist_{k}", counts.get(k, 0), lang) for k in ("agree", "acceptable", "not_fit", "missed")}))}</b></p>')
            parts.append(self._verdict_list(assist_verdicts))
        for flag in self.reference.score.flags:
            parts.append(f'<p class="ra-flag">⚑ {esc(P.M("flag_reminder", lang, action=pick(flag.action, lang)))}</p>')
        mine = P.follow_up(self.grid, self.instrument, self.current_score(), self.case.context)
        theirs = P.follow_up(self.grid, self.instrument, self.reference.score, self.case.context)
        parts.append(f'<div class="ra-sub">{esc(M("follow_up", lang))}</div><p>'
                     f'{esc(M("follow_mine", lang, decision=_lower_first(mine.headline(lang))))} '
                     f'{esc(" ".join(r.text(lang) for r in mine.reasons))}<br>'
                     f'{esc(M("follow_ref", lang, decision=_lower_first(theirs.headline(lang))))}</p>'
                     f'<p class="ra-notice">{esc(pick(self.grid.follow_up_rule.text, lang))}</p>')
        if assistance:
            parts.append(f'<div class="ra-sub">{esc(M("debrief", lang))}</div><p>{esc(pick(ref.debrief, lang))}</p>')
        parts.append("</div>")
        self.plan_feedback.value = "".join(parts)
        return {"needs": need_verdicts, "assistance": assist_verdicts, "follow_up": mine}

    def _verdict_list(self, verdicts) -> str:
        lang = self.lang
        items = []
        for v in verdicts:
            head = badge(v.status, M(f"v_{v.status}", lang))
            reasons = " ".join(r.text(lang) for r in v.reasons)
            extra = f" <i>{esc(pick(v.explanation, lang))}</i>" if v.explanation else ""
            note = f" {esc(v.note.text(lang))}" if v.note else ""
            items.append(f"<li><b>{esc(v.text(lang))}</b> — {head} {esc(reasons)}{extra}{note}</li>")
        return "<ul>" + "".join(items) + "</ul>"

    # ------------------------------------------------------------------- saving

    def draft(self) -> P.PlanDraft | None:
        if self.case is None:
            return None
        return P.draft_plan(
            self.instrument, self.grid, case_id=self.case.id, case_name=self.case.name,
            date=dt.date.today().isoformat(), score=self.current_score(), answers=self.answers(),
            chosen_needs=self.chosen_needs(), chosen_assistance=self.chosen_assistance(),
            context=self.case.context, notes=self.notes_box.value,
        )

    def save_plan(self) -> str | None:
        """Offer the draft plan as a download to the learner's own device (HTML or Markdown).

        Nothing is written on the machine that runs the exercise, and no path is shown:
        in a workshop, each participant gets their own file. Returns the file's name, or
        ``None`` (with guidance) if there is no case yet."""
        lang = self.lang
        draft = self.draft()
        if draft is None:
            self.save_result.value = guidance(M("save_no_case", lang))
            return None
        kind = self.format_picker.value
        text = draft.to_html(lang) if kind == "html" else draft.to_markdown(lang)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        name = f"plan-{self.case.id}-{lang}-{stamp}.{kind}"
        mime = "text/html;charset=utf-8" if kind == "html" else "text/markdown;charset=utf-8"
        content = text.encode("utf-8")
        parts = [f'<p>✔ {esc(M("saved", lang))}</p>']
        if not draft.needs:
            parts.append(guidance(M("save_empty", lang)))
        parts.append(f'<p>⬇ {download_link(content, name, mime, M("download", lang, name=name))}</p>')
        self.save_result.value = "".join(parts)
        self.saved = {"name": name, "content": content}
        return name

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


# ------------------------------------------------------------ the caseload


def caseload_scores(instrument: Instrument, cases, assessments):
    """Every assessment scored, with the case's region, sex and age on the assessment date (pure pandas)."""
    item_ids = [i.id for i in instrument.items] + [q.id for q in instrument.screening]
    scored = score_frame(instrument, assessments.reindex(columns=item_ids))
    scored["wave"] = assessments["wave"].astype(int).to_numpy()
    scored["case_id"] = assessments["case_id"].to_numpy()
    info = cases.set_index("case_id")[["region_id", "sex", "age"]]
    scored = scored.join(info, on="case_id")
    # the child rules apply at the age on the assessment date (reintegra.children.age_on)
    if "assessment_date" in assessments.columns:
        when = assessments["assessment_date"].to_numpy()
        scored["age"] = [age_on(a, d.date() if hasattr(d, "date") else d) for a, d in zip(scored["age"], when)]
    return scored


def bands_figure(instrument: Instrument, scored, lang: str | None = None):
    """Stacked horizontal bars: share of assessments in each band, per dimension and composite."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    lang = current_lang(lang)
    keys = [*instrument.dimension_ids, "composite"]
    fig = Figure(figsize=(7.2, 2.9), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    labels = [dimension_label(instrument, k, lang) for k in keys]
    segments = [(b.code, b.text(lang), colour, "") for b, colour in zip(instrument.bands, BAND_COLOURS)]
    segments.append(("insufficient", M("insufficient", lang), INSUFFICIENT_COLOUR, "xx"))
    for i, key in enumerate(keys):
        shares = band_shares(instrument, scored, key) if len(scored) else {}
        left = 0.0
        for code, _label, colour, hatch in segments:
            value = float(shares.get(code, 0.0))
            if value <= 0:
                continue
            ax.barh(i, value, left=left, color=colour, hatch=hatch, edgecolor="white", linewidth=0.8, height=0.6)
            if value >= 0.06:
                dark = colour in ("#D55E00", "#0072B2")
                ax.text(left + value / 2, i, fmt_percent(value, lang), ha="center", va="center", fontsize=8,
                        color="white" if dark else "black", fontweight="bold")
            left += value
    ax.set_yticks(range(len(keys)), labels)
    ax.set_ylim(len(keys) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ticks = [0, 0.25, 0.5, 0.75, 1]
    ax.set_xticks(ticks, [fmt_percent(t, lang) for t in ticks])
    ax.set_xlabel(M("share_axis", lang), fontsize=9)
    ax.set_title(M("bands_title", lang) + " (" + M("illustrative_short", lang) + ")", fontsize=10, loc="left")
    handles = [Patch(facecolor=c, hatch=h, edgecolor="white", label=l) for _, l, c, h in segments]
    fig.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=7.5, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def regions_figure(instrument: Instrument, table, lang: str | None = None):
    """Dot chart: median score of each dimension (and composite) per region; shapes as well as colours."""
    from matplotlib.figure import Figure

    lang = current_lang(lang)
    keys = [*instrument.dimension_ids, "composite"]
    height = 1.2 + 0.33 * max(len(table), 1)
    fig = Figure(figsize=(7.2, height), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    offsets = dict(zip(keys, (-0.21, -0.07, 0.07, 0.21)))
    for key in keys:
        values = table[key].to_numpy(dtype=float)
        y = np.arange(len(table)) + offsets[key]
        label = dimension_label(instrument, key, lang)
        ax.scatter(values, y, marker=DIMENSION_MARKERS[key], s=34, color=DIMENSION_COLOURS[key],
                   edgecolor="black", linewidth=0.5, label=label, zorder=3)
    for edge in instrument.band_edges():
        ax.axvline(edge, color="#888", linewidth=0.8, linestyle=(0, (3, 2)), zorder=1)
    ax.set_yticks(range(len(table)), list(table["label"]))
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.set_xticks([0, 0.2, 0.4, 0.6, 0.8, 1.0], [fmt_number(v, lang, 1) for v in (0, 0.2, 0.4, 0.6, 0.8, 1.0)])
    ax.set_xlabel(M("axis", lang), fontsize=9)
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="y", color="#eee", zorder=0)
    ax.set_title(M("regions_title", lang) + " (" + M("illustrative_short", lang) + ")", fontsize=10, loc="left")
    fig.legend(loc="outside lower center", ncol=4, fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig


def region_table(instrument: Instrument, scored, regions, lang: str | None = None):
    """Median score per region (regions in the order of their code), with the number of assessments."""
    import pandas as pd

    lang = current_lang(lang)
    keys = [*instrument.dimension_ids, "composite"]
    names = regions.set_index("region_id")["name_fr" if lang == "fr" else "name_en"]
    grouped = scored.groupby("region_id")
    table = grouped[keys].median()
    table["n"] = grouped.size()
    table = table.reindex(names.index).dropna(how="all", subset=keys)
    table["n"] = table["n"].fillna(0).astype(int)
    table["name"] = [names[r] for r in table.index]
    table["label"] = [M("region_n", lang, region=names[r], n=int(n)) for r, n in zip(table.index, table["n"])]
    return table if len(table) else pd.DataFrame(columns=[*keys, "n", "name", "label"])


class CaseloadView:
    """The synthetic caseload scored with the illustrative instrument, by dimension and by region."""

    SMALL_N = 20

    def __init__(self, lang: str | None = None, *, instrument: Instrument | None = None, folder: str | Path | None = None):
        from ..loader import load_assessments, load_cases, load_regions
        from ..schema import label

        self.lang = lang = current_lang(lang)
        self.instrument = instrument or load_instrument()
        self.cases = load_cases(folder)
        self.regions = load_regions(folder)
        self.assessments = load_assessments(folder)
        self.all_scores = caseload_scores(self.instrument, self.cases, self.assessments)
        waves = sorted(int(x) for x in self.all_scores["wave"].unique())
        self.wave_picker = w.ToggleButtons(options=[(label("wave", str(x), lang), x) for x in waves], value=waves[0],
                                           description=M("wave", lang), style={"button_width": "auto"})
        self.sex_picker = w.ToggleButtons(options=[(M("sex_all", lang), "all"), (M("sex_female", lang), "female"),
                                                   (M("sex_male", lang), "male")], value="all",
                                          description=M("sex", lang), style={"button_width": "7em"})
        self.age_picker = w.ToggleButtons(options=[(M("age_all", lang), "all"), (M("age_adults", lang), "adults"),
                                                   (M("age_children", lang), "children")], value="all",
                                          description=M("age_group", lang), style={"button_width": "7em"})
        self.count = w.HTML("")
        self.bands = w.HTML("")
        self.by_region = w.HTML("")
        for control in (self.wave_picker, self.sex_picker, self.age_picker):
            control.observe(lambda _change: self.refresh(), names="value")
        self.widget = w.VBox([
            w.HTML(CSS + f'<p>{esc(M("caseload_intro", lang))}</p><div class="ra-notice">{esc(M("illustrative", lang))}</div>'),
            self.wave_picker, self.sex_picker, self.age_picker, self.count, self.bands, self.by_region,
        ], layout=w.Layout(width="100%"))
        self.refresh()

    def selection(self):
        scored = self.all_scores[self.all_scores["wave"] == self.wave_picker.value]
        if self.sex_picker.value != "all":
            scored = scored[scored["sex"] == self.sex_picker.value]
        if self.age_picker.value != "all":
            child = scored["age"].to_numpy() < ADULT_AGE
            scored = scored[child if self.age_picker.value == "children" else ~child]
        return scored

    def band_table(self, scored) -> list[list[str]]:
        lang = self.lang
        keys = [*self.instrument.dimension_ids, "composite"]
        header = [M("col_dimension", lang)] + [b.text(lang) for b in self.instrument.bands] + [M("insufficient", lang)]
        rows = [header]
        for key in keys:
            shares = band_shares(self.instrument, scored, key)
            name = dimension_label(self.instrument, key, lang)
            rows.append([name] + [fmt_percent(float(shares[b.code]), lang) for b in self.instrument.bands]
                        + [fmt_percent(float(shares["insufficient"]), lang)])
        return rows

    def refresh(self) -> None:
        lang = self.lang
        scored = self.selection()
        if not len(scored):
            self.count.value = guidance(M("no_rows", lang))
            self.bands.value = self.by_region.value = ""
            return
        self.count.value = f'<p>{esc(M.n("n_assessments", len(scored), lang, cases=M.n("n_returnees", scored["case_id"].nunique(), lang)))}</p>'
        if self.age_picker.value == "children":
            self.count.value += f'<p class="ra-notice" role="note">{esc(M("children_note", lang))}</p>'
        png = base64.b64encode(figure_png(bands_figure(self.instrument, scored, lang))).decode("ascii")
        rows = self.band_table(scored)
        self.bands.value = (f'<div class="ra-scores"><img src="data:image/png;base64,{png}" alt="{esc(M("bands_alt", lang))}" width="720">'
                            f'<details><summary>{esc(M("text_alt", lang))}</summary>{_table(rows)}</details></div>')
        table = region_table(self.instrument, scored, self.regions, lang)
        png = base64.b64encode(figure_png(regions_figure(self.instrument, table, lang))).decode("ascii")
        keys = [*self.instrument.dimension_ids, "composite"]
        head = [M("col_region", lang), M("col_n", lang)] + [dimension_label(self.instrument, k, lang) for k in keys]
        body = [[row["name"], str(row["n"])] + [format_score(None if np.isnan(row[k]) else row[k], lang) for k in keys]
                for _, row in table.iterrows()]
        self.by_region.value = (f'<div class="ra-scores"><img src="data:image/png;base64,{png}" alt="{esc(M("regions_alt", lang))}" width="720">'
                                f'<p class="ra-notice">{esc(M("small_n", lang, n=self.SMALL_N))}</p>'
                                f'<details><summary>{esc(M("text_alt", lang))}</summary>{_table([head] + body)}</details></div>')

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def _table(rows: list[list[str]]) -> str:
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def preload() -> None:
    """Load the instrument, grid and case studies and warm up matplotlib (for Voila's preheated kernels)."""
    instrument = load_instrument()
    P.load_grid()
    load_case_studies()
    ScoreChart(instrument, "en").svg(score_answers(instrument, {}))
