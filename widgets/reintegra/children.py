"""Children in the caseload: the rules that apply to a returnee under 18, written once.

A child is anyone under 18 (Family Code, article 209: majority at 18 full years,
``morocco2004familycode``). The course's synthetic caseload holds children who returned
without a parent or legal representative (unaccompanied or separated; for example
Moroccan minors returned from Europe) and children who returned with a parent; Module 9
teaches what changes for them: the best interests of the child come first, child
protection is involved at once for every unaccompanied or separated child and for any
child with a protection concern, a family assessment comes before any plan, the legal
representative consents and the child assents, and the file holds even less than an
adult's (IOM and UNICEF, *A Child Rights Approach to the Sustainable Reintegration of
Migrant Children and Families*, Reintegration Handbook module 6; the provincial
child-protection mechanisms, DTIPE).

The rules below are applied by the data generator (:mod:`reintegra.synth.generator`),
checked on every caseload a trainer loads (:func:`reintegra.schema.check_rules`, through
:func:`check_cases`), on the whole data package (:func:`check_package`), and in the
referral exercise (:func:`referral_refusal`, :func:`referral_warning`). Each rule applies
to the age at the time of each referral, assessment or closure (:func:`age_on`), not to
the age on the reference date. Where a rule is the course's own choice rather than a legal
requirement, it says so (*illustrative*):

1. **Age in whole years only.** No date of birth is kept for anyone; the file of a person
   who was a child at return says whether the child returned unaccompanied or separated,
   or with a parent (``child_return``), and where the best interests procedure stands
   (``best_interests``); the file of a person who was an adult at return leaves both
   empty. The months abroad cannot exceed the age at return.
2. **No contact details of the child.** A child's own phone number and e-mail are not
   kept: the case manager reaches the child through the parent or legal representative,
   or with the protection focal point and the child-protection services (*illustrative*,
   from the rule of the minimum).
3. **Child protection first, where it is needed** (the ordering is *illustrative*).
   Child protection (the child-protection support centre, CAPE, ``child_protection_centre``)
   is involved at once for every unaccompanied or separated child and for any child with a
   protection concern; no non-urgent referral comes before it, but urgent health care or
   emergency shelter (``health``, ``housing``) is never delayed. A child who returned with
   a parent is screened (``best_interests`` = ``screened``); their other needs go into the
   family's plan.
4. **No work for a child under the minimum working age.** Morocco's Labour Code
   (Law 65-99, article 143) forbids employing a minor under 15 full years: no
   job-placement referral for a child under 15, and an assessment that records a child
   under 15 as working is flagged (child labour). From 15 to 17, a job placement is a
   warning: only within the best interests procedure, never hazardous work (article 147)
   and never domestic work (Law 19-12, minimum age 18).
5. **No business grant or loan for a child** (*illustrative*): a business grant or a
   microcredit is a contract an adult signs; a child's economic plan is schooling (under
   15) or vocational training (15 to 17, the course's *illustrative* threshold),
   decided in the best interests procedure.
6. **Consent and assent on every referral except the child-protection one**: the consent
   of the child's legal representative (Family Code, articles 230 and 231) or of the
   person or institution to whom the child has been entrusted, and the child's assent
   (``consent_recorded``, ``assent_recorded``). A referral to child protection is never
   delayed for lack of consent, and consent is not sought from a parent who may be the
   source of the risk.
7. **No assessment of a child by phone** (*illustrative*): a child is assessed in person,
   with the protection focal point and the child-protection services.
8. **A child's case closes only when support is completed or by handover to child
   protection** (``handed_over``): an unaccompanied child who cannot be reached or has
   left again is a missing child, not a closed case.
"""
from __future__ import annotations

import math
from datetime import date
from typing import Any, Mapping

from .lazy import lazy_module

np = lazy_module("numpy")  # imported when first used: the case assessment needs neither
pd = lazy_module("pandas")

ADULT_AGE = 18
# Law 65-99 on the Labour Code, article 143: minors may not be employed before 15 full years.
MIN_WORKING_AGE = 15
# ASSUMPTION (illustrative): under 15 a child's economic plan is schooling, from 15 vocational training.
TRAINING_AGE = MIN_WORKING_AGE
CHILD_RETURN = ("unaccompanied", "with_parent")
BEST_INTERESTS = ("screened", "referred", "assessed", "determined")
PROTECTION_PROCEDURE = ("referred", "assessed", "determined")
CHILD_PROTECTION_KIND = "child_protection_centre"
CHILD_PROTECTION_CATEGORY = "social_protection"
CONTACT_FIELDS = ("phone", "email")
CHILD_FIELDS = ("child_return", "best_interests")
NO_REFERRAL_FOR_CHILD = ("business_development", "financial_services")  # rule 5 (illustrative)
NO_REFERRAL_UNDER_WORKING_AGE = ("job_placement",)  # rule 4
WARN_FROM_WORKING_AGE = ("job_placement",)  # rule 4, 15 to 17
URGENT_BEFORE_PROTECTION = ("health", "housing")  # rule 3: never delayed
NO_ASSESSMENT_MODE = ("phone",)  # rule 7 (illustrative)
CHILD_CLOSURE_REASONS = ("completed", "handed_over")  # rule 8
PROTECTION_SCREENING = ("scr_protection", "scr_trafficking")
DAYS_PER_YEAR = 365.25


def _age(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _reference_date() -> date:
    from .synth.reference import REFERENCE_DATE
    return date.fromisoformat(REFERENCE_DATE)


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


def age_on(age: Any, when: Any, reference: date | None = None) -> float:
    """The age in whole years on the date ``when`` of a person whose file gives ``age`` on the
    reference date: the age minus the time between, rounded down, that is the youngest the
    person can have been on that date (so the child rules apply whenever the person may have
    been a child). An unknown date gives the age itself; an unknown age gives NaN."""
    a = _age(age)
    d = _as_date(when)
    if a != a or d is None:
        return a
    years = ((reference or _reference_date()) - d).days / DAYS_PER_YEAR
    return float(math.floor(a - max(years, 0.0) + 1e-9))


def is_child(age: Any) -> bool:
    """True for a known age under 18."""
    a = _age(age)
    return a == a and a < ADULT_AGE


def child_mask(ages) -> np.ndarray:
    """Vectorised :func:`is_child` (unknown ages are not children)."""
    values = pd.to_numeric(pd.Series(list(ages), dtype=object), errors="coerce").to_numpy(dtype=float)
    return np.nan_to_num(values, nan=ADULT_AGE) < ADULT_AGE


def needs_protection(child_return: Any = "", best_interests: Any = "", concern: bool = False) -> bool:
    """Rule 3: child protection is involved at once for an unaccompanied or separated child,
    for a child in the best interests procedure, and for any child with a protection concern."""
    return (str(child_return or "") == "unaccompanied" or str(best_interests or "") in PROTECTION_PROCEDURE
            or bool(concern))


def referral_refusal(age: Any, need: str, service_kind: str = "", before_protection: bool = False,
                     protection: bool = True) -> str | None:
    """Why a referral of this need, to a service of this kind, is not allowed for this person at
    this age (the age on the referral date), as a problem code (``child_protection_first``,
    ``child_under_working_age``, ``child_no_business``), or None when it is allowed (or the
    person is an adult). ``before_protection``: no child-protection referral comes before this
    one; ``protection``: the child needs child protection (:func:`needs_protection`)."""
    if not is_child(age):
        return None
    if (before_protection and protection and service_kind != CHILD_PROTECTION_KIND
            and need not in URGENT_BEFORE_PROTECTION):
        return "child_protection_first"
    if need in NO_REFERRAL_UNDER_WORKING_AGE and _age(age) < MIN_WORKING_AGE:
        return "child_under_working_age"
    if need in NO_REFERRAL_FOR_CHILD:
        return "child_no_business"
    return None


def referral_warning(age: Any, need: str) -> str | None:
    """A referral allowed with a warning: a job placement for a child of 15 to 17
    (``child_work_15_17``), or None."""
    a = _age(age)
    if is_child(a) and a >= MIN_WORKING_AGE and need in WARN_FROM_WORKING_AGE:
        return "child_work_15_17"
    return None


def consent_required(age: Any, service_kind: str) -> bool:
    """Rule 6: a child's referral needs recorded consent, except a referral to child protection."""
    return not (is_child(age) and service_kind == CHILD_PROTECTION_KIND)


def check_cases(canonical: pd.DataFrame, row_numbers: list[int], headers: Mapping[str, str],
                collector, reference: date | None = None) -> None:
    """Rules 1, 2 and 8 on a cases table (canonical text), each problem named by row and column."""
    from .schema import Problem

    if "age" not in canonical.columns:
        return
    n = len(canonical)
    ages = canonical["age"].tolist()
    child = child_mask(ages)
    known = pd.to_numeric(canonical["age"], errors="coerce").notna().to_numpy()
    returned = canonical["return_date"].tolist() if "return_date" in canonical.columns else [""] * n
    at_return = np.array([age_on(a, d, reference) for a, d in zip(ages, returned)], dtype=float)
    child_at_return = np.nan_to_num(at_return, nan=ADULT_AGE) < ADULT_AGE
    empty = [""] * n
    for name in CHILD_FIELDS:
        values = canonical[name].tolist() if name in canonical.columns else empty
        column = headers.get(name, name)
        for i in np.flatnonzero(child):
            if values[i] == "":
                collector.add(Problem("child_field_missing", row_numbers[i], column, None,
                                      details={"age": ages[i]}))
        for i in np.flatnonzero(known & ~child & ~child_at_return):
            if values[i] != "":
                collector.add(Problem("adult_child_field", row_numbers[i], column, values[i],
                                      details={"age": ages[i]}))
    for name in CONTACT_FIELDS:
        if name not in canonical.columns:
            continue
        values = canonical[name].tolist()
        column = headers.get(name, name)
        for i in np.flatnonzero(child):
            if values[i] != "":
                collector.add(Problem("child_contact", row_numbers[i], column, None,
                                      details={"age": ages[i]}))
    if "months_abroad" in canonical.columns:
        months = pd.to_numeric(canonical["months_abroad"], errors="coerce").to_numpy(dtype=float)
        column = headers.get("months_abroad", "months_abroad")
        for i in np.flatnonzero(child_at_return):
            # the oldest the person can have been at return is the youngest plus one year
            if months[i] == months[i] and months[i] > (at_return[i] + 1) * 12:
                collector.add(Problem("child_months_abroad", row_numbers[i], column, canonical["months_abroad"].iat[i],
                                      details={"age": int(at_return[i])}))
    if {"closure_reason", "closure_date"} <= set(canonical.columns):
        column = headers.get("closure_reason", "closure_reason")
        for i, (a, when, why) in enumerate(zip(ages, canonical["closure_date"], canonical["closure_reason"])):
            if why and why not in CHILD_CLOSURE_REASONS and is_child(age_on(a, when, reference)):
                collector.add(Problem("child_closure", row_numbers[i], column, why,
                                      details={"age": int(age_on(a, when, reference))}))


def protection_concerns(assessments: pd.DataFrame | None) -> set[str]:
    """The cases with a protection concern in any assessment (rule 3)."""
    if assessments is None or "case_id" not in assessments.columns:
        return set()
    flagged = np.zeros(len(assessments), dtype=bool)
    for q in PROTECTION_SCREENING:
        if q in assessments.columns:
            flagged |= assessments[q].astype(str).str.lower().eq("yes").to_numpy()
    return set(assessments["case_id"][flagged])


def check_package(frames: Mapping[str, pd.DataFrame], reference: date | None = None) -> dict[str, list]:
    """Rules 3 to 7 across the tables of a data package (text frames as in the CSVs):
    problems by table, each located by the row of the table it is in. Each rule applies
    at the age on the date of the referral or the assessment."""
    from .schema import Problem

    out: dict[str, list] = {"referrals": [], "assessments": []}
    cases = frames.get("cases")
    if cases is None or "age" not in cases.columns:
        return out
    age_of = dict(zip(cases["case_id"], cases["age"]))
    ret = dict(zip(cases["case_id"], cases["return_date"])) if "return_date" in cases.columns else {}
    possibly = {cid for cid, age in age_of.items() if is_child(age_on(age, ret.get(cid), reference))}
    if not possibly:
        return out
    assessments = frames.get("assessments")
    if assessments is not None and "case_id" in assessments.columns:
        dates = assessments["assessment_date"] if "assessment_date" in assessments.columns else pd.Series([""] * len(assessments))
        modes = assessments["mode"] if "mode" in assessments.columns else pd.Series([""] * len(assessments))
        work = assessments["eco_work"] if "eco_work" in assessments.columns else pd.Series([""] * len(assessments))
        for i, (cid, when, mode, job) in enumerate(zip(assessments["case_id"], dates, modes, work)):
            if cid not in possibly:
                continue
            age = age_on(age_of[cid], when, reference)
            if not is_child(age):
                continue
            if mode in NO_ASSESSMENT_MODE:
                out["assessments"].append(Problem("child_assessment_mode", i + 2, "mode", mode,
                                                  table="assessments", details={"case": cid}))
            if age < MIN_WORKING_AGE and str(job or "") not in ("", "none"):
                out["assessments"].append(Problem("child_work", i + 2, "eco_work", job,
                                                  table="assessments", details={"case": cid, "age": int(age)}))
    referrals, services = frames.get("referrals"), frames.get("services")
    if referrals is None or services is None:
        return out
    concern = protection_concerns(assessments)
    fields = {name: dict(zip(cases["case_id"], cases[name])) if name in cases.columns else {} for name in CHILD_FIELDS}
    kind_of = dict(zip(services["service_id"], services.get("service_kind", pd.Series([""] * len(services)))))
    rows = referrals.assign(_row=np.arange(len(referrals)) + 2)
    rows = rows[rows["case_id"].isin(possibly)].sort_values(["case_id", "referral_date", "referral_id"])
    protected: set[str] = set()
    for r in rows.to_dict("records"):
        cid = r["case_id"]
        age = age_on(age_of[cid], r.get("referral_date"), reference)
        if not is_child(age):
            continue
        kind = kind_of.get(r["service_id"], "")
        needed = needs_protection(fields["child_return"].get(cid), fields["best_interests"].get(cid), cid in concern)
        code = referral_refusal(age, r["need"], kind, before_protection=cid not in protected, protection=needed)
        if kind == CHILD_PROTECTION_KIND:
            protected.add(cid)
        if code is not None:
            on_service = code == "child_protection_first"
            out["referrals"].append(Problem(code, r["_row"], "service_id" if on_service else "need",
                                            r["service_id"] if on_service else r["need"], table="referrals",
                                            details={"case": cid, "age": int(age)}))
        assent = str(r.get("assent_recorded", "true")).lower()  # an older package has no assent column
        if consent_required(age, kind) and (str(r.get("consent_recorded", "")).lower() != "true" or assent != "true"):
            out["referrals"].append(Problem("child_consent", r["_row"], "consent_recorded", None,
                                            table="referrals", details={"case": cid}))
    return out
