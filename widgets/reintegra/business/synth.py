"""Synthetic microbusiness plans and local market sheets, seeded.

Each plan is written from a template: a fictional returnee, an activity, the
budget lines the returnee asked for and what each line is meant to teach (a
price in the market range, too high or too low). The generator draws each
region's market sheet (a reference unit price per item, from a national price
and a regional factor, with seeded noise) and the asked prices from it, then
computes the totals. Same seed, same file.

All prices, the grant ceiling, the price tolerance and the months of running
costs are illustrative: they are the course's own figures, not official ones.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

PLANS_FILE = "business_plans.json"
STREAM = 7  # the generator's random stream for the plans (other tables use 0–6)

RULES = {
    "illustrative": True,
    "currency": "MAD",
    "grant_ceiling": 25000,
    "price_tolerance": 0.15,
    "min_months_running": 3,
    "saturation_competitors": 6,
    "categories": {
        "equipment": {
            "eligible": True,
            "label": {"en": "Equipment and tools", "fr": "Équipement et outils"},
            "why": {"en": "Equipment the activity needs, bought in kind from a supplier: eligible.",
                    "fr": "L’équipement dont l’activité a besoin, acheté en nature auprès d’un fournisseur\u00a0: éligible."},
        },
        "vehicle": {
            "eligible": True,
            "label": {"en": "Vehicle for the business", "fr": "Véhicule pour l’activité"},
            "why": {"en": "A vehicle used only for the business is eligible, within the ceiling.",
                    "fr": "Un véhicule utilisé uniquement pour l’activité est éligible, dans la limite du plafond."},
        },
        "stock": {
            "eligible": True,
            "label": {"en": "Initial stock and supplies", "fr": "Stock initial et fournitures"},
            "why": {"en": "The first stock or raw materials, bought in kind: eligible.",
                    "fr": "Le premier stock ou les matières premières, achetés en nature\u00a0: éligible."},
        },
        "premises": {
            "eligible": True,
            "label": {"en": "Fitting out the premises", "fr": "Aménagement du local"},
            "why": {"en": "Fitting out the place of work (shelves, a pen, small works) is eligible.",
                    "fr": "L’aménagement du lieu de travail (étagères, enclos, petits travaux) est éligible."},
        },
        "working_capital": {
            "eligible": True,
            "label": {"en": "Working capital for the first months", "fr": "Fonds de roulement des premiers mois"},
            "why": {"en": "Running costs of the first months (rent, feed, fuel), paid to the landlord and the suppliers: eligible.",
                    "fr": "Les charges des premiers mois (loyer, aliments, carburant), réglées au bailleur et aux fournisseurs\u00a0: éligible."},
        },
        "authorisation": {
            "eligible": True,
            "label": {"en": "Authorisations and registration", "fr": "Autorisations et immatriculation"},
            "why": {"en": "The fees of the authorisations the activity needs are eligible.",
                    "fr": "Les frais des autorisations dont l’activité a besoin sont éligibles."},
        },
        "training": {
            "eligible": True,
            "label": {"en": "Training", "fr": "Formation"},
            "why": {"en": "A short course in the activity's skills is eligible.",
                    "fr": "Une formation courte aux compétences de l’activité est éligible."},
        },
        "personal_cash": {
            "eligible": False,
            "label": {"en": "Cash for the household", "fr": "Argent liquide pour le ménage"},
            "why": {"en": "Not eligible: the grant supports the business, in kind. The household's needs belong in the "
                          "plan's social component (referral to social assistance), not in the business budget.",
                    "fr": "Non éligible\u00a0: l’aide soutient l’activité, en nature. Les besoins du ménage relèvent du volet "
                          "social du plan (orientation vers l’aide sociale), pas du budget de l’activité."},
        },
        "debt": {
            "eligible": False,
            "label": {"en": "Repaying a debt", "fr": "Remboursement d’une dette"},
            "why": {"en": "Not eligible: repaying a debt from the grant leaves the business without capital. High debt calls "
                          "for financial-management support in the plan.",
                    "fr": "Non éligible\u00a0: rembourser une dette avec l’aide laisse l’activité sans capital. Une dette élevée "
                          "appelle un accompagnement en gestion financière dans le plan."},
        },
        "personal_items": {
            "eligible": False,
            "label": {"en": "Personal items", "fr": "Effets personnels"},
            "why": {"en": "Not eligible: an item for personal use is not business support.",
                    "fr": "Non éligible\u00a0: un bien à usage personnel n’est pas un soutien à l’activité."},
        },
    },
}

# How each region's prices compare with the national ones (illustrative): the
# big cities and the remote south are dearer.
REGION_PRICE_FACTOR = {
    "MA-01": 1.05, "MA-02": 0.97, "MA-03": 1.00, "MA-04": 1.08, "MA-05": 0.95, "MA-06": 1.10,
    "MA-07": 1.02, "MA-08": 0.96, "MA-09": 1.03, "MA-10": 1.06, "MA-11": 1.12, "MA-12": 1.15,
}

# What a line is meant to teach: its asked price against the market's reference.
INTENT = {"right": (0.96, 1.05), "high": (1.38, 1.52), "low": (0.55, 0.65)}


def _t(en: str, fr: str) -> dict:
    return {"en": en, "fr": fr}


# Templates: the returnee, the activity, and the lines with their national
# reference unit price (MAD) and what each line's price is meant to be.
TEMPLATES = [
    {
        "id": "taxi-tanger",
        "activity": _t("A taxi", "Un taxi"),
        "returnee": {"name": "Tarik Sebti", "age": 38, "sex": "male", "region_id": "MA-01", "town": "Tanger"},
        "story": _t(
            "Tarik came back to Tanger after six years in Spain, where he drove a delivery van. He wants to buy a used "
            "car and work as a taxi driver in his neighbourhood.",
            "Tarik est rentré à Tanger après six ans en Espagne, où il conduisait une camionnette de livraison. Il veut "
            "acheter une voiture d’occasion et travailler comme chauffeur de taxi dans son quartier.",
        ),
        "experience": _t("Delivery driver (six years)", "Chauffeur-livreur (six ans)"),
        "skills": ["driving"],
        "required_skill": "driving",
        "skill_label": _t("driving", "conduite"),
        "authorisation": {
            "needed": True, "held": False,
            "note": _t("In this fictional case, he holds no authorisation to run a taxi; which authorisations apply is to be "
                       "checked with the local authorities.",
                       "Dans ce cas fictif, il n’a aucune autorisation d’exploiter un taxi\u00a0; les autorisations "
                       "applicables sont à vérifier auprès des autorités locales."),
        },
        "market": {"competitors": 4, "demand": "stable",
                   "note": _t("Taxis wait at every rank in his district; drivers say the work is steady.",
                              "Des taxis attendent à chaque station de son quartier\u00a0; les chauffeurs disent que le travail est régulier.")},
        "running_costs": [
            {"label": _t("Fuel", "Carburant"), "amount": 3000},
            {"label": _t("Insurance and upkeep", "Assurance et entretien"), "amount": 900},
        ],
        "lines": [
            {"id": "car", "label": _t("Used car", "Voiture d’occasion"), "category": "vehicle", "quantity": 1,
             "national": 82000, "intent": "right", "core": True},
            {"id": "meter", "label": _t("Meter and fittings", "Compteur et équipements"), "category": "equipment",
             "quantity": 1, "national": 3500, "intent": "right"},
            {"id": "fuel", "label": _t("Fuel and insurance, first month", "Carburant et assurance, premier mois"),
             "category": "working_capital", "quantity": 1, "national": 3900, "intent": "right"},
        ],
        "trainer_note": _t(
            "Six years of driving are a real asset, but a car alone is far above any grant ceiling and he has no "
            "authorisation to run a taxi. A placement as an employed driver (delivery or transport firms; ANAPEC, the "
            "national employment agency, lists such jobs) uses his experience at once.",
            "Six ans de conduite sont un vrai atout, mais une voiture dépasse à elle seule tout plafond d’aide, et il "
            "n’a aucune autorisation d’exploiter un taxi. Un placement comme chauffeur salarié (livraison, transport\u00a0; "
            "l’ANAPEC, l’agence nationale de l’emploi, publie ce type d’offres) valorise tout de suite son expérience.",
        ),
        "expected_decision": "refer_placement",
    },
    {
        "id": "grocery-oujda",
        "activity": _t("A grocery shop", "Une épicerie"),
        "returnee": {"name": "Mounir Ouchen", "age": 45, "sex": "male", "region_id": "MA-02", "town": "Oujda"},
        "story": _t(
            "Mounir spent eight years in Spain, the last five as a warehouse worker. Back in Oujda, he wants to open a "
            "grocery shop on the ground floor of his brother’s house, as his father once did.",
            "Mounir a passé huit ans en Espagne, dont les cinq derniers comme magasinier. De retour à Oujda, il veut "
            "ouvrir une épicerie au rez-de-chaussée de la maison de son frère, comme son père autrefois.",
        ),
        "experience": _t("Warehouse worker (five years); helped in his father’s shop",
                         "Magasinier (cinq ans)\u00a0; a aidé dans la boutique de son père"),
        "skills": ["retail", "warehouse"],
        "required_skill": "retail",
        "skill_label": _t("running a shop", "tenue d’un commerce"),
        "authorisation": {"needed": False, "held": False, "note": _t("", "")},
        "market": {"competitors": 9, "demand": "stable",
                   "note": _t("Nine grocery shops within 500 metres; two closed last year.",
                              "Neuf épiceries dans un rayon de 500\u00a0mètres\u00a0; deux ont fermé l’an dernier.")},
        "running_costs": [
            {"label": _t("Rent", "Loyer"), "amount": 1500},
            {"label": _t("Electricity", "Électricité"), "amount": 300},
        ],
        "lines": [
            {"id": "shelves", "label": _t("Shelves and counter", "Étagères et comptoir"), "category": "premises",
             "quantity": 1, "national": 6000, "intent": "right"},
            {"id": "fridge", "label": _t("Display fridge", "Réfrigérateur vitrine"), "category": "equipment",
             "quantity": 1, "national": 7600, "intent": "right", "core": True},
            {"id": "stock", "label": _t("First stock", "Premier stock"), "category": "stock", "quantity": 1,
             "national": 8000, "intent": "right"},
            {"id": "capital", "label": _t("Rent and electricity, three months", "Loyer et électricité, trois mois"),
             "category": "working_capital", "quantity": 1, "national": 6400, "intent": "right"},
        ],
        "trainer_note": _t(
            "The plan is carefully priced, but nine shops within 500 metres and two recent closures say the street "
            "needs no tenth. His five years in a warehouse are wanted in Oujda’s logistics firms: a job placement "
            "(ANAPEC) is the safer route, and the plan can be revisited later.",
            "Le plan est bien chiffré, mais neuf épiceries dans un rayon de 500\u00a0mètres et deux fermetures récentes "
            "disent que la rue n’en a pas besoin d’une dixième. Ses cinq ans de magasinier sont recherchés par les "
            "entreprises de logistique d’Oujda\u00a0: un placement en emploi (ANAPEC) est la voie la plus sûre, et le plan "
            "pourra être revu plus tard.",
        ),
        "expected_decision": "refer_placement",
    },
    {
        "id": "tailoring-beni-mellal",
        "activity": _t("A tailoring workshop", "Un atelier de couture"),
        "returnee": {"name": "Wafae Lamrani", "age": 31, "sex": "female", "region_id": "MA-05", "town": "Béni Mellal"},
        "story": _t(
            "Wafae worked in a garment workshop before she left, then picked fruit in Italy for three years. Back in "
            "Béni Mellal, she wants to sew and alter clothes for clients in a small rented room.",
            "Wafae travaillait dans un atelier de confection avant son départ, puis a cueilli des fruits en Italie "
            "pendant trois ans. De retour à Béni Mellal, elle veut coudre et retoucher des vêtements pour des clientes "
            "dans une petite pièce louée.",
        ),
        "experience": _t("Seamstress in a garment workshop (four years)", "Couturière en atelier de confection (quatre ans)"),
        "skills": ["sewing"],
        "required_skill": "sewing",
        "skill_label": _t("sewing", "couture"),
        "authorisation": {"needed": False, "held": False, "note": _t("", "")},
        "market": {"competitors": 3, "demand": "growing",
                   "note": _t("Three tailors in the district, all busy before weddings and the Eid.",
                              "Trois couturiers dans le quartier, tous débordés avant les mariages et l’Aïd.")},
        "running_costs": [
            {"label": _t("Rent of the room", "Loyer de la pièce"), "amount": 600},
            {"label": _t("Electricity", "Électricité"), "amount": 150},
        ],
        "lines": [
            {"id": "machine", "label": _t("Industrial sewing machine", "Machine à coudre industrielle"),
             "category": "equipment", "quantity": 1, "national": 6800, "intent": "high", "core": True},
            {"id": "overlocker", "label": _t("Overlocker", "Surjeteuse"), "category": "equipment", "quantity": 1,
             "national": 4300, "intent": "right"},
            {"id": "fabric", "label": _t("Fabric, thread and notions", "Tissus, fil et mercerie"), "category": "stock",
             "quantity": 1, "national": 2600, "intent": "right"},
            {"id": "rent", "label": _t("Rent and electricity, three months", "Loyer et électricité, trois mois"),
             "category": "working_capital", "quantity": 1, "national": 2800, "intent": "right"},
            {"id": "household", "label": _t("Cash for household expenses", "Argent pour les dépenses du ménage"),
             "category": "personal_cash", "quantity": 1, "national": 3000, "intent": "right"},
        ],
        "trainer_note": _t(
            "A viable activity: she has the skill and the market is growing. But the machine is quoted far above the "
            "market sheet, and cash for the household doesn’t belong in a business budget: ask for a second quote, "
            "remove the cash line and refer the household’s needs in the social part of her plan.",
            "Une activité viable\u00a0: elle a la compétence et le marché est en hausse. Mais la machine est chiffrée bien "
            "au-dessus de la fiche de marché, et de l’argent pour le ménage n’a pas sa place dans un budget d’activité\u00a0: "
            "demandez un second devis, retirez la ligne d’argent liquide et traitez les besoins du ménage dans le volet "
            "social de son plan.",
        ),
        "expected_decision": "approve_changes",
    },
    {
        "id": "livestock-errachidia",
        "activity": _t("Raising sheep", "Un élevage ovin"),
        "returnee": {"name": "Mustapha Hajji", "age": 50, "sex": "male", "region_id": "MA-08", "town": "Errachidia"},
        "story": _t(
            "Mustapha raised sheep with his father before he left, then worked on farms in Spain for ten years. Back "
            "near Errachidia, he wants to rebuild a small flock on the family’s land.",
            "Mustapha élevait des moutons avec son père avant son départ, puis a travaillé dix ans dans des exploitations "
            "agricoles en Espagne. De retour près d’Errachidia, il veut reconstituer un petit troupeau sur la terre familiale.",
        ),
        "experience": _t("Farm worker (ten years); raised sheep with his family",
                         "Ouvrier agricole (dix ans)\u00a0; a élevé des moutons en famille"),
        "skills": ["livestock", "farming"],
        "required_skill": "livestock",
        "skill_label": _t("animal husbandry", "élevage"),
        "authorisation": {"needed": False, "held": False, "note": _t("", "")},
        "market": {"competitors": 5, "demand": "growing",
                   "note": _t("Buyers come to the weekly souk; demand peaks before the Eid al-Adha.",
                              "Les acheteurs viennent au souk hebdomadaire\u00a0; la demande culmine avant l’Aïd al-Adha.")},
        "running_costs": [
            {"label": _t("Feed", "Aliments"), "amount": 1100},
            {"label": _t("Veterinary care", "Soins vétérinaires"), "amount": 150},
        ],
        "lines": [
            {"id": "ewes", "label": _t("Ewes", "Brebis"), "category": "stock", "quantity": 8, "national": 1500,
             "intent": "right", "core": True},
            {"id": "pen", "label": _t("Repairing the pen", "Réparation de la bergerie"), "category": "premises",
             "quantity": 1, "national": 2000, "intent": "right"},
            {"id": "vet", "label": _t("Vaccination and first care", "Vaccination et premiers soins"),
             "category": "stock", "quantity": 1, "national": 600, "intent": "right"},
            {"id": "feed", "label": _t("Feed, first month", "Aliments, premier mois"), "category": "working_capital",
             "quantity": 1, "national": 950, "intent": "right"},
        ],
        "trainer_note": _t(
            "He knows the work and the market is there, but one month of feed is what sinks small flocks: in a dry "
            "year the animals are sold off cheap before the Eid. Ask for three months of feed in the working capital, "
            "within the ceiling, then approve. A plan that sells only before the Eid carries more than price risk: in "
            "2025 the King called on Moroccans not to perform the sacrifice (source: Le Nouvelliste, 26 February 2025). "
            "Plan a second outlet (weekly souk, butchers).",
            "Il connaît le métier et le marché existe, mais un seul mois d’aliments, c’est ce qui fait couler les petits "
            "troupeaux\u00a0: une année sèche, les bêtes sont bradées avant l’Aïd. Demandez trois mois d’aliments dans le "
            "fonds de roulement, dans la limite du plafond, puis approuvez. Un plan qui ne vend qu’avant l’Aïd court plus "
            "qu’un risque de prix\u00a0: en 2025, le Roi a appelé à ne pas accomplir le sacrifice (source\u00a0: Le Nouvelliste, "
            "26 février 2025). Prévoyez un second débouché (souk hebdomadaire, bouchers).",
        ),
        "expected_decision": "approve_changes",
    },
    {
        "id": "phone-repair-agadir",
        "activity": _t("Phone repair", "Réparation de téléphones"),
        "returnee": {"name": "Zakaria Bennis", "age": 26, "sex": "male", "region_id": "MA-09", "town": "Agadir"},
        "story": _t(
            "Zakaria worked on building sites in France for two years. Back in Agadir, he wants to open a phone repair "
            "kiosk near the bus station; he has watched repair videos but never repaired a phone for a client.",
            "Zakaria a travaillé deux ans sur des chantiers en France. De retour à Agadir, il veut ouvrir un kiosque de "
            "réparation de téléphones près de la gare routière\u00a0; il a regardé des vidéos de réparation mais n’a jamais "
            "réparé un téléphone pour un client.",
        ),
        "experience": _t("Construction labourer (two years)", "Ouvrier du bâtiment (deux ans)"),
        "skills": ["construction"],
        "required_skill": "phone_repair",
        "skill_label": _t("phone repair", "réparation de téléphones"),
        "authorisation": {"needed": False, "held": False, "note": _t("", "")},
        "market": {"competitors": 4, "demand": "growing",
                   "note": _t("Four repairers near the station, with queues on market days.",
                              "Quatre réparateurs près de la gare, avec des files d’attente les jours de marché.")},
        "running_costs": [
            {"label": _t("Rent of the kiosk", "Loyer du kiosque"), "amount": 800},
            {"label": _t("Electricity and internet", "Électricité et internet"), "amount": 200},
        ],
        "lines": [
            {"id": "tools", "label": _t("Repair tool kit", "Trousse d’outils de réparation"), "category": "equipment",
             "quantity": 1, "national": 2700, "intent": "right", "core": True},
            {"id": "station", "label": _t("Soldering station", "Station de soudage"), "category": "equipment",
             "quantity": 1, "national": 1850, "intent": "right"},
            {"id": "parts", "label": _t("Spare parts (screens, batteries)", "Pièces détachées (écrans, batteries)"),
             "category": "stock", "quantity": 1, "national": 4000, "intent": "low"},
            {"id": "kiosk", "label": _t("Rent, three months", "Loyer, trois mois"), "category": "working_capital",
             "quantity": 1, "national": 3400, "intent": "right"},
            {"id": "phone", "label": _t("A new smartphone for himself", "Un smartphone neuf pour lui-même"),
             "category": "personal_items", "quantity": 1, "national": 4500, "intent": "right"},
        ],
        "trainer_note": _t(
            "The demand is real, but a repairer who has never repaired a phone will lose his first clients’ trust. "
            "Refer him first to a short course and an apprenticeship with an established repairer (OFPPT offers "
            "vocational training in every region; check the local offer); the plan comes back afterwards, without "
            "the personal phone and with the spare parts priced properly.",
            "La demande est réelle, mais un réparateur qui n’a jamais réparé de téléphone perdra la confiance de ses "
            "premiers clients. Orientez-le d’abord vers une formation courte et un apprentissage chez un réparateur "
            "établi (l’OFPPT propose des formations professionnelles dans chaque région\u00a0; vérifiez l’offre locale)\u00a0; "
            "le plan revient ensuite, sans le téléphone personnel et avec des pièces détachées correctement chiffrées.",
        ),
        "expected_decision": "refer_training",
    },
    {
        "id": "pastry-fes",
        "activity": _t("Pastry made at home", "Une pâtisserie à domicile"),
        "returnee": {"name": "Imane Chraibi", "age": 34, "sex": "female", "region_id": "MA-03", "town": "Fès"},
        "story": _t(
            "Imane worked for five years in a bakery in Belgium. Back in Fès, she wants to bake Moroccan pastries at "
            "home and sell them directly to households, for weddings and family celebrations; families in her district "
            "have already asked her for prices.",
            "Imane a travaillé cinq ans dans une boulangerie en Belgique. De retour à Fès, elle veut préparer chez elle "
            "des pâtisseries marocaines et les vendre directement aux ménages, pour les mariages et les fêtes de famille\u00a0; "
            "des familles de son quartier lui ont déjà demandé ses prix.",
        ),
        "experience": _t("Bakery worker (five years)", "Employée de boulangerie (cinq ans)"),
        "skills": ["pastry"],
        "required_skill": "pastry",
        "skill_label": _t("pastry-making", "pâtisserie"),
        "authorisation": {"needed": False, "held": False, "note": _t("", "")},
        "market": {"competitors": 2, "demand": "growing",
                   "note": _t("Two women in the district bake to order for families. Supplying cafés or shops would need ONSSA's sanitary authorisation (Law 28-07); "
                              "selling directly to the households who eat the pastries does not.",
                              "Deux femmes du quartier font des pâtisseries sur commande pour les familles. Fournir des cafés ou des commerces demanderait l’autorisation "
                              "sanitaire de l’ONSSA (loi 28-07)\u00a0; la vente directe aux ménages qui consomment les pâtisseries, non.")},
        "running_costs": [
            {"label": _t("Ingredients", "Ingrédients"), "amount": 600},
            {"label": _t("Gas and electricity", "Gaz et électricité"), "amount": 250},
            {"label": _t("Packaging", "Emballages"), "amount": 100},
        ],
        "lines": [
            {"id": "oven", "label": _t("Professional oven", "Four professionnel"), "category": "equipment",
             "quantity": 1, "national": 6800, "intent": "right", "core": True},
            {"id": "mixer", "label": _t("Kneading machine", "Pétrin"), "category": "equipment", "quantity": 1,
             "national": 3200, "intent": "right"},
            {"id": "moulds", "label": _t("Moulds and utensils", "Moules et ustensiles"), "category": "equipment",
             "quantity": 1, "national": 1200, "intent": "right"},
            {"id": "ingredients", "label": _t("First ingredients (flour, almonds, honey)",
                                              "Premiers ingrédients (farine, amandes, miel)"),
             "category": "stock", "quantity": 1, "national": 2000, "intent": "right"},
            {"id": "capital", "label": _t("Running costs, three months", "Charges, trois mois"),
             "category": "working_capital", "quantity": 1, "national": 3300, "intent": "right"},
        ],
        "trainer_note": _t(
            "A sound plan: her experience matches the activity, every price is in the market range, customers are "
            "already asking, and three months of running costs are covered. She sells only to households: if she later "
            "wants to supply cafés or shops, she will first need ONSSA's sanitary authorisation. Approve, and plan the "
            "follow-up visits.",
            "Un plan solide\u00a0: son expérience correspond à l’activité, chaque prix est dans la fourchette du marché, "
            "des clients la sollicitent déjà, et trois mois de charges sont couverts. Elle ne vend qu’aux ménages\u00a0: si elle "
            "veut plus tard fournir des cafés ou des commerces, il lui faudra d’abord l’autorisation sanitaire de l’ONSSA. "
            "Approuvez, et prévoyez les visites de suivi.",
        ),
        "expected_decision": "approve",
    },
]

NOTICE = _t(
    "Fictional returnees and illustrative figures: the prices, the market sheets, the grant ceiling, the price "
    "tolerance and the months of running costs are the course’s own, for training only.",
    "Personnes fictives et chiffres illustratifs\u00a0: les prix, les fiches de marché, le plafond de l’aide, la marge "
    "de prix et les mois de charges sont propres au cours, à des fins de formation uniquement.",
)


def _round_price(value: float) -> int:
    step = 50 if value >= 1000 else 10
    return int(round(value / step) * step)


def generate_plans(seed: int = 41) -> dict:
    """The plans file's content: rules, and each plan with its market sheet drawn from the seed."""
    rng = np.random.default_rng([seed, STREAM])
    tol = RULES["price_tolerance"]
    plans = []
    for template in TEMPLATES:
        factor = REGION_PRICE_FACTOR[template["returnee"]["region_id"]]
        lines = []
        for spec in template["lines"]:
            ref = _round_price(spec["national"] * factor * rng.uniform(0.94, 1.06))
            low, high = _round_price(ref * (1 - tol)), _round_price(ref * (1 + tol))
            lo, hi = INTENT[spec["intent"]]
            asked = _round_price(ref * rng.uniform(lo, hi))
            if spec["intent"] == "right":
                asked = min(max(asked, low), high)
            line = {k: spec[k] for k in ("id", "label", "category", "quantity")}
            line.update(unit_price=asked, market={"low": low, "ref": ref, "high": high})
            if spec.get("core"):
                line["core"] = True
            lines.append(line)
        plan = {k: v for k, v in template.items() if k not in ("lines", "expected_decision")}
        plan["lines"] = lines
        plan["total"] = sum(l["quantity"] * l["unit_price"] for l in lines)
        plan["monthly_running_costs"] = sum(c["amount"] for c in template["running_costs"])
        plan["expected_decision"] = template["expected_decision"]
        plans.append(plan)
    return {"id": "business_plans", "version": 1, "seed": seed, "notice": NOTICE, "rules": RULES, "plans": plans}


def write_plans(out_dir: str | Path, seed: int = 41) -> Path:
    path = Path(out_dir) / PLANS_FILE
    path.write_text(json.dumps(generate_plans(seed), ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8", newline="\n")
    return path
