"""Loading data: the course's own tables, and a trainer's own file.

The course's tables (committed in ``datasets/``)::

    read_table("services")          # a typed DataFrame (also: load_cases(), load_services() …)
    load_instrument()               # the assessment instrument (dict, from instrument.json)

A trainer's file (their service directory or caseload, kept in Excel)::

    result = load_file("mes_services.xlsx", table="services")
    if result.ok:
        services = result.data
    else:
        for problem in result.problems:
            print(problem.message("fr"))

:func:`load_file` accepts .xlsx workbooks and CSV files (comma, semicolon or tab
separated; UTF-8 with or without BOM, UTF-16, Windows-1252 or Latin-1), decimal
commas, and English or French headers in any case, with or without accents. It
reports every problem at once, each located by spreadsheet row (the header is row
1) and column, in English and in French. It never raises and never writes to the
user's file: it reads the bytes once.
"""
from __future__ import annotations

import csv
import io
import json
import os
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import schema as S
from .i18n import current_lang, messages
from .paths import datasets_dir
from .schema import Problem

UPLOAD_TABLES = ("services", "cases")
MAX_HEADER_SEARCH = 10

M = messages("data.loader", {
    "col_row": "Row",
    "col_column": "Column",
    "col_severity": "Severity",
    "col_message": "Message",
})


# ---------------------------------------------------------------------------
# The course's own data package

def instrument_path(folder: str | Path | None = None) -> Path:
    return Path(folder or datasets_dir()) / "instrument.json"


@lru_cache(maxsize=8)
def _read_json(path: str, mtime: float) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_instrument(path: str | Path | None = None) -> dict:
    """The assessment instrument (``datasets/instrument.json``), illustrative; a fresh copy."""
    p = Path(path) if path else instrument_path()
    return json.loads(json.dumps(_read_json(str(p), p.stat().st_mtime)))


def coerce(text: pd.DataFrame, specs: list[S.FieldSpec]) -> pd.DataFrame:
    """Typed columns from canonical text ('' = missing): integers (Int64 when some are
    missing), floats, booleans, dates (datetime64), strings; list cells stay ';'-joined
    text, '' meaning an empty list."""
    out = {}
    for spec in specs:
        if spec.name not in text.columns:
            continue
        s = text[spec.name]
        if spec.type == "integer":
            v = pd.to_numeric(s.replace("", np.nan))
            out[spec.name] = v.astype("int64") if v.notna().all() else v.astype("Int64")
        elif spec.type == "number":
            out[spec.name] = pd.to_numeric(s.replace("", np.nan)).astype("float64")
        elif spec.type == "boolean":
            v = s.map({"true": True, "false": False, "": None})
            out[spec.name] = v.astype(bool) if v.notna().all() else v.astype("boolean")
        elif spec.type == "date":
            out[spec.name] = pd.to_datetime(s.replace("", None), format="%Y-%m-%d")
        elif spec.type == "list":
            out[spec.name] = s.astype("str")
        else:
            out[spec.name] = s.where(s != "", None).astype("str")
    return pd.DataFrame(out, index=text.index)


@lru_cache(maxsize=16)
def _read_table_cached(path: str, mtime: float, table: str, instrument_file: str) -> pd.DataFrame:
    text = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    instrument = load_instrument(instrument_file) if table == "assessments" else None
    return coerce(text, S.table_fields(table, instrument))


def read_table(name: str, folder: str | Path | None = None) -> pd.DataFrame:
    """One table of the data package as a typed DataFrame (a fresh copy)."""
    folder = Path(folder) if folder else datasets_dir()
    path = folder / f"{name}.csv"
    frame = _read_table_cached(str(path), path.stat().st_mtime, name, str(instrument_path(folder)))
    return frame.copy()


def load_regions(folder: str | Path | None = None) -> pd.DataFrame:
    return read_table("regions", folder)


def load_cases(folder: str | Path | None = None) -> pd.DataFrame:
    return read_table("cases", folder)


def load_assessments(folder: str | Path | None = None) -> pd.DataFrame:
    return read_table("assessments", folder)


def load_services(folder: str | Path | None = None) -> pd.DataFrame:
    return read_table("services", folder)


def load_referrals(folder: str | Path | None = None) -> pd.DataFrame:
    return read_table("referrals", folder)


def load_outline() -> dict:
    """The GeoJSON outline of Morocco and its neighbours (see the data card)."""
    from .synth.geo import load_outline as _load
    return _load()


# ---------------------------------------------------------------------------
# A trainer's own file

@dataclass
class LoadResult:
    """What :func:`load_file` found. ``data`` is ``None`` when there are errors."""

    ok: bool
    data: pd.DataFrame | None
    problems: list[Problem]
    table: str = "services"
    name: str = ""
    source_rows: list[int] = field(default_factory=list)  # spreadsheet row of each data row

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def summary(self, lang: str | None = None) -> str:
        if not self.ok:
            return S.M_PROBLEM.n("summary_errors", len(self.errors), lang)
        rows = 0 if self.data is None else len(self.data)
        if self.warnings:
            return S.M_PROBLEM.n("summary_ok_warnings", len(self.warnings), lang, rows=S.M_PROBLEM.n("rows", rows, lang))
        return S.M_PROBLEM.n("summary_ok", rows, lang)

    def messages(self, lang: str | None = None) -> list[str]:
        return [p.message(lang) for p in self.problems]

    def report(self, lang: str | None = None) -> str:
        """A plain-text report: the summary, then one line per problem."""
        lines = [self.summary(lang)]
        for p in self.problems:
            tag = S.M_PROBLEM("severity_error" if p.severity == "error" else "severity_warning", lang)
            lines.append(f"- {tag}\u00a0: {p.message(lang)}" if current_lang(lang) == "fr"
                         else f"- {tag}: {p.message(lang)}")
        return "\n".join(lines)

    def report_frame(self, lang: str | None = None) -> pd.DataFrame:
        """The problems as a table (row, column, severity, message), for a widget."""
        return pd.DataFrame({
            M("col_row", lang): [p.row if p.row is not None else "" for p in self.problems],
            M("col_column", lang): [p.column or "" for p in self.problems],
            M("col_severity", lang): [S.M_PROBLEM("severity_" + p.severity, lang) for p in self.problems],
            M("col_message", lang): [p.message(lang) for p in self.problems],
        })


def _fail(problems: list[Problem], table: str, name: str) -> LoadResult:
    return LoadResult(False, None, problems, table, name)


def load_file(source: Any, table: str = "services", *, filename: str | None = None) -> LoadResult:
    """Load a trainer's .xlsx or .csv file as the ``table`` ("services" or "cases").

    ``source`` is a path, the file's bytes (an upload widget gives those; pass
    ``filename`` too) or a binary file object. Never raises, never writes.
    """
    name = filename or (Path(source).name if isinstance(source, (str, os.PathLike)) else "")
    try:
        if table not in UPLOAD_TABLES:
            return _fail([Problem("unknown_table", details={"tables": ", ".join(UPLOAD_TABLES)})], table, name)
        data = _read_bytes(source)
        return _load_bytes(data, table, name)
    except Exception as error:  # noqa: BLE001 — the trainer must never see a traceback
        text = f"{type(error).__name__}: {error}"[:200]
        return _fail([Problem("unreadable", details={"error": text})], table, name)


def _read_bytes(source: Any) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if hasattr(source, "read"):
        data = source.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    with open(source, "rb") as handle:  # read-only: the user's file is never written
        return handle.read()


# ----- what kind of file is it?

def _sniff_kind(data: bytes, name: str) -> str:
    head = data[:8]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if any(n.startswith("word/") for n in names):
                    return "word"
                if any(n.startswith("ppt/") for n in names):
                    return "powerpoint"
                if "mimetype" in names and b"opendocument" in z.read("mimetype"):
                    return "opendocument"
        except zipfile.BadZipFile:
            return "zip"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if b"W\x00o\x00r\x00d\x00D\x00o\x00c" in data[:200_000] or name.lower().endswith(".doc"):
            return "word"
        return "old_excel"
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff") or head.startswith(b"GIF8"):
        return "image"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text-utf16"
    probe = data[:4096].lstrip(b"\xef\xbb\xbf").lstrip()
    if probe[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "html"
    if b"\x00" in data[:4096]:
        return "binary"
    return "text"


def _decode(data: bytes, kind: str) -> str:
    if kind == "text-utf16":
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# ----- reading rows

def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    """(spreadsheet row, cells) for every record, blank lines included."""
    sample_lines = [line for line in text.splitlines()[:30] if line.strip()]
    best, best_key = ",", (-1.0, 0)
    for sep in (";", ",", "\t"):
        rows = list(csv.reader(io.StringIO("\n".join(sample_lines)), delimiter=sep))
        if not rows:
            continue
        width = len(rows[0])
        if width <= 1:
            continue
        same = sum(1 for r in rows if len(r) == width or (len(r) > width and not any(c.strip() for c in r[width:])))
        key = (same / len(rows), width)
        if key > best_key:
            best, best_key = sep, key
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=best)
    return [(i, row) for i, row in enumerate(reader, start=1)]


def _cell_to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _xlsx_sheets(data: bytes) -> list[tuple[str, list[tuple[int, list[str]]]]]:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    sheets = []
    for ws in book.worksheets:
        rows = []
        for i, row in enumerate(ws.iter_rows(min_row=1, max_row=ws.max_row, values_only=True), start=1):
            rows.append((i, [_cell_to_text(v) for v in row]))
        sheets.append((ws.title, rows))
    book.close()
    return sheets


# ----- headers

def _header_lookup(table: str) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for spec in S.TABLES[table]:
        candidates = [spec.name, spec.name.replace("_", " "), *spec.aliases]
        for lang in ("en", "fr"):
            candidates.append(S.field_title(table, spec.name, lang))
        for c in candidates:
            key = S.normalise_text(c)
            if key:
                lookup.setdefault(key, spec.name)
    return lookup


_UNIT_WORDS = {"mad", "dh", "dhs", "dirhams", "jours", "days", "km", "ans", "years", "en", "in"}


def _match_header(header: str, lookup: dict[str, str]) -> str | None:
    key = S.normalise_text(header)
    if not key:
        return None
    if key in lookup:
        return lookup[key]
    trimmed = " ".join(w for w in key.split() if w not in _UNIT_WORDS)
    return lookup.get(trimmed)


def _find_header(rows: list[tuple[int, list[str]]], lookup: dict[str, str]) -> tuple[int, int]:
    """(index in rows, number of recognised headers) of the most plausible header row."""
    best, best_score = -1, 0
    seen = 0
    for k, (_, cells) in enumerate(rows):
        if not any(c.strip() for c in cells):
            continue
        seen += 1
        score = len({_match_header(c, lookup) for c in cells if _match_header(c, lookup)})
        if score > best_score:
            best, best_score = k, score
        if seen >= MAX_HEADER_SEARCH:
            break
    return best, best_score


# ----- the main path

def _load_bytes(data: bytes, table: str, name: str) -> LoadResult:
    if not data.strip(b" \t\r\n\xef\xbb\xbf\x00"):
        return _fail([Problem("empty_file")], table, name)
    kind = _sniff_kind(data, name)
    if kind == "old_excel":
        return _fail([Problem("old_excel")], table, name)
    if kind not in ("xlsx", "text", "text-utf16"):
        return _fail([Problem("not_a_table", details={
            "kind": S.localised_message(S.M_PROBLEM, f"kind_{kind}")})], table, name)

    lookup = _header_lookup(table)
    if kind == "xlsx":
        sheets = _xlsx_sheets(data)
        scored = [(_find_header(rows, lookup), title, rows) for title, rows in sheets]
        (h_idx, h_score), _title, rows = max(scored, key=lambda t: t[0][1]) if scored else ((-1, 0), "", [])
    else:
        text = _decode(data, kind)
        if not text.strip():
            return _fail([Problem("empty_file")], table, name)
        rows = _csv_rows(text)
        h_idx, h_score = _find_header(rows, lookup)

    if not any(any(c.strip() for c in cells) for _, cells in rows):
        return _fail([Problem("empty_file")], table, name)
    required = [s for s in S.TABLES[table] if s.upload == "required"]
    if h_score < 2:
        expected = ", ".join(S.field_title(table, s.name, "en") for s in required)
        expected_fr = ", ".join(S.field_title(table, s.name, "fr") for s in required)
        if kind != "xlsx" and _looks_binary(rows):
            return _fail([Problem("not_a_table", details={
                "kind": S.localised_message(S.M_PROBLEM, "kind_binary")})], table, name)
        return _fail([Problem("no_header", details={
            "expected": S.Localised(lambda lang: expected_fr if lang == "fr" else expected)})], table, name)

    header_row, header_cells = rows[h_idx]
    body = [(r, cells) for r, cells in rows[h_idx + 1:] if any(c.strip() for c in cells)]
    collector = S._Collector(table)

    # map headers to fields
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    for j, raw in enumerate(header_cells):
        if not raw.strip():
            continue
        field_name = _match_header(raw, lookup)
        if field_name is None:
            collector.add(Problem("extra_column", header_row, raw.strip(), None, severity="warning"))
        elif field_name in columns:
            collector.add(Problem("duplicate_column", header_row, raw.strip(), None, details={
                "other": headers[field_name], "expected": field_name}))
        else:
            columns[field_name] = j
            headers[field_name] = raw.strip()

    for spec in required:
        if spec.name not in columns:
            aliases_en = [S.field_title(table, spec.name, "en"), spec.name]
            aliases_fr = [S.field_title(table, spec.name, "fr"), spec.name]
            collector.add(Problem("missing_column", header_row, None, None, details={
                "expected": S.Localised(lambda lang, a=aliases_en, b=aliases_fr: b[0] if lang == "fr" else a[0]),
                "description": S.Localised(lambda lang, n=spec.name: S.field_description(table, n, lang)),
                "aliases": S.Localised(lambda lang, a=aliases_en, b=aliases_fr: _or_list(b if lang == "fr" else a, lang)),
            }))

    if not body:
        collector.add(Problem("no_rows"))
        return _fail(collector.finish(), table, name)

    width = len(header_cells)
    cells_by_field: dict[str, list[str]] = {f: [] for f in columns}
    row_numbers = []
    skip: set[tuple[int, str]] = set()
    for i, (r, cells) in enumerate(body):
        extra = cells[width:]
        if any(c.strip() for c in extra):
            collector.add(Problem("ragged_row", r, None, None, details={
                "found": len(cells) - _trailing_empty(cells), "expected": width}))
            skip.update((i, f) for f in columns)  # shifted cells: their own errors would be noise
        row_numbers.append(r)
        for f, j in columns.items():
            cells_by_field[f].append(cells[j] if j < len(cells) else "")
    text = pd.DataFrame(cells_by_field)
    specs = [s for s in S.TABLES[table] if s.name in columns]
    canonical = S.check_columns(text, specs, table, collector, lenient=True, row_numbers=row_numbers,
                                headers=headers, skip=skip)
    failed = {(p.row, p.column) for p in collector.problems if p.severity == "error"}
    failed |= {(row_numbers[i], headers.get(f, f)) for i, f in skip}
    canonical = canonical.reindex(columns=[s.name for s in S.TABLES[table]], fill_value="")
    _fill_defaults(canonical, table, columns)
    _fill_places(canonical, columns, headers, row_numbers, collector, failed)
    S.check_rules(canonical, table, collector, row_numbers, headers)
    problems = collector.finish()
    problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    ok = not any(p.severity == "error" for p in problems)
    if not ok:
        return LoadResult(False, None, problems, table, name, row_numbers)
    frame = coerce(canonical, S.TABLES[table])
    return LoadResult(True, frame, problems, table, name, row_numbers)


def _or_list(items: list[str], lang: str) -> str:
    items = list({S.normalise_text(i): i for i in reversed(items)}.values())[::-1]
    quoted = [f"«\u00a0{i}\u00a0»" if lang == "fr" else f"“{i}”" for i in items]
    return f" {S.M_PROBLEM('or', lang)} ".join(quoted)


def _trailing_empty(cells: list[str]) -> int:
    k = 0
    for c in reversed(cells):
        if c.strip():
            break
        k += 1
    return k


def _looks_binary(rows: list[tuple[int, list[str]]]) -> bool:
    text = "".join("".join(cells) for _, cells in rows[:50])
    if not text:
        return False
    odd = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\r\n") or ch == "\ufffd")
    return odd / len(text) > 0.05


# defaults for optional fields a trainer's file may leave out or empty
UPLOAD_DEFAULTS = {"services": {"min_age": "0", "max_age": "120", "sex": "any"}}


def _fill_defaults(canonical: pd.DataFrame, table: str, columns: dict[str, int]) -> None:
    for name, value in UPLOAD_DEFAULTS.get(table, {}).items():
        canonical[name] = canonical[name].where(canonical[name] != "", value)
    if table == "services" and "cost" in canonical and "fee_mad" not in columns:
        canonical["fee_mad"] = np.where(canonical["cost"] == "free", "0", "")


def _town_index() -> dict[str, Any]:
    from .synth.reference import TOWNS
    index = {}
    for t in TOWNS:
        index.setdefault(S.normalise_text(t.name), t)
    return index


def _region_lookup() -> dict[str, str]:
    from .synth.reference import REGIONS
    lookup = {}
    for r in REGIONS:
        for text in (r.region_id, r.name_fr, r.name_en, r.seat_fr, r.seat_en):
            lookup.setdefault(S.normalise_text(text), r.region_id)
        lookup.setdefault(r.name_ar, r.region_id)
        lookup.setdefault(r.region_id.replace("MA-", ""), r.region_id)
        lookup.setdefault(str(int(r.region_id[3:])), r.region_id)
    return lookup


def _fill_places(canonical: pd.DataFrame, columns: dict[str, int], headers: dict[str, str],
                 row_numbers: list[int], collector, failed: set) -> None:
    """Coordinates from the town when missing; region from its name, the town or the nearest town."""
    from .synth.geo import haversine_km
    from .synth.reference import REGIONS, TOWNS

    towns = _town_index()
    has_coords = "lat" in columns and "lon" in columns
    if not has_coords and "town" in columns:
        collector.add(Problem("coords_column_from_town", None, None, None, severity="warning"))
    for i in range(len(canonical)):
        lat, lon, town = canonical.at[i, "lat"], canonical.at[i, "lon"], canonical.at[i, "town"]
        if lat != "" and lon != "":
            continue
        if any((row_numbers[i], headers.get(f, f)) in failed for f in ("lat", "lon", "town")):
            continue  # already reported: a wrong value is not a missing one
        t = towns.get(S.normalise_text(town)) if town else None
        if t is not None:
            canonical.at[i, "lat"] = f"{t.lat:.4f}"
            canonical.at[i, "lon"] = f"{t.lon:.4f}"
            if has_coords:
                collector.add(Problem("coords_from_town", row_numbers[i], headers.get("lat", "lat"), None,
                                      severity="warning", details={"town": t.name}))
        elif town:
            collector.add(Problem("missing_coordinates", row_numbers[i], headers.get("town", "town"), None,
                                  details={"town": town}))

    regions = _region_lookup()
    region_names = {r.region_id: r for r in REGIONS}
    allowed = tuple(r.region_id for r in REGIONS)
    if "region_id" not in columns:
        collector.add(Problem("region_column_inferred", None, None, None, severity="warning"))
    t_lat = np.array([t.lat for t in TOWNS])
    t_lon = np.array([t.lon for t in TOWNS])
    for i in range(len(canonical)):
        raw = canonical.at[i, "region_id"]
        if raw != "":
            code = regions.get(raw.strip()) or regions.get(S.normalise_text(raw))
            if code is None:
                collector.add(Problem("unknown_category", row_numbers[i], headers.get("region_id", "region_id"),
                                      raw, details={"allowed": S.Localised(
                                          lambda lang: ", ".join(
                                              f"{c} ({region_names[c].name_fr if lang == 'fr' else region_names[c].name_en})"
                                              for c in allowed))}))
                canonical.at[i, "region_id"] = ""
            else:
                canonical.at[i, "region_id"] = code
            continue
        t = towns.get(S.normalise_text(canonical.at[i, "town"])) if canonical.at[i, "town"] else None
        code = t.region_id if t is not None else None
        if code is None and canonical.at[i, "lat"] != "" and canonical.at[i, "lon"] != "":
            d = haversine_km(float(canonical.at[i, "lat"]), float(canonical.at[i, "lon"]), t_lat, t_lon)
            if float(d.min()) < 150:
                code = TOWNS[int(d.argmin())].region_id
        if code is not None:
            canonical.at[i, "region_id"] = code
            if "region_id" in columns:
                collector.add(Problem("region_inferred", row_numbers[i], headers["region_id"], None,
                                      severity="warning", details={"region": S.Localised(
                                          lambda lang, c=code: region_names[c].name_fr if lang == "fr"
                                          else region_names[c].name_en)}))
