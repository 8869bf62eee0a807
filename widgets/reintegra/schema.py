"""The schema of the course's data package, and a validator.

Every table of ``datasets/`` is described here once: its columns (type, allowed
values, range, whether required or unique), its primary key and its links to the
other tables. :func:`build_datapackage` writes that description as a
Frictionless-style ``datapackage.json`` (the generator writes it next to the
CSVs); :func:`validate_table` and :func:`validate_package` check data against
``datapackage.json`` and return located :class:`Problem` objects, each with a
message in English and in French.

Category codes are stable English snake_case codes; their display labels are
declared in English with :func:`reintegra.i18n.messages` and translated in the
package's gettext catalogues, context ``data.vocab.<vocabulary>.<code>`` (see
:func:`label` and :mod:`reintegra.locale`).

List-valued cells (languages, documents, skills …) hold codes separated by
``;`` (for example ``darija;french``); an empty cell is an empty list.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Mapping

from .i18n import current_lang, messages, plural
from .lazy import lazy_module

np = lazy_module("numpy")  # imported when first used: the case assessment needs neither
pd = lazy_module("pandas")

LIST_SEPARATOR = ";"
MAX_PROBLEMS_PER_COLUMN = 200

# ---------------------------------------------------------------------------
# Vocabularies: code -> English label (the other languages in locale/<lang>/LC_MESSAGES/reintegra.po,
# context "data.vocab.<vocabulary>.<code>")

_VOCABULARIES: dict[str, list[tuple]] = {
    "sex": [
        ("female", "Female"),
        ("male", "Male"),
    ],
    "service_sex": [
        ("any", "Anyone"),
        ("female", "Women only"),
        ("male", "Men only"),
    ],
    "marital_status": [
        ("single", "Single"),
        ("married", "Married"),
        ("divorced", "Divorced"),
        ("widowed", "Widowed"),
    ],
    "country": [
        ("LY", "Libya"),
        ("DE", "Germany"),
        ("ES", "Spain"),
        ("FR", "France"),
        ("IT", "Italy"),
        ("BE", "Belgium"),
        ("NL", "Netherlands"),
        ("TR", "Türkiye"),
        ("DZ", "Algeria"),
        ("TN", "Tunisia"),
        ("SA", "Saudi Arabia"),
        ("AE", "United Arab Emirates"),
        ("QA", "Qatar"),
        ("CH", "Switzerland"),
        ("NE", "Niger"),
        ("MR", "Mauritania"),
        ("EG", "Egypt"),
        ("GB", "United Kingdom"),
        ("PT", "Portugal"),
        ("GR", "Greece"),
        ("MT", "Malta"),
        ("AT", "Austria"),
        ("SE", "Sweden"),
        ("NO", "Norway"),
        ("DK", "Denmark"),
        ("KW", "Kuwait"),
        ("OM", "Oman"),
        ("BH", "Bahrain"),
        ("JO", "Jordan"),
        ("LB", "Lebanon"),
        ("CA", "Canada"),
        ("US", "United States"),
        ("ZZ", "Other country"),
    ],
    "return_programme": [
        ("avrr", "Assisted voluntary return and reintegration (AVRR)"),
        ("vhr", "Voluntary humanitarian return (VHR)"),
        ("other", "Other (spontaneous return, referred by a partner)"),
    ],
    "education": [
        ("none", "No formal schooling"),
        ("primary", "Primary school"),
        ("lower_secondary", "Lower secondary (collège)"),
        ("upper_secondary", "Upper secondary (lycée)"),
        ("vocational", "Vocational training"),
        ("university", "University"),
    ],
    "occupation": [
        ("agriculture", "Agriculture and livestock"),
        ("construction", "Construction"),
        ("manufacturing", "Manufacturing"),
        ("trade", "Trade and sales"),
        ("hospitality", "Hotels and restaurants"),
        ("transport", "Transport and logistics"),
        ("domestic_work", "Domestic work"),
        ("fishing", "Fishing"),
        ("crafts", "Crafts"),
        ("services", "Other services"),
        ("student", "Student"),
        ("unemployed", "Not working"),
        ("other", "Other"),
    ],
    "skill": [
        ("driving", "Driving (licence held)"),
        ("mechanics", "Vehicle mechanics"),
        ("masonry", "Masonry"),
        ("tiling", "Tiling"),
        ("plumbing", "Plumbing"),
        ("electricity", "Electrical work"),
        ("welding", "Welding"),
        ("carpentry", "Carpentry"),
        ("painting", "Painting and decorating"),
        ("farming", "Farm work"),
        ("livestock", "Livestock"),
        ("fishing", "Fishing"),
        ("cooking", "Cooking"),
        ("baking", "Baking and pastry"),
        ("sewing", "Sewing"),
        ("hairdressing", "Hairdressing"),
        ("sales", "Sales"),
        ("computing", "Computing"),
        ("caregiving", "Caring for children or older people"),
        ("cleaning", "Cleaning"),
    ],
    "language": [
        ("darija", "Darija (Moroccan Arabic)"),
        ("arabic", "Standard Arabic"),
        ("tamazight", "Tamazight (Amazigh)"),
        ("hassaniya", "Hassaniya"),
        ("french", "French"),
        ("spanish", "Spanish"),
        ("english", "English"),
        ("german", "German"),
        ("italian", "Italian"),
        ("dutch", "Dutch"),
        ("turkish", "Turkish"),
    ],
    "document": [
        ("cnie", "National electronic ID card (CNIE)"),
        ("passport", "Passport"),
        ("birth_certificate", "Birth certificate"),
        ("family_record", "Family record book"),
        ("residence_certificate", "Certificate of residence"),
        ("diploma", "School or university diploma"),
        ("vocational_certificate", "Vocational training certificate"),
    ],
    "vulnerability": [
        ("serious_health_condition", "Serious health condition"),
        ("disability", "Disability"),
        ("psychological_distress", "Psychological distress"),
        ("trafficking_or_violence_survivor", "Survivor of trafficking or violence"),
        ("single_parent", "Single parent"),
        ("older_person", "Older person (60 or over)"),
    ],
    "debt_reason": [
        ("none", "No debt"),
        ("migration", "Cost of the migration journey"),
        ("consumption", "Household expenses"),
        ("health", "Health costs"),
        ("business", "Investment in an activity (productive)"),
    ],
    # a child's return, and the best interests procedure (reintegra.children)
    "child_return": [
        ("unaccompanied", "Child who returned without a parent or legal representative (unaccompanied or separated)"),
        ("with_parent", "Child who returned with a parent or their legal representative"),
    ],
    "best_interests": [
        ("screened", "Screened for protection concerns: none found; needs go into the family's plan"),
        ("referred", "Referred to child protection; best interests assessment to come"),
        ("assessed", "Best interests assessment done"),
        ("determined", "Best interests determination made"),
    ],
    "case_status": [
        ("open", "Open"),
        ("closed", "Closed"),
    ],
    "closure_reason": [
        ("completed", "Support completed"),
        ("withdrew", "Returnee chose to stop"),
        ("remigrated", "Migrated again"),
        ("moved_away", "Moved out of the area"),
        ("unreachable", "Contact lost"),
        ("not_eligible", "No longer meets the criteria"),
        ("deceased", "Deceased"),
        ("handed_over", "Handed over to child protection"),
    ],
    "assessment_mode": [
        ("in_person", "In person at the office"),
        ("phone", "By phone"),
        ("home_visit", "Home visit"),
    ],
    "wave": [
        ("0", "Baseline (at return)"),
        ("3", "3 months after return"),
        ("6", "6 months after return"),
        ("12", "12 months after return"),
    ],
    "service_category": [
        ("job_placement", "Job placement"),
        ("vocational_training", "Vocational training"),
        ("business_development", "Business development"),
        ("financial_services", "Financial services and microfinance"),
        ("health", "Health care"),
        ("mental_health_psychosocial", "Mental health and psychosocial support"),
        ("housing", "Housing and shelter"),
        ("documentation_legal", "Civil documentation and legal aid"),
        ("education", "Education and literacy"),
        ("social_protection", "Social protection"),
        ("family_community", "Family and community support"),
    ],
    "provider_type": [
        ("public", "Public service"),
        ("ngo", "NGO or association"),
        ("private", "Private provider"),
        ("international", "International organisation"),
    ],
    # What a service does, and for a public service the real institution that does
    # it (the providers in the data stay fictional): the purpose of a referral to it.
    "service_type": [
        ("employment_agency", "Public employment agency (ANAPEC type)"),
        ("job_search_support", "Job-search and placement support"),
        ("vocational_training_centre", "Public vocational training establishment (OFPPT type)"),
        ("vocational_course", "Vocational training course"),
        ("income_project_support", "Support to income-generating projects (INDH type)"),
        ("business_support", "Business start-up support"),
        ("microfinance", "Microcredit and savings"),
        ("health_centre", "Public health centre (primary care)"),
        ("health_care", "Health care"),
        ("mental_health_service", "Mental-health service of a public hospital"),
        ("psychosocial_support", "Psychosocial support and counselling"),
        ("social_protection_establishment", "Social protection establishment (Entraide Nationale type)"),
        ("child_protection_centre", "Child-protection support centre (CAPE) serving the child's province (DTIPE)"),
        ("shelter", "Accommodation and shelter"),
        ("civil_registry", "Civil registry office (commune)"),
        ("identity_card_office", "Identity card (CNIE) service of the national police (DGSN)"),
        ("violence_support_unit", "Support unit for women victims of violence"),
        ("legal_aid", "Legal aid"),
        ("second_chance_school", "Second-chance school"),
        ("literacy_education", "Literacy and education"),
        ("social_centre", "Social centre (Entraide Nationale type)"),
        ("health_coverage_enrolment", "Health coverage enrolment (RSU, AMO Tadamon)"),
        ("social_assistance", "Social assistance"),
        ("family_support", "Family and community support"),
    ],
    "cost": [
        ("free", "Free of charge"),
        ("fee", "Fee charged"),
    ],
    "accessibility": [
        ("wheelchair_access", "Wheelchair access"),
        ("sign_language", "Sign language"),
        ("female_staff", "Female staff available"),
        ("childcare", "Childcare on site"),
        ("phone_or_online", "By phone or online"),
        ("evening_hours", "Evening opening hours"),
    ],
    "referral_status": [
        ("sent", "Sent"),
        ("accepted", "Accepted"),
        ("completed", "Completed"),
        ("refused", "Refused"),
        ("no_show", "No-show"),
    ],
    "emigration_level": [
        ("high", "High"),
        ("medium", "Medium"),
        ("low", "Low"),
    ],
    "boolean": [
        ("true", "Yes"),
        ("false", "No"),
    ],
}

# "From" a country, as a sentence says it: English "from the Netherlands", French
# with the preposition and the article the name takes (« d’Allemagne », « du Niger »,
# « des Pays-Bas »). Used wherever a sentence names the country a person returned from.
COUNTRY_FROM: dict[str, tuple[str, str]] = {
    "LY": ("from Libya", "de Libye"),
    "DE": ("from Germany", "d’Allemagne"),
    "ES": ("from Spain", "d’Espagne"),
    "FR": ("from France", "de France"),
    "IT": ("from Italy", "d’Italie"),
    "BE": ("from Belgium", "de Belgique"),
    "NL": ("from the Netherlands", "des Pays-Bas"),
    "TR": ("from Türkiye", "de Turquie"),
    "DZ": ("from Algeria", "d’Algérie"),
    "TN": ("from Tunisia", "de Tunisie"),
    "SA": ("from Saudi Arabia", "d’Arabie saoudite"),
    "AE": ("from the United Arab Emirates", "des Émirats arabes unis"),
    "QA": ("from Qatar", "du Qatar"),
    "CH": ("from Switzerland", "de Suisse"),
    "NE": ("from Niger", "du Niger"),
    "MR": ("from Mauritania", "de Mauritanie"),
    "EG": ("from Egypt", "d’Égypte"),
    "GB": ("from the United Kingdom", "du Royaume-Uni"),
    "PT": ("from Portugal", "du Portugal"),
    "GR": ("from Greece", "de Grèce"),
    "MT": ("from Malta", "de Malte"),
    "AT": ("from Austria", "d’Autriche"),
    "SE": ("from Sweden", "de Suède"),
    "NO": ("from Norway", "de Norvège"),
    "DK": ("from Denmark", "du Danemark"),
    "KW": ("from Kuwait", "du Koweït"),
    "OM": ("from Oman", "d’Oman"),
    "BH": ("from Bahrain", "de Bahreïn"),
    "JO": ("from Jordan", "de Jordanie"),
    "LB": ("from Lebanon", "du Liban"),
    "CA": ("from Canada", "du Canada"),
    "US": ("from the United States", "des États-Unis"),
    "ZZ": ("from another country", "d’un autre pays"),
}


def country_from(code: Any, lang: str | None = None) -> str:
    """ "from Germany" / « d’Allemagne »: the country as a sentence names where someone came from."""
    pair = COUNTRY_FROM.get(str(code))
    if pair is None:
        return f"from {code}" if current_lang(lang) == "en" else f"de {code}"
    return pair[0] if current_lang(lang) == "en" else pair[1]


M_VOCAB = messages(
    "data.vocab",
    {f"{vocab}.{code}": english for vocab, rows in _VOCABULARIES.items() for code, english in rows},
)

VOCABULARIES: dict[str, tuple[str, ...]] = {
    vocab: tuple(row[0] for row in rows) for vocab, rows in _VOCABULARIES.items()
}

# Words a trainer may write instead of a code (compared after normalisation:
# lower case, no accents, punctuation as spaces). Labels in both languages and
# the codes themselves are always accepted.
VOCAB_ALIASES: dict[str, dict[str, str]] = {
    "sex": {"f": "female", "femme": "female", "woman": "female", "feminin": "female",
            "m": "male", "h": "male", "homme": "male", "man": "male", "masculin": "male"},
    "service_sex": {"all": "any", "both": "any", "tous": "any", "mixte": "any", "tout": "any",
                    "f": "female", "femmes": "female", "women": "female", "femme": "female",
                    "m": "male", "h": "male", "hommes": "male", "men": "male", "homme": "male"},
    "provider_type": {"ong": "ngo", "association": "ngo", "publique": "public", "etat": "public",
                      "prive": "private", "privee": "private", "internationale": "international",
                      "oi": "international", "io": "international"},
    "cost": {"gratuite": "free", "payante": "fee", "paid": "fee", "0": "free"},
    "language": {"arabe": "arabic", "amazigh": "tamazight", "tachelhit": "tamazight",
                 "tarifit": "tamazight", "tamazight": "tamazight", "darija": "darija",
                 "francais": "french", "espagnol": "spanish", "anglais": "english",
                 "allemand": "german", "italien": "italian", "neerlandais": "dutch", "turc": "turkish",
                 "hassania": "hassaniya", "hassanya": "hassaniya"},
    "document": {"cin": "cnie", "carte nationale": "cnie", "cni": "cnie", "id card": "cnie",
                 "acte de naissance": "birth_certificate", "passeport": "passport",
                 "diplome": "diploma"},
    "boolean": {"yes": "true", "oui": "true", "vrai": "true", "1": "true", "x": "true", "y": "true",
                "o": "true", "no": "false", "non": "false", "faux": "false", "0": "false", "n": "false"},
    "service_category": {"emploi": "job_placement", "formation": "vocational_training",
                         "sante": "health", "logement": "housing", "microfinance": "financial_services",
                         "psychosocial": "mental_health_psychosocial", "education": "education",
                         "aide juridique": "documentation_legal", "legal aid": "documentation_legal"},
}

# Words meaning "nothing" in a list cell.
EMPTY_LIST_WORDS = {"", "none", "aucun", "aucune", "rien", "nothing", "na", "n a", "nan", "no"}
# Words meaning "no value" in a number or date cell.
MISSING_WORDS = {"", "na", "n a", "n d", "nd", "nan", "null", "-"}


def normalise_text(text: Any) -> str:
    """Lower case, accents removed, punctuation and underscores as single spaces."""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    s = s.lower().replace("œ", "oe").replace("æ", "ae")
    s = re.sub(r"[^0-9a-z]+", " ", s)
    return s.strip()


def label(vocab: str, code: Any, lang: str | None = None) -> str:
    """The display label of a code in ``lang`` (the code itself if unknown)."""
    key = f"{vocab}.{code}"
    return M_VOCAB(key, lang) if key in M_VOCAB else str(code)


def labels(vocab: str, lang: str | None = None) -> dict[str, str]:
    """All codes of a vocabulary with their labels, in the vocabulary's order."""
    return {code: label(vocab, code, lang) for code in VOCABULARIES[vocab]}


def split_codes(cell: Any) -> list[str]:
    """The codes of a list-valued cell (``"darija;french"`` → ``["darija", "french"]``)."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)) or cell is pd.NA:
        return []
    if isinstance(cell, (list, tuple, set, frozenset)):
        return [str(c) for c in cell]
    return [c for c in str(cell).split(LIST_SEPARATOR) if c]


def join_codes(codes: Iterable[str], vocab: str | None = None) -> str:
    """Join codes in a list cell, in the vocabulary's order when given."""
    codes = list(dict.fromkeys(codes))
    if vocab:
        order = {c: i for i, c in enumerate(VOCABULARIES[vocab])}
        codes.sort(key=lambda c: order.get(c, len(order)))
    return LIST_SEPARATOR.join(codes)


_LOOKUP_CACHE: dict[str, dict[str, str]] = {}


def _vocab_lookup(vocab: str) -> dict[str, str]:
    if vocab not in _LOOKUP_CACHE:
        table: dict[str, str] = {}
        for code in VOCABULARIES[vocab]:
            both = M_VOCAB.both(f"{vocab}.{code}")
            for text in (both["en"], both["fr"]):
                table.setdefault(normalise_text(text), code)
        for alias, code in VOCAB_ALIASES.get(vocab, {}).items():
            table[normalise_text(alias)] = code
        for code in VOCABULARIES[vocab]:
            table[normalise_text(code)] = code  # codes win over everything else
        _LOOKUP_CACHE[vocab] = table
    return _LOOKUP_CACHE[vocab]


def code_for(vocab: str, text: Any) -> str | None:
    """The code a trainer meant by ``text`` (a code, or a label in either language)."""
    if text is None:
        return None
    raw = str(text).strip()
    if raw in VOCABULARIES[vocab]:
        return raw
    return _vocab_lookup(vocab).get(normalise_text(raw))


# ---------------------------------------------------------------------------
# Problems: one located finding, with its message in both languages.

M_PROBLEM = messages("data.problem", {
    "where_cell": "Row {row}, column “{column}”: ",
    "where_row": "Row {row}: ",
    "where_column": "Column “{column}”: ",
    "empty_file": "The file is empty. Export your table again from Excel and load the new file.",
    "more_problems": plural("{n} more problem of the same kind in this column is not listed.",
                            "{n} more problems of the same kind in this column are not listed."),
    "summary_ok": plural("The file was loaded: {n} row.", "The file was loaded: {n} rows."),
    "summary_ok_warnings": plural("The file was loaded: {rows}, with {n} warning to read.", "The file was loaded: {rows}, with {n} warnings to read."),
    "rows": plural("{n} row", "{n} rows"),
    "summary_errors": plural(
        "The file was not loaded: {n} problem to correct. Correct it in your spreadsheet or export the table again, then load the file again.",
        "The file was not loaded: {n} problems to correct. Correct them in your spreadsheet and load the file again.",
    ),
    "no_rows": "The file has a header row but no data rows. Add at least one row under the headers.",
    "not_a_table": "This file is not a table: it looks like {kind}. Save your table as an Excel workbook (.xlsx) or as CSV, then load that file.",
    "kind_pdf": "a PDF document",
    "kind_word": "a Word document",
    "kind_powerpoint": "a PowerPoint presentation",
    "kind_opendocument": "an OpenDocument file (LibreOffice)",
    "kind_zip": "a compressed archive (.zip)",
    "kind_image": "an image",
    "kind_html": "a web page (HTML)",
    "kind_binary": "a binary file, not text",
    "old_excel": "This is an old Excel 97–2003 workbook (.xls), which the course cannot read. Open it in Excel and save it as “Excel Workbook (.xlsx)” or as CSV.",
    "unreadable": "The file could not be read ({reason}). Check that it is an .xlsx or .csv table and that it is not open in another program.",
    "no_header": "No header row was recognised in the first rows. The first row should hold the column names, for example: {expected}.",
    "missing_column": "The required column “{expected}” is missing ({description}). Add a column with one of these headers: {aliases}.",
    "duplicate_column": "This column means the same as column “{other}” ({expected}). Keep only one of them.",
    "extra_column": "This column is not used by the course and was ignored.",
    "unexpected_column": "This column is not in the schema of the table.",
    "ragged_row": "this row has {found} cells but the header has {expected}. A separator may be missing or there may be one too many (check the commas or semicolons in the text).",
    "missing_value": "this cell is empty but a value is required ({description}).",
    "unknown_category": "“{value}” is not an allowed value. Allowed values: {allowed}.",
    "unknown_category_suggest": "“{value}” is not an allowed value. Did you mean {suggestion}? Allowed values: {allowed}.",
    "bad_number": "“{value}” is not a number. Write only the number, with no unit or words, for example {example}.",
    "not_whole": "“{value}” should be a whole number (no decimals).",
    "out_of_range": "{value} is outside the allowed range ({minimum} to {maximum}).",
    "bad_date": "“{value}” is not a date. Write it as 2025-03-14 or 14/03/2025.",
    "bad_boolean": "“{value}” should be yes or no.",
    "bad_format": "“{value}” does not have the expected format ({description}).",
    "duplicate_id": "the identifier “{value}” is already used in row {first_row}. Each row needs its own identifier.",
    "duplicate_key": "the combination {value} already appears in row {first_row}.",
    "outside_morocco": "the point (latitude {lat}, longitude {lon}) is outside Morocco. Check the coordinates: in Morocco latitude is between about 21 and 36 and longitude between about −17 and −1 (negative: west of Greenwich).",
    "swapped_coordinates": "the point (latitude {lat}, longitude {lon}) is outside Morocco, but it falls in Morocco if latitude and longitude are swapped. Put the latitude (about 21 to 36) in the latitude column and the longitude (about −17 to −1) in the longitude column.",
    "positive_longitude": "the point (latitude {lat}, longitude {lon}) is outside Morocco, but it falls in Morocco with a minus sign on the longitude ({fixed}). Longitudes in Morocco are negative (west of Greenwich).",
    "missing_coordinates": "no coordinates, and the town “{town}” is not in the course's list of towns. Add the latitude and longitude (you can read them on any online map).",
    "coords_from_town": "no coordinates: the coordinates of the town centre were used ({town}).",
    "region_inferred": "no region given: {region} was deduced from the town or the coordinates.",
    "age_range": "the minimum age ({minimum}) is above the maximum age ({maximum}).",
    "fee_inconsistent": "the cost is “{cost}” but the fee is {fee} MAD. A free service has a fee of 0; a paying service has a fee above 0.",
    "closure_inconsistent": "a closed case needs a closure date and a reason; an open case has neither.",
    "child_field_missing": "this returnee is a child (age {age}): say whether the child returned without a parent or legal representative or with a parent, and where the best interests procedure stands. The cell is empty.",
    "adult_child_field": "“{value}” applies to a child only, and this returnee is {age} and was already an adult at return. Leave the cell empty for an adult, or correct the age.",
    "child_contact": "this returnee is a child (age {age}): the course keeps no phone number or e-mail of a child. The case manager reaches the child through the parent or legal representative, or with the protection focal point and the child-protection services. Empty this cell.",
    "child_months_abroad": "this returnee was {age} at return: the months abroad cannot exceed the child's age at return. Correct the months or the age.",
    "child_closure": "this case was closed when the returnee was a child ({age}): a child's case closes only when support is completed or by handover to child protection. A child who cannot be reached or has left again is a missing child: inform the protection focal point.",
    "child_assessment_mode": "case {case} is a child's: a child is assessed in person, with the protection focal point and the child-protection services, not by phone (the course's illustrative rule).",
    "child_work": "case {case}: a child under 15 is recorded as working; this is child labour under the Labour Code (article 143): inform the protection focal point.",
    "child_protection_first": "case {case} is a child's (age {age}) who needs child protection: no non-urgent referral comes before the referral to child protection (the CAPE serving the child's province); only urgent health care or emergency shelter may come first.",
    "child_under_working_age": "case {case} is a child of {age}: Morocco's Labour Code (article 143) forbids employing a child under 15, so there is no job-placement referral.",
    "child_no_business": "case {case} is a child's (age {age}): no business grant or loan for a child (the course's illustrative rule); schooling or vocational training is decided with child protection.",
    "child_consent": "case {case} is a child's: every referral of a child, except the one to child protection, records the consent of the child's legal representative (or of the person or institution to whom the child has been entrusted) and the child's assent.",
    "foreign_key": "“{value}” matches no {target} in the table “{table}”.",
    "coords_column_from_town": "No latitude and longitude columns: each row was placed at the centre of its town.",
    "region_column_inferred": "No region column: each row's region was deduced from its town or its coordinates.",
    "unknown_table": "The course can load only these tables: {tables}.",
    "more_problems_one": "1 more problem of the same kind in this column is not listed.",
    "more_problems_other": "{count} more problems of the same kind in this column are not listed.",
    "severity_error": "Error",
    "severity_warning": "Warning",
    "summary_ok_one": "The file was loaded: 1 row.",
    "summary_ok_other": "The file was loaded: {rows} rows.",
    "rows_one": "{rows} row",
    "rows_other": "{rows} rows",
    "warnings_one": "{warnings} warning",
    "warnings_other": "{warnings} warnings",
    "summary_error": "The file was not loaded: 1 problem to correct. Correct it in your spreadsheet or export the table again, then load the file again.",
    "or": "or",
    "and_more": plural("and {n} more", "and {n} more"),
    "reason_missing": "no file at this place",
    "reason_permission": "permission refused",
    "reason_other": "an unexpected error",
    "damaged_workbook": "This Excel workbook is damaged or incomplete, so it cannot be read. Open it in Excel, save it again as “Excel Workbook (.xlsx)”, and load the new file.",
    "too_big": "The file is {size} MB; the course loads files up to {limit} MB. Keep only the columns the course uses, save it as .xlsx (smaller than CSV), or split it in two.",
    "invalid_bytes": "this cell holds bytes that are not valid UTF-8 (shown as �), although the rest of the file is UTF-8. The file was not read in another encoding. Retype the text of this cell, or save the file again as “CSV UTF-8”.",
    "encoding_cp1252": "The file is not in UTF-8: it was read as Windows-1252 (the encoding of Excel’s “CSV” in Western Europe). Check the accents (é, è, œ) in the data; if they look wrong, save the file as “CSV UTF-8” and load it again.",
    "encoding_latin1": "The file is not in UTF-8: it was read as Latin-1. Check the accents in the data; if they look wrong, save the file as “CSV UTF-8” and load it again.",
    "ambiguous_number": "“{value}” could mean {thousands} (a thousands separator) or {decimal} (a decimal separator). Which one? Write the number without a thousands separator, for example {thousands}.",
    "number_read_as": "“{value}” was read as {number} (the separator can only be a thousands separator here).",
    "formula_no_value": "formula without a value: open and save the file in Excel, then load it again. (The cell holds the formula {formula}, but no computed value was saved with it.)",
    "short_row_other": "this row has only {found} cells but the header has {expected}: the end of the row is missing. A line break inside a cell may have split the row in two; check this row and the next one in your spreadsheet.",
    "short_row_one": "this row has only 1 cell but the header has {expected}: the end of the row is missing. A line break inside a cell may have split the row in two; check this row and the previous one in your spreadsheet.",
    "region_read_as": "“{value}” was read as the region {region} ({code}).",
    "personal_email_other": "{count} e-mail addresses look real ({rows}). The course takes synthetic data only: replace them with fictional addresses at example.org before sharing or exporting anything.",
    "personal_email_one": "1 e-mail address looks real ({rows}). The course takes synthetic data only: replace it with a fictional address at example.org before sharing or exporting anything.",
    "personal_phone_other": "{count} phone numbers look real ({rows}). The course takes synthetic data only: replace them with fictional numbers of the course's block, +212 5 00 0x xx xx, before sharing or exporting anything.",
    "personal_phone_one": "1 phone number looks real ({rows}). The course takes synthetic data only: replace it with a fictional number of the course's block, +212 5 00 0x xx xx, before sharing or exporting anything.",
    "rows_list_one": "row {rows}",
    "rows_list_other": "rows {rows}",
})


def plural_key(key: str, count: int, lang: str | None = None) -> str:
    """``key_one`` or ``key_other`` for ``count`` in ``lang`` (French: 0 and 1 are singular)."""
    lang = current_lang(lang)
    one = count in (0, 1) if lang == "fr" else count == 1
    return f"{key}_one" if one else f"{key}_other"


def localise_number(value: Any, lang: str | None = None) -> str:
    """A number (or its text: "34.03", "-1.9") written for the reader: 34,03 in French; as is in English."""
    text = _format_number(float(value)) if isinstance(value, (int, float, np.integer, np.floating)) \
        and not isinstance(value, bool) else str(value)
    if current_lang(lang) != "fr" or not _PLAIN_NUMBER_RE.match(text):
        return text
    sign, whole, _, decimals = _PLAIN_NUMBER_RE.match(text).groups()
    if len(whole) > 4:
        whole = f"{int(whole):,}".replace(",", "\u202f")
    return ("−" if sign == "-" else "") + whole + ("," + decimals if decimals else "")


_PLAIN_NUMBER_RE = re.compile(r"^([+-]?)(\d+)(\.(\d+))?$")
# the details of a problem that hold numbers (localised in French messages)
NUMBER_DETAILS = {"lat", "lon", "fixed", "minimum", "maximum", "fee", "count", "errors", "number",
                  "thousands", "decimal", "size", "limit"}

FICTIONAL_PHONE_RE = re.compile(r"^\+?212 ?5 ?00 ?0\d ?\d\d ?\d\d$")
FICTIONAL_EMAIL_RE = re.compile(r"@(example\.(org|com|net)|[a-z0-9.-]+\.example)$", re.IGNORECASE)


def looks_real_phone(text: Any) -> bool:
    """True for a phone number outside the course's fictional block (+212 5 00 0x xx xx)."""
    s = re.sub(r"[\s.\-()/\u00a0]", "", str(text or ""))
    if not s:
        return False
    if s.startswith("00"):
        s = "+" + s[2:]
    if s.startswith("0") and len(s) == 10:
        s = "+212" + s[1:]
    digits = re.sub(r"\D", "", s)
    if len(digits) < 6:
        return False
    return not re.match(r"^\+?21250{2}0\d{5}$", s)


def looks_real_email(text: Any) -> bool:
    """True for an e-mail address outside the reserved example domains."""
    s = str(text or "").strip()
    return "@" in s and not FICTIONAL_EMAIL_RE.search(s)

WHOLE_FILE_CODES = {"empty_file", "no_rows", "not_a_table", "old_excel", "unreadable", "no_header",
                    "damaged_workbook", "too_big"}
# codes whose message has a singular and a plural form: the detail that holds the count
PLURAL_CODES = {"more_problems": "count", "short_row": "found", "personal_email": "count", "personal_phone": "count"}


@dataclass
class Problem:
    """One problem found in a table, located as a spreadsheet user sees it.

    ``row`` is 1-based as in the spreadsheet, the header being row 1 (``None`` for
    a problem about the whole file or a whole column); ``column`` is the header as
    written in the file (or the schema's name). ``severity`` is ``"error"`` (the
    file cannot be used) or ``"warning"`` (it was used; read the note).
    """

    code: str
    row: int | None = None
    column: str | None = None
    value: Any = None
    severity: str = "error"
    table: str | None = None
    details: dict = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        lang = current_lang(lang)
        fields = {"value": "" if self.value is None else self.value, "row": self.row,
                  "column": self.column, **self.details}
        count = fields.get(PLURAL_CODES.get(self.code, ""))
        fields = {k: localise_number(_render(v, lang), lang) if k in NUMBER_DETAILS else _render(v, lang)
                  for k, v in fields.items()}
        key = plural_key(self.code, int(count), lang) if count is not None else self.code
        body = M_PROBLEM(key, lang, **fields)
        if self.row is not None and self.column:
            where = M_PROBLEM("where_cell", lang, row=self.row, column=self.column)
        elif self.row is not None:
            where = M_PROBLEM("where_row", lang, row=self.row)
        elif self.column:
            where = M_PROBLEM("where_column", lang, column=self.column)
        else:
            where = ""
        if where:
            body = body[0].lower() + body[1:] if body[:1].isupper() and not body.startswith("“") else body
        text = where + body
        return text[0].upper() + text[1:] if text else text

    def as_dict(self, lang: str | None = None) -> dict:
        return {"row": self.row, "column": self.column, "code": self.code,
                "severity": self.severity, "value": self.value, "message": self.message(lang)}


class Localised:
    """A value whose text depends on the language (rendered when the message is built)."""

    def __init__(self, render):
        self.render = render


def _render(value: Any, lang: str) -> Any:
    return value.render(lang) if isinstance(value, Localised) else value


def localised_message(namespace_messages, key: str, **fields) -> Localised:
    return Localised(lambda lang: namespace_messages(key, lang, **fields))


# ---------------------------------------------------------------------------
# Fields and tables

@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # string, integer, number, boolean, date, list
    required: bool = False
    unique: bool = False
    vocab: str | None = None  # enum (or item enum for lists)
    enum: tuple | None = None  # explicit enum (instrument answers, waves)
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    upload: str = "optional"  # in a trainer's file: "required", "optional" or "ignored"
    aliases: tuple[str, ...] = ()
    title: tuple[str, str] | None = None  # only for fields built from the instrument
    description: tuple[str, str] | None = None


# Titles (short, used as headers and header aliases) and descriptions (French in the catalogue).
M_TITLE = messages("data.title", {
    "region_id": "Region code",
    "name_fr": "Name in French",
    "name_en": "Name in English",
    "name_ar": "Name in Arabic",
    "seat_fr": "Seat (French)",
    "seat_en": "Seat (English)",
    "seat_ar": "Seat (Arabic)",
    "seat_lat": "Seat latitude",
    "seat_lon": "Seat longitude",
    "emigration": "Emigration level",
    "remote": "Remote region",
    "case_id": "Case number",
    "first_name": "First name",
    "last_name": "Last name",
    "sex": "Sex",
    "age": "Age",
    "child_return": "Child's return",
    "best_interests": "Best interests procedure",
    "marital_status": "Marital status",
    "household_size": "Household size",
    "town": "Town",
    "lat": "Latitude",
    "lon": "Longitude",
    "country_returned_from": "Country returned from",
    "return_programme": "Return programme",
    "return_date": "Return date",
    "months_abroad": "Months abroad",
    "education": "Education",
    "occupation_before": "Occupation before migration",
    "skills": "Skills",
    "languages": "Languages",
    "documents": "Documents held",
    "vulnerabilities": "Vulnerabilities",
    "debt_mad": "Debt (MAD)",
    "debt_reason": "Reason for the debt",
    "assisted": "Receives reintegration assistance",
    "case_status": "Case status",
    "closure_date": "Closure date",
    "closure_reason": "Closure reason",
    "phone": "Phone",
    "email": "E-mail",
    "assessment_id": "Assessment number",
    "wave": "Wave (months after return)",
    "assessment_date": "Assessment date",
    "mode": "Mode",
    "service_id": "Service code",
    "provider_name": "Provider",
    "category": "Category",
    "provider_type": "Provider type",
    "service_kind": "Kind of service",
    "min_age": "Minimum age",
    "max_age": "Maximum age",
    "service_sex": "Open to",
    "service_languages": "Languages spoken",
    "documents_required": "Documents required",
    "vulnerability_focus": "Vulnerability focus",
    "capacity_per_month": "Capacity per month",
    "current_load": "Current load",
    "cost": "Cost",
    "fee_mad": "Fee (MAD)",
    "waiting_days": "Waiting time (days)",
    "accessibility": "Accessibility",
    "contact_name": "Contact person",
    "last_verified": "Last verified",
    "referral_id": "Referral number",
    "need": "Need addressed",
    "referral_date": "Referral date",
    "status": "Status",
    "status_date": "Status date",
    "consent_recorded": "Consent recorded",
    "assent_recorded": "Child's assent recorded",
})

M_DESC = messages("data.description", {
    "regions.region_id": "ISO 3166-2:MA code of the region (MA-01 to MA-12)",
    "regions.name_fr": "official name in French",
    "regions.name_en": "usual name in English",
    "regions.name_ar": "official name in Arabic",
    "regions.seat_fr": "seat of the region, in French",
    "regions.seat_en": "seat of the region, in English",
    "regions.seat_ar": "seat of the region, in Arabic",
    "regions.seat_lat": "approximate latitude of the seat (WGS84, degrees)",
    "regions.seat_lon": "approximate longitude of the seat (WGS84, degrees; negative: west)",
    "regions.emigration": "course assumption: share of the synthetic caseload (high, medium, low)",
    "regions.remote": "course assumption: remote region with sparse services",
    "cases.case_id": "case number, C followed by 6 digits",
    "cases.first_name": "fictional first name",
    "cases.last_name": "fictional last name",
    "cases.sex": "sex of the returnee",
    "cases.age": "age in completed years on the reference date (no date of birth is kept)",
    "cases.child_return": "for a person who was a child (under 18) at return only: returned without a parent or legal representative, or with a parent; empty for an adult",
    "cases.best_interests": "for a person who was a child (under 18) at return only: screened, or where the best interests procedure stands; empty for an adult",
    "cases.marital_status": "marital status",
    "cases.household_size": "number of people in the household, the returnee included",
    "cases.region_id": "region of return (code of the regions table)",
    "cases.town": "town of return",
    "cases.lat": "latitude of an approximate point near the town, never a home address",
    "cases.lon": "longitude of the same approximate point",
    "cases.country_returned_from": "country the returnee came back from (ISO 3166-1 alpha-2)",
    "cases.return_programme": "return programme",
    "cases.return_date": "date of arrival in Morocco",
    "cases.months_abroad": "time spent abroad, in months",
    "cases.education": "highest level of education completed or attended",
    "cases.occupation_before": "main occupation before leaving",
    "cases.skills": "skills, ';'-separated codes",
    "cases.languages": "languages spoken, ';'-separated codes",
    "cases.documents": "documents held on arrival, ';'-separated codes",
    "cases.vulnerabilities": "vulnerability flags, ';'-separated codes (empty: none)",
    "cases.debt_mad": "outstanding debt at return, in Moroccan dirhams (0: none)",
    "cases.debt_reason": "main reason for the debt; all but “business” are non-productive",
    "cases.assisted": "true if the returnee receives reintegration assistance",
    "cases.case_status": "open or closed on the reference date",
    "cases.closure_date": "date the case was closed (empty if open)",
    "cases.closure_reason": "why the case was closed (empty if open)",
    "cases.phone": "fictional phone number, +212 5 00 0x xx xx",
    "cases.email": "fictional e-mail at example.org (often empty)",
    "assessments.assessment_id": "assessment number, A followed by 7 digits",
    "assessments.case_id": "case assessed (case number)",
    "assessments.wave": "months after return: 0 (baseline), 3, 6 or 12",
    "assessments.assessment_date": "date of the interview",
    "assessments.mode": "how the interview was held",
    "assessments.item": "answer code to this item of the instrument (empty: not answered)",
    "assessments.screening": "answer to this screening question (empty: not asked)",
    "services.service_id": "service code, S followed by 5 digits",
    "services.provider_name": "fictional name of the provider",
    "services.category": "type of service",
    "services.service_kind": ("what the service does (for a public service, the type of the real institution); "
                              "it sets the purpose of a referral and so the data the referral form carries"),
    "services.provider_type": "public, NGO, private or international",
    "services.region_id": "region (code of the regions table)",
    "services.town": "town where the service is delivered",
    "services.lat": "latitude of the service (WGS84)",
    "services.lon": "longitude of the service (WGS84; negative: west)",
    "services.min_age": "youngest age accepted",
    "services.max_age": "oldest age accepted",
    "services.sex": "who the service is open to: anyone, women only, men only",
    "services.languages": "languages the staff speak, ';'-separated codes",
    "services.documents_required": "documents a person must show, ';'-separated codes (empty: none)",
    "services.vulnerability_focus": "if not empty, the service serves only people with at least one of these vulnerabilities",
    "services.capacity_per_month": "new people the service can take each month",
    "services.current_load": "people already taken this month (may exceed capacity)",
    "services.cost": "free of charge or fee charged",
    "services.fee_mad": "fee in Moroccan dirhams (0 if free)",
    "services.waiting_days": "usual waiting time before a first appointment, in days",
    "services.accessibility": "accessibility features, ';'-separated codes",
    "services.contact_name": "fictional contact person",
    "services.phone": "fictional phone number, +212 5 00 0x xx xx",
    "services.email": "fictional e-mail at example.org",
    "services.last_verified": "date the entry was last checked with the provider",
    "referrals.referral_id": "referral number, R followed by 6 digits",
    "referrals.case_id": "case referred (case number)",
    "referrals.service_id": "service referred to (service code)",
    "referrals.need": "the need the referral addresses (a service category)",
    "referrals.referral_date": "date the referral was sent",
    "referrals.status": "status on the reference date",
    "referrals.status_date": "date of the last status change (empty while sent)",
    "referrals.consent_recorded": "true if the consent to share the returnee's data was recorded (for a child, the legal representative's)",
    "referrals.assent_recorded": "for a child's referral only: true if the child's own assent was recorded; empty for an adult",
})

_ID = dict(type="string", required=True, unique=True, upload="required")
_LAT = dict(type="number", minimum=20.5, maximum=36.1)
_LON = dict(type="number", minimum=-17.3, maximum=-0.9)
PHONE_PATTERN = r"^\+212 5 00 0\d \d\d \d\d$"
EMAIL_PATTERN = r"^[a-z0-9._-]+@example\.org$"

TABLES: dict[str, list[FieldSpec]] = {
    "regions": [
        FieldSpec("region_id", **{**_ID, "upload": "required"}, pattern=r"^MA-\d\d$"),
        FieldSpec("name_fr", "string", required=True),
        FieldSpec("name_en", "string", required=True),
        FieldSpec("name_ar", "string", required=True),
        FieldSpec("seat_fr", "string", required=True),
        FieldSpec("seat_en", "string", required=True),
        FieldSpec("seat_ar", "string", required=True),
        FieldSpec("seat_lat", required=True, **_LAT),
        FieldSpec("seat_lon", required=True, **_LON),
        FieldSpec("emigration", "string", required=True, vocab="emigration_level"),
        FieldSpec("remote", "boolean", required=True),
    ],
    "cases": [
        FieldSpec("case_id", **_ID, pattern=r"^C\d{6}$",
                  aliases=("id", "case", "case number", "dossier", "n dossier", "no dossier",
                           "numero", "numero dossier", "id dossier", "identifiant", "reference")),
        FieldSpec("first_name", "string", required=True, aliases=("prenom", "given name")),
        FieldSpec("last_name", "string", required=True, aliases=("nom", "surname", "family name")),
        FieldSpec("sex", "string", required=True, vocab="sex", upload="required",
                  aliases=("gender", "genre", "sexe")),
        FieldSpec("age", "integer", required=True, minimum=0, maximum=100, upload="required",
                  aliases=("age ans", "age years")),
        FieldSpec("child_return", "string", vocab="child_return",
                  aliases=("retour de l enfant", "enfant non accompagne", "mineur", "unaccompanied")),
        FieldSpec("best_interests", "string", vocab="best_interests",
                  aliases=("interet superieur", "interet superieur de l enfant", "best interests procedure")),
        FieldSpec("marital_status", "string", required=True, vocab="marital_status",
                  aliases=("etat civil", "situation familiale", "marital")),
        FieldSpec("household_size", "integer", required=True, minimum=1, maximum=30,
                  aliases=("household", "menage", "taille menage", "personnes au foyer")),
        FieldSpec("region_id", "string", required=True, aliases=("region", "code region")),
        FieldSpec("town", "string", required=True, upload="required",
                  aliases=("city", "commune", "localite", "ville de retour")),
        FieldSpec("lat", required=True, **_LAT, aliases=("latitude", "y")),
        FieldSpec("lon", required=True, **_LON, aliases=("longitude", "lng", "long", "x")),
        FieldSpec("country_returned_from", "string", required=True, vocab="country",
                  aliases=("country", "pays", "pays de provenance", "host country", "pays d accueil")),
        FieldSpec("return_programme", "string", required=True, vocab="return_programme",
                  aliases=("programme", "program", "type de retour")),
        FieldSpec("return_date", "date", required=True, aliases=("date retour", "arrival date", "date d arrivee")),
        FieldSpec("months_abroad", "integer", required=True, minimum=0, maximum=600,
                  aliases=("duree a l etranger", "time abroad", "duree migration mois")),
        FieldSpec("education", "string", required=True, vocab="education",
                  aliases=("niveau scolaire", "niveau d instruction", "instruction")),
        FieldSpec("occupation_before", "string", required=True, vocab="occupation",
                  aliases=("occupation", "profession", "metier", "emploi avant le depart")),
        FieldSpec("skills", "list", vocab="skill", aliases=("competence", "savoir faire")),
        FieldSpec("languages", "list", required=True, vocab="language", aliases=("language", "langue")),
        FieldSpec("documents", "list", vocab="document", aliases=("document", "papiers", "pieces")),
        FieldSpec("vulnerabilities", "list", vocab="vulnerability",
                  aliases=("vulnerability", "vulnerabilite", "flags")),
        FieldSpec("debt_mad", "integer", required=True, minimum=0, maximum=2_000_000,
                  aliases=("debt", "dette", "dettes", "montant dette")),
        FieldSpec("debt_reason", "string", required=True, vocab="debt_reason",
                  aliases=("motif dette", "type de dette", "debt type")),
        FieldSpec("assisted", "boolean", required=True,
                  aliases=("assistance", "beneficiaire", "assiste", "aide a la reintegration")),
        FieldSpec("case_status", "string", required=True, vocab="case_status",
                  aliases=("statut", "status", "etat du dossier")),
        FieldSpec("closure_date", "date", aliases=("date cloture",)),
        FieldSpec("closure_reason", "string", vocab="closure_reason", aliases=("motif cloture",)),
        FieldSpec("phone", "string", pattern=PHONE_PATTERN, aliases=("telephone", "tel", "gsm", "mobile")),
        FieldSpec("email", "string", pattern=EMAIL_PATTERN, aliases=("mail", "courriel", "e mail", "adresse mail")),
    ],
    "assessments": [  # the item and screening columns are added from the instrument
        FieldSpec("assessment_id", **_ID, pattern=r"^A\d{7}$"),
        FieldSpec("case_id", "string", required=True),
        FieldSpec("wave", "integer", required=True, enum=(0, 3, 6, 12)),
        FieldSpec("assessment_date", "date", required=True),
        FieldSpec("mode", "string", required=True, vocab="assessment_mode"),
    ],
    "services": [
        FieldSpec("service_id", **_ID, pattern=r"^S\d{5}$",
                  aliases=("id", "code", "code service", "id service", "identifiant", "n service",
                           "numero", "reference", "ref")),
        FieldSpec("provider_name", "string", required=True, upload="required",
                  aliases=("provider", "name", "nom", "organisation", "organization", "structure",
                           "nom du prestataire", "nom de la structure", "partenaire", "service name")),
        FieldSpec("category", "string", required=True, vocab="service_category", upload="required",
                  aliases=("categorie", "type de service", "service type", "domaine", "secteur")),
        FieldSpec("provider_type", "string", required=True, vocab="provider_type",
                  aliases=("type", "type de structure", "statut juridique", "nature")),
        FieldSpec("service_kind", "string", vocab="service_type",
                  aliases=("nature du service", "prestation", "what the service does")),
        FieldSpec("region_id", "string", required=True, aliases=("region", "code region")),
        FieldSpec("town", "string", required=True, upload="required",
                  aliases=("city", "ville", "commune", "localite")),
        FieldSpec("lat", required=True, **_LAT, aliases=("latitude", "y")),
        FieldSpec("lon", required=True, **_LON, aliases=("longitude", "lng", "long", "x")),
        FieldSpec("min_age", "integer", required=True, minimum=0, maximum=120,
                  aliases=("age min", "age minimum", "minimum age")),
        FieldSpec("max_age", "integer", required=True, minimum=0, maximum=120,
                  aliases=("age max", "age maximum", "maximum age")),
        FieldSpec("sex", "string", required=True, vocab="service_sex",
                  aliases=("public", "sexe", "gender", "genre", "public accueilli", "open to")),
        FieldSpec("languages", "list", vocab="language",
                  aliases=("langues", "langue", "language", "langues parlees", "languages spoken")),
        FieldSpec("documents_required", "list", vocab="document",
                  aliases=("documents", "documents exiges", "pieces exigees", "pieces a fournir",
                           "documents requis")),
        FieldSpec("vulnerability_focus", "list", vocab="vulnerability",
                  aliases=("public prioritaire", "public cible", "target group", "focus")),
        FieldSpec("capacity_per_month", "integer", required=True, minimum=0, maximum=1_000_000,
                  aliases=("capacity", "capacite", "capacite mensuelle", "places par mois", "places")),
        FieldSpec("current_load", "integer", required=True, minimum=0, maximum=1_000_000,
                  aliases=("load", "charge", "charge actuelle", "occupation", "personnes suivies")),
        FieldSpec("cost", "string", required=True, vocab="cost", aliases=("cout", "gratuit", "prix", "tarification")),
        FieldSpec("fee_mad", "integer", required=True, minimum=0, maximum=1_000_000,
                  aliases=("fee", "tarif", "tarif mad", "montant", "frais", "prix mad")),
        FieldSpec("waiting_days", "integer", required=True, minimum=0, maximum=730,
                  aliases=("waiting time", "delai", "delai d attente", "attente jours", "delai jours")),
        FieldSpec("accessibility", "list", vocab="accessibility", aliases=("accessibilite", "acces")),
        FieldSpec("contact_name", "string", required=True,
                  aliases=("contact", "personne contact", "responsable", "interlocuteur")),
        FieldSpec("phone", "string", pattern=PHONE_PATTERN, aliases=("telephone", "tel", "gsm", "numero de telephone")),
        FieldSpec("email", "string", pattern=EMAIL_PATTERN, aliases=("mail", "courriel", "e mail", "adresse mail")),
        FieldSpec("last_verified", "date", required=True,
                  aliases=("verified", "date de verification", "mis a jour", "mise a jour", "updated")),
    ],
    "referrals": [
        FieldSpec("referral_id", **_ID, pattern=r"^R\d{6}$"),
        FieldSpec("case_id", "string", required=True),
        FieldSpec("service_id", "string", required=True),
        FieldSpec("need", "string", required=True, vocab="service_category"),
        FieldSpec("referral_date", "date", required=True),
        FieldSpec("status", "string", required=True, vocab="referral_status"),
        FieldSpec("status_date", "date"),
        FieldSpec("consent_recorded", "boolean", required=True),
        FieldSpec("assent_recorded", "boolean", aliases=("assentiment", "assent", "assentiment note")),
    ],
}

TABLE_ORDER = ("regions", "cases", "assessments", "services", "referrals")
PRIMARY_KEYS = {"regions": "region_id", "cases": "case_id", "assessments": "assessment_id",
                "services": "service_id", "referrals": "referral_id"}
FOREIGN_KEYS = {
    "cases": [("region_id", "regions", "region_id")],
    "assessments": [("case_id", "cases", "case_id")],
    "services": [("region_id", "regions", "region_id")],
    "referrals": [("case_id", "cases", "case_id"), ("service_id", "services", "service_id")],
}
UNIQUE_KEYS = {"assessments": [("case_id", "wave")]}
COORDINATES = {"regions": ("seat_lat", "seat_lon"), "cases": ("lat", "lon"), "services": ("lat", "lon")}

COORDINATE_FIELDS = {"lat", "lon", "seat_lat", "seat_lon"}
TITLE_KEYS = {("services", "sex"): "service_sex", ("services", "languages"): "service_languages"}


def field_title(table: str, name: str, lang: str | None = None, spec: FieldSpec | None = None) -> str:
    if spec is not None and spec.title:
        return spec.title[1] if current_lang(lang) == "fr" else spec.title[0]
    key = TITLE_KEYS.get((table, name), name)
    return M_TITLE(key, lang) if key in M_TITLE else name


def field_description(table: str, name: str, lang: str | None = None, spec: FieldSpec | None = None) -> str:
    if spec is not None and spec.description:
        return spec.description[1] if current_lang(lang) == "fr" else spec.description[0]
    key = f"{table}.{name}"
    return M_DESC(key, lang) if key in M_DESC else name


def _instrument_fields(instrument: Mapping) -> list[FieldSpec]:
    specs = []
    item_desc = M_DESC.both("assessments.item")
    for item in instrument.get("items", []):
        codes = tuple(option["code"] for option in item["options"])
        text = item["text"]
        specs.append(FieldSpec(
            item["id"], "string", enum=codes,
            title=(item.get("short", {}).get("en", item["id"]), item.get("short", {}).get("fr", item["id"])),
            description=(f"{item_desc['en']}: {text['en']}", f"{item_desc['fr']}\u00a0: {text['fr']}"),
        ))
    scr_desc = M_DESC.both("assessments.screening")
    for question in instrument.get("screening", []):
        codes = tuple(option["code"] for option in question["options"])
        text = question["text"]
        specs.append(FieldSpec(
            question["id"], "string", enum=codes,
            title=(question.get("short", {}).get("en", question["id"]),
                   question.get("short", {}).get("fr", question["id"])),
            description=(f"{scr_desc['en']}: {text['en']}", f"{scr_desc['fr']}\u00a0: {text['fr']}"),
        ))
    return specs


def table_fields(table: str, instrument: Mapping | None = None) -> list[FieldSpec]:
    """The fields of a table (assessments: with the instrument's item and screening columns)."""
    fields = list(TABLES[table])
    if table == "assessments":
        if instrument is None:
            from .loader import load_instrument  # late import: loader imports schema
            instrument = load_instrument()
        fields += _instrument_fields(instrument)
    return fields


# ---------------------------------------------------------------------------
# datapackage.json

def _field_descriptor(table: str, spec: FieldSpec) -> dict:
    out: dict[str, Any] = {"name": spec.name}
    out["type"] = "list" if spec.type == "list" else spec.type
    if spec.type == "list":
        out["delimiter"] = LIST_SEPARATOR
        out["itemType"] = "string"
    if spec.type == "boolean":
        out["trueValues"] = ["true"]
        out["falseValues"] = ["false"]
    if spec.type == "date":
        out["format"] = "%Y-%m-%d"
    out["title"] = field_title(table, spec.name, "en", spec)
    out["description"] = field_description(table, spec.name, "en", spec)
    out["titles"] = {"en": out["title"], "fr": field_title(table, spec.name, "fr", spec)}
    out["descriptions"] = {"en": out["description"], "fr": field_description(table, spec.name, "fr", spec)}
    constraints: dict[str, Any] = {}
    if spec.required:
        constraints["required"] = True
    if spec.unique:
        constraints["unique"] = True
    values = spec.enum if spec.enum is not None else (VOCABULARIES[spec.vocab] if spec.vocab else None)
    if values is not None:
        if spec.type == "list":
            out["itemConstraints"] = {"enum": list(values)}
        else:
            constraints["enum"] = list(values)
    if spec.minimum is not None:
        constraints["minimum"] = spec.minimum
    if spec.maximum is not None:
        constraints["maximum"] = spec.maximum
    if spec.pattern:
        constraints["pattern"] = spec.pattern
    if constraints:
        out["constraints"] = constraints
    if spec.vocab:
        out["vocabulary"] = spec.vocab
    return out


RESOURCE_DESCRIPTIONS = messages("data.resource", {
    "regions": "The 12 regions of Morocco (decree 2.15.40 of 20 February 2015).",
    "cases": "Synthetic caseload: fictional Moroccan returnees.",
    "assessments": "Answers of each case to the illustrative assessment instrument at 0, 3, 6 and 12 months.",
    "services": "Directory of fictional service providers (service mapping).",
    "referrals": "Past referrals of cases to services.",
})


def build_datapackage(instrument: Mapping) -> dict:
    """The Frictionless-style descriptor of the data package."""
    resources = []
    for table in TABLE_ORDER:
        schema: dict[str, Any] = {
            "fields": [_field_descriptor(table, spec) for spec in table_fields(table, instrument)],
            "primaryKey": [PRIMARY_KEYS[table]],
            "missingValues": [""],
        }
        if table in UNIQUE_KEYS:
            schema["uniqueKeys"] = [list(key) for key in UNIQUE_KEYS[table]]
        if table in FOREIGN_KEYS:
            schema["foreignKeys"] = [
                {"fields": [local], "reference": {"resource": target, "fields": [remote]}}
                for local, target, remote in FOREIGN_KEYS[table]
            ]
        resources.append({
            "name": table,
            "path": f"{table}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "lineTerminator": "\n", "header": True},
            "description": RESOURCE_DESCRIPTIONS.both(table)["en"],
            "descriptions": RESOURCE_DESCRIPTIONS.both(table),
            "schema": schema,
        })
    return {
        "profile": "tabular-data-package",
        "name": "reintegra-synthetic-morocco",
        "title": "Synthetic reintegration caseload and service directory, Morocco (course data)",
        "description": ("Entirely synthetic data for the reintegra course. No real person, provider, "
                        "phone number or e-mail address. See README.md (the data card)."),
        "licenses": [{"name": "CC0-1.0", "title": "Creative Commons Zero v1.0 Universal"}],
        "x-notes": {
            "list": "type 'list' (Frictionless v2): codes separated by ';'; itemConstraints.enum lists the allowed codes",
            "titles": "titles/descriptions hold the English and French texts; title/description repeat the English",
            "vocabulary": "name of the code list whose display labels (English, French) the package reintegra declares",
            "instrument": "the item and screening columns of assessments come from instrument.json",
        },
        "resources": resources,
        "x-extra-files": ["instrument.json", "maghreb-50m.geojson", "README.md"],
    }


def compact_json(obj: Any, indent: int = 2, width: int = 110, _level: int = 0) -> str:
    """JSON with one line per field: lists of plain values and small objects of plain
    values stay on one line (readable in a diff, a third of the size of indent=2)."""
    pad = " " * (indent * (_level + 1))
    end = " " * (indent * _level)

    def plain(v):
        return not isinstance(v, (dict, list))

    if isinstance(obj, list):
        if all(plain(v) for v in obj):
            return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))
        inner = (",\n").join(pad + compact_json(v, indent, width, _level + 1) for v in obj)
        return "[\n" + inner + "\n" + end + "]"
    if isinstance(obj, dict):
        if all(plain(v) for v in obj.values()):
            line = json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))
            if len(line) + len(pad) <= width:
                return line
        inner = (",\n").join(
            f"{pad}{json.dumps(k, ensure_ascii=False)}: {compact_json(v, indent, width, _level + 1)}"
            for k, v in obj.items())
        return "{\n" + inner + "\n" + end + "}"
    return json.dumps(obj, ensure_ascii=False)


def datapackage_json(instrument: Mapping) -> str:
    """``datapackage.json`` as text, byte-stable."""
    return compact_json(build_datapackage(instrument)) + "\n"


def load_datapackage(folder: str | Path | None = None) -> dict:
    from .paths import datasets_dir
    folder = Path(folder) if folder else datasets_dir()
    with open(folder / "datapackage.json", encoding="utf-8") as handle:
        return json.load(handle)


def specs_from_descriptor(resource: Mapping) -> list[FieldSpec]:
    """Rebuild :class:`FieldSpec` objects from a resource of ``datapackage.json``."""
    specs = []
    for f in resource["schema"]["fields"]:
        c = f.get("constraints", {})
        enum = c.get("enum") or f.get("itemConstraints", {}).get("enum")
        specs.append(FieldSpec(
            f["name"], f["type"], required=bool(c.get("required")), unique=bool(c.get("unique")),
            enum=tuple(enum) if enum is not None else None,
            minimum=c.get("minimum"), maximum=c.get("maximum"), pattern=c.get("pattern"),
            title=(f["titles"]["en"], f["titles"]["fr"]) if "titles" in f else None,
            description=(f["descriptions"]["en"], f["descriptions"]["fr"]) if "descriptions" in f else None,
        ))
    return specs


# ---------------------------------------------------------------------------
# Cell parsing, shared by the validator (strict) and the loader (lenient)

_INT_RE = re.compile(r"^[+-]?\d+$")
_NUM_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DMY_RE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YMD_SLASH_RE = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_ISO_DATETIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T]00:00(:00)?$")
_SPACES = "\u00a0\u202f\u2009 '’"


def _lenient_number_text(text: str) -> str | None:
    """'1 200,50' → '1200.50'; '12.5' → '12.5'; None if it does not look like a number."""
    s = text.strip()
    for ch in _SPACES:
        s = s.replace(ch, "")
    s = s.replace("−", "-")  # a typographic minus
    if not s:
        return None
    if "," in s and "." in s:
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif s.count(",") == 1:
        s = s.replace(",", ".")
    elif s.count(",") > 1:
        s = s.replace(",", "")
    elif s.count(".") > 1:
        s = s.replace(".", "")
    return s if _NUM_RE.match(s) else None


def _format_number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _date_text(text: str, lenient: bool) -> str | None:
    s = text.strip()
    m = _DATE_RE.match(s)
    if m is None and lenient:
        m2 = _ISO_DATETIME_RE.match(s)
        if m2:
            m = m2
        else:
            dmy = _DMY_RE.match(s)
            ymd = _YMD_SLASH_RE.match(s)
            if dmy:
                d, mth, y = (int(g) for g in dmy.groups())
                return _safe_date(y, mth, d)
            if ymd:
                y, mth, d = (int(g) for g in ymd.groups())
                return _safe_date(y, mth, d)
            return None
    if m is None:
        return None
    y, mth, d = (int(g) for g in m.groups()[:3])
    return _safe_date(y, mth, d)


def _safe_date(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


@dataclass
class CellError:
    code: str
    details: dict = field(default_factory=dict)
    severity: str = "error"  # "warning": the value was read, with a note


_ONE_SEPARATOR_RE = re.compile(r"^([+-]?)([1-9]\d{0,2})([.,])(\d{3})$")


def _separator_reading(text: str, spec: FieldSpec) -> tuple[str | None, CellError | None]:
    """"1,000" or "1.000": a thousands separator, or a decimal one? Both readings are tried;
    when both make a valid value the cell gets a question, never a guess. ``(None, None)``
    when the text is not of that shape or only the decimal reading is valid."""
    s = text
    for ch in _SPACES:
        s = s.replace(ch, "")
    m = _ONE_SEPARATOR_RE.match(s.replace("−", "-"))
    if m is None:
        return None, None
    sign, whole, _sep, frac = m.groups()
    thousands = float(sign + whole + frac)
    decimal = float(f"{sign}{whole}.{frac}")

    def valid(value: float) -> bool:
        if spec.type == "integer" and not value.is_integer():
            return False
        return _range_error(value, spec) is None

    ok_thousands, ok_decimal = valid(thousands), valid(decimal)
    shown_t, shown_d = _format_number(thousands), _format_number(decimal)
    if ok_thousands and ok_decimal:
        return text, CellError("ambiguous_number", {"thousands": shown_t, "decimal": shown_d})
    if ok_thousands:
        return shown_t, CellError("number_read_as", {"number": shown_t}, severity="warning")
    return None, None


def _allowed_text(values: tuple, vocab: str | None) -> Localised:
    def render(lang: str) -> str:
        shown = []
        for code in values[:14]:
            lab = label(vocab, code, lang) if vocab else None
            shown.append(f"{lab} ({code})" if lab and lab != str(code) else str(code))
        text = ", ".join(shown)
        if len(values) > 14:
            text += ", " + M_PROBLEM.n("and_more", len(values) - 14, lang)
        return text
    return Localised(render)


def parse_cell(raw: Any, spec: FieldSpec, lenient: bool = False) -> tuple[str, CellError | None]:
    """Canonical text of a cell ('' when empty) and the error, if any."""
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        text = ""
    else:
        text = str(raw)
    stripped = text.strip()
    if spec.type == "list":
        return _parse_list(stripped, spec, lenient)
    if lenient and spec.type in ("integer", "number", "date") and normalise_text(stripped) in MISSING_WORDS:
        stripped = ""
    if stripped == "":
        return "", None
    if spec.type == "string":
        if spec.vocab or spec.enum is not None:
            values = spec.enum if spec.enum is not None else VOCABULARIES[spec.vocab]
            if stripped in values:
                return stripped, None
            if lenient and spec.vocab:
                code = code_for(spec.vocab, stripped)
                if code is not None:
                    return code, None
            return stripped, _unknown(stripped, tuple(values), spec.vocab if lenient else None)
        if spec.pattern and not lenient and not re.match(spec.pattern, stripped):
            return stripped, CellError("bad_format", {})
        return (stripped if lenient else text), None
    if lenient and spec.type in ("integer", "number"):
        read, note = _separator_reading(stripped, spec)
        if note is not None:
            return (read if note.severity == "warning" else stripped), note
    if spec.type == "integer":
        candidate = stripped if not lenient else _lenient_number_text(stripped)
        if candidate is None or not _NUM_RE.match(candidate):
            return stripped, CellError("bad_number", {"example": "12"})
        if not _INT_RE.match(candidate):
            value = float(candidate)
            if lenient and value.is_integer():
                candidate = str(int(value))
            else:
                return stripped, CellError("not_whole", {})
        value = int(candidate)
        if spec.enum is not None and value not in spec.enum:
            return stripped, CellError("unknown_category", {"allowed": _allowed_text(tuple(spec.enum), None)})
        err = _range_error(value, spec)
        return str(value), err
    if spec.type == "number":
        candidate = stripped if not lenient else _lenient_number_text(stripped)
        if candidate is None or not _NUM_RE.match(candidate):
            return stripped, CellError("bad_number", {"example": "34.02" if spec.name.endswith(("lat", "lon")) else "12.5"})
        value = float(candidate)
        err = _range_error(value, spec)
        return (candidate if not lenient else _format_number(value)), err
    if spec.type == "boolean":
        if stripped in ("true", "false"):
            return stripped, None
        if lenient:
            code = code_for("boolean", stripped)
            if code is not None:
                return code, None
        return stripped, CellError("bad_boolean", {})
    if spec.type == "date":
        iso = _date_text(stripped, lenient)
        if iso is None or (not lenient and iso != stripped):
            return stripped, CellError("bad_date", {})
        return iso, None
    return stripped, None


def suggest(vocab: str, text: str) -> str | None:
    """The code whose label (either language) or code is closest to ``text``, if close enough."""
    import difflib

    lookup = _vocab_lookup(vocab)
    match = difflib.get_close_matches(normalise_text(text), list(lookup), n=1, cutoff=0.6)
    return lookup[match[0]] if match else None


def _unknown(value: str, values: tuple, vocab: str | None) -> CellError:
    details: dict[str, Any] = {"allowed": _allowed_text(values, vocab)}
    code = suggest(vocab, value) if vocab else None
    if code is None:
        return CellError("unknown_category", details)
    details["suggestion"] = Localised(
        lambda lang: (f"«\u00a0{label(vocab, code, lang)}\u00a0» ({code})" if lang == "fr"
                      else f"“{label(vocab, code, lang)}” ({code})"))
    return CellError("unknown_category_suggest", details)


def _range_error(value: float, spec: FieldSpec) -> CellError | None:
    lo = spec.minimum if spec.minimum is not None else "−∞"
    hi = spec.maximum if spec.maximum is not None else "+∞"
    if (spec.minimum is not None and value < spec.minimum) or (spec.maximum is not None and value > spec.maximum):
        return CellError("out_of_range", {"minimum": _fmt(lo), "maximum": _fmt(hi)})
    return None


def _fmt(x: Any) -> str:
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


_LIST_SPLIT_RE = re.compile(r"\s*[;,|/\n]\s*|\s+(?:et|and|\+)\s+")


def _parse_list(text: str, spec: FieldSpec, lenient: bool) -> tuple[str, CellError | None]:
    values = spec.enum if spec.enum is not None else VOCABULARIES[spec.vocab]
    if text == "":
        return "", None
    if lenient:
        if normalise_text(text) in EMPTY_LIST_WORDS:
            return "", None
        items = [i for i in _LIST_SPLIT_RE.split(text) if i.strip()]
    else:
        items = text.split(LIST_SEPARATOR)
    codes, unknown = [], []
    for item in items:
        if item in values:
            codes.append(item)
            continue
        code = code_for(spec.vocab, item) if (lenient and spec.vocab) else None
        if code is None:
            unknown.append(item)
        else:
            codes.append(code)
    if unknown:
        error = _unknown(unknown[0], tuple(values), spec.vocab if lenient else None)
        error.details["unknown"] = ", ".join(unknown)
        return text, error
    if lenient:
        return join_codes(codes, spec.vocab), None
    return text, None


# ---------------------------------------------------------------------------
# Validation

def _cell_text(value: Any) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return ""
        return _format_number(float(value))
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (pd.Timestamp, date)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (list, tuple, set, frozenset)):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def _as_text_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for column in df.columns:
        series = df[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            out[column] = series.map(_cell_text)
        else:
            out[column] = series.map(_cell_text)
    return pd.DataFrame(out, index=df.index)


class _Collector:
    """Collects problems and caps each (column, code) at MAX_PROBLEMS_PER_COLUMN."""

    def __init__(self, table: str | None, cap: int = MAX_PROBLEMS_PER_COLUMN):
        self.table = table
        self.cap = cap
        self.problems: list[Problem] = []
        self.counts: dict[tuple, int] = {}
        self.severities: dict[tuple, str] = {}

    def add(self, problem: Problem) -> None:
        problem.table = problem.table or self.table
        key = (problem.column, problem.code)
        self.counts[key] = self.counts.get(key, 0) + 1
        self.severities.setdefault(key, problem.severity)
        if self.counts[key] <= self.cap:
            self.problems.append(problem)

    def add_lazy(self, column: str | None, code: str, make) -> None:
        """Count a problem, building it (``make()``) only if it will be listed."""
        key = (column, code)
        if self.counts.get(key, 0) < self.cap:
            self.add(make())
        else:
            self.counts[key] += 1

    def finish(self) -> list[Problem]:
        for key, count in self.counts.items():
            if count > self.cap:  # the unlisted problems are as serious as the listed ones
                self.problems.append(Problem("more_problems", None, key[0], None, table=self.table,
                                             severity=self.severities.get(key, "error"),
                                             details={"n": count - self.cap}))
        return self.problems


def check_columns(text: pd.DataFrame, specs: list[FieldSpec], table: str, collector: _Collector,
                  lenient: bool = False, row_numbers: list[int] | None = None,
                  headers: Mapping[str, str] | None = None,
                  skip: set | None = None) -> pd.DataFrame:
    """Parse every cell of the known columns (``text``: a frame, or a dict of lists); return the
    canonical text frame.

    A column repeats its values (categories, towns, ages…): each distinct value is parsed
    once, and only the rows with a problem are visited one by one."""
    rows = row_numbers if row_numbers is not None else [i + 2 for i in range(len(text))]
    headers = headers or {}
    skipped: dict[str, list[int]] = {}
    for i, name in skip or ():
        skipped.setdefault(name, []).append(i)
    canonical = {}
    for spec in specs:
        if spec.name not in text:
            continue
        column_header = headers.get(spec.name, spec.name)
        values = text[spec.name]
        values = values if isinstance(values, list) else values.tolist()
        desc = Localised(lambda lang, s=spec: field_description(table, s.name, lang, s))
        try:
            distinct = dict.fromkeys(values)
        except TypeError:  # an unhashable cell (a list in a typed frame): keep its text
            values = [_cell_text(v) for v in values]
            distinct = dict.fromkeys(values)
        if lenient and spec.type == "string" and spec.vocab is None and spec.enum is None \
                and all(isinstance(raw, str) for raw in distinct):
            parsed = {raw: (raw.strip(), None) for raw in distinct}  # free text: as parse_cell does
        else:
            parsed = {raw: parse_cell(raw, spec, lenient) for raw in distinct}
        needs_value = spec.required and (not lenient or spec.upload == "required")
        flagged = {raw for raw, (value, error) in parsed.items()
                   if error is not None or (value == "" and needs_value)}
        canon = {raw: value for raw, (value, _error) in parsed.items()}
        out = list(map(canon.__getitem__, values))
        skip_here = set(skipped.get(spec.name, ()))
        for i in skip_here:
            out[i] = ""
        if flagged:
            for i, raw in enumerate(values):
                if raw not in flagged or i in skip_here:
                    continue
                value, error = parsed[raw]
                if error is not None and error.code == "out_of_range" and spec.name in COORDINATE_FIELDS:
                    error = None  # the point-in-Morocco check says more (swapped, sign lost…)
                if error is not None and error.severity == "warning":
                    collector.add_lazy(column_header, error.code, lambda raw=raw, error=error, i=i: Problem(
                        error.code, rows[i], column_header, str(raw).strip(), severity="warning",
                        details=dict(error.details)))
                    error = None
                if error is not None:
                    def make(raw=raw, error=error, i=i):
                        details = dict(error.details)
                        if error.code == "bad_format":
                            details["description"] = desc
                        shown = details.pop("unknown", None) or str(raw).strip()
                        return Problem(error.code, rows[i], column_header, shown, details=details)
                    collector.add_lazy(column_header, error.code, make)
                    out[i] = ""
                    continue
                if value == "" and needs_value:
                    collector.add_lazy(column_header, "missing_value", lambda i=i: Problem(
                        "missing_value", rows[i], column_header, None, details={"description": desc}))
        canonical[spec.name] = out
        if spec.unique:
            series = pd.Series(out)
            repeated = np.flatnonzero(series.duplicated().to_numpy() & (series != "").to_numpy())
            if repeated.size:
                first = {}
                for i, value in enumerate(out):
                    if value != "":
                        first.setdefault(value, i)
                for i in repeated:
                    collector.add_lazy(column_header, "duplicate_id", lambda i=i: Problem(
                        "duplicate_id", rows[i], column_header, out[i], details={"first_row": rows[first[out[i]]]}))
    return pd.DataFrame(canonical, index=text.index if isinstance(text, pd.DataFrame) else None)


def check_rules(canonical: pd.DataFrame, table: str, collector: _Collector,
                row_numbers: list[int], headers: Mapping[str, str] | None = None,
                check_coordinates: bool = True) -> None:
    """Cross-column rules: unique keys, coordinates in Morocco, consistency."""
    headers = headers or {}
    for key in UNIQUE_KEYS.get(table, []):
        if all(k in canonical.columns for k in key):
            first: dict[tuple, int] = {}
            for i, combo in enumerate(zip(*(canonical[k] for k in key))):
                if any(v == "" for v in combo):
                    continue
                if combo in first:
                    shown = ", ".join(f"{k}={v}" for k, v in zip(key, combo))
                    collector.add(Problem("duplicate_key", row_numbers[i], None, shown,
                                          details={"first_row": row_numbers[first[combo]]}))
                else:
                    first[combo] = i
    if check_coordinates and table in COORDINATES:
        lat_c, lon_c = COORDINATES[table]
        if lat_c in canonical.columns and lon_c in canonical.columns:
            check_points(canonical[lat_c].tolist(), canonical[lon_c].tolist(), row_numbers, collector,
                         headers.get(lat_c, lat_c))
    if table == "services" and {"min_age", "max_age"} <= set(canonical.columns):
        lo, hi = _numbers(canonical["min_age"]), _numbers(canonical["max_age"])
        column = headers.get("min_age", "min_age")
        for i in np.flatnonzero(lo > hi):  # NaN (empty) compares False
            collector.add_lazy(column, "age_range", lambda i=i: Problem(
                "age_range", row_numbers[i], column, None,
                details={"minimum": canonical["min_age"].iat[i], "maximum": canonical["max_age"].iat[i]}))
    if table == "services" and {"cost", "fee_mad"} <= set(canonical.columns):
        cost = canonical["cost"].to_numpy(dtype=object)
        fee = _numbers(canonical["fee_mad"])
        column = headers.get("fee_mad", "fee_mad")
        known = (cost != "") & ~np.isnan(fee)
        for i in np.flatnonzero(known & ((cost == "free") != (fee == 0))):
            collector.add_lazy(column, "fee_inconsistent", lambda i=i: Problem(
                "fee_inconsistent", row_numbers[i], column, None,
                details={"cost": Localised(lambda lang, c=cost[i]: label("cost", c, lang)),
                         "fee": canonical["fee_mad"].iat[i]}))
    if table == "cases":
        from .children import check_cases
        check_cases(canonical, row_numbers, headers, collector)
    if table == "cases" and {"case_status", "closure_date", "closure_reason"} <= set(canonical.columns):
        for i, (status, when, why) in enumerate(zip(canonical["case_status"], canonical["closure_date"],
                                                    canonical["closure_reason"])):
            if status == "":
                continue
            closed = status == "closed"
            if closed != (when != "") or closed != (why != ""):
                collector.add(Problem("closure_inconsistent", row_numbers[i],
                                      headers.get("case_status", "case_status"), None))


def _numbers(column: pd.Series) -> np.ndarray:
    """Canonical number texts as floats ('' → NaN), parsed in C."""
    values = column.to_numpy(dtype=object)
    return np.where(values == "", "nan", values).astype(float) if len(values) else np.zeros(0)


def check_points(lats: list, lons: list, row_numbers: list[int], collector: _Collector,
                 column: str | None = None) -> None:
    """Report points outside Morocco (with a 10 km coastal tolerance), recognising swapped
    coordinates and a lost minus sign."""
    from .synth.geo import in_morocco_tolerant

    lat_all, lon_all = _numbers(pd.Series(list(lats))), _numbers(pd.Series(list(lons)))
    idx = np.flatnonzero(~np.isnan(lat_all) & ~np.isnan(lon_all))
    if not idx.size:
        return
    lat, lon = lat_all[idx], lon_all[idx]
    # a directory repeats its places (a town centre, a provider's branches): each is tested once
    codes, places = pd.factorize(lat + 1j * lon)
    inside = in_morocco_tolerant(places.real, places.imag)[codes]
    bad = np.flatnonzero(~inside)
    if bad.size == 0:
        return
    swapped = in_morocco_tolerant(lon[bad], lat[bad])
    flipped = in_morocco_tolerant(lat[bad], -lon[bad])
    for j, k in enumerate(bad):
        i = idx[k]
        details = {"lat": lats[i], "lon": lons[i]}
        if swapped[j]:
            code = "swapped_coordinates"
        elif flipped[j]:
            code = "positive_longitude"
            details["fixed"] = _format_number(-lon[k])
        else:
            code = "outside_morocco"
        collector.add(Problem(code, row_numbers[i], column, None, details=details))


def validate_table(df: pd.DataFrame, table: str, *, package: Mapping | None = None,
                   instrument: Mapping | None = None, check_coordinates: bool = True) -> list[Problem]:
    """Check one table against the schema; every problem, located (row 2 = first data row).

    ``df`` may be the raw text of the CSV (``dtype=str``) or a typed frame from
    :func:`reintegra.loader.read_table`. The schema comes from ``package`` (a parsed
    ``datapackage.json``) when given, else from this module and the instrument.
    """
    if package is not None:
        resource = next(r for r in package["resources"] if r["name"] == table)
        specs = specs_from_descriptor(resource)
    else:
        specs = table_fields(table, instrument)
    collector = _Collector(table)
    text = _as_text_frame(df)
    names = [s.name for s in specs]
    for name in names:
        if name not in text.columns:
            collector.add(Problem("missing_column", 1, None, None, details={
                "expected": name,
                "description": Localised(lambda lang, n=name: field_description(table, n, lang)),
                "aliases": name}))
    for column in text.columns:
        if column not in names:
            collector.add(Problem("unexpected_column", 1, str(column), None))
    rows = [i + 2 for i in range(len(text))]
    canonical = check_columns(text, specs, table, collector, lenient=False, row_numbers=rows)
    check_rules(canonical, table, collector, rows, check_coordinates=check_coordinates)
    return collector.finish()


def validate_package(folder: str | Path | None = None, *, check_coordinates: bool = True) -> dict[str, list[Problem]]:
    """Validate every table of a data package folder, with its foreign keys."""
    from .paths import datasets_dir
    folder = Path(folder) if folder else datasets_dir()
    package = load_datapackage(folder)
    frames: dict[str, pd.DataFrame] = {}
    report: dict[str, list[Problem]] = {}
    for resource in package["resources"]:
        name = resource["name"]
        frames[name] = pd.read_csv(folder / resource["path"], dtype=str, keep_default_na=False,
                                   encoding="utf-8")
        report[name] = validate_table(frames[name], name, package=package,
                                      check_coordinates=check_coordinates)
    for resource in package["resources"]:
        name = resource["name"]
        for fk in resource["schema"].get("foreignKeys", []):
            local = fk["fields"][0]
            target = fk["reference"]["resource"]
            remote = fk["reference"]["fields"][0]
            known = set(frames[target][remote])
            collector = _Collector(name)
            for i, value in enumerate(frames[name][local]):
                if value != "" and value not in known:
                    collector.add(Problem("foreign_key", i + 2, local, value,
                                          details={"target": remote, "table": target}))
            report[name].extend(collector.finish())
    from .children import check_package
    for name, problems in check_package(frames).items():
        report[name].extend(problems)
    return report


M_DOC = messages("data.doc", {
    "column": "Column",
    "type": "Type",
    "required": "Required",
    "values": "Values",
    "description": "Description",
    "yes": "yes",
    "no": "no",
    "unique": "unique",
    "type_string": "text",
    "type_integer": "integer",
    "type_number": "number",
    "type_boolean": "true/false",
    "type_date": "date (YYYY-MM-DD)",
    "type_list": "list (codes separated by ;)",
    "range": "{minimum} to {maximum}",
    "codes_of": "codes: {codes}",
    "item_columns": "one column per item of the instrument (eco_*, soc_*, psy_*): the answer code, empty if not answered",
    "screening_columns": "one column per screening question (scr_*): yes, no, or empty if not asked",
})


def columns_markdown(table: str, lang: str | None = None, instrument: Mapping | None = None) -> str:
    """A Markdown table documenting the columns of a table (for the data card and the book)."""
    lang = current_lang(lang)
    head = [M_DOC(k, lang) for k in ("column", "type", "required", "values", "description")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    specs = list(TABLES[table])
    for spec in specs:
        typ = M_DOC(f"type_{spec.type}", lang)
        req = M_DOC("yes" if spec.required else "no", lang)
        if spec.unique:
            req += ", " + M_DOC("unique", lang)
        values = ""
        codes = spec.enum if spec.enum is not None else (VOCABULARIES[spec.vocab] if spec.vocab else None)
        if codes is not None:
            shown = ", ".join(f"`{c}`" for c in codes[:12]) + (" …" if len(codes) > 12 else "")
            values = M_DOC("codes_of", lang, codes=shown)
        elif spec.minimum is not None or spec.maximum is not None:
            values = M_DOC("range", lang, minimum=_fmt(spec.minimum), maximum=_fmt(spec.maximum))
        elif spec.pattern:
            values = f"`{spec.pattern}`"
        desc = field_description(table, spec.name, lang)
        lines.append(f"| `{spec.name}` | {typ} | {req} | {values} | {desc} |")
    if table == "assessments":
        lines.append(f"| `eco_*`, `soc_*`, `psy_*` | {M_DOC('type_string', lang)} | {M_DOC('no', lang)} | "
                     f"instrument.json | {M_DOC('item_columns', lang)} |")
        lines.append(f"| `scr_*` | {M_DOC('type_string', lang)} | {M_DOC('no', lang)} | `yes`, `no` | "
                     f"{M_DOC('screening_columns', lang)} |")
    return "\n".join(lines)
