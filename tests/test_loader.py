"""The "bring your own file" loader: every mistake in tests/bad_files gets a clear,
located message in English and in French; valid exports load; nothing raises;
the user's file is never changed."""
from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reintegra import loader
from reintegra.loader import LoadResult, load_file, read_table
from reintegra.paths import reference_datasets_dir
from reintegra.schema import Problem, _lenient_number_text

BAD = Path(__file__).resolve().parent / "bad_files"
DATA = reference_datasets_dir()
FRENCH_PUNCT = re.compile(r"[^\u00a0\u202f]([;:!?»])|«[^\u00a0\u202f]")

# file -> (table, loads?, the problems that must be reported: (code, row, column))
EXPECTED = {
    "services_fr_excel_export.csv": ("services", True, set()),
    "services_en_utf8_bom.csv": ("services", True, set()),
    "services_unicode_text.txt": ("services", True, set()),
    "services_fr_headers.xlsx": ("services", True, set()),
    "cases_fr_export.csv": ("cases", True, {("coords_column_from_town", None, None)}),
    "services_missing_column.csv": ("services", False, {("missing_column", 1, None)}),
    "services_unknown_category.csv": ("services", False, {
        ("unknown_category_suggest", 3, "Catégorie"),
        ("unknown_category", 4, "Catégorie"),
        ("unknown_category", 5, "Langues parlées")}),
    "services_bad_numbers.csv": ("services", False, {
        ("bad_number", 2, "Capacité mensuelle"),
        ("bad_number", 3, "Délai d'attente (jours)"),
        ("bad_number", 4, "Tarif (MAD)"),
        ("bad_number", 5, "Latitude")}),
    "services_duplicate_ids.csv": ("services", False, {
        ("duplicate_id", 5, "Code du service"),
        ("duplicate_id", 7, "Code du service")}),
    "services_coordinates_outside.csv": ("services", False, {
        ("swapped_coordinates", 2, "Latitude"),
        ("positive_longitude", 3, "Latitude"),
        ("outside_morocco", 4, "Latitude"),
        ("outside_morocco", 5, "Latitude")}),
    "services_empty.csv": ("services", False, {("empty_file", None, None)}),
    "services_header_only.csv": ("services", False, {("no_rows", None, None)}),
    "services_pdf_renamed.csv": ("services", False, {("not_a_table", None, None)}),
    "services_word_renamed.csv": ("services", False, {("not_a_table", None, None)}),
    "services_old_excel.xls": ("services", False, {("old_excel", None, None)}),
    "services_ragged.csv": ("services", False, {("ragged_row", 3, None)}),
    "services_errors.xlsx": ("services", False, {
        ("missing_value", 3, "Catégorie"),
        ("age_range", 5, "Âge minimum")}),
    "cases_with_mistakes.csv": ("cases", False, {
        ("unknown_category", 2, "Sexe"),
        ("bad_number", 3, "Âge"),
        ("duplicate_id", 4, "N° dossier"),
        ("unknown_category_suggest", 4, "Pays de retour"),
        ("missing_coordinates", 5, "Ville")}),
}


def test_every_bad_file_is_covered():
    files = {p.name for p in BAD.iterdir() if p.suffix not in (".py", ".md")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_gets_clear_located_messages_in_both_languages(name):
    table, loads, expected = EXPECTED[name]
    path = BAD / name
    before = hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mtime_ns
    result = load_file(path, table)
    after = hashlib.sha256(path.read_bytes()).hexdigest(), os.stat(path).st_mtime_ns
    assert before == after, "the user's file must never change"

    assert isinstance(result, LoadResult)
    assert result.ok is loads, result.report("en")
    assert (result.data is not None) is loads
    found = {(p.code, p.row, p.column) for p in result.problems}
    assert expected <= found, (expected - found, result.report("en"))
    if not loads:
        # every error is one we planted; nothing unexpected
        errors = {(p.code, p.row, p.column) for p in result.errors}
        assert errors <= expected, errors - expected
    for problem in result.problems:
        _check_message(problem)
    for lang in ("en", "fr"):
        assert result.summary(lang)
        assert result.report(lang).count("\n") == len(result.problems)
        assert len(result.report_frame(lang)) == len(result.problems)


def _check_message(problem: Problem) -> None:
    en, fr = problem.message("en"), problem.message("fr")
    assert en and fr and en != fr
    assert "{" not in en + fr and "None" not in en + fr
    assert "Traceback" not in en + fr
    if problem.row is not None:
        assert f"Row {problem.row}" in en and f"Ligne {problem.row}" in fr
    if problem.column:
        assert problem.column in en and problem.column in fr
    assert not FRENCH_PUNCT.search(fr), fr
    assert en[0].isupper() and fr[0].isupper()


def test_french_excel_export_is_read_correctly():
    result = load_file(BAD / "services_fr_excel_export.csv", "services")
    data = result.data
    assert result.ok and len(data) == 5
    first = data.iloc[0]
    assert first["category"] == "job_placement" and first["provider_type"] == "ngo"
    assert first["region_id"] == "MA-02" and first["town"] == "Oujda"
    assert first["lat"] == pytest.approx(34.6814) and first["lon"] == pytest.approx(-1.9086)
    assert first["languages"] == "darija;arabic;french" and first["documents_required"] == "cnie"
    assert first["last_verified"] == pd.Timestamp("2026-03-12")
    assert data.iloc[1]["capacity_per_month"] == 1200  # "1 200" with a no-break space
    assert data.iloc[2]["provider_name"].startswith("Association Cœur Ouvert")  # œ: Windows-1252
    assert data.iloc[2]["sex"] == "female"
    assert data.iloc[2]["vulnerability_focus"] == "psychological_distress"
    assert data.iloc[3]["cost"] == "fee" and data.iloc[3]["fee_mad"] == 1500
    assert data.iloc[3]["documents_required"] == "cnie;diploma"
    assert list(data.columns) == list(read_table("services", DATA).columns)


def test_the_same_table_from_csv_xlsx_and_utf16_gives_the_same_data():
    csv_data = load_file(BAD / "services_fr_excel_export.csv", "services").data
    xlsx_data = load_file(BAD / "services_fr_headers.xlsx", "services").data
    utf16 = load_file(BAD / "services_unicode_text.txt", "services").data
    pd.testing.assert_frame_equal(csv_data, xlsx_data, check_dtype=False)
    pd.testing.assert_frame_equal(csv_data.head(2), utf16, check_dtype=False)


def test_xlsx_rows_are_counted_as_in_excel():
    result = load_file(BAD / "services_fr_headers.xlsx", "services")
    assert result.source_rows == [4, 5, 6, 7, 8]  # a title row, a blank row, the header in row 3


def test_caseload_export_loads_with_coordinates_from_the_towns():
    result = load_file(BAD / "cases_fr_export.csv", "cases")
    data = result.data
    assert result.ok and len(data) == 3
    assert list(data["sex"]) == ["female", "male", "male"]
    assert list(data["assisted"]) == [True, True, False]
    assert data.iloc[0]["debt_mad"] == 12000 and data.iloc[0]["country_returned_from"] == "IT"
    assert data.iloc[1]["region_id"] == "MA-08" and data.iloc[1]["vulnerabilities"] == "psychological_distress"
    assert data.iloc[2]["region_id"] == "MA-05"  # deduced from the town
    assert data.iloc[2]["documents"] == "cnie;passport"
    assert data["lat"].notna().all()


def test_the_committed_tables_load_through_the_loader_unchanged():
    for table in ("services", "cases"):
        result = load_file(DATA / f"{table}.csv", table)
        assert result.ok and result.problems == []
        pd.testing.assert_frame_equal(result.data, read_table(table, DATA))


def test_bytes_and_file_objects_are_accepted():
    data = (BAD / "services_fr_excel_export.csv").read_bytes()
    from_bytes = load_file(data, "services", filename="mes services.csv")
    from_stream = load_file(io.BytesIO(data), "services")
    assert from_bytes.ok and from_stream.ok and from_bytes.name == "mes services.csv"
    pd.testing.assert_frame_equal(from_bytes.data, from_stream.data)


def test_an_unexpected_failure_becomes_a_message(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(loader, "_load_bytes", boom)
    result = load_file(BAD / "services_fr_excel_export.csv", "services")
    assert not result.ok and [p.code for p in result.problems] == ["unreadable"]
    assert "disk on fire" in result.problems[0].message("fr")


def test_missing_file_and_unknown_table_are_reported():
    missing = load_file(BAD / "no_such_file.csv", "services")
    assert not missing.ok and missing.problems[0].code == "unreadable"
    wrong = load_file(BAD / "services_fr_excel_export.csv", "referrals")
    assert not wrong.ok and wrong.problems[0].code == "unknown_table"


@pytest.mark.parametrize("text, expected", [
    ("12", "12"), ("12,5", "12.5"), ("-1,9086", "-1.9086"), ("1\u00a0200", "1200"),
    ("1 200,50", "1200.50"), ("1.200,50", "1200.50"), ("1,200.50", "1200.50"), ("−5", "-5"),
    ("12 km", None), ("douze", None), ("200 DH", None), ("34°41'N", None), ("", None),
])
def test_numbers_written_the_french_or_english_way(text, expected):
    assert _lenient_number_text(text) == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data):
    result = load_file(data, "services", filename="x.csv")
    assert isinstance(result, LoadResult)
    if not result.ok:
        assert result.problems and all(p.message("fr") for p in result.problems)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.text(max_size=12), min_size=1, max_size=8), min_size=1, max_size=6),
       st.sampled_from([",", ";", "\t"]))
def test_random_tables_never_raise(rows, sep):
    header = "Code du service;Prestataire;Catégorie;Ville;Latitude;Longitude".replace(";", sep)
    text = header + "\n" + "\n".join(sep.join(r) for r in rows)
    result = load_file(text.encode("utf-8"), "services", filename="x.csv")
    assert isinstance(result, LoadResult)
    for problem in result.problems:
        assert problem.message("en") and problem.message("fr")
