"""Review a returnee's microbusiness plan: the reference review and the feedback.

A plan is a list of budget lines (what the grant would buy, in kind), the
returnee's skills, the activity's running costs and the local market sheet.
Everything the reference says is computed here from the plan and the rules in
``datasets/business_plans.json``, so that the trainer's reference and the
feedback can never disagree with the data:

* a line is **eligible** when its category is (cash for personal use, debt
  repayment and the like are not: the grant is paid in kind);
* a line is **priced right** when its unit price lies within the market sheet's
  range for that item in the returnee's region (above: too high; below: too
  low, which hides a missing cost or a poor-quality purchase);
* the **risks** are: the plan is above the grant ceiling; the working capital
  does not cover the running costs for the first months; the local market is
  saturated; the activity needs an authorisation the returnee doesn't hold and
  the plan doesn't budget; the returnee lacks the activity's core skill and the
  plan includes no training;
* the **decision** follows one rule, in this order: core skill missing → refer
  to training; market saturated → refer to job placement; the core item alone
  cannot fit under the ceiling even at the lowest fair price → refer to job
  placement; any other problem → approve with changes; none → approve.

The ceiling, the tolerance, the number of months and the saturation threshold
are the course's own, illustrative figures (in the data file, not in code).
Pure logic: no ipywidgets here.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..i18n import fmt_number, messages, pick, plural
from ..paths import datasets_dir

PLANS_FILE = "business_plans.json"

RISKS = ("ceiling", "running_costs", "saturated", "authorisation", "skills")
DECISIONS = ("approve", "approve_changes", "refer_training", "refer_placement")
PRICE_VERDICTS = ("right", "too_high", "too_low")

M = messages(
    "business",
    {
        "risk_ceiling": "Above the grant ceiling",
        "risk_running_costs": "Running costs not covered for the first months",
        "risk_saturated": "Saturated local market",
        "risk_authorisation": "Authorisation missing",
        "risk_skills": "Core skill missing",
        "decision_approve": "Approve",
        "decision_approve_changes": "Approve with changes",
        "decision_refer_training": "Refer to vocational training first",
        "decision_refer_placement": "Refer to job placement instead",
        "price_right": "In the market range",
        "price_too_high": "Too high",
        "price_too_low": "Too low",
        # Why a risk is there, computed from the plan.
        "why_ceiling": "The plan asks for {total} MAD; the ceiling is {ceiling} MAD.",
        "why_no_ceiling": "The plan asks for {total} MAD, within the {ceiling} MAD ceiling.",
        "why_running_costs": ("The working capital ({capital} MAD) covers {months} months of running costs ({monthly} MAD a month); "
            "the rule asks for {minimum}."),
        "why_no_running_costs": "The working capital ({capital} MAD) covers {months} months of running costs ({monthly} MAD a month).",
        "why_market": plural("{competitors} similar business nearby, and demand is {demand}.",
                             "{competitors} similar businesses nearby, and demand is {demand}."),
        "why_authorisation": "The activity needs an authorisation the returnee doesn't hold, and the plan doesn't provide for it.",
        "why_no_authorisation": "No authorisation is missing for this activity.",
        "why_skills": "The activity needs {skill}; the returnee's experience doesn't include it and the plan has no training.",
        "why_no_skills": "The returnee has the skill the activity needs ({skill}).",
        "demand_growing": "growing",
        "demand_stable": "stable",
        "demand_declining": "declining",
        # Why the reference decision.
        "because_skills": ("The core skill is missing: a grant now would fund a business the returnee cannot run. "
            "Vocational training first; the plan can come back after it."),
        "because_saturated": ("The local market is saturated: a new business of this kind is likely to fail. "
            "A job placement that uses the returnee's experience is the safer route."),
        "because_unfundable": ("The core item alone costs at least {core} MAD at the lowest fair price, above the {ceiling} MAD ceiling: "
            "no change to the plan can bring it within the grant. A job placement is the realistic route."),
        "because_changes": "The activity is viable, but the plan needs changes before approval: {problems}.",
        "because_approve": "Every line is eligible and priced right, and no risk stands in the way: the plan can be approved.",
        "problem_ineligible": plural("{n} ineligible line to remove", "{n} ineligible lines to remove"),
        "problem_priced": plural("{n} line to price again", "{n} lines to price again"),
        "problem_ceiling": "bring the total under the ceiling",
        "problem_running_costs": "cover the first months’ running costs",
        "problem_authorisation": "provide for the missing authorisation",
        "list_and": " and ",
    },
)


@dataclass(frozen=True)
class Category:
    id: str
    eligible: bool
    label: Mapping[str, str]
    why: Mapping[str, str]


@dataclass(frozen=True)
class Rules:
    grant_ceiling: int
    price_tolerance: float
    min_months_running: int
    saturation_competitors: int
    categories: Mapping[str, Category]


@dataclass(frozen=True)
class Line:
    id: str
    label: Mapping[str, str]
    category: str
    quantity: int
    unit_price: int
    market_low: int
    market_ref: int
    market_high: int
    core: bool = False

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class Plan:
    id: str
    activity: Mapping[str, str]
    name: str
    age: int
    sex: str
    region_id: str
    town: str
    story: Mapping[str, str]
    experience: Mapping[str, str]
    skills: tuple[str, ...]
    required_skill: str
    skill_label: Mapping[str, str]
    authorisation_needed: bool
    authorisation_held: bool
    authorisation_note: Mapping[str, str]
    competitors: int
    demand: str
    market_note: Mapping[str, str]
    running_costs: tuple[tuple[Mapping[str, str], int], ...]
    lines: tuple[Line, ...]
    trainer_note: Mapping[str, str]

    def line(self, line_id: str) -> Line:
        for line in self.lines:
            if line.id == line_id:
                return line
        raise KeyError(line_id)

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def monthly_running_costs(self) -> int:
        return sum(amount for _, amount in self.running_costs)

    def working_capital(self) -> int:
        return sum(line.amount for line in self.lines if line.category == "working_capital")

    def months_covered(self) -> float:
        monthly = self.monthly_running_costs
        return self.working_capital() / monthly if monthly else float("inf")


@dataclass(frozen=True)
class PlanBook:
    rules: Rules
    plans: tuple[Plan, ...]
    notice: Mapping[str, str] = field(default_factory=dict)

    def plan(self, plan_id: str) -> Plan:
        for plan in self.plans:
            if plan.id == plan_id:
                return plan
        raise KeyError(plan_id)


# ------------------------------------------------------------------ loading

def _rules(data: Mapping) -> Rules:
    categories = {
        cid: Category(cid, bool(c["eligible"]), c["label"], c["why"]) for cid, c in data["categories"].items()
    }
    return Rules(int(data["grant_ceiling"]), float(data["price_tolerance"]), int(data["min_months_running"]),
                 int(data["saturation_competitors"]), categories)


def _plan(data: Mapping) -> Plan:
    person = data["returnee"]
    lines = tuple(
        Line(l["id"], l["label"], l["category"], int(l["quantity"]), int(l["unit_price"]),
             int(l["market"]["low"]), int(l["market"]["ref"]), int(l["market"]["high"]), bool(l.get("core", False)))
        for l in data["lines"]
    )
    return Plan(
        id=data["id"], activity=data["activity"], name=person["name"], age=int(person["age"]), sex=person["sex"],
        region_id=person["region_id"], town=person["town"], story=data["story"], experience=data["experience"],
        skills=tuple(data["skills"]), required_skill=data["required_skill"], skill_label=data["skill_label"],
        authorisation_needed=bool(data["authorisation"]["needed"]), authorisation_held=bool(data["authorisation"]["held"]),
        authorisation_note=data["authorisation"]["note"], competitors=int(data["market"]["competitors"]),
        demand=data["market"]["demand"], market_note=data["market"]["note"],
        running_costs=tuple((c["label"], int(c["amount"])) for c in data["running_costs"]),
        lines=lines, trainer_note=data["trainer_note"],
    )


def book_from_data(data: Mapping) -> PlanBook:
    return PlanBook(_rules(data["rules"]), tuple(_plan(p) for p in data["plans"]), data.get("notice", {}))


def load_plans(path: str | Path | None = None) -> PlanBook:
    """The plans, market sheets and rules of ``datasets/business_plans.json``."""
    path = Path(path) if path else datasets_dir() / PLANS_FILE
    return book_from_data(json.loads(path.read_text(encoding="utf-8")))


# ------------------------------------------------------------------ the reference

def price_verdict(line: Line) -> str:
    if line.unit_price > line.market_high:
        return "too_high"
    if line.unit_price < line.market_low:
        return "too_low"
    return "right"


def line_eligible(line: Line, rules: Rules) -> bool:
    return rules.categories[line.category].eligible


def risks(plan: Plan, rules: Rules) -> frozenset[str]:
    """The risks present in a plan, each computed from the plan's own figures."""
    found = set()
    if plan.total > rules.grant_ceiling:
        found.add("ceiling")
    if plan.months_covered() < rules.min_months_running:
        found.add("running_costs")
    if plan.competitors >= rules.saturation_competitors and plan.demand != "growing":
        found.add("saturated")
    budgeted = any(line.category == "authorisation" for line in plan.lines)
    if plan.authorisation_needed and not plan.authorisation_held and not budgeted:
        found.add("authorisation")
    trained = any(line.category == "training" for line in plan.lines)
    if plan.required_skill not in plan.skills and not trained:
        found.add("skills")
    return frozenset(found)


def core_floor(plan: Plan) -> int:
    """The least the core items can cost at a fair price (the market's low end)."""
    return sum(line.quantity * line.market_low for line in plan.lines if line.core)


@dataclass(frozen=True)
class Reference:
    eligible: Mapping[str, bool]
    price: Mapping[str, str]
    risks: frozenset[str]
    decision: str
    rule: str  # skills, saturated, unfundable, changes, approve


def reference(plan: Plan, rules: Rules) -> Reference:
    eligible = {line.id: line_eligible(line, rules) for line in plan.lines}
    price = {line.id: price_verdict(line) for line in plan.lines}
    found = risks(plan, rules)
    if "skills" in found:
        decision, rule = "refer_training", "skills"
    elif "saturated" in found:
        decision, rule = "refer_placement", "saturated"
    elif core_floor(plan) > rules.grant_ceiling:
        decision, rule = "refer_placement", "unfundable"
    elif found or not all(eligible.values()) or any(v != "right" for v in price.values()):
        decision, rule = "approve_changes", "changes"
    else:
        decision, rule = "approve", "approve"
    return Reference(eligible, price, found, decision, rule)


def corrected_total(plan: Plan, rules: Rules) -> int:
    """What the plan would ask once changed: eligible lines only, each at the market's reference price
    when it was priced outside the range."""
    total = 0
    for line in plan.lines:
        if not line_eligible(line, rules):
            continue
        unit = line.unit_price if price_verdict(line) == "right" else line.market_ref
        total += line.quantity * unit
    return total


# ------------------------------------------------------------------ explanations

def fmt_mad(amount: float, lang: str | None = None) -> str:
    return fmt_number(amount, lang)


def risk_label(risk: str, lang: str | None = None) -> str:
    return M(f"risk_{risk}", lang)


def decision_label(decision: str, lang: str | None = None) -> str:
    return M(f"decision_{decision}", lang)


def price_label(verdict: str, lang: str | None = None) -> str:
    return M(f"price_{verdict}", lang)


def risk_reason(plan: Plan, rules: Rules, risk: str, lang: str | None = None) -> str:
    """Why a risk is, or is not, present in this plan: the figures behind it."""
    present = risk in risks(plan, rules)
    prefix = "why_" if present else "why_no_"
    if risk == "ceiling":
        return M(prefix + risk, lang, total=fmt_mad(plan.total, lang), ceiling=fmt_mad(rules.grant_ceiling, lang))
    if risk == "running_costs":
        return M(prefix + risk, lang, capital=fmt_mad(plan.working_capital(), lang),
                 months=fmt_number(plan.months_covered(), lang, 1), monthly=fmt_mad(plan.monthly_running_costs, lang),
                 minimum=rules.min_months_running)
    if risk == "saturated":
        return M.n("why_market", plan.competitors, lang, competitors=plan.competitors,
                       demand=M(f"demand_{plan.demand}", lang))
    if risk == "authorisation":
        text = M(prefix + risk, lang)
        note = pick(plan.authorisation_note, lang)
        return f"{text} {note}".strip() if present else text
    return M(prefix + risk, lang, skill=pick(plan.skill_label, lang))


def decision_reason(plan: Plan, rules: Rules, lang: str | None = None) -> str:
    ref = reference(plan, rules)
    if ref.rule == "skills":
        return M("because_skills", lang)
    if ref.rule == "saturated":
        return M("because_saturated", lang)
    if ref.rule == "unfundable":
        return M("because_unfundable", lang, core=fmt_mad(core_floor(plan), lang),
                 ceiling=fmt_mad(rules.grant_ceiling, lang))
    if ref.rule == "approve":
        return M("because_approve", lang)
    problems = []
    ineligible = sum(1 for ok in ref.eligible.values() if not ok)
    if ineligible:
        problems.append(M.n("problem_ineligible", ineligible, lang))
    mispriced = sum(1 for v in ref.price.values() if v != "right")
    if mispriced:
        problems.append(M.n("problem_priced", mispriced, lang))
    problems.extend(M(f"problem_{r}", lang) for r in RISKS if r in ref.risks)
    if len(problems) > 1:
        text = ", ".join(problems[:-1]) + M("list_and", lang) + problems[-1]
    else:
        text = problems[0]
    return M("because_changes", lang, problems=text)


# ------------------------------------------------------------------ checking a learner's review

@dataclass
class LearnerReview:
    """What a learner answered: per line, eligibility and price; the risks seen; the decision."""
    eligible: dict[str, bool | None] = field(default_factory=dict)
    price: dict[str, str | None] = field(default_factory=dict)
    risks: set[str] = field(default_factory=set)
    decision: str | None = None


@dataclass(frozen=True)
class LineCheck:
    line: Line
    eligible_status: str  # right, wrong, missing
    price_status: str
    ref_eligible: bool
    ref_price: str


@dataclass(frozen=True)
class RiskCheck:
    risk: str
    present: bool
    seen: bool

    @property
    def status(self) -> str:
        return "right" if self.present == self.seen else "wrong"


@dataclass(frozen=True)
class ReviewCheck:
    plan: Plan
    lines: tuple[LineCheck, ...]
    risks: tuple[RiskCheck, ...]
    decision_status: str
    reference: Reference

    def counts(self) -> dict[str, int]:
        statuses = [c.eligible_status for c in self.lines] + [c.price_status for c in self.lines]
        statuses += [r.status for r in self.risks] + [self.decision_status]
        return {s: statuses.count(s) for s in ("right", "wrong", "missing")}

    @property
    def total(self) -> int:
        return 2 * len(self.lines) + len(self.risks) + 1


def _status(answer, expected) -> str:
    if answer is None:
        return "missing"
    return "right" if answer == expected else "wrong"


def check_review(plan: Plan, rules: Rules, review: LearnerReview) -> ReviewCheck:
    ref = reference(plan, rules)
    lines = tuple(
        LineCheck(line, _status(review.eligible.get(line.id), ref.eligible[line.id]),
                  _status(review.price.get(line.id), ref.price[line.id]), ref.eligible[line.id], ref.price[line.id])
        for line in plan.lines
    )
    risk_checks = tuple(RiskCheck(r, r in ref.risks, r in review.risks) for r in RISKS)
    return ReviewCheck(plan, lines, risk_checks, _status(review.decision, ref.decision), ref)


def reference_review(plan: Plan, rules: Rules) -> LearnerReview:
    """The trainer's reference, as a learner would enter it (a full mark)."""
    ref = reference(plan, rules)
    return LearnerReview(dict(ref.eligible), dict(ref.price), set(ref.risks), ref.decision)
