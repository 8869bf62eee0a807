"""Gap analysis: regions × categories, need against supply, and its chart."""
import matplotlib
import pandas as pd
import pytest

from reintegra import gaps
from reintegra.maps import figure_texts, to_png

REGIONS = pd.DataFrame({
    "region_id": ["MA-04", "MA-08"], "name_en": ["Rabat-Sale-Kenitra", "Draa-Tafilalet"],
    "name_fr": ["Rabat-Salé-Kénitra", "Drâa-Tafilalet"],
})


def services():
    return pd.DataFrame([
        {"service_id": "S1", "region_id": "MA-04", "category": "health", "capacity_per_month": 10, "current_load": 8},
        {"service_id": "S2", "region_id": "MA-04", "category": "health", "capacity_per_month": 5, "current_load": 9},
        {"service_id": "S3", "region_id": "MA-04", "category": "job_placement", "capacity_per_month": 20, "current_load": 5},
        {"service_id": "S4", "region_id": "MA-08", "category": "education", "capacity_per_month": 3, "current_load": 0},
    ])


def needs():
    rows = [("C1", "MA-04", "health"), ("C2", "MA-04", "health"), ("C3", "MA-04", "health"),
            ("C4", "MA-04", "job_placement"), ("C5", "MA-08", "housing"), ("C6", "MA-08", "housing")]
    return pd.DataFrame(rows, columns=["case_id", "region_id", "category"])


def cell(table, region, category):
    return table[(table["region_id"] == region) & (table["category"] == category)].iloc[0]


def test_statuses_compare_need_with_places_left():
    table = gaps.gap_table(services(), regions=REGIONS, needs=needs())
    assert len(table) == 2 * 11
    health = cell(table, "MA-04", "health")
    assert (health["need"], health["services"], health["capacity"], health["places"]) == (3, 2, 15, 2)  # 2 + max(0, -4)
    assert health["status"] == "short"
    assert cell(table, "MA-04", "job_placement")["status"] == "covered"
    housing = cell(table, "MA-08", "housing")
    assert (housing["need"], housing["services"], housing["status"]) == (2, 0, "missing")
    assert cell(table, "MA-08", "education")["status"] == "no_need"
    assert gaps.counts(table) == {"missing": 1, "short": 1, "covered": 1, "no_need": 19}


def test_capacity_measure_for_planning():
    table = gaps.gap_table(services(), regions=REGIONS, needs=needs(), measure="capacity")
    assert cell(table, "MA-04", "health")["status"] == "covered"  # 15 places a month for 3 cases
    with pytest.raises(ValueError):
        gaps.gap_table(services(), regions=REGIONS, needs=needs(), measure="beds")


def test_matrix_and_readable_table_are_labelled_in_the_language():
    table = gaps.gap_table(services(), regions=REGIONS, needs=needs())
    matrix = gaps.gap_matrix(table, "status", REGIONS, "fr")
    assert matrix.loc["Drâa-Tafilalet", "Logement et hébergement"] == "manquant"
    assert matrix.loc["Rabat-Salé-Kénitra", "Soins de santé"] == "insuffisant"
    numbers = gaps.gap_matrix(table, "need", REGIONS, "en")
    assert numbers.loc["Rabat-Sale-Kenitra", "Health care"] == 3
    readable = gaps.readable_table(table, REGIONS, "en")
    assert list(readable.columns) == ["Region", "Service category", "Open cases needing it", "Services",
                                      "Places left this month", "Status"]
    assert list(readable["Status"]) == ["✘ missing", "! short"]
    assert gaps.summary(table, "fr") == ("1\u00a0couple région-catégorie a des dossiers dans le besoin et aucun service\u00a0; "
                                         "1 manque de places.")


def test_needs_come_from_the_open_cases_priority_needs():
    cases = pd.DataFrame([
        {"case_id": "C1", "region_id": "MA-04", "case_status": "open", "age": 40, "sex": "male",
         "vulnerabilities": "serious_health_condition", "documents": "cnie", "languages": "darija", "lat": 34.0, "lon": -6.8},
        {"case_id": "C2", "region_id": "MA-04", "case_status": "closed", "age": 40, "sex": "male",
         "vulnerabilities": "serious_health_condition", "documents": "cnie", "languages": "darija", "lat": 34.0, "lon": -6.8},
    ])
    found = gaps.needs_by_region(cases)
    assert list(found["case_id"]) == ["C1"] and list(found["category"]) == ["health"]


def test_heatmap_prints_values_symbols_and_legend_in_both_languages():
    table = gaps.gap_table(services(), regions=REGIONS, needs=needs())
    for lang, words in (("en", ("Health care", "Covered: enough places", "Rabat-Sale-Kenitra")),
                        ("fr", ("Soins de santé", "Couvert\u00a0: assez de places", "Drâa-Tafilalet"))):
        fig = gaps.gap_heatmap(table, REGIONS, lang)
        texts = figure_texts(fig)
        joined = "\n".join(texts)
        assert "! 3/2" in texts and "✘ 2/0" in texts and "✔ 1/15" in texts
        for word in words:
            assert word in joined
        assert fig.alt_text == gaps.M("alt", lang, regions=2, categories=11, missing=gaps.M.n("alt_missing", 1, lang),
                                     short=gaps.M.n("alt_short", 1, lang), covered=gaps.M.n("alt_covered", 1, lang))
        assert ("1 cell covered." if lang == "en" else "1\u00a0case couverte.") in fig.alt_text
        png = to_png(fig)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert matplotlib.pyplot.get_fignums() == []


def test_course_data_shows_gaps_in_remote_regions():
    from reintegra.loader import load_assessments, load_cases, load_regions, load_services

    table = gaps.gap_table(load_services(), load_cases(), load_assessments(), load_regions())
    c = gaps.counts(table)
    assert c["missing"] > 0 and c["covered"] > c["missing"]
    remote = set(load_regions().query("remote")["region_id"])
    missing = table[table["status"] == "missing"]
    assert missing["region_id"].isin(remote).mean() > 0.5  # services are scarcer in remote regions


ALL_REGIONS = pd.DataFrame({
    "region_id": ["MA-04", "MA-11", "MA-12"],
    "name_en": ["Rabat-Sale-Kenitra", "Laayoune-Sakia El Hamra", "Dakhla-Oued Ed-Dahab"],
    "name_fr": ["Rabat-Salé-Kénitra", "Laâyoune-Sakia El Hamra", "Dakhla-Oued Ed-Dahab"],
})


@pytest.mark.parametrize("lang,note", [
    ("en", "do not imply official endorsement or acceptance by the authors of this course."),
    ("fr", "n’impliquent pas l’approbation ou l’acceptation officielles des auteurs de ce cours."),
])
def test_laayoune_and_dakhla_carry_the_same_note_wherever_they_appear(lang, note):
    rows = [("C1", "MA-11", "housing"), ("C2", "MA-12", "health"), ("C3", "MA-04", "housing")]
    table = gaps.gap_table(services(), regions=ALL_REGIONS, needs=pd.DataFrame(rows, columns=["case_id", "region_id", "category"]))
    names = {r: gaps.region_name(r, ALL_REGIONS, lang, mark=True) for r in ALL_REGIONS["region_id"]}
    assert names["MA-11"].endswith("\u00a0*") and names["MA-12"].endswith("\u00a0*")
    assert not names["MA-04"].endswith("*")
    fig = gaps.gap_heatmap(table, ALL_REGIONS, lang)
    texts = figure_texts(fig)
    assert names["MA-11"] in texts and names["MA-12"] in texts
    assert sum(note in t for t in texts) == 1 and note in fig.alt_text
    to_png(fig)
    readable = gaps.readable_table(table, ALL_REGIONS, lang)
    assert set(readable.iloc[:, 0]) >= {names["MA-11"], names["MA-12"]}
    assert note in readable.attrs["note"]
    matrix = gaps.gap_matrix(table, "status", ALL_REGIONS, lang)
    assert names["MA-11"] in matrix.index and note in matrix.attrs["note"]
    # a view without those regions has no asterisk and no note
    only_rabat = table[table["region_id"] == "MA-04"]
    assert "note" not in gaps.readable_table(only_rabat, ALL_REGIONS, lang).attrs
    assert not any(note in t for t in figure_texts(gaps.gap_heatmap(only_rabat, ALL_REGIONS, lang)))
