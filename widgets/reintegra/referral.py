"""Referral matching, plan checking and referral forms: pure logic, no widgets.

A case manager who refers a returnee to a service checks, for each priority need,
which services of the local directory (the *service mapping* of the Handbook's
Annex 8) could meet it, whether the returnee is eligible, how far away and how
busy each service is, and what it costs. This module does that work and says why.

**Eligibility**, rule by rule (:data:`RULES`), each with its reason in plain
words, English and French:

* ``age``: the returnee's age lies within the service's age range;
* ``sex``: the service is open to anyone, or to the returnee's sex;
* ``languages``: the staff speak at least one of the returnee's languages
  (a service that recorded no language passes, with a note to check by phone);
* ``documents``: the returnee holds every document the service asks for;
* ``focus``: a service with a vulnerability focus serves only people with at
  least one of those vulnerabilities.

Capacity is not an eligibility rule: a full service can still be the right one,
with a wait. It is reported (places left this month) and it orders the ranking.

**Ranking** (:class:`Ranking`) of the eligible services, explainable in one line:
services with places left this month come first; within each group, the lowest
score wins, where the score adds up *points*::

    points = distance_km / 50 + waiting_days / 15 + min(fee_mad / 250, 2)
             − 0.5 if the service specialises in one of the returnee's vulnerabilities

so one point is worth 50 km of travel, or 15 days of waiting, or 250 MAD of fees
(capped at 2 points). The weights are the course's illustrative choice, meant to
be discussed in the workshop, and are parameters of :class:`Ranking`.

**Priority needs.** When the case-assessment module (:mod:`reintegra.plan`)
offers a function that returns a case's priority needs as service categories,
:func:`priority_needs` uses it; otherwise it derives them from the case's own
columns and baseline answers with the documented, illustrative mapping
:data:`NEED_RULES` (kept in one place, easy to switch).

**Data minimisation.** A referral shares with the provider only what that
referral needs (IOM Data Protection Principles: specified purpose, consent,
transfer to third parties). The fields of a form follow from the purpose of
the referral, which is the type of service it goes to: :data:`REFERRAL_PURPOSES`
declares, in one place (by the ``service_kind`` of the service), which fields of the case each purpose needs (a civil
registry office or the identity-card service of the national police gets the
person's age and documents, never the country returned from or the return date);
a service whose vulnerability focus is part
of its eligibility also needs the matching vulnerability group. Every referral
form holds the fields the learner chose to share *and* the referral needs;
the plan check flags fields shared that no referral needs.

**Export.** :func:`form_html` (printable, one page per referral) and
:func:`form_csv` (one row per referral; every cell escaped against formula
injection, per OWASP: a cell starting with ``= + - @`` tab or carriage return
gets a leading apostrophe).
"""
from __future__ import annotations

import re

import csv
import html
import io
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .children import (CHILD_PROTECTION_CATEGORY, CHILD_PROTECTION_KIND, MIN_WORKING_AGE, TRAINING_AGE,
                       URGENT_BEFORE_PROTECTION, is_child, needs_protection, referral_refusal, referral_warning)
from .i18n import current_lang, fmt_number, messages, plural
from .schema import VOCABULARIES, label, split_codes
from .synth.geo import haversine_km

CATEGORIES: tuple[str, ...] = VOCABULARIES["service_category"]
LIST_COLUMNS = ("languages", "documents_required", "vulnerability_focus", "accessibility")

M = messages(
    "referral",
    {
        # --- rules
        "rule_age": "Age",
        "rule_sex": "Sex",
        "rule_languages": "Languages",
        "rule_documents": "Documents",
        "rule_focus": "Vulnerability focus",
        "age_ok": "{name} is {age}; the service takes people aged {low} to {high}.",
        "age_ok_open": "{name} is {age}; the service takes people aged {low} or over.",
        "age_young": "{name} is {age}, younger than the minimum age of {low}.",
        "age_old": "{name} is {age}, older than the maximum age of {high}.",
        "age_unknown": "The age of {name} is not recorded: ask before referring.",
        "sex_any": "Open to anyone.",
        "sex_ok_female": "Open to women only; {name} is a woman.",
        "sex_ok_male": "Open to men only; {name} is a man.",
        "sex_fail_female": "Open to women only; {name} is a man.",
        "sex_fail_male": "Open to men only; {name} is a woman.",
        "lang_ok": "The staff speak {common}, which {name} speaks.",
        "lang_fail": "No language in common: the staff speak {service}; {name} speaks {case}.",
        "lang_unknown": "The service recorded no language: check by phone which languages the staff speak.",
        "docs_none": "No document required.",
        "docs_ok": "Documents asked for: {docs}; {name} has them.",
        "docs_fail": ("Documents asked for that {name} does not have: {missing}. Help to obtain them first "
                      "(the national identity card from the national police, DGSN; civil-status records from the "
                      "civil registry)."),
        "focus_none": "Open to everyone who needs it (no vulnerability focus).",
        "focus_ok": "Reserved for this group: {focus}; {name} belongs to it.",
        "focus_fail": "Reserved for this group: {focus}; {name} does not belong to it.",
        "or": "or",
        "and": "and",
        "none": "none",
        # --- facts and ranking
        "km": "{km} km",
        "days": plural("{n} day", "{n} days"),
        "free": "free",
        "fee": "{fee} MAD",
        "places": plural("{n} place left this month", "{n} places left this month"),
        "full": "full this month ({load} for {capacity} places)",
        "places_unknown": "capacity not recorded",
        "places_short": plural("{n} place", "{n} places"),
        "full_short": "full",
        "unknown": "not recorded",
        "score": "{total} points = {km} km ({p_km}) + {days}-day wait ({p_days}) + {cost} ({p_fee}){bonus}",
        "score_bonus": " − specialised: {focus} ({bonus})",
        "score_full": "No places left this month: ranked after the services that have some.",
        "ranking_rule": ("Ranking (illustrative weights): services with places left this month first; then the fewest points, "
            "where 1 point = 50 km of travel = 15 days of waiting = 250 MAD of fees (at most 2 points for fees), "
            "and a service specialised in one of the returnee's vulnerabilities gets 0.5 point off."),
        # --- needs
        "need_reason_no_income": "No regular income or work (baseline assessment).",
        "need_reason_young_no_income": "No regular income or work, young and with little formal education: training first.",
        "need_reason_skills_business": "No regular income or work; skills or trade experience to start an activity.",
        "need_reason_debt": "High non-productive debt ({debt} MAD, {reason}).",
        "need_reason_distress": "Psychological distress or a history of trafficking or violence.",
        "need_reason_child": ("{name} is a child ({age}) who needs child protection: involve it at once, with the protection "
                              "focal point and the child-protection services; no non-urgent referral comes before it, but "
                              "urgent health care or emergency shelter is never delayed. A family assessment comes before any plan."),
        "need_reason_health": "A serious health condition or a disability, or no access to health care.",
        "need_reason_documents": "Identity documents missing (no national ID card).",
        "need_reason_documents_child": "No birth certificate or civil-status record (needed to enrol in school).",
        "need_reason_housing": "No housing or only temporary housing.",
        "need_reason_education": "School-age children out of school.",
        "need_reason_social": "Single parent or older person, or no access to public services.",
        "need_reason_isolation": "No one to count on, or feels rejected since return.",
        # --- data fields
        "field_name": "Full name",
        "field_contact": "Phone number",
        "field_sex": "Sex",
        "field_age": "Age",
        "field_town": "Town",
        "field_languages": "Languages spoken",
        "field_education": "Education",
        "field_skills": "Skills",
        "field_occupation": "Occupation before migration",
        "field_household": "Household size",
        "field_marital": "Marital status",
        "field_documents": "Documents held",
        "field_debt": "Debt (amount and reason)",
        "field_migration": "Country returned from and return date",
        "field_health": "Health condition (serious illness, disability)",
        "field_mental": "Psychological distress",
        "field_protection": "Survivor of trafficking or violence",
        "field_family": "Single parent or older person",
        "yes": "yes",
        "no": "no",
        # --- plan check
        "point_coverage": "Every priority need covered",
        "point_eligibility": "Eligibility",
        "point_capacity": "Capacity and delays",
        "point_consent": "Consent",
        "point_data": "Data shared",
        "covered": "{need}: {service}.",
        "not_covered": "{need}: no service chosen yet. Filter the directory and choose one.",
        "wrong_category": "{need}: {service} offers {category}, not this need.",
        "unknown_service": "{need}: the service chosen ({service_id}) is not in the directory any more. Choose again.",
        "eligible": "{service}: {name} is eligible.",
        "not_eligible": "{service}: {name} is not eligible. {reasons}",
        "check_by_phone": "{service}: {reason}",
        "has_places": "{service}: {places}, first appointment in about {days}.",
        "no_places": "{service}: {full}. Choose a service with places, or agree the wait with {name}.",
        "capacity_unknown": "{service}: capacity not recorded. Call the service to check it can take {name} this month.",
        "long_wait": "{service}: {days} of waiting. Tell {name}, and look for a quicker option if the need is urgent.",
        "better_option": "{need}: {better} is eligible, has places and ranks higher ({why}). Is there a reason to prefer {service}?",
        "consent_yes": "Consent recorded on {date}.",
        "child_assent": ("Check that {name}'s own assent was asked and recorded, after an explanation suited to their age: "
                         "the consent recorded here is the legal representative's."),
        "child_assent_yes": "{name}'s own assent is recorded, after an explanation suited to their age.",
        "child_consent_missing": ("Consent not recorded: ask {name}'s legal representative for their consent and ask {name} "
                                  "for their own assent; explain which data go to which service and why, then record the "
                                  "answers and the date. The referral to child protection goes ahead without waiting."),
        "child_consent_no": ("No consent: the referral to child protection still goes ahead, never delayed for lack of consent, "
                             "and consent is not sought from a parent who may be the source of the risk. The other referrals "
                             "of {name} wait for the consent of their legal representative and {name}'s assent."),
        "child_protection_right": "{service}: child protection is involved at once, before any non-urgent referral.",
        "child_protection_first": ("{name} is a child ({age}) who needs child protection: no non-urgent referral comes before "
                                   "it, and {service} is not urgent health care or emergency shelter. Put child protection "
                                   "(the CAPE serving the child's province) first."),
        "child_no_protection": ("{name} is a child ({age}) who returned without a parent or legal representative, or has a "
                                "protection concern: the plan has no child-protection referral. Refer to child protection at once."),
        "child_under_working_age": "{service}: {name} is {age}. Morocco's Labour Code (article 143) forbids employing a child under 15: no job placement.",
        "child_work_15_17": ("{name} is {age}: work is allowed from 15 only within the best interests procedure, never "
                             "hazardous work (Labour Code art. 147) and never domestic work (Law 19-12, minimum age 18)."),
        "child_no_business": "{service}: {name} is a child ({age}). No business grant or loan for a child (the course's illustrative rule): schooling or training is decided with child protection.",
        "consent_no_date": "Consent is marked yes but has no date: record when {name} agreed.",
        "consent_no": ("{name} did not consent: no data may be sent to any service. Talk again about the referrals and their purpose; "
                       "{name} may still contact a service directly."),
        "consent_missing": "Consent not recorded: ask {name}, explain which data go to which service and why, and record the answer and the date.",
        "data_ok": "Only data the referrals need are shared.",
        "data_extra": "Not needed by any of these referrals, do not share: {fields}.",
        "data_missing": "{service} needs these data to take the referral: {fields}. Share them if {name} agrees.",
        "data_without_consent": "Fields are ticked for sharing but there is no consent: nothing may be shared.",
        "data_none": "No data chosen for sharing: each provider needs at least the name and a phone number.",
        "ready": "The plan is ready: every need is covered, every service is eligible and has places, consent is recorded and only the data needed are shared.",
        "not_ready": plural("{n} point to fix before sending the referrals.", "{n} points to fix before sending the referrals."),
        # --- form
        "form_title": "Referral form",
        "form_synthetic": "Course exercise with synthetic data: not a real person, not a real service.",
        "form_reference": "Case reference",
        "form_date": "Date of referral",
        "form_need": "Need addressed",
        "form_to": "Referred to",
        "form_contact": "Contact at the service",
        "form_consent": "Consent to share these data for this referral",
        "form_consent_value": "yes, recorded on {date}",
        "form_data": "Data shared with this service (only what this referral needs)",
        "form_no_data": "No personal data shared.",
        "form_field": "Field",
        "form_value": "Value",
        "form_footer": "Keep this form confidential. Send it only to the service named above, by a secure channel.",
        "col_case": "case_reference",
        "col_date": "referral_date",
        "col_need": "need",
        "col_service_id": "service_id",
        "col_service": "service",
        "col_consent": "consent",
        "col_consent_date": "consent_date",
        "export_no_consent": "No referral form without consent: record {name}'s consent first.",
        "export_nothing": "Choose at least one service before exporting.",
        "describe_head": "{need}: {services}, {eligible}, {excluded}.",
        "col_category": "Service category",
        "col_purpose": "Purpose of the referral (type of service)",
        "col_fields": "Needs, besides name and phone number",
        "describe_services": plural("{n} service in the directory", "{n} services in the directory"),
        "describe_eligible": plural("{n} eligible", "{n} eligible"),
        "describe_excluded": plural("{n} excluded", "{n} excluded"),
    },
)


def _both(key: str, **fields) -> dict[str, str]:
    """A message in both languages; a field may be a callable ``lang -> str``."""
    out = {}
    for lang in ("en", "fr"):
        values = {k: (v(lang) if callable(v) else v) for k, v in fields.items()}
        out[lang] = M(key, lang, **values)
    return out


def join_words(items: Sequence[str], lang: str, word: str = "and") -> str:
    items = [str(i) for i in items if str(i)]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {M(word, lang)} " + items[-1]


def category_label(category: str, lang: str | None = None) -> str:
    return label("service_category", category, lang)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _labels(vocab: str, codes: Iterable[str], lang: str, word: str = "and") -> str:
    """Labels joined in a sentence: lower-case initial, except English language names."""
    lang = current_lang(lang)
    keep = vocab == "language" and lang == "en"
    return join_words([label(vocab, c, lang) if keep else _lower_first(label(vocab, c, lang)) for c in codes],
                      lang, word)


# ---------------------------------------------------------------------------
# The directory: services as a table, plus arrays for fast matching


def _bitmask(cells: Sequence, codes: Sequence[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(codes)}
    out = np.zeros(len(cells), dtype=np.int64)
    for k, cell in enumerate(cells):
        mask = 0
        for code in split_codes(cell):
            if code in index:
                mask |= 1 << index[code]
        out[k] = mask
    return out


def _mask_of(codes: Iterable[str], vocab: Sequence[str]) -> int:
    index = {c: i for i, c in enumerate(vocab)}
    mask = 0
    for code in codes:
        if code in index:
            mask |= 1 << index[code]
    return mask


def _num(series: pd.Series | None, n: int, default: float = np.nan) -> np.ndarray:
    if series is None:
        return np.full(n, default, dtype=float)
    return pd.to_numeric(series, errors="coerce").astype("float64").to_numpy(na_value=np.nan)


@dataclass
class Directory:
    """A service directory ready for matching.

    Built from the services table as the loader returns it (list cells are
    ``;``-joined codes). Missing optional columns (a trainer's file) are
    tolerated: an unrecorded capacity, wait or fee stays unknown, never zero.
    """

    frame: pd.DataFrame
    source: str = "course"  # "course" or the name of an uploaded file

    def __post_init__(self) -> None:
        f = self.frame.reset_index(drop=True).copy()
        n = len(f)
        if "service_id" not in f or f["service_id"].isna().any() or (f["service_id"].astype(str) == "").any():
            ids = f["service_id"].astype("object") if "service_id" in f else pd.Series([None] * n, dtype="object")
            f["service_id"] = [sid if isinstance(sid, str) and sid and sid != "None" else f"U{k + 1:05d}"
                               for k, sid in enumerate(ids)]
        f["service_id"] = f["service_id"].astype(str)
        for column in LIST_COLUMNS:
            if column not in f:
                f[column] = ""
            f[column] = f[column].fillna("").astype(str).replace({"None": "", "nan": ""})
        for column in ("provider_name", "town", "region_id", "category", "sex", "cost", "contact_name", "phone", "email",
                       "provider_type", "service_kind"):
            if column not in f:
                f[column] = ""
            f[column] = f[column].astype("object").where(f[column].notna(), "").astype(str).replace({"None": ""})
        f.loc[f["sex"] == "", "sex"] = "any"
        self.frame = f
        self.ids = f["service_id"].to_numpy()
        self.position = {sid: k for k, sid in enumerate(self.ids)}
        self.category = f["category"].to_numpy()
        self.provider_type = f["provider_type"].to_numpy(dtype=object)
        self.service_type = np.array([service_type_of(c, p, t) for c, p, t in
                                      zip(self.category, self.provider_type, f["service_kind"])], dtype=object)
        self.names = f["provider_name"].to_numpy(dtype=object)
        self.towns = f["town"].to_numpy(dtype=object)
        self.region = f["region_id"].to_numpy()
        self.sex = f["sex"].to_numpy()
        self.lat = _num(f.get("lat"), n)
        self.lon = _num(f.get("lon"), n)
        self.min_age = _num(f.get("min_age"), n, 0)
        self.max_age = _num(f.get("max_age"), n, 120)
        self.min_age = np.where(np.isnan(self.min_age), 0, self.min_age)
        self.max_age = np.where(np.isnan(self.max_age), 120, self.max_age)
        self.capacity = _num(f.get("capacity_per_month"), n)
        self.load = _num(f.get("current_load"), n)
        self.places = self.capacity - np.where(np.isnan(self.load), 0, self.load)
        self.waiting = _num(f.get("waiting_days"), n)
        fee = _num(f.get("fee_mad"), n)
        cost = f["cost"].to_numpy()
        fee = np.where(np.isnan(fee) & (cost == "free"), 0, fee)
        self.fee = fee
        self.lang_mask = _bitmask(f["languages"].tolist(), VOCABULARIES["language"])
        self.docs_mask = _bitmask(f["documents_required"].tolist(), VOCABULARIES["document"])
        self.focus_mask = _bitmask(f["vulnerability_focus"].tolist(), VOCABULARIES["vulnerability"])
        self.by_category = {c: np.flatnonzero(self.category == c) for c in pd.unique(self.category)}

    def __len__(self) -> int:
        return len(self.frame)

    def row(self, service_id: str) -> dict | None:
        k = self.position.get(service_id)
        return None if k is None else self.frame.iloc[k].to_dict()

    def name(self, service_id: str) -> str:
        row = self.row(service_id)
        return str(row["provider_name"]) if row else str(service_id)

    @classmethod
    def load(cls, folder=None) -> "Directory":
        from .loader import load_services

        return cls(load_services(folder))


# ---------------------------------------------------------------------------
# A case, read once


@dataclass(frozen=True)
class Person:
    """What matching needs to know about a case."""

    case_id: str
    name: str
    age: float
    sex: str
    lat: float
    lon: float
    region_id: str
    town: str
    languages: tuple[str, ...]
    documents: tuple[str, ...]
    vulnerabilities: tuple[str, ...]
    row: Mapping = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_case(cls, case: Mapping) -> "Person":
        get = case.get if hasattr(case, "get") else (lambda k, d=None: case[k] if k in case else d)
        age = get("age")
        try:
            age = float(age)
        except (TypeError, ValueError):
            age = float("nan")
        return cls(
            case_id=str(get("case_id", "") or ""),
            name=str(get("first_name", "") or get("case_id", "") or ""),
            age=age,
            sex=str(get("sex", "") or ""),
            lat=float(get("lat", float("nan"))),
            lon=float(get("lon", float("nan"))),
            region_id=str(get("region_id", "") or ""),
            town=str(get("town", "") or ""),
            languages=tuple(split_codes(get("languages", ""))),
            documents=tuple(split_codes(get("documents", ""))),
            vulnerabilities=tuple(split_codes(get("vulnerabilities", ""))),
            row=dict(case),
        )


def as_person(case) -> Person:
    return case if isinstance(case, Person) else Person.from_case(case)


# ---------------------------------------------------------------------------
# Eligibility, rule by rule

RULES = ("age", "sex", "languages", "documents", "focus")
OPEN_AGE = 99  # a maximum age of 99 or more means "no upper limit"


@dataclass(frozen=True)
class RuleCheck:
    rule: str
    status: str  # "ok", "fail" or "unknown" (not recorded: check by phone)
    texts: dict[str, str]

    @property
    def ok(self) -> bool:
        return self.status != "fail"

    def title(self, lang: str | None = None) -> str:
        return M(f"rule_{self.rule}", lang)

    def text(self, lang: str | None = None) -> str:
        return self.texts[current_lang(lang)]


def _decode_mask(mask: int, vocab: Sequence[str]) -> list[str]:
    return [code for i, code in enumerate(vocab) if mask >> i & 1]


def check_rules(person: Person, directory: Directory, k: int) -> list[RuleCheck]:
    """Every eligibility rule for service number ``k``, each with its reason."""
    name = person.name
    checks = []
    low, high = int(directory.min_age[k]), int(directory.max_age[k])
    if math.isnan(person.age):
        checks.append(RuleCheck("age", "unknown", _both("age_unknown", name=name)))
    elif person.age < low:
        checks.append(RuleCheck("age", "fail", _both("age_young", name=name, age=int(person.age), low=low)))
    elif person.age > high:
        checks.append(RuleCheck("age", "fail", _both("age_old", name=name, age=int(person.age), high=high)))
    elif high >= OPEN_AGE:
        checks.append(RuleCheck("age", "ok", _both("age_ok_open", name=name, age=int(person.age), low=low)))
    else:
        checks.append(RuleCheck("age", "ok", _both("age_ok", name=name, age=int(person.age), low=low, high=high)))

    sex = directory.sex[k]
    if sex not in ("female", "male"):
        checks.append(RuleCheck("sex", "ok", _both("sex_any")))
    elif sex == person.sex:
        checks.append(RuleCheck("sex", "ok", _both(f"sex_ok_{sex}", name=name)))
    else:
        checks.append(RuleCheck("sex", "fail", _both(f"sex_fail_{sex}", name=name)))

    langs = VOCABULARIES["language"]
    service_langs = _decode_mask(int(directory.lang_mask[k]), langs)
    if not service_langs:
        checks.append(RuleCheck("languages", "unknown", _both("lang_unknown")))
    else:
        common = [c for c in service_langs if c in person.languages]
        if common:
            checks.append(RuleCheck("languages", "ok", _both(
                "lang_ok", name=name, common=lambda lg: _labels("language", common, lg, "and"))))
        else:
            checks.append(RuleCheck("languages", "fail", _both(
                "lang_fail", name=name,
                service=lambda lg: _labels("language", service_langs, lg, "and"),
                case=lambda lg: _labels("language", person.languages, lg, "and") or M("none", lg))))

    docs = VOCABULARIES["document"]
    required = _decode_mask(int(directory.docs_mask[k]), docs)
    missing = [d for d in required if d not in person.documents]
    if not required:
        checks.append(RuleCheck("documents", "ok", _both("docs_none")))
    elif missing:
        checks.append(RuleCheck("documents", "fail", _both(
            "docs_fail", name=name, missing=lambda lg: _labels("document", missing, lg, "and"))))
    else:
        checks.append(RuleCheck("documents", "ok", _both(
            "docs_ok", name=name, docs=lambda lg: _labels("document", required, lg, "and"))))

    vul = VOCABULARIES["vulnerability"]
    focus = _decode_mask(int(directory.focus_mask[k]), vul)
    if not focus:
        checks.append(RuleCheck("focus", "ok", _both("focus_none")))
    else:
        text = lambda lg: _labels("vulnerability", focus, lg, "or")  # noqa: E731
        if any(v in person.vulnerabilities for v in focus):
            checks.append(RuleCheck("focus", "ok", _both("focus_ok", name=name, focus=text)))
        else:
            checks.append(RuleCheck("focus", "fail", _both("focus_fail", name=name, focus=text)))
    return checks


def eligible_mask(person: Person, directory: Directory, idx: np.ndarray) -> np.ndarray:
    """The five rules at once, vectorised over the services ``idx`` (same verdicts as :func:`check_rules`)."""
    age_ok = np.ones(idx.size, dtype=bool) if math.isnan(person.age) else (
        (directory.min_age[idx] <= person.age) & (person.age <= directory.max_age[idx]))
    sex = directory.sex[idx]
    sex_ok = (sex == "any") | (sex == person.sex) | ~np.isin(sex, ["female", "male"])
    lang = directory.lang_mask[idx]
    lang_ok = (lang == 0) | ((lang & _mask_of(person.languages, VOCABULARIES["language"])) != 0)
    docs_ok = (directory.docs_mask[idx] & ~_mask_of(person.documents, VOCABULARIES["document"])) == 0
    focus = directory.focus_mask[idx]
    focus_ok = (focus == 0) | ((focus & _mask_of(person.vulnerabilities, VOCABULARIES["vulnerability"])) != 0)
    return age_ok & sex_ok & lang_ok & docs_ok & focus_ok


# ---------------------------------------------------------------------------
# Ranking


@dataclass(frozen=True)
class Ranking:
    """The illustrative ranking weights (see the module's docstring)."""

    km_per_point: float = 50.0
    days_per_point: float = 15.0
    mad_per_point: float = 250.0
    max_fee_points: float = 2.0
    focus_bonus: float = 0.5
    unknown_wait_days: float = 30.0  # a wait not recorded counts as a month: check it by phone
    unknown_fee_mad: float = 250.0

    def points(self, km, days, fee, focus_match):
        days = np.where(np.isnan(days), self.unknown_wait_days, days)
        fee = np.where(np.isnan(fee), self.unknown_fee_mad, fee)
        p_km = km / self.km_per_point
        p_days = days / self.days_per_point
        p_fee = np.minimum(fee / self.mad_per_point, self.max_fee_points)
        bonus = np.where(focus_match, self.focus_bonus, 0.0)
        return p_km, p_days, p_fee, bonus, p_km + p_days + p_fee - bonus


DEFAULT_RANKING = Ranking()


@dataclass(frozen=True)
class Filters:
    """What the learner searches for (not eligibility: services filtered out are just not shown)."""

    region: str | None = None      # region code, or None for any region
    max_km: float | None = None    # None: any distance
    language: str | None = None    # a language the staff must speak
    free_only: bool = False


@dataclass(eq=False)
class Match:
    """One service considered for one need of one case.

    The rule-by-rule checks (with their texts) are computed when first asked
    for, so that ranking a large directory stays fast.
    """

    service_id: str
    provider_name: str
    category: str
    town: str
    region_id: str
    distance_km: float
    places_left: float        # NaN: capacity not recorded
    capacity: float
    load: float
    waiting_days: float       # NaN: not recorded
    fee_mad: float            # NaN: not recorded
    eligible: bool
    points: float
    parts: tuple[float, float, float, float]  # km, days, fee points, focus bonus
    focus_matched: tuple[str, ...]            # the returnee's vulnerabilities the service specialises in
    rank: int | None = None   # 1 = best, among eligible services; None when excluded
    _person: Person | None = field(default=None, repr=False)
    _directory: Directory | None = field(default=None, repr=False)
    _position: int = -1
    _checks: tuple[RuleCheck, ...] | None = field(default=None, repr=False)

    @property
    def checks(self) -> tuple[RuleCheck, ...]:
        if self._checks is None:
            self._checks = tuple(check_rules(self._person, self._directory, self._position))
        return self._checks

    @property
    def focus_match(self) -> bool:
        return bool(self.focus_matched)

    @property
    def full(self) -> bool:
        return bool(self.places_left <= 0)

    @property
    def free(self) -> bool:
        return self.fee_mad == 0

    def reasons(self, lang: str | None = None) -> list[str]:
        """Why the service is excluded (empty when eligible)."""
        return [check.text(lang) for check in self.checks if check.status == "fail"]

    def notes(self, lang: str | None = None) -> list[str]:
        """Things to check by phone (rules whose data are not recorded)."""
        return [check.text(lang) for check in self.checks if check.status == "unknown"]

    def cost_text(self, lang: str | None = None) -> str:
        if math.isnan(self.fee_mad):
            return M("unknown", lang)
        return M("free", lang) if self.fee_mad == 0 else M("fee", lang, fee=fmt_number(self.fee_mad, lang))

    def places_text(self, lang: str | None = None, short: bool = False) -> str:
        if math.isnan(self.places_left):
            return M("places_unknown", lang)
        if self.full:
            return M("full_short", lang) if short else M("full", lang, load=int(self.load), capacity=int(self.capacity))
        return M("places_short" if short else "places", lang, n=int(self.places_left))

    def wait_text(self, lang: str | None = None) -> str:
        if math.isnan(self.waiting_days):
            return M("unknown", lang)
        days = int(self.waiting_days)
        return M.n("days", days, lang)

    def km_text(self, lang: str | None = None) -> str:
        if math.isnan(self.distance_km):
            return M("unknown", lang)
        return M("km", lang, km=fmt_number(self.distance_km, lang))

    def explanation(self, lang: str | None = None) -> str:
        """The ranking score in one line: where its points come from."""
        lang = current_lang(lang)
        p_km, p_days, p_fee, bonus = self.parts
        focus = _labels("vulnerability", self.focus_matched, lang, "or")
        bonus_text = M("score_bonus", lang, focus=focus, bonus=fmt_number(bonus, lang, 1)) if bonus else ""
        text = M("score", lang, total=fmt_number(self.points, lang, 1), km=fmt_number(self.distance_km, lang),
                 p_km=fmt_number(p_km, lang, 1),
                 days=int(self.waiting_days) if not math.isnan(self.waiting_days) else "?",
                 p_days=fmt_number(p_days, lang, 1), cost=self.cost_text(lang), p_fee=fmt_number(p_fee, lang, 1),
                 bonus=bonus_text)
        if self.full:
            text += " " + M("score_full", lang)
        return text


@dataclass(frozen=True)
class MatchResult:
    need: str
    eligible: list[Match]     # ranked, best first
    excluded: list[Match]     # each with its reasons
    shown: int                # services left after the learner's filters

    @property
    def best(self) -> Match | None:
        return self.eligible[0] if self.eligible else None

    def all(self) -> list[Match]:
        return self.eligible + self.excluded


def search(directory: Directory, need: str, filters: Filters | None = None, person: Person | None = None) -> np.ndarray:
    """Positions of the services of category ``need`` that pass the learner's filters."""
    filters = filters or Filters()
    idx = directory.by_category.get(need, np.array([], dtype=int))
    if filters.region:
        idx = idx[directory.region[idx] == filters.region]
    if filters.free_only:
        idx = idx[directory.fee[idx] == 0]
    if filters.language:
        bit = _mask_of([filters.language], VOCABULARIES["language"])
        idx = idx[(directory.lang_mask[idx] & bit) != 0]
    if filters.max_km is not None and person is not None:
        km = haversine_km(person.lat, person.lon, directory.lat[idx], directory.lon[idx])
        idx = idx[km <= filters.max_km]
    return idx


def match(case, need: str, directory: Directory, filters: Filters | None = None,
          ranking: Ranking = DEFAULT_RANKING, limit: int | None = None) -> MatchResult:
    """The services that could meet ``need`` for ``case``: eligible ones ranked, excluded ones with reasons.

    ``limit`` keeps only the best ``limit`` eligible services and ``limit``
    excluded ones (nearest first), for speed on very large directories.
    """
    person = as_person(case)
    idx = search(directory, need, filters, person)
    km = np.asarray(haversine_km(person.lat, person.lon, directory.lat[idx], directory.lon[idx]), dtype=float)
    ok = eligible_mask(person, directory, idx)
    vmask = _mask_of(person.vulnerabilities, VOCABULARIES["vulnerability"])
    focus_match = (directory.focus_mask[idx] & vmask) != 0
    p_km, p_days, p_fee, bonus, points = ranking.points(km, directory.waiting[idx], directory.fee[idx], focus_match)
    full = directory.places[idx] <= 0
    # eligible: places first, then points, then id (stable, reproducible)
    elig = np.flatnonzero(ok)
    order = elig[np.lexsort((directory.ids[idx][elig], points[elig], full[elig]))]
    excl = np.flatnonzero(~ok)
    excl = excl[np.lexsort((directory.ids[idx][excl], km[excl]))]
    if limit is not None:
        order, excl = order[:limit], excl[:limit]

    def build(j: int, rank: int | None) -> Match:
        k = int(idx[j])
        return Match(
            service_id=str(directory.ids[k]),
            provider_name=str(directory.names[k]),
            category=str(directory.category[k]),
            town=str(directory.towns[k]),
            region_id=str(directory.region[k]),
            distance_km=float(km[j]),
            places_left=float(directory.places[k]),
            capacity=float(directory.capacity[k]),
            load=float(directory.load[k]),
            waiting_days=float(directory.waiting[k]),
            fee_mad=float(directory.fee[k]),
            eligible=rank is not None,
            points=float(points[j]),
            parts=(float(p_km[j]), float(p_days[j]), float(p_fee[j]), float(bonus[j])),
            focus_matched=tuple(_decode_mask(int(directory.focus_mask[k]) & vmask, VOCABULARIES["vulnerability"])),
            rank=rank,
            _person=person,
            _directory=directory,
            _position=k,
        )

    eligible = [build(int(j), r) for r, j in enumerate(order, start=1)]
    excluded = [build(int(j), None) for j in excl]
    return MatchResult(need, eligible, excluded, int(idx.size))


def match_one(case, service_id: str, directory: Directory, ranking: Ranking = DEFAULT_RANKING) -> Match | None:
    """The match of one given service (for a service the learner chose)."""
    k = directory.position.get(service_id)
    if k is None:
        return None
    person = as_person(case)
    result = match(person, str(directory.category[k]), directory, None, ranking)
    for item in result.all():
        if item.service_id == service_id:
            return item
    return None


# ---------------------------------------------------------------------------
# Priority needs


@dataclass(frozen=True)
class PriorityNeed:
    category: str
    texts: dict[str, str]

    def label(self, lang: str | None = None) -> str:
        return category_label(self.category, lang)

    def reason(self, lang: str | None = None) -> str:
        return self.texts[current_lang(lang)]


NON_PRODUCTIVE_DEBT = ("migration", "consumption", "health")


def _answer(answers: Mapping | None, item: str) -> str:
    if not answers:
        return ""
    value = answers.get(item)
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _need_rules() -> list[tuple[str, Callable[[Person, Mapping, Mapping | None], str | None]]]:
    """ILLUSTRATIVE mapping from a case (its columns and baseline answers) to needs.

    Each rule returns the key of its reason when it applies, else ``None``. The
    order is the order of priority. It mirrors the feasibility grid of the
    case-assessment module (economic rows from the Handbook's Annex 5; the rest
    the course's own), turned into service categories.
    """
    def no_income(p, row, a):
        return _answer(a, "eco_income") in ("none", "occasional") or _answer(a, "eco_work") in ("none", "casual")

    def work(p, row, a):
        if not no_income(p, row, a):
            return None
        education = str(row.get("education", ""))
        if p.age < 30 and education in ("none", "primary", "lower_secondary"):
            return None  # vocational training comes first (next rule)
        if split_codes(row.get("skills", "")) and str(row.get("occupation_before", "")) in ("trade", "crafts", "agriculture"):
            return None  # business development (rule after next)
        return "need_reason_no_income"

    def training(p, row, a):
        education = str(row.get("education", ""))
        if no_income(p, row, a) and p.age < 30 and education in ("none", "primary", "lower_secondary"):
            return "need_reason_young_no_income"
        return None

    def business(p, row, a):
        if no_income(p, row, a) and not (p.age < 30 and str(row.get("education", "")) in ("none", "primary", "lower_secondary")) \
                and split_codes(row.get("skills", "")) and str(row.get("occupation_before", "")) in ("trade", "crafts", "agriculture"):
            return "need_reason_skills_business"
        return None

    def debt(p, row, a):
        amount = row.get("debt_mad", 0) or 0
        try:
            amount = float(amount)
        except (TypeError, ValueError):
            amount = 0.0
        hard = _answer(a, "eco_debt") in ("unpayable", "hard") if a else amount >= 20_000
        if amount > 0 and hard and str(row.get("debt_reason", "")) in NON_PRODUCTIVE_DEBT:
            return "need_reason_debt"
        return None

    def distress(p, row, a):
        if {"psychological_distress", "trafficking_or_violence_survivor"} & set(p.vulnerabilities) \
                or _answer(a, "psy_distress") == "most_days":
            return "need_reason_distress"
        return None

    def health(p, row, a):
        if {"serious_health_condition", "disability"} & set(p.vulnerabilities) or _answer(a, "soc_health") == "no":
            return "need_reason_health"
        return None

    def documents(p, row, a):
        if is_child(p.age):  # a child needs civil-status papers, not a national ID card
            if "birth_certificate" not in p.documents or _answer(a, "soc_documents") in ("none",):
                return "need_reason_documents_child"
            return None
        if "cnie" not in p.documents or _answer(a, "soc_documents") in ("none",):
            return "need_reason_documents"
        return None

    def housing(p, row, a):
        return "need_reason_housing" if _answer(a, "soc_housing") in ("none", "temporary") else None

    def education(p, row, a):
        return "need_reason_education" if _answer(a, "soc_education") in ("none", "some") else None

    def social(p, row, a):
        if {"single_parent", "older_person"} & set(p.vulnerabilities) or _answer(a, "soc_services") == "no":
            return "need_reason_social"
        return None

    def isolation(p, row, a):
        if _answer(a, "psy_support") == "no_one" or _answer(a, "psy_belonging") == "rejected":
            return "need_reason_isolation"
        return None

    return [
        ("mental_health_psychosocial", distress), ("health", health), ("documentation_legal", documents),
        ("vocational_training", training), ("job_placement", work), ("business_development", business),
        ("financial_services", debt), ("housing", housing), ("social_protection", social),
        ("education", education), ("family_community", isolation),
    ]


NEED_RULES = _need_rules()
MAX_NEEDS = 4
NEEDS_SOURCE = "rules"  # "rules", "grid" or "auto": see priority_needs()


# The case-assessment module's feasibility grid names needs ("high_debt",
# "documents" …); a referral looks for a service category. ILLUSTRATIVE mapping;
# ``None``: no service category (a remote location is met by cash assistance,
# not by a referral). "no_income_activity" depends on the profile (see
# :func:`_work_category`).
GRID_NEED_CATEGORY: dict[str, str | None] = {
    "high_debt": "financial_services",
    "no_income_activity": "job_placement",
    "acute_vulnerability": "social_protection",
    "remote_location": None,
    "housing": "housing",
    "documents": "documentation_legal",
    "health_care": "health",
    "education": "education",
    "public_services": "social_protection",
    "food": "social_protection",
    "safety_rights": "documentation_legal",
    "distress": "mental_health_psychosocial",
    "specialised_care": "mental_health_psychosocial",
    "isolation": "family_community",
    "stigma": "family_community",
    "remigration_pressure": "family_community",
}
# Order of priority of the categories when a case has more needs than a plan can take at once.
CATEGORY_PRIORITY = tuple(category for category, _rule in NEED_RULES)


def _work_category(person: Person, row: Mapping) -> str:
    """Which economic service answers "no income-generating activity" for this profile (illustrative)."""
    young_little_school = person.age < 30 and str(row.get("education", "")) in ("none", "primary", "lower_secondary")
    if young_little_school:
        return "vocational_training"
    if split_codes(row.get("skills", "")) and str(row.get("occupation_before", "")) in ("trade", "crafts", "agriculture"):
        return "business_development"
    return "job_placement"


def _finding_text(finding, lang: str) -> str:
    colon = "\u00a0: " if lang == "fr" else ": "
    return finding.need.text(lang) + colon + " ".join(r.text(lang) for r in finding.reasons)


def _needs_from_grid(person: Person, row: Mapping, answers: Mapping) -> list[PriorityNeed] | None:
    """Priority needs from the case-assessment module (feasibility grid), as service categories.

    ``None`` when that module is not available or fails: the course's own
    rules (:data:`NEED_RULES`) are used instead.
    """
    try:
        from . import plan
        from .instrument import load_instrument
        from .scoring import raised_flags

        instrument = load_instrument()
        grid = plan.load_grid()
        clean = {k: v for k, v in answers.items() if isinstance(v, str) and v}
        flags = raised_flags(instrument, clean)
        context = plan.CaseContext(region_id=person.region_id or None, vulnerabilities=person.vulnerabilities,
                                   debt_reason=str(row.get("debt_reason", "") or "") or None)
        findings = plan.derive_needs(grid, instrument, clean, flags, context)
    except Exception:  # noqa: BLE001 — the other module is optional here
        return None
    by_category: dict[str, list] = {}
    for finding in findings:
        category = GRID_NEED_CATEGORY.get(finding.need.id)
        if finding.need.id == "no_income_activity":
            category = _work_category(person, row)
        if category:
            by_category.setdefault(category, []).append(finding)
    return [PriorityNeed(category, {lang: " ".join(_finding_text(f, lang) for f in by_category[category])
                                    for lang in ("en", "fr")})
            for category in CATEGORY_PRIORITY if category in by_category]


def priority_needs(case, answers: Mapping | None = None, max_needs: int = MAX_NEEDS,
                   source: str | None = None) -> list[PriorityNeed]:
    """A case's priority needs as service categories, each with its reason (EN/FR).

    ``source``: ``"rules"`` the course's own rules on the case file and its
    baseline answers (:data:`NEED_RULES`); ``"grid"`` the case-assessment
    module's feasibility grid on the baseline answers, mapped to categories by
    :data:`GRID_NEED_CATEGORY`; ``"auto"`` the grid when answers are given and
    that module is available, else the rules. The default is
    :data:`NEEDS_SOURCE`: switch it there.
    """
    source = source or NEEDS_SOURCE
    row = case.row if isinstance(case, Person) else dict(case)
    person = as_person(case)
    if source in ("auto", "grid") and answers:
        from_grid = _needs_from_grid(person, row, answers)
        if from_grid is not None:
            return _child_needs(person, from_grid, answers)[:max_needs]
        if source == "grid":
            return []
    needs = []
    for category, rule in NEED_RULES:
        key = rule(person, row, answers)
        if key:
            fields = {}
            if key == "need_reason_debt":
                fields = {"debt": lambda lg: fmt_number(float(row.get("debt_mad", 0) or 0), lg),
                          "reason": lambda lg: _lower_first(label("debt_reason", row.get("debt_reason", ""), lg))}
            needs.append(PriorityNeed(category, _both(key, **fields)))
    return _child_needs(person, needs, answers)[:max_needs]


def child_needs_protection(person: Person, answers: Mapping | None = None) -> bool:
    """Rule 3 of :mod:`reintegra.children` for a case: unaccompanied or separated, in the best
    interests procedure, or with a protection concern (a trafficking or violence history, or a
    protection or trafficking flag at screening)."""
    row = person.row or {}
    concern = "trafficking_or_violence_survivor" in person.vulnerabilities or any(
        _answer(answers, q) == "yes" for q in ("scr_protection", "scr_trafficking")) if answers else \
        "trafficking_or_violence_survivor" in person.vulnerabilities
    return needs_protection(row.get("child_return", ""), row.get("best_interests", ""), concern)


def _child_needs(person: Person, needs: list[PriorityNeed], answers: Mapping | None = None) -> list[PriorityNeed]:
    """For a child: child protection at once where it is needed (urgent health care and shelter
    stay first), and no need a child may not be referred for at their age."""
    if not is_child(person.age):
        return needs
    work = ("job_placement", "vocational_training", "business_development", "financial_services")
    kept = [n for n in needs if n.category != CHILD_PROTECTION_CATEGORY
            and referral_refusal(person.age, n.category) is None
            and not (n.category in work and person.age < TRAINING_AGE)]
    if not child_needs_protection(person, answers):
        return kept
    urgent = [n for n in kept if n.category in URGENT_BEFORE_PROTECTION]
    rest = [n for n in kept if n.category not in URGENT_BEFORE_PROTECTION]
    first = PriorityNeed(CHILD_PROTECTION_CATEGORY, _both("need_reason_child", name=person.name, age=int(person.age)))
    return [*urgent, first, *rest]


# ---------------------------------------------------------------------------
# Data minimisation: which fields a referral needs

# Case fields a case manager may share, in the order of the form. Each is read
# from the case by FIELD_VALUE.
SHAREABLE_FIELDS: tuple[str, ...] = (
    "name", "contact", "sex", "age", "town", "languages", "education", "skills", "occupation",
    "household", "marital", "documents", "debt", "migration", "health", "mental", "protection", "family",
)
SENSITIVE_FIELDS = frozenset({"health", "mental", "protection", "family", "debt"})
ALWAYS_NEEDED = ("name", "contact")

# ILLUSTRATIVE, and the only place that says it: the purpose of a referral (the
# type of service it goes to, the ``service_type`` vocabulary) -> the fields of the
# case that purpose needs, besides name and contact. The migration history
# ("migration": country returned from and return date) is needed only where the
# service acts on what happened abroad (legal aid: wages unpaid abroad, documents
# kept by an employer, a complaint against a recruiter) and for child protection (the
# child's return is part of the reason for the referral); no other public office needs it.
_WORK = ("age", "languages", "education", "skills", "occupation")
_TRAINING = ("age", "languages", "education", "skills")
_PROJECT = ("age", "education", "skills", "occupation")
_HEALTH = ("sex", "age", "languages", "health")
_MIND = ("sex", "age", "languages", "mental")
_HOME = ("age", "household", "marital", "family")
_SCHOOL = ("age", "languages", "education")
REFERRAL_PURPOSES: dict[str, tuple[str, ...]] = {
    "employment_agency": _WORK, "job_search_support": _WORK,
    "vocational_training_centre": _TRAINING, "vocational_course": _TRAINING,
    "income_project_support": _PROJECT, "business_support": _PROJECT,
    "microfinance": ("age", "household", "debt"),
    "health_centre": _HEALTH, "health_care": _HEALTH,
    "mental_health_service": _MIND, "psychosocial_support": _MIND,
    "social_protection_establishment": _HOME, "shelter": _HOME,
    "civil_registry": ("age", "documents"),
    "identity_card_office": ("age", "documents"),
    "violence_support_unit": ("sex", "age", "languages", "protection"),
    "legal_aid": ("age", "languages", "documents", "migration"),
    "second_chance_school": _SCHOOL, "literacy_education": _SCHOOL,
    "social_centre": _HOME,
    "health_coverage_enrolment": ("age", "household", "marital"),
    "social_assistance": _HOME,
    "family_support": ("age", "languages", "household", "marital", "family"),
    "child_protection_centre": ("sex", "age", "languages", "household", "migration", "protection", "mental"),
}

# The purpose of a referral to a service whose file does not say its type: by
# category, for a public office and for any other provider. The public default is
# the purpose that needs the least (a public documentation office: civil registry).
DEFAULT_SERVICE_TYPE: dict[str, tuple[str, str]] = {
    "job_placement": ("employment_agency", "job_search_support"),
    "vocational_training": ("vocational_training_centre", "vocational_course"),
    "business_development": ("income_project_support", "business_support"),
    "financial_services": ("microfinance", "microfinance"),
    "health": ("health_centre", "health_care"),
    "mental_health_psychosocial": ("mental_health_service", "psychosocial_support"),
    "housing": ("social_protection_establishment", "shelter"),
    "documentation_legal": ("civil_registry", "legal_aid"),
    "education": ("second_chance_school", "literacy_education"),
    "social_protection": ("social_centre", "social_assistance"),
    "family_community": ("family_support", "family_support"),
}


def service_type_of(category: str, provider_type: str = "", service_type: str = "") -> str:
    """The purpose of a referral to a service: its declared type, or the default of its category."""
    if service_type in REFERRAL_PURPOSES:
        return service_type
    public, other = DEFAULT_SERVICE_TYPE.get(category, ("", ""))
    return public if provider_type == "public" else other


# What a provider of each category needs, for a service of the category's usual
# (non-public) type: a view of REFERRAL_PURPOSES, kept for the lesson's tables.
NEEDED_FIELDS: dict[str, tuple[str, ...]] = {
    category: REFERRAL_PURPOSES[other] for category, (_public, other) in DEFAULT_SERVICE_TYPE.items()
}

# The field that carries each vulnerability (a service's focus makes it needed).
VULNERABILITY_FIELD = {
    "serious_health_condition": "health", "disability": "health", "psychological_distress": "mental",
    "trafficking_or_violence_survivor": "protection", "single_parent": "family", "older_person": "family",
}
FIELD_VULNERABILITIES = {
    "health": ("serious_health_condition", "disability"), "mental": ("psychological_distress",),
    "protection": ("trafficking_or_violence_survivor",), "family": ("single_parent", "older_person"),
}


def field_label(name: str, lang: str | None = None) -> str:
    return M(f"field_{name}", lang)


def needed_fields(category: str, focus: Iterable[str] = (), person: Person | None = None,
                  service_type: str = "", provider_type: str = "") -> tuple[str, ...]:
    """Fields a referral needs, from its purpose: the type of the service it goes to
    (or, if the service does not say, the usual type of its category).

    A service whose vulnerability focus is an eligibility rule also needs to see
    that the returnee qualifies: the field of the focus the returnee has.
    """
    purpose = service_type_of(category, provider_type, service_type)
    fields = list(ALWAYS_NEEDED) + list(REFERRAL_PURPOSES.get(purpose, ("age",)))
    for code in focus:
        if person is None or code in person.vulnerabilities:
            extra = VULNERABILITY_FIELD.get(code)
            if extra and extra not in fields:
                fields.append(extra)
    return tuple(f for f in SHAREABLE_FIELDS if f in fields)


def service_needed_fields(directory: Directory, service_id: str, person: Person) -> tuple[str, ...]:
    k = directory.position.get(service_id)
    if k is None:
        return ALWAYS_NEEDED
    focus = _decode_mask(int(directory.focus_mask[k]), VOCABULARIES["vulnerability"])
    return needed_fields(str(directory.category[k]), focus, person, str(directory.service_type[k]),
                         str(directory.provider_type[k]))


def field_value(name: str, case: Mapping, lang: str | None = None) -> str:
    """The value of a shareable field for a case, as text in ``lang``."""
    lang = current_lang(lang)
    get = case.get

    def vocab_list(vocab: str, column: str) -> str:
        return ", ".join(label(vocab, c, lang) for c in split_codes(get(column, ""))) or M("none", lang)

    def flags(fieldname: str) -> str:
        have = [c for c in FIELD_VULNERABILITIES[fieldname] if c in split_codes(get("vulnerabilities", ""))]
        return ", ".join(label("vulnerability", c, lang) for c in have) or M("no", lang)

    if name == "name":
        return " ".join(str(get(k, "") or "") for k in ("first_name", "last_name")).strip()
    if name == "contact":
        return str(get("phone", "") or "")
    if name == "sex":
        return label("sex", get("sex", ""), lang)
    if name == "age":
        if get("age") is None or pd.isna(get("age")):
            return ""
        # a child's referral says whether the child returned without a parent or legal representative
        returned = str(get("child_return", "") or "")
        return f"{int(get('age'))} ({label('child_return', returned, lang)})" if returned else str(int(get("age")))
    if name == "town":
        return str(get("town", "") or "")
    if name == "languages":
        return vocab_list("language", "languages")
    if name == "education":
        return label("education", get("education", ""), lang)
    if name == "skills":
        return vocab_list("skill", "skills")
    if name == "occupation":
        return label("occupation", get("occupation_before", ""), lang)
    if name == "household":
        value = get("household_size")
        return "" if value is None or pd.isna(value) else str(int(value))
    if name == "marital":
        return label("marital_status", get("marital_status", ""), lang)
    if name == "documents":
        return vocab_list("document", "documents")
    if name == "debt":
        amount = get("debt_mad", 0) or 0
        return f"{M('fee', lang, fee=fmt_number(float(amount), lang))} ({label('debt_reason', get('debt_reason', ''), lang)})"
    if name == "migration":
        when = get("return_date", "")
        when = when.date().isoformat() if hasattr(when, "date") else str(when or "")
        return f"{label('country', get('country_returned_from', ''), lang)}, {when}"
    if name in FIELD_VULNERABILITIES:
        return flags(name)
    raise KeyError(name)


# ---------------------------------------------------------------------------
# The plan and its check


@dataclass
class Plan:
    """A learner's referral plan for one case."""

    case: Mapping
    needs: list[str]
    choices: dict[str, str | None] = field(default_factory=dict)  # need -> service_id
    consent: bool | None = None
    consent_date: date | None = None
    shared: frozenset[str] = frozenset()
    referral_date: date | None = None
    assent: bool | None = None  # a child's own assent, recorded by the case manager

    @property
    def person(self) -> Person:
        return as_person(self.case)

    def chosen(self) -> list[tuple[str, str]]:
        return [(need, sid) for need in self.needs if (sid := self.choices.get(need))]


@dataclass(frozen=True)
class Finding:
    point: str       # coverage, eligibility, capacity, consent, data
    status: str      # right, wrong, missing, warning
    texts: dict[str, str]

    def text(self, lang: str | None = None) -> str:
        return self.texts[current_lang(lang)]


POINTS = ("coverage", "eligibility", "capacity", "consent", "data")
STATUS_SYMBOLS = {"right": "✔", "wrong": "✘", "missing": "?", "warning": "⚠"}
BLOCKING = ("wrong", "missing")
LONG_WAIT_DAYS = 30


@dataclass(frozen=True)
class PlanCheck:
    findings: list[Finding]

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.status in BLOCKING]

    @property
    def ready(self) -> bool:
        return not self.problems

    def by_point(self, point: str) -> list[Finding]:
        return [f for f in self.findings if f.point == point]

    def point_status(self, point: str) -> str:
        found = {f.status for f in self.by_point(point)}
        for status in ("wrong", "missing", "warning"):
            if status in found:
                return status
        return "right"

    def summary(self, lang: str | None = None) -> str:
        return M("ready", lang) if self.ready else M("not_ready", lang, n=len(self.problems))

    def report(self, lang: str | None = None) -> str:
        """The feedback as plain text: the summary, then each point with a symbol per finding."""
        lang = current_lang(lang)
        lines = [self.summary(lang)]
        for point in POINTS:
            findings = self.by_point(point)
            if findings:
                lines.append(f"{M('point_' + point, lang)}")
                lines += [f"  {STATUS_SYMBOLS[f.status]} {f.text(lang)}" for f in findings]
        return "\n".join(lines)


def shares_for(plan: Plan, directory: Directory) -> dict[str, tuple[str, ...]]:
    """For each chosen service, the fields its form will carry: shared ∩ needed by that referral."""
    person = plan.person
    out = {}
    for _need, sid in plan.chosen():
        needed = service_needed_fields(directory, sid, person)
        out[sid] = tuple(f for f in SHAREABLE_FIELDS if f in plan.shared and f in needed)
    return out


def check_plan(plan: Plan, directory: Directory, ranking: Ranking = DEFAULT_RANKING) -> PlanCheck:
    """Feedback on every point of a referral plan."""
    person = plan.person
    name = person.name
    findings: list[Finding] = []
    chosen_matches: list[tuple[str, Match]] = []

    # 1. every priority need covered
    for need in plan.needs:
        need_label = lambda lg, n=need: category_label(n, lg)  # noqa: E731
        sid = plan.choices.get(need)
        if not sid:
            findings.append(Finding("coverage", "missing", _both("not_covered", need=need_label)))
            continue
        k = directory.position.get(sid)
        if k is None:
            findings.append(Finding("coverage", "wrong", _both("unknown_service", need=need_label, service_id=sid)))
            continue
        service = directory.name(sid)
        if directory.category[k] != need:
            findings.append(Finding("coverage", "wrong", _both(
                "wrong_category", need=need_label, service=service,
                category=lambda lg, c=directory.category[k]: category_label(c, lg))))
            continue
        findings.append(Finding("coverage", "right", _both("covered", need=need_label, service=service)))
        found = match_one(person, sid, directory, ranking)
        if found is not None:
            chosen_matches.append((need, found))

    # 2. eligibility, 3. capacity and delays, and a better option if there is one
    for need, m in chosen_matches:
        service = m.provider_name
        if m.eligible:
            findings.append(Finding("eligibility", "right", _both("eligible", service=service, name=name)))
        else:
            findings.append(Finding("eligibility", "wrong", _both(
                "not_eligible", service=service, name=name, reasons=lambda lg, m=m: " ".join(m.reasons(lg)))))
        for note in (c for c in m.checks if c.status == "unknown"):
            findings.append(Finding("eligibility", "warning", _both(
                "check_by_phone", service=service, reason=lambda lg, c=note: c.text(lg))))
        if math.isnan(m.places_left):
            findings.append(Finding("capacity", "warning", _both("capacity_unknown", service=service, name=name)))
        elif m.full:
            findings.append(Finding("capacity", "wrong", _both(
                "no_places", service=service, name=name, full=lambda lg, m=m: m.places_text(lg))))
        else:
            findings.append(Finding("capacity", "right", _both(
                "has_places", service=service, places=lambda lg, m=m: m.places_text(lg),
                days=lambda lg, m=m: m.wait_text(lg))))
        if not math.isnan(m.waiting_days) and m.waiting_days > LONG_WAIT_DAYS:
            findings.append(Finding("capacity", "warning", _both(
                "long_wait", service=service, name=name, days=lambda lg, m=m: m.wait_text(lg))))
        if m.eligible and not m.full:
            best = match(person, need, directory, None, ranking, limit=1).best
            if best is not None and best.service_id != m.service_id and not best.full \
                    and best.points + 0.5 < m.points:
                findings.append(Finding("eligibility", "warning", _both(
                    "better_option", need=lambda lg, n=need: category_label(n, lg), better=best.provider_name,
                    service=service, why=lambda lg, b=best: f"{b.km_text(lg)}, {b.wait_text(lg)}, {b.cost_text(lg)}")))

    # a child: child protection where needed, no work under 15, no grant or loan (reintegra.children)
    if is_child(person.age):
        age = int(person.age)
        needed = child_needs_protection(person) or CHILD_PROTECTION_CATEGORY in plan.needs
        chosen = [(need, sid) for need, sid in plan.chosen() if sid in directory.position]
        kinds = [directory.service_type[directory.position[sid]] for _need, sid in chosen]
        if needed and CHILD_PROTECTION_KIND not in kinds:
            findings.append(Finding("eligibility", "wrong", _both("child_no_protection", name=name, age=age)))
        for i, ((need, sid), kind) in enumerate(zip(chosen, kinds)):
            code = referral_refusal(age, need, kind, before_protection=CHILD_PROTECTION_KIND not in kinds[:i],
                                    protection=needed)
            if code == "child_protection_first" and CHILD_PROTECTION_KIND not in kinds:
                continue
            if code is not None:
                findings.append(Finding("eligibility", "wrong", _both(
                    code, name=name, age=age, service=directory.name(sid))))
            elif kind == CHILD_PROTECTION_KIND:
                findings.append(Finding("eligibility", "right", _both("child_protection_right", service=directory.name(sid))))
            warning = referral_warning(age, need) if code is None else None
            if warning is not None:
                findings.append(Finding("eligibility", "warning", _both(warning, name=name, age=age)))

    # 4. consent
    child = is_child(person.age)
    if child and plan.assent is True:
        findings.append(Finding("consent", "right", _both("child_assent_yes", name=name)))
    elif child and plan.consent is True:
        findings.append(Finding("consent", "warning", _both("child_assent", name=name)))
    if plan.consent is True and plan.consent_date:
        findings.append(Finding("consent", "right", _both("consent_yes", date=plan.consent_date.isoformat())))
    elif plan.consent is True:
        findings.append(Finding("consent", "missing", _both("consent_no_date", name=name)))
    elif plan.consent is False:
        findings.append(Finding("consent", "wrong", _both("child_consent_no" if child else "consent_no", name=name)))
    else:
        findings.append(Finding("consent", "missing", _both(
            "child_consent_missing" if is_child(person.age) else "consent_missing", name=name)))

    # 5. data minimisation
    needed_by: dict[str, tuple[str, ...]] = {
        sid: service_needed_fields(directory, sid, person) for _need, sid in plan.chosen() if sid in directory.position
    }
    needed_any = {f for fields in needed_by.values() for f in fields}
    labels = lambda fields: (lambda lg: join_words([_lower_first(field_label(f, lg)) for f in fields], lg))  # noqa: E731
    only_protection = child and bool(needed_by) and all(
        directory.service_type[directory.position[sid]] == CHILD_PROTECTION_KIND for sid in needed_by)
    if plan.consent is False and plan.shared and not only_protection:
        findings.append(Finding("data", "wrong", _both("data_without_consent")))
    elif not plan.shared:
        if needed_by:
            findings.append(Finding("data", "missing", _both("data_none")))
    else:
        extra = [f for f in SHAREABLE_FIELDS if f in plan.shared and f not in needed_any]
        if extra:
            findings.append(Finding("data", "wrong", _both("data_extra", fields=labels(extra))))
        for sid, fields in needed_by.items():
            missing = [f for f in fields if f not in plan.shared]
            if missing:
                findings.append(Finding("data", "warning", _both(
                    "data_missing", service=directory.name(sid), name=name, fields=labels(missing))))
        if not extra:
            findings.append(Finding("data", "right", _both("data_ok")))
    return PlanCheck(findings)


# ---------------------------------------------------------------------------
# Export: referral forms as printable HTML and as CSV

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


# an international phone number (+ then digits and single spaces only): nothing a spreadsheet can run
PHONE_CELL = re.compile(r"^\+\d{1,3}( ?\d{1,4}){2,8}$")


def csv_cell(value: Any) -> str:
    """A cell safe to open in a spreadsheet (OWASP CSV injection): a leading apostrophe
    before any text starting with ``= + - @`` tab or carriage return, except a phone
    number such as ``+212 5 00 01 23 45``."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS) and not PHONE_CELL.match(text):
        return "'" + text
    return text


@dataclass(frozen=True)
class FormRow:
    need: str
    service: dict
    fields: tuple[str, ...]


class ExportRefused(ValueError):
    """No form can be produced (no consent, or nothing chosen); ``texts`` says why."""

    def __init__(self, texts: dict[str, str]):
        super().__init__(texts["en"])
        self.texts = texts

    def text(self, lang: str | None = None) -> str:
        return self.texts[current_lang(lang)]


def form_rows(plan: Plan, directory: Directory) -> list[FormRow]:
    """One referral per chosen service, with the fields it carries. Refused without consent."""
    name = plan.person.name
    # a referral to child protection is never delayed for lack of consent (reintegra.children, rule 6)
    protection_only = plan.consent is not True or not plan.consent_date
    if protection_only and not is_child(plan.person.age):
        raise ExportRefused(_both("export_no_consent", name=name))
    shares = shares_for(plan, directory)
    rows = []
    for need, sid in plan.chosen():
        service = directory.row(sid)
        if protection_only and (sid not in directory.position
                                or directory.service_type[directory.position[sid]] != CHILD_PROTECTION_KIND):
            continue
        if service is not None:
            rows.append(FormRow(need, service, shares.get(sid, ())))
    if not rows:
        raise ExportRefused(_both("export_no_consent" if protection_only else "export_nothing", name=name))
    return rows


def _referral_date(plan: Plan) -> str:
    return (plan.referral_date or plan.consent_date or date.today()).isoformat()


def form_csv(plan: Plan, directory: Directory, lang: str | None = None) -> str:
    """The referral register as CSV text: one row per referral, only the fields each one carries.

    English uses commas, French semicolons (what a spreadsheet in that language
    expects). Every cell is escaped against formula injection.
    """
    lang = current_lang(lang)
    rows = form_rows(plan, directory)
    used = [f for f in SHAREABLE_FIELDS if any(f in r.fields for r in rows)]
    header = [M("col_case", lang), M("col_date", lang), M("col_need", lang), M("col_service_id", lang),
              M("col_service", lang), M("col_consent", lang), M("col_consent_date", lang)]
    header += [field_label(f, lang) for f in used]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if lang == "fr" else ",", lineterminator="\r\n",
                        quoting=csv.QUOTE_MINIMAL)
    writer.writerow([csv_cell(h) for h in header])
    case = plan.person.row
    for r in rows:
        cells = [plan.person.case_id, _referral_date(plan), category_label(r.need, lang), r.service["service_id"],
                 r.service["provider_name"], M("yes", lang), plan.consent_date.isoformat()]
        cells += [field_value(f, case, lang) if f in r.fields else "" for f in used]
        writer.writerow([csv_cell(c) for c in cells])
    return buffer.getvalue()


_FORM_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#111;margin:2em;max-width:46em}
h1{font-size:1.4em;margin:0 0 .2em}
.note{font-size:.85em;color:#444;border-left:4px solid #E69F00;padding:.3em .6em;background:#fff8e6}
table{border-collapse:collapse;width:100%;margin:.6em 0}
th,td{border:1px solid #999;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#f0f0f0;width:40%}
section{page-break-after:always;break-after:page;margin-bottom:2.5em}
section:last-of-type{page-break-after:auto;break-after:auto}
footer{font-size:.8em;color:#444}
@media print{.note{background:none}}
"""


def form_html(plan: Plan, directory: Directory, lang: str | None = None) -> str:
    """The referral forms as one printable HTML page (one page per referral)."""
    lang = current_lang(lang)
    rows = form_rows(plan, directory)
    e = lambda x: html.escape(str(x), quote=True)  # noqa: E731
    case = plan.person.row
    parts = [f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">',
             f"<title>{e(M('form_title', lang))} {e(plan.person.case_id)}</title>",
             f"<style>{_FORM_CSS}</style></head><body>"]
    for r in rows:
        s = r.service
        contact = ", ".join(x for x in (s.get("contact_name", ""), s.get("phone", ""), s.get("email", "")) if x)
        parts.append('<section class="referral">')
        parts.append(f"<h1>{e(M('form_title', lang))}</h1>")
        parts.append(f'<p class="note">{e(M("form_synthetic", lang))}</p>')
        parts.append("<table>")
        for key, value in (
            ("form_reference", plan.person.case_id), ("form_date", _referral_date(plan)),
            ("form_need", category_label(r.need, lang)),
            ("form_to", f"{s.get('provider_name', '')} ({s.get('service_id', '')}), {s.get('town', '')}"),
            ("form_contact", contact),
            ("form_consent", M("form_consent_value", lang, date=plan.consent_date.isoformat())),
        ):
            parts.append(f"<tr><th scope=\"row\">{e(M(key, lang))}</th><td>{e(value)}</td></tr>")
        parts.append("</table>")
        parts.append(f"<h2>{e(M('form_data', lang))}</h2>")
        if r.fields:
            parts.append(f'<table class="shared"><thead><tr><th scope="col">{e(M("form_field", lang))}</th>'
                         f'<th scope="col">{e(M("form_value", lang))}</th></tr></thead><tbody>')
            for f in r.fields:
                parts.append(f'<tr data-field="{e(f)}"><th scope="row">{e(field_label(f, lang))}</th>'
                             f"<td>{e(field_value(f, case, lang))}</td></tr>")
            parts.append("</tbody></table>")
        else:
            parts.append(f"<p>{e(M('form_no_data', lang))}</p>")
        parts.append(f"<footer>{e(M('form_footer', lang))}</footer></section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


# ---------------------------------------------------------------------------
# Cases for the exercise


def baseline_answers(assessments: pd.DataFrame | None) -> dict[str, dict]:
    """Each case's baseline (wave 0) answers, by case id."""
    if assessments is None or not len(assessments):
        return {}
    base = assessments[assessments["wave"] == 0].drop_duplicates("case_id").set_index("case_id")
    return base.to_dict("index")


def exercise_cases(cases: pd.DataFrame, assessments: pd.DataFrame | None = None, n: int = 8,
                   min_needs: int = 2, max_needs: int = 4) -> list[str]:
    """A varied handful of open cases for the exercise: 2 to 4 priority needs, one per region
    as far as possible, women and men alternating, in a reproducible order; the last one a child
    when the caseload has children (reintegra.children)."""
    answers = baseline_answers(assessments)
    pool = cases[cases["case_status"].fillna("open") == "open"] if "case_status" in cases else cases
    picked: list[str] = []
    regions_seen: set[str] = set()
    sexes = ["female", "male"]
    candidates = []
    for case in pool.sort_values("case_id").to_dict("records"):
        needs = priority_needs(case, answers.get(case["case_id"]))
        if min_needs <= len(needs) <= max_needs:
            candidates.append(case)
    for round_ in range(2):
        for case in candidates:
            if len(picked) >= n:
                break
            if case["case_id"] in picked:
                continue
            want = sexes[len(picked) % 2]
            if round_ == 0 and (case.get("region_id") in regions_seen or case.get("sex") != want):
                continue
            picked.append(case["case_id"])
            regions_seen.add(case.get("region_id"))
    # one child among them, last, when the caseload has one: child protection comes first
    kids = [c for c in candidates if is_child(c.get("age"))]
    # preferably a child who returned without a parent or legal representative: child protection comes first
    child = next((c["case_id"] for c in kids if c.get("child_return") == "unaccompanied"),
                 kids[0]["case_id"] if kids else None)
    if child is not None and picked and not any(is_child(c.get("age")) for c in candidates if c["case_id"] in picked):
        picked[-1] = child
    return picked


# ---------------------------------------------------------------------------
# Plain-text views, for the book's worked examples


def colon(lang: str | None = None) -> str:
    """": " in English, " : " (no-break space) in French."""
    return "\u00a0: " if current_lang(lang) == "fr" else ": "


def describe(result: MatchResult, lang: str | None = None, eligible: int = 3, excluded: int = 3) -> str:
    """The best eligible services (with their score) and the nearest excluded ones (with their reasons)."""
    lang = current_lang(lang)
    lines = [M("describe_head", lang, need=category_label(result.need, lang),
               services=M.n("describe_services", result.shown, lang),
               eligible=M.n("describe_eligible", len(result.eligible), lang),
               excluded=M.n("describe_excluded", len(result.excluded), lang))]
    for m in result.eligible[:eligible]:
        lines.append(f"  {m.rank}. {m.provider_name}{colon(lang)}{m.places_text(lang)}. {m.explanation(lang)}")
    for m in sorted(result.excluded, key=lambda x: (x.distance_km, x.service_id))[:excluded]:
        lines.append(f"  ✘ {m.provider_name} ({m.km_text(lang)}){colon(lang)}{' '.join(m.reasons(lang))}")
    return "\n".join(lines)


def needed_fields_table(lang: str | None = None) -> pd.DataFrame:
    """What each purpose of referral needs the service to know (data minimisation), as a table:
    one row per type of service, by category."""
    lang = current_lang(lang)
    rows = []
    for category in CATEGORIES:
        types = [t for t in VOCABULARIES["service_type"]
                 if t in REFERRAL_PURPOSES and SERVICE_TYPE_CATEGORY.get(t) == category]
        for purpose in types:
            fields = [f for f in REFERRAL_PURPOSES[purpose] if f not in ALWAYS_NEEDED]
            rows.append({M("col_category", lang): category_label(category, lang),
                         M("col_purpose", lang): label("service_type", purpose, lang),
                         M("col_fields", lang): ", ".join(_lower_first(field_label(f, lang)) for f in fields)})
    return pd.DataFrame(rows)


# The category each type of service belongs to (a type serves one category).
SERVICE_TYPE_CATEGORY: dict[str, str] = {
    **{public: c for c, (public, _o) in DEFAULT_SERVICE_TYPE.items()},
    **{other: c for c, (_p, other) in DEFAULT_SERVICE_TYPE.items()},
    "identity_card_office": "documentation_legal", "violence_support_unit": "documentation_legal",
    "health_coverage_enrolment": "social_protection", "child_protection_centre": "social_protection",
}

