"""The answer codes the room accepts: for each exercise, its subjects (cases, plans) and, for each item, its options.

The Voila workshop's kernels write what their widgets give; answers that come
over the network (the browser-only workshop's *Send my answers*) are checked
against this catalogue first, so that only the course's own codes ever reach
the room's store: an unknown exercise, case, item or option is refused, and
free text cannot get in.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Mapping


@dataclass(frozen=True)
class Exercise:
    subjects: frozenset[str]
    items: Mapping[str, frozenset[str]]  # item -> the values it can take
    prefixed: Mapping[str, Callable[[str, str], bool]]  # "need:" -> check(rest, value)

    def accepts(self, subject: str, item: str, value: str | None) -> bool:
        if subject not in self.subjects:
            return False
        if item in self.items:
            return value is None or value in self.items[item]
        prefix, colon, rest = item.partition(":")
        check = self.prefixed.get(prefix) if colon else None
        return check is not None and check(rest, value)


def _yes(ids: frozenset[str]) -> Callable[[str, str | None], bool]:
    return lambda rest, value: rest in ids and value in (None, "yes")


@lru_cache(maxsize=1)
def _assessment() -> Exercise:
    from .. import plan as P
    from ..case_studies import load_case_studies
    from ..instrument import load_instrument

    instrument, grid = load_instrument(), P.load_grid()
    items = {item.id: frozenset(o.code for o in item.options) for item in instrument.items}
    items.update({q.id: frozenset(o.code for o in q.options) for q in instrument.screening})
    return Exercise(frozenset(c.id for c in load_case_studies()), items,
                    {"need": _yes(frozenset(n.id for n in grid.needs)),
                     "assistance": _yes(frozenset(a.id for a in grid.assistance))})


@lru_cache(maxsize=1)
def _referral() -> Exercise:
    from .. import loader, referral as logic

    cases, assessments = loader.load_cases(), loader.load_assessments()
    services = frozenset(loader.load_services()["service_id"].astype(str))
    categories = frozenset(logic.CATEGORIES)
    return Exercise(frozenset(logic.exercise_cases(cases, assessments)), {"consent": frozenset({"yes", "no"})},
                    {"need": lambda rest, value: rest in categories and (value is None or value in services)})


@lru_cache(maxsize=1)
def _business() -> Exercise:
    from ..business import review as R

    book = R.load_plans()
    lines = frozenset(line.id for plan in book.plans for line in plan.lines)
    return Exercise(frozenset(plan.id for plan in book.plans), {"decision": frozenset(R.DECISIONS)},
                    {"eligible": lambda rest, value: rest in lines and value in (None, "yes", "no"),
                     "price": lambda rest, value: rest in lines and (value is None or value in R.PRICE_VERDICTS),
                     "risk": _yes(frozenset(R.RISKS))})


@lru_cache(maxsize=2)
def _test(form: str) -> Exercise:
    from .. import evaluation as E

    items = {E.item_id(n): frozenset(E.LETTERS) for n in E.numbers("full")}
    items[E.SET_ITEM] = frozenset(E.SETS)
    return Exercise(frozenset({form}), items, {})


CATALOGUE: dict[str, Callable[[], Exercise]] = {
    "case-assessment": _assessment,
    "referral-mapping": _referral,
    "business-plan": _business,
    "pre-test": lambda: _test("pre"),
    "post-test": lambda: _test("post"),
}


def exercise(name: str) -> Exercise | None:
    """The codes an exercise accepts, or None for an exercise the room does not record."""
    make = CATALOGUE.get(name)
    return make() if make else None
