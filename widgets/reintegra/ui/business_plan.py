"""Exercise: review a returnee's microbusiness plan before the grant is paid in kind.

The learner chooses a plan, reads the returnee's story, the budget and the
local market sheet, then answers: is each line eligible, and is it priced right
against the market sheet; which risks does the plan carry; approve, approve with
changes, or refer to training or to job placement. *Check my review* gives
feedback on every line, every risk and the decision, with the trainer's
reference and why. Each plan keeps its own answers when the learner switches
between plans.

The rules live in :mod:`reintegra.business.review`; this module only shows them.
"""
from __future__ import annotations

import ipywidgets as w

from ..business import review as R
from ..i18n import current_lang, messages, pick
from .common import M as UI, esc, status_badge

M = messages(
    "business_ui",
    {
        "title": "Review a microbusiness plan",
        "intro": ("A returnee asks for a start-up grant, paid in kind. Choose a plan, read it with the local market sheet, "
            "then review each budget line, the risks and your decision, and check your review."),
        "plan": "Plan",
        "choose": "Choose a plan…",
        "plan_option": "{name}: {activity} ({town})",
        "no_plan": "Choose a plan above to read it.",
        "rules": ("Illustrative rules of this exercise: grant ceiling {ceiling} MAD; a price is right within ±{tolerance} of "
            "the market sheet's reference; the working capital should cover {months} months of running costs."),
        "experience": "Experience",
        "market": "Local market",
        "competitors": "Similar businesses nearby",
        "demand": "Demand",
        "authorisation": "Authorisation the activity needs",
        "held": "held",
        "not_held": "not held",
        "none_needed": "none",
        "running": "Running costs per month",
        "per_month": "{amount} MAD a month",
        "budget": "Budget asked for",
        "total": "Total asked: {amount} MAD",
        "line_head": "{label}: {qty} × {unit} MAD = {amount} MAD",
        "line_market": "Category: {category}. Market sheet: {low}–{high} MAD (reference {ref} MAD).",
        "eligible": "Eligible",
        "not_eligible": "Not eligible",
        "eligibility": "Eligibility",
        "price": "Price",
        "risks": "Risks you see in this plan",
        "decision": "Your decision",
        "check": "Check my review",
        "eligible_right": "Eligibility right.",
        "eligible_wrong": "Eligibility: the reference is “{ref}”.",
        "price_right": "Price right.",
        "price_wrong": "Price: the reference is “{ref}”.",
        "missing": "Not answered.",
        "risk_found": "Seen, rightly.",
        "risk_clear": "Rightly left out.",
        "risk_missed": "Missed.",
        "risk_false": "Not a risk in this plan.",
        "decision_right": "Right decision: {decision}.",
        "decision_wrong": "The reference decision is: {decision}.",
        "decision_missing": "No decision yet: choose one.",
        "trainer": "Trainer's note",
        "corrected": "With the changes, the plan would ask for {amount} MAD.",
        "summary": "{right} of {total} right, {wrong} to review, {missing} not answered.",
        "stale": "You changed an answer: check your review again.",
    },
)


def _badge(status: str, text: str) -> str:
    return status_badge(status, text)


RECORDED = "business-plan"  # the exercise's name in the room's store


class BusinessPlanReview:
    """Six plans, one review each: lines, risks, decision, with feedback on every answer."""

    def __init__(self, lang: str | None = None, book: R.PlanBook | None = None):
        self.lang = current_lang(lang)
        lang = self.lang
        self.book = book or R.load_plans()
        self.rules = self.book.rules
        self.reviews: dict[str, R.LearnerReview] = {}
        self._loading = False
        options = [(M("choose", lang), "")] + [
            (M("plan_option", lang, name=p.name, activity=pick(p.activity, lang), town=p.town), p.id)
            for p in self.book.plans
        ]
        self.plan_picker = w.Dropdown(options=options, value="", description=M("plan", lang),
                                      layout=w.Layout(width="100%", max_width="34em"))
        self.plan_picker.observe(self._plan_changed, names="value")
        self.sheet = w.HTML(f"<p>{esc(M('no_plan', lang))}</p>")
        self.lines_box = w.VBox([])
        self.risk_boxes = {r: w.Checkbox(value=False, description=R.risk_label(r, lang), indent=False,
                                         layout=w.Layout(width="auto"))
                           for r in R.RISKS}
        self.risk_feedback = {r: w.HTML("") for r in R.RISKS}
        for box in self.risk_boxes.values():
            box.observe(self._answer_changed, names="value")
        self.decision = w.RadioButtons(options=[(R.decision_label(d, lang), d) for d in R.DECISIONS], value=None,
                                       layout=w.Layout(width="auto"))
        self.decision.observe(self._answer_changed, names="value")
        self.decision_feedback = w.HTML("")
        self.check_button = w.Button(description=M("check", lang), button_style="primary", icon="check",
                                     layout=w.Layout(width="auto"))
        self.reset_button = w.Button(description=UI("reset", lang), icon="undo", layout=w.Layout(width="auto"))
        self.check_button.on_click(lambda _: self.check())
        self.reset_button.on_click(lambda _: self.reset())
        self.summary = w.HTML("")
        self.line_controls: dict[str, tuple[w.ToggleButtons, w.ToggleButtons, w.HTML]] = {}
        self.review_box = w.VBox(
            [self.lines_box,
             w.HTML(f"<h3>{esc(M('risks', lang))}</h3>"),
             *[w.VBox([self.risk_boxes[r], self.risk_feedback[r]]) for r in R.RISKS],
             w.HTML(f"<h3>{esc(M('decision', lang))}</h3>"), self.decision, self.decision_feedback,
             w.HBox([self.check_button, self.reset_button], layout=w.Layout(flex_flow="row wrap")), self.summary],
            layout=w.Layout(display="none"),
        )
        rules = M("rules", lang, ceiling=R.fmt_mad(self.rules.grant_ceiling, lang),
                  tolerance=f"{round(self.rules.price_tolerance * 100)}\u00a0%" if lang == "fr"
                  else f"{round(self.rules.price_tolerance * 100)}%",
                  months=self.rules.min_months_running)
        self.widget = w.VBox(
            [w.HTML(f"<h2>{esc(M('title', lang))}</h2><p>{esc(M('intro', lang))}</p>"
                    f"<p><i>{esc(pick(self.book.notice, lang))}</i></p><p>{esc(rules)}</p>"),
             self.plan_picker, self.sheet, self.review_box],
            layout=w.Layout(max_width="100%"),
        )
        # In a workshop, each answer also goes to the room's store (codes only) for the trainer's view.
        from ..workshop.recorder import Recorder

        self.recorder = Recorder(lang)
        if self.recorder.bar is not None:
            self.widget.children = (self.recorder.bar, *self.widget.children)

    def _record(self) -> None:
        """The whole review of the plan as codes: each line's eligibility and price, the risks, the decision."""
        plan = self.plan
        if plan is None or not self.recorder.active:
            return
        review = self.current_review()
        answers: dict[str, str | None] = {}
        for line in plan.lines:
            verdict = review.eligible.get(line.id)
            answers[f"eligible:{line.id}"] = None if verdict is None else ("yes" if verdict else "no")
            answers[f"price:{line.id}"] = review.price.get(line.id)
        answers.update({f"risk:{r}": "yes" if r in review.risks else None for r in R.RISKS})
        answers["decision"] = review.decision
        self.recorder.record(RECORDED, plan.id, answers)

    # ------------------------------------------------------------ plan shown
    @property
    def plan(self) -> R.Plan | None:
        return self.book.plan(self.plan_picker.value) if self.plan_picker.value else None

    def _plan_changed(self, change) -> None:
        old = change.get("old")
        if old:
            self.reviews[old] = self.current_review()
        self._show_plan()

    def _sheet_html(self, plan: R.Plan) -> str:
        lang = self.lang
        sep = "\u00a0: " if lang == "fr" else ": "
        auth = M("none_needed", lang)
        if plan.authorisation_needed:
            auth = M("held", lang) if plan.authorisation_held else M("not_held", lang)
        running = "".join(f"<li>{esc(pick(label, lang))}{sep}{esc(M('per_month', lang, amount=R.fmt_mad(a, lang)))}</li>"
                          for label, a in plan.running_costs)
        return (
            f"<h3>{esc(plan.name)}, {esc(pick(plan.activity, lang))}</h3>"
            f"<p>{esc(pick(plan.story, lang))}</p>"
            f"<ul><li><b>{esc(M('experience', lang))}</b>{sep}{esc(pick(plan.experience, lang))}</li>"
            f"<li><b>{esc(M('competitors', lang))}</b>{sep}{plan.competitors}</li>"
            f"<li><b>{esc(M('demand', lang))}</b>{sep}{esc(R.M('demand_' + plan.demand, lang))}</li>"
            f"<li><b>{esc(M('authorisation', lang))}</b>{sep}{esc(auth)}</li></ul>"
            f"<p><b>{esc(M('market', lang))}</b>{sep}{esc(pick(plan.market_note, lang))}</p>"
            f"<p><b>{esc(M('running', lang))}</b></p><ul>{running}</ul>"
            f"<h3>{esc(M('budget', lang))}</h3><p>{esc(M('total', lang, amount=R.fmt_mad(plan.total, lang)))}</p>"
        )

    def _show_plan(self) -> None:
        lang = self.lang
        plan = self.plan
        self._loading = True
        try:
            if plan is None:
                self.sheet.value = f"<p>{esc(M('no_plan', lang))}</p>"
                self.review_box.layout.display = "none"
                return
            self.sheet.value = self._sheet_html(plan)
            saved = self.reviews.get(plan.id, R.LearnerReview())
            self.line_controls = {}
            cards = []
            for line in plan.lines:
                category = pick(self.rules.categories[line.category].label, lang)
                head = M("line_head", lang, label=pick(line.label, lang), qty=line.quantity,
                         unit=R.fmt_mad(line.unit_price, lang), amount=R.fmt_mad(line.amount, lang))
                market = M("line_market", lang, category=category, low=R.fmt_mad(line.market_low, lang),
                           high=R.fmt_mad(line.market_high, lang), ref=R.fmt_mad(line.market_ref, lang))
                eligible = w.ToggleButtons(options=[(M("eligible", lang), True), (M("not_eligible", lang), False)],
                                           value=saved.eligible.get(line.id), description=M("eligibility", lang),
                                           style={"button_width": "auto", "description_width": "initial"},
                                           layout=w.Layout(width="auto", max_width="100%"))
                price = w.ToggleButtons(options=[(R.price_label(v, lang), v) for v in R.PRICE_VERDICTS],
                                        value=saved.price.get(line.id), description=M("price", lang),
                                        style={"button_width": "auto", "description_width": "initial"},
                                        layout=w.Layout(width="auto", max_width="100%"))
                feedback = w.HTML("")
                eligible.observe(self._answer_changed, names="value")
                price.observe(self._answer_changed, names="value")
                self.line_controls[line.id] = (eligible, price, feedback)
                cards.append(w.VBox(
                    [w.HTML(f"<p><b>{esc(head)}</b><br>{esc(market)}</p>"), eligible, price, feedback],
                    layout=w.Layout(border="1px solid #ccc", padding="0.4em 0.6em", margin="0 0 0.6em 0",
                                    max_width="100%"),
                ))
            self.lines_box.children = cards
            for r, box in self.risk_boxes.items():
                box.value = r in saved.risks
                self.risk_feedback[r].value = ""
            self.decision.value = saved.decision
            self.decision_feedback.value = ""
            self.summary.value = ""
            self.review_box.layout.display = ""
        finally:
            self._loading = False

    # ------------------------------------------------------------ answers
    def current_review(self) -> R.LearnerReview:
        review = R.LearnerReview()
        for line_id, (eligible, price, _) in self.line_controls.items():
            review.eligible[line_id] = eligible.value
            review.price[line_id] = price.value
        review.risks = {r for r, box in self.risk_boxes.items() if box.value}
        review.decision = self.decision.value
        return review

    def _answer_changed(self, change) -> None:
        if self._loading:
            return
        # Feedback given before this change no longer applies.
        owner = change["owner"]
        for eligible, price, feedback in self.line_controls.values():
            if owner in (eligible, price):
                feedback.value = ""
        for r, box in self.risk_boxes.items():
            if owner is box:
                self.risk_feedback[r].value = ""
        if owner is self.decision:
            self.decision_feedback.value = ""
        if self.summary.value:
            self.summary.value = f"<p><i>{esc(M('stale', self.lang))}</i></p>"
        self._record()

    def check(self) -> R.ReviewCheck | None:
        plan = self.plan
        if plan is None:
            return None
        lang = self.lang
        result = R.check_review(plan, self.rules, self.current_review())
        for lc in result.lines:
            _, _, feedback = self.line_controls[lc.line.id]
            parts = []
            category = self.rules.categories[lc.line.category]
            ref_e = M("eligible", lang) if lc.ref_eligible else M("not_eligible", lang)
            if lc.eligible_status == "right":
                parts.append(_badge("right", M("eligible_right", lang)))
            elif lc.eligible_status == "wrong":
                parts.append(_badge("wrong", M("eligible_wrong", lang, ref=ref_e)))
            else:
                parts.append(_badge("missing", M("missing", lang)))
            if lc.eligible_status != "missing":
                parts.append(esc(pick(category.why, lang)))
            ref_p = R.price_label(lc.ref_price, lang)
            if lc.price_status == "right":
                parts.append("<br>" + _badge("right", M("price_right", lang)))
            elif lc.price_status == "wrong":
                parts.append("<br>" + _badge("wrong", M("price_wrong", lang, ref=ref_p)))
            else:
                parts.append("<br>" + _badge("missing", M("missing", lang)))
            feedback.value = " ".join(parts)
        for rc in result.risks:
            if rc.status == "right":
                key = "risk_found" if rc.present else "risk_clear"
            else:
                key = "risk_missed" if rc.present else "risk_false"
            self.risk_feedback[rc.risk].value = (
                _badge(rc.status, M(key, lang)) + " " + esc(R.risk_reason(plan, self.rules, rc.risk, lang))
            )
        ref_d = R.decision_label(result.reference.decision, lang)
        key = {"right": "decision_right", "wrong": "decision_wrong", "missing": "decision_missing"}[result.decision_status]
        self.decision_feedback.value = self._decision_text(plan, result, key, ref_d)
        counts = result.counts()
        self.summary.value = f"<p><b>{esc(M('summary', lang, total=result.total, **counts))}</b></p>"
        self.reviews[plan.id] = self.current_review()
        return result

    def _decision_text(self, plan: R.Plan, result: R.ReviewCheck, key: str, ref_d: str) -> str:
        lang, status = self.lang, result.decision_status
        if status == "missing":
            return _badge(status, M(key, lang))
        text = (_badge(status, M(key, lang, decision=ref_d)) + " " + esc(R.decision_reason(plan, self.rules, lang))
                + f"<br><b>{esc(M('trainer', lang))}</b>{'&nbsp;' if lang == 'fr' else ''}: "
                + esc(pick(plan.trainer_note, lang)))
        if result.reference.decision == "approve_changes":
            text += "<br>" + esc(M("corrected", lang, amount=R.fmt_mad(R.corrected_total(plan, self.rules), lang)))
        return text

    def reset(self) -> None:
        plan = self.plan
        if plan is None:
            return
        self.reviews.pop(plan.id, None)
        self._show_plan()
        self._record()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
