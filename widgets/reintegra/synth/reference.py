"""Reference data for the synthetic caseload: Morocco as data.

Regions: the 12 regions of decree 2.15.40 (20 February 2015), coded as in
ISO 3166-2:MA (MA-01 … MA-12), with their seats and approximate coordinates
(DOMAIN.md). Towns: real Moroccan towns (places, not people) with approximate
coordinates (about 1 km), checked against the 1:50m outline by the tests.

Everything marked ASSUMPTION below is the course's own choice, made to be
plausible and documented in the data card; none of it is an official statistic.
"""
from __future__ import annotations

from dataclasses import dataclass

REFERENCE_DATE = "2026-06-30"  # "today" for the synthetic data: output never depends on the clock


@dataclass(frozen=True)
class Region:
    region_id: str
    name_fr: str
    name_en: str
    name_ar: str
    seat_fr: str
    seat_en: str
    seat_ar: str
    seat_lat: float
    seat_lon: float
    emigration: str  # ASSUMPTION: high / medium / low share of the returnee caseload
    remote: bool  # ASSUMPTION: sparse services, long distances
    case_weight: float  # ASSUMPTION: share of the synthetic caseload
    # ASSUMPTION: share of returnees who speak Tamazight / Hassaniya
    tamazight: float
    hassaniya: float


REGIONS: tuple[Region, ...] = (
    Region("MA-01", "Tanger-Tétouan-Al Hoceïma", "Tangier-Tetouan-Al Hoceima",
           "طنجة - تطوان - الحسيمة", "Tanger", "Tangier", "طنجة",
           35.77, -5.80, "high", False, 0.14, 0.15, 0.0),
    Region("MA-02", "L’Oriental", "Oriental", "الشرق", "Oujda", "Oujda", "وجدة",
           34.68, -1.91, "high", False, 0.14, 0.35, 0.0),
    Region("MA-03", "Fès-Meknès", "Fez-Meknes", "فاس - مكناس", "Fès", "Fez", "فاس",
           34.03, -5.00, "high", False, 0.11, 0.25, 0.0),
    Region("MA-04", "Rabat-Salé-Kénitra", "Rabat-Sale-Kenitra", "الرباط - سلا - القنيطرة",
           "Rabat", "Rabat", "الرباط", 34.02, -6.84, "medium", False, 0.08, 0.12, 0.0),
    Region("MA-05", "Béni Mellal-Khénifra", "Beni Mellal-Khenifra", "بني ملال - خنيفرة",
           "Béni Mellal", "Beni Mellal", "بني ملال", 32.34, -6.36, "high", False, 0.13, 0.40, 0.0),
    Region("MA-06", "Casablanca-Settat", "Casablanca-Settat", "الدار البيضاء - سطات",
           "Casablanca", "Casablanca", "الدار البيضاء", 33.57, -7.59, "high", False, 0.14, 0.10, 0.0),
    Region("MA-07", "Marrakech-Safi", "Marrakesh-Safi", "مراكش - آسفي", "Marrakech",
           "Marrakesh", "مراكش", 31.63, -8.01, "medium", False, 0.08, 0.30, 0.0),
    Region("MA-08", "Drâa-Tafilalet", "Draa-Tafilalet", "درعة - تافيلالت", "Errachidia",
           "Errachidia", "الرشيدية", 31.93, -4.42, "medium", True, 0.05, 0.60, 0.0),
    Region("MA-09", "Souss-Massa", "Souss-Massa", "سوس - ماسة", "Agadir", "Agadir", "أكادير",
           30.43, -9.60, "high", False, 0.09, 0.60, 0.0),
    Region("MA-10", "Guelmim-Oued Noun", "Guelmim-Oued Noun", "كلميم - واد نون", "Guelmim",
           "Guelmim", "كلميم", 28.99, -10.06, "low", True, 0.02, 0.30, 0.35),
    Region("MA-11", "Laâyoune-Sakia El Hamra", "Laayoune-Sakia El Hamra",
           "العيون - الساقية الحمراء", "Laâyoune", "Laayoune", "العيون",
           27.15, -13.20, "low", True, 0.012, 0.05, 0.60),
    Region("MA-12", "Dakhla-Oued Ed-Dahab", "Dakhla-Oued Ed-Dahab", "الداخلة - وادي الذهب",
           "Dakhla", "Dakhla", "الداخلة", 23.72, -15.94, "low", True, 0.008, 0.05, 0.60),
)

REGION_BY_ID = {r.region_id: r for r in REGIONS}


@dataclass(frozen=True)
class Town:
    name: str
    region_id: str
    lat: float
    lon: float
    weight: float  # ASSUMPTION: relative share of the region's returnees and services
    tamazight_area: bool = False  # ASSUMPTION: Tamazight widely spoken around this town


# (name, lat, lon, weight, tamazight area). Seats first. Coordinates: approximate town
# centres (about 1 km). Tarfaya and Dakhla are nudged 1–4 km so that they fall inside the
# simplified 1:50m coastline (Dakhla's seat too: 23.72, -15.94 instead of 23.68, -15.96).
_TOWNS = {
    "MA-01": [("Tanger", 35.760, -5.830, 10, False), ("Tétouan", 35.578, -5.368, 6, False),
              ("Al Hoceïma", 35.240, -3.935, 4, True), ("Larache", 35.190, -6.150, 3, False),
              ("Ksar El Kébir", 35.002, -5.910, 3, False), ("Chefchaouen", 35.169, -5.264, 2, False),
              ("Ouezzane", 34.797, -5.584, 2, False), ("Fnideq", 35.848, -5.362, 2, False),
              ("Asilah", 35.462, -6.030, 1, False), ("Imzouren", 35.145, -3.852, 2, True)],
    "MA-02": [("Oujda", 34.681, -1.909, 10, False), ("Nador", 35.168, -2.934, 8, True),
              ("Berkane", 34.920, -2.320, 4, False), ("Taourirt", 34.407, -2.897, 3, False),
              ("Jerada", 34.312, -2.164, 2, False), ("Guercif", 34.226, -3.354, 2, False),
              ("Driouch", 34.977, -3.383, 3, True), ("Zaïo", 34.940, -2.734, 2, True),
              ("Figuig", 32.109, -1.229, 1, True), ("Bouarfa", 32.533, -1.950, 1, False)],
    "MA-03": [("Fès", 34.033, -5.000, 10, False), ("Meknès", 33.895, -5.555, 7, False),
              ("Taza", 34.210, -4.010, 4, False), ("Sefrou", 33.830, -4.835, 2, True),
              ("Ifrane", 33.533, -5.117, 1, True), ("Azrou", 33.434, -5.221, 2, True),
              ("El Hajeb", 33.693, -5.371, 2, True), ("Taounate", 34.536, -4.640, 2, False),
              ("Missour", 33.048, -3.993, 1, True), ("Boulemane", 33.362, -4.730, 1, True)],
    "MA-04": [("Rabat", 34.015, -6.835, 8, False), ("Salé", 34.045, -6.790, 8, False),
              ("Kénitra", 34.261, -6.580, 7, False), ("Témara", 33.920, -6.905, 5, False),
              ("Khémisset", 33.824, -6.066, 4, True), ("Sidi Kacem", 34.226, -5.708, 3, False),
              ("Sidi Slimane", 34.265, -5.926, 3, False), ("Tiflet", 33.895, -6.307, 2, True),
              ("Sidi Yahya El Gharb", 34.305, -6.305, 2, False)],
    "MA-05": [("Béni Mellal", 32.337, -6.350, 10, False), ("Khouribga", 32.881, -6.906, 7, False),
              ("Khénifra", 32.939, -5.668, 5, True), ("Fquih Ben Salah", 32.502, -6.689, 7, False),
              ("Kasba Tadla", 32.598, -6.268, 3, False), ("Azilal", 31.962, -6.571, 2, True),
              ("Oued Zem", 32.863, -6.574, 3, False), ("Souk Sebt Oulad Nemma", 32.295, -6.701, 4, False),
              ("Demnate", 31.731, -7.001, 2, True), ("M’rirt", 33.167, -5.567, 2, True)],
    "MA-06": [("Casablanca", 33.573, -7.590, 14, False), ("Mohammédia", 33.686, -7.383, 4, False),
              ("El Jadida", 33.231, -8.501, 4, False), ("Settat", 33.001, -7.617, 4, False),
              ("Berrechid", 33.266, -7.588, 4, False), ("Benslimane", 33.618, -7.121, 2, False),
              ("Sidi Bennour", 32.650, -8.433, 2, False), ("Azemmour", 33.288, -8.342, 1, False),
              ("Bouskoura", 33.449, -7.649, 2, False), ("Médiouna", 33.450, -7.517, 1, False)],
    "MA-07": [("Marrakech", 31.630, -7.990, 12, False), ("Safi", 32.299, -9.237, 5, False),
              ("Essaouira", 31.512, -9.760, 2, False), ("El Kelaâ des Sraghna", 32.048, -7.408, 4, False),
              ("Youssoufia", 32.246, -8.529, 2, False), ("Chichaoua", 31.533, -8.767, 2, True),
              ("Ben Guerir", 32.236, -7.954, 2, False), ("Tahannaout", 31.350, -7.950, 1, True),
              ("Amizmiz", 31.217, -8.233, 1, True), ("Attaouia", 31.833, -7.317, 2, False)],
    "MA-08": [("Errachidia", 31.931, -4.424, 6, True), ("Ouarzazate", 30.919, -6.893, 5, True),
              ("Zagora", 30.332, -5.838, 3, True), ("Tinghir", 31.515, -5.533, 4, True),
              ("Midelt", 32.685, -4.745, 3, True), ("Erfoud", 31.431, -4.233, 2, True),
              ("Rissani", 31.280, -4.260, 2, True), ("Goulmima", 31.694, -4.959, 2, True),
              ("Kelaat M’Gouna", 31.240, -6.130, 2, True), ("Boumalne Dadès", 31.370, -5.990, 1, True)],
    "MA-09": [("Agadir", 30.420, -9.580, 10, True), ("Inezgane", 30.355, -9.538, 5, True),
              ("Aït Melloul", 30.334, -9.497, 5, True), ("Taroudant", 30.470, -8.877, 4, True),
              ("Tiznit", 29.697, -9.732, 3, True), ("Oulad Teima", 30.395, -9.209, 4, True),
              ("Biougra", 30.215, -9.373, 2, True), ("Tata", 29.743, -7.973, 2, True),
              ("Tafraout", 29.717, -8.967, 1, True), ("Taliouine", 30.530, -7.920, 1, True)],
    "MA-10": [("Guelmim", 28.987, -10.057, 6, True), ("Tan-Tan", 28.438, -11.103, 3, False),
              ("Sidi Ifni", 29.370, -10.160, 2, True), ("Assa", 28.609, -9.427, 1, False),
              ("Bouizakarne", 29.167, -9.717, 1, True)],
    "MA-11": [("Laâyoune", 27.154, -13.203, 8, False), ("Boujdour", 26.126, -14.470, 2, False),
              ("Smara", 26.738, -11.672, 2, False), ("Tarfaya", 27.905, -12.905, 1, False),
              ("El Marsa", 27.083, -13.400, 1, False)],
    "MA-12": [("Dakhla", 23.718, -15.942, 8, False), ("El Argoub", 23.612, -15.870, 1, False),
              ("Aousserd", 22.550, -14.330, 1, False), ("Bir Gandouz", 21.630, -16.450, 1, False)],
}

TOWNS: tuple[Town, ...] = tuple(
    Town(name, region_id, lat, lon, weight, tam)
    for region_id, rows in _TOWNS.items()
    for name, lat, lon, weight, tam in rows
)


# ---------------------------------------------------------------------------
# Countries returned from. ASSUMPTION: weights chosen to be plausible for a caseload
# of Moroccan returnees (humanitarian returns from Libya; assisted voluntary returns
# from Europe and Türkiye; a few from the Gulf and the Maghreb); not statistics.
# programme: the usual return programme (vhr / avrr / other); months: median time abroad.

@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    weight: float
    programme: dict  # {programme: probability}
    median_months: float
    female_share: float
    languages: tuple  # languages a long stay there tends to teach
    group: str  # libya / europe / turkiye / gulf / maghreb


COUNTRIES: tuple[Country, ...] = (
    Country("LY", 0.24, {"vhr": 0.95, "other": 0.05}, 14, 0.06, (), "libya"),
    Country("DE", 0.13, {"avrr": 0.92, "other": 0.08}, 30, 0.18, ("german",), "europe"),
    Country("ES", 0.11, {"avrr": 0.85, "other": 0.15}, 48, 0.22, ("spanish",), "europe"),
    Country("FR", 0.08, {"avrr": 0.85, "other": 0.15}, 40, 0.25, ("french",), "europe"),
    Country("IT", 0.07, {"avrr": 0.85, "other": 0.15}, 44, 0.20, ("italian",), "europe"),
    Country("BE", 0.06, {"avrr": 0.90, "other": 0.10}, 36, 0.22, ("french", "dutch"), "europe"),
    Country("NL", 0.05, {"avrr": 0.90, "other": 0.10}, 36, 0.20, ("dutch", "english"), "europe"),
    Country("TR", 0.06, {"avrr": 0.80, "other": 0.20}, 10, 0.15, ("turkish",), "turkiye"),
    Country("DZ", 0.04, {"other": 0.70, "avrr": 0.30}, 12, 0.10, (), "maghreb"),
    Country("TN", 0.03, {"other": 0.70, "avrr": 0.30}, 10, 0.15, (), "maghreb"),
    Country("SA", 0.04, {"other": 0.60, "avrr": 0.40}, 30, 0.45, ("english",), "gulf"),
    Country("AE", 0.03, {"other": 0.60, "avrr": 0.40}, 30, 0.50, ("english",), "gulf"),
    Country("QA", 0.02, {"other": 0.60, "avrr": 0.40}, 30, 0.40, ("english",), "gulf"),
    Country("CH", 0.02, {"avrr": 0.95, "other": 0.05}, 24, 0.20, ("french", "german"), "europe"),
    Country("NE", 0.02, {"vhr": 0.90, "other": 0.10}, 8, 0.05, (), "libya"),
)

COUNTRY_BY_CODE = {c.code: c for c in COUNTRIES}


# ---------------------------------------------------------------------------
# Fictional people. Lists of common Moroccan given names and family names; a person
# is a random combination, so any resemblance to a real person is coincidental.

MALE_FIRST_NAMES = (
    "Mohammed", "Ahmed", "Youssef", "Hamza", "Mehdi", "Omar", "Ayoub", "Anas", "Yassine",
    "Karim", "Said", "Abdellah", "Hicham", "Rachid", "Mustapha", "Khalid", "Nabil", "Ismail",
    "Bilal", "Zakaria", "Adil", "Hassan", "Driss", "Brahim", "Lahcen", "Mounir", "Tarik",
    "Jamal", "Aziz", "Soufiane", "Hamid", "Reda", "Walid", "Othmane", "Amine", "Ilyas",
    "Younes", "Abderrahim", "Noureddine", "Abdelkader", "Mimoun", "Idir", "Moha", "Lhoussaine",
    "Aissa", "Taha", "Badr", "Marouane", "Saad", "Houssine",
)
FEMALE_FIRST_NAMES = (
    "Fatima", "Khadija", "Aicha", "Meryem", "Salma", "Hanane", "Nadia", "Samira", "Zineb",
    "Sara", "Imane", "Houda", "Latifa", "Malika", "Naima", "Rachida", "Souad", "Hafsa",
    "Kawtar", "Asmae", "Ghizlane", "Loubna", "Siham", "Hajar", "Widad", "Najat", "Btissam",
    "Fadoua", "Ikram", "Yasmine", "Nora", "Itto", "Tilila", "Mina", "Zahra", "Amal", "Sanae",
    "Chaimae", "Oumaima", "Hind",
)
LAST_NAMES = (
    "Benali", "El Amrani", "Bouzid", "El Idrissi", "Ouali", "Haddad", "Chakir", "El Ouardi",
    "Benjelloun", "Belkadi", "Ait Ali", "Ait Lahcen", "Oubella", "Id Brahim", "Amzil",
    "Boutaleb", "Ouhaddou", "El Mansouri", "Najjar", "Essaidi", "Lamrani", "Touil", "Zeroual",
    "Bakkali", "El Harti", "Mouline", "Sbai", "Rami", "El Khattabi", "Azzouzi", "Bouhaddou",
    "Tahiri", "Elfassi", "Karimi", "Bennis", "Cherkaoui", "Daoudi", "El Guerrouj", "Fikri",
    "Hamdaoui", "Jaafari", "Kabbaj", "Laaroussi", "Maarouf", "Nasri", "Ouazzani", "Qadiri",
    "Regragui", "Saidi", "Tazi", "Yacoubi", "Ziani", "Aberkane", "Boukhris", "Chafik",
    "Dahbi", "Ennaji", "Filali", "Ghazi", "Hilali", "Ikken", "Jabri", "Kettani", "Lahlou",
    "Mekouar", "Naciri", "Ouchen", "Rahmouni", "Serghini", "Tounsi", "Wahbi", "Zouhair",
    "Ait Ouarab", "Oukhouya", "Ammari", "Bensaid", "El Mahdi", "Lachgar", "Mazouz", "Sebti",
)

# ---------------------------------------------------------------------------
# Fictional providers: invented names built from ordinary words. ASSUMPTION: any
# resemblance to a real organisation is coincidental; every contact is fictional.

NAME_WORDS = (
    "Annour", "Al Amal", "Assafa", "Tilelli", "Tafsut", "Tiwizi", "Anwar", "Al Khayr",
    "Ennahda", "Azur", "Atlas Horizon", "Sahel", "Oasis", "Yasmine", "Zitoune", "Argane",
    "Nakhil", "Tawada", "Amalou", "Izouran", "Tafat", "Essalam", "Al Baraka", "Rihla",
    "Tanmia", "Al Fajr", "Chourouk", "Tadamoune", "Al Houda", "Afaq", "Ajyal", "Bousla",
    "Manar", "Massar", "Noujoum", "Rawabit", "Sanabil", "Tawassol", "Wiam", "Zahrat",
)

# Public services: the real Moroccan institutions a case manager refers to, by the
# type of service they give (see the book's Morocco annex for what each one does
# and its source). A public entry is named after its type and its town only, never
# with an invented proper name: "Agence pour l’emploi (type ANAPEC) – Nador" stands
# for the real agency a trainer would look up locally; its places, waits, fees and
# contacts are fictional. (service type, share within the category, name pattern,
# e-mail stem.) ASSUMPTION: the shares.
PUBLIC_SERVICE_TYPES: dict[str, tuple[tuple[str, float, str, str], ...]] = {
    "job_placement": (("employment_agency", 1.0, "Agence pour l’emploi (type ANAPEC) – {t}", "emploi"),),
    "vocational_training": (("vocational_training_centre", 1.0,
                             "Établissement de formation professionnelle (type OFPPT) – {t}", "formation"),),
    "business_development": (("income_project_support", 1.0,
                              "Appui aux projets générateurs de revenus (type INDH) – {t}", "indh"),),
    "health": (("health_centre", 1.0, "Centre de santé public – {t}", "sante"),),
    "mental_health_psychosocial": (("mental_health_service", 1.0,
                                    "Service de santé mentale, hôpital public – {t}", "sante-mentale"),),
    "housing": (("social_protection_establishment", 1.0,
                 "Établissement de protection sociale (type Entraide Nationale) – {t}", "eps"),),
    "documentation_legal": (
        ("civil_registry", 0.4, "Bureau d’état civil de la commune – {t}", "etat-civil"),
        ("identity_card_office", 0.35, "Service de la CNIE, Sûreté nationale (DGSN) – {t}", "cnie"),
        ("violence_support_unit", 0.25, "Cellule de prise en charge des femmes victimes de violence – {t}",
         "cellule-femmes"),
    ),
    "education": (("second_chance_school", 1.0, "École de la deuxième chance – {t}", "e2c"),),
    "social_protection": (
        ("social_centre", 0.6, "Centre social (type Entraide Nationale) – {t}", "centre-social"),
        ("health_coverage_enrolment", 0.4, "Point d’inscription au RSU et à l’AMO Tadamon – {t}", "rsu"),
    ),
    # No public entry: microcredit is given by associations and private institutions;
    # family and community support by associations here.
    "financial_services": (),
    "family_community": (),
}

# The service type of every non-public provider, by category.
OTHER_SERVICE_TYPES: dict[str, str] = {
    "job_placement": "job_search_support", "vocational_training": "vocational_course",
    "business_development": "business_support", "financial_services": "microfinance",
    "health": "health_care", "mental_health_psychosocial": "psychosocial_support", "housing": "shelter",
    "documentation_legal": "legal_aid", "education": "literacy_education", "social_protection": "social_assistance",
    "family_community": "family_support",
}

# Non-public provider name patterns per provider type and service category. {w} a
# name word, {t} the town. French, as providers in Morocco usually name themselves.
PROVIDER_PATTERNS = {
    "ngo": {
        "job_placement": "Association {w} pour l’insertion professionnelle – {t}",
        "vocational_training": "Association {w} pour la formation des jeunes – {t}",
        "business_development": "Association {w} pour l’entrepreneuriat – {t}",
        "financial_services": "Association de microcrédit {w} – {t}",
        "health": "Association {w} d’aide aux malades – {t}",
        "mental_health_psychosocial": "Association {w} d’écoute et de soutien – {t}",
        "housing": "Association {w} – accueil et hébergement – {t}",
        "documentation_legal": "Association {w} d’aide juridique – {t}",
        "education": "Association {w} pour l’alphabétisation – {t}",
        "social_protection": "Association {w} de solidarité – {t}",
        "family_community": "Association {w} pour la famille et le quartier – {t}",
    },
    "private": {
        "job_placement": "Cabinet de recrutement {w} – {t}",
        "vocational_training": "Institut privé {w} Formation – {t}",
        "business_development": "{w} Conseil aux entreprises – {t}",
        "financial_services": "Microfinance {w} – agence de {t}",
        "health": "Clinique {w} – {t}",
        "mental_health_psychosocial": "Cabinet de psychologie {w} – {t}",
        "housing": "Résidence {w} – {t}",
        "documentation_legal": "Cabinet juridique {w} – {t}",
        "education": "École privée {w} – {t}",
        "social_protection": "Mutuelle {w} – {t}",
        "family_community": "Centre familial {w} – {t}",
    },
    "international": {
        "job_placement": "{w} International – bureau de {t}",
        "vocational_training": "{w} International – programme de formation – {t}",
        "business_development": "{w} International – appui aux microprojets – {t}",
        "financial_services": "{w} International – épargne et crédit – {t}",
        "health": "{w} Santé International – {t}",
        "mental_health_psychosocial": "{w} International – soutien psychosocial – {t}",
        "housing": "{w} International – abris – {t}",
        "documentation_legal": "{w} International – aide juridique – {t}",
        "education": "{w} International – éducation – {t}",
        "social_protection": "{w} International – protection – {t}",
        "family_community": "{w} International – projets communautaires – {t}",
    },
}

# Phones: a fictional range. Morocco has no officially reserved fictional range.
# Fixed geographic numbers are 05 + 8 digits (ANRT); those in service begin 052 and
# 053 (+212 52…, +212 53…) since the 2009 renumbering. The block +212 5 00 0x xx xx
# lies outside those and is used here only; never dial it.
PHONE_PREFIX = "+212 5 00 0"
PHONE_PATTERN = r"^\+212 5 00 0\d \d\d \d\d$"
EMAIL_DOMAIN = "example.org"
EMAIL_PATTERN = r"^[a-z0-9._-]+@example\.org$"
