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
    "services_fr_excel_export.csv": ("services", True, {("encoding_cp1252", None, None)}),
    "services_en_utf8_bom.csv": ("services", True, set()),
    "services_unicode_text.txt": ("services", True, set()),
    "services_fr_headers.xlsx": ("services", True, set()),
    "cases_fr_export.csv": ("cases", True, {("coords_column_from_town", None, None),
                                            ("encoding_cp1252", None, None)}),
    "services_utf8_one_bad_byte.csv": ("services", False, {("invalid_bytes", 6, "Prestataire")}),
    "services_ambiguous_separators.csv": ("services", False, {
        ("ambiguous_number", 2, "Capacité mensuelle"),
        ("number_read_as", 3, "Capacité mensuelle"),
        ("ambiguous_number", 5, "Tarif (MAD)")}),
    "services_short_row.csv": ("services", False, {("short_row", 4, None)}),
    "services_region_variants.csv": ("services", False, {
        ("region_read_as", 2, "Région"),
        ("region_read_as", 3, "Région"),
        ("unknown_category_suggest", 4, "Région")}),
    "services_real_personal_data.csv": ("services", True, {
        ("personal_email", None, "Courriel"),
        ("personal_phone", None, "Téléphone")}),
    "services_formula_no_value.xlsx": ("services", False, {
        ("formula_no_value", 3, "Capacité mensuelle"),
        ("formula_no_value", 4, "Délai d'attente (jours)")}),
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
    assert "disk on fire" in result.problems[0].message("en")
    french = result.problems[0].message("fr")
    assert "disk on fire" not in french and "RuntimeError" not in french and "erreur inattendue" in french


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


# ----- data that used to be misread silently


def test_one_invalid_byte_names_its_cell_and_the_rest_stays_utf8():
    data = (BAD / "services_utf8_one_bad_byte.csv").read_bytes()
    text, how = loader._decode(data, "text")
    assert how == "utf-8-invalid"
    assert "Béni Mellal" in text and "BÃ©ni" not in text  # never a whole-file cp1252 decoding
    result = load_file(data, "services", filename="x.csv")
    (error,) = result.errors
    assert (error.code, error.row, error.column) == ("invalid_bytes", 6, "Prestataire")
    assert "UTF-8" in error.message("en") and "UTF-8" in error.message("fr")
    fixed = load_file(data.replace(b"\xe9tat", "état".encode()), "services", filename="x.csv")
    assert fixed.ok and fixed.data.iloc[1]["town"] == "Béni Mellal" and fixed.problems == []


def test_a_file_with_no_utf8_is_read_as_windows_1252_and_says_so():
    result = load_file(BAD / "services_fr_excel_export.csv", "services")
    assert result.ok and result.data.iloc[2]["provider_name"].startswith("Association Cœur")
    (note,) = [p for p in result.problems if p.code == "encoding_cp1252"]
    assert note.severity == "warning" and "Windows-1252" in note.message("fr")


def test_ambiguous_separators_get_a_question_not_a_guess():
    result = load_file(BAD / "services_ambiguous_separators.csv", "services")
    assert not result.ok and result.data is None
    capacity = next(p for p in result.errors if p.row == 2)
    assert "could mean 1000" in capacity.message("en") and "or 1 (a decimal separator)" in capacity.message("en")
    assert "Lequel des deux\u00a0?" in capacity.message("fr")
    fixed = (BAD / "services_ambiguous_separators.csv").read_bytes().replace(b";1,000;", b";1000;")
    fixed = fixed.replace(b";1.000;", b";1000;")
    loaded = load_file(fixed, "services", filename="x.csv")
    assert loaded.ok, loaded.report("en")
    assert list(loaded.data["capacity_per_month"][:2]) == [1000, 1500] and loaded.data.iloc[3]["fee_mad"] == 1000


@pytest.mark.parametrize("text, spec_name, expected", [
    ("34,681", "lat", 34.681),  # a latitude of 34681 is impossible: a decimal comma, no question
    ("1 000", "capacity_per_month", 1000), ("1.000,5", "lat", None), ("1,250", "lat", None),
])
def test_only_really_ambiguous_separators_are_questioned(text, spec_name, expected):
    from reintegra.schema import TABLES, parse_cell
    spec = next(s for s in TABLES["services"] if s.name == spec_name)
    value, error = parse_cell(text, spec, lenient=True)
    if expected is None:
        assert error is not None and error.code != "ambiguous_number"
    else:
        assert error is None and float(value) == expected


def test_xlsx_formula_without_value_is_named():
    result = load_file(BAD / "services_formula_no_value.xlsx", "services")
    messages = [p.message("en") for p in result.errors]
    assert all("formula without a value: open and save the file in Excel" in m for m in messages)
    assert not any(p.code == "missing_value" for p in result.problems)


def test_a_damaged_workbook_is_explained_in_french_without_english():
    buffer = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("xl/workbook.xml", "not a workbook")
    result = load_file(buffer.getvalue(), "services", filename="x.xlsx")
    (problem,) = result.problems
    assert problem.code == "damaged_workbook"
    french = problem.message("fr")
    assert "Excel" in french and "Error" not in french and "workbook part" not in french


def test_a_region_written_freely_is_read_or_suggested():
    from reintegra.loader import region_for
    assert region_for("Oriental region") == ("MA-02", "read")
    assert region_for("région de Souss") == ("MA-09", "read")
    assert region_for("Casablanca-Settat") == ("MA-06", "exact")
    assert region_for("Marakech Safi") == ("MA-07", "suggest")
    assert region_for("Sport") == (None, "")
    result = load_file(BAD / "services_region_variants.csv", "services")
    suggestion = next(p for p in result.errors if p.row == 4)
    assert "Marrakesh-Safi" in suggestion.message("en") and "Marrakech-Safi" in suggestion.message("fr")


def test_real_looking_personal_data_is_warned_about_in_both_languages():
    from reintegra.schema import looks_real_email, looks_real_phone
    assert looks_real_phone("+212 6 61 23 45 67") and looks_real_phone("0661234567")
    assert not looks_real_phone("+212 5 00 01 23 45") and not looks_real_phone("")
    assert looks_real_email("a.b@gmail.com") and not looks_real_email("tafat@example.org")
    result = load_file(BAD / "services_real_personal_data.csv", "services")
    assert result.ok
    notes = {p.code: p for p in result.warnings}
    assert "synthetic data only" in notes["personal_email"].message("en")
    assert "données synthétiques" in notes["personal_phone"].message("fr")
    assert "ligne 5" in notes["personal_phone"].message("fr")


def test_french_messages_localise_their_numbers():
    problem = Problem("outside_morocco", 4, "Latitude", None, details={"lat": "40.4168", "lon": "-3.7038"})
    assert "40,4168" in problem.message("fr") and "−3,7038" in problem.message("fr")
    assert "40.4168" in problem.message("en")
    big = Problem("too_big", details={"size": 12.5, "limit": 9})
    assert "12,5\u00a0Mo" in big.message("fr") and "12.5 MB" in big.message("en")


def test_plurals_are_right_in_both_languages():
    one_row = (BAD / "services_fr_excel_export.csv").read_bytes().split(b"\r\n")
    data = b"\r\n".join(one_row[:2]) + b"\r\n"
    result = load_file(data, "services", filename="x.csv")
    assert result.ok and len(result.data) == 1
    assert "1 row," in result.summary("en") and "1 warning " in result.summary("en")
    assert "1\u00a0ligne," in result.summary("fr") and "1\u00a0avertissement " in result.summary("fr")
    more = Problem("more_problems", None, "Ville", None, details={"count": 1})
    assert more.message("en").endswith("1 more problem of the same kind in this column is not listed.")
    assert "1\u00a0autre problème" in more.message("fr")


def test_a_file_over_the_limit_gets_a_message_not_a_silent_failure():
    data = (BAD / "services_fr_excel_export.csv").read_bytes()
    result = load_file(data + b" " * 2_000_000, "services", filename="big.csv", max_bytes=1_000_000)
    (problem,) = result.problems
    assert problem.code == "too_big" and "1 MB" in problem.message("en")
    assert loader.MAX_UPLOAD_MB < 10  # under the websocket's 10 MiB, which would drop the upload silently


def test_progress_is_reported_while_loading():
    seen = []
    result = load_file(BAD / "services_fr_excel_export.csv", "services", progress=lambda f, what="": seen.append(f))
    assert result.ok and seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 4


def test_a_large_directory_places_every_row(tmp_path):
    # place filling works on whole columns: towns without coordinates, regions left empty
    services = read_table("services", DATA)
    frame = pd.concat([services] * 20, ignore_index=True)
    frame["service_id"] = [f"S{i:06d}" for i in range(len(frame))]
    frame.loc[::2, ["lat", "lon"]] = None
    frame.loc[::3, "region_id"] = None
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    result = load_file(path, "services")
    assert result.ok, result.report("en")
    assert result.data["lat"].notna().all() and (result.data["region_id"] != "").all()
    same = result.data.iloc[1::2]
    pd.testing.assert_series_equal(same["lat"], services["lat"].iloc[[i % len(services) for i in range(1, len(frame), 2)]]
                                   .set_axis(same.index), check_names=False)


@pytest.mark.parametrize("empty_last_cells", [False, True])
def test_a_large_regular_csv_reads_the_same_by_the_fast_path(tmp_path, monkeypatch, empty_last_cells):
    from reintegra.bench import large_directory_csv
    path = large_directory_csv(tmp_path / "big.csv", rows=6000)
    if empty_last_cells:  # some records end with an empty cell: their cells are counted
        lines = path.read_bytes().split(b"\n")
        for k in range(5, len(lines) - 1, 7):
            lines[k] = lines[k].rsplit(b";", 1)[0] + b";"
        path.write_bytes(b"\n".join(lines))
    assert path.stat().st_size > loader.FAST_CSV_CHARS
    fast = load_file(path, "services")
    monkeypatch.setattr(loader, "FAST_CSV_CHARS", 10**12)
    slow = load_file(path, "services")
    assert fast.ok and slow.ok, fast.report("en")[:500]
    pd.testing.assert_frame_equal(fast.data, slow.data)
    assert fast.source_rows == slow.source_rows
    assert bool(fast.data["last_verified"].isna().any()) is empty_last_cells
    assert [p.as_dict("en") for p in fast.problems] == [p.as_dict("en") for p in slow.problems]


def test_a_large_csv_with_a_short_row_still_names_it(tmp_path):
    from reintegra.bench import large_directory_csv
    path = large_directory_csv(tmp_path / "big.csv", rows=6000)
    lines = path.read_bytes().split(b"\n")
    lines[100] = b";".join(lines[100].split(b";")[:4])
    lines.insert(50, b"")  # a blank line: the rows below keep their spreadsheet numbers
    path.write_bytes(b"\n".join(lines))
    result = load_file(path, "services")
    assert [(p.code, p.row) for p in result.errors] == [("short_row", 102)]
