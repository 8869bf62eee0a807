"""The tables of a donor report (Module 6): right totals, right shares, right language."""
import math

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from reintegra import loader
from reintegra import reporting as R
from reintegra.instrument import load_instrument
from reintegra.synth.reference import REFERENCE_DATE

NNBSP = "\u202f"


# ------------------------------------------------------------- course data


@pytest.fixture(scope="module")
def data():
    return {
        "cases": loader.load_cases(),
        "assessments": loader.load_assessments(),
        "referrals": loader.load_referrals(),
        "regions": loader.load_regions(),
        "instrument": load_instrument(),
    }


def test_totals_equal_the_number_of_cases(data):
    cases = data["cases"]
    n = len(cases)
    region = R.caseload_by_region(cases, data["regions"], "en")
    assert region.data.loc["Total", "Total"] == n
    assert region.body()["Total"].sum() == n
    assert (region.body()["Women"] + region.body()["Men"] == region.body()["Total"]).all()
    assert len(region.body()) == len(data["regions"])  # every region, even one with no case
    country = R.returns_by_country(cases, "en", top=5)
    assert country.data.loc["Total", "Returnees"] == n
    assert country.data["Returnees"].iloc[:-1].sum() == n
    assert len(country.data) == 5 + 2  # five countries, the others, the total
    flags = R.vulnerability_flags(cases, "en")
    assert flags.data.loc["At least one vulnerability", "Returnees"] + \
        flags.data.loc["No vulnerability recorded", "Returnees"] == n
    donor = R.donor_table(cases, data["assessments"], data["referrals"], REFERENCE_DATE, "en", data["instrument"])
    assert donor.data.loc["Returnees registered", "Result"] == n
    assert donor.data.loc["Referrals made", "Result"] == len(data["referrals"])


def test_referral_totals_and_consent(data):
    referrals = data["referrals"]
    table = R.referrals_by_status(referrals, "en")
    assert table.data.loc["Total", "Referrals"] == len(referrals)
    assert table.body()["Referrals"].sum() == len(referrals)
    assert table.data.loc["Total", "Consent recorded"] == int(referrals["consent_recorded"].sum())
    assert (table.data["Consent recorded"] <= table.data["Referrals"]).all()


def test_shares_lie_between_0_and_1(data):
    cases, assessments, referrals = data["cases"], data["assessments"], data["referrals"]
    tables = [
        R.caseload_by_region(cases, data["regions"]),
        R.returns_by_country(cases, top=8),
        R.vulnerability_flags(cases),
        R.follow_up_completion(cases, assessments, REFERENCE_DATE, instrument=data["instrument"]),
        R.referrals_by_status(referrals),
        R.donor_table(cases, assessments, referrals, REFERENCE_DATE, instrument=data["instrument"]),
        R.score_change(assessments, data["instrument"]),
    ]
    for table in tables:
        assert table.shares
        for column in table.shares:
            values = table.data[column].dropna()
            assert len(values) and ((values >= 0) & (values <= 1)).all(), column
    for table in (R.scores_by_wave(assessments, data["instrument"]), R.score_change(assessments, data["instrument"])):
        for column in table.scores:
            values = table.data[column].dropna()
            assert ((values >= -1) & (values <= 1)).all(), column


def test_follow_up_done_never_exceeds_due_and_waves_shrink(data):
    table = R.follow_up_completion(data["cases"], data["assessments"], REFERENCE_DATE, "en")
    assert (table.data["Done"] <= table.data["Due by the reporting date"]).all()
    due = list(table.data["Due by the reporting date"])
    assert due == sorted(due, reverse=True)  # fewer cases have reached 12 months than 3
    done = data["assessments"].groupby("wave").size()
    assert list(table.data["Done"]) == [done[3], done[6], done[12]]


def test_french_tables_speak_french(data):
    cases = data["cases"]
    region = R.caseload_by_region(cases, data["regions"], "fr")
    assert region.data.index.name == "Région"
    assert list(region.data.columns[:3]) == ["Femmes", "Hommes", "Total"]
    assert "L’Oriental" in region.data.index and "Oriental" not in region.data.index
    country = R.returns_by_country(cases, "fr", top=3)
    assert "Libye" in country.data.index and "Tous les autres pays" in country.data.index
    status = R.referrals_by_status(data["referrals"], "fr")
    assert "Terminée" in status.data.index and "Completed" not in status.data.index
    follow = R.follow_up_completion(cases, data["assessments"], REFERENCE_DATE, "fr")
    assert follow.data.index[0] == "3 mois après le retour"
    assert "Taux de réalisation" in follow.data.columns
    text = region.formatted()
    assert text.loc["Total", "Part de l’ensemble des personnes de retour"] == f"100{NNBSP}%"
    donor = R.donor_table(cases, data["assessments"], data["referrals"], REFERENCE_DATE, "fr")
    assert "Personnes de retour enregistrées" in donor.data.index
    assert donor.data.index.name == "Indicateur"


def test_the_language_comes_from_the_environment(data, monkeypatch):
    monkeypatch.setenv("REINTEGRA_LANG", "fr")
    assert R.vulnerability_flags(data["cases"]).data.index.name == "Vulnérabilité enregistrée"
    monkeypatch.setenv("REINTEGRA_LANG", "en")
    assert R.vulnerability_flags(data["cases"]).data.index.name == "Vulnerability recorded"


# ------------------------------------------------------- a tiny caseload


@pytest.fixture
def tiny():
    cases = pd.DataFrame({
        "case_id": ["C1", "C2", "C3", "C4"],
        "sex": ["female", "male", "male", "male"],
        "region_id": ["MA-05", "MA-05", "MA-02", "MA-05"],
        "country_returned_from": ["LY", "LY", "ES", "LY"],
        "vulnerabilities": ["psychological_distress;single_parent", "", "psychological_distress", ""],
        "return_date": pd.to_datetime(["2025-01-10", "2025-06-01", "2025-11-15", "2026-05-20"]),
        "assisted": [True, True, False, True],
        "case_status": ["closed", "open", "closed", "open"],
        "closure_reason": ["completed", None, "remigrated", None],
    })
    regions = pd.DataFrame({
        "region_id": ["MA-02", "MA-05", "MA-09"],
        "name_en": ["Oriental", "Beni Mellal-Khenifra", "Souss-Massa"],
        "name_fr": ["L’Oriental", "Béni Mellal-Khénifra", "Souss-Massa"],
    })
    assessments = pd.DataFrame({
        "case_id": ["C1", "C1", "C1", "C1", "C2", "C2", "C3", "C4"],
        "wave": [0, 3, 6, 12, 0, 3, 0, 0],
        "assessment_date": pd.to_datetime(["2025-01-25", "2025-04-03", "2025-07-12", "2026-01-12",
                                           "2025-06-20", "2025-09-02", "2025-12-01", "2026-06-05"]),
    })
    referrals = pd.DataFrame({
        "status": ["completed", "completed", "refused", "sent"],
        "consent_recorded": [True, True, False, True],
    })
    return cases, regions, assessments, referrals


AS_OF = "2026-06-30"


def test_tiny_caseload_by_region(tiny):
    cases, regions, _, _ = tiny
    table = R.caseload_by_region(cases, regions, "en").data
    assert list(table.index) == ["Oriental", "Beni Mellal-Khenifra", "Souss-Massa", "Total"]
    assert table.loc["Beni Mellal-Khenifra"].tolist()[:3] == [1, 2, 3]
    assert table.loc["Souss-Massa", "Total"] == 0
    assert table.loc["Oriental", "Share of all returnees"] == pytest.approx(0.25)
    assert table.loc["Total"].tolist()[:3] == [1, 3, 4]


def test_tiny_countries_and_flags(tiny):
    cases, _, _, _ = tiny
    country = R.returns_by_country(cases, "en").data
    assert country["Returnees"].tolist() == [3, 1, 4]
    assert list(country.index) == ["Libya", "Spain", "Total"]
    flags = R.vulnerability_flags(cases, "en").data
    assert flags.loc["Psychological distress", "Returnees"] == 2
    assert flags.loc["Single parent", "Returnees"] == 1
    assert flags.loc["Disability", "Returnees"] == 0
    assert flags.loc["At least one vulnerability", "Share of all returnees"] == pytest.approx(0.5)


def test_tiny_follow_up(tiny):
    cases, _, assessments, _ = tiny
    # On 30 June 2026: C1, C2 and C3 have passed 3 and 6 months; C1 and C2 have passed 12 months; C4 none.
    table = R.follow_up_completion(cases, assessments, AS_OF, "en").data
    assert table["Due by the reporting date"].tolist() == [3, 3, 2]
    assert table["Done"].tolist() == [2, 1, 1]
    assert table["Completion rate"].tolist() == pytest.approx([2 / 3, 1 / 3, 1 / 2])
    # On 5 April 2025, C1's 3-month follow-up was done a week early: it counts as due and done.
    early = R.follow_up_completion(cases, assessments, "2025-04-05", "en").data
    assert early["Due by the reporting date"].tolist() == [1, 0, 0]
    assert early["Done"].tolist() == [1, 0, 0]
    assert early["Completion rate"].iloc[0] == 1 and early["Completion rate"].iloc[1:].isna().all()
    # Assessments after the reporting date do not count.
    donor = R.donor_table(cases, assessments, pd.DataFrame({"status": [], "consent_recorded": []}),
                          "2025-04-05", "en").data
    assert donor.loc["Returnees with a baseline assessment", "Result"] == 1


def test_tiny_referrals_and_donor_table(tiny):
    cases, _, assessments, referrals = tiny
    status = R.referrals_by_status(referrals, "en").data
    assert status.loc["Completed", "Referrals"] == 2
    assert status.loc["Refused", "Share with consent recorded"] == 0
    assert status.loc["Total", "Share with consent recorded"] == pytest.approx(0.75)
    assert math.isnan(status.loc["No-show", "Share with consent recorded"])  # no referral: no share
    donor = R.donor_table(cases, assessments, referrals, AS_OF, "en").data
    assert donor.loc["of whom women", "Result"] == 1
    assert donor.loc["of whom women", "Share"] == pytest.approx(0.25)
    assert donor.loc["Cases closed", "Result"] == 2
    assert donor.loc["of which migrated again", "Out of"] == 2
    assert donor.loc["Referrals with consent recorded", "Result"] == 3
    assert donor.loc["Follow-up at 12 months done (out of those due)", "Out of"] == 2


def test_formatting_follows_the_language(tiny):
    cases, regions, _, _ = tiny
    en = R.caseload_by_region(cases, regions, "en").formatted()
    fr = R.caseload_by_region(cases, regions, "fr").formatted()
    assert en.loc["Oriental", "Share of all returnees"] == "25%"
    assert fr.loc["L’Oriental", "Part de l’ensemble des personnes de retour"] == f"25{NNBSP}%"
    assert R.format_share(0.003, "en") == "<1%"
    assert R.format_share(0.998, "fr") == f">99{NNBSP}%"
    assert R.format_share(0.0, "en") == "0%"
    donor = R.donor_table(cases, *tiny[2:], AS_OF, "en").formatted()
    assert donor.loc["Returnees registered", "Share"] == "–"


def test_score_change_uses_the_same_cases():
    instrument = load_instrument()
    low = {i.id: min((o for o in i.options if o.score is not None), key=lambda o: o.score).code
           for i in instrument.items}
    high = {i.id: max((o for o in i.options if o.score is not None), key=lambda o: o.score).code
            for i in instrument.items}
    rows = [
        {"case_id": "A", "wave": 0, **low}, {"case_id": "A", "wave": 12, **high},
        {"case_id": "B", "wave": 0, **high}, {"case_id": "B", "wave": 12, **high},
        {"case_id": "C", "wave": 0, **low},  # no 12-month assessment: left out of the change
    ]
    table = R.score_change(pd.DataFrame(rows), instrument, 0, 12, "en")
    assert table.extra["cases"] == 2
    assert table.data.loc["Composite", "At baseline"] == pytest.approx(0.5)
    assert table.data.loc["Composite", "At 12 months"] == pytest.approx(1.0)
    assert table.data.loc["Composite", "Share of cases that improved"] == pytest.approx(0.5)
    by_wave = R.scores_by_wave(pd.DataFrame(rows), instrument, "en").data
    assert by_wave["Assessments"].tolist() == [3, 0, 0, 2]
    assert by_wave.loc["Baseline (at return)", "Composite (mean)"] == pytest.approx(1 / 3)


# ------------------------------------------------------------------ charts


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_charts_carry_labels_in_the_edition_language(data, lang):
    region = R.caseload_by_region(data["cases"], data["regions"], lang)
    follow = R.follow_up_completion(data["cases"], data["assessments"], REFERENCE_DATE, lang)
    fig1, fig2 = R.plot_caseload_by_region(region), R.plot_follow_up(follow)
    texts = R.figure_texts(fig1) + R.figure_texts(fig2)
    if lang == "fr":
        assert "Personnes de retour par région et par sexe" in texts
        assert "Femmes" in texts and "Mois après le retour" in texts
        assert "L’Oriental" in texts
        assert not {"Women", "Men", "Region"} & set(texts)
    else:
        assert "Returnees by region and sex" in texts and "Completion rate (%)" in texts
    assert all(ax.get_title() and ax.get_xlabel() and ax.get_ylabel() for ax in fig1.axes + fig2.axes)
    for fig in (fig1, fig2):
        plt.close(fig)


# ------------------------------------------------------------ data quality


def test_spot_check_sample_is_random_but_reproducible():
    ids = [f"C{i:06d}" for i in range(1, 201)]
    first = R.spot_check_sample(ids, 10, seed=7)
    assert len(first) == len(set(first)) == 10 and set(first) <= set(ids)
    assert first == sorted(first)
    assert R.spot_check_sample(list(reversed(ids)), 10, seed=7) == first  # the file's order does not matter
    assert R.spot_check_sample(ids, 10, seed=8) != first
    assert R.spot_check_sample(ids[:5], 10, seed=7) == ids[:5]  # fewer cases than the sample: check them all


def test_quality_checks_find_planted_problems(tiny):
    cases, _, assessments, referrals = tiny
    cases = cases.assign(closure_date=pd.to_datetime(["2026-02-01", None, "2026-03-01", None]))
    cases.loc[1, "closure_reason"] = "completed"  # an open case with a closure reason
    assessments = assessments.copy()
    assessments.loc[1, "assessment_date"] = pd.Timestamp("2024-12-01")  # before C1's return
    referrals = referrals.assign(case_id=["C1", "C2", "C9", "C3"])  # C9 is not in the caseload
    table = R.quality_checks(cases, assessments, referrals, "en").data["Records with a problem"]
    assert table["Open case with a closure reason"] == 1
    assert table["Closed case without a closure reason or date"] == 0
    assert table["Assessment dated before the return"] == 1
    assert table["Follow-up more than 30 days from its planned date"] == 1  # the same one, far off schedule
    assert table["Referral for a case number not in the caseload"] == 1
    assert table["Referral without consent recorded"] == 1
    assert table["Case number used twice"] == 0


def test_key_figures_in_both_languages(data):
    en = R.key_figures(data["cases"], data["assessments"], data["referrals"], REFERENCE_DATE, "en")
    fr = R.key_figures(data["cases"], data["assessments"], data["referrals"], REFERENCE_DATE, "fr")
    assert en.startswith(f"Cases: {len(data['cases']):,}")
    assert fr.startswith("Dossiers\u00a0: ") and REFERENCE_DATE in fr
