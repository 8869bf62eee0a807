"""Exercise: the pre-test or the post-test, answered on the participant's own device.

The participant chooses the test (and, for a one-day workshop, the shorter set of
questions), answers each question with a radio button and presses *Submit*.
After the pre-test they see only their score: the answers stay hidden so that
the post-test keeps its value. After the post-test they see, for each question,
whether they were right, the right answer and the key idea it checks.

In a workshop each answer goes to the room's store as a code (the question and
the letter chosen), so that the trainer's view shows the room's pre/post table;
a participant who reloads the page finds their answers again. The questions
live in :mod:`reintegra.evaluation`; this module only shows them.
"""
from __future__ import annotations

import re

import ipywidgets as w

from .. import evaluation as E
from ..i18n import current_lang, messages, pick, plural
from .common import esc, status_badge

M = messages(
    "prepost_ui",
    {
        "title": "Pre-test and post-test",
        "intro": ("Answer the test your trainer asks for: the pre-test before the first module, the post-test at the end "
            "of the training. Choose one answer for each question; if you do not know, leave it blank. "
            "The test is not graded, and no name is asked."),
        "which": "Test",
        "pre": "Pre-test",
        "post": "Post-test",
        "choose": "Choose the pre-test or the post-test above.",
        "one_day": "One-day workshop: only questions {numbers} and {last}",
        "question": "Question {n}",
        "submit": "Submit",
        "nothing": "Answer at least one question before you submit.",
        "score": plural("Your score: {n} of {total} right.", "Your score: {n} of {total} right."),
        "blanks": plural("{n} question left blank.", "{n} questions left blank."),
        "pre_after": "The answers are not shown after the pre-test, so that the post-test keeps its value. You will see them after the post-test.",
        "right": "Right.",
        "wrong": "Not right: the answer is {letter}. {text}",
        "blank": "Left blank: the answer is {letter}. {text}",
        "idea": "Key idea: {idea}",
        "stale": "You changed an answer: submit again to see your score.",
    },
)
CSS = """<style>
.ra-pp .widget-radio-box label{display:flex;align-items:flex-start;height:auto;line-height:1.35;padding:.12em 0;white-space:normal}
.ra-pp .widget-radio-box input{order:-1;flex:0 0 auto;float:none;height:auto;margin-top:.2em}
.ra-pp .ra-q{margin:.8em 0 .2em;line-height:1.35}
.ra-pp .ra-fb{margin:.1em 0 .5em;line-height:1.35}
</style>"""

EMPHASIS = re.compile(r"\*([^*]+)\*")


def _inline(text: str) -> str:
    """The data file's Markdown emphasis (book titles) as HTML, the rest escaped."""
    return EMPHASIS.sub(r"<i>\1</i>", esc(text))


class PrePostTest:
    """One participant's pre-test or post-test: radio buttons, *Submit*, a score, and feedback after the post-test."""

    def __init__(self, lang: str | None = None):
        self.lang = current_lang(lang)
        lang = self.lang
        self.answers: dict[str, dict[int, str]] = {form: {} for form in E.FORMS}
        self.result: E.Score | None = None
        self._loading = False
        self.form_picker = w.ToggleButtons(options=[(M(f, lang), f) for f in E.FORMS], value=None,
                                           description=M("which", lang),
                                           style={"button_width": "auto", "description_width": "initial"},
                                           layout=w.Layout(width="auto", max_width="100%"))
        self.one_day = w.Checkbox(value=False, indent=False, layout=w.Layout(width="auto"),
                                  description=M("one_day", lang, numbers=", ".join(str(n) for n in E.numbers("one-day")[:-1]),
                                              last=E.numbers("one-day")[-1]))
        self.radios: dict[int, w.RadioButtons] = {}
        self.feedback: dict[int, w.HTML] = {}
        self.questions_box = w.VBox([], layout=w.Layout(width="100%"))
        self.submit_button = w.Button(description=M("submit", lang), button_style="primary", icon="check",
                                      layout=w.Layout(width="auto", display="none"))
        self.submit_button.on_click(lambda _: self.submit())
        self.summary = w.HTML(f"<p>{esc(M('choose', lang))}</p>")
        self.form_picker.observe(self._form_changed, names="value")
        self.one_day.observe(self._set_changed, names="value")
        self.widget = w.VBox(
            [w.HTML(f"{CSS}<h2>{esc(M('title', lang))}</h2><p>{esc(M('intro', lang))}</p>"),
             self.form_picker, self.one_day, self.questions_box, self.submit_button, self.summary],
            layout=w.Layout(max_width="100%"))
        self.widget.add_class("ra-pp")
        # In a workshop, each answer also goes to the room's store (codes only) for the trainer's view.
        from ..workshop.recorder import Recorder

        self.recorder = Recorder(lang)
        if self.recorder.bar is not None:
            self.widget.children = (self.recorder.bar, *self.widget.children)

    # ------------------------------------------------------------ state
    @property
    def form(self) -> str | None:
        return self.form_picker.value

    @property
    def which(self) -> str:
        return "one-day" if self.one_day.value else "full"

    def _record(self, numbers: list[int] | None = None) -> None:
        form = self.form
        if form is None or not self.recorder.active:
            return
        given = self.answers[form]
        answers: dict[str, str | None] = {E.item_id(n): given.get(n) for n in (numbers or E.numbers("full"))}
        answers[E.SET_ITEM] = self.which
        self.recorder.record(E.EXERCISES[form], form, answers)

    def _recall(self, form: str) -> None:
        """After a reload: the answers this participant gave, from the room's store."""
        if self.answers[form]:
            return
        kept = self.recorder.recall(E.EXERCISES[form], form)
        self.answers[form] = {n: kept[E.item_id(n)] for n in E.numbers("full")
                              if kept.get(E.item_id(n)) in E.LETTERS}
        if kept.get(E.SET_ITEM) in E.SETS:
            self._loading = True
            try:
                self.one_day.value = kept[E.SET_ITEM] == "one-day"
            finally:
                self._loading = False

    # ------------------------------------------------------------ questions shown
    def _form_changed(self, change) -> None:
        if change["new"] is not None:
            self._recall(change["new"])
        self._show()

    def _set_changed(self, change) -> None:
        if self._loading:
            return
        self._show()
        self._record()

    def _show(self) -> None:
        lang, form = self.lang, self.form
        self.result = None
        self.radios, self.feedback = {}, {}
        if form is None:
            self.questions_box.children = ()
            self.submit_button.layout.display = "none"
            self.summary.value = f"<p>{esc(M('choose', lang))}</p>"
            return
        rows = []
        self._loading = True
        try:
            for n in E.numbers(self.which):
                item = E.item(form, n)
                radio = w.RadioButtons(options=[(f"{letter}. {pick(text, lang)}", letter)
                                                for letter, text in item["options"].items()],
                                       value=self.answers[form].get(n), layout=w.Layout(width="100%"))
                radio.observe(self._answer_changed, names="value")
                self.radios[n], self.feedback[n] = radio, w.HTML("")
                rows += [w.HTML(f'<p class="ra-q"><b>{esc(M("question", lang, n=n))}.</b> '
                                f'{_inline(pick(item["text"], lang))}</p>'), radio, self.feedback[n]]
        finally:
            self._loading = False
        self.questions_box.children = rows
        self.submit_button.layout.display = ""
        self.summary.value = ""

    # ------------------------------------------------------------ answers
    def _answer_changed(self, change) -> None:
        if self._loading or self.form is None:
            return
        n = next(k for k, r in self.radios.items() if r is change["owner"])
        if change["new"] is None:
            self.answers[self.form].pop(n, None)
        else:
            self.answers[self.form][n] = change["new"]
        self.feedback[n].value = ""
        if self.result is not None:
            self.summary.value = f"<p><i>{esc(M('stale', self.lang))}</i></p>"
            self.result = None
        self._record([n])

    def submit(self) -> E.Score | None:
        lang, form = self.lang, self.form
        if form is None:
            self.summary.value = f"<p>{esc(M('choose', lang))}</p>"
            return None
        given = {E.item_id(n): r.value for n, r in self.radios.items() if r.value is not None}
        if not given:
            self.summary.value = f'<p class="ra-notice">{esc(M("nothing", lang))}</p>'
            return None
        result = E.score(form, given, self.which)
        self.result = result
        self._record()
        blank = result.total - result.answered
        parts = [f'<p class="ra-score"><b>{esc(M.n("score", result.right, lang, total=result.total))}</b>']
        if blank:
            parts.append(" " + esc(M.n("blanks", blank, lang)))
        parts.append("</p>")
        if form == "pre":
            parts.append(f"<p>{esc(M('pre_after', lang))}</p>")
            for fb in self.feedback.values():
                fb.value = ""
        else:
            for n, fb in self.feedback.items():
                fb.value = self._feedback(form, n, result.correct(n))
        self.summary.value = "".join(parts)
        return result

    def _feedback(self, form: str, n: int, correct: bool | None) -> str:
        lang = self.lang
        item, question = E.item(form, n), E.question(n)
        letter = item["answer"]
        answer = pick(item["options"][letter], lang)
        if correct:
            head = status_badge("right", M("right", lang))
        else:
            key = "blank" if correct is None else "wrong"
            head = status_badge("missing" if correct is None else "wrong", M(key, lang, letter=letter, text=answer))
        idea = M("idea", lang, idea=pick(question["idea"], lang))
        return f'<p class="ra-fb">{head}<br>{_inline(idea)}</p>'

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
