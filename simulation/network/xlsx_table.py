"""A node table or staff roster saved from Excel (`.xlsx`), read as a `tables.Table`.

The first sheet is the table: one clinician per row, the same columns as the CSV node table
(`[network.nodes]`: id, department, role, seniority, attitude, mode, adoption, ...), the first row
the header when `header` says so ("auto": as for text tables, `tables.has_header`). A cell's text is
what the sheet shows as its value: numbers without a trailing ".0", dates as ISO dates, an empty
cell "". Rows with no value in any cell are skipped, like blank lines. "Line" in a message is the
sheet's row number. Formulas give their last computed value (as Excel saved it). openpyxl reads
the file; it is imported only when one is read. An `.xlsx` edge list is read the same way.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from simulation.network.tables import (
    EXPECTED,
    MissingDataFileError,
    NetworkFileError,
    Table,
    check_cells,
    exists,
    has_header,
    text_of,
)


def read_xlsx_table(path: Path, key: str, header: bool | str, named: bool, id_columns: list[int]) -> Table:
    """The first sheet of the workbook `path` as a table (see the module docstring)."""
    if not exists(path):
        raise MissingDataFileError(f"key '{key}': file not found: {path}", path)
    if not path.is_file():
        raise NetworkFileError(f"key '{key}': not a file: {path}")
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure to open is bad input
        reason = str(exc) if len(str(exc)) <= 80 else str(exc)[:80] + "..."
        raise NetworkFileError(
            f"key '{key}': cannot read {path} as an Excel workbook (.xlsx: {reason}); expected {EXPECTED[key]}"
        ) from None
    try:
        rows, lines = _sheet_rows(workbook.worksheets[0]) if workbook.worksheets else ([], [])
    finally:
        workbook.close()
    width = max((len(r) for r in rows), default=0)
    rows = [r + [""] * (width - len(r)) for r in rows]
    for row, line in zip(rows, lines, strict=True):
        check_cells(path, key, line, row, row, line)
    head = None
    if has_header(rows[:2], header, named, id_columns) and rows:
        head, rows, lines = rows[0], rows[1:], lines[1:]
    return Table(path, head, rows, lines)


def _sheet_rows(sheet: Any) -> tuple[list[list[str]], list[int]]:
    """The sheet's non-empty rows as text cells (trailing empty cells dropped) and their row numbers."""
    rows, lines = [], []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_text(v) for v in values]
        while cells and cells[-1] == "":
            cells.pop()
        if cells:
            rows.append(cells)
            lines.append(number)
    return rows, lines


def _text(value: Any) -> str:
    """A cell's value as text: integral numbers without ".0", dates ISO, text stripped."""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return text_of(value).strip()
