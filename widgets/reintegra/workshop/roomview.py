"""The trainer's view of the room: what the participants answered on one case, live, without a name.

Served by the workshop server at ``/room?trainer=<token>`` (the trainer's own
token, printed in the trainer's terminal only; the participants' token does not
open it). The page refreshes itself every few seconds from ``/room/data.json``
with a small inline script, and offers the aggregates as ``/room/export.csv``
and a printable ``/room/report.html``: counts and shares only, never a
pseudonym or an identifier.
"""
from __future__ import annotations

import hmac
import html
import json
from functools import lru_cache
from urllib.parse import urlencode

from tornado import web

from ..i18n import fmt_number, fmt_percent, messages, normalise_lang, pick, plural
from . import room
from .store import RoomStore

EXERCISE = "case-assessment"
REFRESH_MS = 3000
CURRENT = ' aria-current="page"'

M = messages(
    "room_view",
    {
        "title": "The room's answers",
        "intro": "Anonymous answers of the participants, updated every few seconds. No name: only answer codes.",
        "other_language": "Version française",
        "cases": "Case",
        "no_answers": "No participant has answered this case yet.",
        "participants": plural("{n} participant has answered", "{n} participants have answered"),
        "discussion": "Discussion list: {case}",
        "discussion_help": "Items sorted by disagreement with the reference: start the discussion with the first ones.",
        "col_item": "Item",
        "col_reference": "Reference",
        "col_agree": "Same as the reference",
        "col_answers": "Answers of the room",
        "agree_cell": "{agree} of {answered} ({share})",
        "reference_mark": "reference",
        "no_reference": "none",
        "dots": "Composite scores on the band scale",
        "dots_help": "One dot per participant with enough answers for a composite score (anonymous); the diamond is the reference.",
        "dots_label": "Composite scores: {scores}. Reference: {reference}.",
        "col_band": "Band",
        "col_count": "Participants",
        "no_dots": "No participant has enough answers for a composite score yet.",
        "referral": "Referral: the services chosen for each need",
        "referral_help": "For each case and need, the services the room chose, and how many choices broke the service's eligibility rules or came without the returnee's consent.",
        "col_need": "Need",
        "col_services": "Services chosen",
        "col_broke_eligibility": "Not eligible",
        "col_broke_consent": "Without consent",
        "tests": "Pre-test and post-test",
        "tests_help": ("The tests as the participants took them on their devices. Question n of both tests checks the same "
            "key idea with a different item; the gain is the change in the share right, in percentage points."),
        "col_test": "Test",
        "col_taken": "Participants",
        "col_mean": "Mean score",
        "pre": "Pre-test",
        "post": "Post-test",
        "col_question": "Question",
        "col_pre_right": "Right on the pre-test",
        "col_post_right": "Right on the post-test",
        "col_gain": "Gain (points)",
        "right_cell": "{right} of {answered} ({share})",
        "not_taken": "not taken yet",
        "exports": "For the training report",
        "export_csv": "The aggregates as a spreadsheet (CSV)",
        "export_html": "A printable page of the aggregates",
    },
)


@lru_cache(maxsize=1)
def _course():
    from ..case_studies import load_case_studies
    from ..instrument import load_instrument

    return load_instrument(), load_case_studies()


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _option_text(item, code: str, lang: str) -> str:
    for option in item.options:
        if option.code == code:
            return option.text(lang)
    return code


def _questions(instrument):
    questions = {}
    for dim in instrument.dimension_ids:
        for item in instrument.items_in(dim):
            questions[item.id] = item
    for question in instrument.screening:
        questions[question.id] = question
    return questions


def case_data(store: RoomStore, case_id: str, lang: str) -> dict:
    """One case's aggregates: the discussion list (labelled) and the composite dots."""
    from ..scoring import score_answers

    instrument, cases = _course()
    case = next(c for c in cases if c.id == case_id)
    questions = _questions(instrument)
    given = {pid: {i: v for i, v in answers.items() if i in questions}
             for pid, answers in store.by_participant(EXERCISE, case_id).items()}
    given = {pid: answers for pid, answers in given.items() if answers}
    reference = case.reference.all_answers
    spreads = room.item_spread(given, reference, list(questions))
    dots = room.composite_dots(given, lambda a: score_answers(instrument, a).composite)
    return {"case": case, "questions": questions, "spreads": [s for s in spreads if s.answered],
            "dots": dots, "reference": score_answers(instrument, reference).composite, "count": len(given)}


def _dots_svg(instrument, dots: list[float], reference: float | None, lang: str) -> str:
    """The band scale from 0 to 1 with one dot per participant (stacked when close) and the reference."""
    colours = ("#d55e00", "#e69f00", "#56b4e9", "#009e73", "#0072b2")
    parts = []
    for n, band in enumerate(instrument.bands):
        x, width = band.min * 1000, (band.max - band.min) * 1000
        parts.append(f'<rect x="{x:.0f}" y="60" width="{width:.0f}" height="24" fill="{colours[n % len(colours)]}"/>'
                     f'<text x="{x + width / 2:.0f}" y="104" text-anchor="middle" font-size="22" fill="#1d2a35">'
                     f'{_esc(band.text(lang))}</text>')
    stacks: dict[int, int] = {}
    for score in dots:
        slot = round(score * 50)
        level = stacks.get(slot, 0)
        stacks[slot] = level + 1
        parts.append(f'<circle cx="{score * 1000:.0f}" cy="{48 - 14 * min(level, 3):.0f}" r="7" fill="#1d2a35"/>')
    if reference is not None:
        x = reference * 1000
        parts.append(f'<path d="M{x:.0f} 56 l9 12 l-9 12 l-9 -12 z" fill="#fff" stroke="#1d2a35" stroke-width="3"/>')
    label = M("dots_label", lang, scores=", ".join(fmt_number(d, lang, 2) for d in dots),
              reference=fmt_number(reference, lang, 2) if reference is not None else "—")
    return (f'<svg viewBox="-10 0 1020 112" width="100%" role="img" aria-label="{_esc(label)}" '
            f'style="max-width:40rem;display:block">{"".join(parts)}</svg>')


def render_case(store: RoomStore, case_id: str, lang: str) -> str:
    """The live part of the page: the discussion list and the dots for one case."""
    instrument, _ = _course()
    data = case_data(store, case_id, lang)
    case, questions = data["case"], data["questions"]
    out = [f'<h2>{_esc(M("discussion", lang, case=case.name))}</h2>',
           f'<p class="count">{_esc(M.n("participants", data["count"], lang))}</p>']
    if not data["spreads"]:
        out.append(f'<p>{_esc(M("no_answers", lang))}</p>')
    else:
        out.append(f'<p>{_esc(M("discussion_help", lang))}</p><div class="scroll"><table><thead><tr>'
                   + "".join(f'<th scope="col">{_esc(M(k, lang))}</th>'
                             for k in ("col_item", "col_reference", "col_agree", "col_answers"))
                   + "</tr></thead><tbody>")
        for spread in data["spreads"]:
            item = questions[spread.item]
            ref = _option_text(item, spread.reference, lang) if spread.reference else M("no_reference", lang)
            answers = "".join(
                f'<li data-code="{_esc(code)}">{_esc(_option_text(item, code, lang))}: <b>{n}</b>'
                + (f' <span class="ref">({_esc(M("reference_mark", lang))})</span>' if code == spread.reference else "")
                + "</li>"
                for code, n in sorted(spread.counts.items(), key=lambda kv: (-kv[1], kv[0])))
            agree = M("agree_cell", lang, agree=spread.agree, answered=spread.answered,
                      share=fmt_percent(spread.agree_share, lang))
            out.append(f'<tr data-item="{_esc(spread.item)}"><th scope="row">{_esc(item.label(lang))}</th>'
                       f'<td>{_esc(ref)}</td><td>{_esc(agree)}</td><td><ul>{answers}</ul></td></tr>')
        out.append("</tbody></table></div>")
    out.append(f'<h2>{_esc(M("dots", lang))}</h2>')
    if data["dots"]:
        out.append(f'<p>{_esc(M("dots_help", lang))}</p>')
        out.append(_dots_svg(instrument, data["dots"], data["reference"], lang))
        counts = [(band, sum(1 for d in data["dots"] if instrument.band_for(d) is band)) for band in instrument.bands]
        out.append(f'<table class="bands"><thead><tr><th scope="col">{_esc(M("col_band", lang))}</th>'
                   f'<th scope="col">{_esc(M("col_count", lang))}</th></tr></thead><tbody>'
                   + "".join(f'<tr><th scope="row">{_esc(b.text(lang))}</th><td>{n}</td></tr>' for b, n in counts)
                   + "</tbody></table>")
    else:
        out.append(f'<p>{_esc(M("no_dots", lang))}</p>')
    out.append(referral_section(store, lang)[0])
    out.append(tests_section(store, lang)[0])
    return "".join(out)


REFERRAL = "referral-mapping"


@lru_cache(maxsize=1)
def _referral_course():
    from ..ui.referral import ReferralExercise, preload

    data = preload()
    exercise = ReferralExercise("en", show_map=False)  # the course's directory and cases, as participants have them
    return exercise.directory, data["cases"].set_index("case_id", drop=False)


def referral_section(store: RoomStore, lang: str) -> tuple[str, list]:
    """Which services the room chose for each need, and how often the choices broke eligibility or consent."""
    from .. import referral as logic

    answers_by_case = {case_id: store.by_participant(REFERRAL, case_id) for case_id in store.subjects(REFERRAL)}
    if not any(answers_by_case.values()):
        return "", []
    directory, cases = _referral_course()
    out, choices_all = [f'<h2>{_esc(M("referral", lang))}</h2><p>{_esc(M("referral_help", lang))}</p>'], []
    for case_id, given in answers_by_case.items():
        if case_id not in cases.index or not given:
            continue
        case = cases.loc[case_id].to_dict()

        def eligible(need: str, service: str, case=case) -> bool:
            found = logic.match_one(case, service, directory)
            return bool(found is not None and found.eligible)

        choices = room.referral_choices(given, eligible)
        if not choices:
            continue
        choices_all.append((f"{case['first_name']} {case['last_name']}", choices))
        out.append(f'<h3>{_esc(case["first_name"])} {_esc(case["last_name"])}</h3><div class="scroll"><table><thead><tr>'
                   + "".join(f'<th scope="col">{_esc(M(k, lang))}</th>'
                             for k in ("col_need", "col_services", "col_broke_eligibility", "col_broke_consent"))
                   + "</tr></thead><tbody>")
        for choice in choices:
            services = "".join(f'<li data-service="{_esc(sid)}">{_esc(directory.name(sid) if sid in directory.position else sid)}: <b>{n}</b></li>'
                               for sid, n in sorted(choice.services.items(), key=lambda kv: (-kv[1], kv[0])))
            out.append(f'<tr data-need="{_esc(choice.need)}"><th scope="row">{_esc(logic.category_label(choice.need, lang))}</th>'
                       f'<td><ul>{services}</ul></td><td>{choice.broke_eligibility} / {choice.chosen}</td>'
                       f'<td>{choice.broke_consent} / {choice.chosen}</td></tr>')
        out.append("</tbody></table></div>")
    return "".join(out), choices_all


def _merged(store: RoomStore, exercise: str) -> dict[str, dict[str, str]]:
    """Each participant's answers to one exercise, all its subjects together."""
    merged: dict[str, dict[str, str]] = {}
    for subject in store.subjects(exercise):
        for pid, answers in store.by_participant(exercise, subject).items():
            merged.setdefault(pid, {}).update(answers)
    return merged


def tests_results(store: RoomStore, lang: str) -> room.PrePostResults | None:
    """The room's pre-test and post-test: scores and the gain per question (None before any answer)."""
    from .. import evaluation as E

    pre, post = _merged(store, E.EXERCISES["pre"]), _merged(store, E.EXERCISES["post"])
    if not pre and not post:
        return None
    return room.prepost_results(pre, post, E.answer_key("pre"), E.answer_key("post"), E.pairs(lang),
                                asked=E.asked_items)


def _gain(value: float, lang: str) -> str:
    points = round(100 * value)
    return ("+" if points > 0 else "") + fmt_number(points, lang, 0)


def tests_section(store: RoomStore, lang: str) -> tuple[str, room.PrePostResults | None]:
    """The pre/post table: participants and mean score of each test, then each question's share right and gain."""
    from .. import evaluation as E

    results = tests_results(store, lang)
    if results is None:
        return "", None
    out = [f'<h2 id="tests">{_esc(M("tests", lang))}</h2><p>{_esc(M("tests_help", lang))}</p>',
           '<table class="tests-summary"><thead><tr>'
           + "".join(f'<th scope="col">{_esc(M(k, lang))}</th>' for k in ("col_test", "col_taken", "col_mean"))
           + "</tr></thead><tbody>"]
    for form, scores, mean in (("pre", results.pre_scores, results.mean_pre),
                               ("post", results.post_scores, results.mean_post)):
        out.append(f'<tr data-test="{form}"><th scope="row">{_esc(M(form, lang))}</th><td>{len(scores)}</td>'
                   f'<td>{_esc(fmt_percent(mean, lang) if mean is not None else M("not_taken", lang))}</td></tr>')
    out.append('</tbody></table><div class="scroll"><table class="tests-questions"><thead><tr>'
               + "".join(f'<th scope="col">{_esc(M(k, lang))}</th>'
                         for k in ("col_question", "col_pre_right", "col_post_right", "col_gain"))
               + "</tr></thead><tbody>")
    labels = [_esc(M(k, lang)) for k in ("col_pre_right", "col_post_right", "col_gain")]
    for n, q in zip(E.numbers("full"), results.questions):
        if not (q.pre_answered or q.post_answered):
            continue
        cell = lambda right, answered, share: (  # noqa: E731
            _esc(M("right_cell", lang, right=right, answered=answered, share=fmt_percent(share, lang)))
            if answered else _esc(M("not_taken", lang)))
        gain = _gain(q.gain, lang) if q.pre_answered and q.post_answered else "—"
        idea = pick(E.question(n)["idea"], lang)
        out.append(f'<tr data-question="{n}"><th scope="row">{_esc(q.question)}'
                   f'<br><small>{_esc(idea)}</small></th>'
                   f'<td data-label="{labels[0]}">{cell(q.pre_correct, q.pre_answered, q.pre_share)}</td>'
                   f'<td data-label="{labels[1]}">{cell(q.post_correct, q.post_answered, q.post_share)}</td>'
                   f'<td data-label="{labels[2]}">{_esc(gain)}</td></tr>')
    out.append("</tbody></table></div>")
    return "".join(out), results


def chosen_case(store: RoomStore, wanted: str | None) -> str:
    """The case asked for, or the one with the most participants' answers (the first case if none)."""
    _, cases = _course()
    ids = [c.id for c in cases]
    if wanted in ids:
        return wanted
    counts = {case_id: len(store.by_participant(EXERCISE, case_id)) for case_id in store.subjects(EXERCISE)
              if case_id in ids}
    return max(counts, key=lambda c: (counts[c], -ids.index(c))) if counts else ids[0]


def export(store: RoomStore, lang: str) -> list[list[str]]:
    """Every case's aggregates as rows (option texts, no pseudonym, no identifier)."""
    _, cases = _course()
    spreads = {}
    for case in cases:
        data = case_data(store, case.id, lang)
        if not data["spreads"]:
            continue
        labelled = []
        for spread in data["spreads"]:
            item = data["questions"][spread.item]
            text = lambda code: _option_text(item, code, lang)  # noqa: E731
            labelled.append(room.ItemSpread(item.label(lang), text(spread.reference) if spread.reference else None,
                                            {text(c): n for c, n in spread.counts.items()}))
        spreads[case.name] = labelled
    from .. import referral as logic

    referrals = []
    for name, choices in referral_section(store, lang)[1]:
        directory, _ = _referral_course()
        for choice in choices:
            need = f"{name} · {logic.category_label(choice.need, lang)}"
            services = {directory.name(s) if s in directory.position else s: n for s, n in choice.services.items()}
            referrals.append(room.NeedChoices(need, services, choice.broke_eligibility, choice.broke_consent))
    return room.export_rows(spreads, referrals, tests_results(store, lang), lang=lang)


def page(store: RoomStore, case_id: str, lang: str, token: str) -> str:
    _, cases = _course()
    other = "fr" if lang == "en" else "en"
    query = lambda **extra: "?" + urlencode({"trainer": token, "lang": lang, **extra})  # noqa: E731
    links = "".join(
        f'<li><a href="{_esc(query(case=c.id))}"{CURRENT if c.id == case_id else ""}>'
        f'{_esc(c.name)}</a></li>' for c in cases)
    switch = "?" + urlencode({"trainer": token, "lang": other, "case": case_id})
    data_url = "room/data.json" + query(case=case_id)
    return PAGE.format(
        lang=lang, other=other, title=_esc(M("title", lang)), intro=_esc(M("intro", lang)),
        switch=_esc(switch), other_label=_esc(M("other_language", lang)), cases_label=_esc(M("cases", lang)),
        links=links, live=render_case(store, case_id, lang), exports=_esc(M("exports", lang)),
        csv=_esc("room/export.csv" + query()), csv_label=_esc(M("export_csv", lang)),
        report=_esc("room/report.html" + query()), report_label=_esc(M("export_html", lang)),
        data=json.dumps(data_url), refresh=REFRESH_MS)


PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<style>
 body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: #f4f7fa; color: #1d2a35; }}
 main {{ max-width: 60rem; margin: 0 auto; padding: 1rem; }}
 h1 {{ font-size: 1.5rem; }} h2 {{ font-size: 1.2rem; color: #005a8c; }}
 a {{ color: #005a8c; }}
 nav ul {{ list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem; }}
 nav a {{ display: inline-block; padding: .3rem .6rem; border: 1px solid #8a9aa8; border-radius: .3rem; background: #fff; }}
 nav a[aria-current] {{ background: #005a8c; color: #fff; }}
 .scroll {{ max-width: 100%; overflow-x: auto; }}
 table {{ border-collapse: collapse; width: 100%; background: #fff; margin: .5rem 0; }}
 th, td {{ border: 1px solid #c3ccd5; padding: .35rem .5rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }}
 thead th {{ background: #e6edf3; }}
 td ul {{ margin: 0; padding-left: 1rem; }}
 .ref {{ color: #1d5e2a; font-weight: 600; }}
 .bands {{ max-width: 24rem; }}
 .lang {{ float: right; }}
 .tests-questions thead th + th, .tests-questions td {{ width: 8rem; overflow-wrap: normal; }}
 .tests-summary th, .tests-summary td {{ overflow-wrap: normal; }}
 @media (max-width: 40rem) {{
  .tests-questions, .tests-questions tbody, .tests-questions tr, .tests-questions th, .tests-questions td {{ display: block; width: auto; }}
  .tests-questions thead {{ display: none; }}
  .tests-questions tr {{ border: 1px solid #c3ccd5; margin-bottom: .5rem; }}
  .tests-questions th, .tests-questions td {{ border: 0; }}
  .tests-questions td::before {{ content: attr(data-label); display: block; font-weight: 600; }}
 }}
</style>
</head>
<body>
<main>
<a class="lang" href="{switch}" hreflang="{other}" lang="{other}">{other_label}</a>
<h1>{title}</h1>
<p>{intro}</p>
<nav aria-label="{cases_label}"><ul>{links}</ul></nav>
<div id="room">{live}</div>
<h2>{exports}</h2>
<ul><li><a href="{csv}">{csv_label}</a></li><li><a href="{report}">{report_label}</a></li></ul>
</main>
<script>
(function () {{
  var box = document.getElementById("room");
  function refresh() {{
    fetch({data}, {{cache: "no-store"}}).then(function (r) {{ return r.ok ? r.json() : null; }})
      .then(function (d) {{ if (d && d.html !== box.innerHTML) {{ box.innerHTML = d.html; }} }})
      .catch(function () {{}});
  }}
  setInterval(refresh, {refresh});
}})();
</script>
</body>
</html>
"""


class TrainerHandler(web.RequestHandler):
    """The trainer's pages: only with the trainer's token (the participants' token is refused)."""

    token: str = ""  # set by the server from the workshop command's environment
    folder: str | None = None

    def prepare(self):
        given = self.get_argument("trainer", "")
        if not self.token or not hmac.compare_digest(given.encode(), self.token.encode()):
            from . import notice_page

            self.set_status(403)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(notice_page("trainer_only", self.lang))
            return
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Frame-Options", "DENY")

    @property
    def lang(self) -> str:
        from ..i18n import current_lang

        return normalise_lang(self.get_argument("lang", None)) or current_lang()

    _store: RoomStore | None = None

    @property
    def store(self) -> RoomStore:
        if TrainerHandler._store is None:
            TrainerHandler._store = RoomStore(self.folder)
        return TrainerHandler._store


class RoomPage(TrainerHandler):
    def get(self):
        store = self.store
        case_id = chosen_case(store, self.get_argument("case", None))
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(page(store, case_id, self.lang, self.token))


class RoomData(TrainerHandler):
    def get(self):
        store = self.store
        case_id = chosen_case(store, self.get_argument("case", None))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"case": case_id, "html": render_case(store, case_id, self.lang)}))


class RoomCsv(TrainerHandler):
    def get(self):
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", 'attachment; filename="room-aggregates.csv"')
        self.finish("\ufeff" + room.export_csv(export(self.store, self.lang), self.lang))


class RoomReport(TrainerHandler):
    def get(self):
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(room.export_html(export(self.store, self.lang), self.lang))


def handlers(base_url: str, token: str, folder: str) -> list[tuple]:
    TrainerHandler.token, TrainerHandler.folder, TrainerHandler._store = token, folder, None
    base = base_url.rstrip("/")
    return [(f"{base}/room", RoomPage), (f"{base}/room/data.json", RoomData),
            (f"{base}/room/export.csv", RoomCsv), (f"{base}/room/report.html", RoomReport)]
