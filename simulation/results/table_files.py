"""Where the tables of a results folder go, and where they are read back from: CSV, Parquet or both.

Every table a command writes (steps, replications, scenarios, comparison, ... of a run; points,
summary, ... of an experiment; portfolios, best, ... of a budget plan; calibration, samples, fit of a
calibration) goes through `write_table`, or, for steps (written as the replications come),
`TableStream`; `read_table` reads one back from whichever file exists, Parquet first.

- CSV (`<name>.csv`): the bytes of `tables.to_csv_bytes` (10 significant digits, NaN and missing text
  as an empty cell, text that a spreadsheet would run as a formula prefixed by an apostrophe), for
  planners and spreadsheets.
- Parquet (`<name>.parquet`): typed columns (`arrow_type`: integers int64, floats float64, text
  string, booleans bool; a missing value, NaN included, is null; an empty text is null, as it is an
  empty cell in the CSV), every digit kept, text exactly as it is (the apostrophe is a spreadsheet
  matter: a Parquet reader never evaluates a cell). Compressed with zstd. The file's key-value
  metadata holds, under `MANIFEST_KEY`, what was run (JSON: the scenario files, their hashes and
  resolved text, seeds, package versions, git commit; not the timings, so that the same run gives
  the same bytes).

`FORMAT_CHOICES` are the values of the commands' `--format` (default `DEFAULT_FORMAT`, "both":
planners keep their CSV files, analysts get typed Parquet files; docs/DATA.md).

`write_datapackage` describes the folder's tables in `datapackage.json`, a Frictionless Data Package
(https://specs.frictionlessdata.io/data-package/) whose resources carry a Table Schema: each file's
path and format and each column's name, type, unit and meaning, from the column dictionary
(`results.columns`, which takes the outcomes' meaning and unit from `simulation.outcomes`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from simulation.errors import OptionError
from simulation.results.columns import describe
from simulation.results.tables import FLOAT_FORMAT, restored, to_csv_bytes

CSV, PARQUET = "csv", "parquet"
FORMAT_CHOICES: dict[str, tuple[str, ...]] = {"csv": (CSV,), "parquet": (PARQUET,), "both": (CSV, PARQUET)}
DEFAULT_FORMAT = "both"
DEFAULT_FORMATS = FORMAT_CHOICES[DEFAULT_FORMAT]
MANIFEST_KEY = "simulation.manifest"  # Parquet key-value metadata: what was run (JSON)
DATAPACKAGE = "datapackage.json"
# zstd: small files every reader (pyarrow, polars, DuckDB, R arrow) opens. No Arrow schema stored
# beside the Parquet one (the types here need none): the file's key-value metadata, where the
# manifest is, is then the schema's metadata for every reader.
PARQUET_OPTIONS = {"compression": "zstd", "store_schema": False}
ROW_GROUP_ROWS = 100_000  # rows of a streamed table held before they are written as one Parquet row group
# What a manifest records about how a run went rather than what was run: left out of the Parquet
# metadata, so that a resumed run's tables equal an uninterrupted run's byte for byte.
VOLATILE_MANIFEST_KEYS = ("complete", "resumed", "report", "command", "started_at", "timings_seconds", "workers")


def formats_for(choice: str, option: str = "--format") -> tuple[str, ...]:
    """The file formats of a `--format` value (csv, parquet or both); OptionError names what is allowed."""
    try:
        return FORMAT_CHOICES[choice.strip().lower()]
    except KeyError:
        raise OptionError(f"{option} {choice!r}: not a table format; use one of {', '.join(FORMAT_CHOICES)}") from None


def table_stem(name: str) -> str:
    """'steps' for 'steps', 'steps.csv' or 'steps.parquet'."""
    for suffix in (".csv", ".parquet"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def stable_manifest(manifest: Mapping) -> dict:
    """`manifest` without what varies from one run of the same thing to the next (`VOLATILE_MANIFEST_KEYS`)."""
    return {key: value for key, value in manifest.items() if key not in VOLATILE_MANIFEST_KEYS}


def _missing(value: object) -> bool:
    """None, pandas' NA, NaN or an empty text: a missing value (an empty cell of the CSV)."""
    if value is None or value is pd.NA:
        return True
    return (isinstance(value, float) and np.isnan(value)) or (isinstance(value, str) and value == "")


def _plain(values: Sequence[object]) -> list[object]:
    """The cells with every missing value (`_missing`) as None."""
    return [None if _missing(v) else v for v in values]


def arrow_type(series: pd.Series) -> pa.DataType:
    """The Parquet type of a column: int64 for integers, float64 for floats (and for a column of
    integers and floats), bool for booleans, string for text (and for any other mix, as written)."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return pa.bool_()
    if pd.api.types.is_integer_dtype(dtype):
        return pa.int64()
    if pd.api.types.is_float_dtype(dtype):
        return pa.float64()
    cells = [c for c in _plain(series.tolist()) if c is not None]
    if cells and all(isinstance(c, bool | np.bool_) for c in cells):
        return pa.bool_()
    if cells and all(isinstance(c, int | np.integer) and not isinstance(c, bool | np.bool_) for c in cells):
        return pa.int64()
    if cells and all(isinstance(c, int | float | np.number) and not isinstance(c, bool | np.bool_) for c in cells):
        return pa.float64()
    if not cells and not pd.api.types.is_string_dtype(dtype) and dtype.kind != "O":
        return pa.float64()
    return pa.string()


def _arrow_column(series: pd.Series, kind: pa.DataType) -> pa.Array:
    if pa.types.is_string(kind):
        cells = _plain(series.tolist())
        return pa.array([None if c is None else str(c) for c in cells], type=kind)
    if pa.types.is_floating(kind) and pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64)
        return pa.array(values, type=kind, mask=np.isnan(values))  # NaN is a missing value, as in the CSV
    if pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_extension_array_dtype(series.dtype):
        return pa.array(series.to_numpy(dtype=np.int64), type=kind)
    return pa.array(_plain(series.tolist()), type=kind)


def arrow_schema(frame: pd.DataFrame) -> pa.Schema:
    """The typed schema of `frame` (`arrow_type` of each column)."""
    return pa.schema([pa.field(str(name), arrow_type(frame.iloc[:, i])) for i, name in enumerate(frame.columns)])


def arrow_table(frame: pd.DataFrame, schema: pa.Schema | None = None) -> pa.Table:
    """`frame` as an Arrow table of `schema` (default `arrow_schema(frame)`), without pandas' metadata."""
    schema = schema if schema is not None else arrow_schema(frame)
    columns = [_arrow_column(frame.iloc[:, i], schema.field(i).type) for i in range(frame.shape[1])]
    return pa.Table.from_arrays(columns, schema=schema)


def parquet_metadata(manifest: Mapping | None) -> dict[str, str]:
    """The key-value metadata of a Parquet table: the manifest's stable part as JSON (`MANIFEST_KEY`)."""
    if manifest is None:
        return {}
    return {MANIFEST_KEY: json.dumps(stable_manifest(manifest), sort_keys=False, allow_nan=False)}


def write_table(
    folder: Path,
    name: str,
    frame: pd.DataFrame,
    formats: Sequence[str] = DEFAULT_FORMATS,
    manifest: Mapping | None = None,
    schema: pa.Schema | None = None,
) -> None:
    """Write table `name` (e.g. 'replications') of `frame` into `folder` in each of `formats`
    (`<name>.csv`, `<name>.parquet`), the Parquet file with `manifest`'s stable part in its metadata."""
    stem = table_stem(name)
    if CSV in formats:
        (folder / f"{stem}.csv").write_bytes(to_csv_bytes(frame))
    if PARQUET in formats:
        table = arrow_table(frame, schema)
        with pq.ParquetWriter(folder / f"{stem}.parquet", table.schema, **PARQUET_OPTIONS) as writer:
            writer.write_table(table)
            metadata = parquet_metadata(manifest)
            if metadata:
                writer.add_key_value_metadata(metadata)


class TableStream:
    """One table written in parts as they come (steps: a few hundred replications at a time), in each of
    `formats`: the CSV file grows part by part; the Parquet file gets a row group every
    `ROW_GROUP_ROWS` rows (memory holds at most that many rows). `close(manifest)` finishes both.

    Every part must have the columns of `schema`; without a schema the first part's types are used."""

    def __init__(
        self, folder: Path, name: str, formats: Sequence[str] = DEFAULT_FORMATS, schema: pa.Schema | None = None
    ) -> None:
        stem = table_stem(name)
        self._csv = open(folder / f"{stem}.csv", "wb") if CSV in formats else None  # noqa: SIM115 (closed in close)
        self._parquet_path = folder / f"{stem}.parquet" if PARQUET in formats else None
        self._schema = schema
        self._writer: pq.ParquetWriter | None = None
        self._pending: list[pa.Table] = []
        self._rows = 0
        self._header = True

    def write(self, frame: pd.DataFrame) -> None:
        if self._csv is not None:
            self._csv.write(to_csv_bytes(frame, header=self._header))
            self._header = False
        if self._parquet_path is not None:
            if self._schema is None:
                self._schema = arrow_schema(frame)
            self._pending.append(arrow_table(frame, self._schema))
            self._rows += len(frame)
            if self._rows >= ROW_GROUP_ROWS:
                self._flush()

    def _open_writer(self) -> pq.ParquetWriter:
        if self._writer is None:
            assert self._parquet_path is not None and self._schema is not None
            self._writer = pq.ParquetWriter(self._parquet_path, self._schema, **PARQUET_OPTIONS)
        return self._writer

    def _flush(self) -> None:
        if self._pending:
            table = pa.concat_tables(self._pending)
            self._open_writer().write_table(table, row_group_size=max(1, table.num_rows))
        self._pending, self._rows = [], 0

    def close(self, manifest: Mapping | None = None) -> None:
        """Finish the files (a table without rows: the CSV empty, the Parquet file with its schema only)."""
        if self._csv is not None:
            self._csv.close()
            self._csv = None
        if self._parquet_path is None:
            return
        self._flush()
        if self._schema is None:
            self._schema = pa.schema([])
        writer = self._open_writer()
        metadata = parquet_metadata(manifest)
        if metadata:
            writer.add_key_value_metadata(metadata)
        writer.close()
        self._parquet_path = None

    def abort(self) -> None:
        """Close the files without finishing them (the folder they are in is being discarded)."""
        if self._csv is not None:
            self._csv.close()
            self._csv = None
        if self._writer is not None:
            self._writer.close()
        self._parquet_path = None


class UnreadableTable(ValueError):
    """A table file that is missing or cannot be read as CSV or Parquet (the message names the file)."""


def table_file(folder: Path, name: str) -> Path | None:
    """The file `read_table` reads for table `name` of `folder` (`<name>.parquet`, else `<name>.csv`), or None."""
    stem = table_stem(name)
    for path in (folder / f"{stem}.parquet", folder / f"{stem}.csv"):
        if path.is_file():
            return path
    return None


def has_table(folder: Path, name: str) -> bool:
    return table_file(folder, name) is not None


def _read_csv(path: Path, text: Sequence[str], **options) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=dict.fromkeys(text, str), **options)


def _required(folder: Path, name: str) -> Path:
    path = table_file(folder, name)
    if path is None:
        raise UnreadableTable(f"{folder / (table_stem(name) + '.csv')}: missing (nor is there a .parquet file)")
    return path


def csv_digits(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with every float rounded to the 10 significant digits its CSV file holds (`"%.10g"`,
    then read back): a table read from its Parquet file then gives the same numbers as from its CSV
    file, to the last bit (each distinct value formatted once)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column].dtype):
            distinct, where = np.unique(out[column].to_numpy(dtype=np.float64), return_inverse=True)
            rounded = np.array([float(FLOAT_FORMAT % v) for v in distinct.tolist()], dtype=np.float64)
            out[column] = rounded[where] if distinct.size else out[column]
    return out


def read_table(folder: Path, name: str, text: Sequence[str] = (), as_csv: bool = False) -> pd.DataFrame:
    """Table `name` of `folder` from `<name>.parquet` if it exists, else `<name>.csv` (its text as it
    was before the CSV defused it: `tables.restored`; `text`: columns read as text, e.g. group names
    where 'NA' is a name); UnreadableTable if neither can be read. Missing values are NaN either way.
    `as_csv`: floats of the Parquet file rounded as in the CSV (`csv_digits`), so that what is read
    does not depend on the format (the report: the same text from either file)."""
    path = _required(folder, name)
    try:
        if path.suffix == ".parquet":
            frame = pq.read_table(path).to_pandas()
            return csv_digits(frame) if as_csv else frame
        return restored(_read_csv(path, text))
    except (pa.ArrowException, OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UnreadableTable(f"{path}: cannot be read as {path.suffix[1:].upper()} ({exc})") from None


def table_columns(folder: Path, name: str) -> list[str]:
    """The column names of table `name` (its header), without reading its rows."""
    path = _required(folder, name)
    try:
        if path.suffix == ".parquet":
            return list(pq.read_schema(path).names)
        return list(pd.read_csv(path, nrows=0).columns)
    except (pa.ArrowException, OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UnreadableTable(f"{path}: cannot be read as {path.suffix[1:].upper()} ({exc})") from None


def iter_table(folder: Path, name: str, rows: int, text: Sequence[str] = ()) -> Iterator[pd.DataFrame]:
    """Table `name` in frames of at most `rows` rows (a table too big to hold), as `read_table` reads it."""
    path = _required(folder, name)
    try:
        if path.suffix == ".parquet":
            for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
                yield batch.to_pandas()
            return
        with _read_csv(path, text, chunksize=rows) as reader:
            yield from map(restored, reader)
    except (pa.ArrowException, OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UnreadableTable(f"{path}: cannot be read as {path.suffix[1:].upper()} ({exc})") from None


def read_manifest(path: Path) -> dict | None:
    """The manifest in a Parquet file's metadata (`MANIFEST_KEY`), or None."""
    metadata = pq.ParquetFile(path).metadata.metadata or {}
    text = metadata.get(MANIFEST_KEY.encode())
    return None if text is None else json.loads(text)


def table_names(folder: Path) -> list[str]:
    """The tables of `folder` (stems of its .csv and .parquet files), sorted."""
    return sorted({p.stem for p in folder.iterdir() if p.is_file() and p.suffix in (".csv", ".parquet")})


def table_text(folder: Path, name: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of table `name` as the cells of its CSV file (read from the CSV when there is
    one, else the Parquet file written as `to_csv_bytes` would write it)."""
    import csv
    import io

    csv_path = folder / f"{table_stem(name)}.csv"
    if csv_path.is_file():
        with csv_path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    else:
        rows = list(csv.reader(io.StringIO(to_csv_bytes(read_table(folder, name)).decode())))
    return (rows[0], rows[1:]) if rows else ([], [])


def table_rows(folder: Path, name: str) -> int:
    """Data rows of table `name` (the Parquet file's metadata when there is one; else the CSV's lines)."""
    path = _required(folder, name)
    if path.suffix == ".parquet":
        return int(pq.ParquetFile(path).metadata.num_rows)
    with path.open("rb") as handle:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) - 1)


# Table Schema field types (https://specs.frictionlessdata.io/table-schema/#types-and-formats) of Arrow types.
def field_type(kind: pa.DataType) -> str:
    if pa.types.is_boolean(kind):
        return "boolean"
    if pa.types.is_integer(kind):
        return "integer"
    if pa.types.is_floating(kind):
        return "number"
    if pa.types.is_null(kind):
        return "any"
    return "string"


def _schema_of(path: Path) -> pa.Schema:
    if path.suffix == ".parquet":
        return pq.read_schema(path).remove_metadata()
    options = pacsv.ConvertOptions(null_values=[""], strings_can_be_null=True)
    try:
        return pacsv.read_csv(path, convert_options=options).schema
    except pa.ArrowInvalid:  # an empty file (a table without rows or columns)
        return pa.schema([])


def _fields(stem: str, schema: pa.Schema) -> list[dict]:
    fields = []
    for field in schema:
        column = describe(f"{stem}.csv", field.name)
        entry = {"name": field.name, "type": field_type(field.type), "description": column.meaning}
        if column.unit:
            entry["unit"] = column.unit
        fields.append(entry)
    return fields


CSV_DIALECT = {"delimiter": ",", "lineTerminator": "\n", "quoteChar": '"', "doubleQuote": True, "header": True}


def datapackage(folder: Path, title: str, notes: Mapping[str, str] | None = None) -> dict:
    """The Data Package of `folder`'s tables: one resource per file (name = file name), its Table
    Schema from the Parquet file's types when there is one (the CSV of the same table shares them),
    else the types read from the CSV; `notes`: CSV file name ('steps.csv') -> what the table holds."""
    resources = []
    for stem in table_names(folder):
        parquet, csv_path = folder / f"{stem}.parquet", folder / f"{stem}.csv"
        schema = _schema_of(parquet if parquet.is_file() else csv_path)
        fields = _fields(stem, schema)
        for path in (csv_path, parquet):
            if not path.is_file():
                continue
            resource: dict[str, object] = {
                "name": path.name.lower(),
                "path": path.name,
                "profile": "tabular-data-resource",
                "format": path.suffix[1:],
            }
            if notes and f"{stem}.csv" in notes:
                resource["description"] = notes[f"{stem}.csv"]
            if path.suffix == ".csv":
                resource |= {"mediatype": "text/csv", "encoding": "utf-8", "dialect": CSV_DIALECT}
                resource["schema"] = {"fields": fields, "missingValues": [""]}  # an empty cell
            else:
                resource["mediatype"] = "application/vnd.apache.parquet"
                resource["schema"] = {"fields": fields, "missingValues": []}  # Parquet's own nulls
            resources.append(resource)
    return {
        "profile": "tabular-data-package",
        "name": "simulate-results",
        "title": title,
        "description": (
            "Tables written by `simulate` (clinician AI-adoption simulator). CSV and Parquet files of the same "
            "table hold the same values: the CSV with 10 significant digits, text that starts like a "
            "spreadsheet formula (=, +, -, @) prefixed by an apostrophe; the Parquet file with every digit, "
            "its text as it is, and what was run in its metadata (key simulation.manifest). See docs/DATA.md."
        ),
        "resources": resources,
    }


def write_datapackage(folder: Path, title: str, notes: Mapping[str, str] | None = None) -> Path:
    """Write `folder/datapackage.json` (`datapackage`); its path."""
    path = folder / DATAPACKAGE
    path.write_text(json.dumps(datapackage(folder, title, notes), indent=2) + "\n", encoding="utf-8")
    return path
