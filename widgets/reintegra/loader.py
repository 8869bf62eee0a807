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

It never guesses silently: a file is read in one encoding (a UTF-8 file with a stray
byte gets that cell named; a file read as Windows-1252 gets a note); "1,000" or
"1.000" gets a question when it could be a thousand or one; a formula saved without
its value, a row cut short, a region written freely and contact details that look
real (the course takes synthetic data only) are all reported.
"""
from __future__ import annotations

import csv
import gc
import io
import json
import os
import re
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
            v = pd.Series(S._numbers(s), index=s.index)
            out[spec.name] = v.astype("int64") if v.notna().all() else v.astype("Int64")
        elif spec.type == "number":
            out[spec.name] = pd.Series(S._numbers(s), index=s.index, dtype="float64")
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


# Through Voila or JupyterLab, a file reaches the kernel in one websocket message, which the
# server refuses above 10 MiB (Tornado's default); the course states a lower limit and checks it.
MAX_UPLOAD_MB = 9
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024


def load_file(source: Any, table: str = "services", *, filename: str | None = None,
              progress=None, max_bytes: int | None = MAX_UPLOAD_BYTES) -> LoadResult:
    """Load a trainer's .xlsx or .csv file as the ``table`` ("services" or "cases").

    ``source`` is a path, the file's bytes (an upload widget gives those; pass
    ``filename`` too) or a binary file object. ``progress``, if given, is called with
    a fraction (0 to 1) and a step name as the work goes on. Files above ``max_bytes``
    are refused with a message (``None``: no limit). Never raises, never writes.
    """
    name = filename or (Path(source).name if isinstance(source, (str, os.PathLike)) else "")
    step = progress or (lambda fraction, what="": None)
    try:
        if table not in UPLOAD_TABLES:
            return _fail([Problem("unknown_table", details={"tables": ", ".join(UPLOAD_TABLES)})], table, name)
        data = _read_bytes(source)
        if max_bytes is not None and len(data) > max_bytes:
            return _fail([Problem("too_big", details={
                "size": round(len(data) / 1024 / 1024, 1), "limit": round(max_bytes / 1024 / 1024, 1)})],
                table, name)
        step(0.05, "read")
        # A large file makes millions of small objects (cells) and no reference cycles: the
        # cyclic garbage collector would scan them again and again for nothing.
        collecting = gc.isenabled()
        gc.disable()
        try:
            result = _load_bytes(data, table, name, step)
        finally:
            if collecting:
                gc.enable()
        step(1.0, "done")
        return result
    except Exception as error:  # noqa: BLE001 — the trainer must never see a traceback
        return _fail([Problem("unreadable", details={"reason": _reason(error)})], table, name)


def _reason(error: Exception) -> S.Localised:
    """Why a file could not be read, in the reader's language (the exception's own English
    text only in English)."""
    if isinstance(error, FileNotFoundError):
        return S.localised_message(S.M_PROBLEM, "reason_missing")
    if isinstance(error, PermissionError):
        return S.localised_message(S.M_PROBLEM, "reason_permission")
    text = f"{type(error).__name__}: {error}"[:200]
    return S.Localised(lambda lang: S.M_PROBLEM("reason_other", lang) if lang == "fr"
                       else f"{S.M_PROBLEM('reason_other', lang)}: {text}")


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


_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")


def _decode(data: bytes, kind: str) -> tuple[str, str]:
    """The text and how it was read: "utf-8", "utf-8-invalid" (UTF-8 with some invalid bytes,
    each shown as U+FFFD so that its cell can be named), "cp1252" or "latin-1" (a file with
    no UTF-8 at all). One file, one decoding: never a mix, never silently."""
    if kind == "text-utf16":
        return data.decode("utf-16", errors="replace"), "utf-16"
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if bom or _UTF8_MULTIBYTE.search(body):
        return body.decode("utf-8", errors="replace"), "utf-8-invalid"
    try:
        return body.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return body.decode("latin-1"), "latin-1"


# ----- reading rows

def _csv_separator(text: str) -> str:
    sample_lines = [line for line in text[:200_000].splitlines()[:30] if line.strip()]
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
    return best


def _csv_rows(text: str, sep: str | None = None) -> list[tuple[int, list[str]]]:
    """(spreadsheet row, cells) for every record, blank lines included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep or _csv_separator(text))
    return [(i, row) for i, row in enumerate(reader, start=1)]


# Above this size, a regular CSV (every record as wide as the header) is read by pandas' C
# parser, which is faster and shares the text of repeated cells (a town, a category).
FAST_CSV_CHARS = 1_000_000
HEAD_RECORDS = 60


def _csv_fast(text: str, lookup: dict[str, str]):
    """For a large, regular CSV: (head rows, header index, header score, row numbers of the
    non-blank records below the header, cells by column index); ``None`` when the file is
    irregular (a short or long record) or anything differs, so the record-by-record path,
    which names each irregular row, runs instead."""
    import itertools

    sep = _csv_separator(text)
    head = list(enumerate(itertools.islice(csv.reader(io.StringIO(text, newline=""), delimiter=sep),
                                           HEAD_RECORDS), start=1))
    h_idx, h_score = _find_header(head, lookup)
    if h_score < 2:
        return None
    width = len(head[h_idx][1])
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, header=None, names=range(width), dtype=str,
                            keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c",
                            quotechar='"', doublequote=True, index_col=False)
    except Exception:  # noqa: BLE001 — a record longer than the header: the record-by-record path names it
        return None
    lengths = None
    if (frame[width - 1].to_numpy(dtype=object)[h_idx + 1:] == "").any():
        # a record whose last cell reads empty may be a short record that the parser padded:
        # count the cells of every record to tell
        lengths = [len(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep)]
        if len(frame) != len(lengths) or any(n not in (0, width) for n in lengths[h_idx + 1:]):
            return None
    body = frame.iloc[h_idx + 1:]
    blank = (np.array(lengths[h_idx + 1:], dtype=int) == 0) if lengths is not None else np.zeros(len(body), bool)
    first = body[0].to_numpy(dtype=object)
    for k in np.flatnonzero(~blank):  # a record of empty cells (";;;;") is blank too
        if not first[k].strip() and not "".join(body.iloc[k]).strip():
            blank[k] = True
    keep = ~blank
    numbers = (np.arange(h_idx + 2, h_idx + 2 + len(body)))[keep].tolist()
    columns = {j: body[j].to_numpy(dtype=object)[keep].tolist() for j in range(width)}
    return head, h_idx, h_score, numbers, columns


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


def _xlsx_sheets(data: bytes) -> list[tuple[str, list[tuple[int, list[str]]], dict]]:
    """(title, rows, formulas) per sheet; ``formulas`` maps (row, column index) to the formula of
    each cell that holds a formula but no saved value (a file written by a program, not by Excel)."""
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
        formulas_book = None
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if any(n.startswith("xl/worksheets/") and b"<f" in z.read(n) for n in z.namelist()):
                formulas_book = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=False)
    sheets = []
    for ws in book.worksheets:
        rows = []
        empty_cells: list[tuple[int, int]] = []
        for i, row in enumerate(ws.iter_rows(min_row=1, max_row=ws.max_row, values_only=True), start=1):
            rows.append((i, [_cell_to_text(v) for v in row]))
            if formulas_book is not None:
                empty_cells.extend((i, j) for j, v in enumerate(row) if v is None)
        formulas = {}
        if formulas_book is not None and empty_cells:
            fs = formulas_book[ws.title]
            for i, j in empty_cells:
                value = fs.cell(row=i, column=j + 1).value
                text = getattr(value, "text", value)  # array formulas carry their text
                if isinstance(text, str) and text.startswith("="):
                    formulas[(i, j)] = text
        sheets.append((ws.title, rows, formulas))
    book.close()
    if formulas_book is not None:
        formulas_book.close()
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

def _load_bytes(data: bytes, table: str, name: str, step=lambda fraction, what="": None) -> LoadResult:
    if not data.strip(b" \t\r\n\xef\xbb\xbf\x00"):
        return _fail([Problem("empty_file")], table, name)
    kind = _sniff_kind(data, name)
    if kind == "old_excel":
        return _fail([Problem("old_excel")], table, name)
    if kind not in ("xlsx", "text", "text-utf16"):
        return _fail([Problem("not_a_table", details={
            "kind": S.localised_message(S.M_PROBLEM, f"kind_{kind}")})], table, name)

    lookup = _header_lookup(table)
    formulas: dict = {}
    encoding = "utf-8"
    fast = None
    if kind == "xlsx":
        try:
            sheets = _xlsx_sheets(data)
        except Exception:  # noqa: BLE001 — a damaged workbook, whatever the library says
            return _fail([Problem("damaged_workbook")], table, name)
        scored = [(_find_header(rows, lookup), title, rows, f) for title, rows, f in sheets]
        (h_idx, h_score), _title, rows, formulas = (max(scored, key=lambda t: t[0][1]) if scored
                                                    else ((-1, 0), "", [], {}))
    else:
        text, encoding = _decode(data, kind)
        if not text.strip():
            return _fail([Problem("empty_file")], table, name)
        fast = _csv_fast(text, lookup) if len(text) > FAST_CSV_CHARS and encoding != "utf-8-invalid" else None
        if fast is not None:
            rows, h_idx, h_score, fast_numbers, fast_columns = fast
        else:
            rows = _csv_rows(text)
            h_idx, h_score = _find_header(rows, lookup)
    step(0.25, "parsed")

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
    if fast is not None:
        body = [(r, []) for r in fast_numbers]  # the cells are in fast_columns
    else:
        body = [(r, cells) for r, cells in rows[h_idx + 1:] if cells and (cells[0].strip() or "".join(cells).strip())]
    collector = S._Collector(table)
    if encoding in ("cp1252", "latin-1"):
        collector.add(Problem(f"encoding_{encoding.replace('-', '')}", severity="warning"))

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
    used_width = width - _trailing_empty(header_cells)
    field_of_column = {j: f for f, j in columns.items()}
    row_numbers = [r for r, _ in body]
    skip: set[tuple[int, str]] = set()
    lengths = [width] * len(body) if fast is not None else [len(cells) for _, cells in body]
    for i in [i for i, n in enumerate(lengths) if n != width]:
        r, cells = body[i]
        if any(c.strip() for c in cells[width:]):
            collector.add(Problem("ragged_row", r, None, None, details={
                "found": len(cells) - _trailing_empty(cells), "expected": width}))
            skip.update((i, f) for f in columns)  # shifted cells: their own errors would be noise
        elif kind != "xlsx" and len(cells) < used_width:
            # a CSV row cut short (a spreadsheet writes every separator, even for empty cells)
            collector.add(Problem("short_row", r, None, None, details={
                "found": len(cells), "expected": used_width}))
            skip.update((i, f) for f, j in columns.items() if j >= len(cells))
    if fast is not None:
        cells_by_field = {f: fast_columns[j] for f, j in columns.items()}
    else:
        padded = [cells for _, cells in body] if min(lengths) >= width else [
            cells if len(cells) >= width else cells + [""] * (width - len(cells)) for _, cells in body]
        transposed = list(zip(*padded)) if padded else [()] * width
        cells_by_field = {f: list(transposed[j]) for f, j in columns.items()}
        del padded, transposed
    if encoding == "utf-8-invalid":
        _report_invalid_bytes(body, field_of_column, header_cells, skip, collector)
    if formulas:
        position = {r: i for i, r in enumerate(row_numbers)}
        for (r, j), formula in sorted(formulas.items()):
            if r in position and j in field_of_column:
                collector.add(Problem("formula_no_value", r, header_cells[j].strip(), None,
                                      details={"formula": formula}))
                skip.add((position[r], field_of_column[j]))
    text = cells_by_field  # columns of cells, by field
    specs = [s for s in S.TABLES[table] if s.name in columns]
    step(0.35, "columns")
    canonical = S.check_columns(text, specs, table, collector, lenient=True, row_numbers=row_numbers,
                                headers=headers, skip=skip)
    step(0.7, "checked")
    failed = {(p.row, p.column) for p in collector.problems if p.severity == "error"}
    failed |= {(row_numbers[i], headers.get(f, f)) for i, f in skip}
    canonical = canonical.reindex(columns=[s.name for s in S.TABLES[table]], fill_value="")
    _fill_defaults(canonical, table, columns)
    _fill_places(canonical, columns, headers, row_numbers, collector, failed)
    step(0.85, "places")
    S.check_rules(canonical, table, collector, row_numbers, headers)
    _check_personal_data(canonical, columns, headers, row_numbers, collector)
    problems = collector.finish()
    problems.sort(key=lambda p: (p.row is not None, p.row or 0))
    ok = not any(p.severity == "error" for p in problems)
    if not ok:
        return LoadResult(False, None, problems, table, name, row_numbers)
    frame = coerce(canonical, S.TABLES[table])
    return LoadResult(True, frame, problems, table, name, row_numbers)


def _report_invalid_bytes(body, field_of_column: dict[int, str], header_cells: list[str], skip: set,
                          collector) -> None:
    """Name each cell whose bytes were not valid UTF-8 (decoded as U+FFFD), the rest of the file
    being UTF-8: an error in a column the course uses, a note in one it ignores."""
    for i, (r, cells) in enumerate(body):
        for j, cell in enumerate(cells):
            if "\ufffd" not in cell:
                continue
            column = header_cells[j].strip() if j < len(header_cells) and header_cells[j].strip() else None
            used = j in field_of_column
            collector.add(Problem("invalid_bytes", r, column, None, severity="error" if used else "warning"))
            if used:
                skip.add((i, field_of_column[j]))


def _check_personal_data(canonical: pd.DataFrame, columns: dict[str, int], headers: dict[str, str],
                         row_numbers: list[int], collector) -> None:
    """Warn (once per column, with the rows) about e-mail addresses and phone numbers that look
    real: the course takes synthetic data only."""
    for field_name, code, looks_real in (("email", "personal_email", S.looks_real_email),
                                         ("phone", "personal_phone", S.looks_real_phone)):
        if field_name not in columns or field_name not in canonical:
            continue
        values = canonical[field_name]
        uniques = {v: looks_real(v) for v in values.unique() if v}
        if not any(uniques.values()):
            continue
        hits = [row_numbers[i] for i, v in enumerate(values) if v and uniques[v]]
        shown = ", ".join(str(r) for r in hits[:8]) + (" …" if len(hits) > 8 else "")
        collector.add(Problem(code, None, headers[field_name], None, severity="warning", details={
            "count": len(hits),
            "rows": S.Localised(lambda lang, n=len(hits), t=shown: S.M_PROBLEM(
                S.plural_key("rows_list", n, lang), lang, rows=t))}))


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


# words around a region's name that do not name it ("Oriental region", « région de l'Oriental »)
_REGION_FILLER = {"region", "regions", "de", "du", "des", "la", "le", "l", "d", "of", "the", "province", "wilaya"}


def _region_words(text: str) -> list[str]:
    return [w for w in S.normalise_text(text).split() if w not in _REGION_FILLER]


def region_for(text: str) -> tuple[str | None, str]:
    """The region a trainer meant: ``(code, how)`` where ``how`` is "exact" (a code or a
    name), "read" (unambiguous once filler words are set aside, or the only region whose
    name holds every word: accepted with a note), "suggest" (a close spelling, to confirm)
    or "" (nothing close)."""
    from .synth.reference import REGIONS
    lookup = _region_lookup()
    code = lookup.get(text.strip()) or lookup.get(S.normalise_text(text))
    if code:
        return code, "exact"
    words = _region_words(text)
    if not words:
        return None, ""
    code = lookup.get(" ".join(words))
    if code:
        return code, "read"
    holders = {r.region_id for r in REGIONS
               for name in (r.name_fr, r.name_en)
               if set(words) <= set(_region_words(name))}
    if len(holders) == 1:
        return holders.pop(), "read"
    import difflib
    names = {" ".join(_region_words(n)): r.region_id for r in REGIONS for n in (r.name_fr, r.name_en)}
    match = difflib.get_close_matches(" ".join(words), list(names), n=1, cutoff=0.75)
    return (names[match[0]], "suggest") if match else (None, "")


def _region_name(code: str) -> S.Localised:
    from .synth.reference import REGIONS
    region = next(r for r in REGIONS if r.region_id == code)
    return S.Localised(lambda lang: region.name_fr if lang == "fr" else region.name_en)


def _add_capped(collector, key: tuple, rows, make) -> None:
    """Add ``make(i)`` for each i of ``rows``, building only the problems the collector keeps."""
    n = len(rows)
    room = max(collector.cap - collector.counts.get(key, 0), 0)
    for i in rows[:room]:
        collector.add(make(i))
    if n > room:
        collector.counts[key] = collector.counts.get(key, 0) + (n - room)


def _fill_places(canonical: pd.DataFrame, columns: dict[str, int], headers: dict[str, str],
                 row_numbers: list[int], collector, failed: set) -> None:
    """Coordinates from the town when missing; region from its name, the town or the nearest town.

    Whole columns at a time: each distinct town or region is looked up once (a directory of
    200,000 rows has a few hundred towns)."""
    from .synth.geo import haversine_km
    from .synth.reference import REGIONS, TOWNS

    towns = _town_index()
    has_coords = "lat" in columns and "lon" in columns
    if not has_coords and "town" in columns:
        collector.add(Problem("coords_column_from_town", None, None, None, severity="warning"))
    rows = np.asarray(row_numbers)
    lat = canonical["lat"].to_numpy(dtype=object)
    lon = canonical["lon"].to_numpy(dtype=object)
    town = canonical["town"].to_numpy(dtype=object)
    town_of = {v: towns.get(S.normalise_text(v)) for v in pd.unique(town) if v}
    known = np.array([town_of.get(v) is not None for v in town], dtype=bool) if len(town) else np.zeros(0, bool)

    def failed_in(fields) -> np.ndarray:
        bad = np.zeros(len(canonical), dtype=bool)
        names = {headers.get(f, f) for f in fields}
        wanted = {r for r, c in failed if c in names}
        if wanted:
            bad |= np.isin(rows, list(wanted))
        return bad

    missing = ((lat == "") | (lon == "")) & ~failed_in(("lat", "lon", "town"))
    fill = np.flatnonzero(missing & known)
    if fill.size:
        coords = {v: (f"{t.lat:.4f}", f"{t.lon:.4f}") for v, t in town_of.items() if t is not None}
        lat[fill] = [coords[town[i]][0] for i in fill]
        lon[fill] = [coords[town[i]][1] for i in fill]
        canonical["lat"], canonical["lon"] = lat, lon
        if has_coords:
            _add_capped(collector, (headers.get("lat", "lat"), "coords_from_town"), fill,
                        lambda i: Problem("coords_from_town", int(rows[i]), headers.get("lat", "lat"), None,
                                          severity="warning", details={"town": town_of[town[i]].name}))
    unplaced = np.flatnonzero(missing & ~known & (town != ""))
    _add_capped(collector, (headers.get("town", "town"), "missing_coordinates"), unplaced,
                lambda i: Problem("missing_coordinates", int(rows[i]), headers.get("town", "town"), None,
                                  details={"town": town[i]}))

    allowed = tuple(r.region_id for r in REGIONS)
    region_names = {r.region_id: r for r in REGIONS}
    allowed_text = S.Localised(lambda lang: ", ".join(
        f"{c} ({region_names[c].name_fr if lang == 'fr' else region_names[c].name_en})" for c in allowed))
    if "region_id" not in columns:
        collector.add(Problem("region_column_inferred", None, None, None, severity="warning"))
    column = headers.get("region_id", "region_id")
    raw = canonical["region_id"].to_numpy(dtype=object)
    out = raw.copy()
    for value in pd.unique(raw):
        if value == "":
            continue
        where = np.flatnonzero(raw == value)
        code, how = region_for(value)
        if how in ("exact", "read"):
            out[where] = code
            if how == "read":
                _add_capped(collector, (column, "region_read_as"), where,
                            lambda i, v=value, c=code: Problem("region_read_as", int(rows[i]), column, v,
                                                               severity="warning",
                                                               details={"region": _region_name(c), "code": c}))
            continue
        out[where] = ""
        if how == "suggest":
            suggestion = S.Localised(lambda lang, c=code: (
                f"«\u00a0{region_names[c].name_fr}\u00a0» ({c})" if lang == "fr"
                else f"“{region_names[c].name_en}” ({c})"))
            _add_capped(collector, (column, "unknown_category_suggest"), where,
                        lambda i, v=value, sg=suggestion: Problem(
                            "unknown_category_suggest", int(rows[i]), column, v,
                            details={"allowed": allowed_text, "suggestion": sg}))
        else:
            _add_capped(collector, (column, "unknown_category"), where,
                        lambda i, v=value: Problem("unknown_category", int(rows[i]), column, v,
                                                   details={"allowed": allowed_text}))

    empty = np.flatnonzero(raw == "")
    if empty.size:
        from_town = np.array([town_of[town[i]].region_id if town_of.get(town[i]) is not None else ""
                              for i in empty], dtype=object)
        out[empty] = from_town
        rest = empty[from_town == ""]
        placed = rest[(lat[rest] != "") & (lon[rest] != "")] if rest.size else rest
        if placed.size:
            t_lat = np.array([t.lat for t in TOWNS])
            t_lon = np.array([t.lon for t in TOWNS])
            p_lat = lat[placed].astype(float)[:, None]
            p_lon = lon[placed].astype(float)[:, None]
            d = haversine_km(p_lat, p_lon, t_lat[None, :], t_lon[None, :])
            nearest = d.argmin(axis=1)
            close = d[np.arange(len(placed)), nearest] < 150
            out[placed[close]] = [TOWNS[k].region_id for k in nearest[close]]
        if "region_id" in columns:
            inferred = empty[out[empty] != ""]
            _add_capped(collector, (column, "region_inferred"), inferred,
                        lambda i: Problem("region_inferred", int(rows[i]), headers["region_id"], None,
                                          severity="warning", details={"region": _region_name(out[i])}))
    canonical["region_id"] = out
