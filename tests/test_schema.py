"""The schema: committed data validates; corrupted data fails with located errors;
the instrument is well-formed; the vocabularies speak both languages."""
from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest

from reintegra.i18n import all_messages
from reintegra.loader import load_instrument, read_table
from reintegra.paths import reference_datasets_dir
from reintegra.schema import (
    FOREIGN_KEYS,
    PRIMARY_KEYS,
    TABLE_ORDER,
    VOCABULARIES,
    build_datapackage,
    code_for,
    label,
    labels,
    load_datapackage,
    split_codes,
    validate_package,
    validate_table,
)

DATA = reference_datasets_dir()
FRENCH_PUNCT = re.compile(r"[^\u00a0\u202f]([;:!?»])|«[^\u00a0\u202f]")


def test_committed_data_validates():
    report = validate_package(DATA)
    assert set(report) == set(TABLE_ORDER)
    for table, problems in report.items():
        assert problems == [], (table, [p.message("en") for p in problems[:5]])


def test_typed_frames_validate_too():
    for table in TABLE_ORDER:
        assert validate_table(read_table(table, DATA), table) == [], table


def test_datapackage_describes_every_table_and_key():
    package = load_datapackage(DATA)
    assert package == json.loads(json.dumps(build_datapackage(load_instrument(DATA / "instrument.json"))))
    names = [r["name"] for r in package["resources"]]
    assert names == list(TABLE_ORDER)
    by_name = {r["name"]: r for r in package["resources"]}
    for resource in package["resources"]:
        schema = resource["schema"]
        fields = {f["name"]: f for f in schema["fields"]}
        assert schema["primaryKey"] == [PRIMARY_KEYS[resource["name"]]]
        assert fields[schema["primaryKey"][0]]["constraints"]["unique"] is True
        header = pd.read_csv(DATA / resource["path"], nrows=0).columns.tolist()
        assert header == list(fields), resource["name"]
        for field in schema["fields"]:
            assert field["titles"]["en"] and field["titles"]["fr"]
            assert field["descriptions"]["en"] and field["descriptions"]["fr"]
            assert field["type"] in {"string", "integer", "number", "boolean", "date", "list"}
        for fk in schema.get("foreignKeys", []):
            target = by_name[fk["reference"]["resource"]]
            assert fk["reference"]["fields"][0] in [f["name"] for f in target["schema"]["fields"]]
    assert {r: len(by_name[r]["schema"].get("foreignKeys", [])) for r in FOREIGN_KEYS} == \
        {r: len(v) for r, v in FOREIGN_KEYS.items()}


@pytest.fixture()
def corrupted(tmp_path):
    """A copy of the data package with a trainer-like mistake in every table."""
    folder = tmp_path / "datasets"
    shutil.copytree(DATA, folder)
    frames = {t: pd.read_csv(folder / f"{t}.csv", dtype=str, keep_default_na=False) for t in TABLE_ORDER}
    cases = frames["cases"]
    cases.loc[3, "sex"] = "unknown"  # row 5
    cases.loc[4, "age"] = "abc"  # row 6
    cases.loc[5, "languages"] = "darija;klingon"  # row 7
    cases.loc[6, "phone"] = "+212 6 61 23 45 67"  # row 8: a real-looking number
    cases.loc[7, "return_date"] = "31/02/2025"  # row 9
    services = frames["services"]
    services.loc[8, ["lat", "lon"]] = services.loc[8, ["lon", "lat"]].to_numpy()  # row 10: swapped
    services.loc[9, "service_id"] = services.loc[0, "service_id"]  # row 11: duplicate of row 2
    services.loc[10, "capacity_per_month"] = "-5"  # row 12
    services.loc[11, "email"] = "someone@gmail.com"  # row 13
    assessments = frames["assessments"]
    assessments.loc[0, "eco_income"] = "lots"  # row 2
    assessments.loc[1, "wave"] = "5"  # row 3
    referrals = frames["referrals"]
    referrals.loc[0, "service_id"] = "S99999"  # row 2: no such service
    referrals.loc[1, "consent_recorded"] = "maybe"  # row 3
    regions = frames["regions"]
    regions = regions.drop(columns=["remote"])
    frames["regions"] = regions
    for t, frame in frames.items():
        frame.to_csv(folder / f"{t}.csv", index=False, lineterminator="\n")
    return folder


def test_corrupted_copy_fails_with_located_errors(corrupted):
    report = validate_package(corrupted)
    found = {(t, p.code, p.row, p.column) for t, problems in report.items() for p in problems}
    expected = {
        ("cases", "unknown_category", 5, "sex"),
        ("cases", "bad_number", 6, "age"),
        ("cases", "unknown_category", 7, "languages"),
        ("cases", "bad_format", 8, "phone"),
        ("cases", "bad_date", 9, "return_date"),
        ("services", "swapped_coordinates", 10, "lat"),
        ("services", "duplicate_id", 11, "service_id"),
        ("services", "out_of_range", 12, "capacity_per_month"),
        ("services", "bad_format", 13, "email"),
        ("assessments", "unknown_category", 2, "eco_income"),
        ("assessments", "unknown_category", 3, "wave"),
        ("referrals", "foreign_key", 2, "service_id"),
        ("referrals", "bad_boolean", 3, "consent_recorded"),
        ("regions", "missing_column", 1, None),
    }
    assert expected <= found, expected - found
    # and nothing else, but the consequence of the duplicate: the overwritten service
    # (row 11's old id) has disappeared, so its referrals no longer match a service
    lost = pd.read_csv(DATA / "services.csv", dtype=str).loc[9, "service_id"]
    consequences = {f for f in found - expected if f[:2] == ("referrals", "foreign_key")}
    assert all(report_value == lost for report_value in
               {p.value for p in report["referrals"] if (("referrals",) + (p.code, p.row, p.column)) in consequences})
    assert found - expected == consequences
    for problems in report.values():
        for p in problems:
            en, fr = p.message("en"), p.message("fr")
            assert en and fr and en != fr
            if p.row is not None:
                assert str(p.row) in en and str(p.row) in fr
            assert "{" not in en + fr
            assert not FRENCH_PUNCT.search(fr.replace("(", " (")), fr


def test_duplicate_message_points_to_the_first_row(corrupted):
    problems = validate_package(corrupted)["services"]
    dup = next(p for p in problems if p.code == "duplicate_id")
    assert "row 2" in dup.message("en") and "ligne 2" in dup.message("fr")


# ---------------------------------------------------------------------------
# The instrument (illustrative, swappable)


@pytest.fixture(scope="module")
def instrument() -> dict:
    return load_instrument(DATA / "instrument.json")


def _french_texts(obj):
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key == "fr" and isinstance(value, str):
                yield value
            else:
                yield from _french_texts(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _french_texts(value)


def test_instrument_is_marked_illustrative(instrument):
    assert instrument["illustrative"] is True
    assert "ILLUSTRATIVE" in instrument["notice"]["en"] and "ILLUSTRATIF" in instrument["notice"]["fr"]


def test_instrument_items_weights_and_scores(instrument):
    dims = [d["id"] for d in instrument["dimensions"]]
    assert dims == ["economic", "social", "psychosocial"]
    items = instrument["items"]
    assert 13 <= len(items) <= 17
    assert len({i["id"] for i in items}) == len(items)
    for dim in dims:
        members = [i for i in items if i["dimension"] == dim]
        assert len(members) >= instrument["min_answers_per_dimension"]
        assert sum(i["weight"] for i in members) == pytest.approx(1.0)
    for item in items:
        assert item["text"]["en"] and item["text"]["fr"] and item["dimension"] in dims
        codes = [o["code"] for o in item["options"]]
        assert len(set(codes)) == len(codes) >= 2
        scores = [o["score"] for o in item["options"] if o["score"] is not None]
        assert all(0 <= s <= 1 for s in scores) and min(scores) == 0 and max(scores) == 1
        assert scores == sorted(scores), item["id"]  # options listed from worst to best
    assert sum(instrument["composite_weights"].values()) == pytest.approx(1.0)
    assert set(instrument["composite_weights"]) == set(dims)


def test_instrument_bands_cover_the_scale(instrument):
    bands = instrument["bands"]
    assert bands[0]["min"] == 0 and bands[-1]["max"] == 1
    for a, b in zip(bands, bands[1:]):
        assert a["max"] == b["min"]
    for band in bands:
        assert band["label"]["en"] and band["label"]["fr"]


def test_instrument_screening_raises_flags_with_actions(instrument):
    screening = instrument["screening"]
    assert len(screening) >= 3
    flags = {q["flag"]["code"] for q in screening}
    assert {"urgent_medical", "protection_concern"} <= flags
    for q in screening:
        codes = {o["code"] for o in q["options"]}
        assert set(q["flag"]["raised_by"]) <= codes
        # a flag has its own action, or names a safety protocol whose summary is its action
        action = q["flag"].get("action")
        if q["flag"].get("protocol"):
            from reintegra import safety
            action = safety.summary_texts(q["flag"]["protocol"])
        assert action["en"] and action["fr"]


def test_instrument_french_typography(instrument):
    for text in _french_texts(instrument):
        assert not FRENCH_PUNCT.search(text), text


def test_assessment_answers_use_the_instrument_codes(instrument):
    a = read_table("assessments", DATA)
    for item in instrument["items"] + instrument["screening"]:
        codes = {o["code"] for o in item["options"]}
        assert set(a[item["id"]].dropna()) <= codes, item["id"]


# ---------------------------------------------------------------------------
# Vocabularies


def test_every_code_has_labels_in_both_languages():
    for vocab, codes in VOCABULARIES.items():
        en, fr = labels(vocab, "en"), labels(vocab, "fr")
        assert list(en) == list(codes) == list(fr)
        for code in codes:
            assert en[code] and fr[code]
            assert re.fullmatch(r"[a-z0-9_]+|[A-Z]{2}", code), code
            assert not FRENCH_PUNCT.search(fr[code]), fr[code]


def test_labels_map_back_to_codes():
    for vocab, codes in VOCABULARIES.items():
        for code in codes:
            for lang in ("en", "fr"):
                assert code_for(vocab, label(vocab, code, lang)) == code, (vocab, code, lang)
    assert code_for("service_category", "SANTÉ MENTALE ET SOUTIEN PSYCHOSOCIAL") == "mental_health_psychosocial"
    assert code_for("provider_type", "ONG") == "ngo"
    assert code_for("sex", "H") == "male"
    assert code_for("service_category", "something else") is None


def test_french_messages_of_the_data_layer_follow_french_typography():
    mine = [m for m in all_messages() if m.key.startswith("data.")]
    assert len(mine) > 200
    for m in mine:
        assert m.en and m.fr, m.key
        assert not FRENCH_PUNCT.search(m.fr), (m.key, m.fr)


def test_split_codes():
    assert split_codes("darija;french") == ["darija", "french"]
    assert split_codes("") == [] and split_codes(None) == [] and split_codes(float("nan")) == []
