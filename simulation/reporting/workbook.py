"""results.xlsx: the tables of a run folder as one Excel workbook, for planners who work in spreadsheets.

`write_workbook(folder)` reads back every CSV file of the folder (whatever files the run wrote, in
the order of `SHEET_ORDER`, then alphabetically; a table written as Parquet only is read as the CSV
file would hold it: `results.table_files.table_text`) and writes `folder/results.xlsx` with openpyxl:

- "About": what the run was (scenarios.csv: each scenario, its role, description, interventions,
  replications, weeks, seed and whether it is compared with the baseline; manifest.json's common
  random numbers and code version when it is already there), how to read the sheets, and which files
  were left out (steps.csv above `STEPS_ROW_LIMIT` rows);
- one sheet per CSV file, named after the file (its stem, at most 31 characters, Excel's limit): the
  header bold and frozen, an autofilter over the table, column widths from the contents, shares of
  clinicians (outcomes of format 'pct', probabilities, and in the long tables comparison.csv,
  uncertainty.csv and effects.csv the values of rows about a share) shown as percents, counts and
  clinician-hours with thousands separators;
- "Columns": file, column, meaning and unit of every column (`simulation.results.columns`).

Every number is the CSV's cell parsed as a number (integers as integers, the 10 significant digits
as written; empty cells stay empty, true/false stay text; a text cell that starts like a formula,
`=`, `+`, `-`, `@`, a tab or a carriage return, gets a leading apostrophe as in the CSV files, and
every text cell is of type text, never a formula), so the workbook holds exactly the values of
the files beside it; the formats change how a value looks, not the value (a share 0.235 shows as
23.5 %). Written by `run_report.write_run_report`, so `--no-report` skips it. The sheets are written
in openpyxl's write-only mode (rows streamed to the file; about 80,000 cells a second on this machine,
so a steps.csv of 4,200 rows x 25 columns costs about 1.3 s).
"""

from __future__ import annotations

import io
import json
import math
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from simulation.outcomes import outcome
from simulation.results.columns import OF_OUTCOME, SHARE, describe
from simulation.results.table_files import has_table, table_columns, table_names, table_rows, table_text
from simulation.results.tables import defused_text, restored_text

WORKBOOK = "results.xlsx"
# steps.csv (one row per scenario, replication and week) is left out above this many rows: openpyxl
# writes about 80,000 cells a second here, so the main job's 4,200 rows x 25 columns take 1.3 s and
# 200,000 rows a minute, which every report would wait for; the CSV file beside the workbook holds it.
STEPS_ROW_LIMIT = 10_000
CLINICIANS_ROW_LIMIT = 10_000  # clinicians.csv (simulation/results/clinicians.py), as steps.csv
# Sheets in this order (a planner's tables first), then any other CSV alphabetically.
SHEET_ORDER = (
    "scenarios.csv",
    "comparison.csv",
    "uncertainty.csv",
    "targets.csv",
    "groups.csv",
    "hospitals.csv",
    "effects.csv",
    "drivers.csv",
    "unknowns.csv",
    "worlds.csv",
    "replications.csv",
    "network.csv",
    "steps.csv",
)
# What each file holds (the "About" sheet); a file not listed is named without a description.
FILE_NOTES = {
    "scenarios.csv": "the scenarios of the run: role, interventions, replications, seed, cost",
    "comparison.csv": "each plan against the baseline: mean difference with its 95 % interval, cost, per 100 hours",
    "uncertainty.csv": "levels and differences with two ranges: chance alone, and with what we do not know",
    "targets.csv": "the probability of reaching each target by its deadline, and when it was reached",
    "groups.csv": "every department and role at the end: clinicians, shares, clinician-hours, plans' differences",
    "hospitals.csv": "the same plan in different hospitals: its effect in each",
    "effects.csv": "each plan's paired difference from the baseline week by week",
    "drivers.csv": "which unknowns move each answer most (rank correlation across parameter worlds)",
    "unknowns.csv": "the ranges of what we do not know, with their reasons",
    "worlds.csv": "each parameter world's draw of every unknown",
    "replications.csv": "one row per scenario and replication: final outcomes and totals",
    "network.csv": "statistics of each scenario's network",
    "diagnostics.csv": "network dependence at the end of replication 0: Moran's I, adoption clustering, Rogers categories",
    "steps.csv": "one row per scenario, replication and week: every outcome",
    "clinicians.csv": "one row per clinician at the end (replication 0 of each scenario): mode, attitude, reputation, adoption step",
}
RESERVED = ("About", "Columns")
PERCENT, COUNT, DECIMAL_COUNT = "0.0%", "#,##0", "#,##0.00"
# Units of the column dictionary shown with thousands separators.
COUNT_UNITS = ("runs", "clinicians", "clinician-hours", "clinicians per week", "errors per run", "incidents per run")
# Long tables whose value columns (unit OF_OUTCOME) take the unit of the row's outcome (this column).
OUTCOME_KEY = {
    "comparison.csv": "outcome",
    "uncertainty.csv": "outcome",
    "effects.csv": "outcome",
    "hospitals.csv": "outcome",
    "targets.csv": "metric",
}
_BAD_SHEET_CHARACTERS = re.compile(r"[\[\]:*?/\\]")
_INTEGER = re.compile(r"^[+-]?\d+$")
MAX_WIDTH, MIN_WIDTH, WIDTH_SAMPLE = 60, 8, 2_000


def parse_cell(text: str) -> int | float | str | None:
    """A CSV cell as the workbook holds it: '' -> None, an integer -> int, a finite number -> float,
    anything else (true/false, names, inf) -> the text."""
    if text == "":
        return None
    if _INTEGER.match(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) and text.strip().lower() not in ("nan", "inf", "-inf") else text


def sheet_names(files: Sequence[Path]) -> dict[Path, str]:
    """Each file's sheet name: its stem without the characters Excel refuses, at most 31 characters,
    unique (case-insensitively, as Excel compares them) and not one of `RESERVED`."""
    taken = {name.lower() for name in RESERVED}
    names = {}
    for path in files:
        base = _BAD_SHEET_CHARACTERS.sub("_", path.stem).strip("'") or "sheet"
        name, n = base[:31], 1
        while name.lower() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: 31 - len(suffix)] + suffix
        taken.add(name.lower())
        names[path] = name
    return names


def ordered_csvs(folder: Path) -> list[Path]:
    """The tables of a run folder as their CSV file names (`<name>.csv`, also for a table written as
    Parquet only: `results.table_files`), in `SHEET_ORDER`, then the others alphabetically."""
    files = [folder / f"{name}.csv" for name in table_names(folder)]
    rank = {name: i for i, name in enumerate(SHEET_ORDER)}
    return sorted(files, key=lambda p: (rank.get(p.name, len(SHEET_ORDER)), p.name))


def _is_share_outcome(name: str) -> bool:
    try:
        return outcome(name).is_share
    except KeyError:
        return False


def _is_count_outcome(name: str) -> bool:
    try:
        return outcome(name).fmt == "count"
    except KeyError:
        return False


@dataclass
class _ColumnFormat:
    """How one column's numbers look: a fixed format, or per row from the row's outcome."""

    fixed: str | None = None
    by_outcome: bool = False  # percent in rows about a share, else `fixed`


def column_formats(file: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[_ColumnFormat]:
    """The number format of each column of `file` (see the module docstring)."""
    formats = []
    for index, column in enumerate(header):
        entry = describe(file, column)
        if _is_share_outcome(column) or entry.unit == SHARE or column.endswith("_share"):
            formats.append(_ColumnFormat(PERCENT))
        elif entry.unit == OF_OUTCOME and file in OUTCOME_KEY:
            formats.append(_ColumnFormat(None, by_outcome=True))
        elif entry.unit in COUNT_UNITS or _is_count_outcome(column):
            cells = (row[index] for row in rows if index < len(row) and row[index])
            integral = all(_INTEGER.match(c) for c in cells)
            formats.append(_ColumnFormat(COUNT if integral else DECIMAL_COUNT))
        else:
            formats.append(_ColumnFormat())
    return formats


def _width(header: str, rows: Sequence[Sequence[str]], index: int) -> float:
    longest = max([len(header)] + [len(r[index]) for r in rows[:WIDTH_SAMPLE] if index < len(r)])
    return float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2)))


def _text(value: str) -> str:
    """A text cell's value: without the characters XML refuses, at most Excel's 32,767 characters, and
    with a leading apostrophe when it starts like a formula, as in the CSV files (their cells are
    already so: `restored_text` then `defused_text` leaves them as they are, and defuses any other CSV
    of the folder). The cell's type is text as well (`data_type` "s"), so a spreadsheet shows it and
    never evaluates it. A non-finite number written as text ('-inf') is left as it is."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value[:1] in ("-", "+") and value[1:].strip().lower() in ("inf", "infinity", "nan"):
        return value
    return defused_text(restored_text(value))[:32_767]  # Excel's cell limit


def _cell(sheet: WriteOnlyWorksheet, value: object, number_format: str | None = None, bold: bool = False):
    cell = WriteOnlyCell(sheet, value=_text(value) if isinstance(value, str) else value)
    if isinstance(value, str):
        cell.data_type = "s"  # text, never a formula (a cell starting with '=')
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def _header_row(sheet: WriteOnlyWorksheet, header: Sequence[str]) -> list:
    return [_cell(sheet, name, bold=True) for name in header]


def _data_rows(
    sheet: WriteOnlyWorksheet, file: str, header: Sequence[str], rows: Sequence[Sequence[str]]
) -> Iterator[list]:
    """Rows of cells. One cell object per column (two for a column formatted by the row's outcome: a
    percent one and a plain one), reused: a write-only row is written when appended. A cell's format is
    never changed after creation (openpyxl keeps the style object itself, so a change would restyle
    every cell written with it)."""
    formats = column_formats(file, header, rows)
    plain = [_cell(sheet, None, f.fixed) for f in formats]
    percent = [_cell(sheet, None, PERCENT) if f.by_outcome else cell for f, cell in zip(formats, plain)]
    key = header.index(OUTCOME_KEY[file]) if file in OUTCOME_KEY and OUTCOME_KEY[file] in header else None
    shares: dict[str, bool] = {}
    for row in rows:
        share = False
        if key is not None and key < len(row):
            share = shares.setdefault(row[key], _is_share_outcome(row[key]))
        cells = percent if share else plain
        for index, cell in enumerate(cells):
            value = parse_cell(row[index]) if index < len(row) else None
            cell.value = _text(value) if isinstance(value, str) else value
            cell.data_type = "s" if isinstance(value, str) else "n"
        yield cells


def _table_sheet(book: Workbook, title: str, file: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    sheet = book.create_sheet(title)
    for index, column in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(column, rows, index - 1)
    sheet.freeze_panes = "A2"
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    sheet.append(_header_row(sheet, header))
    for cells in _data_rows(sheet, file, header, rows):
        sheet.append(cells)


def _manifest(folder: Path) -> dict:
    path = folder / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return {}


def _about_sheet(
    book: Workbook,
    folder: Path,
    sheets: dict[Path, str],
    left_out: Sequence[tuple[str, int]],
) -> None:
    sheet = book.create_sheet("About", 0)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 100
    wrap = Alignment(wrap_text=True, vertical="top")

    def line(label: str = "", text: object = None, bold: bool = False) -> None:
        first = _cell(sheet, label, bold=True)
        second = _cell(sheet, text, bold=bold)
        second.alignment = wrap
        sheet.append([first, second])

    line("Clinical AI skepticism: the tables of one run", None)
    # No folder name: the report is written into a temporary folder renamed when complete, and equal
    # tables give equal bytes wherever they are written.
    line(
        "How to read",
        "Each sheet after this one is one CSV file of the run folder, with the same name and the same "
        "numbers (read from the file, not rounded). Shares of clinicians and probabilities are held as "
        "fractions 0-1 and shown as percents; a difference of two shares shown as a percent is in "
        "percentage points. The sheet 'Columns' says what every column means and its unit; "
        "docs/SCENARIOS.md (section 4) describes the files.",
    )
    manifest = _manifest(folder)
    if "common_random_numbers" in manifest:
        paired = manifest["common_random_numbers"]
        line(
            "Random numbers", "common: replication k of every scenario uses the same seed" if paired else "independent"
        )
    commit = (manifest.get("git") or {}).get("commit")
    if commit:
        line("Code version", f"git commit {commit}")
    line()
    if has_table(folder, "scenarios"):
        header, rows = table_text(folder, "scenarios")
        line("Scenarios", f"{len(rows)} (from scenarios.csv)", bold=True)
        for row in rows:
            values = {key: restored_text(value) for key, value in zip(header, row)}  # joined below, defused whole
            parts = [values.get("role", "")]
            if values.get("description"):
                parts.append(values["description"])
            if values.get("interventions"):
                parts.append(f"interventions: {values['interventions']}")
            parts.append(
                f"{values.get('replications', '')} replications, {values.get('steps', '')} weeks, "
                f"seed {values.get('seed', '')}"
            )
            if values.get("comparable") == "false":
                parts.append("another hospital than the baseline's: not compared")
            line(values.get("scenario", ""), " · ".join(p for p in parts if p))
        line()
    line("Sheets", None, bold=True)
    for path, name in sheets.items():
        note = FILE_NOTES.get(path.name, "")
        line(name, f"{path.name}" + (f": {note}" if note else ""))
    line("Columns", "every column of every file: meaning and unit")
    for name, rows_count in left_out:
        line(
            "Left out",
            f"{name} has {rows_count:,} rows, more than {_row_limit(name):,}: it is not in this workbook "
            f"(too slow to write and open); open {name} itself.",
        )


def _row_limit(name: str) -> int:
    """Rows above which steps.csv or clinicians.csv (one row per clinician) is left out of the workbook."""
    return STEPS_ROW_LIMIT if name == "steps.csv" else CLINICIANS_ROW_LIMIT


def _columns_sheet(book: Workbook, headers: dict[str, list[str]]) -> None:
    sheet = book.create_sheet("Columns")
    for letter, width in zip("ABCD", (18, 28, 90, 32)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    rows = []
    for file, columns in headers.items():
        for column in columns:
            entry = describe(file, column)
            rows.append((file, column, entry.meaning, entry.unit))
    sheet.auto_filter.ref = f"A1:D{len(rows) + 1}"
    sheet.append(_header_row(sheet, ["file", "column", "meaning", "unit"]))
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])


def write_workbook(folder: Path | str, path: Path | None = None) -> Path:
    """Write `folder/results.xlsx` (or `path`) from the CSV files of run `folder`; return its path."""
    folder = Path(folder)
    path = Path(path) if path is not None else folder / WORKBOOK
    files = ordered_csvs(folder)
    left_out = []
    kept = []
    for file in files:
        lines = table_rows(folder, file.name) if file.name in ("steps.csv", "clinicians.csv") else 0
        if lines > _row_limit(file.name):
            left_out.append((file.name, lines))
        else:
            kept.append(file)
    names = sheet_names(kept)
    book = Workbook(write_only=True)
    headers: dict[str, list[str]] = {}
    for file in kept:
        header, rows = table_text(folder, file.name)
        headers[file.name] = header
        _table_sheet(book, names[file], file.name, header, rows)
    for name, _ in left_out:
        headers[name] = table_columns(folder, name)
    _about_sheet(book, folder, names, left_out)
    _columns_sheet(book, headers)
    book.properties.created = book.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(_without_timestamps(buffer.getvalue()))
    return path


# The workbook's document times and its zip entries' times: fixed, so that the same tables give the
# same bytes (a resumed run equals an uninterrupted one, results.xlsx included).
FIXED_TIME = datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _without_timestamps(data: bytes) -> bytes:
    """The xlsx (a zip) `data` with every entry's time set to `_ZIP_TIME`, in the same order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps `modified` with the time of saving
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", content)
            target.writestr(entry, content)
    return out.getvalue()
