"""The three dimensions of reintegration, and a sorting exercise on them.

A returnee's needs are sorted into the economic, social and psychosocial
dimensions of the integrated approach (IOM Reintegration Handbook, 2019,
module 1). Pure logic: the exercise's widget only shows what is computed here.
"""
from __future__ import annotations

from dataclasses import dataclass

from .i18n import messages

DIMENSIONS = ("economic", "social", "psychosocial")

M = messages(
    "dimensions",
    {
        "economic": "Economic",
        "social": "Social",
        "psychosocial": "Psychosocial",
        "or": "or",
        # The needs: what a case manager heard, and why it belongs where it does.
        "n1": "Has debts from paying for the journey and no income to repay them.",
        "n1_why": "Debt and the lack of an income-generating activity are the core of the economic dimension.",
        "n2": "Lost the national identity card while abroad and cannot register with services.",
        "n2_why": "Documentation gives access to public services: the social dimension.",
        "n3": "Cannot sleep and has nightmares since detention in Libya.",
        "n3_why": "Emotional and psychological well-being is the psychosocial dimension; a specialist referral may be needed.",
        "n4": "Wants to train as a refrigeration technician but the nearest course is full.",
        "n4_why": ("Vocational training sits where two dimensions overlap. It is education and training, "
                   "an access-to-services need of the social dimension (Module 1 teaches it there), and it "
                   "serves re-entry into economic life. Economic and social are both right: the plan links the "
                   "training to a job or an activity."),
        "n5": "Her two children are not enrolled in school since the family came back.",
        "n5_why": "Access to education is an access-to-services need: social dimension.",
        "n6": "Feels ashamed to meet neighbours after coming back without money.",
        "n6_why": "Shame and a sense of failure after return touch well-being and support networks: psychosocial.",
        "n7": "Lives with six relatives in a two-room flat with no lease.",
        "n7_why": "Housing is one of the public services and infrastructure of the social dimension.",
        "n8": "Has a business idea (a mobile phone repair stall) but no savings.",
        "n8_why": "Starting an income-generating activity is economic; a business start-up grant fits this need.",
        "n9": "Has a chronic illness and no health coverage.",
        "n9_why": "Access to health care and social protection belongs to the social dimension.",
        "n10": "Has no one to talk to; old friends have moved to the city.",
        "n10_why": "Personal support networks are part of the psychosocial dimension.",
        "n11": "His family pressures him to leave again to repay what they borrowed.",
        "n11_why": "Family pressure weighs on well-being and relationships: psychosocial, even if money is its cause.",
        "n12": "Does not know which office handles the legal aid he is entitled to.",
        "n12_why": "Justice and rights, and knowing how to reach them, sit in the social dimension.",
    },
)

# The dimension each need belongs to. A need that sits where two dimensions
# overlap lists both: either answer is right, and its reason explains why.
ANSWERS: dict[str, str | tuple[str, ...]] = {
    "n1": "economic", "n2": "social", "n3": "psychosocial", "n4": ("economic", "social"),
    "n5": "social", "n6": "psychosocial", "n7": "social", "n8": "economic",
    "n9": "social", "n10": "psychosocial", "n11": "psychosocial", "n12": "social",
}


@dataclass(frozen=True)
class Need:
    id: str
    dimension: str  # the first (or only) dimension the need belongs to
    accepted: tuple[str, ...] = ()  # every dimension accepted as right

    def __post_init__(self) -> None:
        if not self.accepted:
            object.__setattr__(self, "accepted", (self.dimension,))

    @property
    def overlaps(self) -> bool:
        return len(self.accepted) > 1

    def text(self, lang: str | None = None) -> str:
        return M(self.id, lang)

    def reason(self, lang: str | None = None) -> str:
        return M(f"{self.id}_why", lang)


NEEDS = tuple(
    Need(nid, dims[0], tuple(dims)) if isinstance(dims, tuple) else Need(nid, dims)
    for nid, dims in ANSWERS.items()
)


def dimension_label(dimension: str, lang: str | None = None) -> str:
    return M(dimension, lang)


def expected_label(need: Need, lang: str | None = None) -> str:
    """The dimension(s) a need belongs to, in words: "economic or social"."""
    words = [dimension_label(d, lang).lower() for d in need.accepted]
    return f" {M('or', lang)} ".join(words)


@dataclass(frozen=True)
class Verdict:
    need: Need
    answer: str | None
    status: str  # "right", "wrong" or "missing"


def check(answers: dict[str, str | None]) -> list[Verdict]:
    """Compare the learner's sorting with the reference, need by need."""
    verdicts = []
    for need in NEEDS:
        answer = answers.get(need.id)
        if answer not in DIMENSIONS:
            verdicts.append(Verdict(need, None, "missing"))
        else:
            verdicts.append(Verdict(need, answer, "right" if answer in need.accepted else "wrong"))
    return verdicts


def tally(verdicts: list[Verdict]) -> dict[str, int]:
    counts = {"right": 0, "wrong": 0, "missing": 0}
    for verdict in verdicts:
        counts[verdict.status] += 1
    return counts
