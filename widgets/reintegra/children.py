"""Children in the caseload: the rules that apply to a returnee under 18, written once.

A child is anyone under 18. The course's synthetic caseload holds children who
returned alone (for example Moroccan minors returned from Europe) and children who
returned with a parent; Module 9 teaches what changes for them: the best interests
of the child come first, child protection is involved at once, a family assessment
comes before any plan, the parent or guardian consents and the child assents, and
the file holds even less than an adult's (IOM and UNICEF, *A Child Rights Approach
to the Sustainable Reintegration of Migrant Children and Families*, Reintegration
Handbook module 6; the provincial child-protection mechanisms, DTIPE).

The rules below are applied by the data generator (:mod:`reintegra.synth.generator`),
checked on every caseload a trainer loads (:func:`reintegra.schema.check_rules`, through
:func:`check_cases`), on the whole data package (:func:`check_package`), and in the
referral exercise (:func:`referral_refusal`). Where a rule is the course's own choice
rather than a legal requirement, it says so (*illustrative*):

1. **Age in whole years only.** No date of birth is kept for anyone; a child's file
   says whether the child returned alone or with a parent (``child_return``) and where
   the best interests procedure stands (``best_interests``); an adult's file leaves both
   empty.
2. **No contact details of the child.** A child's own phone number and e-mail are not
   kept: the case manager reaches the child through the parent or guardian, or through
   the child-protection focal point (*illustrative*, from the rule of the minimum).
3. **Child protection first.** A child's first referral goes to child protection
   (a child-protection support centre of the province's DTIPE, ``child_protection_centre``);
   every other referral comes after it.
4. **No work for a child under the minimum working age.** Morocco's Labour Code
   (Law 65-99, article 143) forbids employing a minor under 15 full years, so no
   job-placement referral for a child under 15.
5. **No business grant or loan for a child** (*illustrative*): a business grant or a
   microcredit is a contract an adult signs; a child's economic plan is schooling or
   vocational training, decided in the best interests procedure.
6. **Consent and assent on every referral** of a child: the parent's or guardian's
   consent and the child's assent are recorded (``consent_recorded``).
7. **No assessment of a child by phone** (*illustrative*): a child is assessed in person,
   with the child-protection focal point, and the assessment is flagged for them.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

ADULT_AGE = 18
# Law 65-99 on the Labour Code, article 143: minors may not be employed before 15 full years.
MIN_WORKING_AGE = 15
CHILD_RETURN = ("unaccompanied", "with_parent")
BEST_INTERESTS = ("referred", "assessed", "determined")
CHILD_PROTECTION_KIND = "child_protection_centre"
CHILD_PROTECTION_CATEGORY = "social_protection"
CONTACT_FIELDS = ("phone", "email")
CHILD_FIELDS = ("child_return", "best_interests")
NO_REFERRAL_FOR_CHILD = ("business_development", "financial_services")  # rule 5 (illustrative)
NO_REFERRAL_UNDER_WORKING_AGE = ("job_placement",)  # rule 4
NO_ASSESSMENT_MODE = ("phone",)  # rule 7 (illustrative)


def _age(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def is_child(age: Any) -> bool:
    """True for a known age under 18."""
    a = _age(age)
    return a == a and a < ADULT_AGE


def child_mask(ages) -> np.ndarray:
    """Vectorised :func:`is_child` (unknown ages are not children)."""
    values = pd.to_numeric(pd.Series(list(ages), dtype=object), errors="coerce").to_numpy(dtype=float)
    return np.nan_to_num(values, nan=ADULT_AGE) < ADULT_AGE


def referral_refusal(age: Any, need: str, service_kind: str = "", first: bool = False) -> str | None:
    """Why a referral of this need, to a service of this kind, is not allowed for this person,
    as a problem code (``child_protection_first``, ``child_under_working_age``,
    ``child_no_business``), or None when it is allowed (or the person is an adult).
    ``first``: this would be the person's first referral."""
    if not is_child(age):
        return None
    if first and service_kind != CHILD_PROTECTION_KIND:
        return "child_protection_first"
    if need in NO_REFERRAL_UNDER_WORKING_AGE and _age(age) < MIN_WORKING_AGE:
        return "child_under_working_age"
    if need in NO_REFERRAL_FOR_CHILD:
        return "child_no_business"
    return None


def check_cases(canonical: pd.DataFrame, row_numbers: list[int], headers: Mapping[str, str],
                collector) -> None:
    """Rules 1 and 2 on a cases table (canonical text), each problem named by row and column."""
    from .schema import Problem

    if "age" not in canonical.columns:
        return
    n = len(canonical)
    child = child_mask(canonical["age"])
    known = pd.to_numeric(canonical["age"], errors="coerce").notna().to_numpy()
    empty = [""] * n
    for name in CHILD_FIELDS:
        values = canonical[name].tolist() if name in canonical.columns else empty
        column = headers.get(name, name)
        for i in np.flatnonzero(child):
            if values[i] == "":
                collector.add(Problem("child_field_missing", row_numbers[i], column, None,
                                      details={"age": canonical["age"].iat[i]}))
        for i in np.flatnonzero(known & ~child):
            if values[i] != "":
                collector.add(Problem("adult_child_field", row_numbers[i], column, values[i],
                                      details={"age": canonical["age"].iat[i]}))
    for name in CONTACT_FIELDS:
        if name not in canonical.columns:
            continue
        values = canonical[name].tolist()
        column = headers.get(name, name)
        for i in np.flatnonzero(child):
            if values[i] != "":
                collector.add(Problem("child_contact", row_numbers[i], column, None,
                                      details={"age": canonical["age"].iat[i]}))


def check_package(frames: Mapping[str, pd.DataFrame]) -> dict[str, list]:
    """Rules 3 to 7 across the tables of a data package (text frames as in the CSVs):
    problems by table, each located by the row of the table it is in."""
    from .schema import Problem

    out: dict[str, list] = {"referrals": [], "assessments": []}
    cases = frames.get("cases")
    if cases is None or "age" not in cases.columns:
        return out
    age_of = dict(zip(cases["case_id"], cases["age"]))
    children = {cid for cid, age in age_of.items() if is_child(age)}
    if not children:
        return out
    assessments = frames.get("assessments")
    if assessments is not None and "mode" in assessments.columns:
        for i, (cid, mode) in enumerate(zip(assessments["case_id"], assessments["mode"])):
            if cid in children and mode in NO_ASSESSMENT_MODE:
                out["assessments"].append(Problem("child_assessment_mode", i + 2, "mode", mode,
                                                  table="assessments", details={"case": cid}))
    referrals, services = frames.get("referrals"), frames.get("services")
    if referrals is None or services is None:
        return out
    kind_of = dict(zip(services["service_id"], services.get("service_kind", pd.Series([""] * len(services)))))
    rows = referrals.assign(_row=np.arange(len(referrals)) + 2)
    rows = rows[rows["case_id"].isin(children)].sort_values(["case_id", "referral_date", "referral_id"])
    seen: set[str] = set()
    for r in rows.to_dict("records"):
        cid = r["case_id"]
        code = referral_refusal(age_of[cid], r["need"], kind_of.get(r["service_id"], ""), first=cid not in seen)
        seen.add(cid)
        if code is not None:
            out["referrals"].append(Problem(code, r["_row"], "service_id" if code == "child_protection_first"
                                            else "need", r["service_id"] if code == "child_protection_first"
                                            else r["need"], table="referrals",
                                            details={"case": cid, "age": age_of[cid]}))
        if str(r.get("consent_recorded", "")).lower() != "true":
            out["referrals"].append(Problem("child_consent", r["_row"], "consent_recorded", None,
                                            table="referrals", details={"case": cid}))
    return out
