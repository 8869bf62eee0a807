"""Gap analysis of a referral network: regions × service categories.

For each region and each service category, compare what the caseload needs with
what the directory offers there:

* **need**: the open cases of the region whose priority needs include the
  category (:func:`reintegra.referral.priority_needs`, from each case's profile
  and baseline assessment);
* **services**, **capacity** (new people per month, all services of that category
  in the region) and **places** (capacity left this month: capacity minus the
  current load, never below 0; a capacity not recorded counts as 0 and is
  reported in ``unknown_capacity``).

Each cell gets a status, compared with the measure chosen (``places`` by default,
or ``capacity`` for planning):

* ``missing``: cases need it and the region has no such service at all;
* ``short``: services exist but the measure is below the need;
* ``covered``: the measure meets the need;
* ``no_need``: no open case needs it (the services may still serve others).

Laâyoune-Sakia El Hamra and Dakhla-Oued Ed-Dahab (:data:`NOTED_REGIONS`) lie in
territory whose status is disputed: wherever the analysis names them (chart,
matrix, table) they carry an asterisk and the same note, worded as the maps'
disclaimer (:func:`region_note`).

The comparison is indicative: a case may be referred to a neighbouring region,
and not every open case needs a referral this month. It shows trainers and
partners where to look first when building or funding a local referral network.

:func:`gap_table` returns the long table; :func:`gap_matrix` a regions ×
categories view of one column; :func:`gap_heatmap` the chart (colour-blind-safe
colours, a symbol in every cell as well as its numbers, labels from the
catalogue).
"""
from __future__ import annotations

import textwrap
from typing import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from .i18n import current_lang, messages, plural
from .referral import CATEGORIES, category_label, priority_needs

STATUSES = ("missing", "short", "covered", "no_need")
NOTED_REGIONS = ("MA-11", "MA-12")  # named with an asterisk and the note, wherever they appear
NOTE_MARK = "\u00a0*"

M = messages(
    "gaps",
    {
        "title": "Referral network gaps: open cases' needs and {measure}, by region",
        "measure_places": "places left this month",
        "measure_capacity": "monthly capacity",
        "cell_help": "In each cell: open cases needing the service / {measure}.",
        "missing": "No service: cases need it, none in the region",
        "short": "Short: fewer places than cases needing it",
        "covered": "Covered: enough places for the cases needing it",
        "no_need": "No open case needs it",
        "missing_short": "missing",
        "short_short": "short",
        "covered_short": "covered",
        "no_need_short": "no need",
        "region": "Region",
        "category": "Service category",
        "need": "Open cases needing it",
        "services": "Services",
        "capacity": "Capacity per month",
        "places": "Places left this month",
        "status": "Status",
        "indicative": ("Indicative: a case can be referred to a neighbouring region, and not every open case needs a referral this month. "
            "Synthetic course data."),
        "alt": "Heat map of {regions} regions by {categories} service categories. {missing}, {short}, {covered}.",
        "region_note": ("* The names shown and the designations used for the regions marked with an asterisk do not imply "
            "official endorsement or acceptance by the authors of this course."),
        "summary": plural("{n} region–category pair has cases in need and no service; {short}.",
                          "{n} region–category pairs have cases in need and no service; {short}."),
        "alt_missing": plural("{n} cell with no service where cases need one", "{n} cells with no service where cases need one"),
        "alt_short": plural("{n} cell where places fall short of needs", "{n} cells where places fall short of needs"),
        "alt_covered": plural("{n} cell covered", "{n} cells covered"),
        "summary_short": plural("{n} has too few places", "{n} have too few places"),
    },
)

# Colour-blind-safe (ColorBrewer RdYlBu end points and a neutral grey), and a symbol per status.
STATUS_COLOURS = {"missing": "#d7301f", "short": "#fdae61", "covered": "#abd9e9", "no_need": "#f2f2f2"}
STATUS_TEXT = {"missing": "white", "short": "#1a1a1a", "covered": "#1a1a1a", "no_need": "#666666"}
STATUS_SYMBOLS = {"missing": "✘", "short": "!", "covered": "✔", "no_need": "·"}
STATUS_HATCH = {"missing": "///", "short": "", "covered": "", "no_need": ""}


def needs_by_region(cases: pd.DataFrame, assessments: pd.DataFrame | None = None,
                    open_only: bool = True) -> pd.DataFrame:
    """One row per (case, need): ``case_id, region_id, category`` for the open cases."""
    if open_only and "case_status" in cases:
        cases = cases[cases["case_status"].fillna("open") == "open"]
    answers: dict[str, Mapping] = {}
    if assessments is not None and len(assessments):
        baseline = assessments[assessments["wave"] == 0].drop_duplicates("case_id").set_index("case_id")
        answers = baseline.to_dict("index")
    rows = []
    for case in cases.to_dict("records"):
        for need in priority_needs(case, answers.get(case.get("case_id"))):
            rows.append((case.get("case_id"), case.get("region_id"), need.category))
    return pd.DataFrame(rows, columns=["case_id", "region_id", "category"])


def gap_table(services: pd.DataFrame, cases: pd.DataFrame | None = None,
              assessments: pd.DataFrame | None = None, regions: pd.DataFrame | None = None,
              needs: pd.DataFrame | None = None, measure: str = "places") -> pd.DataFrame:
    """The long table: one row per region and category, with need, supply and status.

    ``needs`` (from :func:`needs_by_region`) can be given to skip deriving them.
    """
    if measure not in ("places", "capacity"):
        raise ValueError("measure must be 'places' or 'capacity'")
    if needs is None:
        needs = needs_by_region(cases if cases is not None else pd.DataFrame(), assessments)
    region_ids = list(regions["region_id"]) if regions is not None else sorted(
        set(services.get("region_id", pd.Series(dtype=str)).dropna()) | set(needs["region_id"].dropna()))
    categories = list(CATEGORIES) + sorted(set(services.get("category", pd.Series(dtype=str)).dropna()) - set(CATEGORIES))
    grid = pd.MultiIndex.from_product([region_ids, categories], names=["region_id", "category"])

    s = services.copy()
    capacity = pd.to_numeric(s.get("capacity_per_month"), errors="coerce") if "capacity_per_month" in s else pd.Series(np.nan, index=s.index)
    load = pd.to_numeric(s.get("current_load"), errors="coerce").fillna(0) if "current_load" in s else 0
    s["_capacity"] = capacity.fillna(0)
    s["_places"] = (capacity - load).clip(lower=0).fillna(0)
    s["_unknown"] = capacity.isna().astype(int)
    supply = s.groupby(["region_id", "category"]).agg(
        services=("category", "size"), capacity=("_capacity", "sum"), places=("_places", "sum"),
        unknown_capacity=("_unknown", "sum"))
    need = needs.groupby(["region_id", "category"]).size().rename("need")
    table = pd.DataFrame(index=grid).join(need).join(supply).fillna(0)
    for column in ("need", "services", "capacity", "places", "unknown_capacity"):
        table[column] = table[column].astype(int)
    supply_measure = table[measure]
    table["status"] = np.select(
        [table["need"] == 0, table["services"] == 0, supply_measure < table["need"]],
        ["no_need", "missing", "short"], "covered")
    table["measure"] = measure
    return table.reset_index()


def gap_matrix(table: pd.DataFrame, value: str = "status", regions: pd.DataFrame | None = None,
               lang: str | None = None, labels: bool = True) -> pd.DataFrame:
    """Regions × categories view of one column of :func:`gap_table` (labelled in ``lang``)."""
    lang = current_lang(lang)
    matrix = table.pivot(index="region_id", columns="category", values=value)
    matrix = matrix.reindex(index=list(dict.fromkeys(table["region_id"])),
                            columns=list(dict.fromkeys(table["category"])))
    if value == "status" and labels:
        matrix = matrix.apply(lambda col: col.map(lambda s: M(f"{s}_short", lang)))
    if labels:
        note = region_note(matrix.index, lang)
        matrix.index = [region_name(r, regions, lang, mark=True) for r in matrix.index]
        if note:
            matrix.attrs["note"] = note
        matrix.columns = [category_label(c, lang) for c in matrix.columns]
        matrix.index.name = M("region", lang)
        matrix.columns.name = M("category", lang)
    return matrix


def region_name(region_id: str, regions: pd.DataFrame | None, lang: str | None = None, mark: bool = False) -> str:
    """The region's name in ``lang``; with ``mark``, an asterisk after a region of :data:`NOTED_REGIONS`."""
    lang = current_lang(lang)
    name = str(region_id)
    if regions is not None and len(regions):
        row = regions[regions["region_id"] == region_id]
        column = f"name_{lang}" if f"name_{lang}" in regions else "name_en"
        if len(row) and column in row:
            name = str(row.iloc[0][column])
    return name + NOTE_MARK if mark and region_id in NOTED_REGIONS else name


def region_note(region_ids, lang: str | None = None) -> str:
    """The note that goes with the regions marked with an asterisk, if any of ``region_ids`` is one."""
    return M("region_note", lang) if any(r in NOTED_REGIONS for r in region_ids) else ""


def counts(table: pd.DataFrame) -> dict[str, int]:
    found = table["status"].value_counts()
    return {status: int(found.get(status, 0)) for status in STATUSES}


def summary(table: pd.DataFrame, lang: str | None = None) -> str:
    c = counts(table)
    return M.n("summary", c["missing"], lang, short=M.n("summary_short", c["short"], lang))


def readable_table(table: pd.DataFrame, regions: pd.DataFrame | None = None, lang: str | None = None,
                   only_gaps: bool = True) -> pd.DataFrame:
    """The long table with translated headers and labels (for a page or a widget)."""
    lang = current_lang(lang)
    t = table[table["status"].isin(["missing", "short"])] if only_gaps else table
    t = t.sort_values(["status", "need"], ascending=[True, False], key=lambda s: s.map(
        {k: i for i, k in enumerate(STATUSES)}) if s.name == "status" else s)
    measure = table["measure"].iloc[0] if len(table) else "places"
    readable = pd.DataFrame({
        M("region", lang): [region_name(r, regions, lang, mark=True) for r in t["region_id"]],
        M("category", lang): [category_label(c, lang) for c in t["category"]],
        M("need", lang): t["need"].to_numpy(),
        M("services", lang): t["services"].to_numpy(),
        M(measure, lang): t[measure].to_numpy(),
        M("status", lang): [f"{STATUS_SYMBOLS[s]} {M(s + '_short', lang)}" for s in t["status"]],
    })
    note = region_note(t["region_id"], lang)
    if note:  # shown under the table wherever the table is shown
        readable.attrs["note"] = note
    return readable


def gap_heatmap(table: pd.DataFrame, regions: pd.DataFrame | None = None, lang: str | None = None,
                figsize: tuple[float, float] = (12.5, 8.2)) -> Figure:
    """The regions × categories chart: status colour and symbol, and ``need / measure`` in every cell."""
    lang = current_lang(lang)
    measure = table["measure"].iloc[0] if len(table) else "places"
    status = table.pivot(index="region_id", columns="category", values="status")
    order_r = list(dict.fromkeys(table["region_id"]))
    order_c = list(dict.fromkeys(table["category"]))
    status = status.reindex(index=order_r, columns=order_c)
    need = table.pivot(index="region_id", columns="category", values="need").reindex(index=order_r, columns=order_c)
    supply = table.pivot(index="region_id", columns="category", values=measure).reindex(index=order_r, columns=order_c)

    fig = Figure(figsize=figsize, dpi=100)
    ax = fig.add_axes([0.2, 0.13, 0.79, 0.68])
    n_r, n_c = status.shape
    for i, region in enumerate(order_r):
        for j, category in enumerate(order_c):
            st = status.at[region, category]
            ax.add_patch(Rectangle((j, i), 1, 1, facecolor=STATUS_COLOURS[st], edgecolor="white", linewidth=1.5,
                                   hatch=STATUS_HATCH[st], gid=f"cell-{region}-{category}"))
            text = f"{STATUS_SYMBOLS[st]} {int(need.at[region, category])}/{int(supply.at[region, category])}"
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=8.5, color=STATUS_TEXT[st],
                    fontweight="bold" if st in ("missing", "short") else "normal",
                    bbox={"boxstyle": "round,pad=0.15", "fc": STATUS_COLOURS[st], "ec": "none"} if st == "missing" else None)
    ax.set_xlim(0, n_c)
    ax.set_ylim(n_r, 0)
    ax.set_xticks(np.arange(n_c) + 0.5)
    ax.set_xticklabels([textwrap.fill(category_label(c, lang), 14, break_long_words=False) for c in order_c], fontsize=8)
    ax.xaxis.tick_top()
    ax.set_yticks(np.arange(n_r) + 0.5)
    ax.set_yticklabels([region_name(r, regions, lang, mark=True) for r in order_r], fontsize=9)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)

    measure_text = M(f"measure_{measure}", lang)
    fig.text(0.01, 0.965, M("title", lang, measure=measure_text), fontsize=13, fontweight="bold", va="center")
    fig.text(0.01, 0.93, M("cell_help", lang, measure=measure_text), fontsize=9.5, va="center")
    handles = [Patch(facecolor=STATUS_COLOURS[s], edgecolor="#999999", hatch=STATUS_HATCH[s],
                     label=f"{STATUS_SYMBOLS[s]}  {M(s, lang)}") for s in STATUSES]
    note = region_note(order_r, lang)
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.045 if note else 0.03), ncol=2, fontsize=9,
               frameon=False, handlelength=2.2, handleheight=1.3)
    fig.text(0.01, 0.036 if note else 0.018, M("indicative", lang), fontsize=7.5, color="#333333", style="italic",
             va="center")
    if note:
        fig.text(0.01, 0.014, note, fontsize=7.5, color="#333333", style="italic", va="center", gid="region-note")
    c = counts(table)
    fig.alt_text = M("alt", lang, regions=n_r, categories=n_c, missing=M.n("alt_missing", c["missing"], lang),
                     short=M.n("alt_short", c["short"], lang),
                     covered=M.n("alt_covered", c["covered"], lang)) + (" " + note if note else "")
    return fig
