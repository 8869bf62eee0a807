"""Children in the caseload: the rules of reintegra.children hold on generated data, are
checked on a trainer's caseload and across the data package (located, both languages,
never fixed silently), and shape the referral exercise's feedback. Each safety rule is
asserted on generated data, on a bad upload, and where it shows, through the widgets."""
from __future__ import annotations

import io
import shutil
from datetime import date

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reintegra import children as C
from reintegra import referral as R
from reintegra.loader import load_file
from reintegra.paths import reference_datasets_dir
from reintegra.referral import Directory, Plan, baseline_answers, check_plan, exercise_cases, priority_needs
from reintegra.schema import TABLE_ORDER, validate_package
from reintegra.synth.generator import generate

DATA = reference_datasets_dir()
REF = date(2026, 6, 30)


def _frames(folder=DATA) -> dict[str, pd.DataFrame]:
    return {t: pd.read_csv(folder / f"{t}.csv", dtype=str, keep_default_na=False) for t in TABLE_ORDER}


# ---------------------------------------------------------------------------
# The rules that decide a referral, at their boundaries

@pytest.mark.parametrize("age, need, kind, before, protection, expected", [
    (18, "job_placement", "employment_agency", True, True, None),           # an adult: no child rule
    (17, "education", "school", True, True, "child_protection_first"),      # non-urgent before protection
    (17, "health", "health_centre", True, True, None),                      # urgent health care never waits
    (12, "housing", "shelter", True, True, None),                           # nor emergency shelter
    (17, "social_protection", "child_protection_centre", True, True, None),
    (9, "education", "school", True, False, None),                          # screened, with a parent: family plan
    (14, "job_placement", "employment_agency", False, True, "child_under_working_age"),
    (15, "job_placement", "employment_agency", False, True, None),          # Labour Code art. 143: 15 full years
    (17, "business_development", "business_support", False, True, "child_no_business"),
    (16, "financial_services", "microfinance", False, True, "child_no_business"),
    (16, "vocational_training", "vocational_training_centre", False, True, None),
    ("", "job_placement", "employment_agency", True, True, None),           # unknown age: not a child
])
def test_referral_refusal_at_its_boundaries(age, need, kind, before, protection, expected):
    assert C.referral_refusal(age, need, kind, before_protection=before, protection=protection) == expected


@pytest.mark.parametrize("age, need, expected", [
    (14, "job_placement", None), (15, "job_placement", "child_work_15_17"), (17, "job_placement", "child_work_15_17"),
    (18, "job_placement", None), (16, "vocational_training", None),
])
def test_a_job_placement_at_15_to_17_is_a_warning(age, need, expected):
    assert C.referral_warning(age, need) == expected


def test_consent_is_required_except_for_a_childs_protection_referral():
    assert not C.consent_required(12, C.CHILD_PROTECTION_KIND)
    assert C.consent_required(12, "school") and C.consent_required(30, C.CHILD_PROTECTION_KIND)


@pytest.mark.parametrize("child_return, best_interests, concern, expected", [
    ("unaccompanied", "referred", False, True), ("with_parent", "screened", False, False),
    ("with_parent", "screened", True, True), ("with_parent", "assessed", False, True),
])
def test_protection_is_needed_for_unaccompanied_children_and_children_at_risk(child_return, best_interests,
                                                                              concern, expected):
    assert C.needs_protection(child_return, best_interests, concern) is expected


@pytest.mark.parametrize("age, when, expected", [
    (16, "2026-06-30", 16), (16, "2026-01-01", 15), (18, "2024-01-01", 15), (18, "2025-07-01", 17), (18, "2025-06-29", 16),
    (30, "", 30), ("", "2025-01-01", None),
])
def test_the_age_on_a_date_is_the_youngest_the_person_can_have_been(age, when, expected):
    got = C.age_on(age, when, REF)
    assert (got != got) if expected is None else got == expected


# ---------------------------------------------------------------------------
# Generated data

def _check_generated(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    cases = tables["cases"]
    age = cases["age"].astype(int)
    at_return = pd.Series([C.age_on(a, d) for a, d in zip(cases["age"], cases["return_date"])], index=cases.index)
    was_child = at_return < C.ADULT_AGE
    kids, adults = cases[age < C.ADULT_AGE], cases[~was_child]
    # rule 1: the child fields for whoever was a child at return, and only for them
    assert (cases["child_return"] != "").equals(was_child)
    assert kids["child_return"].isin(C.CHILD_RETURN).all() and kids["best_interests"].isin(C.BEST_INTERESTS).all()
    assert (adults[["child_return", "best_interests"]] == "").all().all()
    # ages at return: 14 to 17 for an unaccompanied child; months abroad never exceed the age at return
    alone = cases["child_return"] == "unaccompanied"
    assert at_return[alone].between(14, 17).all()
    assert (cases["months_abroad"].astype(int)[was_child] <= at_return[was_child] * 12).all()
    # rule 2 and the file of a child
    assert (kids[["phone", "email"]] == "").all().all()
    assert (kids["debt_mad"].astype(int) == 0).all() and (kids["marital_status"] == "single").all()
    assert not kids["documents"].str.contains("cnie").any()
    assert (kids[kids["age"].astype(int) < 6]["education"] == "none").all()
    # rule 3: screened only for a child who returned with a parent
    assert not (alone & (cases["best_interests"] == "screened")).any()
    # rule 8: a child's case closes only when completed or handed over to child protection
    closed = cases[cases["closure_reason"] != ""]
    at_close = pd.Series([C.age_on(a, d) for a, d in zip(closed["age"], closed["closure_date"])], index=closed.index)
    assert closed[at_close < C.ADULT_AGE]["closure_reason"].isin(C.CHILD_CLOSURE_REASONS).all()
    # rule 4: no child under 15 working; every unaccompanied child's assessment flags protection
    a = tables["assessments"].merge(cases[["case_id", "age", "child_return"]], on="case_id")
    a_age = pd.Series([C.age_on(x, d) for x, d in zip(a["age"], a["assessment_date"])], index=a.index)
    young = a[a_age < C.MIN_WORKING_AGE]
    assert young["eco_work"].isin(["none", ""]).all() and (young["eco_income"] == "").all()
    minors_alone = a[(a_age < C.ADULT_AGE) & (a["child_return"] == "unaccompanied")]
    assert (minors_alone["scr_protection"] == "yes").all()
    assert "phone" not in set(a[a_age < C.ADULT_AGE]["mode"])
    # rules 3 to 7 across the tables: nothing to report
    assert C.check_package(tables) == {"referrals": [], "assessments": []}
    # child protection: never refused, only for the children who need it, first for them
    refs = tables["referrals"].merge(tables["services"][["service_id", "service_kind"]], on="service_id")
    # (an adult sent to a CAPE without checking eligibility is one of the case managers' mistakes)
    cape = refs[(refs["service_kind"] == C.CHILD_PROTECTION_KIND)
                & refs["case_id"].isin(cases[cases["child_return"] != ""]["case_id"])]
    assert "refused" not in set(cape["status"])
    # the child's assent: recorded for children's referrals only, always outside child protection
    r_age = pd.Series([C.age_on(x, d) for x, d in zip(refs.merge(cases[["case_id", "age"]], on="case_id")["age"],
                                                      refs["referral_date"])], index=refs.index)
    assert (refs[r_age >= C.ADULT_AGE]["assent_recorded"] == "").all()
    assert refs[r_age < C.ADULT_AGE]["assent_recorded"].isin(["true", "false"]).all()
    assert (refs[(r_age < C.ADULT_AGE) & (refs["service_kind"] != C.CHILD_PROTECTION_KIND)]["assent_recorded"] == "true").all()
    needed = set(cases[alone | cases["best_interests"].isin(C.PROTECTION_PROCEDURE)]["case_id"])
    assert set(cape["case_id"]) <= needed
    kid_refs = refs[refs["case_id"].isin(needed)].merge(cases[["case_id", "age"]], on="case_id")
    r_age = pd.Series([C.age_on(x, d) for x, d in zip(kid_refs["age"], kid_refs["referral_date"])], index=kid_refs.index)
    kid_refs = kid_refs[r_age < C.ADULT_AGE].sort_values(["case_id", "referral_date", "referral_id"])
    non_urgent = kid_refs[~kid_refs["need"].isin(C.URGENT_BEFORE_PROTECTION)]
    assert (non_urgent.groupby("case_id")["service_kind"].first() == C.CHILD_PROTECTION_KIND).all()
    return kids


def test_committed_caseload_has_children_that_follow_the_rules():
    frames = _frames()
    kids = _check_generated(frames)
    assert len(kids) >= 15
    cases = frames["cases"]
    assert set(kids["child_return"]) == set(C.CHILD_RETURN)
    assert "screened" in set(cases["best_interests"])
    # some unaccompanied children came through assisted return (the illustrative split)
    assert {"avrr", "other"} <= set(cases[cases["child_return"] == "unaccompanied"]["return_programme"])
    # each region has a child-protection centre for children only, with its CAPE name
    centres = frames["services"][frames["services"]["service_kind"] == C.CHILD_PROTECTION_KIND]
    assert set(centres["region_id"]) == set(frames["regions"]["region_id"])
    assert (centres["max_age"].astype(int) == 17).all() and (centres["min_age"].astype(int) == 0).all()
    assert centres["provider_name"].str.startswith("Centre d’accompagnement pour la protection de l’enfance").all()
    # a child-protection referral goes ahead without consent, and none is flagged for it
    refs = frames["referrals"]
    cape = refs[refs["service_id"].isin(centres["service_id"])]
    assert len(cape) >= 10 and (cape["consent_recorded"] == "false").any()
    report = validate_package(DATA, check_coordinates=False)
    assert not [p.code for ps in report.values() for p in ps if p.code.startswith(("child", "adult_child"))]


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
    open_ = cases["case_status"] == "open"
    kids = cases[(cases["age"].astype(int) < 18) & open_].head(2)
    adults = cases[(cases["child_return"] == "") & open_].head(2)
    return pd.concat([adults, kids], ignore_index=True)  # rows 2, 3 adults; 4, 5 children


def test_a_correct_caseload_with_children_loads():
    result = _upload(_sample())
    assert result.ok, [p.message("en") for p in result.problems]
    assert (result.data["age"] < 18).sum() == 2


def test_an_adult_who_was_a_child_at_return_keeps_the_child_fields():
    cases = _frames()["cases"]
    grown = cases[(cases["age"].astype(int) >= 18) & (cases["child_return"] != "")]
    assert len(grown)
    result = _upload(pd.concat([_sample(), grown.head(1)], ignore_index=True))
    assert result.ok, [p.message("en") for p in result.problems]


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
    assert "protection focal point and the child-protection services" in problem.message("en")
    french = problem.message("fr")
    assert french.startswith("Ligne 4") and "ne conserve" in french and "Videz cette cellule" in french
    assert "point focal pour la protection et les services de protection de l’enfance" in french


def test_a_child_without_the_child_fields_and_an_adult_with_them_are_refused():
    rows = _sample()
    rows.loc[2, "child_return"] = ""   # row 4, a child
    rows.loc[0, "best_interests"] = "assessed"  # row 2, an adult
    result = _upload(rows)
    assert not result.ok
    found = {(p.code, p.row, p.column) for p in result.problems}
    assert ("child_field_missing", 4, "child_return") in found
    assert ("adult_child_field", 2, "best_interests") in found


def test_months_abroad_beyond_the_age_at_return_are_refused():
    rows = _sample()
    at_return = int(C.age_on(rows.loc[2, "age"], rows.loc[2, "return_date"]))
    rows.loc[2, "months_abroad"] = str((at_return + 2) * 12)   # row 4: left before birth
    result = _upload(rows)
    assert not result.ok
    problem = next(p for p in result.problems if p.code == "child_months_abroad")
    assert (problem.row, problem.column) == (4, "months_abroad")
    assert "age at return" in problem.message("en") and "l’âge de l’enfant au retour" in problem.message("fr")


@pytest.mark.parametrize("reason, refused", [("unreachable", True), ("remigrated", True), ("not_eligible", True),
                                             ("handed_over", False), ("completed", False)])
def test_a_childs_case_closes_only_when_completed_or_handed_over(reason, refused):
    rows = _sample()
    rows.loc[3, ["case_status", "closure_date", "closure_reason"]] = ["closed", "2026-06-01", reason]  # row 5
    result = _upload(rows)
    codes = {(p.code, p.row) for p in result.problems}
    assert (("child_closure", 5) in codes) is refused
    assert result.ok is not refused
    if refused:
        problem = next(p for p in result.problems if p.code == "child_closure")
        assert "missing child" in problem.message("en") and "enfant disparu" in problem.message("fr")


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


def _service(services, **where):
    rows = services
    for key, value in where.items():
        rows = rows[rows[key] == value]
    return rows["service_id"].iat[0]


def test_package_rules_across_tables_are_located(package):
    frames = _frames(package)
    cases, refs, services = frames["cases"], frames["referrals"], frames["services"]
    kids = cases[cases["age"].astype(int) < 18]
    young = kids[kids["age"].astype(int) < 14]["case_id"]
    alone = cases[(cases["child_return"] == "unaccompanied") & (cases["age"].astype(int) < 18)]
    cape_refs = refs[refs["service_id"].isin(services[services["service_kind"] == C.CHILD_PROTECTION_KIND]["service_id"])]
    target = cape_refs[cape_refs["case_id"].isin(alone["case_id"])].iloc[0]
    assert len(young)
    employment = _service(services, category="job_placement")
    school = _service(services, category="education")
    health = _service(services, category="health")

    def extra(rid, case, sid, need, when, consent, assent="true"):
        return {"referral_id": rid, "case_id": case, "service_id": sid, "need": need, "referral_date": when,
                "status": "sent", "status_date": "", "consent_recorded": consent, "assent_recorded": assent}

    day_before = (date.fromisoformat(target["referral_date"]).toordinal() - 1)
    before = date.fromordinal(day_before).isoformat()
    added = pd.DataFrame([
        # 1. a non-urgent referral before child protection: refused
        extra("R999991", target["case_id"], school, "education", before, "true"),
        # 2. urgent health care before child protection: allowed
        extra("R999992", target["case_id"], health, "health", before, "true"),
        # 3. a child under 15 referred to job placement, without consent
        extra("R999993", young.iat[0], employment, "job_placement", "2026-06-20", "false"),
        # 4. after child protection, with the legal representative's consent but not the child's assent
        extra("R999994", target["case_id"], school, "education", "2026-06-25", "true", "false"),
    ])
    refs = pd.concat([refs, added], ignore_index=True)
    # 4. the child-protection referral itself without consent: never flagged
    refs.loc[target.name, "consent_recorded"] = "false"
    refs.to_csv(package / "referrals.csv", index=False)
    # 5. a child assessed by phone, and 6. a child under 15 recorded as working
    assessments = frames["assessments"].merge(cases[["case_id", "age"]], on="case_id", how="left")
    a_age = pd.Series([C.age_on(x, d) for x, d in zip(assessments["age"], assessments["assessment_date"])])
    k = a_age[a_age < 18].index[0]
    w = a_age[a_age < C.MIN_WORKING_AGE].index[0]
    table = frames["assessments"]
    table.loc[k, "mode"] = "phone"
    table.loc[w, "eco_work"] = "casual"
    table.to_csv(package / "assessments.csv", index=False)

    report = validate_package(package, check_coordinates=False)
    found = {(p.code, p.row) for p in report["referrals"]}
    n = len(refs) + 1  # the last row's number
    assert ("child_protection_first", n - 3) in found
    assert not any(row == n - 2 for _code, row in found)          # health first: allowed
    assert ("child_under_working_age", n - 1) in found and ("child_consent", n - 1) in found
    assert [code for code, row in found if row == n] == ["child_consent"]   # no assent recorded
    assert not any(row == target.name + 2 for _code, row in found)  # protection referral without consent: fine
    in_assessments = {(p.code, p.row) for p in report["assessments"]}
    assert ("child_assessment_mode", k + 2) in in_assessments and ("child_work", w + 2) in in_assessments
    work = next(p for p in report["assessments"] if p.code == "child_work")
    assert "child labour under the Labour Code (article 143)" in work.message("en")
    assert "travail des enfants au sens du Code du travail (article 143)" in work.message("fr")
    message = next(p for p in report["referrals"] if p.code == "child_under_working_age")
    assert "article 143" in message.message("en") and "article 143" in message.message("fr")


def _mini(age, child_return="unaccompanied", best="referred", referrals=(), assessments=()):
    """A minimal data package around one case (the reference date is 2026-06-30)."""
    cases = pd.DataFrame([{"case_id": "C1", "age": str(age), "child_return": child_return, "best_interests": best,
                           "return_date": "2024-01-15"}])
    services = pd.DataFrame([{"service_id": "S1", "service_kind": C.CHILD_PROTECTION_KIND},
                             {"service_id": "S2", "service_kind": "employment_agency"},
                             {"service_id": "S3", "service_kind": "school"}])
    refs = pd.DataFrame([{"referral_id": f"R{i}", "case_id": "C1", "service_id": s, "need": n, "referral_date": d,
                          "consent_recorded": c} for i, (s, n, d, c) in enumerate(referrals)],
                        columns=["referral_id", "case_id", "service_id", "need", "referral_date", "consent_recorded"])
    assess = pd.DataFrame([{"case_id": "C1", "assessment_date": d, "mode": "in_person", "eco_work": w,
                            "scr_protection": p} for d, w, p in assessments],
                          columns=["case_id", "assessment_date", "mode", "eco_work", "scr_protection"])
    return {"cases": cases, "services": services, "referrals": refs, "assessments": assess}


def test_the_rules_apply_at_the_age_on_the_referral_date():
    # 16 today, 13 two years ago: a job placement then was under the working age; today it is not refused
    then = _mini(16, referrals=[("S1", "social_protection", "2024-05-01", "true"),
                                ("S2", "job_placement", "2024-06-01", "true")])
    assert [p.code for p in C.check_package(then, REF)["referrals"]] == ["child_under_working_age"]
    now = _mini(16, referrals=[("S1", "social_protection", "2026-05-01", "true"),
                               ("S2", "job_placement", "2026-06-01", "true")])
    assert C.check_package(now, REF)["referrals"] == []
    # 19 today, a child at the referral two years ago: the child rules still apply to that referral
    grown = _mini(19, referrals=[("S3", "education", "2024-05-01", "true")])
    assert [p.code for p in C.check_package(grown, REF)["referrals"]] == ["child_protection_first"]


def test_protection_first_applies_only_where_protection_is_needed():
    refs = [("S3", "education", "2026-05-01", "true")]
    assert C.check_package(_mini(10, "with_parent", "screened", refs), REF)["referrals"] == []
    at_risk = _mini(10, "with_parent", "screened", refs, assessments=[("2026-04-01", "none", "yes")])
    assert [p.code for p in C.check_package(at_risk, REF)["referrals"]] == ["child_protection_first"]


def test_child_work_is_flagged_at_the_age_on_the_assessment_date():
    assert [p.code for p in C.check_package(_mini(16, assessments=[("2026-06-01", "casual", "yes")]), REF)[
        "assessments"]] == []   # 16 at the assessment
    flagged = C.check_package(_mini(16, assessments=[("2025-01-01", "own", "yes")]), REF)["assessments"]
    assert [(p.code, p.row, p.column) for p in flagged] == [("child_work", 2, "eco_work")]   # 14 at the assessment


# ---------------------------------------------------------------------------
# The referral exercise's logic

@pytest.fixture(scope="module")
def directory():
    return Directory.load()


def _child(min_age=0, max_age=17, child_return="unaccompanied"):
    cases = pd.read_csv(DATA / "cases.csv", dtype={"phone": str, "email": str, "child_return": str,
                                                  "best_interests": str}, keep_default_na=False)
    kids = cases[(cases["age"] >= min_age) & (cases["age"] <= max_age) & (cases["child_return"] == child_return)]
    return kids.iloc[0].to_dict()


def _centre(directory, region):
    return next(sid for sid in directory.ids if directory.service_type[directory.position[sid]] == C.CHILD_PROTECTION_KIND
                and directory.region[directory.position[sid]] == region)


def _cape_fields(directory, case, centre):
    plan = Plan(case, ["social_protection"], {"social_protection": centre})
    return frozenset({"name", "contact", *R.service_needed_fields(directory, centre, plan.person)})


def test_an_unaccompanied_childs_needs_include_child_protection_before_any_non_urgent_need():
    case = _child(max_age=15)
    needs = [n.category for n in priority_needs(case)]
    assert C.CHILD_PROTECTION_CATEGORY in needs
    first_non_urgent = next(n for n in needs if n not in C.URGENT_BEFORE_PROTECTION)
    assert first_non_urgent == C.CHILD_PROTECTION_CATEGORY
    assert not set(needs) & {"job_placement", "business_development", "financial_services"}
    reason = next(n for n in priority_needs(case) if n.category == C.CHILD_PROTECTION_CATEGORY)
    assert "protection focal point" in reason.reason("en") and "never delayed" in reason.reason("en")
    assert "point focal pour la protection" in reason.reason("fr")


def test_a_screened_child_with_a_parent_gets_no_protection_need_and_no_protection_first(directory):
    case = _child(child_return="with_parent")
    assert case["best_interests"] == "screened"
    assert C.CHILD_PROTECTION_CATEGORY not in [n.category for n in priority_needs(case)]
    school = next(sid for sid in directory.ids if directory.category[directory.position[sid]] == "education")
    checked = check_plan(Plan(case, ["education"], {"education": school}, consent=True,
                              consent_date=date(2026, 6, 1), shared=frozenset({"name"})), directory)
    texts = " ".join(f.text("en") for f in checked.findings)
    assert "no child-protection referral" not in texts and "needs child protection" not in texts


def test_a_childs_document_need_is_civil_status_not_the_national_id_card():
    case = {**_child(), "documents": ""}
    needs = {n.category: n for n in priority_needs(case, max_needs=10)}
    reason = needs["documentation_legal"]
    assert reason.reason("en") == "No birth certificate or civil-status record (needed to enrol in school)."
    assert "acte de naissance" in reason.reason("fr") and "inscription scolaire" in reason.reason("fr")
    with_certificate = {**case, "documents": "birth_certificate"}
    assert "documentation_legal" not in {n.category for n in priority_needs(with_certificate, max_needs=10)}
    adult = {**case, "age": 30, "child_return": "", "best_interests": ""}
    adult_need = {n.category: n for n in priority_needs(adult, max_needs=10)}["documentation_legal"]
    assert "national ID card" in adult_need.reason("en")


def test_the_plan_check_puts_child_protection_before_a_non_urgent_service(directory):
    case = _child(min_age=15, max_age=15)
    centre = _centre(directory, case["region_id"])
    school = next(sid for sid in directory.ids if directory.category[directory.position[sid]] == "education")
    plan = Plan(case, ["education", "social_protection"], {"education": school, "social_protection": centre},
                consent=True, consent_date=date(2026, 6, 1), shared=frozenset({"name"}))
    result = check_plan(plan, directory)
    wrong = [f for f in result.problems if f.point == "eligibility"]
    assert any("no non-urgent referral comes before it" in f.text("en") for f in wrong)
    assert any("aucune orientation non urgente ne la précède" in f.text("fr") for f in wrong)
    assert not result.ready
    # urgent health care first is not refused
    health = next(sid for sid in directory.ids if directory.category[directory.position[sid]] == "health")
    urgent = check_plan(Plan(case, ["health", "social_protection"], {"health": health, "social_protection": centre},
                             consent=True, consent_date=date(2026, 6, 1), shared=frozenset({"name"})), directory)
    assert not any(f.text("en").startswith(case["first_name"] + " is a child") and "no non-urgent" in f.text("en")
                   for f in urgent.findings)
    # child protection alone, with the data it needs: ready, with an assent reminder (a warning, not a tick)
    good = Plan(case, ["social_protection"], {"social_protection": centre}, consent=True,
                consent_date=date(2026, 6, 1), shared=_cape_fields(directory, case, centre))
    checked = check_plan(good, directory)
    assert checked.ready, checked.report("en")
    assent = [f for f in checked.by_point("consent") if "assent" in f.text("en")]
    assert len(assent) == 1 and assent[0].status == "warning"
    assert "Vérifiez que l’assentiment" in assent[0].text("fr")
    good.assent = True
    ticked = [f for f in check_plan(good, directory).by_point("consent") if "assent" in f.text("en")]
    assert [f.status for f in ticked] == ["right"] and "own assent is recorded" in ticked[0].text("en")


def test_the_child_protection_referral_carries_the_reason_for_it(directory):
    case = _child()
    centre = _centre(directory, case["region_id"])
    fields = set(R.service_needed_fields(directory, centre, R.as_person(case)))
    assert {"sex", "age", "languages", "household", "migration", "protection", "mental"} <= fields
    label = R.field_value("age", case, "en")
    assert label.startswith(str(int(case["age"]))) and "without a parent or legal representative" in label
    assert "sans ses parents ni son représentant légal" in R.field_value("age", case, "fr")


def test_consent_never_delays_a_child_protection_referral(directory):
    case = _child()
    centre = _centre(directory, case["region_id"])
    school = next(sid for sid in directory.ids if directory.category[directory.position[sid]] == "education")
    # no consent asked yet: the reminder says the protection referral goes ahead without waiting
    asked = check_plan(Plan(case, ["social_protection"], {"social_protection": centre}), directory)
    missing = [f for f in asked.by_point("consent") if f.status == "missing"]
    assert len(missing) == 1 and "legal representative" in missing[0].text("en")
    assert "without waiting" in missing[0].text("en")
    assert "demandez à" in missing[0].text("fr") and "représentant légal" in missing[0].text("fr")
    # consent refused: the referral to child protection still goes, with its data; the form can be printed
    refused = Plan(case, ["social_protection", "education"], {"social_protection": centre, "education": school},
                   consent=False, shared=_cape_fields(directory, case, centre))
    checked = check_plan(refused, directory)
    texts = " ".join(f.text("en") for f in checked.by_point("consent"))
    assert "still goes ahead" in texts and "source of the risk" in texts
    rows = R.form_rows(refused, directory)
    assert [row.need for row in rows] == ["social_protection"]
    # an adult without consent: nothing can be exported
    adult = {**case, "age": 30, "child_return": "", "best_interests": ""}
    with pytest.raises(R.ExportRefused):
        R.form_rows(Plan(adult, ["social_protection"], {"social_protection": centre}, consent=False), directory)


def test_a_job_placement_at_16_gets_the_labour_code_and_law_19_12_warning(directory):
    case = _child(min_age=16, max_age=17)
    centre = _centre(directory, case["region_id"])
    job = next(sid for sid in directory.ids if directory.category[directory.position[sid]] == "job_placement")
    plan = Plan(case, ["social_protection", "job_placement"], {"social_protection": centre, "job_placement": job},
                consent=True, consent_date=date(2026, 6, 1), shared=frozenset({"name"}))
    warnings = [f for f in check_plan(plan, directory).findings if f.status == "warning" and "19-12" in f.text("en")]
    assert len(warnings) == 1
    assert "art. 147" in warnings[0].text("en") and "minimum age 18" in warnings[0].text("en")
    assert "loi 19-12, âge minimum de 18 ans" in warnings[0].text("fr")
    younger = _child(max_age=14, child_return="with_parent")
    plan14 = Plan(younger, ["social_protection", "job_placement"],
                  {"social_protection": _centre(directory, younger["region_id"]), "job_placement": job},
                  consent=True, consent_date=date(2026, 6, 1), shared=frozenset({"name"}))
    found = check_plan(plan14, directory).findings
    assert any("article 143" in f.text("en") and f.status == "wrong" for f in found)
    assert not any("19-12" in f.text("en") for f in found)


def test_the_exercise_offers_an_unaccompanied_child_among_its_cases():
    from reintegra.loader import load_assessments, load_cases
    cases, assessments = load_cases(), load_assessments()
    picked = exercise_cases(cases, assessments)
    ages = cases.set_index("case_id").loc[picked, "age"]
    assert (ages < 18).sum() == 1 and (ages >= 18).sum() == len(picked) - 1
    answers = baseline_answers(assessments)
    child = ages[ages < 18].index[0]
    row = cases.set_index("case_id").loc[child]
    assert row["child_return"] == "unaccompanied"
    needs = [n.category for n in priority_needs(row.to_dict() | {"case_id": child}, answers.get(child))]
    assert C.CHILD_PROTECTION_CATEGORY in needs


# ---------------------------------------------------------------------------
# The widgets, driven through their controls

@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_referral_exercise_puts_child_protection_first_for_the_child(lang):
    from reintegra.ui.referral import ReferralExercise

    words = {"en": ("no child-protection referral", "child protection is involved at once", "assent"),
             "fr": ("aucune orientation vers la protection de l’enfance",
                    "la protection de l’enfance intervient sans attendre", "assentiment")}[lang]
    ex = ReferralExercise(lang, show_map=False)
    child_id = next(cid for _label, cid in ex.case_picker.options if ex.by_id.loc[cid, "age"] < 18)
    ex.case_picker.value = child_id
    assert "referral-child" in ex.case_card.value  # the card says this is a child, and what that changes
    sex = {"en": (", boy, ", ", girl, "), "fr": (", garçon, ", ", fille, ")}[lang]
    assert any(word in ex.case_card.value for word in sex)  # not the adult's "man" / "homme"
    assert C.CHILD_PROTECTION_CATEGORY in ex.plan.needs
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
    # the child's own assent, recorded with its own control: the reminder becomes a tick
    assert ex.assent.layout.display != "none"
    recorded = {"en": "own assent is recorded", "fr": "est noté, après une explication adaptée à son âge"}[lang]
    assert recorded not in shown
    ex.assent.value = True
    ex.check_button.click()
    shown = ex.feedback.value.replace("&#x27;", "'")
    assert recorded in shown and {"en": "Check that", "fr": "Vérifiez que l’assentiment"}[lang] not in shown
    # an adult's case has no assent control
    adult_id = next(cid for _label, cid in ex.case_picker.options if ex.by_id.loc[cid, "age"] >= 18)
    ex.case_picker.value = adult_id
    assert ex.assent.layout.display == "none"
    adult_words = {"en": (", woman, ", ", man, "), "fr": (", femme, ", ", homme, ")}[lang]
    assert any(word in ex.case_card.value for word in adult_words)


def test_the_caseload_view_shows_children_apart_with_the_under_15_note():
    from reintegra.ui.assessment import CaseloadView

    view = CaseloadView("fr")
    assert [label for label, _v in view.sex_picker.options][1:] == ["Féminin", "Masculin"]
    everyone = view.selection()
    view.age_picker.value = "children"
    children = view.selection()
    assert 0 < len(children) < len(everyone) and (children["age"] < 18).all()
    # a child at the assessment counts as a child, whatever their age today
    grown = set(view.all_scores[view.all_scores["age"] < 18]["case_id"]) - set(
        _frames()["cases"].query("age.astype('int') < 18")["case_id"])
    assert grown and grown <= set(children["case_id"])
    shown = view.count.value.replace("&#x27;", "’")
    assert "point focal pour la protection" in shown and "moins de 15 ans" in shown
    assert "questions économiques ne s’appliquent pas" in shown
    view.age_picker.value = "adults"
    assert len(view.selection()) == len(everyone) - len(children)
    assert "point focal" not in view.count.value
    english = CaseloadView("en")
    assert [label for label, _v in english.sex_picker.options][1:] == ["Female", "Male"]
    english.age_picker.value = "children"
    assert "for a child under 15 its economic questions do not apply" in english.count.value
