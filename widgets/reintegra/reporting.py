"""Tables for a donor report, built from a caseload (Module 6).

Each function takes the course's tables as DataFrames (as :mod:`reintegra.loader`
reads them) and returns a :class:`ReportTable`: the figures as numbers (counts
as integers, shares from 0 to 1, scores from 0 to 1) with headers and category
names in the reader's language, plus :meth:`ReportTable.formatted`, the same
table as text formatted for that language (``1,234`` / ``1 234``, ``42%`` /
``42 %``). Every label is declared once, in English and in French, below.

The definitions a report needs are written into the functions, so that the same
caseload always gives the same figures:

* a **share** is always given with its denominator ("out of"), and a table of
  categories ends with a total row;
* a **follow-up wave** (3, 6 or 12 months) is *due* for a case when that many
  months have passed since its return date on the reporting date, or when the
  case already has an assessment for that wave; it is *done* when the case has
  an assessment for that wave dated on or before the reporting date. Cases closed before a wave stay in its
  denominator: a follow-up lost is reported, not hidden;
* **scores** come from :mod:`reintegra.scoring` and the illustrative instrument;
  a change between two waves is computed only on the cases assessed, with a
  composite score, at both (the same people), never by comparing two different
  groups.

Pure logic: pandas and numpy; matplotlib only inside the two chart functions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import pandas as pd

from . import schema as S
from .i18n import current_lang, fmt_number, fmt_percent, messages

FOLLOW_UP_WAVES = (3, 6, 12)
ALL_WAVES = (0, 3, 6, 12)
DAYS_PER_MONTH = 365.25 / 12

# Okabe–Ito colours (distinguishable with the common forms of colour blindness).
BLUE, ORANGE, GREEN, VERMILLION, PURPLE = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7"

M = messages(
    "reporting",
    {
        # headers and row names
        "region": "Region",
        "women": "Women",
        "men": "Men",
        "total": "Total",
        "returnees": "Returnees",
        "share_of_returnees": "Share of all returnees",
        "country": "Country returned from",
        "other_countries": "All other countries",
        "vulnerability": "Vulnerability recorded",
        "at_least_one": "At least one vulnerability",
        "none_recorded": "No vulnerability recorded",
        "wave": "Follow-up",
        "wave_months": "{months} months after return",
        "due": "Due by the reporting date",
        "done": "Done",
        "completion": "Completion rate",
        "with_composite": "With a composite score",
        "assessments": "Assessments",
        "mean_of": "{dimension} (mean)",
        "composite": "Composite",
        "dimension": "Score",
        "at_start": "At {start} months",
        "at_baseline": "At baseline",
        "at_end": "At {end} months",
        "change": "Mean change",
        "improved": "Share of cases that improved",
        "status": "Referral status",
        "referrals": "Referrals",
        "share_of_referrals": "Share of referrals",
        "consent": "Consent recorded",
        "consent_share": "Share with consent recorded",
        # the donor table
        "indicator": "Indicator",
        "result": "Result",
        "out_of": "Out of",
        "share": "Share",
        "i_registered": "Returnees registered",
        "i_women": "of whom women",
        "i_assisted": "Returnees receiving reintegration assistance",
        "i_vulnerable": "Returnees with at least one vulnerability recorded",
        "i_baseline": "Returnees with a baseline assessment",
        "i_follow_up": "Follow-up at {months} months done (out of those due)",
        "i_referrals": "Referrals made",
        "i_referrals_completed": "Referrals completed (service received)",
        "i_consent": "Referrals with consent recorded",
        "i_closed": "Cases closed",
        "i_closed_completed": "of which support completed",
        "i_closed_remigrated": "of which migrated again",
        "i_closed_lost": "of which contact lost",
        "i_improved": "Composite score improved between baseline and {end} months (cases assessed at both)",
        "missing": "–",
        # key figures and data quality
        "key_figures": "Cases: {cases} · assessments: {assessments} · referrals: {referrals} · reporting date: {as_of}",
        "check": "Check",
        "with_problem": "Records with a problem",
        "checked": "Records checked",
        "q_duplicate": "Case number used twice",
        "q_closed_no_reason": "Closed case without a closure reason or date",
        "q_open_with_reason": "Open case with a closure reason",
        "q_before_return": "Assessment dated before the return",
        "q_off_schedule": "Follow-up more than {days} days from its planned date",
        "q_no_composite": "Assessment without enough answers for a composite score",
        "q_unknown_case": "Referral for a case number not in the caseload",
        "q_no_consent": "Referral without consent recorded",
        # charts
        "chart_region_title": "Returnees by region and sex",
        "chart_region_x": "Number of returnees",
        "chart_follow_title": "Follow-up done, out of those due",
        "chart_follow_y": "Completion rate (%)",
        "chart_follow_x": "Months after return",
    },
)


# ----------------------------------------------------------------- the table


@dataclass(frozen=True)
class ReportTable:
    """A table of figures with its labels in one language.

    ``data`` holds numbers; ``shares`` names the columns that hold shares (0–1)
    and ``scores`` those holding scores (0–1), so that :meth:`formatted` can
    write each value as a reader of ``lang`` expects.
    """

    data: pd.DataFrame
    lang: str
    shares: tuple[str, ...] = ()
    scores: tuple[str, ...] = ()
    total_row: str | None = None  # the label of the total row, if the table has one
    extra: dict = field(default_factory=dict)

    def formatted(self) -> pd.DataFrame:
        """The table as text: counts with thousands separators, shares as percentages, scores with 2 decimals."""
        out = pd.DataFrame(index=self.data.index)
        for column in self.data.columns:
            values = self.data[column]
            if column in self.shares:
                out[column] = [_fmt(v, lambda x: format_share(x, self.lang)) for v in values]
            elif column in self.scores:
                out[column] = [_fmt(v, lambda x: fmt_number(x, self.lang, 2)) for v in values]
            elif pd.api.types.is_numeric_dtype(values):
                out[column] = [_fmt(v, lambda x: fmt_number(x, self.lang)) for v in values]
            else:
                out[column] = values.astype(str)
        out.index.name = self.data.index.name
        return out

    def body(self) -> pd.DataFrame:
        """The rows without the total row."""
        if self.total_row is None:
            return self.data
        return self.data.drop(index=self.total_row)


def format_share(value: float, lang: str | None = None) -> str:
    """A share as a whole percentage; never 0% for a share above 0, nor 100% for one below 1."""
    lang = current_lang(lang)
    if 0 < value < 0.005:
        return "<" + fmt_percent(0.01, lang)
    if 0.995 <= value < 1:
        return ">" + fmt_percent(0.99, lang)
    return fmt_percent(value, lang)


def _fmt(value, how) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return M("missing")
    return how(value)


def _share(part, whole) -> float:
    return float(part) / float(whole) if whole else float("nan")


def _codes(cell) -> list[str]:
    return S.split_codes(cell)


# ------------------------------------------------------------------ caseload


def caseload_by_region(cases: pd.DataFrame, regions: pd.DataFrame, lang: str | None = None) -> ReportTable:
    """Returnees by region (every region of ``regions``, in its order) and sex, with a total row."""
    lang = current_lang(lang)
    name_col = "name_fr" if lang == "fr" else "name_en"
    counts = pd.crosstab(cases["region_id"], cases["sex"])
    order = list(regions["region_id"])
    unknown = sorted(set(counts.index) - set(order))
    counts = counts.reindex(order + unknown, fill_value=0)
    names = dict(zip(regions["region_id"], regions[name_col]))
    women = counts["female"] if "female" in counts else pd.Series(0, index=counts.index)
    men = counts["male"] if "male" in counts else pd.Series(0, index=counts.index)
    total = counts.sum(axis=1)
    n = int(len(cases))
    table = pd.DataFrame({
        M("women", lang): women.astype(int).to_numpy(),
        M("men", lang): men.astype(int).to_numpy(),
        M("total", lang): total.astype(int).to_numpy(),
        M("share_of_returnees", lang): [_share(t, n) for t in total],
    }, index=[names.get(code, code) for code in counts.index])
    total_label = M("total", lang)
    table.loc[total_label] = [int(women.sum()), int(men.sum()), n, _share(n, n) if n else float("nan")]
    table = table.astype({M("women", lang): int, M("men", lang): int, M("total", lang): int})
    table.index.name = M("region", lang)
    return ReportTable(table, lang, shares=(M("share_of_returnees", lang),), total_row=total_label)


def returns_by_country(cases: pd.DataFrame, lang: str | None = None, top: int | None = None) -> ReportTable:
    """Returnees by the country they returned from, largest first; beyond ``top`` countries, one row."""
    lang = current_lang(lang)
    counts = cases["country_returned_from"].value_counts()
    counts = counts.rename_axis("code").reset_index(name="n").sort_values(["n", "code"], ascending=[False, True])
    n = int(len(cases))
    rows = [(S.label("country", c, lang), int(k)) for c, k in zip(counts["code"], counts["n"])]
    if top is not None and len(rows) > top:
        rest = sum(k for _, k in rows[top:])
        rows = rows[:top] + [(M("other_countries", lang), rest)]
    total_label = M("total", lang)
    rows.append((total_label, n))
    table = pd.DataFrame({
        M("returnees", lang): [k for _, k in rows],
        M("share_of_returnees", lang): [_share(k, n) for _, k in rows],
    }, index=[name for name, _ in rows])
    table.index.name = M("country", lang)
    return ReportTable(table, lang, shares=(M("share_of_returnees", lang),), total_row=total_label)


def vulnerability_flags(cases: pd.DataFrame, lang: str | None = None) -> ReportTable:
    """How many returnees have each vulnerability recorded (a returnee can have several).

    The rows do not add up to the total: the last two rows say how many have at
    least one, and how many have none.
    """
    lang = current_lang(lang)
    lists = cases["vulnerabilities"].map(_codes)
    n = int(len(cases))
    rows = []
    for code in S.VOCABULARIES["vulnerability"]:
        k = int(lists.map(lambda codes, c=code: c in codes).sum())
        rows.append((S.label("vulnerability", code, lang), k))
    any_flag = int(lists.map(bool).sum())
    rows.append((M("at_least_one", lang), any_flag))
    rows.append((M("none_recorded", lang), n - any_flag))
    table = pd.DataFrame({
        M("returnees", lang): [k for _, k in rows],
        M("share_of_returnees", lang): [_share(k, n) for _, k in rows],
    }, index=[name for name, _ in rows])
    table.index.name = M("vulnerability", lang)
    return ReportTable(table, lang, shares=(M("share_of_returnees", lang),))


# --------------------------------------------------------- key figures, quality


def key_figures(cases: pd.DataFrame, assessments: pd.DataFrame, referrals: pd.DataFrame, as_of,
                lang: str | None = None) -> str:
    """One line: how many cases, assessments and referrals, and the reporting date (ISO format)."""
    lang = current_lang(lang)
    return M("key_figures", lang, cases=fmt_number(len(cases), lang),
             assessments=fmt_number(len(assessments), lang), referrals=fmt_number(len(referrals), lang),
             as_of=pd.Timestamp(as_of).date().isoformat())


def spot_check_sample(ids: Iterable[str], n: int, seed: int) -> list[str]:
    """Draw ``n`` identifiers at random, without replacement; the same seed gives the same draw.

    The identifiers are sorted first, so that the draw does not depend on the
    order of the file; the sample comes back sorted, ready for a checklist.
    """
    pool = sorted(set(ids))
    if n >= len(pool):
        return pool
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(pool), size=n, replace=False)
    return sorted(pool[i] for i in chosen)


def quality_checks(cases: pd.DataFrame, assessments: pd.DataFrame, referrals: pd.DataFrame,
                   lang: str | None = None, instrument=None, window_days: int = 30) -> ReportTable:
    """Automatic checks of consistency and completeness, one per row: records with a problem, out of how many.

    These checks find what a computer can see. They do not replace a spot check,
    which compares the file with what happened.
    """
    lang = current_lang(lang)
    rows: list[tuple[str, int, int]] = []
    n = len(cases)
    rows.append((M("q_duplicate", lang), int(cases["case_id"].duplicated(keep=False).sum()), n))
    closed = cases["case_status"] == "closed"
    no_reason = cases["closure_reason"].isna() | (cases["closure_reason"].astype(str).str.strip() == "")
    no_date = cases["closure_date"].isna() if "closure_date" in cases else pd.Series(False, index=cases.index)
    rows.append((M("q_closed_no_reason", lang), int((closed & (no_reason | no_date)).sum()), int(closed.sum())))
    rows.append((M("q_open_with_reason", lang), int((~closed & ~no_reason).sum()), int((~closed).sum())))
    merged = assessments[["case_id", "wave", "assessment_date"]].merge(
        cases[["case_id", "return_date"]], on="case_id", how="left")
    returned = pd.to_datetime(merged["return_date"])
    dated = pd.to_datetime(merged["assessment_date"])
    rows.append((M("q_before_return", lang), int((dated < returned).sum()), len(merged)))
    follow = merged["wave"].astype(int) > 0
    planned = returned + pd.to_timedelta((merged["wave"].astype(int) * DAYS_PER_MONTH).round(), unit="D")
    off = ((dated - planned).dt.days.abs() > window_days) & follow
    rows.append((M("q_off_schedule", lang, days=window_days), int(off.sum()), int(follow.sum())))
    if instrument is not None:
        scored = _scored(assessments, instrument)
        rows.append((M("q_no_composite", lang), int(scored["composite"].isna().sum()), len(scored)))
    known = set(cases["case_id"])
    rows.append((M("q_unknown_case", lang), int((~referrals["case_id"].isin(known)).sum()), len(referrals)))
    consent = referrals["consent_recorded"].fillna(False).astype(bool)
    rows.append((M("q_no_consent", lang), int((~consent).sum()), len(referrals)))
    table = pd.DataFrame({
        M("with_problem", lang): [k for _, k, _ in rows],
        M("checked", lang): [t for _, _, t in rows],
        M("share", lang): [_share(k, t) for _, k, t in rows],
    }, index=[label for label, _, _ in rows])
    table.index.name = M("check", lang)
    return ReportTable(table, lang, shares=(M("share", lang),))


# ----------------------------------------------------------------- follow-up


def wave_label(months: int, lang: str | None = None) -> str:
    """The name of a wave: "Baseline (at return)", "3 months after return" …"""
    code = str(int(months))
    if code in S.VOCABULARIES["wave"]:
        return S.label("wave", code, lang)
    return M("wave_months", lang, months=int(months))


def until(assessments: pd.DataFrame, as_of) -> pd.DataFrame:
    """The assessments carried out by the reporting date (all of them if they have no date)."""
    if "assessment_date" not in assessments:
        return assessments
    return assessments[pd.to_datetime(assessments["assessment_date"]) <= pd.Timestamp(as_of)]


def follow_up_status(cases: pd.DataFrame, assessments: pd.DataFrame, as_of,
                     waves: Iterable[int] = FOLLOW_UP_WAVES) -> pd.DataFrame:
    """One row per case and wave: whether the follow-up was due by ``as_of`` and whether it was done."""
    as_of = pd.Timestamp(as_of)
    assessments = until(assessments, as_of)
    done_pairs = set(zip(assessments["case_id"], assessments["wave"].astype(int)))
    frames = []
    returned = pd.to_datetime(cases["return_date"])
    for w in waves:
        planned = returned + pd.to_timedelta(round(w * DAYS_PER_MONTH), unit="D")
        done = np.array([(cid, int(w)) in done_pairs for cid in cases["case_id"]], dtype=bool)
        due = (planned <= as_of).to_numpy() | done
        frames.append(pd.DataFrame({"case_id": cases["case_id"].to_numpy(), "wave": int(w),
                                    "planned": planned.to_numpy(), "due": due, "done": done}))
    return pd.concat(frames, ignore_index=True)


def follow_up_completion(cases: pd.DataFrame, assessments: pd.DataFrame, as_of,
                         lang: str | None = None, instrument=None,
                         waves: Iterable[int] = FOLLOW_UP_WAVES) -> ReportTable:
    """Follow-ups due by ``as_of``, done, and the completion rate, for each wave.

    With an ``instrument``, a last column counts the follow-ups whose answers
    were complete enough for a composite score (see :mod:`reintegra.scoring`).
    """
    lang = current_lang(lang)
    waves = tuple(int(w) for w in waves)
    status = follow_up_status(cases, assessments, as_of, waves)
    grouped = status.groupby("wave")[["due", "done"]].sum().reindex(waves, fill_value=0)
    table = pd.DataFrame({
        M("due", lang): grouped["due"].astype(int).to_numpy(),
        M("done", lang): grouped["done"].astype(int).to_numpy(),
        M("completion", lang): [_share(d, u) for d, u in zip(grouped["done"], grouped["due"])],
    }, index=[wave_label(w, lang) for w in waves])
    if instrument is not None:
        scored = _scored(until(assessments, as_of), instrument)
        with_score = scored[scored["composite"].notna()].groupby("wave").size().reindex(waves, fill_value=0)
        table[M("with_composite", lang)] = with_score.astype(int).to_numpy()
    table.index.name = M("wave", lang)
    return ReportTable(table, lang, shares=(M("completion", lang),), extra={"waves": waves})


# -------------------------------------------------------------------- scores


def _scored(assessments: pd.DataFrame, instrument) -> pd.DataFrame:
    from .scoring import score_frame

    item_ids = [i.id for i in instrument.items] + [q.id for q in instrument.screening]
    scored = score_frame(instrument, assessments.reindex(columns=item_ids))
    scored.insert(0, "wave", assessments["wave"].astype(int).to_numpy())
    scored.insert(0, "case_id", assessments["case_id"].to_numpy())
    return scored


def scores_by_wave(assessments: pd.DataFrame, instrument, lang: str | None = None,
                   waves: Iterable[int] = ALL_WAVES) -> ReportTable:
    """Assessments at each wave and their mean scores (over those with a score).

    The groups differ from wave to wave (people drop out), so this table
    describes each wave; it does not measure change. Use :func:`score_change`.
    """
    lang = current_lang(lang)
    waves = tuple(int(w) for w in waves)
    scored = _scored(assessments, instrument)
    keys = (*instrument.dimension_ids, "composite")
    names = {d: instrument.dimension(d).text(lang) for d in instrument.dimension_ids}
    names["composite"] = M("composite", lang)
    columns = {M("assessments", lang): [], M("with_composite", lang): []}
    columns.update({M("mean_of", lang, dimension=names[k]): [] for k in keys})
    for w in waves:
        rows = scored[scored["wave"] == w]
        columns[M("assessments", lang)].append(int(len(rows)))
        columns[M("with_composite", lang)].append(int(rows["composite"].notna().sum()))
        for k in keys:
            values = rows[k].dropna()
            columns[M("mean_of", lang, dimension=names[k])].append(float(values.mean()) if len(values) else float("nan"))
    table = pd.DataFrame(columns, index=[wave_label(w, lang) for w in waves])
    table.index.name = M("wave", lang)
    return ReportTable(table, lang, scores=tuple(M("mean_of", lang, dimension=names[k]) for k in keys))


def score_change(assessments: pd.DataFrame, instrument, start: int = 0, end: int = 12,
                 lang: str | None = None) -> ReportTable:
    """Mean scores at ``start`` and ``end`` for the same cases (those with a composite score at both)."""
    lang = current_lang(lang)
    scored = _scored(assessments, instrument)
    scored = scored[scored["composite"].notna()]
    a = scored[scored["wave"] == start].drop_duplicates("case_id").set_index("case_id")
    b = scored[scored["wave"] == end].drop_duplicates("case_id").set_index("case_id")
    both = a.index.intersection(b.index)
    a, b = a.loc[both], b.loc[both]
    keys = (*instrument.dimension_ids, "composite")
    names = {d: instrument.dimension(d).text(lang) for d in instrument.dimension_ids}
    names["composite"] = M("composite", lang)
    start_label = M("at_baseline", lang) if start == 0 else M("at_start", lang, start=start)
    end_label = M("at_end", lang, end=end)
    rows = []
    for k in keys:
        diff = b[k] - a[k]
        rows.append([
            float(a[k].mean()) if len(both) else float("nan"),
            float(b[k].mean()) if len(both) else float("nan"),
            float(diff.mean()) if len(both) else float("nan"),
            _share(int((diff > 0).sum()), len(both)),
        ])
    table = pd.DataFrame(rows, columns=[start_label, end_label, M("change", lang), M("improved", lang)],
                         index=[names[k] for k in keys])
    table.index.name = M("dimension", lang)
    return ReportTable(table, lang, shares=(M("improved", lang),),
                       scores=(start_label, end_label, M("change", lang)), extra={"cases": int(len(both))})


# ----------------------------------------------------------------- referrals


def referrals_by_status(referrals: pd.DataFrame, lang: str | None = None) -> ReportTable:
    """Referrals by status, with how many have the returnee's consent recorded, and a total row."""
    lang = current_lang(lang)
    n = int(len(referrals))
    consent = referrals["consent_recorded"].fillna(False).astype(bool)
    order = list(S.VOCABULARIES["referral_status"])
    order += sorted(set(referrals["status"]) - set(order))
    rows = []
    for code in order:
        mask = (referrals["status"] == code).to_numpy()
        k = int(mask.sum())
        c = int(consent[mask].sum())
        rows.append((S.label("referral_status", code, lang), k, _share(k, n), c, _share(c, k)))
    total_label = M("total", lang)
    rows.append((total_label, n, _share(n, n), int(consent.sum()), _share(int(consent.sum()), n)))
    table = pd.DataFrame(
        [r[1:] for r in rows],
        columns=[M("referrals", lang), M("share_of_referrals", lang), M("consent", lang), M("consent_share", lang)],
        index=[r[0] for r in rows],
    )
    table.index.name = M("status", lang)
    return ReportTable(table, lang, shares=(M("share_of_referrals", lang), M("consent_share", lang)),
                       total_row=total_label)


# ---------------------------------------------------------------- donor table


def donor_table(cases: pd.DataFrame, assessments: pd.DataFrame, referrals: pd.DataFrame, as_of,
                lang: str | None = None, instrument=None, end: int = 12) -> ReportTable:
    """The key figures of a report annex: one indicator per row, with its result, denominator and share."""
    lang = current_lang(lang)
    n = int(len(cases))
    rows: list[tuple[str, int, float | None]] = []  # (label, result, out of)

    def add(label: str, result: int, out_of: int | None) -> None:
        rows.append((label, int(result), out_of))

    add(M("i_registered", lang), n, None)
    add(M("i_women", lang), int((cases["sex"] == "female").sum()), n)
    add(M("i_assisted", lang), int(cases["assisted"].fillna(False).astype(bool).sum()), n)
    add(M("i_vulnerable", lang), int(cases["vulnerabilities"].map(_codes).map(bool).sum()), n)
    done = until(assessments, as_of)
    baseline = set(done.loc[done["wave"].astype(int) == 0, "case_id"])
    add(M("i_baseline", lang), int(cases["case_id"].isin(baseline).sum()), n)
    status = follow_up_status(cases, assessments, as_of)
    for w in FOLLOW_UP_WAVES:
        part = status[status["wave"] == w]
        add(M("i_follow_up", lang, months=w), int(part["done"].sum()), int(part["due"].sum()))
    r = int(len(referrals))
    add(M("i_referrals", lang), r, None)
    add(M("i_referrals_completed", lang), int((referrals["status"] == "completed").sum()), r)
    add(M("i_consent", lang), int(referrals["consent_recorded"].fillna(False).astype(bool).sum()), r)
    closed = cases["case_status"] == "closed"
    k = int(closed.sum())
    add(M("i_closed", lang), k, n)
    reasons = cases.loc[closed, "closure_reason"]
    add(M("i_closed_completed", lang), int((reasons == "completed").sum()), k)
    add(M("i_closed_remigrated", lang), int((reasons == "remigrated").sum()), k)
    add(M("i_closed_lost", lang), int((reasons == "unreachable").sum()), k)
    if instrument is not None:
        change = score_change(done, instrument, 0, end, lang)
        improved = change.data[M("improved", lang)].iloc[-1]
        both = change.extra["cases"]
        add(M("i_improved", lang, end=end), int(round(improved * both)) if both else 0, both)
    table = pd.DataFrame({
        M("result", lang): [res for _, res, _ in rows],
        M("out_of", lang): pd.array([o for _, _, o in rows], dtype="Int64"),
        M("share", lang): [_share(res, o) if o is not None else float("nan") for _, res, o in rows],
    }, index=[label for label, _, _ in rows])
    table.index.name = M("indicator", lang)
    return ReportTable(table, lang, shares=(M("share", lang),))


# -------------------------------------------------------------------- charts


def plot_caseload_by_region(table: ReportTable, lang: str | None = None):
    """Horizontal stacked bars (women, men) from :func:`caseload_by_region`; returns the figure.

    The caller displays it and closes it (``plt.close(fig)``).
    """
    from matplotlib.figure import Figure

    lang = lang or table.lang
    body = table.body().iloc[::-1]  # first region at the top
    women, men = body[M("women", lang)], body[M("men", lang)]
    fig = Figure(figsize=(8, 5.2), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(body))
    ax.barh(y, men, color=BLUE, label=M("men", lang))
    ax.barh(y, women, left=men, color=ORANGE, label=M("women", lang), hatch="//", edgecolor="white")
    ax.set_yticks(y, labels=list(body.index))
    ax.set_xlabel(M("chart_region_x", lang))
    ax.set_ylabel(M("region", lang))
    ax.set_title(M("chart_region_title", lang))
    ax.legend(loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_follow_up(table: ReportTable, lang: str | None = None):
    """Bars of the completion rate at each wave, from :func:`follow_up_completion`; returns the figure."""
    from matplotlib.figure import Figure

    lang = lang or table.lang
    waves = table.extra.get("waves", FOLLOW_UP_WAVES)
    rates = table.data[M("completion", lang)].to_numpy(dtype=float)
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(waves))
    bars = ax.bar(x, 100 * rates, color=GREEN, width=0.6)
    ax.set_xticks(x, labels=[fmt_number(w, lang) for w in waves])
    ax.set_ylim(0, 105)
    ax.set_xlabel(M("chart_follow_x", lang))
    ax.set_ylabel(M("chart_follow_y", lang))
    ax.set_title(M("chart_follow_title", lang))
    texts = [format_share(r, lang) if not np.isnan(r) else M("missing", lang) for r in rates]
    for bar, text in zip(bars, texts):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 1.5, text, ha="center", va="bottom")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def figure_texts(fig) -> list[str]:
    """Every text drawn on a figure (title, axis labels, tick labels, legend): for tests."""
    texts = []
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        texts += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
    return [t for t in texts if t]
