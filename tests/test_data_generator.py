"""The synthetic data: reproducible, inside Morocco, fictional contacts, and the
correlations the data card promises actually hold."""
from __future__ import annotations

import json
import re
import time

import numpy as np
import pandas as pd
import pytest
from matplotlib.path import Path as MplPath

from reintegra.loader import load_instrument, read_table
from reintegra.paths import reference_datasets_dir
from reintegra.schema import TABLE_ORDER, VOCABULARIES, table_fields
from reintegra.synth import DEFAULT_CASES, DEFAULT_SEED, DEFAULT_SERVICES, build, cli_data, generate
from reintegra.synth import reference as ref

DATA = reference_datasets_dir()
REFERENCE_DATE = pd.Timestamp(ref.REFERENCE_DATE)
GENERATED = [f"{t}.csv" for t in TABLE_ORDER] + ["datapackage.json"]


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {t: read_table(t, DATA) for t in TABLE_ORDER}


@pytest.fixture(scope="module")
def raw() -> dict[str, pd.DataFrame]:
    return {t: pd.read_csv(DATA / f"{t}.csv", dtype=str, keep_default_na=False) for t in TABLE_ORDER}


# ---------------------------------------------------------------------------
# Reproducibility


def test_regenerating_gives_byte_identical_files(tmp_path):
    info = build(tmp_path, DEFAULT_SEED, DEFAULT_CASES, DEFAULT_SERVICES, DATA / "instrument.json")
    assert info["rows"]["cases"] == DEFAULT_CASES
    for name in GENERATED:
        fresh = (tmp_path / name).read_bytes()
        committed = (DATA / name).read_bytes()
        assert fresh == committed, f"{name} differs from the generator's output: run `python -m reintegra.synth`"


def test_cli_check_agrees_with_committed_files(capsys):
    assert cli_data(["--check", "--quiet"]) == 0


def test_default_set_is_generated_fast():
    instrument = load_instrument(DATA / "instrument.json")
    start = time.perf_counter()
    generate(DEFAULT_SEED, DEFAULT_CASES, DEFAULT_SERVICES, instrument)
    assert time.perf_counter() - start < 5.0


def test_seed_changes_the_data_and_streams_are_independent():
    instrument = load_instrument(DATA / "instrument.json")
    a = generate(1, 50, 30, instrument)
    b = generate(2, 50, 30, instrument)
    c = generate(1, 50, 60, instrument)
    assert not a["cases"].equals(b["cases"])
    # the number of services does not change the cases nor their assessments
    pd.testing.assert_frame_equal(a["cases"], c["cases"])
    pd.testing.assert_frame_equal(a["assessments"], c["assessments"])


def test_committed_set_is_small():
    total = sum((DATA / name).stat().st_size for name in GENERATED)
    assert total < 800_000


# ---------------------------------------------------------------------------
# Every coordinate lies inside Morocco (independent point-in-polygon: matplotlib)


def _morocco_paths() -> list[MplPath]:
    outline = json.loads((DATA / "maghreb-50m.geojson").read_text(encoding="utf-8"))
    paths = []
    for feature in outline["features"]:
        if feature["properties"]["name"] not in ("Morocco", "W. Sahara"):
            continue
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for polygon in polygons:
            paths.append(MplPath(np.asarray(polygon[0])))
    assert len(paths) >= 2
    return paths


def _inside(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    points = np.column_stack([lon, lat])
    hit = np.zeros(len(points), dtype=bool)
    for path in _morocco_paths():
        hit |= path.contains_points(points)
    return hit


@pytest.mark.parametrize("table, lat, lon", [("regions", "seat_lat", "seat_lon"), ("cases", "lat", "lon"),
                                             ("services", "lat", "lon")])
def test_every_coordinate_is_inside_morocco(tables, table, lat, lon):
    frame = tables[table]
    inside = _inside(frame[lat].to_numpy(float), frame[lon].to_numpy(float))
    assert inside.all(), frame.loc[~inside, [lat, lon]].head()


def test_reference_towns_are_inside_morocco():
    lat = np.array([t.lat for t in ref.TOWNS])
    lon = np.array([t.lon for t in ref.TOWNS])
    assert _inside(lat, lon).all()
    assert {t.region_id for t in ref.TOWNS} == {r.region_id for r in ref.REGIONS}


def test_outside_points_are_outside():
    # Madrid, Algiers, Nouakchott, the Atlantic off Casablanca, Las Palmas (Canary Islands)
    lat = np.array([40.42, 36.75, 18.08, 33.6, 28.1])
    lon = np.array([-3.70, 3.06, -15.98, -8.5, -15.43])
    assert not _inside(lat, lon).any()


# ---------------------------------------------------------------------------
# Fictional contacts only: scan every cell of every table

PHONE_LIKE = re.compile(r"(?:\+|\b00)\d[\d .\-/()]{6,}\d|\b0[5-7](?:[ .\-]?\d){8}\b")
EMAIL_LIKE = re.compile(r"[^\s,;:<>()\[\]\"']+@[^\s,;:<>()\[\]\"']+")


def test_no_phone_or_email_outside_the_fictional_ranges(raw):
    phones = emails = 0
    for name, frame in raw.items():
        for column in frame.columns:
            for row, cell in enumerate(frame[column], start=2):
                for match in PHONE_LIKE.findall(cell):
                    phones += 1
                    assert re.fullmatch(ref.PHONE_PATTERN, match.strip()), (name, row, column, match)
                for match in EMAIL_LIKE.findall(cell):
                    emails += 1
                    assert re.fullmatch(ref.EMAIL_PATTERN, match), (name, row, column, match)
    assert phones > 900 and emails > 400  # the scan did find the contact columns


def test_contacts_are_in_the_fictional_ranges(tables):
    for name in ("cases", "services"):
        phones = tables[name]["phone"].dropna()
        assert phones.str.fullmatch(ref.PHONE_PATTERN).all()
        emails = tables[name]["email"].dropna()
        assert emails.str.fullmatch(ref.EMAIL_PATTERN).all()
    assert tables["services"]["phone"].notna().all()


def test_names_come_from_the_fictional_lists(tables):
    cases = tables["cases"]
    first = set(ref.MALE_FIRST_NAMES) | set(ref.FEMALE_FIRST_NAMES)
    assert cases["first_name"].isin(first).all()
    assert cases["last_name"].isin(ref.LAST_NAMES).all()
    women = cases["sex"] == "female"
    assert cases.loc[women, "first_name"].isin(ref.FEMALE_FIRST_NAMES).all()
    assert cases.loc[~women, "first_name"].isin(ref.MALE_FIRST_NAMES).all()


# ---------------------------------------------------------------------------
# Internal consistency


def test_dates_are_consistent(tables):
    cases, assess, refs, services = (tables[t] for t in ("cases", "assessments", "referrals", "services"))
    assert cases["return_date"].max() <= REFERENCE_DATE
    merged = assess.merge(cases[["case_id", "return_date", "closure_date"]], on="case_id")
    assert (merged["assessment_date"] > merged["return_date"]).all()
    assert (merged["assessment_date"] <= REFERENCE_DATE).all()
    closed = merged["closure_date"].notna()
    assert (merged.loc[closed, "assessment_date"] <= merged.loc[closed, "closure_date"]).all()
    ordered = assess.sort_values(["case_id", "wave"])
    assert (ordered.groupby("case_id")["assessment_date"].diff().dropna() > pd.Timedelta(0)).all()
    assert (cases["closure_date"].dropna() <= REFERENCE_DATE).all()
    assert ((cases["case_status"] == "closed") == cases["closure_date"].notna()).all()
    r = refs.merge(cases[["case_id", "return_date"]], on="case_id")
    assert (r["referral_date"] > r["return_date"]).all()
    assert (r["referral_date"] < REFERENCE_DATE).all()
    sent = r["status"] == "sent"
    assert r.loc[sent, "status_date"].isna().all()
    assert (r.loc[~sent, "status_date"] >= r.loc[~sent, "referral_date"]).all()
    assert (services["last_verified"] <= REFERENCE_DATE).all()


def test_profiles_are_consistent(tables):
    cases = tables["cases"]
    older = cases["vulnerabilities"].str.contains("older_person")
    assert (older == (cases["age"] >= 60)).all()
    assert ((cases["debt_mad"] == 0) == (cases["debt_reason"] == "none")).all()
    assert cases["languages"].str.len().gt(0).all()
    regions = tables["regions"].set_index("region_id")
    towns = {t.name: t.region_id for t in ref.TOWNS}
    assert (cases["town"].map(towns) == cases["region_id"]).all()
    assert (tables["services"]["town"].map(towns) == tables["services"]["region_id"]).all()
    assert set(cases["region_id"]) <= set(regions.index)
    assert (tables["referrals"]["need"].isin(tables["services"]["category"].unique())).all()
    svc_cat = tables["services"].set_index("service_id")["category"]
    assert (tables["referrals"]["service_id"].map(svc_cat) == tables["referrals"]["need"]).all()


# ---------------------------------------------------------------------------
# The correlations stated in the data card


def _scores(assessments: pd.DataFrame, instrument: dict) -> pd.DataFrame:
    """Dimension scores, by the instrument's documented rule (weighted mean of answered
    items, weights rescaled; fewer than the minimum answers: no score)."""
    minimum = instrument["min_answers_per_dimension"]
    out = {}
    for dim in (d["id"] for d in instrument["dimensions"]):
        num = np.zeros(len(assessments))
        den = np.zeros(len(assessments))
        count = np.zeros(len(assessments))
        for item in instrument["items"]:
            if item["dimension"] != dim:
                continue
            scores = {o["code"]: o["score"] for o in item["options"] if o["score"] is not None}
            value = assessments[item["id"]].map(scores).astype(float).to_numpy()
            ok = ~np.isnan(value)
            num[ok] += item["weight"] * value[ok]
            den[ok] += item["weight"]
            count += ok
        out[dim] = np.where(count >= minimum, num / np.where(den > 0, den, 1), np.nan)
    return pd.DataFrame(out, index=assessments.index)


@pytest.fixture(scope="module")
def scored(tables) -> pd.DataFrame:
    instrument = load_instrument(DATA / "instrument.json")
    a = tables["assessments"]
    return pd.concat([a, _scores(a, instrument)], axis=1).merge(tables["cases"], on="case_id")


def test_non_productive_debt_lowers_the_economic_score(scored):
    base = scored[scored["wave"] == 0]
    nonprod = base["debt_reason"].isin(["migration", "consumption", "health"])
    assert base.loc[nonprod, "economic"].mean() < base.loc[base["debt_mad"] == 0, "economic"].mean() - 0.1
    assert base[["debt_mad", "economic"]].corr().iloc[0, 1] < -0.3


def test_assisted_cases_improve_over_the_waves(scored):
    means = scored.groupby(["assisted", "wave"])[["economic", "social", "psychosocial"]].mean()
    for dim in ("economic", "social", "psychosocial"):
        gain_assisted = means.loc[(True, 12), dim] - means.loc[(True, 0), dim]
        gain_other = means.loc[(False, 12), dim] - means.loc[(False, 0), dim]
        assert gain_assisted > 0.08, dim
        assert gain_assisted > gain_other + 0.05, dim
        assert means.loc[(True, 3), dim] < means.loc[(True, 12), dim]


def test_vulnerabilities_and_documents_show_in_the_scores(scored):
    base = scored[scored["wave"] == 0]
    distress = base["vulnerabilities"].str.contains("psychological_distress")
    assert base.loc[distress, "psychosocial"].mean() < base.loc[~distress, "psychosocial"].mean() - 0.15
    cnie = base["documents"].str.contains("cnie")
    assert base.loc[cnie, "social"].mean() > base.loc[~cnie, "social"].mean() + 0.1


def test_regions_of_high_emigration_carry_more_cases(tables):
    counts = tables["cases"]["region_id"].value_counts()
    level = tables["regions"].set_index("region_id")["emigration"]
    per_level = counts.groupby(level).mean()
    assert per_level["high"] > per_level["medium"] > per_level["low"]
    assert counts.reindex(level[level == "high"].index).min() > counts.reindex(level[level == "low"].index).max()


def test_services_are_scarcer_in_remote_regions(tables):
    services, cases = tables["services"], tables["cases"]
    remote = tables["regions"].set_index("region_id")["remote"]
    s_remote = services["region_id"].map(remote)
    c_remote = cases["region_id"].map(remote)
    cap_per_case = {flag: services.loc[s_remote == flag, "capacity_per_month"].sum() / (c_remote == flag).sum()
                    for flag in (True, False)}
    assert cap_per_case[True] < 0.8 * cap_per_case[False]
    categories = services.groupby("region_id")["category"].nunique()
    assert categories[remote[remote].index].mean() < categories[remote[~remote].index].mean() - 2
    assert services.loc[s_remote, "waiting_days"].mean() > services.loc[~s_remote, "waiting_days"].mean()


def test_missing_answers_are_realistic(scored, tables):
    instrument = load_instrument(DATA / "instrument.json")
    a = tables["assessments"]
    items = {d["id"]: [i["id"] for i in instrument["items"] if i["dimension"] == d["id"]]
             for d in instrument["dimensions"]}
    missing = {dim: a[cols].isna().mean().mean() for dim, cols in items.items()}
    assert 0.01 < missing["economic"] < missing["psychosocial"] < 0.25
    by_mode = a[sum(items.values(), [])].isna().mean(axis=1).groupby(a["mode"]).mean()
    assert by_mode["phone"] > by_mode["in_person"]
    insufficient = scored[["economic", "social", "psychosocial"]].isna().mean()
    assert (insufficient > 0).all() and (insufficient < 0.15).all()
    # not every case reaches every wave (recent returns, missed waves, drop-outs)
    per_case = a.groupby("case_id").size()
    assert per_case.min() == 1 and per_case.max() == 4 and 2 < per_case.mean() < 3.5


def test_distributions_match_the_data_card(tables):
    cases = tables["cases"]
    assert 0.12 < (cases["sex"] == "female").mean() < 0.25
    adults = cases[cases["age"] >= 18]
    assert 27 < adults["age"].mean() < 35
    # about one case in twenty is a child: alone (14 to 17) or with a parent (4 to 17)
    children = cases[cases["age"] < 18]
    assert 0.03 < len(children) / len(cases) < 0.08 and children["age"].min() >= 4
    alone = children[children["child_return"] == "unaccompanied"]
    assert len(alone) and alone["age"].min() >= 14 and set(alone["country_returned_from"]) <= {"ES", "FR", "IT", "BE", "NL"}
    assert 0.2 < (cases["country_returned_from"] == "LY").mean() < 0.32
    libya = cases["country_returned_from"] == "LY"
    assert (cases.loc[libya, "return_programme"] == "vhr").mean() > 0.85
    assert 0.6 < cases["assisted"].mean() < 0.8
    assert 0.35 < (cases["debt_mad"] > 0).mean() < 0.55
    refs = tables["referrals"]
    assert 0.88 < refs["consent_recorded"].mean() < 0.97
    assert set(refs["status"]) == {"sent", "accepted", "completed", "refused", "no_show"}
    services = tables["services"]
    assert set(services["category"]) == set(VOCABULARIES["service_category"])
    assert 0.05 < (services["current_load"] >= services["capacity_per_month"]).mean() < 0.25


def test_data_card_states_the_committed_row_counts(raw):
    card = (DATA / "README.md").read_text(encoding="utf-8")
    for table, frame in raw.items():
        english = f"| `{table}.csv` | {len(frame):,} |"
        french = f"| `{table}.csv` | {len(frame):,} |".replace(",", "\u202f")
        assert english in card and french in card, (table, len(frame))


def test_data_card_documents_every_column():
    card = (DATA / "README.md").read_text(encoding="utf-8")
    assert "## Français" in card or "# Français" in card
    english, french = re.split(r"^#{1,2} .*Français.*$", card, maxsplit=1, flags=re.MULTILINE)
    instrument = load_instrument(DATA / "instrument.json")
    for table in TABLE_ORDER:
        for spec in table_fields(table, instrument):
            if spec.name.startswith(("eco_", "soc_", "psy_", "scr_")):
                continue  # item columns: documented as the instrument's items, by pattern
            assert f"`{spec.name}`" in english, (table, spec.name)
            assert f"`{spec.name}`" in french, (table, spec.name)
    for phrase in ("+212 5 00 0", "example.org", "synthetic"):
        assert phrase in english
    for phrase in ("+212 5 00 0", "example.org", "synthétiques"):
        assert phrase in french
