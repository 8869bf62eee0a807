"""Exercise: sort a returnee's needs into the three dimensions of reintegration."""
from __future__ import annotations

import ipywidgets as w

from .. import dimensions as logic
from ..i18n import current_lang, messages, plural
from .common import M as UI, esc, status_badge

M = messages(
    "dimension_sort",
    {
        "title": "Sort the needs into the three dimensions",
        "intro": ("Aziz Moussaoui (a fictional returnee) came back to Berkane from Libya. "
            "Here is what he and his family told the case manager. "
            "For each need, choose the dimension of reintegration it belongs to, then check your answers."),
        "right": "Right.",
        "wrong": "Not quite: this is {dimension}.",
        "missing": "No answer yet: choose a dimension.",
        "summary": "{right}, {wrong} to review, {missing} not answered.",
        "summary_right": plural("{n} of {total} right", "{n} of {total} right"),
        "changed": "Your answers changed since the last check: check them again to update the summary.",
        "all_right": ("All needs are in the right dimension. Notice how many needs touch more than one dimension in real life: "
            "the integrated approach plans for all three together."),
    },
)


def summary_text(verdicts: list[logic.Verdict], lang: str | None = None) -> str:
    """One sentence on how many needs are right, wrong and unanswered."""
    counts = logic.tally(verdicts)
    summary = M("summary", lang, right=M.n("summary_right", counts["right"], lang, total=len(verdicts)),
                wrong=counts["wrong"], missing=counts["missing"])
    if counts["right"] == len(verdicts):
        summary += " " + M("all_right", lang)
    return summary


class DimensionSorter:
    """Twelve needs, three dimensions, feedback on every answer."""

    def __init__(self, lang: str | None = None):
        self.lang = current_lang(lang)
        lang = self.lang
        options = [(logic.dimension_label(d, lang), d) for d in logic.DIMENSIONS]
        self.choices: dict[str, w.ToggleButtons] = {}
        self.feedback: dict[str, w.HTML] = {}
        rows = []
        for number, need in enumerate(logic.NEEDS, start=1):
            choice = w.ToggleButtons(options=options, value=None, style={"button_width": "9em"})
            choice.observe(self._changed, names="value")
            feedback = w.HTML("")
            self.choices[need.id] = choice
            self.feedback[need.id] = feedback
            text = w.HTML(f"<b>{number}.</b> {esc(need.text(lang))}")
            rows.append(w.VBox([text, choice, feedback], layout=w.Layout(margin="0 0 .8em 0")))
        self.check_button = w.Button(description=UI("check", lang), button_style="primary", icon="check",
                                     layout=w.Layout(width="auto"))
        self.reset_button = w.Button(description=UI("reset", lang), icon="undo", layout=w.Layout(width="auto"))
        self.check_button.on_click(lambda _: self.check())
        self.reset_button.on_click(lambda _: self.reset())
        self.summary = w.HTML("")
        self.widget = w.VBox(
            [w.HTML(f"<h2>{esc(M('title', lang))}</h2><p>{esc(M('intro', lang))}</p>"), *rows,
             w.HBox([self.check_button, self.reset_button]), self.summary]
        )
        self.checked = False

    def answers(self) -> dict[str, str | None]:
        return {nid: choice.value for nid, choice in self.choices.items()}

    def check(self) -> list[logic.Verdict]:
        lang = self.lang
        verdicts = logic.check(self.answers())
        for verdict in verdicts:
            if verdict.status == "right":
                text = status_badge("right", M("right", lang)) + " " + esc(verdict.need.reason(lang))
            elif verdict.status == "wrong":
                label = logic.expected_label(verdict.need, lang)
                text = status_badge("wrong", M("wrong", lang, dimension=label)) + " " + esc(verdict.need.reason(lang))
            else:
                text = status_badge("missing", M("missing", lang))
            self.feedback[verdict.need.id].value = text
        self.summary.value = f"<p><b>{esc(summary_text(verdicts, lang))}</b></p>"
        self.checked = True
        return verdicts

    def reset(self) -> None:
        for choice in self.choices.values():
            choice.value = None
        for feedback in self.feedback.values():
            feedback.value = ""
        self.summary.value = ""
        self.checked = False

    def _changed(self, change) -> None:
        # An answer changed after checking: its old feedback and the summary no longer apply.
        for nid, choice in self.choices.items():
            if choice is change["owner"]:
                self.feedback[nid].value = ""
        if self.checked:
            self.checked = False
            self.summary.value = f"<p>{status_badge('missing', M('changed', self.lang))}</p>"

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
