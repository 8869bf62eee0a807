"""French that reads as French in the data: typographic apostrophes, and country names with their article."""
import csv
import importlib
import json
import re

import pytest

from reintegra.i18n import all_messages
from reintegra.paths import reference_datasets_dir
from reintegra.schema import COUNTRY_FROM, VOCABULARIES, country_from, label

DATA = reference_datasets_dir()
# French text in the tables: region and seat names, provider names, towns.
FRENCH_COLUMNS = {"regions.csv": ("name_fr", "seat_fr"), "services.csv": ("provider_name", "town"),
                  "cases.csv": ("town",)}
# Namespaces of the package's messages that these data and their exercises use.
PACKAGE_MODULES = ("dimensions", "referral", "maps", "gaps", "plan", "scoring", "reporting", "case_studies",
                   "instrument", "schema", "synth")
OTHER_NAMESPACES = ("data.problem",)  # the file reader's messages, kept with the reader


def _french_strings(value, french=False):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _french_strings(item, french or key in ("fr", "from_fr"))
    elif isinstance(value, list):
        for item in value:
            yield from _french_strings(item, french)
    elif isinstance(value, str) and french:
        yield value


def french_texts():
    for name in ("case_studies.json", "instrument.json", "feasibility_grid.json", "datapackage.json"):
        data = json.loads((DATA / name).read_text(encoding="utf-8"))
        for text in _french_strings(data):
            yield name, text
    for name, columns in FRENCH_COLUMNS.items():
        with open(DATA / name, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for column in columns:
                    yield f"{name}:{column}", row[column]


TEXTS = list(french_texts())


def test_the_scan_reads_every_file():
    sources = {source.split(":")[0] for source, _ in TEXTS}
    assert sources == {"case_studies.json", "instrument.json", "feasibility_grid.json", "datapackage.json",
                       "regions.csv", "services.csv", "cases.csv"}
    assert len(TEXTS) > 2000


def test_no_straight_apostrophe_in_any_french_string_of_the_data():
    bad = [(source, text) for source, text in TEXTS if "'" in text]
    assert bad == [], bad[:5]


def test_no_straight_apostrophe_in_the_packages_french_messages():
    for module in PACKAGE_MODULES:
        importlib.import_module(f"reintegra.{module}")
    bad = [(m.key, m.fr) for m in all_messages()
           if "'" in m.fr and not m.key.startswith(OTHER_NAMESPACES)]
    assert bad == [], bad[:5]


def test_every_country_has_its_from_form_in_both_languages():
    assert set(COUNTRY_FROM) == set(VOCABULARIES["country"])
    for code, (english, french) in COUNTRY_FROM.items():
        name = label("country", code, "fr")
        assert english.startswith("from ") and english.lower().endswith(label("country", code, "en").lower()), code
        assert re.match(r"^(de |d’|du |des )", french), code
        assert french.lower().endswith(name.lower()), code
        assert "'" not in french
    assert country_from("DE", "fr") == "d’Allemagne" and country_from("NL", "fr") == "des Pays-Bas"
    assert country_from("NE", "fr") == "du Niger" and country_from("QA", "fr") == "du Qatar"
    assert country_from("NL", "en") == "from the Netherlands"


# "de" before a country whose name takes another form: "de Allemagne", "de Niger", "de Pays-Bas"…
WRONG_DE = {code: re.compile(rf"\bde {re.escape(label('country', code, 'fr'))}\b")
            for code, (_en, fr) in COUNTRY_FROM.items() if fr != f"de {label('country', code, 'fr')}"}


@pytest.mark.parametrize("wrong,right", [("Rentrée de Allemagne", "Rentrée d’Allemagne"),
                                         ("revenu de Niger", "revenu du Niger"),
                                         ("de Pays-Bas", "des Pays-Bas")])
def test_the_country_check_catches_a_missing_article(wrong, right):
    assert any(p.search(wrong) for p in WRONG_DE.values())
    assert not any(p.search(right) for p in WRONG_DE.values())


def test_no_country_named_after_de_without_its_article():
    bad = [(source, text) for source, text in TEXTS for p in WRONG_DE.values() if p.search(text)]
    assert bad == [], bad[:5]


def test_the_referral_card_names_the_country_with_its_article():
    from reintegra.ui.referral import M as UI

    for code in ("DE", "NE", "NL", "QA", "IT"):
        text = UI("card_profile_male", "fr", name="Karim", last="B.", sex="homme", age=26,
                  country_from=country_from(code, "fr"), date="18/05/2026", town="Nador", region="L’Oriental")
        assert f"Rentré {country_from(code, 'fr')} le" in text
        assert not any(p.search(text) for p in WRONG_DE.values())
