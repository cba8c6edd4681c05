"""A table column as its distinct cell texts and one code per row, for reading big files fast.

A tie file of two million rows names perhaps a hundred thousand clinicians and a handful of layers,
weights and direction words. Coding each column once (`Coded`: the distinct texts in order of first
appearance, and per row the position of its text among them) lets every later step work on the
distinct texts in Python (exactly the plain reader's rules: `str.strip`, `text_number`, `number`)
and on the rows with numpy. Both readers (`tables.read_table`, `arrow_table.read_coded`) give
columns in this form.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain

import numpy as np

from simulation.network.tables import Table, column


@dataclass
class Coded:
    """One column: its distinct texts (first appearance first) and each row's code into them."""

    values: list[str]
    codes: np.ndarray  # (rows,) int64, values[codes[r]] is row r's text

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    def texts(self) -> list[str]:
        """Every row's text (a Python list: only for small tables)."""
        values = self.values
        return [values[c] for c in self.codes.tolist()]

    def mapped(self, convert: Callable[[str], str]) -> Coded:
        """The column with `convert` applied to each text (texts that become equal share a code)."""
        converted = [convert(v) for v in self.values]
        if converted == self.values:
            return self
        merged: dict[str, int] = {}
        remap = np.array([merged.setdefault(v, len(merged)) for v in converted], dtype=np.int64)
        return Coded(list(merged), remap[self.codes] if remap.size else self.codes.copy())

    def first_row(self, code: int) -> int:
        """The first row (0-based) holding the text `values[code]`."""
        return int(np.argmax(self.codes == code))


def coded(cells: Iterable[str], count: int) -> Coded:
    """`count` cells as a `Coded` column."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(c, len(index)) for c in cells), dtype=np.int64, count=count)
    return Coded(list(index), codes)


def in_order_of_appearance(codes: np.ndarray) -> np.ndarray:
    """The distinct entries of `codes` (integers >= 0), in the order they first appear."""
    if codes.size == 0:
        return codes.copy()
    first = np.full(int(codes.max()) + 1, codes.shape[0], dtype=np.int64)
    np.minimum.at(first, codes, np.arange(codes.shape[0], dtype=np.int64))
    present = np.flatnonzero(first < codes.shape[0])
    return present[np.argsort(first[present], kind="stable")]


def distinct_sorted(values: np.ndarray) -> np.ndarray:
    """`np.unique(values)` for integers, by sorting (numpy 2's hashing `unique` is ~50x slower on 2 million)."""
    ordered = np.sort(values)
    if ordered.size == 0:
        return ordered
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


def shared_codes(first: Coded, second: Coded) -> tuple[list[str], np.ndarray]:
    """The texts of two columns of one namespace (sources and targets) and the rows' codes, (rows, 2)."""
    names = list(dict.fromkeys(chain(first.values, second.values)))
    position = dict(zip(names, range(len(names)), strict=True))
    ends = np.empty((len(first), 2), dtype=np.int64)
    for k, column_ in enumerate((first, second)):
        remap = np.fromiter(map(position.__getitem__, column_.values), dtype=np.int64, count=len(column_.values))
        ends[:, k] = remap[column_.codes] if remap.size else column_.codes
    return names, ends


class NeedsPlainReader(Exception):
    """The fast reader cannot say what the plain one would (a line number for a message, an unusual
    file): the caller reads the file again with `tables.read_table`, whose messages are the reference."""


class TableColumns:
    """The columns of a plain `tables.Table`, coded; rows know their line numbers."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.path = table.path

    def column(self, spec: str | int, key: str) -> Coded:
        cells = column(self.table, spec, key)
        return coded(cells, len(cells))

    def line(self, row: int) -> int:
        return self.table.lines[row]
