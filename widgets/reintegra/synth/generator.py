"""The seeded generator of the course's synthetic data package.

``generate(seed, n_cases, n_services)`` returns the five tables as DataFrames of
text, exactly as written to CSV; ``write_package`` writes them with
``datapackage.json``. Same seed and sizes → byte-identical files. Each table has
its own random stream (``default_rng([seed, k])``), so changing the number of
services does not change the cases.

The model, in short (every number is a course assumption, documented in the data
card, ``datasets/README.md``):

* each case gets hidden baseline levels on the three dimensions (economic,
  social, psychosocial), driven by its profile: non-productive debt, education,
  documents, vulnerabilities, country of return, remoteness…;
* assisted cases gain more over the 3-, 6- and 12-month waves than non-assisted
  ones; answers to the instrument are drawn around those levels, with some items
  tied directly to the profile (debt, documents, schooling, distress);
* missing answers, missed waves and drop-outs (re-migration, lost contact…) are
  drawn too, more often by phone and for sensitive questions;
* services are spread over the regions in proportion to the caseload, with fewer
  and smaller services in remote regions;
* referrals go from assisted cases' needs to the nearest eligible service, with a
  few mistakes; their outcome depends on eligibility, load, distance and delay;
* about one case in twenty was a child (under 18) at return: children who returned
  without a parent or legal representative, from Europe (14 to 17 at return), and
  children who returned with a parent (4 to 17 at return), drawn from their own
  stream; the age on the reference date follows from the age at return, and every
  adult was an adult at return. Their files follow the rules of
  :mod:`reintegra.children` at the age on each date (no contact details, the best
  interests procedure, child protection at once where it is needed, no work under
  15, no grant or loan, no assessment by phone, closure only when completed or by
  handover to child protection), and each region has a child-protection support
  centre (CAPE).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Mapping

import numpy as np
import pandas as pd

from .. import children as child_rules
from ..schema import VOCABULARIES, normalise_text
from . import reference as ref
from .geo import in_morocco

REF_DATE = date.fromisoformat(ref.REFERENCE_DATE)
REF_ORD = REF_DATE.toordinal()
FIRST_RETURN = date(2023, 7, 1).toordinal()
LAST_RETURN = date(2026, 6, 10).toordinal()
WAVES = (0, 3, 6, 12)
DAYS_PER_MONTH = 30.44

STREAM_CASES, STREAM_ASSESS, STREAM_SERVICES, STREAM_REFERRALS = 1, 2, 3, 4
STREAM_CHILDREN, STREAM_CHILD_SERVICES, STREAM_CHILD_REFERRALS = 5, 6, 7
# ASSUMPTION (illustrative): the share of children in the caseload, alone and with a parent,
# and the countries unaccompanied or separated children come back from (most Moroccan unaccompanied
# minors in Europe were in Spain: press2018minors).
CHILD_ALONE_SHARE, CHILD_WITH_PARENT_SHARE = 0.025, 0.03
CHILD_ALONE_COUNTRIES = {"ES": 0.7, "FR": 0.1, "IT": 0.1, "BE": 0.05, "NL": 0.05}


def _age_on(age: np.ndarray, ords: np.ndarray) -> np.ndarray:
    """Vectorised :func:`reintegra.children.age_on` (the age in whole years on a date, from the
    age on the reference date), so that the generator and the checks agree."""
    years = np.maximum(REF_ORD - np.asarray(ords, dtype=float), 0) / child_rules.DAYS_PER_YEAR
    return np.floor(np.asarray(age, dtype=float) - years + 1e-9)


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), stream])


def _choice_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) probability matrix."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(probs))
    return np.minimum((u[:, None] > cum).sum(axis=1), probs.shape[1] - 1)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _iso(ordinals: np.ndarray) -> np.ndarray:
    """Day ordinals → ISO dates as strings ('' for -1)."""
    out = np.empty(len(ordinals), dtype=object)
    cache: dict[int, str] = {}
    for i, o in enumerate(ordinals.tolist()):
        if o < 0:
            out[i] = ""
            continue
        s = cache.get(o)
        if s is None:
            s = cache[o] = date.fromordinal(int(o)).isoformat()
        out[i] = s
    return out


def _join_flags(mask: np.ndarray, codes: list[str]) -> np.ndarray:
    """(n, k) boolean matrix → ';'-joined codes per row, in the given order."""
    out = np.empty(mask.shape[0], dtype=object)
    code_arr = np.array(codes, dtype=object)
    for i, row in enumerate(mask):
        out[i] = ";".join(code_arr[row])
    return out


def _coords_text(x: np.ndarray) -> np.ndarray:
    return np.array([f"{v:.4f}" for v in x], dtype=object)


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    digits = rng.integers(0, 100_000, size=n)
    return np.array([f"{ref.PHONE_PREFIX}{d // 10000} {(d // 100) % 100:02d} {d % 100:02d}" for d in digits],
                    dtype=object)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", normalise_text(text).replace(" ", ""))


def _jitter_points(rng: np.random.Generator, lat0: np.ndarray, lon0: np.ndarray,
                   radius_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Random points within radius_km of the centres, kept inside Morocco (else the centre)."""
    n = len(lat0)
    lat = np.round(lat0.astype(float), 4)
    lon = np.round(lon0.astype(float), 4)
    todo = np.arange(n)
    for _attempt in range(6):
        if todo.size == 0:
            break
        r = radius_km[todo] * np.sqrt(rng.random(todo.size))
        theta = rng.random(todo.size) * 2 * np.pi
        cand_lat = np.round(lat0[todo] + r * np.cos(theta) / 111.0, 4)
        cand_lon = np.round(lon0[todo] + r * np.sin(theta) / (111.0 * np.cos(np.radians(lat0[todo]))), 4)
        ok = in_morocco(cand_lat, cand_lon)
        lat[todo[ok]] = cand_lat[ok]
        lon[todo[ok]] = cand_lon[ok]
        todo = todo[~ok]
    return lat, lon


# ---------------------------------------------------------------------------
# Regions

def make_regions() -> pd.DataFrame:
    rows = []
    for r in ref.REGIONS:
        rows.append({
            "region_id": r.region_id, "name_fr": r.name_fr, "name_en": r.name_en, "name_ar": r.name_ar,
            "seat_fr": r.seat_fr, "seat_en": r.seat_en, "seat_ar": r.seat_ar,
            "seat_lat": f"{r.seat_lat:.2f}", "seat_lon": f"{r.seat_lon:.2f}",
            "emigration": r.emigration, "remote": "true" if r.remote else "false",
        })
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Cases (with their hidden profile, used by the assessments and referrals)

EDUCATION = list(VOCABULARIES["education"])
OCCUPATIONS = list(VOCABULARIES["occupation"])
SKILLS = list(VOCABULARIES["skill"])
LANGUAGES = list(VOCABULARIES["language"])
DOCUMENTS = list(VOCABULARIES["document"])
VULNERABILITIES = list(VOCABULARIES["vulnerability"])

# ASSUMPTION: occupation before migration, by sex (order of OCCUPATIONS)
OCC_MALE = [0.14, 0.19, 0.06, 0.10, 0.07, 0.06, 0.005, 0.03, 0.05, 0.05, 0.05, 0.19, 0.015]
OCC_FEMALE = [0.08, 0.01, 0.08, 0.10, 0.09, 0.005, 0.18, 0.005, 0.08, 0.09, 0.08, 0.20, 0.01]

# ASSUMPTION: skills that come with each occupation (probability each)
OCC_SKILLS = {
    "agriculture": {"farming": 0.85, "livestock": 0.45, "driving": 0.15},
    "construction": {"masonry": 0.6, "tiling": 0.35, "painting": 0.3, "plumbing": 0.2,
                     "electricity": 0.2, "welding": 0.15, "carpentry": 0.15},
    "manufacturing": {"welding": 0.25, "sewing": 0.3, "mechanics": 0.15, "electricity": 0.1},
    "trade": {"sales": 0.85, "computing": 0.15, "driving": 0.2},
    "hospitality": {"cooking": 0.6, "baking": 0.25, "cleaning": 0.35, "sales": 0.15},
    "transport": {"driving": 0.9, "mechanics": 0.35},
    "domestic_work": {"cleaning": 0.8, "cooking": 0.6, "caregiving": 0.5},
    "fishing": {"fishing": 0.9, "mechanics": 0.15},
    "crafts": {"carpentry": 0.3, "sewing": 0.35, "painting": 0.15, "hairdressing": 0.15, "baking": 0.1},
    "services": {"sales": 0.3, "computing": 0.3, "hairdressing": 0.15, "driving": 0.2, "caregiving": 0.1},
    "student": {"computing": 0.45, "sales": 0.1},
    "unemployed": {},
    "other": {"driving": 0.2},
}
# ASSUMPTION: skills often picked up abroad, by country group
ABROAD_SKILLS = {
    "europe": {"farming": 0.25, "cooking": 0.15, "cleaning": 0.15, "masonry": 0.1, "caregiving": 0.08},
    "libya": {"masonry": 0.25, "tiling": 0.15, "painting": 0.15, "farming": 0.1},
    "gulf": {"driving": 0.25, "cleaning": 0.25, "caregiving": 0.2, "cooking": 0.15},
    "turkiye": {"sewing": 0.2, "cooking": 0.1, "sales": 0.1},
    "maghreb": {"farming": 0.15, "masonry": 0.15, "sales": 0.1},
}

# ASSUMPTION: probability of speaking French by education (order of EDUCATION)
FRENCH_BY_EDU = np.array([0.04, 0.15, 0.35, 0.6, 0.5, 0.9])
ARABIC_BY_EDU = np.array([0.15, 0.6, 0.85, 0.95, 0.9, 0.98])
ENGLISH_BY_EDU = np.array([0.0, 0.02, 0.06, 0.15, 0.08, 0.45])


def make_cases(seed: int, n: int) -> tuple[pd.DataFrame, dict]:
    """The cases' typed profile (without closure, set after the waves)."""
    rng = _rng(seed, STREAM_CASES)
    countries = ref.COUNTRIES
    c_idx = rng.choice(len(countries), size=n, p=np.array([c.weight for c in countries]) / sum(c.weight for c in countries))
    country = np.array([countries[i].code for i in c_idx], dtype=object)
    group = np.array([countries[i].group for i in c_idx], dtype=object)
    median_months = np.array([countries[i].median_months for i in c_idx])
    female_share = np.array([countries[i].female_share for i in c_idx])

    programmes = ["avrr", "vhr", "other"]
    P = np.array([[countries[i].programme.get(p, 0.0) for p in programmes] for i in range(len(countries))])
    programme = np.array(programmes, dtype=object)[_choice_rows(rng, P[c_idx])]

    female = rng.random(n) < female_share
    age = 18 + rng.gamma(2.2, 5.5, size=n)
    older = rng.random(n) < 0.05
    age = np.where(older, rng.uniform(50, 73, size=n), age)
    age = np.clip(np.floor(age), 18, 80).astype(int)

    # children: their own stream (the adults' draws below keep their sizes, so adults do not move)
    crng = _rng(seed, STREAM_CHILDREN)
    cu = crng.random(n)
    alone = cu < CHILD_ALONE_SHARE
    with_parent = (cu >= CHILD_ALONE_SHARE) & (cu < CHILD_ALONE_SHARE + CHILD_WITH_PARENT_SHARE)
    child = alone | with_parent
    # a child's age is drawn at return (unaccompanied or separated: 14 to 17; with a parent: 4 to 17);
    # the age on the reference date follows from the return date, below
    age = np.where(alone, crng.integers(14, 18, n), np.where(with_parent, crng.integers(4, 18, n), age))
    female = np.where(alone, crng.random(n) < 0.08, np.where(with_parent, crng.random(n) < 0.5, female))
    codes = list(CHILD_ALONE_COUNTRIES)
    pick = crng.choice(len(codes), size=n, p=np.array(list(CHILD_ALONE_COUNTRIES.values())))
    index_of = {c.code: i for i, c in enumerate(countries)}
    c_idx = np.where(alone, np.array([index_of[codes[k]] for k in pick]), c_idx)
    country = np.array([countries[i].code for i in c_idx], dtype=object)
    group = np.array([countries[i].group for i in c_idx], dtype=object)
    # ASSUMPTION (illustrative): IOM assists some returns of unaccompanied children from Belgium and
    # the Netherlands after a best interests determination; the others are outside assisted return
    programme = np.where(alone, np.where(np.isin(country, ["BE", "NL"]), "avrr", "other"), programme)

    regions = ref.REGIONS
    r_w = np.array([r.case_weight for r in regions])
    r_idx = rng.choice(len(regions), size=n, p=r_w / r_w.sum())
    region_id = np.array([regions[i].region_id for i in r_idx], dtype=object)
    towns = ref.TOWNS
    town_idx = np.empty(n, dtype=int)
    for k, r in enumerate(regions):
        members = [i for i, t in enumerate(towns) if t.region_id == r.region_id]
        w = np.array([towns[i].weight for i in members], dtype=float)
        sel = np.flatnonzero(r_idx == k)
        town_idx[sel] = np.array(members)[rng.choice(len(members), size=sel.size, p=w / w.sum())]
    town = np.array([towns[i].name for i in town_idx], dtype=object)
    t_lat = np.array([towns[i].lat for i in town_idx])
    t_lon = np.array([towns[i].lon for i in town_idx])
    t_w = np.array([towns[i].weight for i in town_idx])
    lat, lon = _jitter_points(rng, t_lat, t_lon, 1.5 + 0.3 * t_w)
    remote = np.array([regions[i].remote for i in r_idx])

    # marital status and household
    p_married = _sigmoid((age - 29) / 4.0) * 0.78
    p_div = np.where(female, 0.12, 0.05) * _sigmoid((age - 27) / 5.0)
    p_wid = np.where(age > 50, np.where(female, 0.15, 0.05), 0.005)
    p_single = np.clip(1 - p_married - p_div - p_wid, 0.02, 1)
    marital = np.array(["single", "married", "divorced", "widowed"], dtype=object)[
        _choice_rows(rng, np.column_stack([p_single, p_married, p_div, p_wid]))]
    hh = np.where(marital == "married", 2 + rng.poisson(2.2, n),
                  np.where(marital == "single", 1 + rng.poisson(3.0, n), 1 + rng.poisson(1.8, n)))
    hh = np.clip(hh, 1, 14)

    # education: an ordinal draw shifted by age (older people left school earlier)
    base = np.array([0.11, 0.27, 0.25, 0.18, 0.11, 0.08])
    z = rng.normal(0, 1, n) - 0.035 * (age - 30) + np.where(group == "libya", -0.2, 0.0)
    cuts = np.array([-1.23, -0.28, 0.36, 0.89, 1.41])  # ≈ normal quantiles of the cumulative base
    edu_rank = np.searchsorted(cuts, z)
    # ranks: none, primary, lower_sec, upper_sec, then vocational/university split of the top
    edu_idx = np.where(edu_rank <= 3, edu_rank, np.where(rng.random(n) < 0.55, 4, 5))
    edu_idx = np.where(edu_rank == 5, 5, edu_idx)
    education = np.array(EDUCATION, dtype=object)[edu_idx]

    occ_p = np.where(female[:, None], np.array(OCC_FEMALE), np.array(OCC_MALE))
    occ_p = occ_p / occ_p.sum(axis=1, keepdims=True)
    student_col = OCCUPATIONS.index("student")
    occ_p[:, student_col] *= np.where(age < 23, 4.0, np.where(age < 28, 1.0, 0.1))
    occ_idx = _choice_rows(rng, occ_p)
    occupation = np.array(OCCUPATIONS, dtype=object)[occ_idx]

    months = np.clip(np.round(median_months * np.exp(rng.normal(0, 0.6, n))), 1, 360).astype(int)

    skill_p = np.zeros((n, len(SKILLS)))
    for occ, probs in OCC_SKILLS.items():
        rows = occupation == occ
        for skill, p in probs.items():
            skill_p[rows, SKILLS.index(skill)] = p
    stay = 1 - np.exp(-months / 30.0)
    for grp, probs in ABROAD_SKILLS.items():
        rows = group == grp
        for skill, p in probs.items():
            k = SKILLS.index(skill)
            skill_p[rows, k] = 1 - (1 - skill_p[rows, k]) * (1 - p * stay[rows])
    skill_p[:, SKILLS.index("computing")] = np.maximum(skill_p[:, SKILLS.index("computing")],
                                                      np.where(edu_idx == 5, 0.5, 0.0))
    skills = rng.random((n, len(SKILLS))) < skill_p

    # languages
    town_tam = np.array([towns[i].tamazight_area for i in town_idx])
    reg_tam = np.array([regions[i].tamazight for i in r_idx])
    reg_has = np.array([regions[i].hassaniya for i in r_idx])
    lang_p = np.zeros((n, len(LANGUAGES)))
    L = LANGUAGES.index
    lang_p[:, L("darija")] = 0.97
    lang_p[:, L("arabic")] = ARABIC_BY_EDU[edu_idx]
    lang_p[:, L("tamazight")] = np.where(town_tam, 0.75, reg_tam * 0.5)
    lang_p[:, L("hassaniya")] = reg_has
    lang_p[:, L("french")] = FRENCH_BY_EDU[edu_idx]
    lang_p[:, L("spanish")] = np.where(region_id == "MA-01", 0.3, 0.04)
    lang_p[:, L("english")] = ENGLISH_BY_EDU[edu_idx]
    learn = 1 - np.exp(-months / 24.0)
    for i_c, c in enumerate(countries):
        rows = c_idx == i_c
        for lang in c.languages:
            k = L(lang)
            lang_p[rows, k] = 1 - (1 - lang_p[rows, k]) * (1 - 0.85 * learn[rows])
    langs = rng.random((n, len(LANGUAGES))) < lang_p
    none_spoken = ~langs.any(axis=1)
    langs[none_spoken, L("darija")] = True
    # a Tamazight speaker without Darija is plausible; anyone else speaks Darija
    langs[:, L("darija")] |= ~langs[:, L("tamazight")]

    # documents held on arrival
    D = DOCUMENTS.index
    doc_p = np.zeros((n, len(DOCUMENTS)))
    doc_p[:, D("cnie")] = np.select([programme == "vhr", programme == "avrr"], [0.55, 0.8], 0.88)
    doc_p[:, D("passport")] = np.select([programme == "vhr", programme == "avrr"], [0.1, 0.35], 0.75)
    doc_p[:, D("birth_certificate")] = 0.6
    doc_p[:, D("family_record")] = np.where(marital == "single", 0.15, 0.8)
    doc_p[:, D("residence_certificate")] = 0.2
    doc_p[:, D("diploma")] = np.array([0.0, 0.1, 0.3, 0.7, 0.3, 0.85])[edu_idx]
    doc_p[:, D("vocational_certificate")] = np.where(edu_idx == 4, 0.75, 0.03)
    docs = rng.random((n, len(DOCUMENTS))) < doc_p

    # vulnerabilities
    V = VULNERABILITIES.index
    libya = group == "libya"
    vul = np.zeros((n, len(VULNERABILITIES)), dtype=bool)
    vul[:, V("trafficking_or_violence_survivor")] = rng.random(n) < (
        np.where(libya, 0.14, 0.035) + np.where(female, 0.08, 0.0) + np.where(group == "gulf", 0.04, 0.0))
    vul[:, V("serious_health_condition")] = rng.random(n) < 0.05 + 0.004 * np.maximum(age - 35, 0) + 0.03 * libya
    vul[:, V("disability")] = rng.random(n) < 0.03 + 0.002 * np.maximum(age - 40, 0)
    vul[:, V("psychological_distress")] = rng.random(n) < (
        0.13 + 0.12 * libya + 0.3 * vul[:, V("trafficking_or_violence_survivor")]
        + 0.1 * vul[:, V("serious_health_condition")])
    parent_possible = (hh >= 2) & np.isin(marital, ["single", "divorced", "widowed"])
    vul[:, V("single_parent")] = parent_possible & (rng.random(n) < np.where(
        female, np.where(marital == "single", 0.2, 0.65), np.where(marital == "single", 0.01, 0.15)))
    vul[:, V("older_person")] = age >= 60

    # debt
    p_debt = np.select([libya, group == "europe", group == "gulf"], [0.65, 0.4, 0.3], 0.45)
    has_debt = rng.random(n) < p_debt
    reasons = np.array(["migration", "consumption", "health", "business"], dtype=object)
    R = np.column_stack([np.where(libya, 0.7, 0.35), np.full(n, 0.3),
                         0.08 + 0.3 * vul[:, V("serious_health_condition")], np.full(n, 0.1)])
    reason = reasons[_choice_rows(rng, R)]
    median_debt = np.select([reason == "migration", reason == "consumption", reason == "health"],
                            [25_000, 8_000, 12_000], 30_000)
    amount = np.round(median_debt * np.exp(rng.normal(0, 0.7, n)) / 500) * 500
    debt_mad = np.where(has_debt, np.maximum(amount, 500), 0).astype(int)
    debt_reason = np.where(has_debt, reason, "none")

    # return date: more returns in recent months (a growing programme)
    span = LAST_RETURN - FIRST_RETURN
    return_ord = (FIRST_RETURN + np.floor(span * rng.random(n) ** 0.8)).astype(int)
    # the age on the reference date: a child's from the age at return, and every adult was an
    # adult at return (reintegra.children.age_on gives back the age at return from these)
    elapsed = np.ceil((REF_ORD - return_ord) / child_rules.DAYS_PER_YEAR).astype(int)
    age_at_return = age.copy()
    age = np.where(child, age_at_return + elapsed, np.maximum(age, child_rules.ADULT_AGE + elapsed)).astype(int)
    vul[:, V("older_person")] = age >= 60

    any_vul = vul[:, [V("serious_health_condition"), V("disability"), V("psychological_distress"),
                      V("trafficking_or_violence_survivor"), V("single_parent")]].any(axis=1)
    p_assist = np.clip(0.62 + 0.12 * (programme != "other") - 0.3 * (programme == "other")
                       + 0.12 * any_vul, 0.05, 0.97)
    assisted = rng.random(n) < p_assist

    # names and contacts
    first = np.where(female, np.array(ref.FEMALE_FIRST_NAMES, dtype=object)[rng.integers(0, len(ref.FEMALE_FIRST_NAMES), n)],
                     np.array(ref.MALE_FIRST_NAMES, dtype=object)[rng.integers(0, len(ref.MALE_FIRST_NAMES), n)])
    last = np.array(ref.LAST_NAMES, dtype=object)[rng.integers(0, len(ref.LAST_NAMES), n)]
    phone = np.where(rng.random(n) < 0.95, _phones(rng, n), "")
    has_mail = rng.random(n) < np.where(edu_idx >= 3, 0.3, 0.06)
    mail_no = rng.integers(1, 99, n)
    email = np.array([f"{_slug(f)}.{_slug(l)}{k}@{ref.EMAIL_DOMAIN}" if m else ""
                      for f, l, k, m in zip(first, last, mail_no, has_mail)], dtype=object)

    # children's files (reintegra.children): single, at school or not working, no skills, no debt,
    # no identity card or diploma, no contact details; the best interests procedure
    since = REF_ORD - return_ord
    marital = np.where(child, "single", marital)
    hh = np.where(child, np.maximum(hh, 2), hh)
    edu_idx = np.where(child, np.select([age < 6, age < 12, age < 15], [0, 1, np.where(crng.random(n) < 0.7, 2, 1)],
                                        np.where(crng.random(n) < 0.6, 2, 1)), edu_idx)
    education = np.array(EDUCATION, dtype=object)[edu_idx]
    occupation = np.where(with_parent | (alone & (crng.random(n) < 0.4)), "student",
                          np.where(alone, "unemployed", occupation))
    # months abroad never exceed the age at return (an unaccompanied child left at 12 or older)
    months = np.where(alone, np.minimum(np.maximum(months, 6 + crng.integers(0, 30, n)), (age_at_return - 12) * 12),
                      np.where(with_parent, np.clip(months, 1, age_at_return * 12), months))
    skills[child] = False
    for code in ("cnie", "diploma", "vocational_certificate"):
        docs[child, D(code)] = False
    docs[child, D("birth_certificate")] |= crng.random(n)[child] < 0.5
    vul[child, V("single_parent")] = False
    vul[child, V("older_person")] = False
    debt_mad = np.where(child, 0, debt_mad)
    debt_reason = np.where(child, "none", debt_reason)
    phone = np.where(child, "", phone)
    email = np.where(child, "", email)
    child_return = np.select([alone, with_parent], ["unaccompanied", "with_parent"], "")
    bu = crng.random(n)
    # a protection concern: every unaccompanied or separated child, a child with a trafficking or
    # violence history, and (ASSUMPTION, illustrative) one in seven other children who returned with a parent
    concern = alone | (with_parent & (vul[:, V("trafficking_or_violence_survivor")] | (crng.random(n) < 0.15)))
    best_interests = np.where(child, np.select(
        [~concern, since < 30, alone & (bu < 0.5)], ["screened", "referred", "determined"], "assessed"), "")

    # hidden baseline levels on each dimension (0–1); ASSUMPTION: coefficients chosen for plausibility
    nonprod = np.where(np.isin(debt_reason, ["migration", "consumption", "health"]), debt_mad, 0)
    debt_load = np.minimum(nonprod / 30_000.0, 2.5)
    n_skills = skills.sum(axis=1)
    eco0 = _sigmoid(0.15 + 0.18 * edu_idx - 0.9 * debt_load - 0.35 * libya + 0.2 * (months > 36)
                    - 0.25 * female - 0.35 * (occupation == "unemployed") - 0.06 * (hh - 4)
                    + 0.12 * np.minimum(n_skills, 4) - 0.3 * remote - 0.3 * (age >= 60)
                    + rng.normal(0, 0.45, n))
    soc0 = _sigmoid(0.2 + 0.7 * docs[:, D("cnie")] + 0.3 * docs[:, D("birth_certificate")]
                    - 0.7 * vul[:, V("serious_health_condition")] - 0.5 * vul[:, V("disability")]
                    - 0.45 * remote - 0.3 * vul[:, V("single_parent")] - 0.2 * libya + 0.08 * edu_idx
                    + rng.normal(0, 0.45, n))
    psy0 = _sigmoid(0.5 - 1.4 * vul[:, V("psychological_distress")]
                    - 0.7 * vul[:, V("trafficking_or_violence_survivor")] - 0.3 * libya
                    + 0.3 * (marital == "married") - 0.004 * months - 0.2 * debt_load
                    + rng.normal(0, 0.45, n))
    # gains at 12 months on each dimension; ASSUMPTION: assisted cases gain more (ORION mentoring
    # study: small but significant positive effect)
    g_eco = np.where(assisted, rng.normal(0.20, 0.08, n), rng.normal(0.03, 0.06, n))
    g_soc = np.where(assisted, rng.normal(0.14, 0.06, n), rng.normal(0.02, 0.05, n))
    g_psy = np.where(assisted, rng.normal(0.13, 0.07, n), rng.normal(0.01, 0.06, n))
    # school-age children in the household (decides 'not applicable' on schooling)
    kids = (hh >= 3) & (age >= 24) & (age <= 58) & (rng.random(n) < np.where(marital == "married", 0.8, 0.35))
    kids |= vul[:, V("single_parent")]
    kids |= child

    hidden = pd.DataFrame({
        "country": country, "group": group, "programme": programme, "female": female, "age": age,
        "region_id": region_id, "town": town, "lat": lat, "lon": lon, "remote": remote,
        "marital": marital, "hh": hh, "edu_idx": edu_idx, "occupation": occupation, "months": months,
        "debt_mad": debt_mad, "debt_reason": debt_reason, "debt_load": debt_load,
        "return_ord": return_ord, "assisted": assisted,
        "eco0": eco0, "soc0": soc0, "psy0": psy0, "g_eco": g_eco, "g_soc": g_soc, "g_psy": g_psy,
        "kids": kids, "child": child, "concern": child & concern,
    })
    for k, code in enumerate(DOCUMENTS):
        hidden[f"doc_{code}"] = docs[:, k]
    for k, code in enumerate(VULNERABILITIES):
        hidden[f"vul_{code}"] = vul[:, k]
    hidden["lang_codes"] = _join_flags(langs, LANGUAGES)
    hidden["doc_codes"] = _join_flags(docs, DOCUMENTS)
    hidden["vul_codes"] = _join_flags(vul, VULNERABILITIES)

    public = {
        "first_name": first, "last_name": last, "sex": np.where(female, "female", "male"),
        "age": age, "child_return": child_return, "best_interests": best_interests, "marital_status": marital, "household_size": hh, "region_id": region_id,
        "town": town, "lat": _coords_text(lat), "lon": _coords_text(lon),
        "country_returned_from": country, "return_programme": programme,
        "return_date": _iso(return_ord), "months_abroad": months, "education": education,
        "occupation_before": occupation, "skills": _join_flags(skills, SKILLS),
        "languages": hidden["lang_codes"].to_numpy(), "documents": hidden["doc_codes"].to_numpy(),
        "vulnerabilities": hidden["vul_codes"].to_numpy(), "debt_mad": debt_mad,
        "debt_reason": debt_reason, "assisted": np.where(assisted, "true", "false"),
        "phone": phone, "email": email,
    }
    return hidden, public


# ---------------------------------------------------------------------------
# Assessments

def _level(hidden: pd.DataFrame, dim: str, wave_months: np.ndarray, rows: np.ndarray) -> np.ndarray:
    base = hidden[f"{dim[:3]}0"].to_numpy()[rows]
    gain = hidden[f"g_{dim[:3]}"].to_numpy()[rows]
    shape = 1 - np.exp(-wave_months / 5.0)
    return np.clip(base + gain * shape, 0.02, 0.98)


def _nearest_option(target: np.ndarray, scores: np.ndarray) -> np.ndarray:
    return np.abs(target[:, None] - scores[None, :]).argmin(axis=1)


ITEM_MISSING_EXTRA = {"eco_debt": 0.04, "eco_satisfaction": 0.02, "eco_income": 0.01}


def make_assessments(seed: int, hidden: pd.DataFrame, instrument: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Assessment rows (as text) and the cases' closure (typed)."""
    rng = _rng(seed, STREAM_ASSESS)
    n = len(hidden)
    ret = hidden["return_ord"].to_numpy()
    assisted = hidden["assisted"].to_numpy()
    eco0 = hidden["eco0"].to_numpy()

    # scheduled dates: baseline 7–40 days after return; follow-ups around 3, 6, 12 months
    dates = np.zeros((n, len(WAVES)), dtype=int)
    dates[:, 0] = ret + rng.integers(7, 41, n)
    for j, w in enumerate(WAVES[1:], start=1):
        d = ret + np.round(w * DAYS_PER_MONTH + rng.normal(0, 8, n)).astype(int)
        dates[:, j] = np.maximum(d, dates[:, j - 1] + 21)

    # drop-out: a hazard per month, higher when the economic situation is poor (ASSUMPTION)
    rate = 0.006 + 0.012 * (eco0 < 0.35) + 0.006 * (~assisted) + 0.004 * (hidden["group"].to_numpy() == "libya")
    drop_month = rng.exponential(1.0, n) / rate
    drop_ord = ret + np.round(drop_month * DAYS_PER_MONTH).astype(int)
    dropped = (drop_month < 12.5) & (drop_ord <= REF_ORD)

    took = np.zeros((n, len(WAVES)), dtype=bool)
    took[:, 0] = (dates[:, 0] <= REF_ORD) & ~(dropped & (drop_ord < dates[:, 0]))
    p_follow = np.where(assisted, 0.9, 0.55)
    for j in range(1, len(WAVES)):
        due = (dates[:, j] <= REF_ORD) & ~(dropped & (drop_ord < dates[:, j]))
        took[:, j] = due & (rng.random(n) < p_follow) & took[:, 0]

    # closure
    reasons = np.array(["remigrated", "unreachable", "withdrew", "moved_away", "not_eligible"], dtype=object)
    Rp = np.column_stack([0.3 + 0.25 * (eco0 < 0.35), np.full(n, 0.35), np.full(n, 0.15),
                          np.full(n, 0.1), np.full(n, 0.05)])
    drop_reason = reasons[_choice_rows(rng, Rp)]
    closure_ord = np.full(n, -1)
    closure_reason = np.full(n, "", dtype=object)
    closure_ord[dropped] = drop_ord[dropped]
    closure_reason[dropped] = drop_reason[dropped]
    done12 = took[:, 3] & assisted & ~dropped
    end = dates[:, 3] + rng.integers(3, 25, n)
    completes = done12 & (end <= REF_ORD) & (rng.random(n) < 0.85)
    closure_ord[completes] = end[completes]
    closure_reason[completes] = "completed"
    # a case cannot close before its baseline was planned
    no_baseline = dropped & ~took[:, 0]
    closure_ord[no_baseline] = np.maximum(closure_ord[no_baseline], ret[no_baseline] + 1)
    # a child's case closes only when support is completed or by handover to child protection
    # (reintegra.children, rule 8): never "unreachable" or "re-migrated" for a child
    child_at_close = (closure_ord >= 0) & (_age_on(hidden["age"].to_numpy(), closure_ord) < child_rules.ADULT_AGE)
    closure_reason = np.where(child_at_close & (closure_reason != "completed"), "handed_over", closure_reason)
    closure = pd.DataFrame({"closure_ord": closure_ord, "closure_reason": closure_reason})

    # one row per assessment taken
    case_rows, wave_idx = np.nonzero(took)
    m = len(case_rows)
    wave = np.array(WAVES)[wave_idx]
    adate = dates[case_rows, wave_idx]
    follow = wave > 0
    vulnerable = hidden[["vul_serious_health_condition", "vul_disability", "vul_psychological_distress",
                         "vul_trafficking_or_violence_survivor"]].to_numpy().any(axis=1)[case_rows]
    mode_p = np.where(follow[:, None], np.array([0.32, 0.55, 0.13]) + np.where(vulnerable[:, None], [0, -0.1, 0.1], 0),
                      np.array([0.88, 0.0, 0.12]))
    mode = np.array(["in_person", "phone", "home_visit"], dtype=object)[_choice_rows(rng, mode_p)]
    # a child is assessed in person, with the protection focal point (reintegra.children)
    mode = np.where(hidden["child"].to_numpy()[case_rows] & (mode == "phone"), "home_visit", mode)
    a_age = _age_on(hidden["age"].to_numpy()[case_rows], adate)
    phone_mode = mode == "phone"

    levels = {dim: _level(hidden, dim, wave.astype(float), case_rows) for dim in ("economic", "social", "psychosocial")}
    g = hidden.iloc[case_rows]
    shape = 1 - np.exp(-wave / 5.0)
    columns: dict[str, np.ndarray] = {}
    for item in instrument["items"]:
        iid, dim = item["id"], item["dimension"]
        codes = np.array([o["code"] for o in item["options"]], dtype=object)
        scores = np.array([np.nan if o["score"] is None else o["score"] for o in item["options"]], dtype=float)
        scored = ~np.isnan(scores)
        level = levels.get(dim, levels["economic"])
        target = level + rng.normal(0, 0.17, m)
        if iid == "eco_debt":
            load = g["debt_load"].to_numpy()
            prod = (g["debt_reason"].to_numpy() == "business")
            base = np.where(g["debt_mad"].to_numpy() == 0, 1.0,
                            np.where(prod, 0.8, np.clip(0.85 - 0.55 * load, 0.0, 0.85)))
            target = base + g["g_eco"].to_numpy() * shape * 0.8 + rng.normal(0, 0.1, m)
            target = np.where(g["debt_mad"].to_numpy() == 0, 1.0, np.minimum(target, 0.85))
        elif iid == "soc_documents":
            held = g["doc_cnie"].to_numpy().astype(float) + g["doc_birth_certificate"].to_numpy()
            target = held / 2 + g["g_soc"].to_numpy() * shape * 1.8 + rng.normal(0, 0.12, m)
        elif iid in ("psy_distress", "psy_sleep"):
            target = level - 0.15 * g["vul_psychological_distress"].to_numpy() + rng.normal(0, 0.15, m)
        elif iid == "psy_remigration":
            target = 0.5 * levels["economic"] + 0.5 * level + rng.normal(0, 0.17, m)
        elif iid == "soc_health":
            target = level - 0.1 * g["vul_serious_health_condition"].to_numpy() + rng.normal(0, 0.17, m)
        choice = np.flatnonzero(scored)[_nearest_option(target, scores[scored])]
        # Options with the same score (on re-migration: staying, or a regular route
        # chosen freely; feeling forced, or an irregular route) share their answers.
        # ASSUMPTION: three in five take the later option of a tie.
        ties = {k: [i for i in np.flatnonzero(scored) if scores[i] == scores[k] and i > k]
                for k in np.flatnonzero(scored)}
        if any(ties.values()):
            later = rng.random(m) < 0.6
            for k, others in ties.items():
                if others:
                    choice = np.where((choice == k) & later, others[0], choice)
        answer = codes[choice]
        if iid == "soc_education" and (~scored).any():
            answer = np.where(g["kids"].to_numpy(), answer, codes[np.flatnonzero(~scored)[0]])
        p_miss = (0.02 + 0.05 * phone_mode + (0.04 if dim == "psychosocial" else 0.0)
                  + ITEM_MISSING_EXTRA.get(iid, 0.0))
        answer = np.where(rng.random(m) < p_miss, "", answer)
        columns[iid] = answer
    # interviews cut short: a whole dimension left blank (mostly psychosocial, by phone)
    for dim, p in (("psychosocial", 0.035), ("social", 0.012), ("economic", 0.008)):
        cut = rng.random(m) < p * (1 + 2 * phone_mode)
        for item in instrument["items"]:
            if item["dimension"] == dim:
                columns[item["id"]] = np.where(cut, "", columns[item["id"]])

    # screening
    V = {k: g[f"vul_{k}"].to_numpy() for k in VULNERABILITIES}
    housing_none = columns.get("soc_housing", np.full(m, "", dtype=object)) == "none"
    screening_p = {
        "scr_medical": 0.015 + 0.25 * V["serious_health_condition"],
        "scr_protection": 0.01 + 0.2 * V["trafficking_or_violence_survivor"],
        "scr_trafficking": 0.004 + 0.3 * V["trafficking_or_violence_survivor"],
        "scr_selfharm": 0.002 + 0.05 * V["psychological_distress"],
        "scr_shelter": 0.006 + 0.3 * housing_none,
    }
    for question in instrument.get("screening", []):
        qid = question["id"]
        codes = [o["code"] for o in question["options"]]
        raising = question.get("flag", {}).get("raised_by", [])
        yes = raising[0] if raising else codes[0]
        no = next((c for c in codes if c not in raising), codes[-1])
        p = screening_p.get(qid, np.full(m, 0.02)) * np.where(follow, 0.3, 1.0)
        answer = np.where(rng.random(m) < p, yes, no).astype(object)
        answer = np.where(rng.random(m) < 0.01 + 0.04 * phone_mode, "", answer)
        columns[qid] = answer
    # children (reintegra.children): under 15, the economic questions do not apply (no work, income
    # not asked); a protection concern is flagged at every assessment while the person is a child
    young = a_age < child_rules.MIN_WORKING_AGE
    if "eco_work" in columns:
        columns["eco_work"] = np.where(young, "none", columns["eco_work"])
    if "eco_income" in columns:
        columns["eco_income"] = np.where(young, "", columns["eco_income"])
    minor = a_age < child_rules.ADULT_AGE
    if "scr_protection" in columns:
        flagged = g["concern"].to_numpy() | (columns.get("scr_trafficking", np.full(m, "")) == "yes")
        columns["scr_protection"] = np.where(minor & flagged, "yes", columns["scr_protection"])

    frame = pd.DataFrame({
        "case_row": case_rows, "wave": wave, "assessment_date": _iso(adate), "mode": mode, **columns,
    })
    return frame, closure


# ---------------------------------------------------------------------------
# Services

CATEGORIES = list(VOCABULARIES["service_category"])
PROVIDER_TYPES = list(VOCABULARIES["provider_type"])
# ASSUMPTION: share of each category in a service mapping (order of CATEGORIES)
CATEGORY_SHARE = np.array([0.11, 0.12, 0.09, 0.08, 0.13, 0.09, 0.05, 0.08, 0.07, 0.09, 0.09])
SCARCE_IN_REMOTE = {"business_development", "financial_services", "mental_health_psychosocial", "housing"}
# ASSUMPTION: provider type by category (public, ngo, private, international)
TYPE_BY_CATEGORY = {
    "job_placement": [0.5, 0.2, 0.25, 0.05], "vocational_training": [0.5, 0.2, 0.27, 0.03],
    "business_development": [0.15, 0.4, 0.3, 0.15], "financial_services": [0.0, 0.35, 0.65, 0.0],
    "health": [0.6, 0.18, 0.2, 0.02], "mental_health_psychosocial": [0.35, 0.45, 0.1, 0.1],
    "housing": [0.4, 0.5, 0.05, 0.05], "documentation_legal": [0.55, 0.35, 0.05, 0.05],
    "education": [0.75, 0.2, 0.05, 0.0], "social_protection": [0.8, 0.15, 0.05, 0.0],
    "family_community": [0.0, 0.85, 0.0, 0.15],
}
CAPACITY_MEDIAN = {"job_placement": 40, "vocational_training": 20, "business_development": 10,
                   "financial_services": 25, "health": 80, "mental_health_psychosocial": 15, "housing": 6,
                   "documentation_legal": 40, "education": 25, "social_protection": 50, "family_community": 20}
FEE_MEDIAN = {"job_placement": 200, "vocational_training": 1200, "business_development": 800,
              "financial_services": 100, "health": 250, "mental_health_psychosocial": 300, "housing": 600,
              "documentation_legal": 150, "education": 400, "social_protection": 50, "family_community": 50}
FEE_PROB = {"public": 0.04, "ngo": 0.1, "private": 0.85, "international": 0.0}
WAIT_MEAN = {"public": 14, "ngo": 7, "private": 3, "international": 10}
WAIT_EXTRA = {"housing": 20, "mental_health_psychosocial": 10, "health": 4}


def _allocate(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    k = len(weights)
    minimum = min(minimum, total // k)
    share = weights / weights.sum() * (total - minimum * k)
    counts = np.floor(share).astype(int)
    remainder = share - counts
    for i in np.argsort(-remainder, kind="stable")[: total - minimum * k - counts.sum()]:
        counts[i] += 1
    return counts + minimum


def make_services(seed: int, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = _rng(seed, STREAM_SERVICES)
    regions = ref.REGIONS
    towns = ref.TOWNS
    w = np.array([r.case_weight * (0.5 if r.remote else 1.0) for r in regions])
    counts = _allocate(n, w, minimum=3)
    r_idx = np.repeat(np.arange(len(regions)), counts)
    remote = np.array([regions[i].remote for i in r_idx])
    town_idx = np.empty(n, dtype=int)
    for k, r in enumerate(regions):
        members = [i for i, t in enumerate(towns) if t.region_id == r.region_id]
        tw = np.array([towns[i].weight for i in members], dtype=float) ** 1.3
        sel = np.flatnonzero(r_idx == k)
        town_idx[sel] = np.array(members)[rng.choice(len(members), size=sel.size, p=tw / tw.sum())]
        # the seat and the next largest town: see the vocational training establishments below
        town_idx[sel[0]] = members[0]
        town_idx[sel[1]] = max(members[1:], key=lambda i: towns[i].weight)
    region_id = np.array([regions[i].region_id for i in r_idx], dtype=object)
    town = np.array([towns[i].name for i in town_idx], dtype=object)
    lat, lon = _jitter_points(rng, np.array([towns[i].lat for i in town_idx]),
                              np.array([towns[i].lon for i in town_idx]), np.full(n, 2.0))

    cat_p = np.tile(CATEGORY_SHARE, (n, 1))
    scarce = np.array([c in SCARCE_IN_REMOTE for c in CATEGORIES])
    cat_p[np.ix_(remote, scarce)] *= 0.4
    cat_idx = _choice_rows(rng, cat_p)
    category = np.array(CATEGORIES, dtype=object)[cat_idx]
    type_p = np.array([TYPE_BY_CATEGORY[c] for c in CATEGORIES])[cat_idx]
    ptype = np.array(PROVIDER_TYPES, dtype=object)[_choice_rows(rng, type_p)]
    # OFPPT has establishments in every region: each region's first two entries are
    # public vocational training establishments, in its seat and its next largest town.
    firsts = np.array([i for k in range(len(regions)) for i in np.flatnonzero(r_idx == k)[:2]])
    category[firsts] = "vocational_training"
    ptype[firsts] = "public"

    # The service type: for a public entry, the real institution's type of service.
    service_type = np.empty(n, dtype=object)
    stems = np.empty(n, dtype=object)
    patterns = np.empty(n, dtype=object)
    draw = rng.random(n)
    for j in range(n):
        if ptype[j] == "public":
            options = ref.PUBLIC_SERVICE_TYPES[category[j]]
            cumulative = np.cumsum([o[1] for o in options])
            code, _share, pattern, stem = options[min(int(np.searchsorted(cumulative, draw[j] * cumulative[-1],
                                                                          side="right")), len(options) - 1)]
            service_type[j], patterns[j], stems[j] = code, pattern, stem
        else:
            service_type[j] = ref.OTHER_SERVICE_TYPES[category[j]]
            patterns[j] = ref.PROVIDER_PATTERNS[ptype[j]][category[j]]
    unit = service_type == "violence_support_unit"

    words = np.array(ref.NAME_WORDS, dtype=object)[rng.integers(0, len(ref.NAME_WORDS), n)]
    names = []
    seen: dict[str, int] = {}
    for wd, t, pattern in zip(words, town, patterns):
        name = pattern.format(w=wd, t=t)
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        names.append(name)

    # eligibility
    min_age = np.where(np.isin(category, ["vocational_training", "education"]) & (rng.random(n) < 0.3), 16, 18)
    youth = np.isin(category, ["job_placement", "vocational_training", "business_development"]) & (rng.random(n) < 0.25)
    max_age = np.where(youth, np.where(rng.random(n) < 0.6, 35, 40), 99)
    older_focus = (category == "social_protection") & (rng.random(n) < 0.1)
    min_age = np.where(older_focus, 60, min_age)
    p_female = np.select([category == "family_community", category == "business_development",
                          category == "mental_health_psychosocial", category == "vocational_training"],
                         [0.2, 0.12, 0.1, 0.08], 0.02)
    p_male = np.where(category == "housing", 0.15, 0.01)
    u = rng.random(n)
    sex = np.where(u < p_female, "female", np.where(u < p_female + p_male, "male", "any"))
    sex = np.where(unit, "female", sex)

    L = LANGUAGES.index
    reg_tam = np.array([regions[i].tamazight for i in r_idx])
    reg_has = np.array([regions[i].hassaniya for i in r_idx])
    town_tam = np.array([towns[i].tamazight_area for i in town_idx])
    lp = np.zeros((n, len(LANGUAGES)))
    lp[:, L("darija")] = 1.0
    lp[:, L("arabic")] = np.where(ptype == "public", 0.98, 0.85)
    lp[:, L("french")] = np.select([ptype == "international", ptype == "private"], [0.95, 0.8], 0.6)
    lp[:, L("tamazight")] = np.where(town_tam, 0.85, np.minimum(reg_tam * 1.2, 0.9))
    lp[:, L("hassaniya")] = reg_has
    lp[:, L("spanish")] = np.where(region_id == "MA-01", 0.35, 0.04) + np.where(ptype == "international", 0.25, 0)
    lp[:, L("english")] = np.select([ptype == "international", ptype == "private", ptype == "ngo"],
                                    [0.9, 0.25, 0.15], 0.05)
    languages = rng.random((n, len(LANGUAGES))) < lp

    D = DOCUMENTS.index
    dp = np.zeros((n, len(DOCUMENTS)))
    dp[:, D("cnie")] = np.select([ptype == "public", ptype == "private", ptype == "ngo"], [0.85, 0.6, 0.35], 0.15)
    dp[category == "financial_services", D("cnie")] = 0.95
    dp[category == "documentation_legal", D("cnie")] = 0.0
    dp[:, D("birth_certificate")] = np.select([category == "education", category == "social_protection"], [0.6, 0.5], 0.06)
    dp[category == "documentation_legal", D("birth_certificate")] = 0.0
    dp[:, D("family_record")] = np.where(category == "social_protection", 0.5, 0.0)
    dp[:, D("residence_certificate")] = np.select([category == "housing", category == "social_protection"], [0.5, 0.4], 0.02)
    dp[:, D("diploma")] = np.where(category == "vocational_training", 0.25, 0.0)
    docs_req = rng.random((n, len(DOCUMENTS))) < dp

    V = VULNERABILITIES.index
    focus = np.zeros((n, len(VULNERABILITIES)), dtype=bool)
    fu = rng.random(n)
    focus[:, V("psychological_distress")] = (category == "mental_health_psychosocial") & (fu < 0.35)
    focus[:, V("trafficking_or_violence_survivor")] = (
        ((category == "mental_health_psychosocial") & (fu >= 0.35) & (fu < 0.45))
        | ((service_type == "legal_aid") & (fu < 0.1)) | ((category == "housing") & (fu < 0.12)) | unit)
    focus[:, V("serious_health_condition")] = (category == "health") & (fu < 0.1)
    focus[:, V("disability")] = ((category == "health") & (fu >= 0.1) & (fu < 0.16)) | (
        (category == "social_protection") & (fu >= 0.1) & (fu < 0.2))
    focus[:, V("single_parent")] = ((category == "family_community") & (fu < 0.15)) | (
        (category == "housing") & (fu >= 0.12) & (fu < 0.2))
    focus[:, V("older_person")] = older_focus

    cap_med = np.array([CAPACITY_MEDIAN[c] for c in category], dtype=float)
    type_factor = np.select([ptype == "international", ptype == "private"], [1.3, 0.8], 1.0)
    capacity = np.maximum(1, np.round(cap_med * type_factor * np.where(remote, 0.6, 1.0)
                                      * np.exp(rng.normal(0, 0.45, n)))).astype(int)
    load = np.round(capacity * rng.beta(6, 2.5, n) * np.where(remote, 1.12, 1.0)
                    * np.exp(rng.normal(0, 0.12, n))).astype(int)
    load = np.maximum(load, 0)

    fee_p = np.array([FEE_PROB[t] for t in ptype])
    paying = rng.random(n) < fee_p
    fee = np.round(np.array([FEE_MEDIAN[c] for c in category]) * np.exp(rng.normal(0, 0.4, n)) / 10) * 10
    fee_mad = np.where(paying, np.maximum(fee, 10), 0).astype(int)
    cost = np.where(paying, "fee", "free")
    wait_mean = (np.array([WAIT_MEAN[t] for t in ptype]) + np.array([WAIT_EXTRA.get(c, 0) for c in category])) \
        * np.where(remote, 1.5, 1.0)
    waiting = np.clip(np.round(rng.gamma(2.0, wait_mean / 2.0)), 0, 180).astype(int)

    A = list(VOCABULARIES["accessibility"])
    ap = np.zeros((n, len(A)))
    ap[:, A.index("wheelchair_access")] = np.select([ptype == "public", ptype == "ngo", ptype == "private"],
                                                    [0.45, 0.3, 0.5], 0.6)
    ap[:, A.index("sign_language")] = 0.04
    ap[:, A.index("female_staff")] = 0.65
    ap[:, A.index("childcare")] = np.where(category == "family_community", 0.35, 0.06)
    ap[:, A.index("phone_or_online")] = np.where(category == "mental_health_psychosocial", 0.55, 0.25)
    ap[:, A.index("evening_hours")] = np.where(ptype == "private", 0.3, 0.1)
    access = rng.random((n, len(A))) < ap

    female_contact = rng.random(n) < 0.5
    contact = np.where(
        female_contact,
        np.array(ref.FEMALE_FIRST_NAMES, dtype=object)[rng.integers(0, len(ref.FEMALE_FIRST_NAMES), n)],
        np.array(ref.MALE_FIRST_NAMES, dtype=object)[rng.integers(0, len(ref.MALE_FIRST_NAMES), n)])
    contact = contact + " " + np.array(ref.LAST_NAMES, dtype=object)[rng.integers(0, len(ref.LAST_NAMES), n)]
    emails, used = [], set()
    for wd, t, stem in zip(words, town, stems):
        base = f"{stem or _slug(wd)}.{_slug(t)}"
        candidate, k = base, 1
        while candidate in used:
            k += 1
            candidate = f"{base}{k}"
        used.add(candidate)
        emails.append(f"{candidate}@{ref.EMAIL_DOMAIN}")
    verified = REF_ORD - np.round(rng.uniform(0, 1, n) * np.where(remote, 900, 540)).astype(int)

    service_id = np.array([f"S{i:05d}" for i in range(1, n + 1)], dtype=object)
    table = pd.DataFrame({
        "service_id": service_id, "provider_name": names, "category": category, "provider_type": ptype,
        "service_kind": service_type, "region_id": region_id, "town": town, "lat": _coords_text(lat), "lon": _coords_text(lon),
        "min_age": min_age, "max_age": max_age, "sex": sex,
        "languages": _join_flags(languages, LANGUAGES), "documents_required": _join_flags(docs_req, DOCUMENTS),
        "vulnerability_focus": _join_flags(focus, VULNERABILITIES), "capacity_per_month": capacity,
        "current_load": load, "cost": cost, "fee_mad": fee_mad, "waiting_days": waiting,
        "accessibility": _join_flags(access, A), "contact_name": contact, "phone": _phones(rng, n),
        "email": emails, "last_verified": _iso(verified),
    })
    typed = pd.DataFrame({
        "category": category, "region_id": region_id, "lat": lat, "lon": lon, "min_age": min_age,
        "max_age": max_age, "sex": sex, "capacity": capacity, "load": load, "fee": fee_mad,
        "waiting": waiting,
    })
    typed["languages"] = list(languages)
    typed["docs"] = list(docs_req)
    typed["focus"] = list(focus)
    return table, typed


def make_child_protection_services(seed: int, first_number: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One child-protection support centre per region, in its seat (the provincial
    child-protection mechanism, DTIPE: dtipe), numbered after the other services;
    from their own stream, so that the other services do not move."""
    rng = _rng(seed, STREAM_CHILD_SERVICES)
    regions = ref.REGIONS
    n = len(regions)
    region_id = np.array([r.region_id for r in regions], dtype=object)
    town = np.array([r.seat_fr for r in regions], dtype=object)
    lat, lon = _jitter_points(rng, np.array([r.seat_lat for r in regions]),
                              np.array([r.seat_lon for r in regions]), np.full(n, 2.0))
    L = LANGUAGES.index
    languages = np.zeros((n, len(LANGUAGES)), dtype=bool)
    languages[:, [L("darija"), L("arabic"), L("french")]] = True
    languages[:, L("tamazight")] = np.array([r.tamazight for r in regions]) > 0.3
    languages[:, L("hassaniya")] = np.array([r.hassaniya for r in regions]) > 0.3
    languages[:, L("spanish")] = region_id == "MA-01"
    docs = np.zeros((n, len(DOCUMENTS)), dtype=bool)
    focus = np.zeros((n, len(VULNERABILITIES)), dtype=bool)
    capacity = np.maximum(2, np.round(8 * np.exp(rng.normal(0, 0.3, n)))).astype(int)
    load = np.round(capacity * rng.beta(5, 3, n)).astype(int)
    waiting = np.clip(np.round(rng.gamma(2.0, 2.0, n)), 0, 14).astype(int)
    A = list(VOCABULARIES["accessibility"])
    access = np.zeros((n, len(A)), dtype=bool)
    access[:, A.index("female_staff")] = True
    access[:, A.index("wheelchair_access")] = rng.random(n) < 0.5
    female = rng.random(n) < 0.6
    contact = np.where(
        female, np.array(ref.FEMALE_FIRST_NAMES, dtype=object)[rng.integers(0, len(ref.FEMALE_FIRST_NAMES), n)],
        np.array(ref.MALE_FIRST_NAMES, dtype=object)[rng.integers(0, len(ref.MALE_FIRST_NAMES), n)])
    contact = contact + " " + np.array(ref.LAST_NAMES, dtype=object)[rng.integers(0, len(ref.LAST_NAMES), n)]
    verified = REF_ORD - np.round(rng.uniform(0, 1, n) * 365).astype(int)
    zeros = np.zeros(n, dtype=int)
    table = pd.DataFrame({
        "service_id": [f"S{i:05d}" for i in range(first_number, first_number + n)],
        "provider_name": [f"Centre d’accompagnement pour la protection de l’enfance (type CAPE) – {t}" for t in town],
        "category": child_rules.CHILD_PROTECTION_CATEGORY, "provider_type": "public",
        "service_kind": child_rules.CHILD_PROTECTION_KIND, "region_id": region_id, "town": town,
        "lat": _coords_text(lat), "lon": _coords_text(lon), "min_age": zeros, "max_age": child_rules.ADULT_AGE - 1,
        "sex": "any", "languages": _join_flags(languages, LANGUAGES), "documents_required": "",
        "vulnerability_focus": "", "capacity_per_month": capacity, "current_load": load, "cost": "free",
        "fee_mad": zeros, "waiting_days": waiting, "accessibility": _join_flags(access, A),
        "contact_name": contact, "phone": _phones(rng, n),
        "email": [f"protection-enfance.{_slug(t)}@{ref.EMAIL_DOMAIN}" for t in town],
        "last_verified": _iso(verified),
    })
    typed = pd.DataFrame({
        "category": child_rules.CHILD_PROTECTION_CATEGORY, "region_id": region_id, "lat": lat, "lon": lon,
        "min_age": zeros, "max_age": child_rules.ADULT_AGE - 1, "sex": "any", "capacity": capacity,
        "load": load, "fee": zeros, "waiting": waiting,
    })
    typed["languages"] = list(languages)
    typed["docs"] = list(docs)
    typed["focus"] = list(focus)
    return table, typed


# ---------------------------------------------------------------------------
# Referrals

# ASSUMPTION (illustrative): which baseline answers and flags suggest which referral,
# in priority order, with the probability that the case manager acts on it.
NEED_RULES = (
    ("economic", 1.0), ("mental_health_psychosocial", 0.95), ("health", 0.9),
    ("financial_services", 0.8), ("housing", 0.75), ("documentation_legal", 0.7),
    ("social_protection", 0.55), ("education", 0.5), ("family_community", 0.5),
)
MAX_REFERRALS_PER_CASE = 3


def _bitmask(matrix: np.ndarray) -> np.ndarray:
    weights = (1 << np.arange(matrix.shape[1], dtype=np.int64))
    return (matrix.astype(np.int64) * weights).sum(axis=1)


def _baseline_needs(rng, base: pd.DataFrame, g: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(row in base, need category) pairs suggested by the baseline assessments."""
    m = len(base)
    empty = np.full(m, "", dtype=object)
    ans = lambda item: base[item].to_numpy() if item in base.columns else empty  # noqa: E731
    isin = lambda item, codes: np.isin(ans(item), list(codes))  # noqa: E731
    vul = lambda code: g[f"vul_{code}"].to_numpy()  # noqa: E731
    nonprod = np.isin(g["debt_reason"].to_numpy(), ["migration", "consumption", "health"])
    econ = isin("eco_income", {"none", "occasional"}) | isin("eco_work", {"none", "casual"})
    young = (g["age"].to_numpy() < 30) & (g["edu_idx"].to_numpy() <= 3)
    u = rng.random(m)
    econ_cat = np.where(young, np.where(u < 0.5, "vocational_training", "job_placement"),
                        np.where(u < 0.45, "business_development", "job_placement"))
    flags = {
        "economic": econ,
        "mental_health_psychosocial": vul("psychological_distress") | vul("trafficking_or_violence_survivor")
        | isin("psy_distress", {"most_days"}),
        "health": vul("serious_health_condition") | vul("disability") | isin("soc_health", {"no"}),
        "financial_services": isin("eco_debt", {"unpayable", "hard"}) & nonprod,
        "housing": isin("soc_housing", {"none", "temporary"}),
        "documentation_legal": isin("soc_documents", {"none", "some"}),
        "social_protection": vul("older_person") | vul("single_parent") | isin("soc_services", {"no"}),
        "education": isin("soc_education", {"none", "some"}),
        "family_community": isin("psy_support", {"no_one"}) | isin("psy_belonging", {"rejected"}),
    }
    keep = np.column_stack([flags[name] & (rng.random(m) < p) for name, p in NEED_RULES])
    keep &= np.cumsum(keep, axis=1) <= MAX_REFERRALS_PER_CASE
    rows, k = np.nonzero(keep)
    names = np.array([name for name, _ in NEED_RULES], dtype=object)[k]
    need = np.where(names == "economic", econ_cat[rows], names)
    return rows, need


def make_referrals(seed: int, hidden: pd.DataFrame, assessments: pd.DataFrame,
                   services: pd.DataFrame, service_ids: np.ndarray) -> pd.DataFrame:
    """Referrals of assisted cases after their baseline assessment (vectorised)."""
    from .geo import haversine_km

    rng = _rng(seed, STREAM_REFERRALS)
    base = assessments[assessments["wave"] == 0]
    base = base[hidden["assisted"].to_numpy()[base["case_row"].to_numpy()]].reset_index(drop=True)
    g = hidden.iloc[base["case_row"].to_numpy()].reset_index(drop=True)
    rows, need = _baseline_needs(rng, base, g)
    n_ref = len(rows)
    case_row = base["case_row"].to_numpy()[rows]
    start = np.array([date.fromisoformat(d).toordinal() for d in base["assessment_date"].to_numpy()])[rows]
    rdate = start + rng.integers(3, 60, n_ref)
    # a child's economic need (at the age on the referral date) is schooling under 15 or vocational
    # training from 15 (the course's illustrative threshold), never a job, a grant or a loan
    r_age = _age_on(hidden["age"].to_numpy()[case_row], rdate)
    r_child = r_age < child_rules.ADULT_AGE
    work = np.isin(need, list(child_rules.NO_REFERRAL_UNDER_WORKING_AGE + ("business_development",)))
    need = np.where(r_child & work, np.where(r_age < child_rules.TRAINING_AGE, "education", "vocational_training"), need)
    mistake = rng.random(n_ref) < 0.12  # a case manager's mistake: eligibility not checked
    u_status = rng.random((n_ref, 3))
    delays = rng.integers(0, 1_000_000, n_ref)
    consent = rng.random(n_ref) < 0.93
    valid = rdate < REF_ORD

    # case attributes as arrays / bitmasks
    c_lat, c_lon = hidden["lat"].to_numpy()[case_row], hidden["lon"].to_numpy()[case_row]
    c_age = np.where(r_child, r_age, hidden["age"].to_numpy()[case_row])
    c_sex = np.where(hidden["female"].to_numpy()[case_row], "female", "male")
    c_region = hidden["region_id"].to_numpy()[case_row]
    lang_m = np.column_stack([hidden["lang_codes"].map(lambda x, c=c: c in x.split(";")).to_numpy()
                              for c in LANGUAGES])
    c_lang = _bitmask(lang_m)[case_row]
    c_docs = _bitmask(hidden[[f"doc_{c}" for c in DOCUMENTS]].to_numpy())[case_row]
    c_vul = _bitmask(hidden[[f"vul_{c}" for c in VULNERABILITIES]].to_numpy())[case_row]

    s_lang = _bitmask(np.stack(services["languages"].to_numpy()))
    s_docs = _bitmask(np.stack(services["docs"].to_numpy()))
    s_focus = _bitmask(np.stack(services["focus"].to_numpy()))
    s_cat = services["category"].to_numpy()
    s_lat, s_lon = services["lat"].to_numpy(), services["lon"].to_numpy()
    s_region, s_sex = services["region_id"].to_numpy(), services["sex"].to_numpy()
    s_min, s_max = services["min_age"].to_numpy(), services["max_age"].to_numpy()

    pick = np.full(n_ref, -1)
    eligible = np.zeros(n_ref, dtype=bool)
    distance = np.zeros(n_ref)

    def score_block(r: np.ndarray, cand: np.ndarray):
        dist = haversine_km(c_lat[r, None], c_lon[r, None], s_lat[None, cand], s_lon[None, cand])
        elig = ((s_min[None, cand] <= c_age[r, None]) & (s_max[None, cand] >= c_age[r, None])
                & ((s_sex[None, cand] == "any") | (s_sex[None, cand] == c_sex[r, None]))
                & ((s_lang[None, cand] & c_lang[r, None]) != 0)
                & ((s_docs[None, cand] & ~c_docs[r, None]) == 0)
                & ((s_focus[None, cand] == 0) | ((s_focus[None, cand] & c_vul[r, None]) != 0)))
        return dist, elig

    def choose(r: np.ndarray, cand: np.ndarray, dist: np.ndarray, elig: np.ndarray, score: np.ndarray):
        k = score.argmin(axis=1)
        pick[r] = cand[k]
        eligible[r] = elig[np.arange(r.size), k]
        distance[r] = dist[np.arange(r.size), k]

    # careful choice: the nearest eligible service of the region, else the nearest eligible
    # one elsewhere, else the nearest one; careless choice: the nearest one of the region.
    chunk = 4000
    for cat in CATEGORIES:
        cand_all = np.flatnonzero(s_cat == cat)
        todo_cat = (need == cat) & valid
        if cand_all.size == 0 or not todo_cat.any():
            continue
        fallback = []
        for region in np.unique(c_region[todo_cat]):
            r = np.flatnonzero(todo_cat & (c_region == region))
            cand = cand_all[s_region[cand_all] == region]
            if cand.size == 0:
                fallback.append(r)
                continue
            dist, elig = score_block(r, cand)
            found = elig.any(axis=1) | mistake[r]
            score = np.where(mistake[r, None], dist, dist + np.where(elig, 0, 10_000))
            choose(r[found], cand, dist[found], elig[found], score[found])
            fallback.append(r[~found])
        rest = np.concatenate(fallback) if fallback else np.array([], dtype=int)
        for lo in range(0, rest.size, chunk):
            r = rest[lo:lo + chunk]
            dist, elig = score_block(r, cand_all)
            other = s_region[None, cand_all] != c_region[r, None]
            score = np.where(mistake[r, None], dist + np.where(other, 500, 0),
                             dist + np.where(elig, 0, 10_000) + np.where(other, 300, 0))
            choose(r, cand_all, dist, elig, score)
    keep = pick >= 0
    s = np.where(keep, pick, 0)
    cap = services["capacity"].to_numpy()[s]
    load = services["load"].to_numpy()[s]
    wait = services["waiting"].to_numpy()[s]
    fee = services["fee"].to_numpy()[s]
    age_days = REF_ORD - rdate
    u0, u1, u2 = u_status.T
    p_no_show = 0.05 + 0.15 * (distance > 50) + 0.1 * (wait > 30) + 0.1 * (fee > 0)
    conditions = [
        ~eligible & (u0 < 0.85),
        (load >= cap) & (u0 < 0.35),
        (age_days < 14) & (u0 < 0.7),
        u1 < p_no_show,
        (age_days > wait + 45) & (u2 < 0.8),
    ]
    status = np.select(conditions, ["refused", "refused", "sent", "no_show", "completed"], "accepted")
    delay = np.select(
        [status == "refused", status == "sent", status == "no_show", status == "completed"],
        [2 + delays % 18, np.full(n_ref, -1), wait + 1 + delays % 9, wait + 30 + delays % 90],
        2 + delays % 13)
    sdate = np.where(delay < 0, -1, np.minimum(rdate + delay, REF_ORD))
    # children: only referrals their age allows (no loan); a referral other than to child protection
    # needs the legal representative's consent (reintegra.children, rule 6)
    age_ok = (s_min[s] <= c_age) & (s_max[s] >= c_age)
    keep &= ~r_child | (age_ok & ~np.isin(need, list(child_rules.NO_REFERRAL_FOR_CHILD)))
    # a child goes to child protection only through its own referral (below), where it is needed
    cp = ((services["category"].to_numpy() == child_rules.CHILD_PROTECTION_CATEGORY)
          & (services["max_age"].to_numpy() < child_rules.ADULT_AGE))
    keep &= ~(r_child & cp[s])
    consent = consent | r_child
    out = pd.DataFrame({
        "case_row": case_row[keep], "service_id": service_ids[s[keep]], "need": need[keep],
        "rdate": rdate[keep], "status": status[keep], "sdate": sdate[keep], "consent": consent[keep],
        "assent": consent[keep],
    })
    return pd.concat([out, _child_protection_referrals(seed, hidden, assessments, services, service_ids)],
                     ignore_index=True)


def _child_protection_referrals(seed: int, hidden: pd.DataFrame, assessments: pd.DataFrame,
                                services: pd.DataFrame, service_ids: np.ndarray) -> pd.DataFrame:
    """Every child who needs child protection (unaccompanied or separated, or with a protection
    concern) and has a baseline assessment is referred to the child-protection centre of their
    region the day after it, before any other referral (those come 3 days or more after); a child
    who returned with a parent and has no protection concern is not. The referral goes ahead with
    or without the legal representative's consent (rule 6), and is never refused: a refusal would
    be escalated the same day."""
    rng = _rng(seed, STREAM_CHILD_REFERRALS)
    base = assessments[assessments["wave"] == 0]
    rows_ = base["case_row"].to_numpy()
    b_age = _age_on(hidden["age"].to_numpy()[rows_], np.array([date.fromisoformat(d).toordinal() + 1
                                                               for d in base["assessment_date"]], dtype=int))
    base = base[hidden["concern"].to_numpy()[rows_] & (b_age < child_rules.ADULT_AGE)]
    case_row = base["case_row"].to_numpy()
    rdate = np.array([date.fromisoformat(d).toordinal() + 1 for d in base["assessment_date"]], dtype=int)
    centre = {r: k for k, r in enumerate(services["region_id"]) if services["category"].iat[k]
              == child_rules.CHILD_PROTECTION_CATEGORY and services["max_age"].iat[k] < child_rules.ADULT_AGE}
    s = np.array([centre[r] for r in hidden["region_id"].to_numpy()[case_row]], dtype=int)
    wait = services["waiting"].to_numpy()[s]
    age_days = REF_ORD - rdate
    u = rng.random(len(s))
    status = np.select([age_days < 7, age_days < wait + 30], ["sent", "accepted"], "completed")
    delay = np.select([status == "sent", status == "accepted"],
                      [-1, 1 + (u * 5).astype(int)], wait + 20 + (u * 60).astype(int))
    # ASSUMPTION (illustrative): one in five is sent without the legal representative's consent
    # (none reachable, or the parent may be the source of the risk)
    consent = rng.random(len(s)) >= 0.2
    # ASSUMPTION (illustrative): the child's own assent is recorded nine times in ten
    assent = rng.random(len(s)) >= 0.1
    sdate = np.where(delay < 0, -1, np.minimum(rdate + delay, REF_ORD))
    valid = rdate < REF_ORD
    return pd.DataFrame({
        "case_row": case_row[valid], "service_id": service_ids[s[valid]],
        "need": child_rules.CHILD_PROTECTION_CATEGORY, "rdate": rdate[valid], "status": status[valid],
        "sdate": sdate[valid], "consent": consent[valid], "assent": assent[valid],
    })


# ---------------------------------------------------------------------------
# Whole package

def generate(seed: int = 41, n_cases: int = 600, n_services: int = 400,
             instrument: Mapping | None = None) -> dict[str, pd.DataFrame]:
    """The five tables, as text frames in the column order of the schema."""
    if instrument is None:
        from ..loader import load_instrument
        instrument = load_instrument()
    hidden, public = make_cases(seed, n_cases)
    assess, closure = make_assessments(seed, hidden, instrument)
    services_text, services_typed = make_services(seed, n_services)
    cp_text, cp_typed = make_child_protection_services(seed, n_services + 1)
    services_text = pd.concat([services_text, cp_text], ignore_index=True)
    services_typed = pd.concat([services_typed, cp_typed], ignore_index=True)

    # order cases by return date (as a register would be), then number them
    order = np.lexsort((np.arange(n_cases), hidden["return_ord"].to_numpy()))
    new_pos = np.empty(n_cases, dtype=int)
    new_pos[order] = np.arange(n_cases)
    case_ids = np.array([f"C{i:06d}" for i in range(1, n_cases + 1)], dtype=object)
    id_of_row = case_ids[new_pos]

    closed = closure["closure_ord"].to_numpy() >= 0
    cases = pd.DataFrame({"case_id": id_of_row, **public})
    cases.insert(cases.columns.get_loc("phone"), "case_status", np.where(closed, "closed", "open"))
    cases.insert(cases.columns.get_loc("phone"), "closure_date", _iso(closure["closure_ord"].to_numpy()))
    cases.insert(cases.columns.get_loc("phone"), "closure_reason", closure["closure_reason"].to_numpy())
    cases = cases.iloc[order].reset_index(drop=True)

    referrals_raw = make_referrals(seed, hidden, assess, services_typed, services_text["service_id"].to_numpy())

    assess = assess.assign(case_id=id_of_row[assess["case_row"].to_numpy()])
    assess = assess.sort_values(["case_id", "wave"], kind="stable").reset_index(drop=True)
    assess.insert(0, "assessment_id", [f"A{i:07d}" for i in range(1, len(assess) + 1)])
    item_cols = [c for c in assess.columns if c not in ("assessment_id", "case_row", "case_id", "wave",
                                                         "assessment_date", "mode")]
    assessments = assess[["assessment_id", "case_id", "wave", "assessment_date", "mode", *item_cols]]

    ref_frame = referrals_raw.assign(case_id=id_of_row[referrals_raw["case_row"].to_numpy().astype(int)])
    ref_frame = ref_frame.sort_values(["rdate", "case_id", "need"], kind="stable").reset_index(drop=True)
    referrals = pd.DataFrame({
        "referral_id": [f"R{i:06d}" for i in range(1, len(ref_frame) + 1)],
        "case_id": ref_frame["case_id"], "service_id": ref_frame["service_id"], "need": ref_frame["need"],
        "referral_date": _iso(ref_frame["rdate"].to_numpy().astype(int)), "status": ref_frame["status"],
        "status_date": _iso(ref_frame["sdate"].to_numpy().astype(int)),
        "consent_recorded": np.where(ref_frame["consent"].to_numpy().astype(bool), "true", "false"),
        # a child's own assent (reintegra.children, rule 6), at the age on the referral date; empty for an adult
        "assent_recorded": np.where(
            _age_on(hidden["age"].to_numpy()[ref_frame["case_row"].to_numpy().astype(int)],
                    ref_frame["rdate"].to_numpy().astype(int)) < child_rules.ADULT_AGE,
            np.where(ref_frame["assent"].to_numpy().astype(bool), "true", "false"), ""),
    })

    tables = {"regions": make_regions(), "cases": cases, "assessments": assessments,
              "services": services_text, "referrals": referrals}
    return {name: frame.astype(str) for name, frame in tables.items()}


TABLE_FILES = ("regions", "cases", "assessments", "services", "referrals")


def write_package(out_dir, tables: Mapping[str, pd.DataFrame], instrument: Mapping,
                  source_dir=None, instrument_path=None) -> list:
    """Write the CSVs and ``datapackage.json`` into ``out_dir``; copy the instrument,
    the outline and the data card there too when ``out_dir`` is not ``source_dir``."""
    import json
    import shutil
    from pathlib import Path

    from ..schema import datapackage_json

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLE_FILES:
        path = out / f"{name}.csv"
        tables[name].to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        written.append(path)
    path = out / "datapackage.json"
    path.write_text(datapackage_json(instrument), encoding="utf-8", newline="\n")
    written.append(path)
    if source_dir is not None and Path(source_dir).resolve() != out.resolve():
        for extra in ("maghreb-50m.geojson", "README.md"):
            src = Path(source_dir) / extra
            if src.is_file():
                shutil.copyfile(src, out / extra)
                written.append(out / extra)
    target = out / "instrument.json"
    if instrument_path is not None and Path(instrument_path).is_file():
        if Path(instrument_path).resolve() != target.resolve():
            shutil.copyfile(instrument_path, target)
            written.append(target)
    elif not target.is_file():
        target.write_text(json.dumps(instrument, ensure_ascii=False, indent=2) + "\n",
                          encoding="utf-8", newline="\n")
        written.append(target)
    return written
