"""Referral matching, ranking, plan checking and export (pure logic, no widgets)."""
import csv
import datetime as dt
import io
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reintegra import referral as R
from reintegra.schema import VOCABULARIES
from reintegra.synth.geo import haversine_km

RABAT = (34.0209, -6.8416)
CASABLANCA = (33.5731, -7.5898)
MEKNES = (33.8953, -5.5547)


def service(sid, **overrides):
    row = {
        "service_id": sid, "provider_name": f"Service {sid}", "category": "job_placement", "provider_type": "ngo",
        "region_id": "MA-04", "town": "Rabat", "lat": RABAT[0], "lon": RABAT[1], "min_age": 18, "max_age": 99,
        "sex": "any", "languages": "darija;arabic;french", "documents_required": "", "vulnerability_focus": "",
        "capacity_per_month": 10, "current_load": 5, "cost": "free", "fee_mad": 0, "waiting_days": 7,
        "accessibility": "", "contact_name": "Nadia Test", "phone": "+212 5 00 01 02 03",
        "email": "test@example.org",
    }
    row.update(overrides)
    return row


def directory(*rows):
    return R.Directory(pd.DataFrame(list(rows)))


CASE = {
    "case_id": "C900001", "first_name": "Salma", "last_name": "Testi", "sex": "female", "age": 29,
    "marital_status": "single", "household_size": 3, "region_id": "MA-04", "town": "Rabat",
    "lat": RABAT[0], "lon": RABAT[1], "country_returned_from": "LY", "return_date": "2026-03-01",
    "education": "upper_secondary", "occupation_before": "services", "skills": "sales;computing",
    "languages": "darija;arabic", "documents": "birth_certificate", "vulnerabilities": "psychological_distress",
    "debt_mad": 30000, "debt_reason": "migration", "phone": "+212 5 00 09 09 09", "email": "",
}


def statuses(match):
    return {c.rule: c.status for c in match.checks}


# ------------------------------------------------------------------ distance


def test_great_circle_distances_between_known_cities():
    assert haversine_km(*RABAT, *CASABLANCA) == pytest.approx(86, abs=3)  # about 87 km by road
    assert haversine_km(31.63, -8.01, 30.43, -9.60) == pytest.approx(202, abs=6)  # Marrakech–Agadir
    assert haversine_km(*RABAT, *RABAT) == pytest.approx(0)
    assert haversine_km(*RABAT, *MEKNES) == pytest.approx(haversine_km(*MEKNES, *RABAT))


def test_match_reports_the_distance_from_the_case_town():
    d = directory(service("S1", lat=CASABLANCA[0], lon=CASABLANCA[1], town="Casablanca"))
    m = R.match(CASE, "job_placement", d).eligible[0]
    assert m.distance_km == pytest.approx(haversine_km(*RABAT, *CASABLANCA))
    assert m.km_text("en") == "85 km" or m.km_text("en") == "86 km"
    assert m.km_text("fr").endswith("\u00a0km")


# ------------------------------------------------------------------ eligibility, rule by rule


def test_each_rule_excludes_for_its_own_reason_in_both_languages():
    d = directory(
        service("OK"),
        service("AGE", min_age=35, max_age=60),
        service("SEX", sex="male"),
        service("LANG", languages="french;english"),
        service("DOCS", documents_required="cnie;birth_certificate"),
        service("FOCUS", vulnerability_focus="trafficking_or_violence_survivor;disability"),
    )
    result = R.match(CASE, "job_placement", d)
    assert [m.service_id for m in result.eligible] == ["OK"]
    excluded = {m.service_id: m for m in result.excluded}
    assert set(excluded) == {"AGE", "SEX", "LANG", "DOCS", "FOCUS"}
    for sid, rule in [("AGE", "age"), ("SEX", "sex"), ("LANG", "languages"), ("DOCS", "documents"), ("FOCUS", "focus")]:
        found = statuses(excluded[sid])
        assert found[rule] == "fail", sid
        assert [r for r, s in found.items() if s == "fail"] == [rule], sid
        assert len(excluded[sid].reasons("en")) == 1 and len(excluded[sid].reasons("fr")) == 1
    assert excluded["AGE"].reasons("en") == ["Salma is 29, younger than the minimum age of 35."]
    assert excluded["SEX"].reasons("en") == ["Open to men only; Salma is a woman."]
    assert excluded["SEX"].reasons("fr") == ["Réservé aux hommes\u00a0; Salma est une femme."]
    assert "No language in common" in excluded["LANG"].reasons("en")[0]
    assert "French and English" in excluded["LANG"].reasons("en")[0]
    assert "Darija (Moroccan Arabic) and Standard Arabic" in excluded["LANG"].reasons("en")[0]
    docs = excluded["DOCS"].reasons("en")[0]
    assert "national electronic ID card (CNIE)" in docs and "birth certificate" not in docs.lower().split(":")[1]
    assert "national police, DGSN" in docs
    assert excluded["FOCUS"].reasons("fr")[0].startswith("Réservé à ce public\u00a0: handicap ou survivant")


def test_eligibility_passes_say_why_too():
    d = directory(service("S1", min_age=18, max_age=35, sex="female", documents_required="birth_certificate",
                          vulnerability_focus="psychological_distress"))
    m = R.match(CASE, "job_placement", d).eligible[0]
    texts = [c.text("en") for c in m.checks]
    assert texts[0] == "Salma is 29; the service takes people aged 18 to 35."
    assert texts[1] == "Open to women only; Salma is a woman."
    assert "Darija (Moroccan Arabic)" in texts[2]
    assert texts[3].startswith("Documents asked for: birth certificate")
    assert texts[4].startswith("Reserved for this group: psychological distress; Salma belongs to it")
    assert m.focus_match


def test_older_than_the_maximum_and_several_reasons():
    old = dict(CASE, age=64, sex="male", first_name="Driss")
    d = directory(service("S1", max_age=35, sex="female", languages="english"))
    m = R.match(old, "job_placement", d).excluded[0]
    assert statuses(m) == {"age": "fail", "sex": "fail", "languages": "fail", "documents": "ok", "focus": "ok"}
    assert m.reasons("en")[0] == "Driss is 64, older than the maximum age of 35."
    assert len(m.reasons("fr")) == 3


def test_a_service_without_languages_is_not_excluded_but_flagged():
    d = directory(service("S1", languages=""))
    m = R.match(CASE, "job_placement", d).eligible[0]
    assert statuses(m)["languages"] == "unknown"
    assert "check by phone" in m.notes("en")[0]


codes = st.lists(st.sampled_from(VOCABULARIES["language"]), max_size=3, unique=True)
docs = st.lists(st.sampled_from(VOCABULARIES["document"]), max_size=3, unique=True)
vuls = st.lists(st.sampled_from(VOCABULARIES["vulnerability"]), max_size=2, unique=True)


@settings(max_examples=60, deadline=None)
@given(age=st.integers(16, 90), sex=st.sampled_from(["female", "male"]), langs=codes, have=docs, vul=vuls,
       s_min=st.integers(0, 60), s_span=st.integers(0, 70), s_sex=st.sampled_from(["any", "female", "male"]),
       s_langs=codes, need=docs, focus=vuls)
def test_the_fast_check_agrees_with_the_rule_by_rule_check(age, sex, langs, have, vul, s_min, s_span, s_sex,
                                                           s_langs, need, focus):
    case = dict(CASE, age=age, sex=sex, languages=";".join(langs), documents=";".join(have),
                vulnerabilities=";".join(vul))
    d = directory(service("S1", min_age=s_min, max_age=s_min + s_span, sex=s_sex, languages=";".join(s_langs),
                          documents_required=";".join(need), vulnerability_focus=";".join(focus)))
    person = R.as_person(case)
    fast = bool(R.eligible_mask(person, d, np.array([0]))[0])
    slow = all(c.ok for c in R.check_rules(person, d, 0))
    assert fast == slow


# ------------------------------------------------------------------ ranking


def test_ranking_prefers_places_then_fewer_points():
    near = service("NEAR", lat=RABAT[0] + 0.01)
    far = service("FAR", lat=CASABLANCA[0], lon=CASABLANCA[1])
    full = service("FULL", lat=RABAT[0], current_load=10)
    slow = service("SLOW", waiting_days=90)
    paying = service("PAY", fee_mad=500, cost="fee")
    result = R.match(CASE, "job_placement", directory(far, full, slow, near, paying))
    order = [m.service_id for m in result.eligible]
    assert order[0] == "NEAR"
    assert order[-1] == "FULL"  # no places this month: after every service with places
    # 86 km (1.7 points) costs less than 500 MAD (2 points, the cap); 90 days of waiting cost 6 points
    assert order.index("FAR") < order.index("PAY") < order.index("SLOW")
    assert [m.rank for m in result.eligible] == [1, 2, 3, 4, 5]
    pay = next(m for m in result.eligible if m.service_id == "PAY")
    assert pay.parts[2] == pytest.approx(2.0)  # 500 MAD = 2 points (the cap)
    assert "500 MAD (2.0)" in pay.explanation("en")
    full_m = result.eligible[-1]
    assert full_m.full and "ranked after" in full_m.explanation("en")


def test_explanation_adds_up_and_specialised_services_get_a_bonus():
    plain = service("PLAIN")
    special = service("SPECIAL", vulnerability_focus="psychological_distress")
    result = R.match(CASE, "job_placement", directory(plain, special))
    assert [m.service_id for m in result.eligible] == ["SPECIAL", "PLAIN"]
    m = result.eligible[0]
    p_km, p_days, p_fee, bonus = m.parts
    assert m.points == pytest.approx(p_km + p_days + p_fee - bonus)
    assert bonus == 0.5
    assert "specialised: psychological distress (0.5)" in m.explanation("en")
    assert "spécialisé\u00a0: détresse psychologique (0,5)" in m.explanation("fr")


def test_ranking_weights_are_parameters():
    near_paying = service("A", fee_mad=250, cost="fee")
    far_free = service("B", lat=CASABLANCA[0], lon=CASABLANCA[1])
    d = directory(near_paying, far_free)
    assert R.match(CASE, "job_placement", d).best.service_id == "A"
    costly = R.Ranking(mad_per_point=50)
    assert R.match(CASE, "job_placement", d, ranking=costly).best.service_id == "B"


def test_filters_narrow_the_search_without_excluding():
    d = directory(
        service("A"), service("B", region_id="MA-06", lat=CASABLANCA[0], lon=CASABLANCA[1]),
        service("C", fee_mad=100, cost="fee"), service("D", languages="darija;spanish"),
        service("E", category="health"),
    )
    assert R.match(CASE, "job_placement", d).shown == 4
    assert {m.service_id for m in R.match(CASE, "job_placement", d, R.Filters(region="MA-06")).all()} == {"B"}
    assert "B" not in {m.service_id for m in R.match(CASE, "job_placement", d, R.Filters(max_km=50)).all()}
    assert "C" not in {m.service_id for m in R.match(CASE, "job_placement", d, R.Filters(free_only=True)).all()}
    assert {m.service_id for m in R.match(CASE, "job_placement", d, R.Filters(language="spanish")).all()} == {"D"}
    assert [m.service_id for m in R.match(CASE, "health", d).all()] == ["E"]


def test_unknown_capacity_wait_and_fee_stay_unknown():
    row = service("U")
    for key in ("capacity_per_month", "current_load", "waiting_days", "fee_mad", "cost"):
        row.pop(key)
    row.pop("service_id")
    d = R.Directory(pd.DataFrame([row]))
    m = R.match(CASE, "job_placement", d).eligible[0]
    assert m.service_id == "U00001"
    assert math.isnan(m.places_left) and not m.full
    assert m.places_text("en") == "capacity not recorded"
    assert m.wait_text("fr") == "non renseigné"


# ------------------------------------------------------------------ priority needs


def test_priority_needs_from_the_case_file_and_answers():
    answers = {"eco_income": "none", "eco_work": "none", "eco_debt": "hard", "soc_housing": "temporary"}
    needs = R.priority_needs(CASE, answers, source="rules")
    cats = [n.category for n in needs]
    assert cats == ["mental_health_psychosocial", "documentation_legal", "job_placement", "financial_services"]
    debt = next(n for n in needs if n.category == "financial_services")
    assert debt.reason("en") == "High non-productive debt (30,000 MAD, cost of the migration journey)."
    assert debt.reason("fr") == "Endettement non productif élevé (30\u202f000\u00a0MAD, coût du parcours migratoire)."
    assert len(R.priority_needs(CASE, answers, max_needs=2, source="rules")) == 2


def test_young_returnee_with_little_schooling_needs_training_first():
    young = dict(CASE, age=22, education="primary", vulnerabilities="", documents="cnie")
    cats = [n.category for n in R.priority_needs(young, {"eco_work": "none"}, source="rules")]
    assert cats == ["vocational_training"]


def test_grid_mode_maps_the_assessment_needs_to_service_categories():
    pytest.importorskip("reintegra.plan")
    answers = {"eco_income": "none", "eco_work": "none", "soc_documents": "none", "psy_distress": "most_days"}
    needs = R.priority_needs(CASE, answers, source="grid")
    cats = [n.category for n in needs]
    assert "documentation_legal" in cats and "mental_health_psychosocial" in cats and "job_placement" in cats
    assert all(n.reason("en") and n.reason("fr") != n.reason("en") for n in needs)


# ------------------------------------------------------------------ the plan check


def good_plan(d):
    plan = R.Plan(case=CASE, needs=["job_placement", "health"])
    plan.choices = {"job_placement": "JOB", "health": "HEALTH"}
    plan.consent, plan.consent_date = True, dt.date(2026, 7, 1)
    plan.shared = frozenset({"name", "contact", "age", "languages", "education", "skills", "occupation", "sex", "health"})
    return plan


def plan_directory():
    return directory(service("JOB"), service("HEALTH", category="health"),
                     service("FULLH", category="health", current_load=12),
                     service("MENH", category="health", sex="male"))


def test_a_complete_plan_is_ready():
    d = plan_directory()
    result = R.check_plan(good_plan(d), d)
    assert result.ready, [f.text("en") for f in result.problems]
    assert {p: result.point_status(p) for p in R.POINTS} == {p: "right" for p in R.POINTS}
    assert result.summary("en").startswith("The plan is ready")


def test_plan_check_finds_each_kind_of_problem():
    d = plan_directory()
    plan = good_plan(d)
    plan.choices = {"job_placement": None, "health": "MENH"}
    plan.consent = None
    plan.shared = plan.shared | {"debt", "protection"}
    result = R.check_plan(plan, d)
    assert not result.ready
    assert result.point_status("coverage") == "missing"
    assert result.point_status("eligibility") == "wrong"
    assert result.point_status("consent") == "missing"
    assert result.point_status("data") == "wrong"
    texts = " ".join(f.text("en") for f in result.findings)
    assert "Job placement: no service chosen yet" in texts
    assert "Salma is not eligible. Open to men only" in texts
    assert "Consent not recorded" in texts
    extra = next(f.text("en") for f in result.by_point("data") if f.status == "wrong")
    assert extra.startswith("Not needed by any of these referrals, do not share: education, skills, occupation before migration")
    assert extra.endswith("debt (amount and reason) and survivor of trafficking or violence.")
    french = " ".join(f.text("fr") for f in result.findings)
    assert "Consentement non enregistré\u00a0:" in french
    assert result.summary("fr").endswith("à corriger avant d’envoyer les orientations.")


def test_full_service_no_consent_and_missing_data():
    d = plan_directory()
    plan = good_plan(d)
    plan.choices["health"] = "FULLH"
    plan.consent = False
    result = R.check_plan(plan, d)
    assert result.point_status("capacity") == "wrong"
    assert any("full this month (12 for 10 places)" in f.text("en") for f in result.by_point("capacity"))
    assert result.point_status("consent") == "wrong"
    assert result.point_status("data") == "wrong"  # data ticked without consent
    plan.consent = True
    plan.shared = frozenset({"name", "contact", "age"})
    data = R.check_plan(plan, d).by_point("data")
    assert {f.status for f in data} == {"warning", "right"}
    assert any("needs these data to take the referral: languages spoken" in f.text("en") for f in data)


def test_consent_needs_a_date_and_a_better_option_is_pointed_out():
    d = directory(service("JOB"), service("FAR", lat=CASABLANCA[0], lon=CASABLANCA[1], waiting_days=60))
    plan = R.Plan(case=CASE, needs=["job_placement"], choices={"job_placement": "FAR"}, consent=True)
    result = R.check_plan(plan, d)
    assert result.point_status("consent") == "missing"
    assert any("Service JOB is eligible, has places and ranks higher" in f.text("en") for f in result.findings)
    assert any("60 days of waiting" in f.text("en") for f in result.findings)


def test_data_needed_depends_on_category_and_focus():
    assert R.needed_fields("job_placement") == ("name", "contact", "age", "languages", "education", "skills", "occupation")
    assert "health" not in R.needed_fields("job_placement")
    assert "protection" in R.needed_fields("housing", ["trafficking_or_violence_survivor"])
    person = R.as_person(CASE)
    assert "protection" not in R.needed_fields("housing", ["trafficking_or_violence_survivor"], person)
    assert "mental" in R.needed_fields("housing", ["psychological_distress"], person)
    assert set(R.NEEDED_FIELDS) == set(VOCABULARIES["service_category"])


# ------------------------------------------------------------------ export


def test_csv_cells_are_escaped_against_formula_injection():
    for text in ("=SUM(A1:A9)", "+1+cmd|' /C calc'!A0", "-2+3", "@cmd", "\tx", "\rx"):
        assert R.csv_cell(text) == "'" + text
    for text in ("Rabat", "12", "", "a=b", "Santé"):
        assert R.csv_cell(text) == text
    assert R.csv_cell(None) == ""


def test_exported_forms_carry_only_the_shared_and_needed_fields():
    d = directory(service("JOB", provider_name='=HYPERLINK("http://evil.example","x")'),
                  service("HEALTH", category="health", provider_name="<b>Clinique</b>"))
    plan = good_plan(d)
    plan.shared = frozenset({"name", "contact", "age", "health", "debt"})  # debt: shared but needed by none
    text = R.form_csv(plan, d, "en")
    rows = list(csv.reader(io.StringIO(text)))
    header, job, health = rows
    assert "Debt (amount and reason)" not in header
    assert header[-4:] == ["Full name", "Phone number", "Age", "Health condition (serious illness, disability)"]
    assert job[4].startswith("'=HYPERLINK")  # the formula is neutralised
    assert job[header.index("Phone number")] == "+212 5 00 09 09 09"  # a phone number is no formula
    assert job[header.index("Health condition (serious illness, disability)")] == ""  # not needed by job placement
    assert health[header.index("Health condition (serious illness, disability)")] == "no"
    assert "Salma Testi" in job and "30000" not in text and "30,000" not in text
    french = R.form_csv(plan, d, "fr")
    assert french.splitlines()[0].startswith("reference_dossier;date_orientation;besoin")

    page = R.form_html(plan, d, "fr")
    assert page.count('<section class="referral">') == 2
    assert "&lt;b&gt;Clinique&lt;/b&gt;" in page and "<b>Clinique</b>" not in page
    assert 'data-field="debt"' not in page and "Dette" not in page
    assert page.count('data-field="health"') == 1
    assert "Salma Testi" in page and 'lang="fr"' in page


def test_no_form_without_consent_or_choice():
    d = plan_directory()
    plan = good_plan(d)
    plan.consent = False
    with pytest.raises(R.ExportRefused) as refused:
        R.form_html(plan, d, "en")
    assert "record Salma's consent first" in refused.value.text("en")
    plan.consent, plan.choices = True, {}
    with pytest.raises(R.ExportRefused) as refused:
        R.form_csv(plan, d, "fr")
    assert refused.value.text("fr").startswith("Choisissez au moins un service")


# ------------------------------------------------------------------ on the course data


def test_course_data_gives_varied_exercise_cases():
    from reintegra.loader import load_assessments, load_cases, load_services

    cases, assessments = load_cases(), load_assessments()
    ids = R.exercise_cases(cases, assessments)
    assert len(ids) == 8 and len(set(ids)) == 8
    answers = R.baseline_answers(assessments)
    chosen = cases.set_index("case_id").loc[ids]
    assert set(chosen["sex"]) == {"female", "male"}
    assert chosen["region_id"].nunique() >= 6
    for case_id in ids:
        needs = R.priority_needs(chosen.loc[case_id].to_dict() | {"case_id": case_id}, answers.get(case_id))
        assert 2 <= len(needs) <= 4
    d = R.Directory(load_services())
    case = chosen.loc[ids[0]].to_dict() | {"case_id": ids[0]}
    result = R.match(case, "job_placement", d)
    assert result.eligible and result.excluded
    assert all(m.reasons("en") for m in result.excluded)


# ------------------------------------------------------------------ data minimisation by purpose


def test_each_purpose_is_declared_once_and_only_legal_aid_and_child_protection_need_the_migration_history():
    assert set(R.REFERRAL_PURPOSES) == set(VOCABULARIES["service_type"])
    assert {p for p, fields in R.REFERRAL_PURPOSES.items() if "migration" in fields} == {"legal_aid", "child_protection_centre"}
    assert set(R.SERVICE_TYPE_CATEGORY) == set(R.REFERRAL_PURPOSES)
    assert set(R.SERVICE_TYPE_CATEGORY.values()) == set(VOCABULARIES["service_category"])


def test_no_form_to_a_public_office_carries_the_migration_history_unless_its_purpose_needs_it():
    """Exhaustive over categories, declared or missing service types, and every vulnerability focus."""
    person = R.as_person({**CASE, "vulnerabilities": ";".join(VOCABULARIES["vulnerability"])})
    focuses = [()] + [(v,) for v in VOCABULARIES["vulnerability"]] + [tuple(VOCABULARIES["vulnerability"])]
    checked = 0
    for category in VOCABULARIES["service_category"]:
        for service_type in ("", *VOCABULARIES["service_type"]):
            for focus in focuses:
                fields = R.needed_fields(category, focus, person, service_type, "public")
                purpose = R.service_type_of(category, "public", service_type)
                assert ("migration" in fields) == ("migration" in R.REFERRAL_PURPOSES[purpose]), (category, service_type)
                if not service_type:  # a public office whose file does not say its type
                    assert "migration" not in fields, category
                checked += 1
    assert checked == 11 * (len(VOCABULARIES["service_type"]) + 1) * 8


def test_the_civil_registry_and_the_identity_card_service_get_age_and_documents_only():
    for service_type in ("civil_registry", "identity_card_office"):
        d = directory(service("DOC", category="documentation_legal", provider_type="public", service_kind=service_type))
        plan = R.Plan(case=CASE, needs=["documentation_legal"], choices={"documentation_legal": "DOC"},
                      consent=True, consent_date=dt.date(2026, 7, 1), shared=frozenset(R.SHAREABLE_FIELDS))
        assert R.shares_for(plan, d)["DOC"] == ("name", "contact", "age", "documents")
        page = R.form_html(plan, d, "fr")
        assert "Libye" not in page and "2026-03-01" not in page
        assert 'data-field="documents"' in page and 'data-field="migration"' not in page
    # legal aid acts on what happened abroad: its form may carry the migration history
    d = directory(service("LAW", category="documentation_legal", provider_type="ngo", service_kind="legal_aid"))
    plan = R.Plan(case=CASE, needs=["documentation_legal"], choices={"documentation_legal": "LAW"},
                  consent=True, consent_date=dt.date(2026, 7, 1), shared=frozenset(R.SHAREABLE_FIELDS))
    assert "migration" in R.shares_for(plan, d)["LAW"]
    assert "Libye, 2026-03-01" in R.form_html(plan, d, "fr")


def test_no_public_service_of_the_course_directory_gets_the_migration_history():
    """Except child protection: a child's return is part of the reason for that referral."""
    d = R.Directory.load()
    public = [sid for sid, kind, service_type in zip(d.ids, d.provider_type, d.service_type)
              if kind == "public" and service_type != "child_protection_centre"]
    assert len(public) > 100
    case = {**CASE, "vulnerabilities": ";".join(VOCABULARIES["vulnerability"])}
    for sid in public:
        category = str(d.category[d.position[sid]])
        plan = R.Plan(case=case, needs=[category], choices={category: sid}, consent=True,
                      consent_date=dt.date(2026, 7, 1), shared=frozenset(R.SHAREABLE_FIELDS))
        assert "migration" not in R.shares_for(plan, d)[sid], sid
        assert "Libya" not in R.form_html(plan, d, "en"), sid
