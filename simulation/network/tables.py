"""Stage 0 of reading a file network: delimited text tables, and the errors about data files.

Every later stage (`edge_table`, `graph_formats`, `node_table`, `ties`) works on a `Table`: rows of
text cells with their line numbers, and column names when the file has a header. This module reads
one (CSV, TSV or whitespace-separated, optional header, comment lines), finds columns by name or
number, and parses numbers; its errors name the data file, the line or column, the scenario key
and what is allowed. A file that is not a text table is refused before any of it is used: binary
(NUL bytes), not UTF-8, lines with different numbers of cells, a cell longer than `MAX_CELL` or
holding a control character. A message shows at most `SHOWN_CHARACTERS` of a cell. Stdlib only.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulation.errors import DataFileError, MissingDataError

SHOWN = 5  # ids shown in an error about unknown or duplicate nodes
SHOWN_CHARACTERS = 40  # at most this much of one cell in a message (a file's content never floods one)
MAX_CELL = 256  # characters in one cell: ids, labels and numbers are short; a longer cell is not a table's
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # C0 controls and DEL (tab and line breaks split cells)
INTEGER_RE = re.compile(r"[+-]?\d+")
NUMBER_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
HEADER_WORDS = {
    "source",
    "target",
    "from",
    "to",
    "node1",
    "node2",
    "id",
    "id1",
    "id2",
    "node",
    "nodeid",
    "ego",
    "alter",
    "sender",
    "receiver",
    "u",
    "v",
    "i",
    "j",
    "name",
    "src",
    "dst",
}


class NetworkFileError(DataFileError):
    """A network or node file that cannot be used as the scenario says (message names file and key)."""


class MissingDataFileError(NetworkFileError, MissingDataError):
    """A data file named by the scenario does not exist (`path` says which)."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message, str(path))
        self.path = path


@dataclass
class Table:
    """Rows of text cells read from a file, with column names when it has a header."""

    path: Path
    header: list[str] | None
    rows: list[list[str]]
    lines: list[int]  # line number of each row in the file (1-based), for messages

    def describe_columns(self) -> str:
        if self.header:
            names = [shown(c) for c in self.header[:12]]
            return "its columns are " + ", ".join(names) + (" ..." if len(self.header) > 12 else "")
        width = max((len(r) for r in self.rows), default=0)
        return f"it has no header and {width} column{'s' if width != 1 else ''} (give column numbers 1-{width}, or header = true)"


def exists(path: Path) -> bool:
    """`path.exists()`, False for a path the system cannot even look up (too long, NUL)."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def is_number(text: str) -> bool:
    """Whether `text` reads as a decimal number (integer, fraction or exponent form)."""
    return bool(NUMBER_RE.match(text.strip()))


def text_of(value: Any) -> str:
    """A cell's text: '' for None, integral floats without '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text_number(text: str) -> str:
    """Labels (layers) compare as text, with '1.0' and '1' the same."""
    text = text.strip()
    if is_number(text) and float(text).is_integer():
        return str(int(float(text)))
    return text


def shown(text: str) -> str:
    """`text` quoted for a message, cut to `SHOWN_CHARACTERS` characters."""
    return repr(text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "...")


def some_of(ids: list[str]) -> str:
    """The first `SHOWN` of `ids`, comma-separated (each cut to `SHOWN_CHARACTERS`), ' ...' when there are more."""
    cut = [i if len(i) <= SHOWN_CHARACTERS else i[:SHOWN_CHARACTERS] + "..." for i in ids[:SHOWN]]
    return f"{', '.join(cut)}{' ...' if len(ids) > SHOWN else ''}"


def natural_order(ids: list[str]) -> list[str]:
    """`ids` sorted, numerically when all are integers."""
    if all(map(INTEGER_RE.fullmatch, ids)):
        return sorted(ids, key=int)
    return sorted(ids)


def split_on(path: Path, delimiter: str) -> str | None:
    """The delimiter to split on: None = runs of whitespace."""
    if delimiter == "auto":
        suffix = path.suffix.lower()
        return "," if suffix == ".csv" else "\t" if suffix in (".tsv", ".tab") else None
    if delimiter == "whitespace":
        return None
    return {"\\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";"}.get(delimiter, delimiter)


def read_lines(path: Path, key: str, expected: str | None = None) -> list[str]:
    """The text lines of `path`; a missing, binary or non-UTF-8 file is an error (`expected`: what it should be)."""
    expected = expected or EXPECTED[key]
    if not exists(path):
        raise MissingDataFileError(f"key '{key}': file not found: {path}", path)
    if not path.is_file():
        raise NetworkFileError(f"key '{key}': not a file: {path}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NetworkFileError(f"key '{key}': cannot read {path} ({exc.strerror})") from None
    if b"\x00" in raw:
        raise NetworkFileError(
            f"key '{key}': {path} is a binary file (it holds NUL bytes), not a text table; expected {expected}"
        )
    try:
        return raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise NetworkFileError(
            f"key '{key}': {path}, line {line} is not UTF-8 text (byte {exc.start}); expected {expected} saved as UTF-8"
        ) from None


# What each kind of table is, for messages about a file that is not one.
EXPECTED = {
    "network.edges": "an edge list: one tie per line, two clinician ids (network.source, network.target) and "
    "the same number of cells on every line",
    "network.nodes.file": "a node table: one clinician per line, the same number of cells on every line",
}


def read_table(
    path: Path, key: str, delimiter: str, header: bool | str, named: bool, comment: str, id_columns: list[int]
) -> Table:
    """Cells of a delimited text file (or an .xlsx sheet, `xlsx_table`); `header` True/False/"auto" (`has_header`).

    `named`: the scenario names some column (so an "auto" header is there unless the first row is
    all numbers); `id_columns`: 0-based columns of node ids, for recognising a header row.
    """
    if path.suffix.lower() == ".xlsx":
        from simulation.network.xlsx_table import read_xlsx_table

        return read_xlsx_table(path, key, header, named, id_columns)
    lines = read_lines(path, key)
    sep = split_on(path, delimiter)
    rows, numbers = [], []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or (comment and stripped.startswith(comment)):
            continue
        if sep is None:
            cells = stripped.split()
        else:
            cells = next(csv.reader([line], delimiter=sep, skipinitialspace=True))
        rows.append([c.strip() for c in cells])
        numbers.append(number)
        check_cells(path, key, number, rows[-1], rows[0], numbers[0])
    header = has_header(rows[:2], header, named, id_columns)
    head = rows.pop(0) if header and rows else None
    if header:
        numbers = numbers[1:]
    return Table(path, head, rows, numbers)


def check_cells(
    path: Path, key: str, line: int, cells: list[str], first: list[str], first_line: int, expected: str | None = None
) -> None:
    """A table's line: as many cells as its first line, none too long or holding control characters
    (`expected`: what the file should be, for the message; default by `key`)."""
    expected = expected or EXPECTED.get(key, "a text table")
    if len(cells) != len(first):
        raise NetworkFileError(
            f"key '{key}': {path}, line {line} has {len(cells)} cell{'s' if len(cells) != 1 else ''} but line "
            f"{first_line} has {len(first)}; expected {expected}"
        )
    for cell in cells:
        if len(cell) > MAX_CELL:
            raise NetworkFileError(
                f"key '{key}': {path}, line {line}: a cell of {len(cell):,} characters ({shown(cell)}); ids, "
                f"labels and numbers are at most {MAX_CELL}; expected {expected}"
            )
        control = CONTROL_RE.search(cell)
        if control:
            raise NetworkFileError(
                f"key '{key}': {path}, line {line}: a control character (U+{ord(control.group()):04X}) in a cell; "
                f"expected {expected} as plain text"
            )


def has_header(first_rows: list[list[str]], header: bool | str, named: bool, id_columns: list[int]) -> bool:
    """Whether the table's first row is its header: `header` True/False, or for "auto" decided from the
    first two rows (`named`, `id_columns`: see `read_table`)."""
    if header != "auto":
        return bool(header)
    numeric_first = bool(first_rows) and all(is_number(c) for c in first_rows[0])
    return (named and not numeric_first) or _looks_like_header(first_rows, id_columns)


def _looks_like_header(rows: list[list[str]], id_columns: list[int]) -> bool:
    """A header: the first row's id cells are usual column names (source, target, from, to, id, ...),
    or they are words while the next row's are numbers."""
    if rows and id_columns and all(c < len(rows[0]) and rows[0][c].strip().lower() in HEADER_WORDS for c in id_columns):
        return True
    if len(rows) < 2:
        return False
    first, second = rows[0], rows[1]
    cells = [(first[c], second[c]) for c in id_columns if c < len(first) and c < len(second)]
    return bool(cells) and all(not is_number(a) and is_number(b) for a, b in cells)


def column_index(table: Table, spec: str | int, key: str) -> int:
    """0-based index of the column `spec` (a header name, or a 1-based number) of `table`."""
    if isinstance(spec, int):
        width = max((len(r) for r in table.rows), default=len(table.header or []))
        if not 1 <= spec <= max(width, 1):
            raise NetworkFileError(
                f"key '{key}' = {spec}: {table.path} has no column {spec}; {table.describe_columns()}"
            )
        return spec - 1
    if table.header is None:
        raise NetworkFileError(
            f"key '{key}' = \"{spec}\": {table.path} has no header row, so columns are numbers; "
            f"{table.describe_columns()}"
        )
    if spec in table.header:
        return table.header.index(spec)
    lowered = [c.lower() for c in table.header]
    if spec.lower() in lowered:
        return lowered.index(spec.lower())
    raise NetworkFileError(f"key '{key}' = \"{spec}\": no such column in {table.path}; {table.describe_columns()}")


def cells(table: Table, index: int, key: str) -> list[str]:
    """Every row's cell in column `index` (0-based); a row too short for it is an error."""
    out = []
    for row, line in zip(table.rows, table.lines, strict=True):
        if index >= len(row):
            raise NetworkFileError(
                f"key '{key}': {table.path}, line {line} has {len(row)} cells, no column {index + 1}"
            )
        out.append(row[index])
    return out


def column(table: Table, spec: str | int, key: str) -> list[str]:
    """The cells of the column `spec` (name or 1-based number), the scenario key `key` naming it."""
    return cells(table, column_index(table, spec, key), key)


def number(text: str, path: Path, line: int | str, key: str, what: str) -> float:
    """`text` as a float (not NaN); otherwise an error naming the file, line and key and `what` it is."""
    try:
        value = float(text)
    except ValueError:
        raise NetworkFileError(f"key '{key}': {path}, line {line}: {shown(text)} is not a number ({what})") from None
    if math.isnan(value):
        raise NetworkFileError(f"key '{key}': {path}, line {line}: {shown(text)} is not a number ({what})")
    return value
