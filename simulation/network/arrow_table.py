"""Big edge lists parsed with pyarrow.csv: the same table as `tables.read_table`, about 20x faster.

`read_coded` gives the columns of a delimited text file as `columns.Coded` (pyarrow reads each
column straight into a dictionary of distinct texts; the plain reader's rules then run on those
texts in Python: `str.strip`, the header guess `tables.has_header`, the column lookup
`tables.column_index`). It answers only for a file it reads exactly as the plain reader would, and
returns None otherwise; the caller then runs the plain reader, whose checks and messages are the
reference (binary, not UTF-8, ragged rows, long cells, control characters, ...). So a refused or
unusual file costs one quick look and then exactly the plain reader's time and words.

Refused here (None), each checked on the raw bytes or on the distinct texts:
- files below `FAST_MIN_BYTES` (the plain reader is quicker than importing pyarrow);
- NUL or other control bytes, a carriage return not followed by a line feed, text that is not
  UTF-8, Unicode line separators (U+0085, U+2028, U+2029: the plain reader splits lines there);
- rows of different widths, fewer than two columns, a cell longer than `tables.MAX_CELL`;
- quoting the plain reader's `csv` module reads differently: an odd number of quotes on a line,
  spaces between a separator and a quote, runs of the separator " ";
- a cell holding the comment mark (`network.comment`; the plain reader may skip its line);
- whitespace-separated files whose cells still hold whitespace after runs of spaces and tabs are
  made one space (e.g. a no-break space, which `str.split` splits on).
Comment lines (`network.comment`) and blank lines are removed before parsing, as the plain reader
skips them. Rows' line numbers are not kept: a message that needs one (`line()`) raises
`columns.NeedsPlainReader`, and the caller reads the file again the plain way.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np

from simulation.network.columns import Coded, NeedsPlainReader
from simulation.network.tables import MAX_CELL, Table, column_index, exists, has_header, split_on

FAST_MIN_BYTES = 256 * 1024  # below this the plain reader takes less time than importing pyarrow (~0.3 s)
MAX_COLUMNS = 256  # columns read as dictionaries of text; a wider file goes to the plain reader
CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])  # as tables.CONTROL_RE
LINE_SEPARATORS = ("\x85", "\u2028", "\u2029")  # str.splitlines breaks lines there; pyarrow does not


class ArrowColumns:
    """The coded columns of a parsed file (header removed), found by name or number as in `tables`."""

    def __init__(self, path: Path, header: list[str] | None, columns: list[Coded]) -> None:
        self.path = path
        self.header = header
        self.columns = columns
        rows = [[""] * len(columns)] if columns and len(columns[0]) else []
        self._shape = Table(path, header, rows, [])  # for `column_index`: names and width, its messages

    def column(self, spec: str | int, key: str) -> Coded:
        return self.columns[column_index(self._shape, spec, key)]

    def line(self, row: int) -> int:
        raise NeedsPlainReader(f"line of row {row}")


def read_coded(
    path: Path, key: str, delimiter: str, header: bool | str, named: bool, comment: str, id_columns: list[int]
) -> ArrowColumns | None:
    """The file's coded columns as `tables.read_table` would read them, or None (see the module)."""
    try:
        if not exists(path) or not path.is_file() or path.stat().st_size < FAST_MIN_BYTES:
            return None
        raw = path.read_bytes()
    except OSError:
        return None
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    if not _plain_text(raw):
        return None
    raw = _without_skipped_lines(raw, comment)
    if comment and comment.encode("utf-8") in raw:
        return None  # the comment mark inside a line: the plain reader decides whether the line is a comment
    sep = split_on(path, delimiter)
    if sep is None:
        cells = _whitespace_columns(raw)
    else:
        cells = _delimited_columns(raw, sep)
    if cells is None:
        return None
    first_rows = [[col.values[col.codes[r]] for col in cells] for r in range(min(2, len(cells[0])))]
    if has_header(first_rows, header, named, id_columns):
        return ArrowColumns(path, first_rows[0], [_without_first_row(col) for col in cells])
    return ArrowColumns(path, None, cells)


def _plain_text(raw: bytes) -> bool:
    """No control bytes, CR only before LF, valid UTF-8 without Unicode line separators."""
    if len(raw.translate(None, CONTROL_BYTES)) != len(raw):  # a copy without them: 10x quicker than counting
        return False
    returns = raw.count(b"\r")
    if returns and returns != raw.count(b"\r\n"):
        return False
    if raw.isascii():
        return True
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(s in text for s in LINE_SEPARATORS)


def _without_skipped_lines(raw: bytes, comment: str) -> bytes:
    """`raw` without comment lines and blank lines (the plain reader skips both)."""
    mark = comment.encode("utf-8")
    if mark and mark in raw:
        raw = re.sub(rb"(?m)^[ \t]*" + re.escape(mark) + rb"[^\n]*(?:\n|\Z)", b"", raw)
    spaced = (b" " in raw or b"\t" in raw) and (b"\n " in raw or b"\n\t" in raw)  # a line of only spaces?
    empty = b"\n\n" in raw or b"\n\r\n" in raw or raw[:1] in (b"\n", b"\r", b" ", b"\t")
    if empty or (spaced and re.search(rb"\n[ \t]*\r?(?:\n|\Z)", raw)):
        raw = re.sub(rb"(?m)^[ \t]*\r?(?:\n|\Z)", b"", raw)
    return raw


def _whitespace_columns(raw: bytes) -> list[Coded] | None:
    """Cells split on runs of whitespace (`str.split`), or None when pyarrow cannot split them so."""
    single = "\t" if b"\t" in raw and b" " not in raw else " "
    cells = _parse(raw, single, quoted=False)
    if cells is None or not _whole_words(cells):
        cells = _parse(_one_space(raw), " ", quoted=False)
        if cells is None or not _whole_words(cells):
            return None
    return cells


def _one_space(raw: bytes) -> bytes:
    """Runs of spaces and tabs made one space, none at a line's ends."""
    raw = re.sub(rb"[ \t]+", b" ", raw)
    return re.sub(rb"(?m)^ | (?=\r?$)", b"", raw)


def _whole_words(cells: list[Coded]) -> bool:
    """Every distinct cell is one word as `str.split` sees it (so the split matched the plain one)."""
    return all(v.split() == [v] for col in cells for v in col.values)


def _delimited_columns(raw: bytes, sep: str) -> list[Coded] | None:
    """Cells split on `sep` with `"` quotes, as `csv.reader(skipinitialspace=True)`; None if unsure."""
    token = re.escape(sep.encode("utf-8"))
    if sep == " " and b"  " in raw:
        return None  # skipinitialspace makes a run of the separator one; pyarrow gives empty cells
    if b'"' in raw:
        if re.search(rb"(?m)(?:^|" + token + rb") +\"", raw) or not _quotes_pair_up(raw):
            return None
    cells = _parse(raw, sep, quoted=True)
    if cells is None:
        return None
    if raw.isascii() and not any(space in raw for space in (b" ", b"\t") if space != sep.encode()):
        return cells  # no cell has whitespace to strip
    return [col.mapped(str.strip) for col in cells]


def _quotes_pair_up(raw: bytes) -> bool:
    """Every line holds an even number of `"` (no quoted field spans lines)."""
    data = np.frombuffer(raw, dtype=np.uint8)
    quotes = np.flatnonzero(data == ord('"'))
    breaks = np.flatnonzero(data == ord("\n"))
    per_line = np.bincount(np.searchsorted(breaks, quotes), minlength=breaks.shape[0] + 1)
    return not (per_line % 2).any()


def _parse(raw: bytes, sep: str, quoted: bool) -> list[Coded] | None:
    """pyarrow's columns of `raw` as coded texts, or None when it refuses or the table is unusual."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pv

    try:
        table = pv.read_csv(
            io.BytesIO(raw),
            read_options=pv.ReadOptions(autogenerate_column_names=True, block_size=1 << 24),
            parse_options=pv.ParseOptions(
                delimiter=sep, quote_char='"' if quoted else False, double_quote=True, ignore_empty_lines=True
            ),
            convert_options=pv.ConvertOptions(
                column_types={f"f{k}": pa.string() for k in range(MAX_COLUMNS)}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if not 2 <= table.num_columns <= MAX_COLUMNS or table.num_rows == 0:
        return None
    cells = []
    for name in table.column_names:
        encoded = pc.dictionary_encode(table.column(name).combine_chunks())
        if pc.max(pc.utf8_length(encoded.dictionary)).as_py() > MAX_CELL:
            return None
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        cells.append(Coded(encoded.dictionary.to_pylist(), codes))
    return cells


def _without_first_row(col: Coded) -> Coded:
    """`col` without its first row (a header); its text is dropped when no other row holds it."""
    first, codes = int(col.codes[0]), col.codes[1:]
    if (codes == first).any():
        return Coded(col.values, codes)
    values = col.values[:first] + col.values[first + 1 :]
    return Coded(values, codes - (codes > first))
