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
        "economic": ("Economic", "Économique"),
        "social": ("Social", "Sociale"),
        "psychosocial": ("Psychosocial", "Psychosociale"),
        "or": ("or", "ou"),
        # The needs: what a case manager heard, and why it belongs where it does.
        "n1": ("Has debts from paying for the journey and no income to repay them.",
               "A des dettes contractées pour payer le voyage et aucun revenu pour les rembourser."),
        "n1_why": ("Debt and the lack of an income-generating activity are the core of the economic dimension.",
                   "Les dettes et l’absence d’activité génératrice de revenus sont au cœur de la dimension économique."),
        "n2": ("Lost the national identity card while abroad and cannot register with services.",
               "A perdu sa carte nationale d’identité à l’étranger et ne peut pas s’inscrire auprès des services."),
        "n2_why": ("Documentation gives access to public services: the social dimension.",
                   "Les papiers d’identité donnent accès aux services publics\u00a0: c’est la dimension sociale."),
        "n3": ("Cannot sleep and has nightmares since detention in Libya.",
               "N’arrive plus à dormir et fait des cauchemars depuis sa détention en Libye."),
        "n3_why": ("Emotional and psychological well-being is the psychosocial dimension; a specialist referral may be needed.",
                   "Le bien-être émotionnel et psychologique relève de la dimension psychosociale\u00a0; une orientation vers un spécialiste peut être nécessaire."),
        "n4": ("Wants to train as a refrigeration technician but the nearest course is full.",
               "Veut se former comme technicien en froid mais la formation la plus proche est complète."),
        "n4_why": ("Vocational training sits where two dimensions overlap. It is education and training, "
                   "an access-to-services need of the social dimension (Module 1 teaches it there), and it "
                   "serves re-entry into economic life. Economic and social are both right: the plan links the "
                   "training to a job or an activity.",
                   "La formation professionnelle se trouve là où deux dimensions se recoupent. C’est de "
                   "l’éducation et de la formation, un besoin d’accès aux services de la dimension sociale "
                   "(le module\u00a01 la classe ainsi), et elle sert le retour à la vie économique. Économique "
                   "et sociale sont toutes deux justes\u00a0: le plan relie la formation à un emploi ou à une "
                   "activité."),
        "n5": ("Her two children are not enrolled in school since the family came back.",
               "Ses deux enfants ne sont pas inscrits à l’école depuis le retour de la famille."),
        "n5_why": ("Access to education is an access-to-services need: social dimension.",
                   "L’accès à l’éducation est un besoin d’accès aux services\u00a0: dimension sociale."),
        "n6": ("Feels ashamed to meet neighbours after coming back without money.",
               "A honte de croiser les voisins depuis son retour sans argent."),
        "n6_why": ("Shame and a sense of failure after return touch well-being and support networks: psychosocial.",
                   "La honte et le sentiment d’échec après le retour touchent le bien-être et les réseaux de soutien\u00a0: dimension psychosociale."),
        "n7": ("Lives with six relatives in a two-room flat with no lease.",
               "Vit avec six proches dans un deux-pièces, sans bail."),
        "n7_why": ("Housing is one of the public services and infrastructure of the social dimension.",
                   "Le logement fait partie des services et infrastructures publics de la dimension sociale."),
        "n8": ("Has a business idea (a mobile phone repair stall) but no savings.",
               "A une idée de projet (un stand de réparation de téléphones) mais aucune épargne."),
        "n8_why": ("Starting an income-generating activity is economic; a business start-up grant fits this need.",
                   "Lancer une activité génératrice de revenus est économique\u00a0; une aide au démarrage d’entreprise répond à ce besoin."),
        "n9": ("Has a chronic illness and no health coverage.",
               "Souffre d’une maladie chronique et n’a pas de couverture médicale."),
        "n9_why": ("Access to health care and social protection belongs to the social dimension.",
                   "L’accès aux soins et à la protection sociale relève de la dimension sociale."),
        "n10": ("Has no one to talk to; old friends have moved to the city.",
                "N’a personne à qui parler\u00a0; ses anciens amis sont partis en ville."),
        "n10_why": ("Personal support networks are part of the psychosocial dimension.",
                    "Les réseaux de soutien personnels font partie de la dimension psychosociale."),
        "n11": ("His family pressures him to leave again to repay what they borrowed.",
                "Sa famille le pousse à repartir pour rembourser ce qu’elle a emprunté."),
        "n11_why": ("Family pressure weighs on well-being and relationships: psychosocial, even if money is its cause.",
                    "La pression familiale pèse sur le bien-être et les relations\u00a0: dimension psychosociale, même si l’argent en est la cause."),
        "n12": ("Does not know which office handles the legal aid he is entitled to.",
                "Ne sait pas quel service traite l’aide juridique à laquelle il a droit."),
        "n12_why": ("Justice and rights, and knowing how to reach them, sit in the social dimension.",
                    "La justice et les droits, et savoir comment y accéder, relèvent de la dimension sociale."),
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
