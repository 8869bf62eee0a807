"""Children in the caseload: the rules of reintegra.children hold on generated data, are
checked on a trainer's caseload and across the data package (located, both languages,
never fixed silently), and shape the referral exercise's feedback."""
from __future__ import annotations

import io
import shutil
from datetime import date

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reintegra import children as C
from reintegra.loader import load_file
from reintegra.paths import reference_datasets_dir
from reintegra.referral import Directory, Plan, baseline_answers, check_plan, exercise_cases, priority_needs
from reintegra.schema import TABLE_ORDER, validate_package
from reintegra.synth.generator import generate

DATA = reference_datasets_dir()


def _frames(folder=DATA) -> dict[str, pd.DataFrame]:
    return {t: pd.read_csv(folder / f"{t}.csv", dtype=str, keep_default_na=False) for t in TABLE_ORDER}


# ---------------------------------------------------------------------------
# The rule that decides a referral, at its boundaries

@pytest.mark.parametrize("age, need, kind, first, expected", [
    (18, "job_placement", "employment_agency", True, None),           # an adult: no child rule
    (17, "health", "health_centre", True, "child_protection_first"),
    (17, "social_protection", "child_protection_centre", True, None),
    (14, "job_placement", "employment_agency", False, "child_under_working_age"),
    (15, "job_placement", "employment_agency", False, None),          # Labour Code art. 143: 15 full years
    (17, "business_development", "business_support", False, "child_no_business"),
    (16, "financial_services", "microfinance", False, "child_no_business"),
    (16, "vocational_training", "vocational_training_centre", False, None),
    ("", "job_placement", "employment_agency", True, None),           # unknown age: not a child
])
def test_referral_refusal_at_its_boundaries(age, need, kind, first, expected):
    assert C.referral_refusal(age, need, kind, first=first) == expected


# ---------------------------------------------------------------------------
# Generated data

def _check_generated(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    cases = tables["cases"]
    age = cases["age"].astype(int)
    child = age < C.ADULT_AGE
    kids, adults = cases[child], cases[~child]
    assert (kids[["phone", "email"]] == "").all().all()
    assert kids["child_return"].isin(C.CHILD_RETURN).all() and kids["best_interests"].isin(C.BEST_INTERESTS).all()
    assert (adults[["child_return", "best_interests"]] == "").all().all()
    assert (kids["debt_mad"].astype(int) == 0).all() and (kids["marital_status"] == "single").all()
    assert not kids["documents"].str.contains("cnie").any()
    assert C.check_package(tables) == {"referrals": [], "assessments": []}
    # every child with a referral has the child-protection one first, dated before any other
    refs = tables["referrals"].merge(tables["services"][["service_id", "service_kind"]], on="service_id")
    refs = refs[refs["case_id"].isin(kids["case_id"])].sort_values(["case_id", "referral_date", "referral_id"])
    assert (refs.groupby("case_id")["service_kind"].first() == C.CHILD_PROTECTION_KIND).all()
    return kids


def test_committed_caseload_has_children_that_follow_the_rules():
    frames = _frames()
    kids = _check_generated(frames)
    assert len(kids) >= 15
    assert set(kids["child_return"]) == set(C.CHILD_RETURN)
    # each region has a child-protection centre for children only
    centres = frames["services"][frames["services"]["service_kind"] == C.CHILD_PROTECTION_KIND]
    assert set(centres["region_id"]) == set(frames["regions"]["region_id"])
    assert (centres["max_age"].astype(int) == 17).all() and (centres["min_age"].astype(int) == 0).all()
    # children referred at all are referred to child protection, and assessed in person or at home
    refs = frames["referrals"]
    assert refs[refs["case_id"].isin(kids["case_id"])]["case_id"].nunique() >= len(kids) // 2
    modes = frames["assessments"][frames["assessments"]["case_id"].isin(kids["case_id"])]["mode"]
    assert len(modes) and "phone" not in set(modes)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_the_rules_hold_for_any_seed(seed):
    _check_generated(generate(seed=seed, n_cases=400, n_services=120))


def test_children_do_not_move_the_adults():
    """The children come from their own stream: an adult's profile is the one drawn anyway."""
    from reintegra.synth import generator as G

    before = G.CHILD_ALONE_SHARE, G.CHILD_WITH_PARENT_SHARE
    try:
        G.CHILD_ALONE_SHARE = G.CHILD_WITH_PARENT_SHARE = 0.0
        _hidden, without = G.make_cases(41, 300)
    finally:
        G.CHILD_ALONE_SHARE, G.CHILD_WITH_PARENT_SHARE = before
    hidden, with_children = G.make_cases(41, 300)
    adult = ~hidden["child"].to_numpy()
    assert 0 < (~adult).sum() < 40
    for column in ("first_name", "sex", "age", "town", "education", "phone"):
        assert (pd.Series(with_children[column])[adult].to_numpy() == pd.Series(without[column])[adult].to_numpy()).all(), column


# ---------------------------------------------------------------------------
# A trainer's caseload: every broken rule named by row and column, in both languages

def _upload(rows: pd.DataFrame):
    buffer = io.StringIO()
    rows.to_csv(buffer, index=False)
    return load_file(buffer.getvalue().encode("utf-8"), "cases", filename="caseload.csv")


def _sample() -> pd.DataFrame:
    cases = _frames()["cases"]
    kids = cases[cases["age"].astype(int) < 18].head(2)
    adults = cases[cases["age"].astype(int) >= 18].head(2)
    return pd.concat([adults, kids], ignore_index=True)  # rows 2, 3 adults; 4, 5 children


def test_a_correct_caseload_with_children_loads():
    result = _upload(_sample())
    assert result.ok, [p.message("en") for p in result.problems]
    assert (result.data["age"] < 18).sum() == 2


def test_a_childs_phone_is_refused_with_the_row_named():
    rows = _sample()
    rows.loc[2, "phone"] = "+212 5 00 01 23 45"   # row 4: a child
    rows.loc[3, "email"] = "child@example.org"    # row 5: a child
    result = _upload(rows)
    assert not result.ok
    found = {(p.code, p.row, p.column) for p in result.problems}
    assert ("child_contact", 4, "phone") in found and ("child_contact", 5, "email") in found
    problem = next(p for p in result.problems if p.code == "child_contact" and p.row == 4)
    assert problem.message("en").startswith("Row 4, column “phone”: this returnee is a child")
    french = problem.message("fr")
    assert french.startswith("Ligne 4") and "enfant" in french and "Videz cette cellule" in french


def test_a_child_without_the_child_fields_and_an_adult_with_them_are_refused():
    rows = _sample()
    rows.loc[2, "child_return"] = ""   # row 4, a child
    rows.loc[0, "best_interests"] = "assessed"  # row 2, an adult
    result = _upload(rows)
    assert not result.ok
    found = {(p.code, p.row, p.column) for p in result.problems}
    assert ("child_field_missing", 4, "child_return") in found
    assert ("adult_child_field", 2, "best_interests") in found
    assert result.data is None or "best_interests" not in result.data or result.data is None


def test_an_old_caseload_without_child_columns_still_loads_adults_but_not_children():
    rows = _sample().drop(columns=["child_return", "best_interests"])
    assert _upload(rows.head(2)).ok  # adults only: nothing to say
    result = _upload(rows)
    assert not result.ok
    assert {p.row for p in result.problems if p.code == "child_field_missing"} == {4, 5}


# ---------------------------------------------------------------------------
# The data package: rules across the tables

@pytest.fixture()
def package(tmp_path):
    folder = tmp_path / "datasets"
    shutil.copytree(DATA, folder)
    return folder


def test_package_rules_across_tables_are_located(package):
    frames = _frames(package)
    cases, refs, services = frames["cases"], frames["referrals"], frames["services"]
    kids = cases[cases["age"].astype(int) < 18]
    young = kids[kids["age"].astype(int) < 15]["case_id"]
    child_refs = refs[refs["case_id"].isin(kids["case_id"])]
    assert len(child_refs) and len(young)
    employment = services[services["category"] == "job_placement"]["service_id"].iat[0]
    # 1. a child's first referral moved to a job-placement service
    first = child_refs.sort_values(["case_id", "referral_date"]).index[0]
    refs.loc[first, ["service_id", "need"]] = [employment, "job_placement"]
    # 2. a child under 15 referred to job placement after child protection
    young_ref = refs[refs["case_id"] == young.iat[0]].index[0]
    extra = refs.loc[young_ref].copy()
    extra[["referral_id", "service_id", "need", "referral_date", "consent_recorded"]] = [
        "R999999", employment, "job_placement", "2026-06-20", "false"]
    refs = pd.concat([refs, extra.to_frame().T], ignore_index=True)
    refs.to_csv(package / "referrals.csv", index=False)
    # 3. a child assessed by phone
    assessments = frames["assessments"]
    k = assessments[assessments["case_id"].isin(kids["case_id"])].index[0]
    assessments.loc[k, "mode"] = "phone"
    assessments.to_csv(package / "assessments.csv", index=False)

    report = validate_package(package, check_coordinates=False)
    found = {(p.code, p.row) for p in report["referrals"]}
    assert ("child_protection_first", first + 2) in found
    last = len(refs) + 1
    assert ("child_under_working_age", last) in found and ("child_consent", last) in found
    assert ("child_assessment_mode", k + 2) in {(p.code, p.row) for p in report["assessments"]}
    message = next(p for p in report["referrals"] if p.code == "child_under_working_age")
    assert "article 143" in message.message("en") and "article 143" in message.message("fr")
    assert "moins de 15\u00a0ans" in message.message("fr") or "moins de 15 ans" in message.message("fr")


# ---------------------------------------------------------------------------
# The referral exercise's logic

@pytest.fixture(scope="module")
def directory():
    return Directory.load()


def _child(min_age=0, max_age=17):
    cases = pd.read_csv(DATA / "cases.csv", dtype={"phone": str, "email": str, "child_return": str,
                                                  "best_interests": str}, keep_default_na=False)
    kids = cases[(cases["age"] >= min_age) & (cases["age"] <= max_age)]
    return kids.iloc[0].to_dict()


def _centre(directory, region):
    return next(sid for sid in directory.ids if directory.service_type[directory.position[sid]] == C.CHILD_PROTECTION_KIND
                and directory.region[directory.position[sid]] == region)


def test_a_childs_priority_needs_start_with_child_protection():
    case = _child(max_age=14)
    needs = [n.category for n in priority_needs(case)]
    assert needs[0] == C.CHILD_PROTECTION_CATEGORY
    assert not set(needs) & {"job_placement", "vocational_training", "business_development", "financial_services"}
    assert "focal point" in priority_needs(case)[0].reason("en")
    assert "protection de l’enfance" in priority_needs(case)[0].reason("fr")


def test_the_plan_check_refuses_another_service_first_for_a_child(directory):
    case = _child(min_age=14, max_age=14)
    centre = _centre(directory, case["region_id"])
    job = next(sid for sid in directory.ids if directory.category[directory.position[sid]] == "job_placement")
    plan = Plan(case, ["job_placement", "social_protection"], {"job_placement": job, "social_protection": centre},
                consent=True, consent_date=date(2026, 6, 1), shared=frozenset({"name"}))
    result = check_plan(plan, directory)
    wrong = [f for f in result.problems if f.point == "eligibility"]
    texts_en = " ".join(f.text("en") for f in wrong)
    assert "first referral goes to child protection" in texts_en
    assert "première orientation va à la protection de l’enfance" in " ".join(f.text("fr") for f in wrong)
    assert not result.ready
    # child protection first, alone: ready, with the consent and assent note
    good = Plan(case, ["social_protection"], {"social_protection": centre}, consent=True,
                consent_date=date(2026, 6, 1), shared=frozenset({"name", "contact", "age", "languages", "household"}))
    checked = check_plan(good, directory)
    assert checked.ready, checked.report("en")
    assert any("assent" in f.text("en") for f in checked.by_point("consent"))
    assert any("assentiment" in f.text("fr") for f in checked.by_point("consent"))
    # without consent: ask the parent or guardian, and the child for their assent
    asked = check_plan(Plan(case, ["social_protection"], {"social_protection": centre}), directory)
    missing = [f for f in asked.by_point("consent") if f.status == "missing"]
    assert len(missing) == 1 and "parent or legal guardian" in missing[0].text("en")
    assert "tuteur légal" in missing[0].text("fr") and "assentiment" in missing[0].text("fr")


def test_the_plan_check_refuses_a_plan_without_child_protection(directory):
    case = _child(min_age=16)
    health = next(sid for sid in directory.ids if directory.category[directory.position[sid]] == "education"
                  and directory.min_age[directory.position[sid]] <= 16)
    plan = Plan(case, ["education"], {"education": health}, consent=True, consent_date=date(2026, 6, 1),
                shared=frozenset({"name"}))
    texts = [f.text("en") for f in check_plan(plan, directory).problems]
    assert any("no child-protection referral" in t for t in texts)


def test_the_exercise_offers_a_child_among_its_cases():
    from reintegra.loader import load_assessments, load_cases
    cases, assessments = load_cases(), load_assessments()
    picked = exercise_cases(cases, assessments)
    ages = cases.set_index("case_id").loc[picked, "age"]
    assert (ages < 18).sum() == 1 and (ages >= 18).sum() == len(picked) - 1
    answers = baseline_answers(assessments)
    child = ages[ages < 18].index[0]
    first = priority_needs(cases.set_index("case_id").loc[child].to_dict() | {"case_id": child}, answers.get(child))[0]
    assert first.category == C.CHILD_PROTECTION_CATEGORY


# ---------------------------------------------------------------------------
# The widgets, driven through their controls

@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_referral_exercise_puts_child_protection_first_for_the_child(lang):
    from reintegra.ui.referral import ReferralExercise

    words = {"en": ("no child-protection referral", "a child's first referral goes to child protection", "assent"),
             "fr": ("aucune orientation vers la protection de l’enfance",
                    "la première orientation d’un enfant va à la protection de l’enfance", "assentiment")}[lang]
    ex = ReferralExercise(lang, show_map=False)
    child_id = next(cid for _label, cid in ex.case_picker.options if ex.by_id.loc[cid, "age"] < 18)
    ex.case_picker.value = child_id
    assert "referral-child" in ex.case_card.value  # the card says this is a child, and what that changes
    assert ex.plan.needs[0] == C.CHILD_PROTECTION_CATEGORY
    ex.need_picker.value = C.CHILD_PROTECTION_CATEGORY
    kinds = {sid: ex.directory.service_type[ex.directory.position[sid]] for _label, sid in ex.results.options}
    other = next(sid for sid, kind in kinds.items() if kind != C.CHILD_PROTECTION_KIND)
    centre = next(sid for sid, kind in kinds.items() if kind == C.CHILD_PROTECTION_KIND)
    ex.results.value = other
    ex.choose_button.click()
    ex.consent.value = True
    ex.check_button.click()
    assert words[0] in ex.feedback.value.replace("&#x27;", "'")
    ex.need_picker.value = C.CHILD_PROTECTION_CATEGORY
    ex.results.value = centre
    ex.choose_button.click()
    ex.check_button.click()
    shown = ex.feedback.value.replace("&#x27;", "'")
    assert words[0] not in shown and words[1] in shown and words[2] in shown


def test_the_caseload_view_shows_children_apart():
    from reintegra.ui.assessment import CaseloadView

    view = CaseloadView("fr")
    everyone = view.selection()
    view.age_picker.value = "children"
    children = view.selection()
    assert 0 < len(children) < len(everyone) and (children["age"] < 18).all()
    assert "point focal protection de l’enfance" in view.count.value.replace("&#x27;", "’")
    view.age_picker.value = "adults"
    assert len(view.selection()) == len(everyone) - len(children)
    assert "point focal" not in view.count.value
